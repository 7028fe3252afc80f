// Reading the resident health card (居民健康卡, kiosk-cards.md §3 [M]): issuer data (DDF1/EF05,
// free), holder data (DDF1/EF06 and EF08, behind the DDF1 read key), contacts (DF01/EF06) and the
// clinical summary (DF02: ABO and Rh blood type, medical warning flags, other warnings), each DF
// unlocked through the PSAM after it is selected. Whole files in one READ RECORD (P2 = 05) where
// they fit in 256 bytes; EF05, whose certificate makes it longer, in two ranges.
import { randomBytes } from 'node:crypto';
import {
  HEALTH_ABO_LABELS,
  HEALTH_DDF1_EF05,
  HEALTH_DDF1_EF06,
  HEALTH_DDF1_EF08,
  HEALTH_DF01_EF05,
  HEALTH_DF01_EF06,
  HEALTH_DF02_EF05,
  HEALTH_DF02_EF06,
  HEALTH_RH_LABELS,
  HEALTH_WARNING_FLAGS,
  type HealthDf,
  type HealthWarningName,
} from '../../../protocol/cards/health.ts';
import { recordFileLength, type CardItem } from '../../../protocol/cards/items.ts';
import { SW } from '../../../protocol/iso7816/status-words.ts';
import { fromHex } from '../../iso7816/hex.ts';
import { CardError } from '../card-error.ts';
import type { CardChannel } from '../channel.ts';
import { withTransaction } from '../channel.ts';
import { NationalCode } from '../national-codes.ts';
import type { Psam } from '../psam/psam.ts';
import { command, transceive } from '../transceive.ts';
import { unlockHealthDf } from './health-auth.ts';
import { an, b, cn, parseHealthRecords, type Records } from './items.ts';

export interface HealthIssuerData {
  /** 01 卡类别. */ cardType: string;
  /** 02 规范版本. */ specVersion: string;
  /** 03 发卡机构名称. */ issuerName: string;
  /** 04 发卡机构代码 (cn11). */ issuerCode: string;
  /** 06 发卡时间 YYYYMMDD. */ issueDate: string;
  /** 08 卡号 (= ID-card number). */ cardNumber: string;
  /** 09 安全码. */ securityCode: string;
  /** 0A 芯片序列号. */ chipSerial: string;
  /** 39 应用城市代码 (6 digits). */ cityCode: string;
}

export interface HealthHolderData {
  /** 0B 姓名. */ name: string;
  /** 0C 性别 (b1): '01' male, '02' female. */ sex: string;
  /** 0D 民族 (GB 3304). */ ethnicity: string;
  /** 0E 出生日期 YYYYMMDD. */ birthDate: string;
  /** 0F 居民身份证号. */ idNumber: string;
  /** EF08 07 卡有效期 YYYYMMDD. */ expiryDate: string;
  /** EF08 10, 11 本人电话. */ phone1: string;
  phone2: string;
  /** EF08 12, 13, 14 医疗费用支付方式 ('' when unset). */ paymentMethods: [string, string, string];
}

export interface HealthContact {
  name: string;
  /** Relation code (cn1), '' when unset. */
  relation: string;
  phone: string;
}

export interface HealthAddress {
  /** Address type (cn1), '' when unset. */
  type: string;
  address: string;
}

export interface HealthClinicalSummary {
  /** 29 ABO血型 (b1) with its WS 364 label. */
  abo: { code: string; label: string };
  /** 2A RH血型 (cn1) with its WS 364 label. */
  rh: { code: string; label: string };
  /** 2B … 36, 38: true when the flag is 01. */
  warnings: Record<HealthWarningName, boolean>;
  /** 37 其他医学警示. */
  otherWarnings: string;
}

export interface HealthCardData {
  issuer: HealthIssuerData;
  holder: HealthHolderData;
  /** Only the contacts that are set (name or phone present), in card order. */
  contacts?: HealthContact[];
  addresses?: HealthAddress[];
  clinical?: HealthClinicalSummary;
}

export interface HealthReadOptions {
  psam?: Psam;
  /** What to read beyond issuer and holder data (each needs one more DF and authentication). */
  include?: { contacts?: boolean; addresses?: boolean; clinical?: boolean };
  random?: (n: number) => Uint8Array;
}

/** DDF1/EF05 items but the certificate (record 5), which nothing here reads. */
const EF05_ITEMS = Object.values(HEALTH_DDF1_EF05).filter(
  (item) => item !== HEALTH_DDF1_EF05.certificate,
);
/** The items after the certificate: 06 08 09 0A 39 (records 6 … last). */
const EF05_TAIL = [
  HEALTH_DDF1_EF05.issueDate,
  HEALTH_DDF1_EF05.cardNumber,
  HEALTH_DDF1_EF05.securityCode,
  HEALTH_DDF1_EF05.chipSerial,
  HEALTH_DDF1_EF05.cityCode,
];
const EF05_TAIL_FIRST_RECORD = 6;
const DDF1 = fromHex('DDF1');

export async function readHealthCard(
  card: CardChannel,
  options: HealthReadOptions = {},
): Promise<HealthCardData> {
  const include = { contacts: true, addresses: false, clinical: true, ...options.include };
  const random = options.random ?? ((n: number) => new Uint8Array(randomBytes(n)));
  const { psam } = options;
  const run = async (): Promise<HealthCardData> => {
    try {
      await select(card, DDF1, 'DDF1');
    } catch (e) {
      if (e instanceof CardError && e.details.sw === SW.FILE_NOT_FOUND)
        throw new CardError(
          NationalCode.WRONG_CARD_TYPE,
          'SELECT DDF1: no DDF1; not a resident health card',
          { ...e.details, cause: e },
        );
      throw e;
    }
    const ef05 = await readEf05(card);
    const issuer = issuerData(ef05);
    const city = ef05.get(HEALTH_DDF1_EF05.cityCode.tag)!;
    const unlock = (df: HealthDf): Promise<void> => unlockHealthDf(card, psam, df, city, random);

    await unlock('DDF1');
    const holderRecords = parseHealthRecords(
      await readAll(card, 6, recordFileLength(HEALTH_DDF1_EF06), 'DDF1/EF06'),
      'DDF1/EF06',
    );
    parseHealthRecords(
      await readAll(card, 8, recordFileLength(HEALTH_DDF1_EF08), 'DDF1/EF08'),
      'DDF1/EF08',
      holderRecords,
    );
    const data: HealthCardData = { issuer, holder: holderData(holderRecords) };

    if (include.contacts || include.addresses) {
      await select(card, fromHex('DF01'), 'DF01');
      await unlock('DF01');
      if (include.addresses)
        data.addresses = addresses(
          parseHealthRecords(
            await readAll(card, 5, recordFileLength(HEALTH_DF01_EF05), 'DF01/EF05'),
            'DF01/EF05',
          ),
        );
      if (include.contacts)
        data.contacts = contacts(
          parseHealthRecords(
            await readAll(card, 6, recordFileLength(HEALTH_DF01_EF06), 'DF01/EF06'),
            'DF01/EF06',
          ),
        );
    }
    if (include.clinical) {
      await select(card, fromHex('DF02'), 'DF02');
      await unlock('DF02');
      const r = parseHealthRecords(
        await readAll(card, 5, recordFileLength(HEALTH_DF02_EF05), 'DF02/EF05'),
        'DF02/EF05',
      );
      parseHealthRecords(
        await readAll(card, 6, recordFileLength(HEALTH_DF02_EF06), 'DF02/EF06'),
        'DF02/EF06',
        r,
      );
      data.clinical = clinical(r);
    }
    return data;
  };
  return withTransaction(card, () => (psam ? withTransaction(psam.channel, run) : run()));
}

/** SELECT by FID (`00 A4 00 00 02 DDF1`, §3): a child, the parent or a sibling of the current DF. */
async function select(card: CardChannel, fid: Uint8Array, name: string): Promise<void> {
  await command(
    card,
    { cla: 0, ins: 0xa4, p1: 0x00, p2: 0x00, data: fid },
    { label: `SELECT ${name}` },
  );
}

/** Records 1 … last of the EF with this SFI, in one command. */
function readAll(card: CardChannel, sfi: number, ne: number, name: string): Promise<Uint8Array> {
  return command(
    card,
    { cla: 0, ins: 0xb2, p1: 1, p2: (sfi << 3) | 0b101, ne },
    { label: `READ RECORD ${name}` },
  );
}

/**
 * DDF1/EF05 does not fit one short READ RECORD (the 180-byte certificate). Records 6 … last in one
 * command, then each item still missing by its identifier (P2 b3..b1 = 000), so a card with another
 * record order is read correctly, only with more commands.
 */
async function readEf05(card: CardChannel): Promise<Records> {
  const records: Records = new Map();
  const tail = await transceive(
    card,
    {
      cla: 0,
      ins: 0xb2,
      p1: EF05_TAIL_FIRST_RECORD,
      p2: (5 << 3) | 0b101,
      ne: recordFileLength(EF05_TAIL),
    },
    { label: 'READ RECORD DDF1/EF05' },
  );
  if (tail.sw === SW.OK) parseHealthRecords(tail.data, 'DDF1/EF05', records);
  for (const { tag, length } of EF05_ITEMS) {
    if (records.has(tag)) continue;
    const one = await command(
      card,
      { cla: 0, ins: 0xb2, p1: tag, p2: 5 << 3, ne: 2 + length },
      { label: `READ RECORD DDF1/EF05 ${tag.toString(16)}` },
    );
    parseHealthRecords(one, 'DDF1/EF05', records);
  }
  return records;
}

function issuerData(r: Records): HealthIssuerData {
  const f = 'DDF1/EF05';
  const i = HEALTH_DDF1_EF05;
  return {
    cardType: an(r, i.cardType.tag, f),
    specVersion: an(r, i.specVersion.tag, f),
    issuerName: an(r, i.issuerName.tag, f),
    issuerCode: cn(r, i.issuerCode.tag, f),
    issueDate: cn(r, i.issueDate.tag, f),
    cardNumber: an(r, i.cardNumber.tag, f),
    securityCode: an(r, i.securityCode.tag, f),
    chipSerial: an(r, i.chipSerial.tag, f),
    cityCode: cn(r, i.cityCode.tag, f),
  };
}

function holderData(r: Records): HealthHolderData {
  const f = 'DDF1/EF06';
  const g = 'DDF1/EF08';
  const i = HEALTH_DDF1_EF06;
  const j = HEALTH_DDF1_EF08;
  return {
    name: an(r, i.name.tag, f),
    sex: b(r, i.sex.tag, f),
    ethnicity: cn(r, i.ethnicity.tag, f),
    birthDate: cn(r, i.birthDate.tag, f),
    idNumber: an(r, i.idNumber.tag, f),
    expiryDate: cn(r, j.expiryDate.tag, g),
    phone1: an(r, j.phone1.tag, g),
    phone2: an(r, j.phone2.tag, g),
    paymentMethods: [cn(r, j.payment1.tag, g), cn(r, j.payment2.tag, g), cn(r, j.payment3.tag, g)],
  };
}

function contacts(r: Records): HealthContact[] {
  const f = 'DF01/EF06';
  const i = HEALTH_DF01_EF06;
  const out: HealthContact[] = [];
  for (const [name, relation, phone] of [
    [i.contact1Name, i.contact1Relation, i.contact1Phone],
    [i.contact2Name, i.contact2Relation, i.contact2Phone],
    [i.contact3Name, i.contact3Relation, i.contact3Phone],
  ]) {
    const c = {
      name: an(r, name.tag, f),
      relation: cn(r, relation.tag, f),
      phone: an(r, phone.tag, f),
    };
    if (c.name || c.phone) out.push(c);
  }
  return out;
}

function addresses(r: Records): HealthAddress[] {
  const f = 'DF01/EF05';
  const i = HEALTH_DF01_EF05;
  const out: HealthAddress[] = [];
  for (const [type, address] of [
    [i.addressType1, i.address1],
    [i.addressType2, i.address2],
  ]) {
    const a = { type: cn(r, type.tag, f), address: an(r, address.tag, f) };
    if (a.address) out.push(a);
  }
  return out;
}

function clinical(r: Records): HealthClinicalSummary {
  const f = 'DF02/EF05';
  const abo = b(r, HEALTH_DF02_EF05.abo.tag, f);
  const rh = cn(r, HEALTH_DF02_EF05.rh.tag, f);
  const warnings = {} as Record<HealthWarningName, boolean>;
  for (const [name, item] of Object.entries(HEALTH_WARNING_FLAGS) as [
    HealthWarningName,
    CardItem,
  ][]) {
    // 01 = yes; 00 = no, and an unset flag (FF) is not a warning either.
    warnings[name] = b(r, item.tag, f) === '01';
  }
  return {
    abo: { code: abo, label: HEALTH_ABO_LABELS[abo] ?? 'unknown' },
    rh: { code: rh, label: HEALTH_RH_LABELS[rh] ?? 'unknown' },
    warnings,
    otherWarnings: an(r, HEALTH_DF02_EF06.otherWarnings.tag, 'DF02/EF06'),
  };
}
