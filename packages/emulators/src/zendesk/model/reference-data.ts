/**
 * Small reference tables the emulator needs to answer like Zendesk: locales with their ids, and the
 * Rails time-zone names Zendesk stores in `time_zone` with their IANA names (`iana_time_zone`).
 * Not exhaustive: enough for realistic data; unknown names are refused with 422 so that a mapping
 * that produces nonsense is caught in tests.
 */
export const localeIds: Readonly<Record<string, number>> = {
  'en-US': 1,
  es: 2,
  de: 8,
  nl: 9,
  fr: 16,
  'pt-BR': 19,
  it: 22,
  da: 1000,
  ja: 67,
  'en-GB': 1176,
  sv: 34,
  nb: 34_001,
  fi: 1002,
  pl: 30,
  'zh-cn': 10,
  'zh-tw': 9_001,
  ko: 69,
  ru: 27,
  tr: 35,
  cs: 1_001,
  pt: 1_003,
  hu: 1_004,
  ro: 1_005,
  uk: 1_006,
  sr: 1_007,
  ar: 66,
  he: 1_008,
  el: 1_009,
  vi: 1_010,
};

export const localeById: ReadonlyMap<number, string> = new Map(
  Object.entries(localeIds).map(([locale, id]) => [id, locale]),
);

/** Finds a supported locale ignoring case; Zendesk answers with its own spelling. */
export function canonicalLocale(value: string): string | undefined {
  const lower = value.toLowerCase();
  return Object.keys(localeIds).find((l) => l.toLowerCase() === lower);
}

export const timeZones: Readonly<Record<string, string>> = {
  'Pacific Time (US & Canada)': 'America/Los_Angeles',
  'Mountain Time (US & Canada)': 'America/Denver',
  'Central Time (US & Canada)': 'America/Chicago',
  'Eastern Time (US & Canada)': 'America/New_York',
  UTC: 'Etc/UTC',
  London: 'Europe/London',
  Dublin: 'Europe/Dublin',
  Lisbon: 'Europe/Lisbon',
  Amsterdam: 'Europe/Amsterdam',
  Berlin: 'Europe/Berlin',
  Copenhagen: 'Europe/Copenhagen',
  Madrid: 'Europe/Madrid',
  Paris: 'Europe/Paris',
  Rome: 'Europe/Rome',
  Stockholm: 'Europe/Stockholm',
  Warsaw: 'Europe/Warsaw',
  Helsinki: 'Europe/Helsinki',
  Athens: 'Europe/Athens',
  Istanbul: 'Europe/Istanbul',
  Moscow: 'Europe/Moscow',
  Dubai: 'Asia/Dubai',
  'New Delhi': 'Asia/Kolkata',
  Singapore: 'Asia/Singapore',
  Beijing: 'Asia/Shanghai',
  Tokyo: 'Asia/Tokyo',
  Seoul: 'Asia/Seoul',
  Sydney: 'Australia/Sydney',
  Auckland: 'Pacific/Auckland',
  'American Samoa': 'Pacific/Pago_Pago',
  Brasilia: 'America/Sao_Paulo',
  'Buenos Aires': 'America/Argentina/Buenos_Aires',
  'Mexico City': 'America/Mexico_City',
  Johannesburg: 'Africa/Johannesburg',
  Cairo: 'Africa/Cairo',
};

/** Accepts a Rails name or an IANA name and returns the Rails name Zendesk stores. */
export function canonicalTimeZone(value: string): string | undefined {
  if (Object.hasOwn(timeZones, value)) return value;
  return Object.entries(timeZones).find(([, iana]) => iana === value)?.[0];
}

export const defaultLocale = 'en-US';
export const defaultTimeZone = 'Eastern Time (US & Canada)';
