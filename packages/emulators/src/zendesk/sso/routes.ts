import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireAdmin } from '../http/auth.js';
import type { EmulatorContext } from '../http/context.js';
import type { UserRecord } from '../model/types.js';
import { maskedSecret, type SsoConfiguration } from './config.js';
import { type Refusal, verifyJwt } from './jwt.js';
import { pageHeaders, refusalPage, signedInPage, signedOutPage, signInPage } from './pages.js';
import { signIn } from './sign-in.js';

/** The emulator's browser session cookie (Zendesk's own session cookie has this name too). */
export const sessionCookie = '_zendesk_session';

/**
 * List Remote Authentications (admins,
 * https://developer.zendesk.com/api-reference/ticketing/account-configuration/remote_authentications/):
 * the JWT configurations in Zendesk's `RemoteAuthenticationObject` shape, in priority order.
 */
export function registerRemoteAuthenticationRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  app.get('/api/v2/remote_authentications', async (request) => {
    requireAdmin(request);
    return { remote_authentications: ctx.store.sso.configurations.map(renderRemoteAuthentication) };
  });
}

export function renderRemoteAuthentication(c: SsoConfiguration, index: number): Record<string, unknown> {
  return {
    id: c.id,
    name: c.name,
    label: '',
    auth_mode: 3,
    auth_mode_name: 'jwt',
    agent: c.teamMembers,
    end_user: c.endUsers,
    // One method serves each audience (the control plane refuses two), so an active one is the primary.
    agent_primary: c.active && c.teamMembers,
    end_user_primary: c.active && c.endUsers,
    is_active: c.active && (c.teamMembers || c.endUsers),
    remote_login_url: c.remoteLoginUrl,
    // The OpenAPI document types it as a (required) string: an unset logout URL is the empty string.
    remote_logout_url: c.remoteLogoutUrl ?? '',
    masked_secret: maskedSecret(c.sharedSecret),
    priority: index + 1,
    ip_ranges: null,
    update_external_ids: c.updateExternalIds,
    can_display_button_to_team_members: false,
    can_display_button_to_end_users: false,
  };
}

function firstString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}

function cookieValue(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The emulator's origin as the browser reached it. */
function originOf(request: FastifyRequest): string {
  return `${request.protocol}://${request.headers.host ?? request.host}`;
}

/**
 * `return_to` is followed only when it points at this emulator's own origin (a relative path counts):
 * anything else would make `/access/jwt` an open redirect.
 */
export function safeReturnTo(returnTo: string | undefined, origin: string): string | null {
  if (returnTo === undefined || returnTo === '') return null;
  try {
    const url = new URL(returnTo, `${origin}/`);
    return url.origin === new URL(origin).origin ? url.href : null;
  } catch {
    return null;
  }
}

function sendPage(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply.code(status).headers(pageHeaders).send(html);
}

/**
 * The browser side of the account: `/agent` (Agent Workspace) and `/hc` (help center) behind JWT single
 * sign-on, `/access/jwt` (GET and form POST) and `/access/logout`
 * (https://support.zendesk.com/hc/en-us/articles/4408845838874). Sessions live in memory only.
 */
export function registerSsoBrowserRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { store } = ctx;
  const { sso } = store;

  const sessionUser = (
    request: FastifyRequest,
  ): { id: string; user: UserRecord; configurationId: number } | undefined => {
    const id = cookieValue(request, sessionCookie);
    const session = sso.session(id);
    if (id === undefined || !session) return undefined;
    const user = store.users.get(session.userId);
    // A user deleted or suspended since signing in has lost the session.
    if (!user?.active || user.suspended) {
      sso.closeSession(id);
      return undefined;
    }
    return { id, user, configurationId: session.configurationId };
  };

  const visit = (area: 'agent' | 'hc') => async (request: FastifyRequest, reply: FastifyReply) => {
    const subdomain = store.settings.subdomain;
    const current = sessionUser(request);
    if (current) {
      // End users have no Agent Workspace: Zendesk sends them to the help center.
      if (area === 'agent' && current.user.role === 'end-user') return reply.redirect('/hc', 302);
      return sendPage(reply, 200, signedInPage(subdomain, current.user, store.primaryEmail(current.user.id)));
    }
    const configuration = sso.forAudience(area === 'agent' ? 'teamMembers' : 'endUsers');
    if (!configuration) return sendPage(reply, 200, signInPage(subdomain));
    const target = new URL(configuration.remoteLoginUrl);
    target.searchParams.set('return_to', `${originOf(request)}${request.url}`);
    return reply.header('cache-control', 'no-store').redirect(target.href, 302);
  };

  for (const path of ['/agent', '/agent/*']) app.get(path, visit('agent'));
  for (const path of ['/hc', '/hc/*']) app.get(path, visit('hc'));

  const refused = (reply: FastifyReply, refusal: Refusal, email?: string) => {
    sso.record({
      at: store.clock.iso(),
      outcome: 'refused',
      reason: refusal.reason,
      ...(email === undefined ? {} : { email }),
    });
    return sendPage(reply, refusal.status, refusalPage(store.settings.subdomain, refusal.reason));
  };

  const accessJwt = async (
    request: FastifyRequest,
    reply: FastifyReply,
    params: { jwt?: string; returnTo?: string },
  ) => {
    const now = store.clock.now();
    const verified = verifyJwt(params.jwt, sso.configurations, now, (jti) => sso.jtiSeen(jti));
    if (!verified.ok) return refused(reply, verified);
    // The token is spent once verified, whatever happens next.
    sso.rememberJti(verified.claims.jti, verified.claims.iat, now);
    ctx.changed();
    const result = signIn(store, verified.configuration, verified.claims);
    if (!result.ok) return refused(reply, result, verified.claims.email);

    const { user } = result;
    user.lastLoginAt = now;
    ctx.changed();
    const previous = cookieValue(request, sessionCookie);
    if (previous !== undefined) sso.closeSession(previous);
    const sessionId = sso.openSession(user.id, verified.configuration.id, now);
    sso.record({
      at: store.clock.iso(now),
      outcome: 'signed-in',
      email: verified.claims.email,
      userId: user.id,
    });
    const origin = originOf(request);
    const fallback = `${origin}${user.role === 'end-user' ? '/hc' : '/agent'}`;
    const secure = request.protocol === 'https' ? '; Secure' : '';
    return reply
      .header('set-cookie', `${sessionCookie}=${sessionId}; Path=/; HttpOnly; SameSite=Lax${secure}`)
      .header('cache-control', 'no-store')
      .redirect(safeReturnTo(params.returnTo, origin) ?? fallback, 302);
  };

  app.get('/access/jwt', async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const jwt = firstString(query['jwt']);
    const returnTo = firstString(query['return_to']);
    return accessJwt(request, reply, {
      ...(jwt === undefined ? {} : { jwt }),
      ...(returnTo === undefined ? {} : { returnTo }),
    });
  });

  // The form POST Zendesk recommends (a hidden `jwt` field), parsed in this scope only.
  app.register(async (scoped) => {
    scoped.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 64 * 1024 },
      (_request, body, done) => {
        const form = new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8'));
        done(null, Object.fromEntries(form));
      },
    );
    scoped.post('/access/jwt', async (request, reply) => {
      const body = (request.body ?? {}) as Record<string, unknown>;
      const jwt = firstString(body['jwt']);
      const returnTo = firstString(body['return_to']);
      return accessJwt(request, reply, {
        ...(jwt === undefined ? {} : { jwt }),
        ...(returnTo === undefined ? {} : { returnTo }),
      });
    });
  });

  app.get('/access/logout', async (request, reply) => {
    const current = sessionUser(request);
    const cleared = `${sessionCookie}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`;
    reply.header('set-cookie', cleared).header('cache-control', 'no-store');
    if (!current) return sendPage(reply, 200, signedOutPage(store.settings.subdomain));
    sso.closeSession(current.id);
    const configuration = sso.configurations.find((c) => c.id === current.configurationId);
    if (!configuration?.remoteLogoutUrl) return sendPage(reply, 200, signedOutPage(store.settings.subdomain));
    // Zendesk sends the user's email and external id to the remote logout URL
    // (https://support.zendesk.com/hc/en-us/articles/4408845838874, "Remote logout URL").
    const target = new URL(configuration.remoteLogoutUrl);
    target.searchParams.set('email', store.primaryEmail(current.user.id) ?? '');
    target.searchParams.set('external_id', current.user.externalId ?? '');
    return reply.redirect(target.href, 302);
  });
}
