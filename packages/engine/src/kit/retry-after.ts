/**
 * A `Retry-After` header in milliseconds (RFC 9110, section 10.2.3,
 * https://www.rfc-editor.org/rfc/rfc9110#name-retry-after): delta-seconds (`93`, decimals accepted)
 * or an HTTP date, a date in the past meaning 0. null when the header is absent or unreadable
 * (a negative number, a word): the caller then backs off on its own. Not capped: each connector's
 * retry policy bounds the wait.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number = Date.now()): number | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // An HTTP date names its weekday and month; anything else (`-3`, which Date.parse reads as a
  // year) is not one.
  if (!/[A-Za-z]/.test(text)) return null;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - nowMs);
}
