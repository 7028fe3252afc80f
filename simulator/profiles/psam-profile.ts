// PSAM (《社会保障(个人)卡规范》 Part 9, kiosk-cards.md §1.11): MF 3F00 = the DES environment
// named "sx1.sh.社会保障", EF0015 card public info, EF0016 终端机编号, EF0019 transaction
// counter, ADF DF01 (D15600000590). DELIVERY SESSION KEY and CIPHER DATA with the master keys of
// KEYS.md §4. Personas are PSAM variants: default, no-sm4, no-rksssse.

import type { CardProfileSpec } from './profile-schema.ts';
import { PSAM_PERSONAS, type PsamPersona } from './personas.ts';
import { SSSE_AID } from '../../protocol/cards/ssc.ts';

export const PSAM_PROFILE: CardProfileSpec<PsamPersona> = {
  name: 'psam',
  description:
    'PSAM for the SAM slots: EF0015, EF0016 terminal number, DELIVERY SESSION KEY, CIPHER DATA (T=0)',
  algorithm: null,
  keyScheme: 'none',
  // TA1 = 13 (Fi 372, Di 4), TB1 00, TC1 00, 12 historical bytes.
  atr: { head: '3B7C130000', tck: false },
  transport: {
    classes: ['A', 'B', 'C'],
    atrDelayClocks: 8_000,
    pps: 'accept',
    processingUs: 2_000,
    processingUsByIns: { A4: 2_500, B0: 2_500, DE: 12_000, FA: 8_000 },
    t0NullIntervalEtu: 4_800,
    t0: { case4: '61xx', wrongLe: '6Cxx' },
  },
  tree: {
    df: 'MF',
    fid: '3F00',
    name: SSSE_AID,
    children: [
      {
        ef: 'EF0015 card public info',
        fid: '0015',
        sfi: 0x15,
        structure: 'transparent',
        read: 'always',
        update: 'never',
        body: [
          { item: 'issuerId', type: 'b', len: 1 },
          { item: 'serial', type: 'cn', len: 10 },
          { item: 'version', type: 'b', len: 1 },
          { item: 'keyCardType', type: 'b', len: 1 },
          { item: 'fci', type: 'b', len: 2 },
        ],
      },
      {
        ef: 'EF0016 终端机编号',
        fid: '0016',
        sfi: 0x16,
        structure: 'transparent',
        read: 'always',
        update: 'never',
        body: [{ item: 'terminalNumber', type: 'cn', len: 6 }],
      },
      {
        ef: 'EF0019 terminal transaction counter',
        fid: '0019',
        sfi: 0x19,
        structure: 'transparent',
        read: 'always',
        update: 'never',
        body: [{ item: 'transactionCounter', type: 'b', len: 4 }],
      },
      { df: 'DF01', fid: 'DF01', name: 'D15600000590', children: [] },
    ],
  },
  personas: PSAM_PERSONAS,
  defaultPersona: 'default',
};
