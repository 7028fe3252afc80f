// Where the CLI writes, and how it ends: injected so tests run it in process.

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Ends long-running commands (watch): SIGINT/SIGTERM in the real CLI. */
  signal?: AbortSignal;
  /** Where progress bars are drawn (the real CLI: process.stderr); else lines through stderr(). */
  progress?: NodeJS.WritableStream;
}

export const processIo = (signal?: AbortSignal): CliIo => ({
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  signal,
  progress: process.stderr,
});

/** Exit codes, documented by --help. */
export const ExitCode = {
  Ok: 0,
  /** The card or the reader failed the operation (a typed error, printed on stderr). */
  Failed: 1,
  /** Bad arguments. */
  Usage: 2,
  /** No reader could be opened or found. */
  NoReader: 3,
} as const;

/** A mistake in the command line. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
