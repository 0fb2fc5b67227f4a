import { buildProgram } from './program.js';

// The composition root of the `provisio` command: commands import their implementations lazily so
// that `provisio --help` answers without loading servers or emulators.
buildProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`provisio: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
