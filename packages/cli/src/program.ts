import { Command } from 'commander';
import { registerAdminCommands } from './commands/admin.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerEmulatorCommands } from './commands/emulator.js';
import { registerExprCommands, registerScopeCommands } from './commands/expr.js';
import { registerJobCommands } from './commands/jobs.js';
import { registerKeysCommands } from './commands/keys.js';
import { registerProvisioningCommands } from './commands/provisioning.js';
import { registerServeCommand } from './commands/serve.js';
import { registerTokenCommands } from './commands/tokens.js';
import { registerWorkerCommand } from './commands/worker.js';

export function buildProgram(): Command {
  const program = new Command('provisio')
    .description(
      'Automatic user provisioning from Microsoft Entra ID to Zendesk Support. ' +
        'Configure it with a YAML file (npx provisio init), check it (test-connection), preview (plan) and run (sync); ' +
        'or keep jobs in the state store (npx provisio jobs import) and run them with --job <id>.',
    )
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    // A usage error (an unknown option or command, a missing argument, a value outside --format's
    // choices) exits 2, as a bad flag value or an invalid configuration does; 1 is for failures
    // (docs/provisioning.md#commands, docs/expressions.md#exit-codes). Help and --version exit 0.
    .exitOverride((error) => {
      process.exit(error.exitCode === 0 ? 0 : 2);
    });
  registerProvisioningCommands(program);
  registerJobCommands(program);
  registerEmulatorCommands(program);
  registerDemoCommand(program);
  registerServeCommand(program);
  registerWorkerCommand(program);
  registerTokenCommands(program);
  registerAdminCommands(program);
  registerKeysCommands(program);
  registerExprCommands(program);
  registerScopeCommands(program);
  return program;
}
