// One emulator in a process of its own, for benchmarks that must not share an event loop with it
// (bench/propagation.mjs). Started with `node bench/lib/emulator-process.mjs <entra|zendesk> <file>`
// (its options as JSON in a file: a seed is too long for a command line),
// it prints one JSON line with what a client needs (URL, credentials, CA certificate) and runs until
// SIGTERM. The Zendesk one also answers `GET /probe?ext=<id>,<id>` on a second port, straight from
// its store: the bench's view of the account, outside the API (no request counted or rate limited).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { startEntraEmulator, startZendeskEmulator } from '../../packages/emulators/dist/index.js';

const [kind, optionsFile] = process.argv.slice(2);
const options = optionsFile === undefined ? {} : JSON.parse(readFileSync(optionsFile, 'utf8'));

if (kind === 'entra') {
  const entra = await startEntraEmulator({ port: 0, ...options });
  process.stdout.write(
    `${JSON.stringify({
      url: entra.url,
      tenantId: entra.tenantId,
      clientId: entra.clientId,
      clientSecret: entra.clientSecret,
      adminClientId: entra.adminClientId,
      adminClientSecret: entra.adminClientSecret,
      servicePrincipalId: entra.zendeskServicePrincipalId,
      certificatePem: entra.certificatePem,
    })}\n`,
  );
  process.once('SIGTERM', () => entra.close().then(() => process.exit(0)));
} else if (kind === 'zendesk') {
  const zendesk = await startZendeskEmulator({ port: 0, ...options });
  const { store } = zendesk;
  const probe = createServer((req, res) => {
    const ids = (new URL(req.url ?? '/', 'http://x').searchParams.get('ext') ?? '').split(',');
    const answer = {};
    for (const ext of ids.filter((id) => id !== '')) {
      const user = store.userByExternalId(ext);
      answer[ext] =
        user === undefined
          ? null
          : {
              name: user.name,
              role: user.role,
              suspended: user.suspended,
              active: user.active,
              groups: store
                .membershipsOfUser(user.id)
                .map((m) => store.groups.get(m.groupId)?.name)
                .filter((name) => name !== undefined),
            };
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(answer));
  });
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  process.stdout.write(
    `${JSON.stringify({
      url: zendesk.url,
      adminEmail: zendesk.adminEmail,
      apiToken: zendesk.apiToken,
      subdomain: zendesk.settings.subdomain,
      probeUrl: `http://127.0.0.1:${probe.address().port}`,
    })}\n`,
  );
  process.once('SIGTERM', () => {
    probe.close();
    zendesk.close().then(() => process.exit(0));
  });
} else {
  process.stderr.write('usage: emulator-process.mjs entra|zendesk <file of options as JSON>\n');
  process.exit(2);
}
