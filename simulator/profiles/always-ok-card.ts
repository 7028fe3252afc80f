// The card behind `atr:<hex>`: it answers with exactly that ATR and every APDU with 90 00
// (issue 3 §7), for testing readers and hosts against arbitrary ATRs.

import type { ApduProcessor, ApduResult } from '../card/contract.ts';
import { insCarriesData } from '../cos/command-apdu.ts';

export class AlwaysOkCard implements ApduProcessor {
  constructor(private readonly processingUs: number) {}

  reset(): void {}

  process(_command: Uint8Array): ApduResult {
    return { response: Uint8Array.of(0x90, 0x00), processingUs: this.processingUs };
  }

  t0CommandHasData(_cla: number, ins: number, _p1: number, _p2: number): boolean {
    return insCarriesData(ins);
  }
}
