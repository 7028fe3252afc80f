// The configuration area through ConfigRead / ConfigWrite (PROTOCOL.md "Configuration",
// FLASH.md "Configuration area"): defaults, merge, validation, Busy while writing, persistence
// across power cuts, and a cut during the write leaving the old or the new settings, never a mix.
import { beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../simulator/engine/virtual-clock.ts';
import {
  ConfigTag,
  EXCHANGE_LIMIT_DEFAULT_S,
  VendorCommand,
  VendorStatus,
} from '../../../protocol/native-constants.ts';
import type { ReaderConfig } from '../../../protocol/native/device-info.ts';
import type { VendorResponse } from '../../../protocol/native/vendor-escape.ts';
import type { UpdateRig } from '../../../simulator/boot/update-rig.ts';
import { ask, idle, kit, newRig, settle, type Kit } from './rig-kit.ts';
import { sha256 } from '../../../protocol/image/sign.ts';
import { crc32 } from '../../../protocol/native/update.ts';

let k: Kit;
let factory: Uint8Array;
beforeAll(async () => {
  k = await kit();
  factory = k.sign(1, 1);
});

const DEFAULTS: ReaderConfig = {
  language: 0x0804,
  beeper: true,
  pinTimeout: 30,
  timeExtensionInterval: 1000,
  exchangeLimit: EXCHANGE_LIMIT_DEFAULT_S,
};

/** The TLVs of the newest configuration record in flash (magic "KRCF", FLASH.md). */
function recordTlvs(rig: UpdateRig): number[][] {
  const d = rig.flash.data;
  let best: { seq: number; tlvs: Uint8Array } | undefined;
  for (let i = 0; i + 16 <= d.length; i += 4096) {
    if (d[i] !== 0x4b || d[i + 1] !== 0x52 || d[i + 2] !== 0x43 || d[i + 3] !== 0x46) continue;
    const length = d[i + 6] | (d[i + 7] << 8);
    const seq = (d[i + 8] | (d[i + 9] << 8) | (d[i + 10] << 16) | (d[i + 11] << 24)) >>> 0;
    if (!best || seq > best.seq) best = { seq, tlvs: d.subarray(i + 16, i + 16 + length) };
  }
  const out: number[][] = [];
  for (let at = 0; best && at < best.tlvs.length; at += 2 + best.tlvs[at + 1])
    out.push([...best.tlvs.subarray(at, at + 2 + best.tlvs[at + 1])]);
  return out;
}

async function read(
  clock: VirtualClock,
  rig: UpdateRig,
  tags: number[] = [],
): Promise<VendorResponse> {
  return ask(clock, rig, { command: VendorCommand.ConfigRead, tags });
}

async function readOk(clock: VirtualClock, rig: UpdateRig): Promise<ReaderConfig> {
  for (;;) {
    const r = await read(clock, rig);
    if (r.status === VendorStatus.Busy) {
      await idle(clock, 10);
      continue;
    }
    expect(r.status).toBe(VendorStatus.Ok);
    return (r as { config: ReaderConfig }).config;
  }
}

const raw = (clock: VirtualClock, rig: UpdateRig, command: number, bytes: number[]) =>
  settle(clock, rig.escape(Uint8Array.from([0x4b, 0x52, command, ...bytes])));

describe('configuration area', () => {
  it('reads the defaults on a fresh reader', async () => {
    const clock = new VirtualClock();
    const rig = newRig(k, factory, 1, clock);
    expect(await readOk(clock, rig)).toEqual(DEFAULTS);
  });

  it('merges a write, answers Busy until it is in flash, and keeps it across a power cut', async () => {
    const clock = new VirtualClock();
    const rig = newRig(k, factory, 2, clock);
    const w = await ask(clock, rig, {
      command: VendorCommand.ConfigWrite,
      config: { serialNumber: 'KR2400001', beeper: false },
    });
    expect(w.status).toBe(VendorStatus.Ok);
    expect((await read(clock, rig)).status).toBe(VendorStatus.Busy);
    const expected = { ...DEFAULTS, serialNumber: 'KR2400001', beeper: false };
    expect(await readOk(clock, rig)).toEqual(expected);
    const w2 = await ask(clock, rig, {
      command: VendorCommand.ConfigWrite,
      config: { language: 0x0409, pinTimeout: 45 },
    });
    expect(w2.status).toBe(VendorStatus.Ok);
    const merged = { ...expected, language: 0x0409, pinTimeout: 45 };
    expect(await readOk(clock, rig)).toEqual(merged);
    rig.powerCut();
    await settle(clock, rig.whenRunning());
    expect(await readOk(clock, rig)).toEqual(merged);
    // Selected tags, in the order asked, each once; unknown ones left out.
    const some = await read(clock, rig, [
      ConfigTag.PinTimeout,
      0x7f,
      ConfigTag.SerialNumber,
      ConfigTag.PinTimeout,
    ]);
    expect((some as { config: ReaderConfig }).config).toEqual({
      pinTimeout: 45,
      serialNumber: 'KR2400001',
    });
  });

  it('refuses bad settings and changes nothing', async () => {
    const clock = new VirtualClock();
    const rig = newRig(k, factory, 3, clock);
    const W = VendorCommand.ConfigWrite;
    const bad: [number[], VendorStatus][] = [
      [[], VendorStatus.BadLength],
      [[0x01], VendorStatus.BadLength], // truncated TLV
      [[0x02, 0x02, 0x04], VendorStatus.BadLength],
      [[0x7f, 0x01, 0x00], VendorStatus.BadParameter], // unknown tag
      [[0x03, 0x01, 0x02], VendorStatus.BadParameter], // beeper 2
      [[0x03, 0x01, 0x01, 0x03, 0x01, 0x00], VendorStatus.BadParameter], // twice
      [[0x01, 0x02, 0x41, 0x0a], VendorStatus.BadParameter], // control character in the serial
      [[0x01, 0x00], VendorStatus.BadParameter], // empty serial
      [[0x01, 33, ...new Array<number>(33).fill(0x41)], VendorStatus.BadParameter],
      [[0x04, 0x01, 0x00], VendorStatus.BadParameter], // PIN timeout 0
      [[0x05, 0x02, 0x10, 0x00], VendorStatus.BadParameter], // 16 ms time extension
      [[0x02, 0x01, 0x04], VendorStatus.BadParameter], // language must be u16
      [[0x06, 0x02, 0x04, 0x00], VendorStatus.BadParameter], // exchange limit 4 s
      [[0x06, 0x02, 0x59, 0x02], VendorStatus.BadParameter], // exchange limit 601 s
      [[0x06, 0x01, 0x3c], VendorStatus.BadParameter], // exchange limit must be u16
    ];
    for (const [bytes, status] of bad)
      expect((await raw(clock, rig, W, bytes))[3], JSON.stringify(bytes)).toBe(status);
    expect(await readOk(clock, rig)).toEqual(DEFAULTS);
  });

  it('the exchange limit: written and kept; in the record only when it is not the default', async () => {
    const clock = new VirtualClock();
    const rig = newRig(k, factory, 4, clock);
    const write = (config: ReaderConfig) =>
      ask(clock, rig, { command: VendorCommand.ConfigWrite, config });
    expect((await write({ serialNumber: 'KR2400002' })).status).toBe(VendorStatus.Ok);
    expect(await readOk(clock, rig)).toEqual({ ...DEFAULTS, serialNumber: 'KR2400002' });
    // Firmware older than the tag refuses a record holding it and would drop every setting
    // (the serial number too) after a rollback: at the default the record leaves it out.
    expect(recordTlvs(rig).map((t) => t[0])).toEqual([1, 2, 3, 4, 5]);
    expect((await write({ exchangeLimit: 90 })).status).toBe(VendorStatus.Ok);
    const set = { ...DEFAULTS, serialNumber: 'KR2400002', exchangeLimit: 90 };
    expect(await readOk(clock, rig)).toEqual(set);
    expect(recordTlvs(rig).at(-1)).toEqual([ConfigTag.ExchangeLimit, 2, 90, 0]);
    rig.powerCut();
    await settle(clock, rig.whenRunning());
    expect(await readOk(clock, rig)).toEqual(set);
    expect((await write({ exchangeLimit: EXCHANGE_LIMIT_DEFAULT_S })).status).toBe(VendorStatus.Ok);
    expect(await readOk(clock, rig)).toEqual({ ...set, exchangeLimit: EXCHANGE_LIMIT_DEFAULT_S });
    expect(recordTlvs(rig).map((t) => t[0])).toEqual([1, 2, 3, 4, 5]);
  });

  it('a power cut during the write leaves the old or the new settings', async () => {
    for (const [op, fraction] of [
      [1, 0],
      [1, 0.5],
      [2, 0],
      [2, 0.5],
    ] as const) {
      const clock = new VirtualClock();
      const rig = newRig(k, factory, 10 + op, clock);
      const first = { serialNumber: 'OLD-0001', language: 0x0409 };
      await ask(clock, rig, { command: VendorCommand.ConfigWrite, config: first });
      const old = await readOk(clock, rig);
      rig.planPowerCut(op, fraction);
      // The answer itself is lost when the cut comes first.
      await ask(clock, rig, {
        command: VendorCommand.ConfigWrite,
        config: { serialNumber: 'NEW-0002', beeper: false },
      }).catch(() => undefined);
      await idle(clock, 500);
      await settle(clock, rig.whenRunning());
      const now = await readOk(clock, rig);
      expect(
        [old, { ...old, serialNumber: 'NEW-0002', beeper: false }],
        `cut in op ${op} at ${fraction}`,
      ).toContainEqual(now);
      expect(rig.notes.some((n) => n.includes('power cut'))).toBe(true);
    }
  });

  it('a ConfigWrite during an update transfer waits its turn for the flash; both complete', async () => {
    const clock = new VirtualClock();
    const rig = newRig(k, factory, 20, clock);
    const image = k.sign(2, 2);
    const begin = await ask(clock, rig, {
      command: VendorCommand.UpdateBegin,
      imageSize: image.length,
      sha256: sha256(image),
    });
    expect(begin.status).toBe(VendorStatus.Ok);
    let at = 0;
    let configWritten = false;
    while (at < image.length) {
      const data = image.slice(at, at + 2048);
      const r = await ask(clock, rig, {
        command: VendorCommand.UpdateWrite,
        offset: at,
        crc32: crc32(data),
        data,
      });
      if (r.status === VendorStatus.Busy) {
        await idle(clock, 10);
        continue;
      }
      expect(r.status).toBe(VendorStatus.Ok);
      at += data.length;
      if (!configWritten) {
        // The agent has flash work queued now: the configuration write goes in between.
        const w = await ask(clock, rig, {
          command: VendorCommand.ConfigWrite,
          config: { serialNumber: 'MID-UPDATE' },
        });
        expect(w.status).toBe(VendorStatus.Ok);
        configWritten = true;
      }
    }
    for (;;) {
      const f = await ask(clock, rig, { command: VendorCommand.UpdateFinish });
      if (f.status === VendorStatus.Busy) {
        await idle(clock, 20);
        continue;
      }
      expect(f.status).toBe(VendorStatus.Ok);
      break;
    }
    expect((await readOk(clock, rig)).serialNumber).toBe('MID-UPDATE');
    expect(rig.panics).toEqual([]);
  });
});
