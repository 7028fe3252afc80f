// The `atr:<hex>` card of the simulator CLI (issue 3 §7): answers with exactly that ATR, speaks
// T=0 or T=1 as the ATR says, and answers every command APDU with 90 00.

import type { ApduProcessor, ApduResult, CardTransportProfile } from './contract.ts';
import { VirtualCard } from './virtual-card.ts';

/** ISO 7816-4: normal processing. */
const SW_OK = Uint8Array.of(0x90, 0x00);

/** Timing of the `atr:` card: a quick, well-behaved card. */
const ATR_CARD_DELAY_CLOCKS = 10_000;
const ATR_CARD_PROCESSING_US = 1_000;

/**
 * INS of ISO 7816-4 commands that carry command data (P3 is Lc in T=0): SELECT, VERIFY, CHANGE
 * and RESET RETRY COUNTER, the AUTHENTICATEs, PSO, UPDATE/WRITE BINARY and RECORD, APPEND RECORD,
 * PUT DATA, SEARCH RECORD, MANAGE SECURITY ENVIRONMENT, and the SSC's CHANGE PIN (80 5E).
 */
const INS_WITH_DATA = new Set([
  0xa4, 0x20, 0x24, 0x2c, 0x82, 0x86, 0x88, 0x2a, 0xd6, 0xd0, 0xdc, 0xd2, 0xe2, 0xda, 0xdb, 0xa2,
  0x22, 0x5e,
]);

/** An operating system that accepts everything and returns nothing but 90 00. */
export class AlwaysOkProcessor implements ApduProcessor {
  reset(): void {}

  process(_command: Uint8Array): ApduResult {
    return { response: SW_OK.slice(), processingUs: ATR_CARD_PROCESSING_US };
  }

  t0CommandHasData(_cla: number, ins: number): boolean {
    return INS_WITH_DATA.has(ins);
  }
}

/** The transport section of an `atr:<hex>` card: every class, PPS accepted. */
export function atrCardTransport(atrHex: string): CardTransportProfile {
  return {
    atr: atrHex,
    classes: ['A', 'B', 'C'],
    atrDelayClocks: ATR_CARD_DELAY_CLOCKS,
    pps: 'accept',
    processingUs: ATR_CARD_PROCESSING_US,
  };
}

/** Throws CardProfileError when the text is not a well-formed ATR. */
export function createAtrCard(atrHex: string): VirtualCard {
  return new VirtualCard(atrCardTransport(atrHex), new AlwaysOkProcessor());
}
