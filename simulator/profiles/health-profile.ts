// Resident health card (居民健康卡, kiosk-cards.md §3, [M]): MF → DDF1 with EF05 (issuer data,
// free), EF06 (holder data, RK external authentication), EF07 (photo, length-prefixed), EF08
// (expiry, phones, payment methods), then DF01–DF03. Tags, codings and lengths are those of §3.
// UNCONFIRMED in the sources, ours: the DDF1 name (none here), the DF01–DF03 file map below, the
// ABO/RH codings (see personas.ts), the key ids (KEYS.md §3). DF03 (过敏史/就诊, not found in the
// sources) is an empty cyclic file.

import type { CardProfileSpec, DfSpec, KeySpec } from './profile-schema.ts';
import { HEALTH_PERSONAS, type HealthPersona } from './personas.ts';

const dfKeys = (rk: KeySpec['name'], uk: KeySpec['name']): KeySpec[] => [
  { name: rk, ids: ['04'], usage: 'external' },
  { name: uk, ids: ['05'], usage: 'external' },
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
        { tag: '15', item: 'addressType1', type: 'cn', len: 1 },
        { tag: '16', item: 'address1', type: 'gbk', len: 100 },
        { tag: '17', item: 'addressType2', type: 'cn', len: 1 },
        { tag: '18', item: 'address2', type: 'gbk', len: 100 },
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
        { tag: '19', item: 'contact1Name', type: 'gbk', len: 30 },
        { tag: '1A', item: 'contact1Relation', type: 'cn', len: 1 },
        { tag: '1B', item: 'contact1Phone', type: 'an', len: 20 },
        { tag: '1C', item: 'contact2Name', type: 'gbk', len: 30 },
        { tag: '1D', item: 'contact2Relation', type: 'cn', len: 1 },
        { tag: '1E', item: 'contact2Phone', type: 'an', len: 20 },
        { tag: '1F', item: 'contact3Name', type: 'gbk', len: 30 },
        { tag: '20', item: 'contact3Relation', type: 'cn', len: 1 },
        { tag: '21', item: 'contact3Phone', type: 'an', len: 20 },
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
        { tag: '22', item: 'education', type: 'cn', len: 1 },
        { tag: '23', item: 'marriage', type: 'cn', len: 1 },
        { tag: '24', item: 'occupation', type: 'an', len: 3 },
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
        { tag: '25', item: 'documentType', type: 'cn', len: 1 },
        { tag: '26', item: 'documentNo', type: 'an', len: 18 },
        { tag: '27', item: 'healthRecordNo', type: 'an', len: 17 },
        { tag: '28', item: 'ncmsNo', type: 'an', len: 18 },
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
        { tag: '29', item: 'abo', type: 'b', len: 1 },
        { tag: '2A', item: 'rh', type: 'cn', len: 1 },
        { tag: '2B', item: 'warningFlags.asthma', type: 'b', len: 1 },
        { tag: '2C', item: 'warningFlags.heartDisease', type: 'b', len: 1 },
        { tag: '2D', item: 'warningFlags.cardiovascular', type: 'b', len: 1 },
        { tag: '2E', item: 'warningFlags.epilepsy', type: 'b', len: 1 },
        { tag: '2F', item: 'warningFlags.coagulation', type: 'b', len: 1 },
        { tag: '30', item: 'warningFlags.diabetes', type: 'b', len: 1 },
        { tag: '31', item: 'warningFlags.glaucoma', type: 'b', len: 1 },
        { tag: '32', item: 'warningFlags.dialysis', type: 'b', len: 1 },
        { tag: '33', item: 'warningFlags.transplant', type: 'b', len: 1 },
        { tag: '34', item: 'warningFlags.organMissing', type: 'b', len: 1 },
        { tag: '35', item: 'warningFlags.prosthesis', type: 'b', len: 1 },
        { tag: '36', item: 'warningFlags.pacemaker', type: 'b', len: 1 },
        { tag: '38', item: 'warningFlags.psychiatric', type: 'b', len: 1 },
      ],
    },
    {
      ef: 'EF06 其他医学警示',
      fid: 'EF06',
      sfi: 0x06,
      structure: 'linear',
      read: { key: 'HC-RK-DF02' },
      update: { key: 'HC-UK-DF02' },
      records: [{ tag: '37', item: 'otherWarnings', type: 'gbk', len: 40 }],
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
        { tag: '01', item: 'cardType', type: 'an', len: 1 },
        { tag: '02', item: 'specVersion', type: 'an', len: 4 },
        { tag: '03', item: 'issuerName', type: 'gbk', len: 30 },
        { tag: '04', item: 'issuerCode', type: 'cn', len: 11 },
        { tag: '05', generated: 180 },
        { tag: '06', item: 'issueDate', type: 'cn', len: 4 },
        { tag: '08', item: 'cardNo', type: 'an', len: 18 },
        { tag: '09', item: 'securityCode', type: 'an', len: 3 },
        { tag: '0A', item: 'chipSerial', type: 'an', len: 10 },
        { tag: '39', item: 'cityCode', type: 'cn', len: 3 },
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
        { tag: '0B', item: 'name', type: 'gbk', len: 30 },
        { tag: '0C', item: 'sex', type: 'b', len: 1 },
        { tag: '0D', item: 'ethnicity', type: 'cn', len: 1 },
        { tag: '0E', item: 'birthDate', type: 'cn', len: 4 },
        { tag: '0F', item: 'idNumber', type: 'an', len: 18 },
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
        { tag: '07', item: 'expiryDate', type: 'cn', len: 4 },
        { tag: '10', item: 'phone1', type: 'an', len: 20 },
        { tag: '11', item: 'phone2', type: 'an', len: 20 },
        { tag: '12', item: 'payment1', type: 'cn', len: 1 },
        { tag: '13', item: 'payment2', type: 'cn', len: 1 },
        { tag: '14', item: 'payment3', type: 'cn', len: 1 },
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
