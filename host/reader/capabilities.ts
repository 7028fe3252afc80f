// What the driver learned about a reader when it opened it: HELLO in the native profile, or what
// a stock GemPC-style reader (compat profile) allows.
import { Profile, ReaderFeature, SlotKind } from '../../protocol/native-constants.ts';
import type { HelloInfo } from '../../protocol/native/hello.ts';

export interface SlotDescription {
  readonly index: number;
  /** 'user' has a presence switch (the citizen's card); 'sam' is a PSAM socket. */
  readonly kind: 'user' | 'sam';
}

export interface ReaderCapabilities {
  readonly profile: 'native' | 'compat';
  /** HELLO, when the reader speaks the native profile. */
  readonly hello: HelloInfo | undefined;
  readonly slots: readonly SlotDescription[];
  /** Largest CCID message the driver sends (header + data). */
  readonly maxMessageLength: number;
  /** The reader pushes card insertion and removal (native); compat is polled. */
  readonly pushedCardEvents: boolean;
  /** The reader runs T=1, chaining and 61xx/6Cxx itself (APDU level, native). */
  readonly apduLevel: boolean;
  readonly extendedApdu: boolean;
  readonly display: boolean;
  readonly beeper: boolean;
  readonly pinVerify: boolean;
  readonly pinModify: boolean;
  /**
   * How often the reader sends a time extension while a card works (native: its configuration,
   * ConfigTag.TimeExtensionInterval); undefined when unknown (compat, or not readable).
   */
  readonly timeExtensionIntervalMs: number | undefined;
  /**
   * The reader's whole-exchange limit (native: ConfigTag.ExchangeLimit, PROTOCOL.md §5): a card
   * exchange ends with ICC_MUTE after this long whatever the card asks; undefined when unknown
   * (compat, or a reader that does not report it).
   */
  readonly exchangeLimitMs: number | undefined;
  /**
   * What the compat profile cannot do, in words, for the warning given when the driver falls
   * back to it. Empty in the native profile.
   */
  readonly limitations: readonly string[];
}

/** The compat profile's limits (ARCHITECTURE.md §3, ccid-over-serial.md §7). */
export const COMPAT_LIMITATIONS: readonly string[] = [
  'no pushed card events: the driver polls GetSlotStatus (card-inserted/card-removed come late by up to one poll interval)',
  'TPDU level: the driver runs T=0 itself (GET RESPONSE on 61xx, 6Cxx); T=1 cards are not supported (NotSupportedInCompatError)',
  'no PPS: cards run at the default rate (F=372, D=1)',
  'no extended APDUs, no reader information, display, beeper or PIN pad',
];

export function nativeCapabilities(
  hello: HelloInfo,
  timeExtensionIntervalMs?: number,
  exchangeLimitMs?: number,
): ReaderCapabilities {
  const has = (f: ReaderFeature): boolean => (hello.features & f) !== 0;
  return {
    profile: 'native',
    hello,
    slots: hello.slots.map((k, index) => ({ index, kind: k === SlotKind.Sam ? 'sam' : 'user' })),
    maxMessageLength: hello.maxMessageLength,
    pushedCardEvents: has(ReaderFeature.PushedSlotChange),
    apduLevel: true,
    extendedApdu: has(ReaderFeature.ExtendedApdu),
    display: has(ReaderFeature.Display),
    beeper: has(ReaderFeature.Beeper),
    pinVerify: has(ReaderFeature.PinVerify),
    pinModify: has(ReaderFeature.PinModify),
    timeExtensionIntervalMs,
    exchangeLimitMs,
    limitations: [],
  };
}

export function compatCapabilities(
  slotCount: number,
  maxMessageLength: number,
): ReaderCapabilities {
  return {
    profile: 'compat',
    hello: undefined,
    // A stock reader says nothing about its slots: the first is the user's, any others SAMs.
    slots: Array.from({ length: slotCount }, (_, index) => ({
      index,
      kind: index === 0 ? 'user' : 'sam',
    })),
    maxMessageLength,
    pushedCardEvents: false,
    apduLevel: false,
    extendedApdu: false,
    display: false,
    beeper: false,
    pinVerify: false,
    pinModify: false,
    timeExtensionIntervalMs: undefined,
    exchangeLimitMs: undefined,
    limitations: COMPAT_LIMITATIONS,
  };
}

export { Profile };
