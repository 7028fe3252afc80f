// Updating one reader (PROTOCOL.md "Firmware update", firmware/FLASH.md): check what it runs,
// UpdateBegin (which says where to resume), UpdateWrite chunk by chunk, UpdateFinish, Reboot, and
// check what it runs afterwards. A lost link (a power cut, a cable pulled) reconnects and goes on
// from where the reader's journal says; Busy answers wait and try again. The image was verified
// before this runs (flash-all.ts); the reader's boot stage verifies it again in any case.
import { sleep, type Clock } from '../clock.ts';
import { compareVersions, formatVersion, type ImageHeader } from '../../protocol/image/image.ts';
import { UpdateState, VendorCommand, VendorStatus } from '../../protocol/native-constants.ts';
import type { FirmwareVersion } from '../../protocol/native/hello.ts';
import { crc32, type UpdateStatusInfo } from '../../protocol/native/update.ts';
import { FirmwareToolError } from './errors.ts';
import { exchange, LinkLostError, statusName, type UpdateTarget } from './target.ts';

export interface FlashImage {
  readonly bytes: Uint8Array;
  readonly header: ImageHeader;
  /** SHA-256 of all the bytes (what UpdateBegin carries). */
  readonly sha256: Uint8Array;
}

export type FlashPhase =
  'checking' | 'sending' | 'finishing' | 'rebooting' | 'verifying' | 'done' | 'failed';

export interface FlashProgress {
  readonly reader: string;
  readonly phase: FlashPhase;
  /** Bytes of the image the reader has (after a resume, counted from where it resumed). */
  readonly sent: number;
  readonly total: number;
}

export interface FlashOptions {
  clock: Clock;
  onProgress?: (p: FlashProgress) => void;
  /** Flash an older version than the one running (the security counter still decides). */
  allowDowngrade?: boolean;
  /** Flash even when the reader already runs this version. */
  force?: boolean;
  /**
   * Before sending, ask the reader for the security counter its boot stage stores (DeviceInfo
   * SecurityCounter) and refuse an image below it, as its boot stage would after the whole
   * transfer. A reader that does not report it is flashed as before. flashAll turns this on.
   */
  checkReaderSecurityCounter?: boolean;
  /** Reconnections allowed after a lost link (default 5). */
  linkRetries?: number;
  /** Pause before asking again after Busy (default 10 ms). */
  busyRetryMs?: number;
  /** Longest wait on Busy for one command (default 30 s). */
  busyLimitMs?: number;
  signal?: AbortSignal;
}

export interface ReaderReport {
  reader: string;
  result: 'updated' | 'up-to-date' | 'failed';
  /** Version running before, when the reader said. */
  from?: string;
  to: string;
  /** Version running at the end, when the reader said. */
  running?: string;
  bytesSent: number;
  /** Where each UpdateBegin told us to start (more than one entry: resumed). */
  startedAt: number[];
  linkRetries: number;
  durationMs: number;
  error?: { code: string; message: string };
}

const versionText = (v: FirmwareVersion) => `${v.major}.${v.minor}.${v.patch}`;

function sameVersion(v: FirmwareVersion, h: ImageHeader): boolean {
  return (
    v.major === h.version.major && v.minor === h.version.minor && v.patch === h.version.revision
  );
}

export async function flashReader(
  target: UpdateTarget,
  image: FlashImage,
  options: FlashOptions,
): Promise<ReaderReport> {
  const o = target.clock ? { ...options, clock: target.clock } : options;
  const run = new FlashRun(target, image, o);
  const started = o.clock.now();
  try {
    await run.go();
  } catch (e) {
    run.report.result = 'failed';
    run.report.error = {
      code: e instanceof FirmwareToolError ? e.code : ((e as { code?: string }).code ?? 'error'),
      message: (e as Error).message,
    };
    run.progress('failed');
  }
  run.report.durationMs = Math.round(o.clock.now() - started);
  return run.report;
}

class FlashRun {
  readonly report: ReaderReport;
  private sent = 0;

  constructor(
    private readonly target: UpdateTarget,
    private readonly image: FlashImage,
    private readonly o: FlashOptions,
  ) {
    this.report = {
      reader: target.name,
      result: 'failed',
      to: formatVersion(image.header.version),
      bytesSent: 0,
      startedAt: [],
      linkRetries: 0,
      durationMs: 0,
    };
  }

  progress(phase: FlashPhase): void {
    this.o.onProgress?.({
      reader: this.target.name,
      phase,
      sent: this.sent,
      total: this.image.bytes.length,
    });
  }

  async go(): Promise<void> {
    this.progress('checking');
    const before = await this.linked(() => this.status());
    this.report.from = versionText(before.running);
    if (before.state === UpdateState.Testing)
      throw new FirmwareToolError(
        'reader-refused',
        `${this.target.name} is still testing its last update; try again after it confirmed or reverted it`,
      );
    if (sameVersion(before.running, this.image.header) && !this.o.force) {
      this.report.result = 'up-to-date';
      this.report.running = this.report.from;
      this.sent = this.image.bytes.length;
      this.progress('done');
      return;
    }
    const running = { ...before.running, revision: before.running.patch, build: 0 };
    const image = { ...this.image.header.version, build: 0 };
    if (compareVersions(image, running) < 0 && !this.o.allowDowngrade)
      throw new FirmwareToolError(
        'downgrade',
        `${this.target.name} runs ${versionText(before.running)}, newer than ${formatVersion(this.image.header.version)} (use --allow-downgrade to flash an older version; the security counter still decides)`,
      );
    if (this.o.checkReaderSecurityCounter) await this.checkReaderFloor();
    await this.linked(() => this.transfer(), true);
    await this.rebootAndVerify();
  }

  /** Refuses an image below the reader's stored security counter (rollback), when it says. */
  private async checkReaderFloor(): Promise<void> {
    const floor = await this.linked(() => this.storedSecurityCounter());
    const counter = this.image.header.securityCounter;
    if (floor === undefined || counter >= floor) return;
    throw new FirmwareToolError(
      'image-refused',
      `${this.target.name}: image refused before sending (rollback): security counter ${counter} is below the ${floor} the reader's boot stage stores (this image was withdrawn; its boot stage would refuse it)`,
      { imageError: 'rollback' },
    );
  }

  /** DeviceInfo's SecurityCounter; undefined when the reader does not report one. */
  private async storedSecurityCounter(): Promise<number | undefined> {
    const r = await this.untilNotBusy(() =>
      exchange(this.target, { command: VendorCommand.DeviceInfo }, this.o.signal),
    );
    return r.status === VendorStatus.Ok ? r.info.securityCounter : undefined;
  }

  /** Runs `step`; on a lost link reconnects and runs it again, a bounded number of times. */
  private async linked<T>(step: () => Promise<T>, transfer = false): Promise<T> {
    for (;;) {
      try {
        return await step();
      } catch (e) {
        if (!(e instanceof LinkLostError)) throw e;
        if (++this.report.linkRetries > (this.o.linkRetries ?? 5))
          throw new FirmwareToolError(
            'link',
            `${this.target.name} stopped answering: ${e.message}`,
            { cause: e },
          );
        if (transfer) this.progress('sending');
        await this.target.reconnect(this.o.signal);
      }
    }
  }

  private async status(): Promise<UpdateStatusInfo> {
    const r = await this.untilNotBusy(() =>
      exchange(this.target, { command: VendorCommand.UpdateStatus }, this.o.signal),
    );
    if (r.status !== VendorStatus.Ok) throw this.refused('UpdateStatus', r.status);
    return r.update;
  }

  private async transfer(): Promise<void> {
    const { bytes, sha256 } = this.image;
    const begin = await this.untilNotBusy(() =>
      exchange(
        this.target,
        { command: VendorCommand.UpdateBegin, imageSize: bytes.length, sha256 },
        this.o.signal,
      ),
    );
    if (begin.status !== VendorStatus.Ok) throw this.refused('UpdateBegin', begin.status);
    const { resumeOffset } = begin;
    const chunkSize = Math.min(begin.chunkSize, this.target.maxChunk ?? begin.chunkSize);
    if (chunkSize < 1 || resumeOffset > bytes.length)
      throw new FirmwareToolError(
        'protocol',
        `${this.target.name}: UpdateBegin answered chunk ${chunkSize}, resume at ${resumeOffset}`,
      );
    this.report.startedAt.push(resumeOffset);
    let at = resumeOffset;
    this.sent = at;
    this.progress('sending');
    let crcRetries = 0;
    while (at < bytes.length) {
      const data = bytes.subarray(at, Math.min(bytes.length, at + chunkSize));
      const offset = at;
      const r = await this.untilNotBusy(() =>
        exchange(
          this.target,
          { command: VendorCommand.UpdateWrite, offset, crc32: crc32(data), data },
          this.o.signal,
        ),
      );
      if (r.status === VendorStatus.Ok) {
        if (r.nextOffset !== at + data.length)
          throw new FirmwareToolError(
            'protocol',
            `${this.target.name}: after ${data.length} bytes at ${at} the reader expects ${r.nextOffset}`,
          );
        at = r.nextOffset;
        this.report.bytesSent += data.length;
        crcRetries = 0;
      } else if (r.status === VendorStatus.ChecksumError && ++crcRetries <= 3) {
        continue; // a byte changed on the way: send the chunk again
      } else if (r.status === VendorStatus.BadParameter) {
        // Our idea of the offset is wrong (an answer was lost): the reader knows.
        const s = await this.status();
        if (s.state !== UpdateState.Receiving || s.size !== bytes.length)
          throw this.refused('UpdateWrite', r.status);
        at = s.received;
      } else throw this.refused('UpdateWrite', r.status);
      this.sent = at;
      this.progress('sending');
    }
    this.progress('finishing');
    const fin = await this.untilNotBusy(() =>
      exchange(this.target, { command: VendorCommand.UpdateFinish }, this.o.signal),
    );
    if (fin.status !== VendorStatus.Ok) {
      // The reader keeps a failed transfer; forget it so that the next attempt starts clean.
      await exchange(this.target, { command: VendorCommand.UpdateAbort }, this.o.signal).catch(
        () => undefined,
      );
      throw this.refused('UpdateFinish', fin.status);
    }
  }

  private async rebootAndVerify(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      this.progress('rebooting');
      await this.linked(async () => {
        const r = await this.untilNotBusy(() =>
          exchange(this.target, { command: VendorCommand.Reboot }, this.o.signal),
        );
        if (r.status !== VendorStatus.Ok) throw this.refused('Reboot', r.status);
      }).catch((e) => {
        // The answer to Reboot may be lost with the reboot itself; the status below tells.
        if (!(e instanceof FirmwareToolError && e.code === 'link')) throw e;
      });
      await this.target.reconnect(this.o.signal);
      this.progress('verifying');
      let s = await this.linked(() => this.status());
      for (let i = 0; s.state === UpdateState.Testing && i < 50; i++) {
        await sleep(this.o.clock, 100, this.o.signal);
        s = await this.linked(() => this.status());
      }
      this.report.running = versionText(s.running);
      if (s.state === UpdateState.Pending && attempt < 2) continue; // the reboot did not happen
      if (s.state === UpdateState.Failed)
        throw new FirmwareToolError(
          'boot-refused',
          `${this.target.name}: the boot stage refused or reverted ${formatVersion(this.image.header.version)}; it runs ${versionText(s.running)} (the reader's log says why)`,
        );
      if (s.state === UpdateState.Idle && sameVersion(s.running, this.image.header)) {
        this.report.result = 'updated';
        this.progress('done');
        return;
      }
      throw new FirmwareToolError(
        'not-updated',
        `${this.target.name} runs ${versionText(s.running)} (state ${UpdateState[s.state]}) after the reboot, not ${formatVersion(this.image.header.version)}`,
      );
    }
  }

  private async untilNotBusy<T extends { status: VendorStatus }>(
    send: () => Promise<T>,
  ): Promise<T> {
    const limit = this.o.busyLimitMs ?? 30_000;
    const started = this.o.clock.now();
    for (;;) {
      const r = await send();
      if (r.status !== VendorStatus.Busy) return r;
      if (this.o.clock.now() - started > limit)
        throw new FirmwareToolError(
          'busy-timeout',
          `${this.target.name} stayed busy for ${limit} ms`,
        );
      await sleep(this.o.clock, this.o.busyRetryMs ?? 10, this.o.signal);
    }
  }

  private refused(command: string, status: number): FirmwareToolError {
    const why: Partial<Record<number, string>> = {
      [VendorStatus.BadImage]: 'the reader refused the image',
      [VendorStatus.ChecksumError]: 'the image in the reader does not match what was sent',
      [VendorStatus.StorageError]: 'the reader could not write its flash',
      [VendorStatus.BadState]: 'the reader is not in a state to do this',
      [VendorStatus.UnknownCommand]: 'this firmware has no update agent',
    };
    return new FirmwareToolError(
      'reader-refused',
      `${this.target.name}: ${command} answered ${statusName(status)}${why[status] ? ` (${why[status]})` : ''}`,
      { vendorStatus: status },
    );
  }
}
