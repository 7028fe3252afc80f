import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  IccStatus,
  NATIVE_MAX_MESSAGE_LENGTH,
  PcToRdr,
  SerialDecoder,
  decodeMessage,
  encodeFrame,
  encodeMessage,
  isMessageType,
  type PcToRdrMessage,
  type RdrToPcMessage,
} from '../protocol/index.ts';
import { describeProfiles } from './cards.ts';

const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));
const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function sim(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: root });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const line = (pattern: RegExp, from: () => string) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const m = pattern.exec(from());
        if (m) resolve(m[0]);
      };
      child.stdout.on('data', check);
      child.stderr.on('data', check);
      void exited.then(() => reject(new Error(`exited before ${pattern}: ${stderr}`)));
      check();
    });
  return {
    child,
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    waitOut: (p: RegExp) => line(p, () => stdout),
    waitErr: (p: RegExp) => line(p, () => stderr),
  };
}

/** A minimal host: sends CCID messages, returns the reader's answers (echoes skipped). */
function host(socket: Socket) {
  const decoder = new SerialDecoder({ maxMessageLength: NATIVE_MAX_MESSAGE_LENGTH });
  const answers: RdrToPcMessage[] = [];
  const waiters: (() => void)[] = [];
  socket.on('data', (chunk: Buffer) => {
    for (const e of decoder.push(new Uint8Array(chunk))) {
      if (e.kind !== 'frame' || isMessageType(e.message[0], 'pc-to-rdr')) continue;
      answers.push(decodeMessage(e.message, 'rdr-to-pc'));
      waiters.splice(0).forEach((w) => w());
    }
  });
  return async (m: PcToRdrMessage): Promise<RdrToPcMessage> => {
    socket.write(encodeFrame(encodeMessage(m)));
    while (!answers.some((a) => 'seq' in a && a.seq === m.seq))
      await new Promise<void>((r) => waiters.push(r));
    return answers.find((a) => 'seq' in a && a.seq === m.seq)!;
  };
}

describe('npm run sim', () => {
  it('prints one ready line, serves a card over TCP, takes stdin commands, and quits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kr-cli-'));
    dirs.push(dir);
    const trace = join(dir, 'trace.txt');
    const s = sim(['--link', 'tcp:0', '--card', 'ssc3', '--sam', 'psam', '--trace', trace]);
    const ready = await s.waitOut(/ready tcp:\d+\n/);
    const port = Number(/\d+/.exec(ready)![0]);
    const socket = await new Promise<Socket>((resolve) => {
      const c = connect(port, '127.0.0.1', () => resolve(c));
    });
    const send = host(socket);
    const on = await send({ type: PcToRdr.IccPowerOn, slot: 0, seq: 1, powerSelect: 0 });
    expect(on).toMatchObject({ type: 0x80, commandStatus: 0 });
    expect(Buffer.from((on as { data: Uint8Array }).data).toString('hex')).toMatch(/^3b6d0000/);
    s.child.stdin!.write('remove\n');
    await s.waitErr(/ok removed/);
    const status = await send({ type: PcToRdr.GetSlotStatus, slot: 0, seq: 2 });
    expect(status).toMatchObject({ iccStatus: IccStatus.NoIcc });
    s.child.stdin!.write('insert nosuchcard\n');
    await s.waitErr(/error: .*nosuchcard/);
    s.child.stdin!.write('quit\n');
    expect(await s.exited).toBe(0);
    socket.destroy();
    expect(s.stdout()).toBe(ready);
    const text = readFileSync(trace, 'utf8');
    expect(text).toMatch(/slot0  C>R 3B 6D 00 00/);
    expect(text).toMatch(/host   H>R 03 06 62/);
    expect(text).not.toMatch(/PANIC/);
  });

  it('makes and removes a pseudo-terminal link', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kr-cli-'));
    dirs.push(dir);
    const path = join(dir, 'ttyReader');
    const s = sim(['--link', `pty:${path}`, '--realtime']);
    expect(await s.waitOut(/ready .*\n/)).toBe(`ready pty:${path}\n`);
    expect(existsSync(path)).toBe(true);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(existsSync(path)).toBe(false);
  });

  it('lists the cards as JSON, and refuses bad arguments with status 2', async () => {
    const list = sim(['--list-cards', '--json']);
    expect(await list.exited).toBe(0);
    expect(JSON.parse(list.stdout())).toEqual(JSON.parse(JSON.stringify(describeProfiles())));
    for (const args of [
      ['--link', 'tcp:0', '--card', 'nosuch'],
      ['--link', 'usb:1'],
      ['--card', 'ssc3'],
      ['--link', 'tcp:0', '--keys', '1 2 nine'],
      ['--link', 'tcp:0', '--fault', 'parity:2'],
      ['--link', 'tcp:0', '--seed', '-3'],
    ]) {
      const bad = sim(args);
      expect(await bad.exited).toBe(2);
      expect(bad.stderr()).toMatch(/error/);
      expect(bad.stdout()).toBe('');
    }
  });
});
