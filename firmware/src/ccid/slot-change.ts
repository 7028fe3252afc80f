// RDR_to_PC_NotifySlotChange pushed in the native profile: `50 bmSlotICCState`, 2 bits per slot
// (bit 2s = card present, bit 2s+1 = changed), sent raw between frames as libccid's serial
// framing carries it (ccid-over-serial §2.2, §9). Compat sends none: pcscd polls SlotStatus.
import { host_send } from '../hal';
import { SLOT_COUNT } from '../../hal-constants';
import {
  RdrToPc,
  IccStatus,
  SLOT_ICC_PRESENT,
  SLOT_ICC_CHANGED,
} from '../../../protocol/ccid-constants';
import { slotIccStatus } from './slot-ops';
import { isNative } from './profile';

const notify = memory.data(2);
let presentMask: i32 = 0;

export function slotChangeInit(): void {
  presentMask = 0;
  for (let s = 0; s < SLOT_COUNT; s++)
    if (slotIccStatus(s) != IccStatus.NoIcc) presentMask |= 1 << s;
}

export function slotChangeOnPresence(slot: i32, present: i32): void {
  if (present != 0) presentMask |= 1 << slot;
  else presentMask &= ~(1 << slot);
  if (!isNative()) return;
  let bm: i32 = 0;
  for (let s = 0; s < SLOT_COUNT; s++) {
    if ((presentMask & (1 << s)) != 0) bm |= SLOT_ICC_PRESENT << (2 * s);
    if (s == slot) bm |= SLOT_ICC_CHANGED << (2 * s);
  }
  store<u8>(notify, <u8>RdrToPc.NotifySlotChange);
  store<u8>(notify, <u8>bm, 1);
  host_send(notify, 2);
}
