/** A table that may scroll sideways (phones): a named region reachable by keyboard, so it can be scrolled. */
import { makeStyles } from '@fluentui/react-components';
import type { ReactNode } from 'react';

const useStyles = makeStyles({ scroll: { overflowX: 'auto', maxWidth: '100%' } });

export function ScrollRegion({ label, children }: { label: string; children: ReactNode }) {
  const styles = useStyles();
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard (axe scrollable-region-focusable)
    <section className={styles.scroll} aria-label={label} tabIndex={0}>
      {children}
    </section>
  );
}
