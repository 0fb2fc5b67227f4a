/**
 * A horizontally scrolling container for a wide table (phones): a named region that the keyboard
 * reaches, so that it can be scrolled without a mouse even when nothing inside it is focusable.
 */
import { makeStyles } from '@fluentui/react-components';
import type { ReactNode } from 'react';

const useStyles = makeStyles({
  scroll: { overflowX: 'auto', maxWidth: '100%' },
});

export function ScrollArea({ label, children }: { label: string; children: ReactNode }) {
  const styles = useStyles();
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard (axe scrollable-region-focusable)
    <section className={styles.scroll} aria-label={label} tabIndex={0}>
      {children}
    </section>
  );
}
