// The host side of the compat profile, as libccid runs it for a GemPC Twin: after IccPowerOn the
// host sends its own PPS (TA1 of a negotiable ATR), SetParameters, and for T=1 S(IFS 254); then
// T=0 TPDUs with the host following 61xx (GET RESPONSE) and 6Cxx (re-issue), or T=1 blocks with
// the host running chaining, WTX and R-blocks. Small on purpose: what the tests need.
import { decodeAtr } from '../../../protocol/atr.ts';
import {
  CommandStatus,
  ProtocolNum,
  RdrToPc,
  type ProtocolParameters,
} from '../../../protocol/index.ts';
import type { Answer, Host } from './e2e-kit.ts';

/** A failed CCID answer, as an error the test can inspect. */
export class CcidFailure extends Error {
  constructor(readonly answer: Answer) {
    super(
      `CCID failure: ${JSON.stringify(answer, (_, v) => (v instanceof Uint8Array ? [...v] : v))}`,
    );
  }
}

function dataOf(a: Answer): number[] {
  if (a.type !== RdrToPc.DataBlock || a.commandStatus !== CommandStatus.Ok)
    throw new CcidFailure(a);
  return [...a.data];
}

/** IccPowerOn, then PPS and SetParameters as libccid does; returns a session for APDUs. */
export async function compatSession(host: Host, slot: number): Promise<TpduSession> {
  const atr = dataOf(await host.powerOn(slot));
  const info = decodeAtr(Uint8Array.from(atr));
  const protocol = info.defaultProtocol === 1 ? 1 : 0;
  const ta1 = info.ta1;
  if (info.specificMode === undefined && ta1 !== 0x11 && info.fi !== 0) {
    const pps0 = 0x10 | protocol;
    const pps = [0xff, pps0, ta1, 0xff ^ pps0 ^ ta1];
    const answer = dataOf(await host.xfr(slot, pps));
    if (answer.join() !== pps.join()) throw new Error(`PPS answered ${answer}`);
  }
  const got = await host.getParameters(slot);
  if (got.type !== RdrToPc.Parameters || !got.parameters) throw new CcidFailure(got);
  const set = await host.setParameters(slot, got.parameters);
  if (set.type !== RdrToPc.Parameters || set.commandStatus !== CommandStatus.Ok)
    throw new CcidFailure(set);
  const session =
    got.parameters.protocol === ProtocolNum.T1
      ? new T1Session(host, slot, atr, got.parameters)
      : new T0Session(host, slot, atr);
  await session.start();
  return session;
}

export interface TpduSession {
  readonly protocol: 0 | 1;
  /** The card's ATR, as IccPowerOn answered it. */
  readonly atr: readonly number[];
  start(): Promise<void>;
  /** One APDU (short), run at TPDU level by the host: data ‖ SW1 SW2. */
  transmit(apdu: readonly number[]): Promise<number[]>;
}

class T0Session implements TpduSession {
  readonly protocol = 0;
  constructor(
    private readonly host: Host,
    private readonly slot: number,
    readonly atr: readonly number[],
  ) {}

  async start(): Promise<void> {}

  async transmit(apdu: readonly number[]): Promise<number[]> {
    // Case 4: the TPDU carries no Le; the response comes with GET RESPONSE after 61xx.
    const tpdu = apdu.length > 5 && apdu.length === 6 + apdu[4] ? apdu.slice(0, -1) : [...apdu];
    let r = dataOf(await this.host.xfr(this.slot, tpdu));
    if (r.length === 2 && r[0] === 0x6c && tpdu.length === 5) {
      r = dataOf(await this.host.xfr(this.slot, [...tpdu.slice(0, 4), r[1]]));
    }
    const out: number[] = [];
    while (r.length === 2 && r[0] === 0x61) {
      r = dataOf(await this.host.xfr(this.slot, [0x00, 0xc0, 0x00, 0x00, r[1]]));
      out.push(...r.slice(0, -2));
      r = r.slice(-2);
    }
    return [...out, ...r];
  }
}

const lrc = (bytes: readonly number[]) => bytes.reduce((a, b) => a ^ b, 0);

/** T=1 run by the host (LRC cards): I-blocks with chaining, R-blocks, S(WTX) answered. */
class T1Session implements TpduSession {
  readonly protocol = 1;
  private ns = 0;
  private nr = 0;
  private readonly ifsc: number;
  /** Every block the host sent and received, for tests that look at the protocol. */
  readonly blocks: { from: 'host' | 'card'; block: number[] }[] = [];

  constructor(
    private readonly host: Host,
    private readonly slot: number,
    readonly atr: readonly number[],
    parameters: ProtocolParameters,
  ) {
    if (parameters.protocol !== ProtocolNum.T1 || parameters.crc)
      throw new Error('this host runs T=1 with LRC only');
    this.ifsc = parameters.ifsc;
  }

  /**
   * Sends a block, returns the card's next valid one. An invalid block (the reader hands a block
   * with a parity error up with a wrong EDC) gets R(N(R)) with the EDC error bit, at most twice
   * (ISO 7816-3 §11.6.3.2 rule 7.1), as libccid does.
   */
  private async block(pcb: number, inf: readonly number[]): Promise<number[]> {
    let body = [0x00, pcb, inf.length, ...inf];
    for (let attempt = 0; ; attempt++) {
      const sent = [...body, lrc(body)];
      this.blocks.push({ from: 'host', block: sent });
      const got = dataOf(await this.host.xfr(this.slot, sent));
      this.blocks.push({ from: 'card', block: got });
      if (got.length >= 4 && lrc(got) === 0 && got.length === got[2] + 4) return got;
      if (attempt === 2) throw new Error(`bad block from the card: ${got}`);
      this.retransmissionRequests++;
      body = [0x00, 0x81 | (this.nr << 4), 0x00];
    }
  }

  /** R-blocks the host sent for invalid blocks. */
  retransmissionRequests = 0;

  /** Sends a block and answers the card's S(WTX) requests until another block comes. */
  private async exchange(pcb: number, inf: readonly number[]): Promise<number[]> {
    for (let attempt = 0; ; attempt++) {
      let got = await this.block(pcb, inf);
      while (got[1] === 0xc3) got = await this.block(0xe3, [got[3]]);
      const rBlock = (got[1] & 0xc0) === 0x80;
      if (!rBlock || attempt === 2) return got;
      // The card got our block garbled: it asks for our I-block again (N(R) = its N(S)), or
      // answers our R-block with one of its own.
      const sentI = (pcb & 0x80) === 0;
      if (sentI && ((got[1] >> 4) & 1) !== ((pcb >> 6) & 1)) return got; // an acknowledgement
      this.retransmissionRequests++;
    }
  }

  async start(): Promise<void> {
    const got = await this.exchange(0xc1, [0xfe]);
    if (got[1] !== 0xe1 || got[3] !== 0xfe) throw new Error(`S(IFS) answered ${got}`);
  }

  async transmit(apdu: readonly number[]): Promise<number[]> {
    let got: number[] = [];
    for (let i = 0; i < apdu.length; i += this.ifsc) {
      const more = i + this.ifsc < apdu.length;
      const pcb = (this.ns << 6) | (more ? 0x20 : 0);
      got = await this.exchange(pcb, apdu.slice(i, i + this.ifsc));
      this.ns ^= 1;
      if (more && (got[1] & 0xc0) !== 0x80) throw new Error(`chain not acknowledged: ${got}`);
    }
    const out: number[] = [];
    for (;;) {
      if ((got[1] & 0x80) !== 0) throw new Error(`expected an I-block, got ${got}`);
      out.push(...got.slice(3, -1));
      this.nr ^= 1;
      if ((got[1] & 0x20) === 0) return out;
      got = await this.exchange(0x80 | (this.nr << 4), []);
    }
  }
}
