/** Response bodies in a `ConnectorError` are cut to this many characters (the port's limit). */
export const maxResponseChars = 2_000;

/**
 * `text` cut to at most `max` characters; a cut text ends with `… (n more characters)`, so a reader
 * knows that, and how much, is missing. A `max` too small for that note cuts to `max - 1`
 * characters and `…`.
 */
export function truncate(text: string, max: number = maxResponseChars): string {
  if (text.length <= max) return text;
  const note = (left: number) => `… (${left} more characters)`;
  // The note's length depends on the number it carries, which depends on the note's length.
  let kept = max - note(text.length).length;
  while (kept > 0 && kept + note(text.length - kept).length > max) kept -= 1;
  if (kept <= 0) return `${text.slice(0, Math.max(0, max - 1))}…`;
  return `${text.slice(0, kept)}${note(text.length - kept)}`;
}
