// A deterministic mix of every kind of event the runtime delivers, for tests that check what
// must not change however long the firmware runs (memory, no traps). Seeded; no wall clock.
import { ChainLevel, PcToRdr } from '../../protocol/ccid-constants.ts';
import {
  Profile,
  VendorCommand,
  VENDOR_MAGIC_0,
  VENDOR_MAGIC_1,
} from '../../protocol/native-constants.ts';
import { Key, SLOT_COUNT, TIMER_COUNT } from '../hal-constants.ts';
import type { FakeHal } from './fake-hal.ts';
import { command, frame } from './wire.ts';

export function workload(hal: FakeHal, steps = 5000, seed = 0x4b52): void {
  let x = seed >>> 0;
  const rand = (n: number) => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return Math.floor((x / 2 ** 32) * n);
  };
  const bytes = (n: number) => Array.from({ length: n }, () => rand(256));
  const fw = hal.exports;
  const send = (c: Parameters<typeof command>[0]) => hal.hostWrite(frame(command(c)), 1 + rand(64));
  const vendor = (cmd: number, ...payload: number[]) => [
    VENDOR_MAGIC_0,
    VENDOR_MAGIC_1,
    cmd,
    ...payload,
  ];
  let seq = 0;
  for (let i = 0; i < steps; i++) {
    const slot = rand(SLOT_COUNT);
    seq = (seq + 1) & 0xff;
    switch (rand(16)) {
      case 0:
        send({ type: PcToRdr.GetSlotStatus, slot, seq });
        break;
      case 1:
        send({ type: PcToRdr.IccPowerOn, slot, seq, specific: [rand(4), 0, 0] });
        break;
      case 2:
        send({ type: PcToRdr.XfrBlock, slot, seq, data: [0x00, 0xb0, 0x00, 0x00, rand(256)] });
        break;
      case 3:
        send({
          type: PcToRdr.XfrBlock,
          slot,
          seq,
          specific: [0, [ChainLevel.Begins, ChainLevel.Continues, ChainLevel.Ends][rand(3)], 0],
          data: bytes(rand(300)),
        });
        break;
      case 4:
        send({
          type: PcToRdr.Escape,
          seq,
          data: vendor(
            [VendorCommand.Hello, VendorCommand.DeviceInfo, VendorCommand.Diagnostics][rand(3)],
          ),
        });
        break;
      case 5:
        send({
          type: PcToRdr.Escape,
          seq,
          data: vendor(VendorCommand.SetProfile, rand(2) ? Profile.Native : Profile.Compat),
        });
        break;
      case 6:
        send({
          type: [
            PcToRdr.IccPowerOff,
            PcToRdr.Abort,
            PcToRdr.GetParameters,
            PcToRdr.ResetParameters,
          ][rand(4)],
          slot,
          seq,
        });
        break;
      case 7:
        send({
          type: PcToRdr.SetParameters,
          slot,
          seq,
          specific: [rand(2), 0, 0],
          data: bytes(5 + 2 * rand(2)),
        });
        break;
      case 8:
        hal.hostWrite(bytes(1 + rand(40)), 1 + rand(16));
        break;
      case 9:
        fw.on_card_rx(slot, rand(256), rand(4) === 0 ? 1 : 0);
        break;
      case 10:
        fw.on_card_timeout(slot);
        break;
      case 11: {
        hal.present[slot] = hal.present[slot] ? 0 : 1;
        fw.on_card_presence(slot, hal.present[slot]);
        break;
      }
      case 12:
        hal.advance(rand(1500));
        break;
      case 13:
        fw.on_timer(rand(TIMER_COUNT));
        break;
      case 14:
        fw.on_key(rand(2) ? Key.Enter : rand(10));
        break;
      default:
        send({
          type: PcToRdr.Escape,
          seq,
          data: [[0x02], [0x01, 0x01, 0x01], [0x6a], [0x1f, 0x02]][rand(4)],
        });
    }
    hal.takeHostOut();
  }
}
