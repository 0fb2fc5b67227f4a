/**
 * Source Object Scope: the mapping's scoping filters (Graph's `filter`: each filter's clauses are
 * ANDed, the filters ORed; docs/expressions.md#6-scoping-filters), with the fourteen operators of
 * GET …/schema/filterOperators; and a tester that shows, for a chosen user, which clause passes or
 * fails and the value it saw (POST /provisio/v1/jobs/{jobId}/scopingFilters/evaluate, the engine's
 * own evaluator, docs/api.md#scoping-filter-test).
 */
import {
  Badge,
  Button,
  Card,
  Field,
  Input,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  makeStyles,
  Select,
  Spinner,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  tokens,
} from '@fluentui/react-components';
import { AddRegular, DeleteRegular } from '@fluentui/react-icons';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, call } from '../../api/client';
import type { components } from '../../api/schema';
import { ErrorMessage } from '../../components/ErrorMessage';
import type { Filter, FilterClause, FilterGroup } from './model';
import { SourceObjectPicker, type SourceObjectSummary, useDebounced } from './SourceObjectPicker';

type Evaluation = components['schemas']['scopingFilterResult'];

const useStyles = makeStyles({
  section: { display: 'flex', flexDirection: 'column', gap: '12px' },
  group: { display: 'flex', flexDirection: 'column', gap: '8px' },
  groupHead: { display: 'flex', gap: '8px', alignItems: 'flex-end', flexWrap: 'wrap' },
  scroll: { overflowX: 'auto' },
  table: { minWidth: '640px' },
  problem: { color: tokens.colorPaletteRedForeground1 },
  row: { display: 'flex', gap: '8px', flexWrap: 'wrap', alignItems: 'center' },
  or: { color: tokens.colorNeutralForeground3 },
  value: { fontFamily: tokens.fontFamilyMonospace },
});

export interface ScopeEditorProps {
  jobId: string;
  spId: string;
  object: 'User' | 'Group';
  scope: Filter | null;
  sourceAttributes: readonly string[];
  readOnly: boolean;
  /** Problems of the last Save by clause, keyed "group.clause". */
  clauseProblems: ReadonlyMap<string, string[]>;
  onChange(scope: Filter | null): void;
}

const emptyClause = (attribute: string): FilterClause => ({
  sourceOperandName: attribute,
  operatorName: 'EQUALS',
  targetOperand: { values: [''] },
});

function clauseResultText(clause: Evaluation['groups'][number]['clauses'][number]): string {
  const value =
    clause.actualValue === null
      ? 'no value'
      : Array.isArray(clause.actualValue)
        ? clause.actualValue.join(', ')
        : `"${clause.actualValue}"`;
  return `${clause.passed ? '✓ passes' : '✗ fails'} (value: ${value}${clause.reason === null ? '' : `; ${clause.reason}`})`;
}

export function ScopeEditor(props: ScopeEditorProps) {
  const styles = useStyles();
  const { scope, readOnly, object } = props;
  const groups = scope?.groups ?? [];
  const [user, setUser] = useState<SourceObjectSummary | null>(null);

  const operators = useQuery({
    queryKey: ['filterOperators', props.spId, props.jobId],
    queryFn: () =>
      call(
        api.GET('/v1.0/servicePrincipals/{spId}/synchronization/jobs/{jobId}/schema/filterOperators', {
          params: { path: { spId: props.spId, jobId: props.jobId } },
        }),
      ),
    staleTime: Number.POSITIVE_INFINITY,
  });
  const unary = new Set((operators.data?.value ?? []).filter((o) => o.arity === 'Unary').map((o) => o.name));

  const filterForTest = useDebounced(scope, 400);
  const evaluation = useQuery({
    queryKey: ['scopingFilterTest', props.jobId, object, user?.id, JSON.stringify(filterForTest)],
    queryFn: () =>
      call(
        api.POST('/provisio/v1/jobs/{jobId}/scopingFilters/evaluate', {
          params: { path: { jobId: props.jobId } },
          body: { objectId: user?.id ?? '', objectTypeName: object, filter: filterForTest },
        }),
      ),
    enabled: user !== null,
    retry: false,
    placeholderData: (previous) => previous,
  });
  // A result of older filters (groups or clauses since added or removed) is not shown against new ones.
  const result =
    evaluation.data !== undefined &&
    !evaluation.isError &&
    JSON.stringify(filterForTest) === JSON.stringify(scope) &&
    evaluation.data.groups.length === groups.length
      ? evaluation.data
      : undefined;

  const write = (next: FilterGroup[]) =>
    props.onChange(
      next.length === 0 ? null : { groups: next, inputFilterGroups: [], categoryFilterGroups: [] },
    );
  const setGroup = (index: number, group: FilterGroup) =>
    write(groups.map((g, i) => (i === index ? group : g)));
  const setClause = (g: number, c: number, change: Partial<FilterClause>) => {
    const group = groups[g];
    if (group === undefined) return;
    setGroup(g, {
      ...group,
      clauses: group.clauses.map((clause, i) => (i === c ? { ...clause, ...change } : clause)),
    });
  };
  const firstAttribute = props.sourceAttributes.includes('department')
    ? 'department'
    : (props.sourceAttributes[0] ?? '');

  return (
    <div className={styles.section}>
      <Text>
        {groups.length === 0
          ? 'All records: there are no scoping filters, so every assigned object is in scope.'
          : 'An object is in scope when it passes one scoping filter: every clause of that filter (AND). The filters are ORed.'}
      </Text>
      {operators.isError && <ErrorMessage error={operators.error} title="The operators could not be read" />}
      {groups.map((group, g) => {
        const groupResult = result?.groups[g];
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: filters and clauses are identified by position (Graph's, and the 400's targets)
          <div key={g}>
            {g > 0 && (
              <Text className={styles.or} weight="semibold">
                OR
              </Text>
            )}
            <Card className={styles.group} aria-label={`Scoping filter ${g + 1}`} role="group">
              <div className={styles.groupHead}>
                <Field label="Scoping Filter Title" style={{ flexGrow: 1 }}>
                  <Input
                    value={group.name}
                    readOnly={readOnly}
                    onChange={(_e, d) => setGroup(g, { ...group, name: d.value })}
                  />
                </Field>
                {groupResult !== undefined && (
                  <Badge color={groupResult.passed ? 'success' : 'danger'} appearance="tint">
                    {groupResult.passed ? 'Filter passes' : 'Filter fails'}
                  </Badge>
                )}
                <Button
                  icon={<DeleteRegular />}
                  disabled={readOnly}
                  onClick={() => write(groups.filter((_, i) => i !== g))}
                >
                  Remove scoping filter
                </Button>
              </div>
              <div className={styles.scroll}>
                <Table
                  size="small"
                  className={styles.table}
                  aria-label={`Clauses of scoping filter ${g + 1}`}
                >
                  <TableHeader>
                    <TableRow>
                      <TableHeaderCell>Source Attribute</TableHeaderCell>
                      <TableHeaderCell>Operator</TableHeaderCell>
                      <TableHeaderCell>Value</TableHeaderCell>
                      <TableHeaderCell>Result</TableHeaderCell>
                      <TableHeaderCell>Remove</TableHeaderCell>
                    </TableRow>
                  </TableHeader>
                  <TableBody>
                    {group.clauses.map((clause, c) => {
                      const where = `filter ${g + 1}, clause ${c + 1}`;
                      const isUnary = unary.has(clause.operatorName);
                      const attributes = props.sourceAttributes.includes(clause.sourceOperandName)
                        ? props.sourceAttributes
                        : [clause.sourceOperandName, ...props.sourceAttributes];
                      const problems = props.clauseProblems.get(`${g}.${c}`) ?? [];
                      const clauseResult = groupResult?.clauses[c];
                      return (
                        // biome-ignore lint/suspicious/noArrayIndexKey: filters and clauses are identified by position (Graph's, and the 400's targets)
                        <TableRow key={c}>
                          <TableCell>
                            <Select
                              aria-label={`Source Attribute (${where})`}
                              value={clause.sourceOperandName}
                              disabled={readOnly}
                              onChange={(_e, d) => setClause(g, c, { sourceOperandName: d.value })}
                            >
                              {attributes.map((name) => (
                                <option key={name} value={name}>
                                  {name}
                                </option>
                              ))}
                            </Select>
                          </TableCell>
                          <TableCell>
                            <Select
                              aria-label={`Operator (${where})`}
                              value={clause.operatorName}
                              disabled={readOnly}
                              onChange={(_e, d) =>
                                setClause(g, c, {
                                  operatorName: d.value,
                                  targetOperand: {
                                    values: unary.has(d.value) ? [] : [clause.targetOperand.values[0] ?? ''],
                                  },
                                })
                              }
                            >
                              {(operators.data?.value ?? [{ name: clause.operatorName }]).map((o) => (
                                <option key={o.name} value={o.name}>
                                  {o.name}
                                </option>
                              ))}
                            </Select>
                          </TableCell>
                          <TableCell>
                            {!isUnary && (
                              <Input
                                aria-label={`Value (${where})`}
                                value={clause.targetOperand.values[0] ?? ''}
                                readOnly={readOnly}
                                onChange={(_e, d) =>
                                  setClause(g, c, { targetOperand: { values: [d.value] } })
                                }
                              />
                            )}
                            {problems.map((message) => (
                              <Text key={message} block size={200} className={styles.problem} role="alert">
                                {message}
                              </Text>
                            ))}
                          </TableCell>
                          <TableCell data-testid={`clause-result-${g}-${c}`}>
                            {clauseResult !== undefined && (
                              <Text
                                style={{
                                  color: clauseResult.passed
                                    ? tokens.colorPaletteGreenForeground1
                                    : tokens.colorPaletteRedForeground1,
                                }}
                              >
                                {clauseResultText(clauseResult)}
                              </Text>
                            )}
                          </TableCell>
                          <TableCell>
                            <Button
                              icon={<DeleteRegular />}
                              aria-label={`Remove clause (${where})`}
                              disabled={readOnly}
                              onClick={() => {
                                const clauses = group.clauses.filter((_, i) => i !== c);
                                if (clauses.length === 0) write(groups.filter((_, i) => i !== g));
                                else setGroup(g, { ...group, clauses });
                              }}
                            />
                          </TableCell>
                        </TableRow>
                      );
                    })}
                  </TableBody>
                </Table>
              </div>
              <div>
                <Button
                  icon={<AddRegular />}
                  disabled={readOnly}
                  onClick={() =>
                    setGroup(g, { ...group, clauses: [...group.clauses, emptyClause(firstAttribute)] })
                  }
                >
                  Add new scoping clause
                </Button>
              </div>
            </Card>
          </div>
        );
      })}
      <div>
        <Button
          icon={<AddRegular />}
          disabled={readOnly}
          onClick={() =>
            write([
              ...groups,
              { name: `Scoping filter ${groups.length + 1}`, clauses: [emptyClause(firstAttribute)] },
            ])
          }
        >
          Add scoping filter
        </Button>
      </div>
      <Card className={styles.group}>
        <Text weight="semibold">Test the scoping filters</Text>
        <SourceObjectPicker
          jobId={props.jobId}
          type={object}
          label={object === 'User' ? 'User to test' : 'Group to test'}
          hint="See which clause it passes or fails, with the filters as they are on this page (saved or not)."
          selected={user}
          onSelect={setUser}
        />
        {user !== null && evaluation.isFetching && <Spinner size="tiny" label="Testing…" />}
        {user !== null && evaluation.isError && (
          <ErrorMessage error={evaluation.error} title="The scoping filters could not be tested" />
        )}
        {user !== null && result !== undefined && (
          <MessageBar
            intent={result.inScope ? 'success' : 'warning'}
            layout="multiline"
            data-testid="scope-result"
          >
            <MessageBarBody>
              <MessageBarTitle>
                {result.inScope
                  ? `${result.displayName} is in scope`
                  : `${result.displayName} is out of scope`}
              </MessageBarTitle>
              {result.summary}
            </MessageBarBody>
          </MessageBar>
        )}
      </Card>
    </div>
  );
}
