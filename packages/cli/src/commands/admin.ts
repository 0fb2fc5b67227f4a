import type { Command } from 'commander';

export function registerAdminCommands(program: Command): void {
  const admin = program
    .command('admin')
    .description(
      "The local administrator of provisio serve's console (docs/security.md#the-local-administrator)",
    );

  admin
    .command('reset-password')
    .description(
      "Set the local administrator's password (creating the account if needed): from standard input, or generated and printed once. Every console session of the account ends",
    )
    .option('--password-stdin', 'read the new password from standard input (at least 12 characters)')
    .addHelpText(
      'after',
      '\nWorks on the state store directly: ./data/provisio.db (SQLite) unless DATABASE_URL is set. ' +
        'A running provisio serve uses the new password at the next sign-in.\n' +
        'Example: printf %s "$NEW_PASSWORD" | npx provisio admin reset-password --password-stdin',
    )
    .action(async (options: { passwordStdin?: boolean }) => {
      const { runAdminResetPassword } = await import('../run-admin.js');
      process.exitCode = await runAdminResetPassword({
        passwordStdin: options.passwordStdin ?? false,
      });
    });
}
