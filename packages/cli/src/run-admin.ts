/**
 * `provisio admin reset-password`: sets the local administrator's password in the state store
 * (docs/security.md#the-local-administrator). The password comes from standard input, or is
 * generated and printed once; only its scrypt hash is stored. The change ends every console session
 * of the account and is recorded in the audit log, with the operating-system user who ran it.
 */
import { systemClock } from '@provisio/engine';
import {
  auditAccess,
  generatePassword,
  LOCAL_ADMIN_USERNAME,
  passwordProblem,
  saveLocalPassword,
} from '@provisio/server';
import { openStore } from './compose.js';
import { databaseUrlOf } from './installation.js';
import { type CommandContext, processContext } from './load-job.js';
import { operator } from './operator.js';
import { reportError } from './run-provisioning.js';

export interface ResetPasswordOptions {
  readonly passwordStdin: boolean;
}

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  stdin.setEncoding('utf8');
  for await (const chunk of stdin) text += String(chunk);
  // One trailing line break is the shell's (echo, a here-string), not the password's.
  return text.replace(/\r?\n$/, '');
}

export async function runAdminResetPassword(
  options: ResetPasswordOptions,
  context: CommandContext = processContext(),
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<number> {
  try {
    let password: string;
    if (options.passwordStdin) {
      password = await readStdin(stdin);
      const problem = passwordProblem(password);
      if (problem !== null) {
        process.stderr.write(`error: the password on standard input ${problem}\n`);
        return 2;
      }
    } else password = generatePassword();
    const store = await openStore(databaseUrlOf(context.env, context.cwd));
    try {
      const existed = (await store.getLocalAccount(LOCAL_ADMIN_USERNAME)) !== null;
      await saveLocalPassword(store, systemClock, LOCAL_ADMIN_USERNAME, password, 'Administrator');
      await auditAccess(store, systemClock, {
        activity: 'Change password',
        initiatedBy: operator(),
        result: 'success',
        summary: `The password of the local administrator "${LOCAL_ADMIN_USERNAME}" was ${existed ? 'reset' : 'set (account created)'} with npx provisio admin reset-password; its console sessions ended.`,
        details: { username: LOCAL_ADMIN_USERNAME, generated: !options.passwordStdin },
      });
    } finally {
      await store.close();
    }
    if (options.passwordStdin)
      process.stdout.write(
        `the password of the local administrator "${LOCAL_ADMIN_USERNAME}" was changed; its console sessions ended\n`,
      );
    else
      process.stdout.write(
        `the local administrator's new password (user name "${LOCAL_ADMIN_USERNAME}"), shown this once:\n\n  ${password}\n\n` +
          'Keep it in a password manager: it is not stored, only its hash. Its console sessions ended.\n',
      );
    return 0;
  } catch (error) {
    return reportError(error);
  }
}
