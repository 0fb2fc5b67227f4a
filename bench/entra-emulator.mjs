// Benchmark of the Entra ID emulator (issue: "holds 200,000 users and serves a full paged read of
// them quickly"). Seeds the deterministic demo tenant, then reads every user through Graph over
// HTTPS, page by page, as the source connector will.
// Usage: node bench/entra-emulator.mjs [--users 10000,200000] [--top 999] [--runs 3]
import { request } from 'node:https';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { startEntraEmulator } from '../packages/emulators/dist/index.js';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '10000,200000' },
    top: { type: 'string', default: '999' },
    runs: { type: 'string', default: '3' },
  },
});
const sizes = values.users.split(',').map(Number);
const top = Number(values.top);
const runs = Number(values.runs);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function get(ca, url, headers) {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function token(emulator) {
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: emulator.clientId,
    client_secret: emulator.clientSecret,
    scope: 'https://graph.microsoft.com/.default',
  }).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      `${emulator.url}/${emulator.tenantId}/oauth2/v2.0/token`,
      {
        method: 'POST',
        ca: emulator.certificatePem,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => {
          text += c;
        });
        res.on('end', () => resolve(JSON.parse(text).access_token));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const scales = [];
for (const size of sizes) {
  const seedStart = performance.now();
  const emulator = await startEntraEmulator({
    port: 0,
    rateLimits: false,
    pageSize: top,
    seed: `demo:${size}`,
  });
  const seedSeconds = (performance.now() - seedStart) / 1000;
  const headers = { authorization: `Bearer ${await token(emulator)}` };
  const samples = [];
  let users = 0;
  let pages = 0;
  for (let run = 0; run < runs; run += 1) {
    users = 0;
    pages = 0;
    const start = performance.now();
    let url = `${emulator.url}/v1.0/users?$top=${top}&$select=id,userPrincipalName,displayName,givenName,surname,mail,accountEnabled,department,jobTitle,mobilePhone,preferredLanguage`;
    while (url) {
      const page = await get(emulator.certificatePem, url, headers);
      if (page.status !== 200) throw new Error(`page ${pages}: ${page.status} ${page.body.slice(0, 200)}`);
      const body = JSON.parse(page.body);
      users += body.value.length;
      pages += 1;
      url = body['@odata.nextLink'];
    }
    samples.push(performance.now() - start);
  }
  await emulator.close();
  const scale = {
    users,
    pages,
    seedSeconds,
    fullReadMsMedian: median(samples),
    usersPerSecond: Math.round(users / (median(samples) / 1000)),
    runsMs: samples,
  };
  console.error(
    `${users} users: seeded (demo:${size}) in ${seedSeconds.toFixed(1)} s; full paged read (${pages} pages of ${top}) ` +
      `median ${scale.fullReadMsMedian.toFixed(0)} ms = ${scale.usersPerSecond} users/s`,
  );
  scales.push(scale);
}

export const result = { benchmark: 'entra-emulator', pageSize: top, scales };
