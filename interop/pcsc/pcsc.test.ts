// Stock PC/SC against the simulated reader, automated: the simulator on a pseudo-terminal in real
// time, Debian's pcscd with libccid's serial driver (DEVICENAME <pty>:GemPCTwin), pcsc_scan and
// a python3-pyscard script. Skips, saying why, only when the Debian packages are missing, and
// never when CI=true (.ci/run installs them). Each test stays well under a minute.
import iconv from 'iconv-lite';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { SSSE_AID } from '../../protocol/cards/ssc.ts';
import { psamPersona, resolveCardSpec, sscPersona } from '../../simulator/profiles/index.ts';
import {
  PYTHON_DIR,
  removeWorkDirs,
  runClient,
  runPython,
  startPcscd,
  startPcscScan,
  startSimulator,
  stopAll,
  workDir,
  PCSC_SCAN,
} from './harness.ts';
import { describePcsc } from './describe-pcsc.ts';

const READ_SSSE = join(PYTHON_DIR, 'read_ssse.py');
const TRANSMIT = join(PYTHON_DIR, 'transmit.py');

afterEach(async () => {
  await stopAll();
  removeWorkDirs();
});

/** ATR as pcsc_scan prints it: "3B 6D 00 …". */
const spaced = (hex: string) => hex.match(/../g)!.join(' ');

/** TLV record `tag len value` (hex) → value bytes. */
function recordValue(recordHex: string, tag: number): Buffer {
  const bytes = Buffer.from(recordHex, 'hex');
  expect(bytes[0]).toBe(tag);
  return bytes.subarray(2, 2 + bytes[1]);
}

/** Text of an `an` / GBK item: the value up to its 00 padding. */
function text(value: Buffer, gbk = false): string {
  const end = value.indexOf(0);
  const body = end < 0 ? value : value.subarray(0, end);
  return gbk ? iconv.decode(body, 'gbk') : body.toString('latin1');
}

describePcsc('stock PC/SC: pcscd + libccid (GemPCTwin) on the simulator', () => {
  it('pcscd lists the reader; pcsc_scan reports the ATR, removal and insertion', async () => {
    const dir = workDir();
    const sim = await startSimulator({ dir, card: 'ssc2', sams: ['psam'] });
    const pcscd = await startPcscd({ dir, device: sim.pty });
    const list = await runClient(PCSC_SCAN, ['-r'], pcscd.env, 10_000);
    expect(list.stdout).toContain(`0: ${pcscd.readerName}`);

    const scan = startPcscScan(pcscd);
    const out = scan.output;
    const ssc2Atr = spaced(resolveCardSpec('ssc2').transport.atr);
    await out.waitFor(/Card state: Card inserted/, 20_000);
    await out.waitFor(new RegExp(`ATR: ${ssc2Atr}`), 20_000);

    let from = out.text.length;
    await sim.command('remove');
    await out.waitFor(/Card state: Card removed/, 20_000, from);

    from = out.text.length;
    await sim.command('insert ssc3');
    await out.waitFor(/Card state: Card inserted/, 20_000, from);
    const ssc3Atr = spaced(resolveCardSpec('ssc3').transport.atr);
    await out.waitFor(new RegExp(`ATR: ${ssc3Atr}`), 20_000, from);
    await scan.stop();
  });

  it('pyscard reads the social security card (ssc2) EF05 and EF06 over T=0', async () => {
    const dir = workDir();
    const sim = await startSimulator({ dir, card: 'ssc2', sams: ['psam'] });
    const pcscd = await startPcscd({ dir, device: sim.pty });
    const run = await runPython(pcscd, READ_SSSE, [pcscd.readerName, 'T0', '5', '6']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout) as {
      atr: string;
      protocol: string;
      select: string;
      files: Record<string, string[]>;
    };
    const persona = sscPersona('ssc2');
    expect(result.atr).toBe(resolveCardSpec('ssc2').transport.atr);
    expect(result.protocol).toBe('T0');
    expect(result.select).toMatch(new RegExp(`^6F..840F${SSSE_AID}`, 'i'));

    // EF05: 01 card id … 07 card number (kiosk-cards.md §1.3), in record order.
    const ef05 = result.files['5'];
    expect(ef05.map((r) => r.slice(0, 2))).toEqual(['01', '02', '03', '04', '05', '06', '07']);
    expect(recordValue(ef05[0], 0x01).toString('hex').toUpperCase()).toBe(persona.cardId);
    expect(text(recordValue(ef05[6], 0x07))).toBe(persona.cardNo);
    // EF06: 08 social security number, 09 (+ 4E) name in GBK, 0A sex, 0D birth date.
    const ef06 = new Map(result.files['6'].map((r) => [parseInt(r.slice(0, 2), 16), r]));
    expect(text(recordValue(ef06.get(0x08)!, 0x08))).toBe(persona.ssn);
    const name = Buffer.concat([
      recordValue(ef06.get(0x09)!, 0x09),
      ...(ef06.has(0x4e) ? [recordValue(ef06.get(0x4e)!, 0x4e)] : []),
    ]);
    expect(text(name, true)).toBe(persona.name);
    expect(text(recordValue(ef06.get(0x0a)!, 0x0a))).toBe(persona.sex);
    expect(recordValue(ef06.get(0x0d)!, 0x0d).toString('hex')).toBe(persona.birthDate);
    // libccid ran T=0 at TPDU level: the card's GET RESPONSE went through pcscd.
    expect(pcscd.log.text).toMatch(/00 C0 00 00 1E/);
  });

  it('pyscard reads the fast T=1 card (ssc3-t1): libccid runs PPS and T=1 itself', async () => {
    const dir = workDir();
    const sim = await startSimulator({ dir, card: 'ssc3-t1', sams: ['psam'] });
    const pcscd = await startPcscd({ dir, device: sim.pty });
    const run = await runPython(pcscd, READ_SSSE, [pcscd.readerName, 'T1', '5']);
    expect(run.stderr, pcscd.log.tail()).toBe('');
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout) as {
      atr: string;
      protocol: string;
      select: string;
      files: Record<string, string[]>;
    };
    const persona = sscPersona('ssc3-t1');
    expect(result.atr).toBe(resolveCardSpec('ssc3-t1').transport.atr);
    expect(result.protocol).toBe('T1');
    expect(result.select).toMatch(new RegExp(`^6F..840F${SSSE_AID}`, 'i'));
    const ef05 = result.files['5'];
    expect(ef05).toHaveLength(7);
    expect(recordValue(ef05[0], 0x01).toString('hex').toUpperCase()).toBe(persona.cardId);
    expect(text(recordValue(ef05[6], 0x07))).toBe(persona.cardNo);
    // libccid's own PPS (TA1 = 96: F 512, D 32) and its T=1 blocks went through the reader.
    expect(pcscd.log.text).toMatch(/PPS: Sending request: FF 11 96 78/);
    expect(pcscd.log.text).toMatch(/PPS: Receiving confirm: FF 11 96 78/);
    expect(pcscd.log.text).toMatch(/sending: 00 C1 01 FE 3E/); // S(IFS request) 254
  });

  it('a PSAM (PPS to D = 4 on T=0) and inverse-convention cards on T=0 and T=1', async () => {
    const dir = workDir();
    const sim = await startSimulator({ dir, card: 'psam' });
    const pcscd = await startPcscd({ dir, device: sim.pty });
    const transmit = async (protocol: 'T0' | 'T1', ...apdus: string[]) => {
      const run = await runPython(pcscd, TRANSMIT, [pcscd.readerName, protocol, ...apdus]);
      expect(run.stderr, pcscd.log.tail()).toBe('');
      return JSON.parse(run.stdout) as { atr: string; protocol: string; responses: string[] };
    };
    // EF0016 (terminal number, BCD) by SFI 0x16.
    const psam = await transmit('T0', '00B0960006');
    expect(psam.responses).toEqual([`${psamPersona('psam').terminalNumber}9000`]);
    expect(pcscd.log.text).toMatch(/PPS: Receiving confirm: FF 10 13 FC/);
    for (const [atr, protocol] of [
      ['3F021450', 'T0'],
      ['3F800181', 'T1'],
    ] as const) {
      // Out, and pcscd saw it go; in, and pcscd saw it come (it polls the slot).
      let from = pcscd.log.text.length;
      await sim.command('remove');
      await pcscd.log.waitFor(/Card Removed From/, 20_000, from);
      from = pcscd.log.text.length;
      await sim.command(`insert atr:${atr}`);
      await pcscd.log.waitFor(/Card inserted into/, 20_000, from);
      const result = await transmit(protocol, '0084000008');
      expect(result).toEqual({ atr, protocol, responses: ['9000'] });
    }
  });
});
