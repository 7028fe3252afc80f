// Provisioned settings (ConfigWrite, firmware/src/config) as the rest of the firmware uses them,
// end to end on the real firmware.wasm in the simulator: each setting observed with its default,
// then written over the host link, then observed again — the serial number in HELLO and
// DeviceInfo, the PIN-prompt language when wLangId is 0, the beeper around a PIN entry, the PIN
// timeout when bTimeOut is 0, the cadence of time extensions, and the whole-exchange limit.
import { describe, expect, it } from 'vitest';
import {
  CcidError,
  CommandStatus,
  EXCHANGE_LIMIT_DEFAULT_S,
  PcToRdr,
  RdrToPc,
  VendorCommand,
  VendorStatus,
  decodeVendorResponse,
  encodeVendorRequest,
  fromHex,
  type ReaderConfig,
  type VendorRequest,
  type VendorResponse,
} from '../../../protocol/index.ts';
import { SSSE_AID } from '../../../protocol/cards/ssc.ts';
import { FIRMWARE_WINDOW_SIZE } from '../../../protocol/image/flash-map.ts';
import { SECURE_ENTRY_CODEPOINT } from '../../hal-constants.ts';
import { bench, cardWith, hex, sscVerify, type Bench } from './e2e-kit.ts';

/** EF05 record 07 (the card number) of the social security card. */
const READ_RECORD = Uint8Array.of(0x00, 0xb2, 0x07, (0x05 << 3) | 4, 0x0b);

const LOCK = String.fromCodePoint(SECURE_ENTRY_CODEPOINT);

async function vendor(b: Bench, request: VendorRequest): Promise<VendorResponse> {
  const a = await b.host.send({
    type: PcToRdr.Escape,
    slot: 0,
    data: encodeVendorRequest(request),
  });
  if (a.type !== RdrToPc.Escape) throw new Error(`answer ${a.type}`);
  return decodeVendorResponse(a.data);
}

/** ConfigWrite, then ConfigRead until the settings are in flash (Busy while they are written). */
async function provision(b: Bench, config: ReaderConfig): Promise<void> {
  expect((await vendor(b, { command: VendorCommand.ConfigWrite, config })).status).toBe(
    VendorStatus.Ok,
  );
  for (let i = 0; i < 100; i++) {
    const r = await vendor(b, { command: VendorCommand.ConfigRead, tags: [] });
    if (r.status === VendorStatus.Ok) {
      expect((r as { config: ReaderConfig }).config).toMatchObject(config);
      return;
    }
    expect(r.status).toBe(VendorStatus.Busy);
    await new Promise<void>((resolve) => b.sim.clientClock.setTimeout(resolve, 20));
  }
  throw new Error('the configuration never reached the flash');
}

async function serials(b: Bench): Promise<[string, string]> {
  const hello = await vendor(b, { command: VendorCommand.Hello });
  const info = await vendor(b, { command: VendorCommand.DeviceInfo });
  if (hello.command !== VendorCommand.Hello || hello.status !== VendorStatus.Ok)
    throw new Error('HELLO failed');
  if (info.command !== VendorCommand.DeviceInfo || info.status !== VendorStatus.Ok)
    throw new Error('DeviceInfo failed');
  return [hello.hello.serialNumber, info.info.serialNumber ?? ''];
}

/**
 * A verification nobody types for (bTimeOut 0, so the reader's PIN timeout): how long until it
 * failed, the gaps between its time extensions, and the prompt it showed.
 */
async function unattendedEntry(b: Bench, langId: number) {
  const shownFrom = b.sim.reader.display.history.length;
  const receivedFrom = b.host.received.length;
  const started = b.sim.clientClock.now();
  const a = await b.host.send(sscVerify(0, 0, langId), 120_000);
  expect(a.type === RdrToPc.DataBlock && [a.commandStatus, a.error]).toEqual([
    CommandStatus.Failed,
    CcidError.PinTimeout,
  ]);
  const extensions = b.host.received
    .slice(receivedFrom)
    .filter((r) => 'commandStatus' in r && r.commandStatus === CommandStatus.TimeExtension)
    .map((r) => r.at);
  const prompt = b.sim.reader.display.history
    .slice(shownFrom)
    .map((s) => s.rows[0])
    .filter((row) => row.includes(LOCK))
    .pop();
  return {
    timeoutMs: a.at - started,
    gaps: extensions.slice(1).map((t, i) => t - extensions[i]),
    prompt: prompt?.replace(LOCK, '').trim(),
  };
}

/** The holder types the right PIN; the beeps the reader sounded meanwhile. */
async function typedEntry(b: Bench) {
  const beepsFrom = b.sim.reader.beeps.length;
  b.sim.typeKeys('1 2 3 4 5 6 enter');
  const a = await b.host.send(sscVerify(0, 30, 0x0804));
  expect(a.type === RdrToPc.DataBlock && hex(a.data)).toBe('90 00');
  return b.sim.reader.beeps.slice(beepsFrom).map((x) => [x.hz, x.ms]);
}

describe('provisioned settings (ConfigWrite) in use (real firmware, simulator)', () => {
  it('serial number, language, beeper, PIN timeout and time-extension interval', async () => {
    // The firmware's flash window as the boot stage lends it (firmware/FLASH.md): the
    // configuration area checks the geometry before it writes.
    const b = await bench(['ssc3:li-na'], {
      profile: 'native',
      flash: { size: FIRMWARE_WINDOW_SIZE },
    });
    try {
      expect((await b.host.powerOn(0)).type).toBe(RdrToPc.DataBlock);
      const select = await b.host.apdu(0, [
        0x00,
        0xa4,
        0x04,
        0x00,
        0x0f,
        ...fromHex(SSSE_AID),
        0x00,
      ]);
      expect(select.type === RdrToPc.DataBlock && hex(select.data.slice(-2))).toBe('90 00');

      // Defaults: the UID as the serial number, Chinese, beeper on, 30 s, 1000 ms.
      const [helloSerial, infoSerial] = await serials(b);
      expect(helloSerial).toMatch(/^4B52[0-9A-F]{20}$/);
      expect(infoSerial).toBe(helloSerial);
      const before = await unattendedEntry(b, 0);
      expect(before.prompt).toBe('请输入密码');
      expect(before.timeoutMs).toBeGreaterThanOrEqual(30_000);
      expect(before.timeoutMs).toBeLessThan(31_000);
      expect(new Set(before.gaps)).toEqual(new Set([1000]));
      const beeps = await typedEntry(b);
      // Six digits and Enter click; the card's 90 00 gets the success tone.
      expect(beeps).toHaveLength(8);
      expect(new Set(beeps.slice(0, 7).map(String)).size).toBe(1);
      expect(beeps[7]).not.toEqual(beeps[0]);

      await provision(b, {
        serialNumber: 'KR2400001',
        language: 0x0409,
        beeper: false,
        pinTimeout: 5,
        timeExtensionInterval: 250,
      });

      expect(await serials(b)).toEqual(['KR2400001', 'KR2400001']);
      const after = await unattendedEntry(b, 0);
      expect(after.prompt).toBe('Enter PIN');
      expect(after.timeoutMs).toBeGreaterThanOrEqual(5_000);
      expect(after.timeoutMs).toBeLessThan(5_300);
      expect(new Set(after.gaps)).toEqual(new Set([250]));
      // wLangId still chooses when it is given.
      expect((await unattendedEntry(b, 0x0804)).prompt).toBe('请输入密码');
      expect(await typedEntry(b)).toEqual([]);
    } finally {
      await b.stop();
    }
  });

  it('the whole-exchange limit: EXCHANGE_LIMIT_DEFAULT_S, then what ConfigWrite set', async () => {
    // READ RECORD takes an hour, the card sending a NULL every 2000 etu meanwhile.
    const card = cardWith('ssc3:li-na', (t) => ({
      ...t,
      processingUsByIns: { ...t.processingUsByIns, B2: 3_600_000_000 },
      t0NullIntervalEtu: 2000,
    }));
    const b = await bench([card], { profile: 'native', flash: { size: FIRMWARE_WINDOW_SIZE } });
    const endless = async (): Promise<number> => {
      expect((await b.host.powerOn(0)).type).toBe(RdrToPc.DataBlock);
      const sent = b.sim.clientClock.now();
      const a = await b.host.send(
        { type: PcToRdr.XfrBlock, slot: 0, bwi: 0, levelParameter: 0, data: READ_RECORD },
        3 * EXCHANGE_LIMIT_DEFAULT_S * 1000,
      );
      expect(a).toMatchObject({ commandStatus: CommandStatus.Failed, error: CcidError.IccMute });
      return b.host.received.at(-1)!.at - sent;
    };
    try {
      const first = await endless();
      expect(first).toBeGreaterThanOrEqual(EXCHANGE_LIMIT_DEFAULT_S * 1000);
      expect(first).toBeLessThan(EXCHANGE_LIMIT_DEFAULT_S * 1000 + 100);
      await provision(b, { exchangeLimit: 10 });
      const second = await endless();
      expect(second).toBeGreaterThanOrEqual(10_000);
      expect(second).toBeLessThan(10_100);
    } finally {
      await b.stop();
    }
  });
});
