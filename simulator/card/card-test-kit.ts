// Shared pieces of the card's unit tests: ATRs, a scripted card operating system, and power-up
// through the fake line. Test support only; nothing in the simulator imports it.

import type { ApduProcessor, ApduResult, CardTransportProfile } from './contract.ts';
import { FakeLinePort, hexBytes, hexOf } from './fake-line-port.ts';
import { VirtualCard } from './virtual-card.ts';

/** The 3.0 social security card of kiosk-cards.md §1.1: T=0, F = 372, D = 1, no TCK. */
export const SSC_ATR = '3B 6D 00 00 00 81 4A 44 46 86 60 51 99 00 00 01 AC';
/** T=0 only, TA1 = 13 (F = 372, D = 4), two historical bytes. */
export const T0_TA1_13_ATR = '3B 12 13 4B 52';

/** Appends TCK (XOR of T0 … TCK = 0, ISO 7816-3 §8.2.5) to an ATR written without it. */
export function withTck(hex: string): string {
  const bytes = hexBytes(hex);
  let x = 0;
  for (let i = 1; i < bytes.length; i++) x ^= bytes[i];
  return `${hexOf(bytes)} ${hexOf([x])}`;
}

/**
 * A T=1 card: TA1 = 96 (F = 512, D = 32), TD1 = 81 (T=1), TD2 = 31 (TA3, TB3 for T=1),
 * TA3 = IFSC, TB3 = 45 (BWI 4, CWI 5), optional TC3 (EDC), three historical bytes.
 */
export function t1Atr(options: { ifsc?: number; crc?: boolean; ta1?: number } = {}): string {
  const ifsc = options.ifsc ?? 0x20;
  const ta1 = options.ta1 ?? 0x96;
  const td2 = options.crc ? '71' : '31';
  const tc3 = options.crc ? ' 01' : '';
  return withTck(`3B 93 ${hexOf([ta1])} 81 ${td2} ${hexOf([ifsc])} 45${tc3} 4B 52 31`);
}

/** Transport section of a test card; override what a test needs. */
export function transport(overrides: Partial<CardTransportProfile> = {}): CardTransportProfile {
  return {
    atr: SSC_ATR,
    classes: ['A', 'B'],
    atrDelayClocks: 10_000,
    pps: 'accept',
    processingUs: 2_000,
    ...overrides,
  };
}

/**
 * A card operating system run by a function. Default: commands with data are those the ISO
 * 7816-4 cases 3/4 of the tests use (SELECT A4, VERIFY 20, INTERNAL AUTHENTICATE 88,
 * UPDATE BINARY D6); every command answers 90 00.
 */
export class ScriptedOs implements ApduProcessor {
  readonly commands: Uint8Array[] = [];
  resets = 0;
  answer: (command: Uint8Array) => ApduResult = () => ({
    response: Uint8Array.of(0x90, 0x00),
    processingUs: 0,
  });
  withData = new Set([0xa4, 0x20, 0x88, 0xd6]);

  reset(): void {
    this.resets++;
  }

  process(command: Uint8Array): ApduResult {
    this.commands.push(command.slice());
    return this.answer(command);
  }

  t0CommandHasData(_cla: number, ins: number): boolean {
    return this.withData.has(ins);
  }
}

/** Response data ‖ SW1 SW2 with a processing time. */
export function answer(hex: string, processingUs = 0): ApduResult {
  return { response: hexBytes(hex), processingUs };
}

export interface PoweredCard {
  readonly card: VirtualCard;
  readonly port: FakeLinePort;
  readonly os: ScriptedOs;
  /** The ATR characters. */
  readonly atr: number[];
}

/**
 * Inserts the card, powers it at class A with the clock on, raises RST 1 ms later and runs until
 * the ATR is out (ISO 7816-3 §6.2.2 cold reset).
 */
export function powerUp(
  profile: CardTransportProfile,
  os = new ScriptedOs(),
  clockHz = 3_571_200,
): PoweredCard {
  const port = new FakeLinePort(clockHz);
  const card = new VirtualCard(profile, os);
  card.attach(port);
  card.clock(clockHz);
  card.vcc(1);
  port.advance(1_000_000);
  card.rst(true);
  port.run();
  return { card, port, os, atr: port.take().map((c) => c.byte) };
}
