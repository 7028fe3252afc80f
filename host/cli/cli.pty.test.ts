// The installed CLI (bin/kiosk-reader.js, a child process) against the simulator in another
// process on a pseudo-terminal: `--port` through the real serialport package.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SSC3_PERSONAS, PSAM_PERSONAS } from '../../simulator/profiles/personas.ts';
import { startSimProcess, type SimProcess } from '../transport/testing/sim-process.ts';

const BIN = resolve(import.meta.dirname, '../../bin/kiosk-reader.js');
const persona = SSC3_PERSONAS[2];
let sim: SimProcess;

beforeAll(async () => {
  sim = await startSimProcess(['--card', `ssc3:${persona.id}`, '--sam', 'psam', '--realtime']);
});
afterAll(async () => {
  await sim?.stop();
});

async function bin(...args: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], {
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

describe('kiosk-reader --port on a pseudo-terminal', () => {
  it('ssc read --format national prints the 11-field string', async () => {
    const r = await bin('ssc', 'read', '--port', sim.path, '--format', 'national');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const fields = r.stdout.replace(/\n$/, '').split('|');
    expect(fields).toHaveLength(12);
    expect(fields.slice(1, 11)).toEqual([
      persona.ssn,
      persona.cardNo,
      persona.cardId,
      persona.name,
      persona.historicalBytes,
      persona.specVersion,
      persona.issueDate,
      persona.expiryDate,
      PSAM_PERSONAS[0].terminalNumber,
      '',
    ]);
  });

  it('ssc read --format json prints the persona’s data', async () => {
    const r = await bin('ssc', 'read', '--port', sim.path, '--format', 'json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      name: persona.name,
      socialSecurityNumber: persona.ssn,
    });
  });
});
