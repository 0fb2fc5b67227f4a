/**
 * Local accounts and their roles, over the API (docs/api.md#local-accounts, docs/security.md#roles):
 * list, add (with a generated one-time password, in the response once and nowhere else), change the
 * role, remove. Administrators only. Every change goes to the audit log (never a password). The last
 * Administrator account cannot be removed or demoted, and nobody changes their own role or removes
 * their own account. A removed or demoted account's console sessions end at once.
 */
import type { LocalAccountRecord, Role, StateStore } from '@provisio/engine';
import { z } from 'zod';
import { auditAccess, INSTALLATION_AUDIT_ID } from '../auth/audit.js';
import { saveLocalPassword } from '../auth/local-admin.js';
import { generatePassword } from '../auth/passwords.js';
import { type Principal, roles } from '../auth/principal.js';
import type { ServerContext } from '../context.js';
import type { ApiApp } from '../http/app.js';
import { ApiError } from '../http/errors.js';

const tags = ['accounts'];

/** What may be shown of an account: never its password hash. */
const localAccountSchema = z
  .object({
    username: z.string(),
    role: z.enum(roles),
    createdDateTime: z.string(),
    lastSignInDateTime: z
      .string()
      .nullable()
      .describe('The last successful sign-in (from the audit log), or null when there is none.'),
  })
  .meta({ id: 'LocalAccount' });

const createdAccountSchema = localAccountSchema
  .extend({
    password: z
      .string()
      .describe('The one-time password: shown in this response only. Change it after the first sign-in.'),
  })
  .meta({ id: 'CreatedLocalAccount' });

const usernameSchema = z
  .string()
  .trim()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/,
    'must be 1 to 64 letters, digits, ".", "_", "@" or "-", beginning with a letter or digit',
  )
  .describe('The user name to sign in with, e.g. "jane" or "jane@example.com".');

const usernameParams = z.object({ username: z.string().max(256) });

const rank: Record<Role, number> = { Reader: 1, Operator: 2, Administrator: 3 };

async function lastSignIn(store: StateStore, username: string): Promise<string | null> {
  const page = await store.pageAudit({
    filter: {
      kind: 'and',
      operands: [
        { kind: 'compare', field: 'jobId', op: 'eq', value: INSTALLATION_AUDIT_ID },
        { kind: 'compare', field: 'activity', op: 'eq', value: 'Sign in' },
        { kind: 'compare', field: 'initiatedBy', op: 'eq', value: `local:${username}` },
        { kind: 'compare', field: 'result', op: 'eq', value: 'success' },
      ],
    },
    limit: 1,
  });
  return page.items[0]?.activityDateTime ?? null;
}

async function present(store: StateStore, record: LocalAccountRecord) {
  return {
    username: record.username,
    role: record.role,
    createdDateTime: record.createdAt,
    lastSignInDateTime: await lastSignIn(store, record.username),
  };
}

const isSelf = (principal: Principal | null, username: string) =>
  principal?.method === 'local' && principal.id === `local:${username}`;

export function accountRoutes(app: ApiApp, context: ServerContext): void {
  const { store, clock } = context;

  async function accountOr404(username: string): Promise<LocalAccountRecord> {
    const account = await store.getLocalAccount(username);
    if (account === null)
      throw new ApiError(
        404,
        `No local account "${username.slice(0, 64)}" (GET /provisio/v1/accounts lists them).`,
      );
    return account;
  }

  /** 400 when `account` is the only Administrator left. */
  async function keepAnAdministrator(account: LocalAccountRecord, what: string): Promise<void> {
    if (account.role !== 'Administrator') return;
    const administrators = (await store.listLocalAccounts()).filter((a) => a.role === 'Administrator');
    if (administrators.length <= 1)
      throw new ApiError(
        400,
        `"${account.username}" is the last Administrator account: ${what} would leave nobody to manage access. Give another account the Administrator role first.`,
      );
  }

  app.get(
    '/provisio/v1/accounts',
    {
      config: { access: 'Administrator' },
      schema: {
        operationId: 'listLocalAccounts',
        summary: 'List the local accounts and their roles (never a password), by user name.',
        tags,
        response: { 200: z.object({ value: z.array(localAccountSchema) }) },
      },
    },
    async () => {
      const accounts = await store.listLocalAccounts();
      return { value: await Promise.all(accounts.map((account) => present(store, account))) };
    },
  );

  app.post(
    '/provisio/v1/accounts',
    {
      config: { access: 'Administrator' },
      schema: {
        operationId: 'createLocalAccount',
        summary: 'Add a local account with a role: the response carries its one-time password, once.',
        tags,
        body: z.object({ username: usernameSchema, role: z.enum(roles) }),
        response: { 201: createdAccountSchema },
      },
    },
    async (request, reply) => {
      const { username, role } = request.body;
      const taken = (await store.listLocalAccounts()).find(
        (a) => a.username.toLowerCase() === username.toLowerCase(),
      );
      if (taken !== undefined)
        throw new ApiError(
          409,
          `username: a local account "${taken.username}" exists already; choose another user name or change its role.`,
        );
      const password = generatePassword();
      const record = await saveLocalPassword(store, clock, username, password, role);
      await auditAccess(store, clock, {
        activity: 'Add local account',
        initiatedBy: request.principal?.id ?? 'unknown',
        result: 'success',
        summary: `Local account "${username}" (${role}) was added.`,
        details: { username, role },
      });
      return reply.status(201).send({ ...(await present(store, record)), password });
    },
  );

  app.patch(
    '/provisio/v1/accounts/:username',
    {
      config: { access: 'Administrator' },
      schema: {
        operationId: 'updateLocalAccount',
        summary:
          "Change a local account's role; a demoted account's sessions end. Not your own, not the last Administrator's.",
        tags,
        params: usernameParams,
        body: z.object({ role: z.enum(roles) }),
        response: { 200: localAccountSchema },
      },
    },
    async (request) => {
      const account = await accountOr404(request.params.username);
      const { role } = request.body;
      if (isSelf(request.principal, account.username))
        throw new ApiError(
          400,
          'role: you cannot change your own role; another Administrator can change it for you.',
        );
      if (role === account.role) return present(store, account);
      if (role !== 'Administrator') await keepAnAdministrator(account, `making it ${role}`);
      const updated: LocalAccountRecord = { ...account, role };
      await store.saveLocalAccount(updated);
      const demoted = rank[role] < rank[account.role];
      const ended = demoted ? await store.deleteSessionsOf('local', account.username) : 0;
      await auditAccess(store, clock, {
        activity: 'Change local account role',
        initiatedBy: request.principal?.id ?? 'unknown',
        result: 'success',
        summary: `The role of local account "${account.username}" changed from ${account.role} to ${role}${ended > 0 ? `; ${ended} console session(s) ended` : ''}.`,
        details: { username: account.username, before: { role: account.role }, after: { role } },
      });
      return present(store, updated);
    },
  );

  app.delete(
    '/provisio/v1/accounts/:username',
    {
      config: { access: 'Administrator' },
      schema: {
        operationId: 'deleteLocalAccount',
        summary:
          'Remove a local account: its sessions end. Not your own account, not the last Administrator.',
        tags,
        params: usernameParams,
        response: { 204: z.null().describe('Removed.') },
      },
    },
    async (request, reply) => {
      const account = await accountOr404(request.params.username);
      if (isSelf(request.principal, account.username))
        throw new ApiError(
          400,
          'username: you cannot remove the account you are signed in with; another Administrator can.',
        );
      await keepAnAdministrator(account, 'removing it');
      await store.deleteLocalAccount(account.username);
      await store.deleteSessionsOf('local', account.username);
      await auditAccess(store, clock, {
        activity: 'Remove local account',
        initiatedBy: request.principal?.id ?? 'unknown',
        result: 'success',
        summary: `Local account "${account.username}" (${account.role}) was removed; its console sessions ended.`,
        details: { username: account.username, role: account.role },
      });
      return reply.status(204).send(null);
    },
  );
}
