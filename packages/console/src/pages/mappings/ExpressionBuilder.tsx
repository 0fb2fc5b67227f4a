/**
 * The Expression builder: write an expression (docs/expressions.md), insert a function from the
 * language's list (GET …/schema/functions), pick a source user and "Test expression" (Graph's
 * parseExpression with the user's properties): the result, or why it does not parse or evaluate.
 */
import {
  Button,
  Field,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  makeStyles,
  Select,
  Spinner,
  Text,
  Textarea,
  tokens,
} from '@fluentui/react-components';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { api, call } from '../../api/client';
import { ErrorMessage } from '../../components/ErrorMessage';
import { SourceObjectPicker, type SourceObjectSummary, useSourceProperties } from './SourceObjectPicker';

const useStyles = makeStyles({
  builder: {
    display: 'flex',
    flexDirection: 'column',
    gap: '12px',
    padding: '12px',
    border: `1px solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
  },
  row: { display: 'flex', gap: '8px', alignItems: 'flex-end', flexWrap: 'wrap' },
  grow: { flexGrow: 1, flexBasis: '180px', minWidth: 0 },
  select: { width: '100%', minWidth: 0 },
  code: { fontFamily: tokens.fontFamilyMonospace },
  result: { fontFamily: tokens.fontFamilyMonospace, whiteSpace: 'pre-wrap', wordBreak: 'break-word' },
});

export function ExpressionBuilder({
  spId,
  jobId,
  object,
  expression,
  onChange,
  readOnly,
  problem,
}: {
  spId: string;
  jobId: string;
  object: 'User' | 'Group';
  expression: string;
  onChange(expression: string): void;
  readOnly: boolean;
  /** A problem the server reported for this mapping. */
  problem?: string | undefined;
}) {
  const styles = useStyles();
  const textarea = useRef<HTMLTextAreaElement>(null);
  const [fn, setFn] = useState('');
  const [user, setUser] = useState<SourceObjectSummary | null>(null);
  const properties = useSourceProperties(jobId, object, user?.id ?? null);
  const functions = useQuery({
    queryKey: ['schemaFunctions', spId, jobId],
    queryFn: () =>
      call(
        api.GET('/v1.0/servicePrincipals/{spId}/synchronization/jobs/{jobId}/schema/functions', {
          params: { path: { spId, jobId } },
        }),
      ),
    staleTime: Number.POSITIVE_INFINITY,
  });
  const test = useMutation({
    mutationFn: () =>
      call(
        api.POST('/v1.0/servicePrincipals/{spId}/synchronization/jobs/{jobId}/schema/parseExpression', {
          params: { path: { spId, jobId } },
          body: {
            expression,
            testInputObject:
              properties.data === undefined
                ? null
                : { definition: null, properties: properties.data.properties },
          },
        }),
      ),
  });

  const insert = () => {
    const signature = functions.data?.value.find((f) => f.name === fn);
    if (signature === undefined) return;
    const snippet = `${signature.name}(${signature.parameters.map((p) => p.name).join(', ')})`;
    const element = textarea.current;
    const start = element?.selectionStart ?? expression.length;
    const end = element?.selectionEnd ?? expression.length;
    onChange(expression.slice(0, start) + snippet + expression.slice(end));
    test.reset();
  };

  const result = test.data;
  return (
    <section className={styles.builder} aria-labelledby="expression-builder-title">
      <Text id="expression-builder-title" weight="semibold">
        Expression builder
      </Text>
      <Field
        label="Expression"
        hint='For example Join(" ", [givenName], [surname]). Attributes in brackets, text in double quotes.'
        validationState={problem === undefined ? 'none' : 'error'}
        validationMessage={problem}
      >
        <Textarea
          ref={textarea}
          className={styles.code}
          value={expression}
          readOnly={readOnly}
          resize="vertical"
          rows={3}
          onChange={(_event, data) => {
            onChange(data.value);
            test.reset();
          }}
        />
      </Field>
      <div className={styles.row}>
        <Field label="Function" className={styles.grow}>
          <Select
            className={styles.select}
            value={fn}
            disabled={readOnly || functions.isPending}
            onChange={(_e, d) => setFn(d.value)}
          >
            <option value="">Choose a function…</option>
            {functions.data?.value.map((f) => (
              <option key={f.name} value={f.name}>
                {f.name}({f.parameters.map((p) => p.name).join(', ')})
              </option>
            ))}
          </Select>
        </Field>
        <Button disabled={readOnly || fn === ''} onClick={insert}>
          Insert function
        </Button>
      </div>
      {functions.isError && <ErrorMessage error={functions.error} title="The functions could not be read" />}
      <div className={styles.row}>
        <div className={styles.grow}>
          <SourceObjectPicker
            jobId={jobId}
            type={object}
            label={object === 'User' ? 'Select a user' : 'Select a group'}
            hint="Test the expression with this object's values from Microsoft Entra ID."
            selected={user}
            onSelect={(picked) => {
              setUser(picked);
              test.reset();
            }}
          />
        </div>
        <Button
          appearance="primary"
          disabled={expression.trim() === '' || properties.isFetching || test.isPending}
          onClick={() => test.mutate()}
        >
          Test expression
        </Button>
      </div>
      {properties.isFetching && <Spinner size="tiny" label="Reading the user…" />}
      {properties.isError && <ErrorMessage error={properties.error} title="The object could not be read" />}
      {test.isError && <ErrorMessage error={test.error} title="The expression could not be tested" />}
      {result !== undefined && (
        <div data-testid="expression-result" role="status">
          {!result.parsingSucceeded || result.error !== null ? (
            <MessageBar intent="error" layout="multiline">
              <MessageBarBody>
                <MessageBarTitle>
                  {result.parsingSucceeded ? 'The expression failed' : 'The expression does not parse'}
                </MessageBarTitle>
                {result.error?.message ?? 'Unknown error'}
              </MessageBarBody>
            </MessageBar>
          ) : result.evaluationSucceeded && properties.data !== undefined ? (
            <MessageBar intent="success" layout="multiline">
              <MessageBarBody>
                <MessageBarTitle>Result for {properties.data.displayName}</MessageBarTitle>
                <span className={styles.result} data-testid="expression-value">
                  {(result.evaluationResult ?? []).length === 0
                    ? '(no value: the attribute is not set)'
                    : (result.evaluationResult ?? []).join('\n')}
                </span>
              </MessageBarBody>
            </MessageBar>
          ) : (
            <MessageBar intent="info">
              <MessageBarBody>The expression is valid. Select a user to see its result.</MessageBarBody>
            </MessageBar>
          )}
        </div>
      )}
    </section>
  );
}
