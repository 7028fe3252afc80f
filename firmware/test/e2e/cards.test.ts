// End to end in the simulator (fast mode): the real firmware.wasm and every card profile, on T=0
// and T=1, in both conventions, through the host link with protocol's codecs — in the native
// profile (the firmware runs the APDU: 61xx, 6Cxx, T=1) and in compat (the host runs the TPDUs
// and T=1 blocks, as libccid does). Each card answers with its persona's data; the slot then
// powers off and on again and works.
import { describe, expect, it } from 'vitest';
import {
  CommandStatus,
  IccStatus,
  ProtocolNum,
  RdrToPc,
  decodeAtr,
  fromHex,
} from '../../../protocol/index.ts';
import { SSSE_AID } from '../../../protocol/cards/ssc.ts';
import {
  healthPersona,
  psamPersona,
  resolveCardSpec,
  sscPersona,
} from '../../../simulator/profiles/index.ts';
import { bench, hex, type Host, type WireProfile } from './e2e-kit.ts';
import { compatSession } from './tpdu-host.ts';

const SSSE = [...fromHex(SSSE_AID)];
const ascii = (text: string) => [...Buffer.from(text, 'latin1')];

interface Check {
  apdu: number[];
  /** The whole R-APDU expected, as hex. */
  answer: string;
}

/** What each card is asked, and what its persona says it answers. */
function checksFor(spec: string): Check[] {
  const profile = spec.split(':')[0];
  if (profile === 'ssc2' || profile === 'ssc3' || profile === 'ssc3-t1') {
    const p = sscPersona(spec);
    return [
      // SELECT SSSE (case 4): over T=0 this takes 61xx and GET RESPONSE.
      {
        apdu: [0x00, 0xa4, 0x04, 0x00, SSSE.length, ...SSSE, 0x00],
        answer: hex([0x6f, 0x1c, 0x84, 0x0f, ...SSSE]),
      },
      // EF05 record 07 (the card number) by SFI; Le 00 takes a 6Cxx round over T=0.
      {
        apdu: [0x00, 0xb2, 0x07, (0x05 << 3) | 4, profile === 'ssc3-t1' ? 0x0b : 0x00],
        answer: hex([0x07, 0x09, ...ascii(p.cardNo), 0x90, 0x00]),
      },
    ];
  }
  if (profile === 'health') {
    const p = healthPersona(spec);
    return [
      { apdu: [0x00, 0xa4, 0x00, 0x00, 0x02, 0xdd, 0xf1], answer: '90 00' },
      {
        apdu: [0x00, 0xb2, 0x01, (0x05 << 3) | 4, 0x00],
        answer: hex([0x01, 0x01, ...ascii(p.cardType), 0x90, 0x00]),
      },
    ];
  }
  if (profile === 'psam') {
    const p = psamPersona(spec);
    // EF0016 (terminal number, BCD) by SFI 0x16.
    return [
      {
        apdu: [0x00, 0xb0, 0x96, 0x00, 0x06],
        answer: hex([...fromHex(p.terminalNumber), 0x90, 0x00]),
      },
    ];
  }
  // atr:<hex>: every command answers 90 00.
  return [
    { apdu: [0x00, 0xa4, 0x04, 0x00, 0x02, 0x3f, 0x00], answer: '90 00' },
    { apdu: [0x00, 0x84, 0x00, 0x00, 0x08], answer: '90 00' },
  ];
}

const CARDS: { spec: string; protocol: 0 | 1; convention: 'direct' | 'inverse' }[] = [
  { spec: 'ssc2', protocol: 0, convention: 'direct' },
  { spec: 'ssc3', protocol: 0, convention: 'direct' },
  { spec: 'ssc3-t1', protocol: 1, convention: 'direct' },
  { spec: 'health', protocol: 0, convention: 'direct' },
  { spec: 'psam', protocol: 0, convention: 'direct' },
  { spec: 'atr:3B021450', protocol: 0, convention: 'direct' },
  // T=1, TA1 96 (F 512, D 32), IFSC 254, BWI 4, CWI 5.
  { spec: 'atr:3B92968131FE4580018E', protocol: 1, convention: 'direct' },
  { spec: 'atr:3F021450', protocol: 0, convention: 'inverse' },
  { spec: 'atr:3F800181', protocol: 1, convention: 'inverse' },
];

/** Powers on and runs the checks at the level the profile gives: the ATR, then the R-APDUs. */
async function runChecks(host: Host, slot: number, wire: WireProfile, checks: Check[]) {
  const answers: string[] = [];
  if (wire === 'native') {
    const on = await host.powerOn(slot);
    expect(on).toMatchObject({ type: RdrToPc.DataBlock, commandStatus: CommandStatus.Ok });
    answers.push(hex((on as { data: Uint8Array }).data));
    for (const c of checks) {
      const a = await host.apdu(slot, c.apdu);
      expect(a).toMatchObject({ type: RdrToPc.DataBlock, commandStatus: CommandStatus.Ok });
      answers.push(hex((a as { data: Uint8Array }).data));
    }
  } else {
    const session = await compatSession(host, slot);
    answers.push(hex(session.atr));
    for (const c of checks) answers.push(hex(await session.transmit(c.apdu)));
  }
  return answers;
}

/** The answer starts as expected (an FCI is checked up to the AID) and ends in its SW. */
function matches(answer: string, want: string): boolean {
  if (want.endsWith('90 00') || want.length <= 5) return answer === want;
  return answer.startsWith(want) && answer.endsWith('90 00');
}

for (const wire of ['native', 'compat'] as const) {
  describe(`every card profile end to end (${wire})`, () => {
    for (const { spec, protocol, convention } of CARDS) {
      it(`${spec}: T=${protocol}, ${convention} convention — ATR, data, power cycle`, async () => {
        // The user card in slot 0 and a PSAM in SAM slot 1 (the PSAM itself goes to slot 1).
        const slot = spec === 'psam' ? 1 : 0;
        const cards = slot === 0 ? [spec, 'psam'] : [undefined, spec];
        const b = await bench(cards, { profile: wire, seed: 3 });
        try {
          const { host, sim } = b;
          const checks = checksFor(spec);
          const first = await runChecks(host, slot, wire, checks);
          // The ATR is the card's; the parameters in force say its protocol and convention.
          const atrHex = resolveCardSpec(spec).transport.atr;
          expect(first[0]).toBe(hex(fromHex(atrHex)));
          checks.forEach((c, i) =>
            expect(matches(first[i + 1], c.answer), first[i + 1]).toBe(true),
          );
          const atr = decodeAtr(fromHex(atrHex));
          expect(atr.convention).toBe(convention);
          const params = await host.getParameters(slot);
          expect(params).toMatchObject({
            type: RdrToPc.Parameters,
            protocolNum: protocol === 1 ? ProtocolNum.T1 : ProtocolNum.T0,
            parameters: { inverseConvention: convention === 'inverse' },
          });
          if (wire === 'native' && atr.ta1 !== 0x11) {
            // The reader's PPS gave the card's TA1.
            expect(params).toMatchObject({ parameters: { fi: atr.ta1 >> 4, di: atr.ta1 & 0x0f } });
          }

          // Power off: present and inactive; on again: the same answers.
          const off = await host.powerOff(slot);
          expect(off).toMatchObject({ iccStatus: IccStatus.PresentInactive });
          const again = await runChecks(host, slot, wire, checks);
          expect(again).toEqual(first);
          expect(sim.reader.panics).toEqual([]);
        } finally {
          await b.stop();
        }
      });
    }
  });
}
