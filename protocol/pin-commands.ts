// Which command APDUs carry PIN digits in their data field: VERIFY (INS 20), CHANGE REFERENCE
// DATA (24), RESET RETRY COUNTER (2C), in any class, and the social security card's CHANGE PIN
// (CLA 8x INS 5E, kiosk-cards.md §1.5). The reader puts typed digits only into these, and traces
// mask their data fields. Portable subset: compiled by asc (firmware) and tsc (host, simulator).

export const INS_VERIFY = 0x20;
export const INS_CHANGE_REFERENCE_DATA = 0x24;
export const INS_RESET_RETRY_COUNTER = 0x2c;
/** The social security card's CHANGE PIN, with a proprietary class (CLA 8x). */
export const INS_SSC_CHANGE_PIN = 0x5e;

export function isPinCommand(cla: i32, ins: i32): bool {
  if (ins == INS_VERIFY || ins == INS_CHANGE_REFERENCE_DATA || ins == INS_RESET_RETRY_COUNTER)
    return true;
  return ins == INS_SSC_CHANGE_PIN && (cla & 0xf0) == 0x80;
}
