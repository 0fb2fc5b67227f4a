import { Command } from 'commander';
import { registerDemoCommand } from './commands/demo.js';
import { registerEmulatorCommands } from './commands/emulator.js';
import { registerExprCommands, registerScopeCommands } from './commands/expr.js';

export function buildProgram(): Command {
  const program = new Command('provisio')
    .description(
      'Automatic user provisioning from Microsoft Entra ID to Zendesk Support. ' +
        'Today it runs the emulators used for tests and demos and tests mapping expressions and scoping ' +
        'filters; provisioning commands follow.',
    )
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)');
  registerEmulatorCommands(program);
  registerDemoCommand(program);
  registerExprCommands(program);
  registerScopeCommands(program);
  return program;
}
