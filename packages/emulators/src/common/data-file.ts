import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';

/**
 * `--data <file>` for the emulators: the state as one JSON document, read at start-up when the file
 * exists and written atomically (through a temporary file) shortly after changes and at shutdown.
 * Each emulator supplies its own snapshot and restore functions.
 */
export async function readDataFile(path: string, restore: (data: unknown) => void): Promise<boolean> {
  if (!existsSync(path)) return false;
  try {
    restore(JSON.parse(await readFile(path, 'utf8')));
  } catch (error) {
    throw new Error(`data file ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return true;
}

/** Saves at most once per `delayMs` after changes; `flush()` saves now if anything changed. */
export class SnapshotWriter {
  private dirty = false;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly snapshot: () => unknown,
    private readonly path: string,
    private readonly delayMs = 250,
  ) {}

  changed(): void {
    this.dirty = true;
    this.timer ??= setTimeout(() => {
      this.timer = null;
      // A failed background save must not crash the emulator (an unhandled rejection would).
      this.flush().catch((error: unknown) => {
        process.stderr.write(
          `emulator: could not save ${this.path}: ${error instanceof Error ? error.message : String(error)}\n`,
        );
      });
    }, this.delayMs);
  }

  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (!this.dirty) return this.writing;
    this.dirty = false;
    const text = JSON.stringify(this.snapshot());
    // One failed write must not stop every later one: chain on the previous write's settlement.
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        const temporary = `${this.path}.tmp`;
        try {
          await writeFile(temporary, text);
          await rename(temporary, this.path);
        } catch (error) {
          this.dirty = true; // tried again at the next change or at close
          throw error;
        }
      });
    return this.writing;
  }
}
