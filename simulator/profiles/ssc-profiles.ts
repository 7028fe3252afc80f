// Social security card profiles (kiosk-cards.md §1–§1.5, §4): ssc2 (2nd generation, 3DES, EF06
// free to read), ssc3 (3rd generation, SM4, EF06 behind RKSSSE external authentication) and
// ssc3-t1 (the ssc3 data on a fast T=1 card, TA1 = 96). Data only; loader.ts builds the cards.
//
// The SSSE EF05/EF06 items, tags, lengths and padding are those of §1.3; the record order of
// §1.4. The DF01–DF07 item tags are not in the reference: the few records there (tags 20, 31,
// 60, 70) are our test layout, UNCONFIRMED. The bank application (§4) sits beside SSSE.

import { EMV_TAG, PSE_NAME, UNIONPAY_AIDS } from '../../protocol/cards/bank.ts';
import {
  SSC_DF_AIDS,
  SSC_EF05,
  SSC_EF06,
  SSC_KEY_IDS,
  SSSE_AID,
} from '../../protocol/cards/ssc.ts';
import type { CardTransportProfile } from '../card/contract.ts';
import { hexByte, hexTag, itemRecord } from './card-facts.ts';
import type { DfSpec, EfSpec, CardProfileSpec } from './profile-schema.ts';
import { SSC2_PERSONAS, SSC3_PERSONAS, type SscPersona } from './personas.ts';

const EF05: EfSpec = {
  ef: 'EF05 发卡机构数据文件',
  fid: 'EF05',
  sfi: 0x05,
  structure: 'linear',
  read: 'always',
  update: { sm: 'UKSSSE' },
  records: [
    itemRecord(SSC_EF05.cardId, 'cardId'),
    itemRecord(SSC_EF05.cardCategory, 'cardCategory'),
    itemRecord(SSC_EF05.specVersion, 'specVersion'),
    itemRecord(SSC_EF05.initialisingOrg, 'initOrg'),
    itemRecord(SSC_EF05.issueDate, 'issueDate'),
    itemRecord(SSC_EF05.expiryDate, 'expiryDate'),
    itemRecord(SSC_EF05.cardNumber, 'cardNo'),
  ],
};

const EF06_FREE: EfSpec = {
  ef: 'EF06 持卡人基本信息文件',
  fid: 'EF06',
  sfi: 0x06,
  structure: 'linear',
  read: 'always',
  update: { sm: 'UKSSSE' },
  records: [
    itemRecord(SSC_EF06.socialSecurityNumber, 'ssn'),
    itemRecord(SSC_EF06.name, 'name', 0),
    itemRecord(SSC_EF06.nameExtension, 'name', SSC_EF06.name.length),
    itemRecord(SSC_EF06.sex, 'sex'),
    itemRecord(SSC_EF06.ethnicity, 'ethnicity'),
    itemRecord(SSC_EF06.birthplace, 'birthplace'),
    itemRecord(SSC_EF06.birthDate, 'birthDate'),
  ],
};

const EF07_FINGERPRINT: EfSpec = {
  ef: 'EF07 指纹',
  fid: 'EF07',
  sfi: 0x07,
  structure: 'transparent',
  read: { key: 'RKSSSE' },
  update: { sm: 'UKSSSE' },
  body: { generated: 0x300 },
};

const EF08_PHOTO: EfSpec = {
  ef: 'EF08 数字相片',
  fid: 'EF08',
  sfi: 0x08,
  structure: 'transparent',
  read: { key: 'RKSSSE' },
  update: { sm: 'UKSSSE' },
  body: { lengthPrefixedPhoto: 0x1000 },
};

const DF01: DfSpec = {
  df: 'DF01 公共应用',
  fid: 'DF01',
  name: SSC_DF_AIDS.DF01,
  leRule: 'exact',
  keys: [{ name: 'RK1DF01', ids: [hexByte(SSC_KEY_IDS.RK1DF01)], usage: 'external' }],
  children: [
    {
      ef: 'EF05 户籍',
      fid: 'EF05',
      sfi: 0x05,
      structure: 'linear',
      read: { pinOrKey: 'RK1DF01' },
      update: { sm: 'UKSSSE' },
      records: [{ tag: '20', item: 'householdAddress', type: 'gbk', len: 80 }],
    },
    {
      ef: 'EF0A 国籍及政治面貌',
      fid: 'EF0A',
      sfi: 0x0a,
      structure: 'linear',
      read: { pinOrKey: 'RK1DF01' },
      update: { sm: 'UKSSSE' },
      records: [{ tag: '31', item: 'nationality', type: 'an', len: 3 }],
    },
  ],
};

const DF02: DfSpec = {
  df: 'DF02 就业与失业',
  fid: 'DF02',
  name: SSC_DF_AIDS.DF02,
  leRule: 'exact',
  keys: [{ name: 'RK1DF02', ids: [hexByte(SSC_KEY_IDS.RK1DF02)], usage: 'external' }],
  children: [
    {
      ef: 'EF07 (cyclic)',
      fid: 'EF07',
      sfi: 0x07,
      structure: 'cyclic',
      read: { pinOrKey: 'RK1DF02' },
      update: 'pin',
      records: [],
      maxRecords: 5,
      maxRecordLength: 0x20,
    },
  ],
};

const DF03: DfSpec = {
  df: 'DF03 社会保险1',
  fid: 'DF03',
  name: SSC_DF_AIDS.DF03,
  leRule: 'exact',
  keys: [
    { name: 'RK1DF03', ids: [hexByte(SSC_KEY_IDS.RK1DF03)], usage: 'external' },
    { name: 'RK2DF03', ids: [hexByte(SSC_KEY_IDS.RK2DF03)], usage: 'external' },
  ],
  children: [],
};

const DF04: DfSpec = {
  df: 'DF04 社会保险2 (medical)',
  fid: 'DF04',
  name: SSC_DF_AIDS.DF04,
  leRule: 'exact',
  keys: [{ name: 'RK1DF04', ids: [hexByte(SSC_KEY_IDS.RK1DF04)], usage: 'external' }],
  children: [
    {
      ef: 'EF05 医保基本信息',
      fid: 'EF05',
      sfi: 0x05,
      structure: 'linear',
      read: { pinOrKey: 'RK1DF04' },
      update: { sm: 'UKSSSE' },
      records: [{ tag: '60', item: 'medicalInsuranceNo', type: 'an', len: 20 }],
    },
    {
      ef: 'EF08 交易明细 (cyclic)',
      fid: 'EF08',
      sfi: 0x08,
      structure: 'cyclic',
      read: { pinOrKey: 'RK1DF04' },
      update: 'pin',
      // Test layout: 70 0B amount (4, fen) ‖ date-time (7, BCD YYYYMMDDhhmmss).
      records: [{ hex: '700B000001F420240510093000' }, { hex: '700B000003E820240402151200' }],
      maxRecords: 10,
      maxRecordLength: 0x0d,
    },
  ],
};

const DF07: DfSpec = {
  df: 'DF07 人事与人才 (预设)',
  fid: 'DF07',
  name: SSC_DF_AIDS.DF07,
  children: [],
};

/** The bank application beside SSSE (§4): PSE directory, UnionPay debit ADF, GPO, 5A/57/5F20/5F24. */
const PSE: DfSpec = {
  df: '1PAY.SYS.DDF01',
  name: PSE_NAME,
  fciProprietary: '8801015F2D047A68656E',
  leRule: 'iso',
  children: [
    {
      ef: 'PSE directory',
      fid: 'EF01',
      sfi: 0x01,
      structure: 'linear',
      read: 'always',
      update: 'never',
      records: [{ hex: '701B61194F08A000000333010101500A50424F43204445424954870101' }],
    },
    {
      df: 'UnionPay debit',
      name: UNIONPAY_AIDS.debit,
      fciProprietary:
        '500A50424F43204445424954870101' + '9F38099F7A019F02065F2A02' + '5F2D047A68656E',
      leRule: 'iso',
      // Format 2: AIP 7C00; AFL SFI 1 records 1–1, SFI 2 records 1–2 (1 for offline authentication).
      gpoResponse: '770E82027C0094080801010010010201',
      children: [
        {
          ef: 'SFI 1',
          fid: 'EF11',
          sfi: 0x01,
          structure: 'linear',
          read: 'always',
          update: 'never',
          records: [
            {
              template: hexTag(EMV_TAG.RECORD_TEMPLATE),
              items: [
                { tag: hexTag(EMV_TAG.TRACK2), item: 'bank.track2', type: 'cn' },
                { tag: hexTag(EMV_TAG.CARDHOLDER_NAME), item: 'bank.holder', type: 'an' },
              ],
            },
          ],
        },
        {
          ef: 'SFI 2',
          fid: 'EF12',
          sfi: 0x02,
          structure: 'linear',
          read: 'always',
          update: 'never',
          records: [
            {
              template: hexTag(EMV_TAG.RECORD_TEMPLATE),
              items: [
                { tag: hexTag(EMV_TAG.PAN), item: 'bank.pan', type: 'cn' },
                { tag: hexTag(EMV_TAG.EXPIRY_DATE), item: 'bank.expiry', type: 'cn', len: 3 },
                { tag: hexTag(EMV_TAG.EFFECTIVE_DATE), item: 'bank.effective', type: 'cn', len: 3 },
                { tag: hexTag(EMV_TAG.PAN_SEQUENCE_NUMBER), item: 'bank.psn', type: 'cn', len: 1 },
                { tag: '5F28', hex: '0156' },
                { tag: '9F07', hex: 'FF00' },
              ],
            },
            {
              template: hexTag(EMV_TAG.RECORD_TEMPLATE),
              items: [{ tag: '8E', hex: '000000000000000002031F00' }],
            },
          ],
        },
      ],
    },
  ],
};

const MF_PIN = { ref: '00', tries: 3, reloadAuthKey: 'PUK', reloadSmKey: 'STKSSSE' } as const;

const SSSE_KEYS: DfSpec['keys'] = [
  { name: 'IRK', ids: [hexByte(SSC_KEY_IDS.IRK)], usage: 'internal' },
  { name: 'RKSSSE', ids: [hexByte(SSC_KEY_IDS.RKSSSE)], usage: 'external' },
  // PUK also answers at 06, the id of the S8 trace (KEYS.md §2).
  { name: 'PUK', ids: ['06', hexByte(SSC_KEY_IDS.PUK)], usage: 'external' },
  { name: 'UKSSSE', ids: [hexByte(SSC_KEY_IDS.UKSSSE)], usage: 'external' },
  { name: 'STKSSSE', ids: [hexByte(SSC_KEY_IDS.STKSSSE)], usage: 'sm' },
];

const SSSE_2: DfSpec = {
  df: 'SSSE',
  name: SSSE_AID,
  // §1.5: A5 { 88 01 1E (SFI of the directory file), 9F0C { 86 01 algorithm: 01 DES/3DES } }.
  fciProprietary: '88011E9F0C03860101',
  leRule: 'exact',
  keys: SSSE_KEYS,
  children: [EF05, EF06_FREE, EF07_FINGERPRINT, EF08_PHOTO, DF01, DF02, DF03, DF04, DF07],
};

const SSSE_3: DfSpec = {
  ...SSSE_2,
  // §1.9 trace: 9F0C { 86 01 03 } = SM4.
  fciProprietary: '88011E9F0C03860103',
  children: [
    EF05,
    { ...EF06_FREE, read: { key: 'RKSSSE' } },
    EF07_FINGERPRINT,
    EF08_PHOTO,
    DF01,
    DF02,
    DF03,
    DF04,
    DF07,
  ],
};

const T0_TIMING: Omit<CardTransportProfile, 'atr'> = {
  classes: ['A', 'B'],
  atrDelayClocks: 12_000,
  pps: 'accept',
  processingUs: 2_500,
  processingUsByIns: {
    A4: 3_000,
    B0: 3_000,
    B2: 2_500,
    '84': 4_000,
    '88': 18_000,
    '82': 15_000,
    '20': 35_000,
    '5E': 60_000,
    '24': 60_000,
    D6: 25_000,
    DC: 25_000,
    E2: 25_000,
    A8: 8_000,
  },
  t0NullIntervalEtu: 4_800,
  t0: { case4: '61xx', wrongLe: '6Cxx' },
};

export const SSC2_PROFILE: CardProfileSpec<SscPersona> = {
  name: 'ssc2',
  description:
    'social security card 2.0, T=0, 3DES (algorithm 01), EF06 free to read, bank application',
  algorithm: '3DES',
  keyScheme: 'ssc',
  atr: { head: '3B6D0000', tck: false },
  transport: T0_TIMING,
  tree: { df: 'MF', fid: '3F00', pin: MF_PIN, children: [PSE, SSSE_2] },
  personas: SSC2_PERSONAS,
  defaultPersona: 'chen-jing',
};

export const SSC3_PROFILE: CardProfileSpec<SscPersona> = {
  name: 'ssc3',
  description:
    'social security card 3.0, T=0, SM4 (algorithm 03), EF06 behind RKSSSE, bank application',
  algorithm: 'SM4',
  keyScheme: 'ssc',
  atr: { head: '3B6D0000', tck: false },
  transport: T0_TIMING,
  tree: { df: 'MF', fid: '3F00', pin: MF_PIN, children: [PSE, SSSE_3] },
  personas: SSC3_PERSONAS,
  defaultPersona: 'li-na',
};

/**
 * The ssc3 data on a T=1 card for throughput tests: TA1 = 96 (Fi 512, Di 32, 5 MHz), TC1 = FF
 * (N = 255: 11 etu per character in T=1), TD1 81, TD2 31, TA3 FE (IFSC 254), TB3 45 (BWI 4, CWI 5).
 */
export const SSC3_T1_PROFILE: CardProfileSpec<SscPersona> = {
  ...SSC3_PROFILE,
  name: 'ssc3-t1',
  description: 'the ssc3 data on a fast T=1 card (TA1 = 96, TC1 = FF) for throughput tests',
  atr: { head: '3BFD9600FF8131FE45', tck: true },
  transport: {
    classes: ['A', 'B'],
    atrDelayClocks: 12_000,
    pps: 'accept',
    processingUs: T0_TIMING.processingUs,
    processingUsByIns: T0_TIMING.processingUsByIns,
    t1WtxAfterUs: 500_000,
  },
};
