import { buildProgram } from './program.js';

// `provisio logs | head`: the reader went away. Nothing is left to say to it, so the command ends
// quietly, as Unix tools do, instead of crashing on an unhandled EPIPE.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });

// The composition root of the `provisio` command: commands import their implementations lazily so
// that `provisio --help` answers without loading servers or emulators.
buildProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`provisio: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
