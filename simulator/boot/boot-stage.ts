// The reader's native boot stage, as the simulator runs it (firmware/FLASH.md, IMAGE.md): at
// every reset it finishes or starts a swap, verifies the image to run with the public key built
// into it, and hands the reader the WebAssembly payload to start. While the firmware runs, it
// serves boot_confirm and boot_request_update, and lends the firmware its window of the flash.
//
// The reader wires it in (see README.md in this folder): boot() at power-on and after every
// reset, powerCut() after the flash model's own powerCut(), firmwareReset() before a reset, the
// flash imports through `firmwareFlash`, the two boot imports through confirm() and
// requestUpdate().
import type { KeyObject } from 'node:crypto';
import { FlashStatus } from '../../firmware/hal-constants.ts';
import {
  FLASH_SECTOR_SIZE,
  FLASH_SIZE,
  FLASH_WRITE_ALIGN,
} from '../../protocol/image/flash-map.ts';
import { loadPublicKey } from '../../protocol/image/keys.ts';
import { BootError } from './boot-error.ts';
import type { BootStageVersion } from './boot-record.ts';
import { bootSequence, type BootImage, type BootSequence } from './boot-sequence.ts';
import { FlashArbiter, type FlashDevice } from './flash-arbiter.ts';
import { FirmwareFlashWindow } from './firmware-window.ts';
import { Journal, readJournal, RecordKind, SwapType, type FlashOp } from './journal.ts';

/** The version of this boot stage (DeviceInfo's BootloaderVersion; the boot record). */
export const BOOT_STAGE_VERSION: BootStageVersion = { major: 1, minor: 0, revision: 0 };

export interface BootStageOptions {
  flash: FlashDevice;
  /** The public key built into the boot stage: PEM, raw 32 bytes or a KeyObject. */
  publicKey: KeyObject | Uint8Array | string;
  /** Schedules `fn` soon on the simulation's clock (results never arrive inside a call). */
  later: (fn: () => void) => void;
  note?: (text: string) => void;
}

export type BootResult = BootImage | BootError;

export class BootStage {
  readonly firmwareFlash: FirmwareFlashWindow;
  /** The result of the last boot that finished. */
  last: BootResult | undefined;
  private readonly arbiter: FlashArbiter;
  private readonly publicKey: KeyObject;
  private readonly note: (text: string) => void;
  private journal: Journal | undefined;
  /** Bumped by every cut: a boot sequence from before it never resumes. */
  private epoch = 0;

  constructor(private readonly options: BootStageOptions) {
    this.arbiter = new FlashArbiter(options.flash);
    this.publicKey = loadPublicKey(options.publicKey);
    this.note = options.note ?? (() => {});
    this.firmwareFlash = new FirmwareFlashWindow(this.arbiter, options.later);
  }

  /** Runs the boot sequence; `done` gets the image to start, or why none can start. */
  boot(done: (result: BootResult) => void): void {
    const epoch = this.epoch;
    this.journal = undefined;
    // A service write still in flight lands first: the sequence reads the journal at its start.
    this.arbiter.whenIdle(() => {
      if (epoch !== this.epoch) return;
      const g = this.options.flash.geometry;
      if (
        g.size !== FLASH_SIZE ||
        g.sectorSize !== FLASH_SECTOR_SIZE ||
        g.writeAlign > FLASH_WRITE_ALIGN ||
        FLASH_WRITE_ALIGN % g.writeAlign
      ) {
        this.finish(
          done,
          new BootError(
            'flash-geometry',
            `flash ${g.size}/${g.sectorSize}/${g.writeAlign} is not the map's ${FLASH_SIZE}/${FLASH_SECTOR_SIZE}/${FLASH_WRITE_ALIGN}`,
          ),
        );
        return;
      }
      const sequence = bootSequence({
        read: (addr, len) => this.read(addr, len),
        publicKey: this.publicKey,
        version: BOOT_STAGE_VERSION,
        note: this.note,
      });
      this.step(sequence, undefined, epoch, done);
    });
  }

  /** After the flash model's powerCut(): drop queued work and any boot in progress. */
  powerCut(): void {
    this.epoch++;
    this.journal = undefined;
    this.arbiter.powerCut();
  }

  /** Before a system_reset or watchdog restart: the firmware's flash operations are abandoned. */
  firmwareReset(): void {
    this.journal = undefined;
    this.arbiter.firmwareReset();
  }

  /** boot_confirm: the running test image is good (MCUboot's image_ok). */
  confirm(): void {
    const j = this.journal;
    if (!j || j.state.confirmed) return;
    this.service(j, { kind: RecordKind.Confirm }, 'boot_confirm');
  }

  /** boot_request_update: swap in the secondary slot at the next boot (test swap unless permanent). */
  requestUpdate(permanent: boolean): void {
    const j = this.journal;
    const type = permanent ? SwapType.Permanent : SwapType.Test;
    if (!j || j.state.request === type) return;
    this.service(
      j,
      { kind: RecordKind.Request, a: type },
      `boot_request_update(${permanent ? 1 : 0})`,
    );
  }

  private service(j: Journal, record: Parameters<Journal['append']>[0], what: string): void {
    if (j.free <= 0) {
      this.note(`boot: ${what} dropped, the boot journal is full until the next boot`);
      return;
    }
    const op = j.append(record);
    this.submit(op, (status) => {
      if (status !== FlashStatus.Ok)
        this.note(`boot: ${what} not recorded (FlashStatus ${status})`);
    });
  }

  private read(addr: number, len: number): Uint8Array {
    const data = this.options.flash.read(addr, len);
    if (typeof data === 'number')
      throw new BootError(
        'flash-failed',
        `read at 0x${addr.toString(16)}+${len} failed (FlashStatus ${data})`,
      );
    return data;
  }

  private submit(op: FlashOp, done: (status: FlashStatus) => void): void {
    if (op.kind === 'erase')
      this.arbiter.submit({ user: 'boot', kind: 'erase', addr: op.addr, len: op.len, done });
    else {
      const data = op.data;
      this.arbiter.submit({
        user: 'boot',
        kind: 'write',
        addr: op.addr,
        len: data.length,
        source: () => data,
        done,
      });
    }
  }

  private step(
    sequence: BootSequence,
    status: FlashStatus | undefined,
    epoch: number,
    done: (r: BootResult) => void,
  ): void {
    if (epoch !== this.epoch) return;
    let next: IteratorResult<FlashOp, BootImage>;
    try {
      next = status === undefined ? sequence.next(FlashStatus.Ok) : sequence.next(status);
    } catch (e) {
      if (e instanceof BootError) return this.finish(done, e);
      throw e;
    }
    if (next.done) {
      // The services append to the journal the boot left behind.
      const found = readJournal((a, l) => this.read(a, l));
      this.journal = found ? new Journal(found) : undefined;
      return this.finish(done, next.value);
    }
    this.submit(next.value, (s) => this.step(sequence, s, epoch, done));
  }

  private finish(done: (r: BootResult) => void, result: BootResult): void {
    const epoch = this.epoch;
    this.last = result;
    if (result instanceof BootError) this.note(`boot: FAILED ${result.code}: ${result.message}`);
    // Always later, never inside boot(): the reader gets one shape of call whatever the flash did.
    this.options.later(() => {
      if (epoch === this.epoch) done(result);
    });
  }
}
