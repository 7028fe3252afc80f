// Command and response APDUs, ISO/IEC 7816-4 §5.1 (command-response pairs) and ISO/IEC 7816-3
// §12.1.3 (decoding the four cases, short and extended length fields). The host encodes commands
// and parses responses; the simulated card parses commands and encodes responses.
import { Iso7816FormatError } from './format-error.ts';

/** A command APDU in ISO 7816-4 terms: the header, the command data (Nc bytes) and Ne. */
export interface CommandApdu {
  cla: number;
  ins: number;
  p1: number;
  p2: number;
  /** Command data; absent or empty means no Lc field (cases 1 and 2). */
  data?: Uint8Array;
  /**
   * Ne, the maximum number of response bytes expected (1 … 256 short, 1 … 65 536 extended);
   * absent means no Le field (cases 1 and 3). Le = 00 on the wire is Ne = 256.
   */
  ne?: number;
}

/** ISO 7816-3 §12.1.3 cases; `E` = extended length fields. */
export type ApduCase = '1' | '2S' | '3S' | '4S' | '2E' | '3E' | '4E';

export interface ParsedCommandApdu extends CommandApdu {
  case: ApduCase;
  extended: boolean;
  data: Uint8Array;
}

export const SHORT_NC_MAX = 255;
export const SHORT_NE_MAX = 256;
export const EXTENDED_NC_MAX = 65_535;
export const EXTENDED_NE_MAX = 65_536;

export interface EncodeOptions {
  /** Force extended length fields even where short ones would do. */
  extended?: boolean;
}

/** Encodes a command, choosing short length fields unless Nc > 255, Ne > 256 or forced. */
export function encodeCommandApdu(cmd: CommandApdu, options: EncodeOptions = {}): Uint8Array {
  for (const [name, v] of [
    ['CLA', cmd.cla],
    ['INS', cmd.ins],
    ['P1', cmd.p1],
    ['P2', cmd.p2],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xff)
      throw new Iso7816FormatError('command-apdu', `${name} must be a byte, got ${v}`);
  }
  const data = cmd.data ?? new Uint8Array(0);
  if (!(data instanceof Uint8Array))
    throw new Iso7816FormatError('command-apdu', 'data must be a Uint8Array');
  const nc = data.length;
  const ne = cmd.ne;
  if (nc > EXTENDED_NC_MAX)
    throw new Iso7816FormatError('command-apdu', `command data of ${nc} bytes exceeds 65 535`);
  if (ne !== undefined && (!Number.isInteger(ne) || ne < 1 || ne > EXTENDED_NE_MAX))
    throw new Iso7816FormatError('command-apdu', `Ne must be 1 … 65 536, got ${ne}`);
  const extended =
    options.extended === true || nc > SHORT_NC_MAX || (ne !== undefined && ne > SHORT_NE_MAX);

  const out: number[] = [cmd.cla, cmd.ins, cmd.p1, cmd.p2];
  if (!extended) {
    if (nc > 0) out.push(nc, ...data);
    if (ne !== undefined) out.push(ne === SHORT_NE_MAX ? 0 : ne);
  } else {
    if (nc > 0) out.push(0, nc >> 8, nc & 0xff, ...data);
    if (ne !== undefined) {
      const le = ne === EXTENDED_NE_MAX ? 0 : ne;
      // Case 2E carries the 00 marker byte before Le; in case 4E the Lc field already did.
      if (nc === 0) out.push(0);
      out.push(le >> 8, le & 0xff);
    }
    // Case 1 cannot be extended: with no Lc and no Le there is no length field at all.
  }
  return Uint8Array.from(out);
}

/** Decodes a command APDU by the ISO 7816-3 §12.1.3 rules; anything else is malformed. */
export function parseCommandApdu(bytes: Uint8Array): ParsedCommandApdu {
  const l = bytes.length;
  if (l < 4) throw new Iso7816FormatError('command-apdu', `${l} bytes is shorter than a header`);
  const header = { cla: bytes[0], ins: bytes[1], p1: bytes[2], p2: bytes[3] };
  const empty = new Uint8Array(0);
  if (l === 4) return { ...header, case: '1', extended: false, data: empty };
  const b5 = bytes[4];
  if (l === 5) return { ...header, case: '2S', extended: false, data: empty, ne: b5 || 256 };
  if (b5 !== 0) {
    if (l === 5 + b5)
      return { ...header, case: '3S', extended: false, data: bytes.slice(5, 5 + b5) };
    if (l === 6 + b5)
      return {
        ...header,
        case: '4S',
        extended: false,
        data: bytes.slice(5, 5 + b5),
        ne: bytes[l - 1] || 256,
      };
    throw new Iso7816FormatError('command-apdu', `Lc = ${b5} does not match ${l} bytes`, 4);
  }
  if (l < 7) throw new Iso7816FormatError('command-apdu', 'truncated extended length field', 4);
  const b67 = (bytes[5] << 8) | bytes[6];
  if (l === 7) return { ...header, case: '2E', extended: true, data: empty, ne: b67 || 65_536 };
  if (b67 === 0) throw new Iso7816FormatError('command-apdu', 'extended Lc of 0', 5);
  if (l === 7 + b67)
    return { ...header, case: '3E', extended: true, data: bytes.slice(7, 7 + b67) };
  if (l === 9 + b67) {
    const le = (bytes[l - 2] << 8) | bytes[l - 1];
    return {
      ...header,
      case: '4E',
      extended: true,
      data: bytes.slice(7, 7 + b67),
      ne: le || 65_536,
    };
  }
  throw new Iso7816FormatError('command-apdu', `extended Lc = ${b67} does not match ${l} bytes`, 5);
}

/** A response APDU: the response data and the trailer SW1 SW2 (ISO 7816-4 §5.1.3). */
export interface ResponseApdu {
  data: Uint8Array;
  sw1: number;
  sw2: number;
  /** SW1·256 + SW2. */
  sw: number;
}

export function parseResponseApdu(bytes: Uint8Array): ResponseApdu {
  if (!(bytes instanceof Uint8Array))
    throw new Iso7816FormatError('response-apdu', 'not a Uint8Array');
  const l = bytes.length;
  if (l < 2)
    throw new Iso7816FormatError('response-apdu', `${l} bytes has no status word (SW1 SW2)`);
  const sw1 = bytes[l - 2];
  const sw2 = bytes[l - 1];
  return { data: bytes.slice(0, l - 2), sw1, sw2, sw: (sw1 << 8) | sw2 };
}

export function encodeResponseApdu(data: Uint8Array, sw: number): Uint8Array {
  if (!Number.isInteger(sw) || sw < 0 || sw > 0xffff)
    throw new Iso7816FormatError('response-apdu', `status word must be 16 bits, got ${sw}`);
  const out = new Uint8Array(data.length + 2);
  out.set(data);
  out[data.length] = sw >> 8;
  out[data.length + 1] = sw & 0xff;
  return out;
}
