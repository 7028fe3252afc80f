// The APDU codec lives in protocol/ (the simulated card decodes commands with it too); this name
// stays for the host code that imports it from here.
export * from '../../protocol/iso7816/apdu.ts';
