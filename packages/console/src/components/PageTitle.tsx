import { Text } from '@fluentui/react-components';
import type { ReactNode } from 'react';

/** A page's heading (one h2 per page under the job's h1, or the page's own h1 outside a job). */
export function PageTitle({ children, level = 2 }: { children: ReactNode; level?: 1 | 2 }) {
  return (
    <Text
      as={level === 1 ? 'h1' : 'h2'}
      size={level === 1 ? 600 : 500}
      weight="semibold"
      block
      style={{ margin: '0 0 12px' }}
    >
      {children}
    </Text>
  );
}
