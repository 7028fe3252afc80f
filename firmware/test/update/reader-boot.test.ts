// The simulator's Reader with the boot stage behind its seam (simulator/reader/boot-stage-seam.ts,
// simulator/boot/index.ts): it starts the image the boot stage hands over, the firmware's flash
// imports reach the window, boot_confirm reaches the boot stage, and a reset runs the boot stage
// again. The firmware here is the update agent's test module; the real firmware is the same code
// once main.ts wires it (see the report of issue 8).
import { beforeAll, describe, expect, it } from 'vitest';
import { Simulation } from '../../../simulator/simulation.ts';
import {
  BootError,
  simulatedBootStage,
  type BootStage,
  decodeBootRecord,
} from '../../../simulator/boot/index.ts';
import {
  BOOT_RECORD_SIZE,
  BootOutcome,
  FIRMWARE_WINDOW_ADDR,
  SECONDARY_SLOT_ADDR,
  WINDOW_BOOT_RECORD,
} from '../../../protocol/image/flash-map.ts';
import { NS_PER_MS } from '../../../simulator/engine/virtual-clock.ts';
import { kit, type Kit } from './rig-kit.ts';

let k: Kit;
beforeAll(async () => {
  k = await kit();
});

async function simulation(factoryImage: Uint8Array | undefined) {
  let stage: BootStage | undefined;
  const sim = await Simulation.create({
    seed: 3,
    trace: false,
    bootStage: simulatedBootStage({
      publicKey: k.key.publicKeyPem,
      factoryImage,
      created: (s) => (stage = s),
    }),
  });
  await sim.clock.advance(500 * NS_PER_MS);
  return { sim, stage: stage! };
}

describe('simulator Reader with the boot stage', () => {
  it('starts the factory image; a staged, requested update boots on trial and confirms itself', async () => {
    const { sim, stage } = await simulation(k.sign(1, 1));
    expect(sim.reader.bootError).toBeUndefined();
    expect(sim.reader.running).toBe(true);
    expect(stage.last).toMatchObject({
      outcome: BootOutcome.None,
      header: { version: { minor: 1 } },
    });
    const record = decodeBootRecord(
      sim.reader.flash.data.subarray(
        FIRMWARE_WINDOW_ADDR + WINDOW_BOOT_RECORD,
        FIRMWARE_WINDOW_ADDR + WINDOW_BOOT_RECORD + BOOT_RECORD_SIZE,
      ),
    );
    expect(record?.version.minor).toBe(1);
    // What the update agent would have written, and its request (boot_request_update(0)).
    const next = k.sign(2, 2);
    sim.reader.flash.data.set(next, SECONDARY_SLOT_ADDR);
    stage.requestUpdate(false);
    await sim.clock.advance(100 * NS_PER_MS);
    sim.powerCut();
    await sim.clock.advance(5000 * NS_PER_MS);
    expect(stage.last).toMatchObject({
      outcome: BootOutcome.Trial,
      header: { version: { minor: 2 } },
    });
    expect(sim.reader.boot.confirmed).toBe(true); // the firmware's self-test passed: boot_confirm
    sim.powerCut();
    await sim.clock.advance(5000 * NS_PER_MS);
    expect(stage.last).toMatchObject({ outcome: BootOutcome.Updated, storedSecurityCounter: 2 });
    expect(sim.reader.panics).toEqual([]);
  });

  it('stays dark on a part with no valid image', async () => {
    const { sim, stage } = await simulation(undefined);
    await sim.clock.advance(1000 * NS_PER_MS);
    expect(stage.last).toBeInstanceOf(BootError);
    expect(sim.reader.bootError?.message).toMatch(/primary slot: .*not a signed firmware image/);
    expect(sim.reader.running).toBe(false);
  });
});
