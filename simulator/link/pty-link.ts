// The host link on a pseudo-terminal that serial-port software (pcscd's libccid, the serialport
// package) opens as <path>. Node cannot create a pty, so socat does:
//
//   socat STDIO PTY,link=<path>,rawer
//
// - `rawer` puts the pty in raw mode (no echo, no line editing, no CR/LF mapping) when socat
//   creates it, before anyone can open <path>: nothing is flushed later, so a client that writes
//   at once loses nothing (../../../shared/reference/ccid-over-serial.md §12–§13.4);
// - socat keeps the master side open while clients come and go, so a client closing and
//   reopening the port (pcscd does) does not end the link;
// - socat removes <path> when it exits, and exits when its standard input closes, so the link
//   disappears with the simulator even if the simulator is killed.
// `open` resolves once socat reports its transfer loop and <path> exists: the port is ready.
import { spawn, type ChildProcess } from 'node:child_process';
import { lstatSync, readlinkSync, unlinkSync } from 'node:fs';
import { LinkError } from '../errors.ts';
import type { Reader } from '../reader/reader.ts';

const READY_LINE = /starting data transfer loop/;

export class PtyLink {
  private closed = false;
  private readonly stopListening: () => void;

  private constructor(
    private readonly socat: ChildProcess,
    readonly path: string,
    reader: Reader,
  ) {
    socat.stdout!.on('data', (chunk: Buffer) => reader.hostWrite(chunk));
    this.stopListening = reader.onHostData((bytes) => {
      if (!this.closed) socat.stdin!.write(bytes);
    });
  }

  static async open(reader: Reader, path: string): Promise<PtyLink> {
    removeStaleLink(path);
    return new Promise((resolve, reject) => {
      const socat = spawn('socat', ['-d', '-d', 'STDIO', `PTY,link=${path},rawer`], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let log = '';
      let settled = false;
      const fail = (message: string) => {
        if (settled) return;
        settled = true;
        socat.kill();
        reject(new LinkError(message));
      };
      socat.on('error', (e) =>
        fail(`cannot start socat for ${path}: ${e.message} (install socat: apt-get install socat)`),
      );
      socat.on('exit', (code) =>
        fail(`socat exited (${code}) before ${path} was ready: ${log.trim()}`),
      );
      socat.stdin!.on('error', () => {}); // socat gone: reported by 'exit'
      socat.stderr!.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        if (settled || !READY_LINE.test(log)) return;
        if (!isSymlink(path)) return fail(`socat did not create ${path}: ${log.trim()}`);
        settled = true;
        resolve(new PtyLink(socat, path, reader));
      });
    });
  }

  /** Calls `fn` if socat ends while the link is open (the port is gone). */
  onExit(fn: (message: string) => void): void {
    this.socat.once('exit', (code, signal) => {
      if (!this.closed) fn(`socat ended (${signal ?? code}): ${this.path} is gone`);
    });
  }

  /** The pseudo-terminal device <path> points to (/dev/pts/N). */
  device(): string {
    return readlinkSync(this.path);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.stopListening();
    return new Promise((resolve) => {
      const done = () => {
        removeStaleLink(this.path);
        resolve();
      };
      if (this.socat.exitCode !== null || this.socat.signalCode !== null) return done();
      this.socat.once('exit', done);
      this.socat.kill('SIGTERM');
    });
  }
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** A symlink left by a simulator that died is replaced; anything else at <path> is refused. */
function removeStaleLink(path: string): void {
  let isLink: boolean;
  try {
    isLink = lstatSync(path).isSymbolicLink();
  } catch {
    return; // nothing there
  }
  if (!isLink)
    throw new LinkError(`${path} exists and is not a symbolic link: refusing to replace it`);
  unlinkSync(path);
}
