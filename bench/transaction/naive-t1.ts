// The naive host's side of T=1 (ISO 7816-3 §11) for a TPDU-level (compat) reader, as libccid
// runs it for a stock reader: SetParameters for T=1 at Fd/Dd (no PPS), IFSD negotiated once, then
// one I-block per APDU, each block one XfrBlock (one host round trip). Enough for the benchmark's
// short APDUs: no chaining from the host (every command fits the IFSC), chained answers collected
// with R-blocks, S(WTX) answered; anything else is an error.
import { ProtocolNum } from '../../protocol/ccid-constants.ts';
import { PcToRdr, RdrToPc, CommandStatus } from '../../protocol/ccid-constants.ts';
import type { CardChannel } from '../../host/cards/channel.ts';
import type { RawHost } from '../sim/raw-host.ts';

const PCB_S = 0xc0;
const S_IFS_REQUEST = 0xc1;
const S_WTX_REQUEST = 0xc3;
const S_RESPONSE = 0x20;
const PCB_R = 0x80;
const I_MORE = 0x20;
export const IFSD = 254;

export function t1Block(pcb: number, inf: ArrayLike<number> = []): Uint8Array {
  const block = Uint8Array.of(0x00, pcb, inf.length, ...Array.from(inf), 0);
  block[block.length - 1] = block.subarray(0, block.length - 1).reduce((a, b) => a ^ b, 0);
  return block;
}

function check(block: Uint8Array): { pcb: number; inf: Uint8Array } {
  const lrc = block.reduce((a, b) => a ^ b, 0);
  if (block.length < 4 || block[2] !== block.length - 4 || lrc !== 0)
    throw new Error(`naive T=1: bad block ${Buffer.from(block).toString('hex')}`);
  return { pcb: block[1], inf: block.subarray(3, block.length - 1) };
}

export class NaiveT1Channel implements CardChannel {
  readonly log: string[] = [];
  private ns = 0;
  private nr = 0;

  private constructor(
    private readonly host: RawHost,
    private readonly slot: number,
    readonly atr: Uint8Array,
  ) {}

  /** After IccPowerOn: SetParameters T=1 (Fd/Dd, the ATR's TC1, BWI/CWI and IFSC), then S(IFS). */
  static async open(
    host: RawHost,
    slot: number,
    atr: Uint8Array,
    card: { guardTime: number; bwi: number; cwi: number; ifsc: number },
  ): Promise<NaiveT1Channel> {
    const m = await host.command({
      type: PcToRdr.SetParameters,
      slot,
      parameters: {
        protocol: ProtocolNum.T1,
        fi: 1,
        di: 1,
        crc: false,
        inverseConvention: false,
        guardTime: card.guardTime,
        bwi: card.bwi,
        cwi: card.cwi,
        clockStop: 0,
        ifsc: card.ifsc,
        nad: 0,
      },
    });
    if (m.type !== RdrToPc.Parameters || m.commandStatus === CommandStatus.Failed)
      throw new Error('naive T=1: SetParameters refused');
    const channel = new NaiveT1Channel(host, slot, atr);
    const answer = check(await channel.xfr(t1Block(S_IFS_REQUEST, [IFSD])));
    if (answer.pcb !== (S_IFS_REQUEST | S_RESPONSE))
      throw new Error('naive T=1: no S(IFS response)');
    return channel;
  }

  private async xfr(block: Uint8Array): Promise<Uint8Array> {
    this.log.push(Buffer.from(block).toString('hex').toUpperCase());
    return this.host.xfr(this.slot, block);
  }

  async transmit(apdu: Uint8Array): Promise<Uint8Array> {
    let answer = check(await this.xfr(t1Block(this.ns << 6, apdu)));
    this.ns ^= 1;
    const parts: Uint8Array[] = [];
    for (;;) {
      if ((answer.pcb & PCB_S) === PCB_S) {
        if (answer.pcb !== S_WTX_REQUEST)
          throw new Error(`naive T=1: S-block ${answer.pcb.toString(16)}`);
        answer = check(await this.xfr(t1Block(S_WTX_REQUEST | S_RESPONSE, answer.inf)));
        continue;
      }
      if ((answer.pcb & 0x80) !== 0)
        throw new Error(`naive T=1: R-block ${answer.pcb.toString(16)}`);
      parts.push(answer.inf);
      this.nr ^= 1;
      if ((answer.pcb & I_MORE) === 0) break;
      answer = check(await this.xfr(t1Block(PCB_R | (this.nr << 4))));
    }
    return Uint8Array.from(parts.flatMap((p) => Array.from(p)));
  }
}
