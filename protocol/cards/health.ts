// The resident health card (居民健康卡, kiosk-cards.md §3, [M]): file items, blood-type codes and
// the keys of its external authentication through the PSAM. Tags, codings and lengths are those
// of §3; the key identifiers are the test key scheme's (simulator/profiles/KEYS.md §3).
import type { CardItem } from './items.ts';

/** DDF1/EF05 发卡机构基本数据 (free to read). Record 5 is the issuer's certificate. */
export const HEALTH_DDF1_EF05 = {
  /** 卡类别. */
  cardType: { tag: 0x01, length: 1, coding: 'an' },
  /** 规范版本. */
  specVersion: { tag: 0x02, length: 4, coding: 'an' },
  /** 发卡机构名称. */
  issuerName: { tag: 0x03, length: 30, coding: 'gbk' },
  /** 发卡机构代码. */
  issuerCode: { tag: 0x04, length: 11, coding: 'cn' },
  /** 发卡机构证书. */
  certificate: { tag: 0x05, length: 180, coding: 'b' },
  /** 发卡时间 YYYYMMDD. */
  issueDate: { tag: 0x06, length: 4, coding: 'cn' },
  /** 卡号 (= ID-card number). */
  cardNumber: { tag: 0x08, length: 18, coding: 'an' },
  /** 安全码. */
  securityCode: { tag: 0x09, length: 3, coding: 'an' },
  /** 芯片序列号. */
  chipSerial: { tag: 0x0a, length: 10, coding: 'an' },
  /** 应用城市代码: its first 2 bytes are a diversification factor (diversification.ts). */
  cityCode: { tag: 0x39, length: 3, coding: 'cn' },
} as const satisfies Record<string, CardItem>;

/** DDF1/EF06 持卡人基本信息. */
export const HEALTH_DDF1_EF06 = {
  name: { tag: 0x0b, length: 30, coding: 'gbk' },
  /** 性别: 01 male, 02 female. */
  sex: { tag: 0x0c, length: 1, coding: 'b' },
  /** 民族 (GB 3304). */
  ethnicity: { tag: 0x0d, length: 1, coding: 'cn' },
  birthDate: { tag: 0x0e, length: 4, coding: 'cn' },
  /** 居民身份证号. */
  idNumber: { tag: 0x0f, length: 18, coding: 'an' },
} as const satisfies Record<string, CardItem>;

/** DDF1/EF08 有效期与联系电话. */
export const HEALTH_DDF1_EF08 = {
  expiryDate: { tag: 0x07, length: 4, coding: 'cn' },
  phone1: { tag: 0x10, length: 20, coding: 'an' },
  phone2: { tag: 0x11, length: 20, coding: 'an' },
  /** 医疗费用支付方式 1 … 3. */
  payment1: { tag: 0x12, length: 1, coding: 'cn' },
  payment2: { tag: 0x13, length: 1, coding: 'cn' },
  payment3: { tag: 0x14, length: 1, coding: 'cn' },
} as const satisfies Record<string, CardItem>;

/** DF01/EF05 地址. */
export const HEALTH_DF01_EF05 = {
  addressType1: { tag: 0x15, length: 1, coding: 'cn' },
  address1: { tag: 0x16, length: 100, coding: 'gbk' },
  addressType2: { tag: 0x17, length: 1, coding: 'cn' },
  address2: { tag: 0x18, length: 100, coding: 'gbk' },
} as const satisfies Record<string, CardItem>;

/** DF01/EF06 联系人: three contacts of name, relation (cn1) and phone. */
export const HEALTH_DF01_EF06 = {
  contact1Name: { tag: 0x19, length: 30, coding: 'gbk' },
  contact1Relation: { tag: 0x1a, length: 1, coding: 'cn' },
  contact1Phone: { tag: 0x1b, length: 20, coding: 'an' },
  contact2Name: { tag: 0x1c, length: 30, coding: 'gbk' },
  contact2Relation: { tag: 0x1d, length: 1, coding: 'cn' },
  contact2Phone: { tag: 0x1e, length: 20, coding: 'an' },
  contact3Name: { tag: 0x1f, length: 30, coding: 'gbk' },
  contact3Relation: { tag: 0x20, length: 1, coding: 'cn' },
  contact3Phone: { tag: 0x21, length: 20, coding: 'an' },
} as const satisfies Record<string, CardItem>;

/** DF01/EF07 职业婚姻. */
export const HEALTH_DF01_EF07 = {
  education: { tag: 0x22, length: 1, coding: 'cn' },
  marriage: { tag: 0x23, length: 1, coding: 'cn' },
  occupation: { tag: 0x24, length: 3, coding: 'an' },
} as const satisfies Record<string, CardItem>;

/** DF01/EF08 证件. */
export const HEALTH_DF01_EF08 = {
  documentType: { tag: 0x25, length: 1, coding: 'cn' },
  documentNo: { tag: 0x26, length: 18, coding: 'an' },
  healthRecordNo: { tag: 0x27, length: 17, coding: 'an' },
  ncmsNo: { tag: 0x28, length: 18, coding: 'an' },
} as const satisfies Record<string, CardItem>;

/** Medical warning flags of DF02/EF05 (b1: 00 no, 01 yes). */
export const HEALTH_WARNING_FLAGS = {
  asthma: { tag: 0x2b, length: 1, coding: 'b' },
  heartDisease: { tag: 0x2c, length: 1, coding: 'b' },
  cardiovascular: { tag: 0x2d, length: 1, coding: 'b' },
  epilepsy: { tag: 0x2e, length: 1, coding: 'b' },
  coagulation: { tag: 0x2f, length: 1, coding: 'b' },
  diabetes: { tag: 0x30, length: 1, coding: 'b' },
  glaucoma: { tag: 0x31, length: 1, coding: 'b' },
  dialysis: { tag: 0x32, length: 1, coding: 'b' },
  transplant: { tag: 0x33, length: 1, coding: 'b' },
  organMissing: { tag: 0x34, length: 1, coding: 'b' },
  prosthesis: { tag: 0x35, length: 1, coding: 'b' },
  pacemaker: { tag: 0x36, length: 1, coding: 'b' },
  psychiatric: { tag: 0x38, length: 1, coding: 'b' },
} as const satisfies Record<string, CardItem>;
export type HealthWarningName = keyof typeof HEALTH_WARNING_FLAGS;

/** DF02/EF05 血型与医学警示: blood type, then the warning flags. */
export const HEALTH_DF02_EF05 = {
  /** ABO血型 (HEALTH_ABO_LABELS). */
  abo: { tag: 0x29, length: 1, coding: 'b' },
  /** RH血型 (HEALTH_RH_LABELS). */
  rh: { tag: 0x2a, length: 1, coding: 'cn' },
  ...HEALTH_WARNING_FLAGS,
} as const satisfies Record<string, CardItem>;

/** DF02/EF06 其他医学警示. */
export const HEALTH_DF02_EF06 = {
  otherWarnings: { tag: 0x37, length: 40, coding: 'gbk' },
} as const satisfies Record<string, CardItem>;

/** ABO blood type, WS 364 code CV04.50.005 (the card's coding is UNCONFIRMED in the reference). */
export const HEALTH_ABO_LABELS: Readonly<Record<string, string>> = {
  '01': 'A',
  '02': 'B',
  '03': 'O',
  '04': 'AB',
  '05': 'unknown',
};
/** Rh blood type, WS 364 code CV04.50.020. */
export const HEALTH_RH_LABELS: Readonly<Record<string, string>> = {
  '1': 'negative',
  '2': 'positive',
  '3': 'unknown',
};

/** The DFs whose files need the DF's own keys. */
export type HealthDf = 'DDF1' | 'DF01' | 'DF02' | 'DF03';

/** Card key ids (EXTERNAL AUTHENTICATE P2) of the current DF's read and update keys. */
export const HEALTH_CARD_KEY_IDS = { read: 0x04, update: 0x05 } as const;

/**
 * The PSAM's DELIVERY SESSION KEY for the health card: P1 says read or update key (§3:
 * `80 DE 47 …`), P2 which DF's key.
 */
export const HEALTH_PSAM_KEYS = {
  read: { p1: 0x47, ids: { DDF1: 0x31, DF01: 0x32, DF02: 0x33, DF03: 0x34 } },
  update: { p1: 0x27, ids: { DDF1: 0x2a, DF01: 0x2b, DF02: 0x2c, DF03: 0x2d } },
} as const satisfies Record<string, { p1: number; ids: Record<HealthDf, number> }>;
