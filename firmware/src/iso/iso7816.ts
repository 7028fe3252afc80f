// ISO/IEC 7816-3 and -4 bytes, sizes and timings that only the firmware's ISO layer uses. The
// facts the host and the simulator share live in protocol/: Fi/Di tables, ATR defaults, TS values
// (iso7816-tables.ts), the T=0 transport commands and status bytes (iso7816/t0-transport.ts),
// T=1 block sizes, PCB bits and EDC (t1-constants.ts).
import { MAX_APDU_DATA, MAX_EXTENDED_APDU_LENGTH } from '../../../protocol/serial-constants';

/** A state machine's answer to an event: still running. 0 = done, 1..0xFF = a CcidError. */
export const PENDING: i32 = -1;

/** Largest C-APDU (ISO 7816-4 §5.1): CLA INS P1 P2, 00 Lc1 Lc2, data, Le1 Le2. */
export const MAX_COMMAND_LENGTH: i32 = MAX_EXTENDED_APDU_LENGTH;
/** Largest R-APDU: data, SW1 SW2. */
export const MAX_RESPONSE_LENGTH: i32 = MAX_APDU_DATA + 2;

// T=0 (ISO 7816-3 §10.3).
export const T0_NULL: i32 = 0x60;
export const T0_HEADER_LENGTH: i32 = 5;
/** P3 = 0 in an outgoing TPDU asks for 256 bytes (§10.3.2). */
export const T0_MAX_DATA: i32 = 256;
/** Largest data field of one T=0 TPDU towards the card. */
export const T0_MAX_COMMAND_DATA: i32 = 255;
/** Re-issues after 6Cxx, and TPDUs per APDU, before the exchange is given up. */
export const T0_MAX_REISSUES: i32 = 3;
export const T0_MAX_TPDUS_PER_APDU: i32 = 48;

// PPS (ISO 7816-3 §9).
export const PPSS: i32 = 0xff;
export const PPS0_PPS1: i32 = 0x10;
export const PPS0_PPS2: i32 = 0x20;
export const PPS0_PPS3: i32 = 0x40;
/** PPSS PPS0 PPS1 PPS2 PPS3 PCK. */
export const PPS_MAX_LENGTH: i32 = 6;
/** The initial waiting time (§7.2): 960 · 10 etu at the ATR's Fd and Dd. */
export const INITIAL_WAITING_TIME_ETU: i32 = 9600;

// T=1 (ISO 7816-3 §11; block sizes, PCB bits and EDC: protocol/t1-constants.ts).
/** IFSD the reader announces in its first block (§11.4.2; CCID dwFeatures 0x400). */
export const T1_IFSD: i32 = 254;
/** The IFSD both sides assume until an S(IFS) exchange (§11.4.2). */
export const T1_DEFAULT_IFSD: i32 = 32;
/** §11.6.3.2 rule 7.4.2: two retransmissions, then RESYNCH; rule 6.4: three RESYNCH attempts. */
export const T1_MAX_RETRANSMISSIONS: i32 = 2;
export const T1_MAX_RESYNCH: i32 = 3;

// Activation (ISO 7816-3 §6.2) and the ATR (§8).
/** RST stays low at least 400 clock cycles: 1 ms covers every clock from 1 MHz up. */
export const RESET_LOW_MS: i32 = 1;
/** Between a deactivation and the next activation (new class or new cold reset): ≥ 10 ms. */
export const REACTIVATION_DELAY_MS: i32 = 10;
/** After the clock restarts the card gets at least 700 cycles before the next character. */
export const CLOCK_RESTART_MS: i32 = 1;
/** The whole ATR, TS leading edge to last character: EMV Book 1 terminal bound. */
export const ATR_MAX_DURATION_ETU: i32 = 20160;
/** Time extensions to the host while a card keeps asking for time: at most one per interval. */
export const WAITING_REPORT_MS: i32 = 500;
