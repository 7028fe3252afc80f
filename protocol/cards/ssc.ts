// The social security card (社会保障卡): its application names, file items and key identifiers
// (kiosk-cards.md §1.2–§1.5; S4 table 1, S5 tables 1 and 9, S7 appendix B).
import type { CardItem } from './items.ts';

/** "sx1.sh." ‖ GBK 社会保障: the SSSE DF name (S4 table 1, S5 table 1), hex. */
export const SSSE_AID = '7378312E73682EC9E7BBE1B1A3D5CF';

/** Names of the DFs inside SSSE (§1.2), hex. */
export const SSC_DF_AIDS = {
  DF01: 'D15600000500',
  DF02: 'D15600000501',
  DF03: 'D15600000502',
  DF04: 'D15600000503',
  DF07: 'D15600000504',
} as const;

/** SSSE/EF05 发卡机构数据文件, SFI 05, in record order (§1.3, §1.4). */
export const SSC_EF05 = {
  /** 卡识别码: region code (6 digits) ‖ D156 ‖ … (§1.8). */
  cardId: { tag: 0x01, length: 16, coding: 'cn' },
  /** 卡的类别. */
  cardCategory: { tag: 0x02, length: 1, coding: 'an' },
  /** 规范版本, e.g. "3.00". */
  specVersion: { tag: 0x03, length: 4, coding: 'an' },
  /** 初始化机构编号. */
  initialisingOrg: { tag: 0x04, length: 12, coding: 'cn' },
  /** 发卡日期. */
  issueDate: { tag: 0x05, length: 4, coding: 'cn' },
  /** 卡有效期. */
  expiryDate: { tag: 0x06, length: 4, coding: 'cn' },
  /** 卡号. */
  cardNumber: { tag: 0x07, length: 9, coding: 'an' },
} as const satisfies Record<string, CardItem>;

/** SSSE/EF06 持卡人基本信息文件, SFI 06, in record order (§1.3, §1.4; 4E is absent on 1.0 cards). */
export const SSC_EF06 = {
  /** 社会保障号码. */
  socialSecurityNumber: { tag: 0x08, length: 18, coding: 'an' },
  /** 姓名: the first 30 bytes of the GBK name. */
  name: { tag: 0x09, length: 30, coding: 'gbk' },
  /** 姓名扩展: the GBK name's bytes after the first 30. */
  nameExtension: { tag: 0x4e, length: 20, coding: 'gbk' },
  /** 性别 (GB 2261.1). */
  sex: { tag: 0x0a, length: 1, coding: 'an' },
  /** 民族 (GB 3304). */
  ethnicity: { tag: 0x0b, length: 1, coding: 'cn' },
  /** 出生地 (GB/T 2260). */
  birthplace: { tag: 0x0c, length: 3, coding: 'cn' },
  /** 出生日期. */
  birthDate: { tag: 0x0d, length: 4, coding: 'cn' },
} as const satisfies Record<string, CardItem>;

/**
 * Key identifiers (S7 appendix B 标识): P2 of the card's INTERNAL / EXTERNAL AUTHENTICATE and of
 * the PSAM's DELIVERY SESSION KEY, for the algorithms 01 and 03.
 */
export const SSC_KEY_IDS = {
  IRK: 0x08,
  STKSSSE: 0x09,
  RKSSSE: 0x0a,
  PUK: 0x10,
  BK: 0x11,
  UKSSSE: 0x12,
  RK1DF03: 0x2b,
  RK2DF03: 0x2c,
  RK1DF04: 0x2d,
  RK1DF01: 0x2e,
  RK1DF02: 0x35,
} as const;
export type SscKeyName = keyof typeof SSC_KEY_IDS;

/**
 * HSM key logical addresses (S7 appendix B): groups 01, 02, 03 where the key has three. Which
 * group a region uses is UNCONFIRMED; the host asks for group 01.
 */
export const SSC_HSM_KEY_ADDRESSES: Readonly<Record<SscKeyName, readonly string[]>> = {
  RKSSSE: ['004C', '004D', '004E'],
  RK1DF01: ['004F', '0050', '0051'],
  RK1DF02: ['0064', '0065', '0066'],
  IRK: ['0170', '0171', '0172'],
  STKSSSE: ['0173'],
  RK1DF04: ['0182', '0183', '0184'],
  RK1DF03: ['0193', '0194', '0195'],
  RK2DF03: ['0196', '0197', '0198'],
  PUK: ['0090'],
  BK: ['0091'],
  UKSSSE: ['0094', '0095', '0096'],
};
