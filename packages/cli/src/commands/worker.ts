import { availableParallelism } from 'node:os';
import type { Command } from 'commander';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description(
      'Run provisioning cycles taken from the queue that `serve --workers external` fills (PostgreSQL DATABASE_URL only): any number of workers on any number of machines, one cycle per job at a time (docs/operations.md#workers)',
    )
    .option(
      '--concurrency <n>',
      'cycles (of different jobs) this process runs at once',
      String(availableParallelism()),
    )
    .option(
      '--key-file <path>',
      'the secret key file, used when PROVISIO_SECRET_KEY is not set (the same key as serve)',
      'data/provisio.key',
    )
    .option('--log-level <level>', 'fatal, error, warn, info, debug or trace', 'info')
    .option('--shutdown-timeout <seconds>', 'how long running cycles get to finish on SIGTERM', '30')
    .option(
      '--metrics-port <port>',
      "serve this worker's Prometheus metrics (its cycles, their upstream requests) on GET /metrics at this port; default: none",
    )
    .option(
      '--metrics-host <host>',
      'the address the metrics listener binds (it has no authentication)',
      '127.0.0.1',
    )
    .action(
      async (options: {
        concurrency: string;
        keyFile: string;
        logLevel: string;
        shutdownTimeout: string;
        metricsPort?: string;
        metricsHost: string;
      }) => {
        const concurrency = Number(options.concurrency);
        if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
          process.stderr.write(
            `error: --concurrency must be a whole number from 1 to 64 (cycles at once), not "${options.concurrency}"\n`,
          );
          process.exitCode = 2;
          return;
        }
        const timeout = Number(options.shutdownTimeout);
        if (!Number.isFinite(timeout) || timeout < 0) {
          process.stderr.write(
            `error: --shutdown-timeout must be a number of seconds, not "${options.shutdownTimeout}"\n`,
          );
          process.exitCode = 2;
          return;
        }
        const metricsPort = options.metricsPort === undefined ? undefined : Number(options.metricsPort);
        if (
          metricsPort !== undefined &&
          (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65535)
        ) {
          process.stderr.write(
            `error: --metrics-port must be a port number from 0 to 65535 (0: any free port), not "${options.metricsPort}"\n`,
          );
          process.exitCode = 2;
          return;
        }
        const { runWorker } = await import('../run-worker.js');
        process.exitCode = await runWorker({
          concurrency,
          keyFile: options.keyFile,
          logLevel: options.logLevel,
          shutdownTimeoutMs: timeout * 1000,
          ...(metricsPort === undefined ? {} : { metricsPort, metricsHost: options.metricsHost }),
        });
      },
    );
}
