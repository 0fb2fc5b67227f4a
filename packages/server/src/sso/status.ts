/**
 * Whether the Zendesk account's single sign-on sends people to a job's bridge
 * (docs/single-sign-on.md#setting-it-up): what the admin API, the console and Test Connection say.
 */
import type { SignOnConfiguration } from '@provisio/engine';
import { sameUrl, secretInUse } from './zendesk-jwt.js';

export const SSO_PREFIX = '/sso/zendesk';

/** A job's remote login URL, to paste into Zendesk Admin Center. */
export function remoteLoginUrlOf(publicUrl: string, jobId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${SSO_PREFIX}/${encodeURIComponent(jobId)}/login`;
}

export interface ZendeskSignOnStatus {
  readonly status:
    | 'pointsHere'
    | 'rotating'
    | 'secretMismatch'
    | 'inactive'
    | 'pointsElsewhere'
    | 'notConfigured'
    | 'unavailable';
  readonly message: string;
  readonly configurations: {
    readonly name: string;
    readonly protocol: SignOnConfiguration['protocol'];
    readonly active: boolean;
    readonly teamMembers: boolean;
    readonly endUsers: boolean;
    readonly remoteLoginUrl: string | null;
    readonly remoteLogoutUrl: string | null;
    readonly pointsHere: boolean;
    readonly secret: 'current' | 'previous' | 'unknown' | null;
  }[];
}

/** What the Zendesk account's sign-on configurations say about this job's bridge. */
export function zendeskSignOnStatus(
  configurations: readonly SignOnConfiguration[],
  remoteLoginUrl: string,
  current: string | undefined,
  previous: string | undefined,
): ZendeskSignOnStatus {
  const rows = configurations.map((c) => ({
    name: c.name,
    protocol: c.protocol,
    active: c.active,
    teamMembers: c.staff,
    endUsers: c.endUsers,
    remoteLoginUrl: c.remoteLoginUrl,
    remoteLogoutUrl: c.remoteLogoutUrl,
    pointsHere: c.protocol === 'jwt' && sameUrl(c.remoteLoginUrl, remoteLoginUrl),
    secret: c.protocol === 'jwt' ? secretInUse(c, current, previous) : null,
  }));
  const ours = rows.filter((r) => r.pointsHere);
  const live = ours.filter((r) => r.active && (r.teamMembers || r.endUsers));
  const who = (r: (typeof rows)[number]) =>
    [r.teamMembers ? 'team members' : null, r.endUsers ? 'end users' : null].filter(Boolean).join(' and ');
  const [first] = live;
  if (first !== undefined) {
    const known = configurations.find((c) => c.name === first.name)?.secretPrefix ?? null;
    if (first.secret === 'previous')
      return {
        status: 'rotating',
        message: `Zendesk's "${first.name}" sends ${who(first)} here, still with the previous shared secret: provisio signs with it until Zendesk uses the new one.`,
        configurations: rows,
      };
    const held = (secret: string | undefined) => known !== null && secret?.startsWith(known) === true;
    if (
      first.secret === 'unknown' &&
      known !== null &&
      current !== undefined &&
      !held(current) &&
      !held(previous)
    )
      return {
        status: 'secretMismatch',
        message: `Zendesk's "${first.name}" sends ${who(first)} here, but holds a shared secret provisio does not have: copy the shared secret from Zendesk Admin Center into Single sign-on.`,
        configurations: rows,
      };
    return {
      status: 'pointsHere',
      message: `Zendesk's "${first.name}" sends ${who(first)} here to sign in.`,
      configurations: rows,
    };
  }
  const [named] = ours;
  if (named !== undefined)
    return {
      status: 'inactive',
      message: `Zendesk's "${named.name}" names this job's remote login URL but is ${named.active ? 'assigned to nobody (team members or end users)' : 'not active'}: turn it on in Admin Center → Account → Security.`,
      configurations: rows,
    };
  const jwt = rows.filter((r) => r.protocol === 'jwt');
  if (jwt.length > 0)
    return {
      status: 'pointsElsewhere',
      message: `Zendesk's JWT single sign-on (${jwt.map((r) => `"${r.name}"`).join(', ')}) sends people elsewhere: set its Remote login URL to ${remoteLoginUrl}.`,
      configurations: rows,
    };
  return {
    status: 'notConfigured',
    message: `The Zendesk account has no JWT single sign-on: create one in Admin Center → Account → Security → Single sign-on with the Remote login URL ${remoteLoginUrl}.`,
    configurations: rows,
  };
}
