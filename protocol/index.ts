// The wire contract in one import for host and simulator code (TypeScript only; the firmware
// imports the portable constants files directly). Layouts: PROTOCOL.md.

export * from './ccid-constants.ts';
export * from './serial-constants.ts';
export * from './native-constants.ts';
export * from './iso7816-tables.ts';
export * from './bytes.ts';
export * from './atr.ts';
export * from './ccid-message-error.ts';
export * from './ccid-messages.ts';
export * from './ccid-parameters.ts';
export * from './pin-structures.ts';
export * from './ccid-codec.ts';
export * from './serial-frame.ts';
export * from './serial-decoder.ts';
export * from './native/vendor-error.ts';
export * from './native/tlv.ts';
export * from './native/hello.ts';
export * from './native/device-info.ts';
export * from './native/diagnostics.ts';
export * from './native/update.ts';
export * from './native/vendor-escape.ts';
export * from './t1-constants.ts';
export * from './iso7816/format-error.ts';
export * from './iso7816/apdu.ts';
export * from './iso7816/status-words.ts';
export { INS_GET_RESPONSE, INS_ENVELOPE, interindustryCla } from './iso7816/t0-transport.ts';
export * from './cards/items.ts';
export * from './cards/ssc.ts';
export * from './cards/health.ts';
export * from './cards/bank.ts';
export * from './cards/diversification.ts';
