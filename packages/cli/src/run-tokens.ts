/**
 * `provisio tokens create|list|revoke`: API tokens in the state store (docs/security.md#api-tokens).
 * A token is printed once, at creation; the store keeps only its SHA-256, and nothing lists it
 * again. Changes are recorded in the audit log with the operating-system user who ran the command.
 */

import { type ApiTokenRecord, type Role, type StateStore, systemClock } from '@provisio/engine';
import { auditAccess, issueApiToken } from '@provisio/server';
import { openStore } from './compose.js';
import { databaseUrlOf } from './installation.js';
import { type CommandContext, processContext } from './load-job.js';
import { operator } from './operator.js';
import { reportError } from './run-provisioning.js';
import { printTable } from './table.js';

async function withStore<T>(context: CommandContext, work: (store: StateStore) => Promise<T>): Promise<T> {
  const store = await openStore(databaseUrlOf(context.env, context.cwd));
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** What may be shown of a token: never the token, never its hash. */
function present(record: ApiTokenRecord) {
  return {
    id: record.id,
    name: record.name,
    role: record.role,
    createdAt: record.createdAt,
    createdBy: record.createdBy,
    lastUsedAt: record.lastUsedAt,
    revokedAt: record.revokedAt,
  };
}

export async function runTokensCreate(
  options: { name: string; role: Role; format: 'text' | 'json' },
  context: CommandContext = processContext(),
): Promise<number> {
  try {
    const name = options.name.trim();
    if (name === '') {
      process.stderr.write('error: --name must say what the token is for, e.g. --name terraform\n');
      return 2;
    }
    const createdBy = operator();
    const issued = await withStore(context, async (store) => {
      const result = await issueApiToken(store, {
        name,
        role: options.role,
        createdBy,
        now: systemClock.now(),
      });
      await auditAccess(store, systemClock, {
        activity: 'Create API token',
        initiatedBy: createdBy,
        result: 'success',
        summary: `API token "${name}" (${options.role}) was created with npx provisio tokens create.`,
        details: { tokenId: result.record.id, name, role: options.role },
      });
      return result;
    });
    if (options.format === 'json')
      process.stdout.write(
        `${JSON.stringify({ ...present(issued.record), token: issued.token }, null, 2)}\n`,
      );
    else
      process.stdout.write(
        `API token "${name}" (${options.role}), id ${issued.record.id}, shown this once:\n\n  ${issued.token}\n\n` +
          'Send it as "Authorization: Bearer <token>". Keep it in a secret store: provisio keeps only a hash ' +
          `and cannot show it again (revoke it with: npx provisio tokens revoke ${issued.record.id}).\n`,
      );
    return 0;
  } catch (error) {
    return reportError(error);
  }
}

export async function runTokensList(
  format: 'table' | 'json',
  context: CommandContext = processContext(),
): Promise<number> {
  try {
    const records = await withStore(context, (store) => store.listApiTokens());
    const rows = [...records].sort((a, b) => a.createdAt.localeCompare(b.createdAt)).map(present);
    if (format === 'json') {
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return 0;
    }
    if (rows.length === 0) {
      process.stdout.write(
        'no API tokens: create one with "npx provisio tokens create --name <n> --role <role>"\n',
      );
      return 0;
    }
    const table = [
      ['ID', 'NAME', 'ROLE', 'CREATED', 'LAST USED', 'REVOKED'],
      ...rows.map((row) => [
        row.id,
        row.name,
        row.role,
        row.createdAt,
        row.lastUsedAt ?? '-',
        row.revokedAt ?? '-',
      ]),
    ];
    printTable(table);
    return 0;
  } catch (error) {
    return reportError(error);
  }
}

export async function runTokensRevoke(
  id: string,
  context: CommandContext = processContext(),
): Promise<number> {
  try {
    return await withStore(context, async (store) => {
      const revoked = await store.revokeApiToken(id, systemClock.now());
      if (!revoked) {
        process.stderr.write(
          `error: no API token "${id}" to revoke: it does not exist or was revoked already ("npx provisio tokens list" lists them)\n`,
        );
        return 1;
      }
      await auditAccess(store, systemClock, {
        activity: 'Revoke API token',
        initiatedBy: operator(),
        result: 'success',
        summary: `API token ${id} was revoked with npx provisio tokens revoke.`,
        details: { tokenId: id },
      });
      process.stdout.write(`API token ${id} was revoked: calls with it are refused from now on\n`);
      return 0;
    });
  } catch (error) {
    return reportError(error);
  }
}
