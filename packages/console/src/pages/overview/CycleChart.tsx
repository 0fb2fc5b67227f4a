/**
 * Actions and durations over time: one stacked bar per finished cycle (created, updated, disabled,
 * deleted, failed; oldest on the left) and its duration as a line on the right-hand scale. A small
 * SVG of our own rather than a chart library (docs/dependencies.md); the cycles table below it
 * holds the same numbers for screen readers.
 */
import { makeStyles, Text, tokens } from '@fluentui/react-components';
import type { components } from '../../api/schema';
import { duration } from './format';

type Cycle = components['schemas']['cycleSummary'];

const series = [
  { key: 'created', label: 'Created', color: tokens.colorPaletteGreenBackground3 },
  { key: 'updated', label: 'Updated', color: tokens.colorPaletteBlueBackground2 },
  { key: 'disabled', label: 'Disabled', color: tokens.colorPaletteMarigoldBackground3 },
  { key: 'deleted', label: 'Deleted', color: tokens.colorPaletteDarkOrangeBackground3 },
  { key: 'failed', label: 'Failed', color: tokens.colorPaletteRedBackground3 },
] as const;

const useStyles = makeStyles({
  figure: { margin: 0, maxWidth: '760px' },
  svg: { width: '100%', height: 'auto', display: 'block' },
  legend: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: '4px 16px',
    listStyleType: 'none',
    padding: 0,
    margin: '4px 0 0',
  },
  swatch: { display: 'inline-block', width: '10px', height: '10px', marginRight: '6px', borderRadius: '2px' },
  line: {
    display: 'inline-block',
    width: '14px',
    height: '2px',
    marginRight: '6px',
    verticalAlign: 'middle',
  },
});

const width = 640;
const height = 200;
const pad = { left: 36, right: 48, top: 10, bottom: 24 };

export function CycleChart({ cycles }: { cycles: readonly Cycle[] }) {
  const styles = useStyles();
  const done = cycles.filter((c) => c.state !== 'running').reverse();
  if (done.length === 0) return null;
  const totals = done.map((c) => series.reduce((sum, s) => sum + c.counts[s.key], 0));
  const maxActions = Math.max(1, ...totals);
  const maxDuration = Math.max(1, ...done.map((c) => c.durationMs ?? 0));
  const plotWidth = width - pad.left - pad.right;
  const plotHeight = height - pad.top - pad.bottom;
  const step = plotWidth / done.length;
  const barWidth = Math.max(2, Math.min(28, step * 0.6));
  const y = (value: number) => pad.top + plotHeight - (value / maxActions) * plotHeight;
  const yDuration = (ms: number) => pad.top + plotHeight - (ms / maxDuration) * plotHeight;
  const x = (index: number) => pad.left + step * index + step / 2;
  const points = done.map((c, i) => `${x(i)},${yDuration(c.durationMs ?? 0)}`).join(' ');
  const summary = `${done.length} cycles: ${totals.reduce((a, b) => a + b, 0)} actions in all, at most ${maxActions} in one cycle; the longest took ${duration(maxDuration)}.`;
  return (
    <figure className={styles.figure}>
      <svg
        className={styles.svg}
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-labelledby="cycle-chart-title"
        data-testid="cycle-chart"
      >
        <title id="cycle-chart-title">Actions and durations per cycle. {summary}</title>
        <line
          x1={pad.left}
          x2={width - pad.right}
          y1={pad.top + plotHeight}
          y2={pad.top + plotHeight}
          style={{ stroke: tokens.colorNeutralStroke1 }}
        />
        <text
          x={pad.left - 4}
          y={pad.top + 8}
          textAnchor="end"
          fontSize="10"
          style={{ fill: tokens.colorNeutralForeground2 }}
        >
          {maxActions}
        </text>
        <text
          x={pad.left - 4}
          y={pad.top + plotHeight}
          textAnchor="end"
          fontSize="10"
          style={{ fill: tokens.colorNeutralForeground2 }}
        >
          0
        </text>
        <text
          x={width - pad.right + 4}
          y={pad.top + 8}
          fontSize="10"
          style={{ fill: tokens.colorNeutralForeground2 }}
        >
          {duration(maxDuration)}
        </text>
        {done.map((cycle, i) => {
          let base = 0;
          return (
            <g key={cycle.id}>
              {series.map((s) => {
                const value = cycle.counts[s.key];
                if (value === 0) return null;
                const top = y(base + value);
                const rect = (
                  <rect
                    key={s.key}
                    x={x(i) - barWidth / 2}
                    y={top}
                    width={barWidth}
                    height={y(base) - top}
                    style={{ fill: s.color }}
                  />
                );
                base += value;
                return rect;
              })}
            </g>
          );
        })}
        <polyline
          points={points}
          fill="none"
          strokeWidth="2"
          style={{ stroke: tokens.colorNeutralForeground1 }}
        />
        {done.map((cycle, i) => (
          <circle
            key={cycle.id}
            cx={x(i)}
            cy={yDuration(cycle.durationMs ?? 0)}
            r="2.5"
            style={{ fill: tokens.colorNeutralForeground1 }}
          />
        ))}
        <text x={pad.left} y={height - 6} fontSize="10" style={{ fill: tokens.colorNeutralForeground2 }}>
          {new Date(done[0]?.startedAt ?? '').toLocaleTimeString()}
        </text>
        <text
          x={width - pad.right}
          y={height - 6}
          fontSize="10"
          textAnchor="end"
          style={{ fill: tokens.colorNeutralForeground2 }}
        >
          {new Date(done.at(-1)?.startedAt ?? '').toLocaleTimeString()}
        </text>
      </svg>
      <ul className={styles.legend} aria-hidden="true">
        {series.map((s) => (
          <li key={s.key}>
            <span className={styles.swatch} style={{ background: s.color }} />
            <Text size={200}>{s.label}</Text>
          </li>
        ))}
        <li>
          <span className={styles.line} style={{ background: tokens.colorNeutralForeground1 }} />
          <Text size={200}>Duration</Text>
        </li>
      </ul>
    </figure>
  );
}
