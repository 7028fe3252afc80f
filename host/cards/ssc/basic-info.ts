// The result of iReadCardBas: typed, and as the national 11-field string (kiosk-cards.md §2.3,
// S7 §1.1.3), every field followed by `|`, in GBK on the wire.
import { encodeGb18030 } from '../../iso7816/text.ts';
import type { SscAlgorithm } from './algorithm.ts';
import type { SscHolderData, SscIssuerData } from './items.ts';

export interface SscBasicInfo {
  /** 1 发卡地区行政区划代码. */
  regionCode: string;
  /** 2 社会保障号码. */
  socialSecurityNumber: string;
  /** 3 卡号 (first 9 characters). */
  cardNumber: string;
  /** 4 卡识别码 (32 hex). */
  cardId: string;
  /** 5 姓名 (09 ‖ 4E, trimmed). */
  name: string;
  /** 6 卡复位信息: historical bytes only, hex. */
  historicalBytes: string;
  /** 7 规范版本, as on the card. */
  specVersion: string;
  /** 8 发卡日期 YYYYMMDD. */
  issueDate: string;
  /** 9 卡有效期 YYYYMMDD. */
  expiryDate: string;
  /** 10 终端机编号: PSAM EF 0016, or 000000000000 without a PSAM. */
  terminalNumber: string;
  /** 11 终端设备号: '' when the device has none. */
  terminalDeviceNumber: string;
  /** Everything read, for typed callers. */
  issuer: SscIssuerData;
  holder: SscHolderData;
  algorithm: SscAlgorithm;
  /** Who vouched for the card. */
  authentication: 'psam' | 'hsm';
}

/** The national string: the 11 fields in S7 order, each followed by `|`. */
export function formatCardBasic(info: SscBasicInfo): string {
  return [
    info.regionCode,
    info.socialSecurityNumber,
    info.cardNumber,
    info.cardId,
    info.name,
    info.historicalBytes,
    info.specVersion,
    info.issueDate,
    info.expiryDate,
    info.terminalNumber,
    info.terminalDeviceNumber,
  ]
    .map((f) => f + '|')
    .join('');
}

/** GBK bytes of a national string (GB18030, identical to GBK for every GBK character). */
export function nationalBytes(text: string): Uint8Array {
  return encodeGb18030(text);
}
