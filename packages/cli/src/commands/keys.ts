import type { Command } from 'commander';

export function registerKeysCommands(program: Command): void {
  const keys = program
    .command('keys')
    .description(
      "The secret key that seals the service's stored secrets (docs/security.md#secrets-at-rest-and-key-rotation)",
    );

  keys
    .command('rotate')
    .description(
      'Re-seal every stored secret with a new key, in one transaction (stop provisio serve first, start it with the new key after)',
    )
    .option(
      '--key-file <path>',
      'the current key file, used when PROVISIO_SECRET_KEY is not set',
      'data/provisio.key',
    )
    .option(
      '--new-key-file <path>',
      'the new key: read from this file if it exists, else generated and written there (0600). Default: generated, and it replaces the key file (or, with PROVISIO_SECRET_KEY, is written to <key file>.new)',
    )
    .addHelpText(
      'after',
      '\nThe state store is ./data/provisio.db (SQLite) unless DATABASE_URL is set. A key that does not open the ' +
        'stored secrets is refused before anything changes. Running it again after an interruption finishes the rotation.',
    )
    .action(async (options: { keyFile: string; newKeyFile?: string }) => {
      const { runKeysRotate } = await import('../run-keys.js');
      process.exitCode = await runKeysRotate({
        keyFile: options.keyFile,
        ...(options.newKeyFile === undefined ? {} : { newKeyFile: options.newKeyFile }),
      });
    });
}
