/** A refused or failed call, as the API explained it: the message, and each problem it listed. */
import { MessageBar, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';
import { ApiProblem } from '../api/client';

export function ErrorMessage({ error, title }: { error: unknown; title?: string }) {
  const problem = error instanceof ApiProblem ? error : null;
  const message = error instanceof Error ? error.message : String(error);
  const details = problem?.details.filter((detail) => detail.message !== message) ?? [];
  return (
    <MessageBar intent="error" layout="multiline" role="alert">
      <MessageBarBody>
        {title !== undefined && <MessageBarTitle>{title}</MessageBarTitle>}
        {message}
        {details.length > 0 && (
          <ul style={{ margin: '4px 0 0', paddingLeft: 20 }}>
            {details.map((detail, index) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: the list is rendered once per error
              <li key={index}>{detail.message}</li>
            ))}
          </ul>
        )}
      </MessageBarBody>
    </MessageBar>
  );
}
