// One emulator in its own process, for the provisioning benchmarks: so that the benchmark's process
// holds provisio alone and its memory figures are provisio's. Started by emulator-processes.mjs with
// `fork`; argv[2] is the JSON specification:
//   { "kind": "entra", "seed": <provisioning-seed.mjs options>, "rateLimits": false }
//   { "kind": "zendesk", "plan": "enterprise", "bulkImport": true, "rateLimits": true }
// Sends { ready: <connection details> } over IPC once listening (or { failed: <message> }), and closes
// on SIGTERM or when the parent goes away.
import { startEntraEmulator, startZendeskEmulator } from '../../packages/emulators/dist/index.js';
import { benchSeed } from './provisioning-seed.mjs';

const spec = JSON.parse(process.argv[2] ?? '{}');

async function start() {
  if (spec.kind === 'entra') {
    const emulator = await startEntraEmulator({
      port: 0,
      rateLimits: spec.rateLimits === true,
      seed: benchSeed(spec.seed),
    });
    return {
      emulator,
      details: {
        url: emulator.url,
        tenantId: emulator.tenantId,
        clientId: emulator.clientId,
        clientSecret: emulator.clientSecret,
        adminClientId: emulator.adminClientId,
        adminClientSecret: emulator.adminClientSecret,
        servicePrincipalId: emulator.zendeskServicePrincipalId,
        certificatePem: emulator.certificatePem,
      },
    };
  }
  if (spec.kind === 'zendesk') {
    const emulator = await startZendeskEmulator({
      port: 0,
      plan: spec.plan,
      bulkImport: spec.bulkImport === true,
      rateLimits: spec.rateLimits === true,
    });
    return {
      emulator,
      details: {
        url: emulator.url,
        subdomain: emulator.settings.subdomain,
        adminEmail: emulator.adminEmail,
        apiToken: emulator.apiToken,
      },
    };
  }
  throw new Error(`unknown emulator kind ${JSON.stringify(spec.kind)}: "entra" or "zendesk"`);
}

let started;
try {
  started = await start();
} catch (error) {
  process.send?.({ failed: error instanceof Error ? error.message : String(error) });
  process.exit(1);
}
let closing = false;
const stop = () => {
  if (closing) return;
  closing = true;
  started.emulator.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
process.on('disconnect', stop);
process.send?.({ ready: started.details });
