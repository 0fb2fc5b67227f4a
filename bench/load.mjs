// Load generator for the emulator benchmark, run as a separate process so that it does not share an
// event loop with the server it measures. Input: the path of a JSON file; output: one JSON line.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

const { url, path, ids, authorization, connections, durationSeconds } = JSON.parse(
  readFileSync(process.argv[2] ?? '', 'utf8'),
);
let n = 0;
const result = await autocannon({
  url,
  connections,
  duration: durationSeconds,
  headers: { authorization },
  requests: [
    {
      method: 'GET',
      // Spread requests over the whole id range so that lookups are not served from one hot entry.
      setupRequest: (request) => {
        n = (n + 7919) % ids.length;
        return { ...request, path: path.replace('{id}', String(ids[n])) };
      },
    },
  ],
});
process.stdout.write(
  `${JSON.stringify({
    requestsPerSecond: result.requests.average,
    latencyMedianMs: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
  })}\n`,
);
