// Resident health card (居民健康卡, kiosk-cards.md §3, [M]): MF → DDF1 with EF05 (issuer data,
// free), EF06 (holder data, RK external authentication), EF07 (photo, length-prefixed), EF08
// (expiry, phones, payment methods), then DF01–DF03. Tags, codings and lengths are those of §3
// (protocol/cards/health.ts).
// UNCONFIRMED in the sources, ours: the DDF1 name (none here), the DF01–DF03 file map below, the
// ABO/RH codings (see personas.ts), the key ids (KEYS.md §3). DF03 (过敏史/就诊, not found in the
// sources) is an empty cyclic file.

import {
  HEALTH_CARD_KEY_IDS,
  HEALTH_DDF1_EF05,
  HEALTH_DDF1_EF06,
  HEALTH_DDF1_EF08,
  HEALTH_DF01_EF05,
  HEALTH_DF01_EF06,
  HEALTH_DF01_EF07,
  HEALTH_DF01_EF08,
  HEALTH_DF02_EF05,
  HEALTH_DF02_EF06,
  HEALTH_WARNING_FLAGS,
} from '../../protocol/cards/health.ts';
import { hexByte, itemRecord } from './card-facts.ts';
import type { CardProfileSpec, DfSpec, KeySpec } from './profile-schema.ts';
import { HEALTH_PERSONAS, type HealthPersona } from './personas.ts';

const dfKeys = (rk: KeySpec['name'], uk: KeySpec['name']): KeySpec[] => [
  { name: rk, ids: [hexByte(HEALTH_CARD_KEY_IDS.read)], usage: 'external' },
  { name: uk, ids: [hexByte(HEALTH_CARD_KEY_IDS.update)], usage: 'external' },
];

const DF01: DfSpec = {
  df: 'DF01 持卡人管理信息',
  fid: 'DF01',
  leRule: 'iso',
  keys: dfKeys('HC-RK-DF01', 'HC-UK-DF01'),
  children: [
    {
      ef: 'EF05 地址',
      fid: 'EF05',
      sfi: 0x05,
      structure: 'linear',
      read: { key: 'HC-RK-DF01' },
      update: { key: 'HC-UK-DF01' },
      records: [
        itemRecord(HEALTH_DF01_EF05.addressType1, 'addressType1'),
        itemRecord(HEALTH_DF01_EF05.address1, 'address1'),
        itemRecord(HEALTH_DF01_EF05.addressType2, 'addressType2'),
        itemRecord(HEALTH_DF01_EF05.address2, 'address2'),
      ],
    },
    {
      ef: 'EF06 联系人',
      fid: 'EF06',
      sfi: 0x06,
      structure: 'linear',
      read: { key: 'HC-RK-DF01' },
      update: { key: 'HC-UK-DF01' },
      records: [
        itemRecord(HEALTH_DF01_EF06.contact1Name, 'contact1Name'),
        itemRecord(HEALTH_DF01_EF06.contact1Relation, 'contact1Relation'),
        itemRecord(HEALTH_DF01_EF06.contact1Phone, 'contact1Phone'),
        itemRecord(HEALTH_DF01_EF06.contact2Name, 'contact2Name'),
        itemRecord(HEALTH_DF01_EF06.contact2Relation, 'contact2Relation'),
        itemRecord(HEALTH_DF01_EF06.contact2Phone, 'contact2Phone'),
        itemRecord(HEALTH_DF01_EF06.contact3Name, 'contact3Name'),
        itemRecord(HEALTH_DF01_EF06.contact3Relation, 'contact3Relation'),
        itemRecord(HEALTH_DF01_EF06.contact3Phone, 'contact3Phone'),
      ],
    },
    {
      ef: 'EF07 职业婚姻',
      fid: 'EF07',
      sfi: 0x07,
      structure: 'linear',
      read: { key: 'HC-RK-DF01' },
      update: { key: 'HC-UK-DF01' },
      records: [
        itemRecord(HEALTH_DF01_EF07.education, 'education'),
        itemRecord(HEALTH_DF01_EF07.marriage, 'marriage'),
        itemRecord(HEALTH_DF01_EF07.occupation, 'occupation'),
      ],
    },
    {
      ef: 'EF08 证件',
      fid: 'EF08',
      sfi: 0x08,
      structure: 'linear',
      read: { key: 'HC-RK-DF01' },
      update: { key: 'HC-UK-DF01' },
      records: [
        itemRecord(HEALTH_DF01_EF08.documentType, 'documentType'),
        itemRecord(HEALTH_DF01_EF08.documentNo, 'documentNo'),
        itemRecord(HEALTH_DF01_EF08.healthRecordNo, 'healthRecordNo'),
        itemRecord(HEALTH_DF01_EF08.ncmsNo, 'ncmsNo'),
      ],
    },
  ],
};

const DF02: DfSpec = {
  df: 'DF02 临床基本数据',
  fid: 'DF02',
  leRule: 'iso',
  keys: dfKeys('HC-RK-DF02', 'HC-UK-DF02'),
  children: [
    {
      ef: 'EF05 血型与医学警示',
      fid: 'EF05',
      sfi: 0x05,
      structure: 'linear',
      read: { key: 'HC-RK-DF02' },
      update: { key: 'HC-UK-DF02' },
      records: [
        itemRecord(HEALTH_DF02_EF05.abo, 'abo'),
        itemRecord(HEALTH_DF02_EF05.rh, 'rh'),
        itemRecord(HEALTH_WARNING_FLAGS.asthma, 'warningFlags.asthma'),
        itemRecord(HEALTH_WARNING_FLAGS.heartDisease, 'warningFlags.heartDisease'),
        itemRecord(HEALTH_WARNING_FLAGS.cardiovascular, 'warningFlags.cardiovascular'),
        itemRecord(HEALTH_WARNING_FLAGS.epilepsy, 'warningFlags.epilepsy'),
        itemRecord(HEALTH_WARNING_FLAGS.coagulation, 'warningFlags.coagulation'),
        itemRecord(HEALTH_WARNING_FLAGS.diabetes, 'warningFlags.diabetes'),
        itemRecord(HEALTH_WARNING_FLAGS.glaucoma, 'warningFlags.glaucoma'),
        itemRecord(HEALTH_WARNING_FLAGS.dialysis, 'warningFlags.dialysis'),
        itemRecord(HEALTH_WARNING_FLAGS.transplant, 'warningFlags.transplant'),
        itemRecord(HEALTH_WARNING_FLAGS.organMissing, 'warningFlags.organMissing'),
        itemRecord(HEALTH_WARNING_FLAGS.prosthesis, 'warningFlags.prosthesis'),
        itemRecord(HEALTH_WARNING_FLAGS.pacemaker, 'warningFlags.pacemaker'),
        itemRecord(HEALTH_WARNING_FLAGS.psychiatric, 'warningFlags.psychiatric'),
      ],
    },
    {
      ef: 'EF06 其他医学警示',
      fid: 'EF06',
      sfi: 0x06,
      structure: 'linear',
      read: { key: 'HC-RK-DF02' },
      update: { key: 'HC-UK-DF02' },
      records: [itemRecord(HEALTH_DF02_EF06.otherWarnings, 'otherWarnings')],
    },
  ],
};

const DF03: DfSpec = {
  df: 'DF03 就诊信息 (placeholder)',
  fid: 'DF03',
  leRule: 'iso',
  keys: dfKeys('HC-RK-DF03', 'HC-UK-DF03'),
  children: [
    {
      ef: 'EF05 (cyclic, layout not in the sources)',
      fid: 'EF05',
      sfi: 0x05,
      structure: 'cyclic',
      read: { key: 'HC-RK-DF03' },
      update: { key: 'HC-UK-DF03' },
      records: [],
      maxRecords: 10,
      maxRecordLength: 0x40,
    },
  ],
};

const DDF1: DfSpec = {
  df: 'DDF1',
  fid: 'DDF1',
  leRule: 'iso',
  keys: dfKeys('HC-RK-DDF1', 'HC-UK-DDF1'),
  children: [
    {
      ef: 'EF05 发卡机构基本数据',
      fid: 'EF05',
      sfi: 0x05,
      structure: 'linear',
      read: 'always',
      update: { key: 'HC-UK-DDF1' },
      records: [
        itemRecord(HEALTH_DDF1_EF05.cardType, 'cardType'),
        itemRecord(HEALTH_DDF1_EF05.specVersion, 'specVersion'),
        itemRecord(HEALTH_DDF1_EF05.issuerName, 'issuerName'),
        itemRecord(HEALTH_DDF1_EF05.issuerCode, 'issuerCode'),
        {
          tag: hexByte(HEALTH_DDF1_EF05.certificate.tag),
          generated: HEALTH_DDF1_EF05.certificate.length,
        },
        itemRecord(HEALTH_DDF1_EF05.issueDate, 'issueDate'),
        itemRecord(HEALTH_DDF1_EF05.cardNumber, 'cardNo'),
        itemRecord(HEALTH_DDF1_EF05.securityCode, 'securityCode'),
        itemRecord(HEALTH_DDF1_EF05.chipSerial, 'chipSerial'),
        itemRecord(HEALTH_DDF1_EF05.cityCode, 'cityCode'),
      ],
    },
    {
      ef: 'EF06 持卡人基本信息',
      fid: 'EF06',
      sfi: 0x06,
      structure: 'linear',
      read: { key: 'HC-RK-DDF1' },
      update: { key: 'HC-UK-DDF1' },
      records: [
        itemRecord(HEALTH_DDF1_EF06.name, 'name'),
        itemRecord(HEALTH_DDF1_EF06.sex, 'sex'),
        itemRecord(HEALTH_DDF1_EF06.ethnicity, 'ethnicity'),
        itemRecord(HEALTH_DDF1_EF06.birthDate, 'birthDate'),
        itemRecord(HEALTH_DDF1_EF06.idNumber, 'idNumber'),
      ],
    },
    {
      ef: 'EF07 照片',
      fid: 'EF07',
      sfi: 0x07,
      structure: 'transparent',
      read: { key: 'HC-RK-DDF1' },
      update: { key: 'HC-UK-DDF1' },
      body: { lengthPrefixedPhoto: 3072 },
    },
    {
      ef: 'EF08 有效期与联系电话',
      fid: 'EF08',
      sfi: 0x08,
      structure: 'linear',
      read: { key: 'HC-RK-DDF1' },
      update: { key: 'HC-UK-DDF1' },
      records: [
        itemRecord(HEALTH_DDF1_EF08.expiryDate, 'expiryDate'),
        itemRecord(HEALTH_DDF1_EF08.phone1, 'phone1'),
        itemRecord(HEALTH_DDF1_EF08.phone2, 'phone2'),
        itemRecord(HEALTH_DDF1_EF08.payment1, 'payment1'),
        itemRecord(HEALTH_DDF1_EF08.payment2, 'payment2'),
        itemRecord(HEALTH_DDF1_EF08.payment3, 'payment3'),
      ],
    },
    DF01,
    DF02,
    DF03,
  ],
};

export const HEALTH_PROFILE: CardProfileSpec<HealthPersona> = {
  name: 'health',
  description: 'resident health card (居民健康卡), T=0, SM4, PSAM external authentication (§3)',
  algorithm: 'SM4',
  keyScheme: 'health',
  atr: { head: '3B6D0000', tck: false },
  transport: {
    classes: ['A', 'B'],
    atrDelayClocks: 10_000,
    pps: 'accept',
    processingUs: 2_500,
    processingUsByIns: {
      A4: 3_000,
      B0: 4_000,
      B2: 2_500,
      '84': 4_000,
      '82': 15_000,
      DC: 25_000,
      D6: 25_000,
    },
    t0NullIntervalEtu: 4_800,
    t0: { case4: '61xx', wrongLe: '6Cxx' },
  },
  tree: { df: 'MF', fid: '3F00', children: [DDF1] },
  personas: HEALTH_PERSONAS,
  defaultPersona: 'zhou-xiaomei',
};
