/**
 * ISO-8601 durations as Graph's `synchronizationSchedule.interval` uses them (`PT40M`, `PT30S`,
 * `P1D`, `P1DT12H`). Years and months are refused: their length in milliseconds is not fixed.
 */
const pattern =
  /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;

/** Milliseconds in the duration, or null when the text is not a supported ISO-8601 duration. */
export function parseDuration(text: string): number | null {
  const match = pattern.exec(text.trim());
  if (!match || text.trim().toUpperCase() === 'P' || /T$/i.test(text.trim())) return null;
  const [, weeks, days, hours, minutes, seconds] = match;
  const part = (value: string | undefined, unit: number) => (value === undefined ? 0 : Number(value) * unit);
  return Math.round(
    part(weeks, 604_800_000) +
      part(days, 86_400_000) +
      part(hours, 3_600_000) +
      part(minutes, 60_000) +
      part(seconds, 1000),
  );
}

/** A short human form: `40 min`, `30 s`, `1 d 12 h`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const units: [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1000, 's'],
  ];
  const parts: string[] = [];
  let rest = Math.round(ms / 1000) * 1000;
  for (const [size, name] of units) {
    const count = Math.floor(rest / size);
    if (count > 0) parts.push(`${count} ${name}`);
    rest -= count * size;
  }
  return parts.join(' ');
}
