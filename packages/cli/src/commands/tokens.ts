import { type Command, Option } from 'commander';

const storeNote =
  '\nTokens are kept in the state store: ./data/provisio.db (SQLite) unless DATABASE_URL is set ' +
  '(postgres://… or sqlite:<path>); only a hash of each token is stored (docs/security.md#api-tokens).';

export function registerTokenCommands(program: Command): void {
  const tokens = program
    .command('tokens')
    .description("API tokens for automation against provisio serve's admin API: create, list, revoke");

  tokens
    .command('create')
    .description('Create an API token and print it, once: it is not stored and cannot be shown again')
    .requiredOption('--name <name>', 'what the token is for, e.g. "terraform"')
    .addOption(
      new Option('--role <role>', 'what the token may do (docs/security.md#roles)')
        .choices(['Administrator', 'Operator', 'Reader'])
        .makeOptionMandatory(),
    )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText('after', storeNote)
    .action(
      async (options: {
        name: string;
        role: 'Administrator' | 'Operator' | 'Reader';
        format: 'text' | 'json';
      }) => {
        const { runTokensCreate } = await import('../run-tokens.js');
        process.exitCode = await runTokensCreate(options);
      },
    );

  tokens
    .command('list')
    .description('List the API tokens: id, name, role, created, last used, revoked (never the tokens)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .addHelpText('after', storeNote)
    .action(async (options: { format: 'table' | 'json' }) => {
      const { runTokensList } = await import('../run-tokens.js');
      process.exitCode = await runTokensList(options.format);
    });

  tokens
    .command('revoke')
    .description('Revoke an API token: calls with it are refused from now on')
    .argument('<id>', 'the token id (tokens list shows it)')
    .addHelpText('after', storeNote)
    .action(async (id: string) => {
      const { runTokensRevoke } = await import('../run-tokens.js');
      process.exitCode = await runTokensRevoke(id);
    });
}
