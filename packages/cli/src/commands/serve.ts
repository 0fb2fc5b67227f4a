import type { Command } from 'commander';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      "Run the provisioning service: every enabled job on its schedule, and the admin API (Microsoft Graph's synchronization API) with /healthz, /readyz, /metrics and /openapi.json (docs/api.md)",
    )
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'TCP port to listen on', '8080')
    .option('--public-url <url>', 'the URL people reach the server at (default http://<host>:<port>)')
    .option(
      '--key-file <path>',
      'the secret key file, used when PROVISIO_SECRET_KEY is not set',
      'data/provisio.key',
    )
    .option(
      '--allow-custom-endpoints',
      'accept BaseAddress, EntraAuthorityHost and EntraGraphBaseUrl in saved secrets (for the emulators)',
      false,
    )
    .option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM; with --tls-key)')
    .option('--tls-key <file>', "the certificate's private key (PEM)")
    .option('--trust-proxy', 'trust X-Forwarded-* headers from a reverse proxy (docs/deployment.md)', false)
    .option('--log-level <level>', 'fatal, error, warn, info, debug or trace', 'info')
    .option('--shutdown-timeout <seconds>', 'how long running cycles get to finish on SIGTERM', '30')
    .option(
      '--workers <where>',
      'where cycles run: in-process, or external (provisio worker processes; needs a PostgreSQL DATABASE_URL). Default: PROVISIO_WORKERS, else in-process',
    )
    .action(
      async (options: {
        host: string;
        port: string;
        publicUrl?: string;
        keyFile: string;
        allowCustomEndpoints: boolean;
        trustProxy: boolean;
        logLevel: string;
        shutdownTimeout: string;
        tlsCert?: string;
        tlsKey?: string;
        workers?: string;
      }) => {
        if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) {
          process.stderr.write(
            'error: --tls-cert and --tls-key go together: give both, or neither for plain HTTP\n',
          );
          process.exitCode = 2;
          return;
        }
        const { runServe } = await import('../run-serve.js');
        process.exitCode = await runServe({
          host: options.host,
          port: Number(options.port),
          keyFile: options.keyFile,
          allowCustomEndpoints: options.allowCustomEndpoints,
          trustProxy: options.trustProxy,
          logLevel: options.logLevel,
          shutdownTimeoutMs: Number(options.shutdownTimeout) * 1000,
          ...(options.publicUrl === undefined ? {} : { publicUrl: options.publicUrl }),
          ...(options.workers === undefined ? {} : { workers: options.workers }),
          ...(options.tlsCert === undefined || options.tlsKey === undefined
            ? {}
            : { tls: { certFile: options.tlsCert, keyFile: options.tlsKey } }),
        });
      },
    );
}
