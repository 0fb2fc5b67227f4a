/**
 * Pick an Entra user (or group) through the job's connection (GET /provisio/v1/jobs/{jobId}/sourceObjects,
 * docs/api.md#source-objects): type the start of a name, userPrincipalName or mail, choose one.
 */
import { Combobox, Field, Option, Spinner } from '@fluentui/react-components';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api, call } from '../../api/client';
import type { components } from '../../api/schema';

export type SourceObjectSummary = components['schemas']['sourceObjectSummary'];

/** `value` once it has not changed for `ms`. */
export function useDebounced<T>(value: T, ms = 300): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

export function SourceObjectPicker({
  jobId,
  type,
  label,
  hint,
  selected,
  onSelect,
}: {
  jobId: string;
  type: 'User' | 'Group';
  label: string;
  hint?: string;
  selected: SourceObjectSummary | null;
  onSelect(object: SourceObjectSummary | null): void;
}) {
  const [text, setText] = useState(selected?.displayName ?? '');
  const search = useDebounced(text.trim());
  const found = useQuery({
    queryKey: ['sourceObjects', jobId, type, search],
    queryFn: () =>
      call(
        api.GET('/provisio/v1/jobs/{jobId}/sourceObjects', {
          params: { path: { jobId }, query: { type, search, $top: 10 } },
        }),
      ),
    staleTime: 30_000,
  });
  const options = found.data?.value ?? [];
  const describe = (o: SourceObjectSummary) =>
    o.userPrincipalName === null ? o.displayName : `${o.displayName} (${o.userPrincipalName})`;
  return (
    <Field
      label={label}
      hint={hint}
      validationState={found.isError ? 'error' : 'none'}
      validationMessage={found.isError ? found.error.message : undefined}
    >
      {/* Inline: inside a modal dialog a portalled list would be outside the dialog (hidden from it). */}
      <Combobox
        inlinePopup
        freeform
        placeholder={type === 'User' ? 'Search users' : 'Search groups'}
        value={text}
        selectedOptions={selected === null ? [] : [selected.id]}
        onInput={(event) => setText((event.target as HTMLInputElement).value)}
        onOptionSelect={(_event, data) => {
          const object = options.find((o) => o.id === data.optionValue) ?? null;
          setText(object?.displayName ?? '');
          onSelect(object);
        }}
      >
        {found.isPending && (
          <Option value="" disabled text="Searching…">
            <Spinner size="tiny" label="Searching…" />
          </Option>
        )}
        {!found.isPending && options.length === 0 && (
          <Option value="" disabled text="No match">
            No match
          </Option>
        )}
        {options.map((o) => (
          <Option key={o.id} value={o.id} text={o.displayName}>
            {describe(o)}
          </Option>
        ))}
      </Combobox>
    </Field>
  );
}

/** The chosen object's properties, as parseExpression's testInputObject takes them. */
export function useSourceProperties(jobId: string, type: 'User' | 'Group', objectId: string | null) {
  return useQuery({
    queryKey: ['sourceObject', jobId, type, objectId],
    queryFn: () =>
      call(
        api.GET('/provisio/v1/jobs/{jobId}/sourceObjects/{objectId}', {
          params: { path: { jobId, objectId: objectId ?? '' }, query: { type } },
        }),
      ),
    enabled: objectId !== null,
    staleTime: 30_000,
  });
}
