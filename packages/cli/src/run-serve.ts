/** `provisio serve` as a process: start, print where, stop gracefully on SIGTERM or SIGINT. */
import { describeListenError } from './listen-error.js';
import { type ServeOptions, startServe } from './serve.js';

export async function runServe(options: ServeOptions & { shutdownTimeoutMs: number }): Promise<number> {
  let running: Awaited<ReturnType<typeof startServe>>;
  try {
    running = await startServe(options, { env: process.env, cwd: process.cwd() });
  } catch (error) {
    process.stderr.write(`error: ${describeListenError(error, '--port')}\n`);
    return 1;
  }
  process.stderr.write(`provisio serve: ${running.url} (admin API under /v1.0, health at /healthz)\n`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      running.logger.info({ signal }, 'shutting down: running cycles get the shutdown timeout to finish');
      void running.close(options.shutdownTimeoutMs).then(({ abandoned }) => {
        if (abandoned.length > 0)
          running.logger.warn({ abandoned }, 'cycles abandoned at shutdown: the next start resumes them');
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}
