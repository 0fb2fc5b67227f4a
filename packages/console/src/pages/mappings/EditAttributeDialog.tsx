/**
 * "Edit Attribute", as the Entra portal words it: Mapping type (Direct / Constant / Expression /
 * None), Source attribute, Constant Value or Expression (with the Expression builder), "Default value
 * if null", Target attribute (Zendesk's attributes and the account's custom user fields), "Match
 * objects using this attribute", "Matching precedence", "Apply this mapping". OK changes the page's
 * unsaved schema; nothing is saved until the page's Save.
 */
import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Field,
  Input,
  MessageBar,
  MessageBarBody,
  makeStyles,
  Select,
} from '@fluentui/react-components';
import { useState } from 'react';
import { ExpressionBuilder } from './ExpressionBuilder';
import {
  type AttributeMapping,
  formOf,
  formProblem,
  type MappingForm,
  type MappingType,
  mappingOf,
  mappingTypes,
} from './model';

const useStyles = makeStyles({
  surface: { maxWidth: '760px', width: 'calc(100vw - 32px)' },
  content: { display: 'flex', flexDirection: 'column', gap: '12px' },
});

export interface EditAttributeDialogProps {
  spId: string;
  jobId: string;
  object: 'User' | 'Group';
  /** The mapping being edited, or null for "Add New Mapping". */
  mapping: AttributeMapping | null;
  sourceAttributes: readonly string[];
  targetAttributes: readonly { name: string; custom: boolean }[];
  /** Targets other mappings already write (a target is mapped once). */
  takenTargets: readonly string[];
  readOnly: boolean;
  /** The server's problems with this mapping, from the last Save. */
  problems: readonly string[];
  onOk(mapping: AttributeMapping): void;
  onCancel(): void;
}

export function EditAttributeDialog(props: EditAttributeDialogProps) {
  const styles = useStyles();
  const { mapping, readOnly } = props;
  const [form, setForm] = useState<MappingForm>(() => formOf(mapping));
  const [tried, setTried] = useState(false);
  const set = (change: Partial<MappingForm>) => setForm((current) => ({ ...current, ...change }));
  const problem = formProblem(form);
  const sources =
    form.type === 'Direct' && form.source !== '' && !props.sourceAttributes.includes(form.source)
      ? [form.source, ...props.sourceAttributes]
      : props.sourceAttributes;
  const targets = props.targetAttributes.filter(
    (t) => t.name === form.target || !props.takenTargets.includes(t.name),
  );
  if (form.target !== '' && !targets.some((t) => t.name === form.target))
    targets.unshift({ name: form.target, custom: false });
  const serverProblem = props.problems.length > 0 ? props.problems.join(' ') : undefined;

  const ok = () => {
    setTried(true);
    if (problem !== null) return;
    props.onOk(mappingOf(form, mapping));
  };

  return (
    <Dialog open modalType="modal" onOpenChange={(_event, data) => !data.open && props.onCancel()}>
      <DialogSurface className={styles.surface}>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            ok();
          }}
        >
          <DialogBody>
            <DialogTitle>{mapping === null ? 'Add Attribute' : 'Edit Attribute'}</DialogTitle>
            <DialogContent className={styles.content}>
              <Field label="Mapping type">
                <Select
                  value={form.type}
                  disabled={readOnly}
                  onChange={(_e, d) => set({ type: d.value as MappingType, source: '' })}
                >
                  {mappingTypes.map((type) => (
                    <option key={type} value={type}>
                      {type}
                    </option>
                  ))}
                </Select>
              </Field>
              {form.type === 'Direct' && (
                <Field label="Source attribute">
                  <Select
                    value={form.source}
                    disabled={readOnly}
                    onChange={(_e, d) => set({ source: d.value })}
                  >
                    <option value="">Choose an attribute…</option>
                    {sources.map((name) => (
                      <option key={name} value={name}>
                        {name}
                      </option>
                    ))}
                  </Select>
                </Field>
              )}
              {form.type === 'Constant' && (
                <Field label="Constant Value">
                  <Input
                    value={form.source}
                    readOnly={readOnly}
                    onChange={(_e, d) => set({ source: d.value })}
                  />
                </Field>
              )}
              {form.type === 'Expression' && (
                <ExpressionBuilder
                  spId={props.spId}
                  jobId={props.jobId}
                  object={props.object}
                  expression={form.source}
                  onChange={(source) => set({ source })}
                  readOnly={readOnly}
                  problem={serverProblem}
                />
              )}
              {form.type !== 'Constant' && (
                <Field
                  label="Default value if null"
                  hint={
                    form.type === 'None'
                      ? 'The value every object gets.'
                      : 'Used when the source has no value.'
                  }
                >
                  <Input
                    value={form.defaultValue}
                    readOnly={readOnly}
                    onChange={(_e, d) => set({ defaultValue: d.value })}
                  />
                </Field>
              )}
              <Field label="Target attribute">
                <Select
                  value={form.target}
                  disabled={readOnly}
                  onChange={(_e, d) => set({ target: d.value })}
                >
                  <option value="">Choose an attribute…</option>
                  {targets.map((t) => (
                    <option key={t.name} value={t.name}>
                      {t.custom ? `${t.name} (custom user field)` : t.name}
                    </option>
                  ))}
                </Select>
              </Field>
              <Field label="Match objects using this attribute">
                <Select
                  value={form.matching ? 'Yes' : 'No'}
                  disabled={readOnly || form.type === 'Constant'}
                  onChange={(_e, d) =>
                    set({
                      matching: d.value === 'Yes',
                      precedence: d.value === 'Yes' ? Math.max(1, form.precedence) : 0,
                    })
                  }
                >
                  <option value="No">No</option>
                  <option value="Yes">Yes</option>
                </Select>
              </Field>
              <Field
                label="Matching precedence"
                hint="1 is tried first. Only for attributes that match objects."
              >
                <Input
                  type="number"
                  min={1}
                  value={form.matching ? String(form.precedence) : ''}
                  disabled={readOnly || !form.matching}
                  onChange={(_e, d) => set({ precedence: Number(d.value) })}
                />
              </Field>
              <Field label="Apply this mapping">
                <Select
                  value={form.apply}
                  disabled={readOnly}
                  onChange={(_e, d) => set({ apply: d.value as MappingForm['apply'] })}
                >
                  <option value="Always">Always</option>
                  <option value="ObjectAddOnly">Only during object creation</option>
                </Select>
              </Field>
              {serverProblem !== undefined && form.type !== 'Expression' && (
                <MessageBar intent="error" layout="multiline">
                  <MessageBarBody>{serverProblem}</MessageBarBody>
                </MessageBar>
              )}
              {tried && problem !== null && (
                <MessageBar intent="error" role="alert">
                  <MessageBarBody>{problem}</MessageBarBody>
                </MessageBar>
              )}
            </DialogContent>
            <DialogActions>
              <Button type="submit" appearance="primary" disabled={readOnly}>
                OK
              </Button>
              <Button onClick={props.onCancel}>Cancel</Button>
            </DialogActions>
          </DialogBody>
        </form>
      </DialogSurface>
    </Dialog>
  );
}
