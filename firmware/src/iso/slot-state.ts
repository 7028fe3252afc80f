// Everything one card slot keeps: its phase, the operation the CCID layer is waiting for, the
// parameters, the state machines, and its static buffers. The three slots are built once when
// the module starts; nothing is allocated afterwards.
import { SLOT_COUNT, VoltageClass } from '../../hal-constants';
import { MAX_ATR_LENGTH } from '../../../protocol/iso7816-tables';
import {
  MAX_COMMAND_LENGTH,
  MAX_RESPONSE_LENGTH,
  PPS_MAX_LENGTH,
  T0_HEADER_LENGTH,
} from './iso7816';
import { T1_MAX_BLOCK_LENGTH } from '../../../protocol/t1-constants';
import { Params } from './parameters';
import { AtrReader } from './atr';
import { AtrInfo } from './atr-info';
import { Pps } from './pps';
import { T0Tpdu } from './t0-tpdu';
import { T0Apdu } from './t0-apdu';
import { T1Protocol } from './t1-protocol';

export enum Phase {
  Off,
  /** Powered (cold) or RST pulled low (warm): RST goes high when the slot timer fires. */
  ResetLow,
  /** Deactivated; activates again (next class, or a fresh cold reset) when the timer fires. */
  Reactivation,
  Atr,
  /** APDU level: the reader's own PPS exchange; TPDU level: the host's. */
  Pps,
  /** Active and idle. */
  Active,
  /** The clock was stopped; it runs again, the exchange starts when the timer fires. */
  ClockRestart,
  T0,
  T1,
}

/** What the CCID layer waits for (one operation per slot; it answers CMD_SLOT_BUSY itself). */
export enum Operation {
  None,
  PowerOn,
  Transmit,
}

// One static region per slot (bytes, each part rounded up to 4: constant expressions, as
// memory.data needs a size known at compile time).
const ATR_OFFSET: i32 = 0;
const COMMAND_OFFSET: i32 = ATR_OFFSET + ((MAX_ATR_LENGTH + 3) & ~3);
const RESPONSE_OFFSET: i32 = COMMAND_OFFSET + ((MAX_COMMAND_LENGTH + 3) & ~3);
const T1_TX_OFFSET: i32 = RESPONSE_OFFSET + ((MAX_RESPONSE_LENGTH + 3) & ~3);
const T1_RX_OFFSET: i32 = T1_TX_OFFSET + ((T1_MAX_BLOCK_LENGTH + 3) & ~3);
const PPS_REQUEST_OFFSET: i32 = T1_RX_OFFSET + ((T1_MAX_BLOCK_LENGTH + 3) & ~3);
const PPS_RESPONSE_OFFSET: i32 = PPS_REQUEST_OFFSET + ((PPS_MAX_LENGTH + 3) & ~3);
const T0_HEADER_OFFSET: i32 = PPS_RESPONSE_OFFSET + ((PPS_MAX_LENGTH + 3) & ~3);
/** Bytes of static memory per slot. */
export const SLOT_MEMORY: i32 = T0_HEADER_OFFSET + ((T0_HEADER_LENGTH + 3) & ~3);
const memoryBase = memory.data(SLOT_MEMORY * SLOT_COUNT);

export class Slot {
  phase: Phase = Phase.Off;
  operation: Operation = Operation.None;
  /** The level the card was powered for (PPS and IFSD by the reader at APDU level). */
  apduLevel: bool = false;
  /** The level of the transmit in progress. */
  exchangeApdu: bool = false;
  voltage: i32 = VoltageClass.Off;
  /** bPowerSelect 0: classes tried from C up (ISO 7816-3 §6.2.4). */
  autoClass: bool = false;
  clockKhz: i32 = 0;
  clockStopped: bool = false;
  warmResetDone: bool = false;
  ppsFailed: bool = false;
  /** TPDU level right after the ATR: an XfrBlock starting with FF is the host's PPS. */
  hostPpsAllowed: bool = false;
  commandLength: i32 = 0;
  readonly atr: usize;
  readonly command: usize;
  readonly response: usize;
  /** Parameters in force, and as they were when activation finished (ResetParameters). */
  readonly params: Params;
  readonly sessionParams: Params = new Params();
  readonly info: AtrInfo = new AtrInfo();
  readonly atrReader: AtrReader;
  readonly pps: Pps;
  readonly t0: T0Tpdu;
  readonly t0Apdu: T0Apdu;
  readonly t1: T1Protocol;

  constructor(readonly index: i32) {
    // Locals first: asc wants every field assigned before `this` is read.
    const base = memoryBase + <usize>(index * SLOT_MEMORY);
    const atr = base + <usize>ATR_OFFSET;
    const response = base + <usize>RESPONSE_OFFSET;
    const params = new Params();
    const t0 = new T0Tpdu(index, params, base + <usize>T0_HEADER_OFFSET);
    this.params = params;
    this.atr = atr;
    this.command = base + <usize>COMMAND_OFFSET;
    this.response = response;
    this.atrReader = new AtrReader(index, atr);
    this.pps = new Pps(index, base + <usize>PPS_REQUEST_OFFSET, base + <usize>PPS_RESPONSE_OFFSET);
    this.t0 = t0;
    this.t0Apdu = new T0Apdu(t0, response);
    this.t1 = new T1Protocol(
      index,
      params,
      base + <usize>T1_TX_OFFSET,
      base + <usize>T1_RX_OFFSET,
      response,
    );
  }

  /** Back to power-on state (init, after a panic). */
  clear(): void {
    this.phase = Phase.Off;
    this.operation = Operation.None;
    this.voltage = VoltageClass.Off;
    this.clockStopped = false;
    this.hostPpsAllowed = false;
    this.commandLength = 0;
    this.params.reset();
    this.sessionParams.reset();
    this.t0.stop();
    this.t1.reset();
  }
}

const slots = new StaticArray<Slot>(SLOT_COUNT);
for (let i: i32 = 0; i < SLOT_COUNT; i++) slots[i] = new Slot(i);

export function validSlot(index: i32): bool {
  return <u32>index < <u32>SLOT_COUNT; // a negative index is a large unsigned one
}

/** The slot `index`; callers check validSlot first. */
export function slotAt(index: i32): Slot {
  return unchecked(slots[index]);
}
