/** `provisio worker` as a process: start, say so, stop gracefully on SIGTERM or SIGINT. */
import { describeListenError } from './listen-error.js';
import { startWorker, type WorkerOptions } from './worker.js';

export async function runWorker(options: WorkerOptions & { shutdownTimeoutMs: number }): Promise<number> {
  let running: Awaited<ReturnType<typeof startWorker>>;
  try {
    running = await startWorker(options, { env: process.env, cwd: process.cwd() });
  } catch (error) {
    process.stderr.write(`error: ${describeListenError(error, '--metrics-port')}\n`);
    return 1;
  }
  process.stderr.write(
    `provisio worker: taking cycles from the queue (${options.concurrency} at a time); SIGTERM stops it\n`,
  );
  if (running.metricsUrl !== undefined)
    process.stderr.write(`provisio worker: Prometheus metrics at ${running.metricsUrl}\n`);
  const abandoned = await new Promise<string[]>((resolve) => {
    const stop = (signal: string) => {
      running.logger.info({ signal }, 'shutting down: running cycles get the shutdown timeout to finish');
      void running.close(options.shutdownTimeoutMs).then((closed) => resolve(closed.abandoned));
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  if (abandoned.length > 0) {
    running.logger.warn(
      { abandoned },
      'cycles abandoned at shutdown: another worker takes them over once their lease runs out',
    );
    // Their connections would keep the process alive: end it.
    process.exit(0);
  }
  return 0;
}
