// The ISO/IEC 7816-4 card operating system of the virtual cards: decodes a command APDU, checks
// CLA and INS, and hands it to the command's handler. Never throws on card input (ApduProcessor
// contract); GET RESPONSE after 61xx is served by the T=0 card side, not here.

import type { ApduProcessor, ApduResult, CardTransportProfile } from '../card/contract.ts';
import { CardState, type PsamKeyStore } from './card-state.ts';
import { decodeCommand, insCarriesData, type CardCommand } from './command-apdu.ts';
import type { DfNode } from './file-system.ts';
import {
  externalAuthenticate,
  getChallenge,
  internalAuthenticate,
} from './commands/authenticate.ts';
import { readBinary, updateBinary } from './commands/binary.ts';
import { getProcessingOptions } from './commands/payment.ts';
import { changePin, reloadPin, verify } from './commands/pin.ts';
import { cipherData, deliverySessionKey } from './commands/psam.ts';
import { appendRecord, readRecord, updateRecord } from './commands/records.ts';
import { select } from './commands/select.ts';
import { reply } from './reply.ts';
import { SW } from '../../protocol/iso7816/status-words.ts';

type Handler = (state: CardState, cmd: CardCommand) => Uint8Array;

/** INS → the CLA bytes it is accepted with (SSC Part 5; 04 = SM, 84 = SM proprietary) and its handler. */
const COMMANDS: ReadonlyMap<number, { cla: readonly number[]; run: Handler }> = new Map([
  [0xa4, { cla: [0x00], run: select }],
  [0xb0, { cla: [0x00], run: readBinary }],
  [0xb2, { cla: [0x00], run: readRecord }],
  [0xd6, { cla: [0x00, 0x04], run: updateBinary }],
  [0xdc, { cla: [0x00, 0x04], run: updateRecord }],
  [0xe2, { cla: [0x00, 0x04], run: appendRecord }],
  [0x20, { cla: [0x00], run: verify }],
  [0x5e, { cla: [0x80], run: changePin }],
  [0x24, { cla: [0x84], run: reloadPin }],
  [0x84, { cla: [0x00], run: getChallenge }],
  [0x88, { cla: [0x00], run: internalAuthenticate }],
  [0x82, { cla: [0x00], run: externalAuthenticate }],
  [0xa8, { cla: [0x80], run: getProcessingOptions }],
  [0xc0, { cla: [0x00], run: getResponse }],
  [0xde, { cla: [0x80, 0xbf], run: deliverySessionKey }],
  [0xfa, { cla: [0x80], run: cipherData }],
]);

const KNOWN_CLA = new Set([0x00, 0x04, 0x80, 0x84, 0xbf]);

/** No response is pending at this level (SSC Part 5 §6.6.4: nothing more → 6F00). */
function getResponse(): Uint8Array {
  return reply(SW.NO_PRECISE_DIAGNOSIS);
}

export interface CardOsOptions {
  /** The root of the card's file tree (from simulator/profiles/loader.ts). */
  mf: DfNode;
  /** Processing times (the transport section of the profile). */
  timing: Pick<CardTransportProfile, 'processingUs' | 'processingUsByIns'>;
  /** The seeded random source, [0, 1). */
  random: () => number;
  /** PSAM key store, for a PSAM. */
  psam?: PsamKeyStore;
}

export class CardOs implements ApduProcessor {
  private readonly state: CardState;

  constructor(private readonly options: CardOsOptions) {
    this.state = new CardState(options.mf, options.random, options.psam ?? null);
  }

  /** The file tree (tests and --list-cards look at it; the card mutates it). */
  get mf(): DfNode {
    return this.state.mf;
  }

  reset(): void {
    this.state.reset();
  }

  process(command: Uint8Array): ApduResult {
    const ins = command.length >= 2 ? command[1] : -1;
    return { response: this.respond(command), processingUs: this.processingUs(ins) };
  }

  t0CommandHasData(_cla: number, ins: number, _p1: number, _p2: number): boolean {
    return insCarriesData(ins);
  }

  private respond(command: Uint8Array): Uint8Array {
    const cmd = command.length >= 2 ? decodeCommand(command, insCarriesData(command[1])) : null;
    if (!cmd) return reply(SW.WRONG_LENGTH);
    const entry = COMMANDS.get(cmd.ins);
    if (!entry) return reply(KNOWN_CLA.has(cmd.cla) ? SW.INS_NOT_SUPPORTED : SW.CLA_NOT_SUPPORTED);
    if (!entry.cla.includes(cmd.cla)) return reply(SW.CLA_NOT_SUPPORTED);
    try {
      return entry.run(this.state, cmd);
    } catch {
      // A bug must not crash the simulated card; a real COS answers 6F00 ("no precise diagnosis").
      return reply(SW.NO_PRECISE_DIAGNOSIS);
    }
  }

  private processingUs(ins: number): number {
    const byIns = this.options.timing.processingUsByIns;
    if (byIns && ins >= 0) {
      const key = ins.toString(16).padStart(2, '0');
      const t = byIns[key.toUpperCase()] ?? byIns[key];
      if (t !== undefined) return t;
    }
    return this.options.timing.processingUs;
  }
}
