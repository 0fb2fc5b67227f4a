/**
 * Attribute Mapping (Provisioning → Mappings → "Synchronize Microsoft Entra users to Zendesk" or
 * "… groups to Zendesk"), as the Entra portal lays it out: Enabled, Target Object Actions, the
 * Attribute Mappings table with "Edit Attribute" and "Add New Mapping", and Source Object Scope.
 * Everything is Graph's synchronization schema (docs/api.md#synchronization-schema): the page edits
 * an unsaved copy; Save first shows the plan of the next cycle with it (POST /provisio/v1/jobs/{jobId}/plan),
 * then PUTs it; a 400's problems show next to the mapping or clause they concern. Discard drops the
 * unsaved copy. Only an Administrator can change anything.
 */
import {
  Button,
  Checkbox,
  Field,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  makeStyles,
  Radio,
  RadioGroup,
  Spinner,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  Toolbar,
  ToolbarButton,
  tokens,
} from '@fluentui/react-components';
import { AddRegular, ArrowUndoRegular, DeleteRegular, EditRegular, SaveRegular } from '@fluentui/react-icons';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link as RouterLink, useParams } from 'react-router';
import { ApiProblem, api, call } from '../../api/client';
import { useJob } from '../../app/JobLayout';
import { paths } from '../../app/routes';
import { useCan } from '../../auth/session';
import { ErrorMessage } from '../../components/ErrorMessage';
import { PageTitle } from '../../components/PageTitle';
import { EditAttributeDialog } from './EditAttributeDialog';
import {
  type AttributeMapping,
  actionsOf,
  clone,
  type Filter,
  flowTypesOf,
  locateProblems,
  type ObjectKind,
  type ObjectMapping,
  objectActions,
  objectNameOf,
  type Problem,
  type SynchronizationSchema,
  sourceAttributes,
  sourceText,
  targetAttributes,
} from './model';
import { PlanConfirm } from './PlanConfirm';
import { ScopeEditor } from './ScopeEditor';

const useStyles = makeStyles({
  page: { display: 'flex', flexDirection: 'column', gap: '16px', maxWidth: '1100px' },
  toolbar: {
    borderBottom: `1px solid ${tokens.colorNeutralStroke2}`,
    flexWrap: 'wrap',
  },
  section: { display: 'flex', flexDirection: 'column', gap: '8px' },
  scroll: { overflowX: 'auto' },
  table: { minWidth: '640px' },
  code: { fontFamily: tokens.fontFamilyMonospace, wordBreak: 'break-word' },
  problem: { color: tokens.colorPaletteRedForeground1 },
  actions: { display: 'flex', gap: '4px' },
  row: { cursor: 'pointer' },
  checkboxes: { display: 'flex', gap: '16px', flexWrap: 'wrap' },
});

function SectionTitle({ children, id }: { children: string; id: string }) {
  return (
    <Text as="h3" id={id} size={400} weight="semibold" block style={{ margin: '8px 0 0' }}>
      {children}
    </Text>
  );
}

export default function Page() {
  const { object: param = 'users' } = useParams();
  const kind: ObjectKind | null = param === 'users' || param === 'groups' ? param : null;
  if (kind === null)
    return (
      <ErrorMessage
        error={new Error(`There is no "${param}" mapping: open the users or the groups mapping.`)}
      />
    );
  return <MappingPage key={kind} kind={kind} />;
}

function MappingPage({ kind }: { kind: ObjectKind }) {
  const styles = useStyles();
  const { spId, jobId } = useJob();
  const canWrite = useCan('Administrator');
  const objectName = objectNameOf(kind);

  const query = useQuery({
    queryKey: ['schema', spId, jobId],
    queryFn: () =>
      call(
        api.GET('/v1.0/servicePrincipals/{spId}/synchronization/jobs/{jobId}/schema', {
          params: { path: { spId, jobId } },
        }),
      ),
    refetchOnWindowFocus: false,
  });
  const [draft, setDraft] = useState<SynchronizationSchema | null>(null);
  const [problems, setProblems] = useState<readonly Problem[]>([]);
  const [failure, setFailure] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [editing, setEditing] = useState<{ index: number | null } | null>(null);
  const [confirming, setConfirming] = useState(false);

  const plan = useMutation({
    mutationFn: (schema: SynchronizationSchema) =>
      call(
        api.POST('/provisio/v1/jobs/{jobId}/plan', {
          params: { path: { jobId } },
          body: { schema: schema as unknown as { synchronizationRules: unknown } },
        }),
      ),
  });
  const save = useMutation({
    mutationFn: (schema: SynchronizationSchema) =>
      call(
        api.PUT('/v1.0/servicePrincipals/{spId}/synchronization/jobs/{jobId}/schema', {
          params: { path: { spId, jobId } },
          body: schema as unknown as { synchronizationRules: unknown },
        }),
      ),
  });

  if (query.isPending) return <Spinner label="Loading the mappings…" />;
  if (query.isError) return <ErrorMessage error={query.error} title="The mappings could not be read" />;
  const server = query.data;
  const schema = draft ?? server;
  const rule = schema.synchronizationRules[0];
  const mappingIndex = rule?.objectMappings.findIndex((m) => m.sourceObjectName === objectName) ?? -1;
  const mapping = rule?.objectMappings[mappingIndex];
  if (rule === undefined || mapping === undefined)
    return <ErrorMessage error={new Error(`The job has no ${kind} mapping.`)} />;

  const dirty = draft !== null && JSON.stringify(draft) !== JSON.stringify(server);
  const located = locateProblems(problems, mappingIndex);
  const readOnly = !canWrite;
  const sources = sourceAttributes(schema, objectName);
  const targets = targetAttributes(schema, objectName);

  const change = (update: (m: ObjectMapping) => ObjectMapping) => {
    const next = clone(schema);
    const nextRule = next.synchronizationRules[0];
    const current = nextRule?.objectMappings[mappingIndex];
    if (nextRule === undefined || current === undefined) return;
    nextRule.objectMappings[mappingIndex] = update(current);
    setDraft(next);
    setSaved(false);
  };
  const setMappings = (attributeMappings: AttributeMapping[]) => change((m) => ({ ...m, attributeMappings }));

  const discard = () => {
    setDraft(null);
    setProblems([]);
    setFailure(null);
    setSaved(false);
  };
  const refused = (error: unknown) => {
    setFailure(error);
    setProblems(error instanceof ApiProblem ? error.details : []);
  };
  const startSave = () => {
    if (draft === null) return;
    setFailure(null);
    setProblems([]);
    setSaved(false);
    plan.reset();
    setConfirming(true);
    plan.mutate(draft, {
      onError: (error) => {
        // The schema itself is refused: the problems go next to what they concern, no plan to confirm.
        if (error instanceof ApiProblem && error.status === 400 && error.details.some((d) => d.target)) {
          setConfirming(false);
          refused(error);
        }
      },
    });
  };
  const confirmSave = () => {
    if (draft === null) return;
    save.mutate(draft, {
      onSuccess: async () => {
        await query.refetch();
        setConfirming(false);
        setDraft(null);
        setSaved(true);
      },
      onError: (error) => {
        setConfirming(false);
        refused(error);
      },
    });
  };

  const actions = actionsOf(mapping.flowTypes);
  const editingMapping =
    editing?.index === null || editing === null ? null : (mapping.attributeMappings[editing.index] ?? null);
  const unlocated = [...located.page, ...located.other];

  return (
    <div className={styles.page}>
      <RouterLink to={paths.provisioning(spId, jobId)}>← Provisioning</RouterLink>
      <PageTitle>{mapping.name}</PageTitle>
      <Toolbar aria-label="Attribute Mapping commands" className={styles.toolbar}>
        <ToolbarButton
          icon={<SaveRegular />}
          appearance="primary"
          disabled={!canWrite || !dirty || plan.isPending || save.isPending}
          onClick={startSave}
        >
          Save
        </ToolbarButton>
        <ToolbarButton icon={<ArrowUndoRegular />} disabled={!canWrite || draft === null} onClick={discard}>
          Discard
        </ToolbarButton>
      </Toolbar>
      {!canWrite && (
        <MessageBar intent="info">
          <MessageBarBody>
            Only an Administrator can change the mappings; you can read and test them.
          </MessageBarBody>
        </MessageBar>
      )}
      {saved && (
        <MessageBar intent="success" role="status">
          <MessageBarBody>
            <MessageBarTitle>Saved</MessageBarTitle>
            The next cycle is an initial one: it applies the new mappings to every object in scope.
          </MessageBarBody>
        </MessageBar>
      )}
      {failure !== null && (
        <MessageBar intent="error" layout="multiline" role="alert">
          <MessageBarBody>
            <MessageBarTitle>The changes were not saved</MessageBarTitle>
            {failure instanceof Error ? failure.message : String(failure)}
            {unlocated.length > 0 && (
              <ul style={{ margin: '4px 0 0', paddingLeft: 20 }}>
                {unlocated.map((message) => (
                  <li key={message}>{message}</li>
                ))}
              </ul>
            )}
            {located.mappings.size + located.clauses.size > 0 && (
              <div>The problems are shown next to the mappings and clauses below.</div>
            )}
          </MessageBarBody>
        </MessageBar>
      )}

      <section className={styles.section}>
        <Field
          label="Enabled"
          hint={
            objectName === 'User'
              ? 'Users cannot be disabled: as in Microsoft Entra ID, the user mapping is always on.'
              : 'No: no group is provisioned (users are, and their memberships are not).'
          }
        >
          <RadioGroup
            layout="horizontal"
            value={mapping.enabled ? 'Yes' : 'No'}
            disabled={readOnly || objectName === 'User'}
            onChange={(_e, d) => change((m) => ({ ...m, enabled: d.value === 'Yes' }))}
          >
            <Radio value="Yes" label="Yes" />
            <Radio value="No" label="No" />
          </RadioGroup>
        </Field>
      </section>

      <section className={styles.section} aria-labelledby="mapping-actions">
        <SectionTitle id="mapping-actions">Target Object Actions</SectionTitle>
        <div className={styles.checkboxes}>
          {objectActions.map(({ flow, label }) => (
            <Checkbox
              key={flow}
              label={label}
              checked={actions.has(flow)}
              disabled={readOnly}
              onChange={(_e, d) => {
                const next = new Set(actions);
                if (d.checked === true) next.add(flow);
                else next.delete(flow);
                change((m) => ({ ...m, flowTypes: flowTypesOf(next) }));
              }}
            />
          ))}
        </div>
      </section>

      <section className={styles.section} aria-labelledby="mapping-attributes">
        <SectionTitle id="mapping-attributes">Attribute Mappings</SectionTitle>
        <Text size={200}>
          Attributes synchronized from Microsoft Entra ID to Zendesk. Attributes with a matching precedence
          match existing Zendesk {kind} to Entra {kind} (1 is tried first).
        </Text>
        <div className={styles.scroll}>
          <Table className={styles.table} aria-labelledby="mapping-attributes" size="small">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>Target attribute</TableHeaderCell>
                <TableHeaderCell>Source attribute</TableHeaderCell>
                <TableHeaderCell>Matching precedence</TableHeaderCell>
                <TableHeaderCell>Remove</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {mapping.attributeMappings.map((attribute, index) => {
                const rowProblems = located.mappings.get(index) ?? [];
                return (
                  <TableRow
                    key={attribute.targetAttributeName}
                    className={styles.row}
                    data-testid={`mapping-${attribute.targetAttributeName}`}
                    onClick={() => setEditing({ index })}
                  >
                    <TableCell>
                      {attribute.targetAttributeName}
                      {rowProblems.map((message) => (
                        <Text key={message} block size={200} className={styles.problem}>
                          {message}
                        </Text>
                      ))}
                    </TableCell>
                    <TableCell>
                      <span className={styles.code}>{sourceText(attribute)}</span>
                    </TableCell>
                    <TableCell>{attribute.matchingPriority > 0 ? attribute.matchingPriority : ''}</TableCell>
                    <TableCell>
                      <div className={styles.actions}>
                        <Button
                          size="small"
                          icon={<EditRegular />}
                          aria-label={`Edit ${attribute.targetAttributeName}`}
                          onClick={(event) => {
                            event.stopPropagation();
                            setEditing({ index });
                          }}
                        >
                          Edit
                        </Button>
                        <Button
                          size="small"
                          icon={<DeleteRegular />}
                          aria-label={`Delete ${attribute.targetAttributeName}`}
                          disabled={readOnly}
                          onClick={(event) => {
                            event.stopPropagation();
                            setMappings(mapping.attributeMappings.filter((_, i) => i !== index));
                          }}
                        >
                          Delete
                        </Button>
                      </div>
                    </TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        </div>
        <div>
          <Button icon={<AddRegular />} disabled={readOnly} onClick={() => setEditing({ index: null })}>
            Add New Mapping
          </Button>
        </div>
      </section>

      <section className={styles.section} aria-labelledby="mapping-scope">
        <SectionTitle id="mapping-scope">Source Object Scope</SectionTitle>
        <ScopeEditor
          spId={spId}
          jobId={jobId}
          object={objectName}
          scope={(mapping.scope ?? null) as Filter | null}
          sourceAttributes={sources}
          readOnly={readOnly}
          clauseProblems={located.clauses}
          onChange={(scope) => change((m) => ({ ...m, scope }))}
        />
      </section>

      {editing !== null && (
        <EditAttributeDialog
          spId={spId}
          jobId={jobId}
          object={objectName}
          mapping={editingMapping}
          sourceAttributes={sources}
          targetAttributes={targets}
          takenTargets={mapping.attributeMappings.map((m) => m.targetAttributeName)}
          readOnly={readOnly}
          problems={editing.index === null ? [] : (located.mappings.get(editing.index) ?? [])}
          onCancel={() => setEditing(null)}
          onOk={(updated) => {
            const index = editing.index;
            setMappings(
              index === null
                ? [...mapping.attributeMappings, updated]
                : mapping.attributeMappings.map((m, i) => (i === index ? updated : m)),
            );
            setEditing(null);
          }}
        />
      )}
      {confirming && (
        <PlanConfirm
          plan={plan.data}
          error={plan.isError ? plan.error : null}
          saving={save.isPending}
          saveDisabled={!canWrite}
          onSave={confirmSave}
          onCancel={() => setConfirming(false)}
        />
      )}
    </div>
  );
}
