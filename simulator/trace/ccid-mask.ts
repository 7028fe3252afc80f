// PIN masking for the host link trace: CCID messages in libccid's serial framing
// (../../../shared/reference/ccid-over-serial.md §2). The PIN never crosses the host link in our
// design, but a host application may still send a plain VERIFY in an XfrBlock (and the compat
// profile echoes it back): its data field, and the LRC of its frame, are masked. abData is read
// both as an APDU / T=0 TPDU and as a T=1 block; a byte is masked if either reading says so.
import { CCID_HEADER_LENGTH, PcToRdr } from '../../protocol/ccid-constants.ts';
import { CTRL_ACK, CTRL_NAK, NOTIFY_SLOT_CHANGE, SYNC } from '../../protocol/serial-constants.ts';
import { NATIVE_MAX_MESSAGE_LENGTH } from '../../protocol/serial-constants.ts';
import { ApduMasker, T1StreamMasker } from './pin-mask.ts';

export class CcidStreamMasker {
  private state: 'idle' | 'ctrl' | 'nak' | 'notify' | 'header' | 'data' | 'lrc' = 'idle';
  private header: number[] = [];
  private left = 0;
  private xfr = false;
  private frameMasked = false;
  private apdu = new ApduMasker();
  private readonly t1 = new T1StreamMasker();

  /** Feeds one byte of one direction; true when it must be masked. */
  feed(byte: number): boolean {
    switch (this.state) {
      case 'idle':
        if (byte === SYNC) this.state = 'ctrl';
        else if (byte === NOTIFY_SLOT_CHANGE) this.state = 'notify';
        return false;
      case 'notify':
        this.state = 'idle';
        return false;
      case 'ctrl':
        if (byte === CTRL_ACK) {
          this.state = 'header';
          this.header = [];
        } else if (byte === CTRL_NAK) this.state = 'nak';
        else if (byte !== SYNC) this.state = 'idle';
        return false;
      case 'nak':
        this.state = 'idle';
        return false;
      case 'header':
        this.header.push(byte);
        if (this.header.length === CCID_HEADER_LENGTH) this.startData();
        return false;
      case 'data': {
        let masked = false;
        if (this.xfr) {
          const asApdu = this.apdu.feed(byte);
          const asBlock = this.t1.fromReader(byte);
          masked = asApdu || asBlock;
        }
        if (masked) this.frameMasked = true;
        if (--this.left === 0) this.state = 'lrc';
        return masked;
      }
      case 'lrc':
        this.state = 'idle';
        return this.frameMasked;
    }
  }

  private startData(): void {
    const h = this.header;
    const length = (h[1] | (h[2] << 8) | (h[3] << 16) | (h[4] << 24)) >>> 0;
    if (length > NATIVE_MAX_MESSAGE_LENGTH) {
      this.state = 'idle'; // not a frame: resynchronise
      return;
    }
    this.xfr = h[0] === PcToRdr.XfrBlock;
    this.frameMasked = false;
    this.apdu = new ApduMasker();
    this.t1.fromCard(); // each XfrBlock carries one block
    this.left = length;
    this.state = length === 0 ? 'lrc' : 'data';
  }
}
