/**
 * The Single sign-on page's form and status, as values (docs/console.md#single-sign-on): what
 * `PATCH /provisio/v1/jobs/{jobId}/singleSignOn` should be sent (only what changed; the shared
 * secret is write-only, so an empty field keeps the saved one), where the API's 400 problems go
 * (by `details[].target`), and how the Zendesk check reads.
 */
// With the extension: packages/cli/test type-checks this file under Node's module resolution.
import type { components } from '../../api/schema.js';

export type SingleSignOn = components['schemas']['SingleSignOn'];
export type SingleSignOnUpdate = components['schemas']['SingleSignOnUpdate'];
export type ZendeskCheck = components['schemas']['ZendeskSignOnStatus'];
export type ZendeskStatus = ZendeskCheck['status'];
export type SignOnConfiguration = ZendeskCheck['configurations'][number];

export interface SsoForm {
  readonly enabled: boolean;
  /** Typed by the Administrator; '' keeps the saved one. */
  readonly sharedSecret: string;
}

export const formOf = (saved: Pick<SingleSignOn, 'enabled'>): SsoForm => ({
  enabled: saved.enabled,
  sharedSecret: '',
});

/** The PATCH body: the switch when it changed, the secret when one was typed; null when nothing changed. */
export function changesOf(saved: Pick<SingleSignOn, 'enabled'>, form: SsoForm): SingleSignOnUpdate | null {
  const body: { enabled?: boolean; sharedSecret?: string } = {};
  if (form.enabled !== saved.enabled) body.enabled = form.enabled;
  // Sent as typed (the server trims it and says what is wrong with it); blank keeps the saved one.
  if (form.sharedSecret.trim() !== '') body.sharedSecret = form.sharedSecret;
  return Object.keys(body).length === 0 ? null : body;
}

export type SsoField = 'enabled' | 'sharedSecret';

export interface PlacedProblems {
  readonly fields: Readonly<Partial<Record<SsoField, string>>>;
  /** Problems that name no field of the page. */
  readonly other: readonly string[];
}

const isField = (target: string | undefined): target is SsoField =>
  target === 'enabled' || target === 'sharedSecret';

/** A refusal's problems (`ApiProblem.details`), on the field each concerns (`target`), the rest for the page. */
export function placeProblems(
  details: readonly { readonly code?: string; readonly target?: string; readonly message: string }[],
): PlacedProblems {
  const fields: Partial<Record<SsoField, string>> = {};
  const other: string[] = [];
  for (const { target, message } of details) {
    if (isField(target)) {
      const before = fields[target];
      fields[target] = before === undefined ? message : `${before} ${message}`;
    } else other.push(message);
  }
  return { fields, other };
}

export type Intent = 'success' | 'warning' | 'error';

/** How the Zendesk check shows: a title in a few words, and the message bar's intent. */
export const zendeskStatusView: Readonly<
  Record<ZendeskStatus, { readonly title: string; readonly intent: Intent }>
> = {
  pointsHere: { title: 'Zendesk sends people here to sign in', intent: 'success' },
  rotating: { title: 'Zendesk still uses the previous shared secret', intent: 'warning' },
  secretMismatch: { title: 'Zendesk holds another shared secret', intent: 'warning' },
  inactive: { title: "Zendesk's configuration is not in use", intent: 'warning' },
  pointsElsewhere: { title: 'Zendesk sends people elsewhere', intent: 'warning' },
  notConfigured: { title: 'Zendesk has no JWT single sign-on', intent: 'warning' },
  unavailable: { title: 'Zendesk could not be checked', intent: 'error' },
};

const protocols: Readonly<Record<SignOnConfiguration['protocol'], string>> = {
  jwt: 'JSON Web Token',
  saml: 'SAML',
  oidc: 'OpenID Connect',
  other: 'Other',
};

export const protocolLabel = (protocol: SignOnConfiguration['protocol']): string =>
  protocols[protocol] ?? protocol;

/** Which of provisio's saved secrets a configuration holds, in words ('—' for other protocols). */
export function secretLabel(secret: SignOnConfiguration['secret']): string {
  switch (secret) {
    case 'current':
      return 'Current';
    case 'previous':
      return 'Previous';
    case 'unknown':
      // Zendesk shows no prefix, or one that matches neither saved secret (or both).
      return 'Unknown';
    default:
      return '—';
  }
}
