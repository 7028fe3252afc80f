// The update agent on the real flash model under the real boot stage: the escapes of PROTOCOL.md
// "Firmware update", their errors, resume after a power cut, the self-confirmation and the revert
// of a build whose self-test fails.
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { VirtualClock } from '../../../simulator/engine/virtual-clock.ts';
import { BootOutcome } from '../../../protocol/image/flash-map.ts';
import {
  IMAGE_HEADER_SIZE,
  ImageCheck,
  ImageFlag,
} from '../../../protocol/image/image-constants.ts';
import { appendTlvs, encodeHashed } from '../../../protocol/image/image.ts';
import { sha256 } from '../../../protocol/image/sign.ts';
import { testKey } from '../../../protocol/image/testing.ts';
import { UpdateState, VendorCommand, VendorStatus } from '../../../protocol/native-constants.ts';
import { crc32 } from '../../../protocol/native/update.ts';
import type { VendorResponse } from '../../../protocol/native/vendor-escape.ts';
import { BootError } from '../../../simulator/boot/boot-error.ts';
import type { UpdateRig } from '../../../simulator/boot/update-rig.ts';
import { ask, idle, kit, newRig, settle, version, type Kit } from './rig-kit.ts';

let k: Kit;
beforeAll(async () => {
  k = await kit();
});

function ok<T extends VendorResponse>(r: VendorResponse): T {
  expect(r.status).toBe(VendorStatus.Ok);
  return r as T;
}

async function status(clock: VirtualClock, rig: UpdateRig) {
  const r = ok<
    Extract<VendorResponse, { command: VendorCommand.UpdateStatus; status: VendorStatus.Ok }>
  >(await ask(clock, rig, { command: VendorCommand.UpdateStatus }));
  return r.update;
}

/** Sends `image` from `from`, retrying Busy after a pause, as a host would. */
async function send(
  clock: VirtualClock,
  rig: UpdateRig,
  image: Uint8Array,
  from = 0,
  until = image.length,
): Promise<number> {
  let at = from;
  let busy = 0;
  while (at < until) {
    const data = image.slice(at, Math.min(until, at + 2048));
    const r = await ask(clock, rig, {
      command: VendorCommand.UpdateWrite,
      offset: at,
      crc32: crc32(data),
      data,
    });
    if (r.status === VendorStatus.Busy) {
      busy++;
      await idle(clock, 10);
      continue;
    }
    const w =
      ok<Extract<VendorResponse, { command: VendorCommand.UpdateWrite; status: VendorStatus.Ok }>>(
        r,
      );
    at = w.nextOffset;
  }
  return busy;
}

async function begin(clock: VirtualClock, rig: UpdateRig, image: Uint8Array) {
  const r = await ask(clock, rig, {
    command: VendorCommand.UpdateBegin,
    imageSize: image.length,
    sha256: sha256(image),
  });
  return ok<
    Extract<VendorResponse, { command: VendorCommand.UpdateBegin; status: VendorStatus.Ok }>
  >(r);
}

/** Finish, retrying Busy while the last sectors are programmed. */
async function finish(clock: VirtualClock, rig: UpdateRig): Promise<VendorStatus> {
  for (;;) {
    const r = await ask(clock, rig, { command: VendorCommand.UpdateFinish });
    if (r.status !== VendorStatus.Busy) return r.status;
    await idle(clock, 20);
  }
}

async function reboot(clock: VirtualClock, rig: UpdateRig): Promise<void> {
  for (;;) {
    const r = await ask(clock, rig, { command: VendorCommand.Reboot });
    if (r.status === VendorStatus.Ok) break;
    expect(r.status).toBe(VendorStatus.Busy);
    await idle(clock, 20);
  }
  await settle(clock, rig.whenRunning());
}

async function update(
  clock: VirtualClock,
  rig: UpdateRig,
  image: Uint8Array,
): Promise<VendorStatus> {
  const b = await begin(clock, rig, image);
  await send(clock, rig, image, b.resumeOffset);
  const s = await finish(clock, rig);
  if (s === VendorStatus.Ok) await reboot(clock, rig);
  return s;
}

describe('update agent', () => {
  it('reports the running image and idles after the factory boot', async () => {
    const clock = new VirtualClock();
    const rig = newRig(k, k.sign(1, 1), 1, clock);
    const s = await status(clock, rig);
    expect(s).toEqual({
      state: UpdateState.Idle,
      received: 0,
      size: 0,
      running: { major: 1, minor: 1, patch: 0 },
      pending: undefined,
    });
  });

  it('receives an image, asks for a test swap, and the new image confirms itself after Reboot', async () => {
    const clock = new VirtualClock();
    const rig = newRig(k, k.sign(1, 1), 1, clock);
    const image = k.sign(2, 2);
    const b = await begin(clock, rig, image);
    expect([b.chunkSize, b.resumeOffset]).toEqual([2048, 0]);
    const busy = await send(clock, rig, image);
    expect(busy).toBeGreaterThan(0); // the host outruns the flash and waits, nothing is lost
    expect(await finish(clock, rig)).toBe(VendorStatus.Ok);
    const pending = await status(clock, rig);
    expect(pending.state).toBe(UpdateState.Pending);
    expect(pending.pending).toEqual({ major: 1, minor: 2, patch: 0 });
    expect([pending.received, pending.size]).toEqual([image.length, image.length]);
    await reboot(clock, rig);
    const after = await status(clock, rig);
    expect([after.state, after.running]).toEqual([
      UpdateState.Idle,
      { major: 1, minor: 2, patch: 0 },
    ]);
    expect(rig.logs.map((l) => l.text)).toContain('update: self-test passed, new image confirmed');
    expect((rig.lastBoot as { outcome: BootOutcome }).outcome).toBe(BootOutcome.Trial);
    // Confirmed: the next boot keeps it and raises the security counter.
    rig.powerCut();
    await settle(clock, rig.whenRunning());
    expect(rig.lastBoot).toMatchObject({ outcome: BootOutcome.Updated, storedSecurityCounter: 2 });
    expect(rig.panics).toEqual([]);
  });

  it('answers each malformed or out-of-order request with its status', async () => {
    const clock = new VirtualClock();
    const rig = newRig(k, k.sign(1, 1), 2, clock);
    const image = k.sign(2, 2);
    const data = image.slice(0, 100);
    const write = (offset: number, crc = crc32(data), d = data) =>
      ask(clock, rig, { command: VendorCommand.UpdateWrite, offset, crc32: crc, data: d });
    expect((await write(0)).status).toBe(VendorStatus.BadState); // no transfer yet
    expect((await ask(clock, rig, { command: VendorCommand.UpdateFinish })).status).toBe(
      VendorStatus.BadState,
    );
    const tooBig = await ask(clock, rig, {
      command: VendorCommand.UpdateBegin,
      imageSize: 0x3c001,
      sha256: sha256(image),
    });
    expect(tooBig.status).toBe(VendorStatus.BadParameter);
    const empty = await ask(clock, rig, {
      command: VendorCommand.UpdateBegin,
      imageSize: 0,
      sha256: sha256(image),
    });
    expect(empty.status).toBe(VendorStatus.BadParameter);
    const raw = (bytes: number[]) =>
      settle(clock, rig.escape(Uint8Array.from([0x4b, 0x52, ...bytes])));
    expect((await raw([VendorCommand.UpdateBegin, 1, 2, 3]))[3]).toBe(VendorStatus.BadLength);
    expect((await raw([VendorCommand.UpdateStatus, 0]))[3]).toBe(VendorStatus.BadLength);
    expect((await raw([VendorCommand.UpdateWrite, 0, 0, 0, 0, 0, 0, 0, 0]))[3]).toBe(
      VendorStatus.BadLength,
    );
    expect((await raw([0x2f]))[3]).toBe(VendorStatus.UnknownCommand);
    await begin(clock, rig, image);
    expect((await write(4)).status).toBe(VendorStatus.BadParameter); // not where the reader is
    expect((await write(0, (crc32(data) ^ 1) >>> 0)).status).toBe(VendorStatus.ChecksumError);
    const chunk = new Uint8Array(2049);
    expect((await write(0, crc32(chunk), chunk)).status).toBe(VendorStatus.BadLength);
    expect((await write(0)).status).toBe(VendorStatus.Ok);
    expect((await write(0)).status).toBe(VendorStatus.BadParameter); // a repeat: the host asks UpdateStatus
    expect((await status(clock, rig)).received).toBe(100);
    expect((await ask(clock, rig, { command: VendorCommand.UpdateFinish })).status).toBe(
      VendorStatus.BadState,
    );
    expect(rig.panics).toEqual([]);
  });

  it('refuses at UpdateFinish what the boot stage would refuse: wrong digest, unsigned, tampered, rollback', async () => {
    const clock = new VirtualClock();
    const rig = newRig(k, k.sign(1, 5), 3, clock);
    // UpdateBegin's digest does not match the bytes sent.
    const image = k.sign(2, 6);
    await ask(clock, rig, {
      command: VendorCommand.UpdateBegin,
      imageSize: image.length,
      sha256: sha256(image.slice(1)),
    });
    await send(clock, rig, image);
    expect(await finish(clock, rig)).toBe(VendorStatus.ChecksumError);
    expect((await status(clock, rig)).state).toBe(UpdateState.Failed);
    expect((await ask(clock, rig, { command: VendorCommand.UpdateAbort })).status).toBe(
      VendorStatus.Ok,
    );
    await idle(clock);
    const hashed = encodeHashed({ flags: 0, version: version(3), securityCounter: 6 }, k.wasm);
    const unsigned = appendTlvs(hashed, [{ type: 0x10, value: sha256(hashed) }]);
    const tampered = image.slice();
    tampered[IMAGE_HEADER_SIZE + 200] ^= 1;
    for (const bad of [unsigned, tampered, k.sign(4, 4)]) {
      expect(await update(clock, rig, bad)).toBe(VendorStatus.BadImage);
      expect((await ask(clock, rig, { command: VendorCommand.UpdateAbort })).status).toBe(
        VendorStatus.Ok,
      );
      await idle(clock);
    }
    expect(rig.logs.map((l) => l.text)).toContain(
      `update: image refused, ImageCheck ${ImageCheck.Rollback}`,
    );
    expect((await status(clock, rig)).running).toEqual({ major: 1, minor: 1, patch: 0 });
  });

  it('passes a wrong-key image to the boot stage, which refuses it; the old image keeps running', async () => {
    const clock = new VirtualClock();
    const rig = newRig(k, k.sign(1, 1), 4, clock);
    const stranger = testKey();
    expect(await update(clock, rig, k.sign(2, 2, 0, stranger.privateKey))).toBe(VendorStatus.Ok);
    expect(rig.lastBoot).toMatchObject({
      outcome: BootOutcome.Rejected,
      reason: ImageCheck.UnknownKey,
    });
    const s = await status(clock, rig);
    expect([s.state, s.running]).toEqual([UpdateState.Failed, { major: 1, minor: 1, patch: 0 }]);
    // A good image afterwards goes through.
    expect(await update(clock, rig, k.sign(2, 2))).toBe(VendorStatus.Ok);
    expect(await status(clock, rig)).toMatchObject({
      state: UpdateState.Idle,
      running: { major: 1, minor: 2, patch: 0 },
    });
  });

  it('reverts a build whose self-test fails, at once, and reports Failed', async () => {
    const clock = new VirtualClock();
    const rig = newRig(k, k.sign(1, 1), 5, clock);
    expect(await update(clock, rig, k.sign(2, 2, ImageFlag.SelfTestFail))).toBe(VendorStatus.Ok);
    const s = await status(clock, rig);
    expect([s.state, s.running]).toEqual([UpdateState.Failed, { major: 1, minor: 1, patch: 0 }]);
    expect(rig.lastBoot).toMatchObject({ outcome: BootOutcome.Reverted, storedSecurityCounter: 1 });
    expect(rig.logs.map((l) => l.text)).toContain(
      'self-test: this build is marked to fail its self-test (SelfTestFail)',
    );
    expect(rig.boots).toBe(3); // factory, the trial that failed, the reverted one
  });

  it('resumes after a power cut from the last sector the journal holds', async () => {
    const clock = new VirtualClock();
    const rig = newRig(k, k.sign(1, 1), 6, clock);
    const image = k.sign(2, 2);
    await begin(clock, rig, image);
    await send(clock, rig, image, 0, 8192);
    await idle(clock);
    rig.powerCut();
    await settle(clock, rig.whenRunning());
    expect((await status(clock, rig)).state).toBe(UpdateState.Idle);
    const again = await begin(clock, rig, image);
    expect(again.resumeOffset).toBe(8192);
    await send(clock, rig, image, again.resumeOffset);
    expect(await finish(clock, rig)).toBe(VendorStatus.Ok);
    // A different image starts from 0.
    const other = k.sign(3, 3);
    expect((await begin(clock, rig, other)).resumeOffset).toBe(0);
  });

  it('UpdateAbort after UpdateFinish takes the image away: the boot stage finds nothing to swap', async () => {
    const clock = new VirtualClock();
    const rig = newRig(k, k.sign(1, 1), 7, clock);
    const image = k.sign(2, 2);
    await begin(clock, rig, image);
    await send(clock, rig, image);
    expect(await finish(clock, rig)).toBe(VendorStatus.Ok);
    expect((await ask(clock, rig, { command: VendorCommand.UpdateAbort })).status).toBe(
      VendorStatus.Ok,
    );
    await reboot(clock, rig);
    expect(rig.lastBoot).toMatchObject({
      outcome: BootOutcome.Rejected,
      reason: ImageCheck.BadMagic,
    });
    expect((await status(clock, rig)).running).toEqual({ major: 1, minor: 1, patch: 0 });
  });

  it('never traps on random escapes', async () => {
    const clock = new VirtualClock();
    const rig = newRig(k, k.sign(1, 1), 8, clock);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0x20, max: 0x25 }),
        fc.uint8Array({ maxLength: 64 }),
        async (command, payload) => {
          if (command === VendorCommand.Reboot) return;
          const reply = await settle(
            clock,
            rig.escape(Uint8Array.from([0x4b, 0x52, command, ...payload])),
          );
          expect(reply.length).toBeGreaterThanOrEqual(4);
        },
      ),
      { numRuns: 300, seed: 42 },
    );
    expect(rig.panics).toEqual([]);
    expect(rig.lastBoot).not.toBeInstanceOf(BootError);
  });
});
