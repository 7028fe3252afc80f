// The ISO 7816-4 codec error lives in protocol/ with the APDU codec; this name stays for the host
// code that imports it from here.
export * from '../../protocol/iso7816/format-error.ts';
