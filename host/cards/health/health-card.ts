// Reading the resident health card (居民健康卡, kiosk-cards.md §3 [M]): issuer data (DDF1/EF05,
// free), holder data (DDF1/EF06 and EF08, behind the DDF1 read key), contacts (DF01/EF06) and the
// clinical summary (DF02: ABO and Rh blood type, medical warning flags, other warnings), each DF
// unlocked through the PSAM after it is selected. Whole files in one READ RECORD (P2 = 05) where
// they fit in 256 bytes; EF05, whose certificate makes it longer, in two ranges.
import { randomBytes } from 'node:crypto';
import { fromHex } from '../../iso7816/hex.ts';
import { CardError } from '../card-error.ts';
import type { CardChannel } from '../channel.ts';
import { withTransaction } from '../channel.ts';
import { NationalCode } from '../national-codes.ts';
import type { Psam } from '../psam/psam.ts';
import { command, transceive } from '../transceive.ts';
import { unlockHealthDf, type HealthDf } from './health-auth.ts';
import {
  ABO_LABELS,
  RH_LABELS,
  WARNING_TAGS,
  an,
  b,
  cn,
  parseHealthRecords,
  type Records,
  type WarningName,
} from './items.ts';

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
  warnings: Record<WarningName, boolean>;
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

const LENGTHS: Readonly<Record<number, number>> = {
  0x01: 1,
  0x02: 4,
  0x03: 30,
  0x04: 11,
  0x06: 4,
  0x08: 18,
  0x09: 3,
  0x0a: 10,
  0x39: 3,
  0x0b: 30,
  0x0c: 1,
  0x0d: 1,
  0x0e: 4,
  0x0f: 18,
  0x07: 4,
  0x10: 20,
  0x11: 20,
  0x12: 1,
  0x13: 1,
  0x14: 1,
  0x15: 1,
  0x16: 100,
  0x17: 1,
  0x18: 100,
  0x19: 30,
  0x1a: 1,
  0x1b: 20,
  0x1c: 30,
  0x1d: 1,
  0x1e: 20,
  0x1f: 30,
  0x20: 1,
  0x21: 20,
  0x29: 1,
  0x2a: 1,
  0x37: 40,
  ...Object.fromEntries(Object.values(WARNING_TAGS).map((t) => [t, 1])),
};
const len = (tags: number[]): number => tags.reduce((n, t) => n + 2 + LENGTHS[t], 0);

/** DDF1/EF05 after the certificate (record 5): 06 08 09 0A 39; before it: 01 02 03 04. */
const EF05_TAIL = [0x06, 0x08, 0x09, 0x0a, 0x39];
const EF05_HEAD = [0x01, 0x02, 0x03, 0x04];
const EF05_TAIL_FIRST_RECORD = 6;
const EF06_TAGS = [0x0b, 0x0c, 0x0d, 0x0e, 0x0f];
const EF08_TAGS = [0x07, 0x10, 0x11, 0x12, 0x13, 0x14];
const CONTACT_TAGS = [0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21];
const ADDRESS_TAGS = [0x15, 0x16, 0x17, 0x18];
const CLINICAL_FLAG_TAGS = [0x29, 0x2a, ...Object.values(WARNING_TAGS)];
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
      if (e instanceof CardError && e.details.sw === 0x6a82)
        throw new CardError(
          NationalCode.WRONG_CARD_TYPE,
          'SELECT DDF1: no DDF1; not a resident health card',
          { ...e.details, cause: e },
        );
      throw e;
    }
    const ef05 = await readEf05(card);
    const issuer = issuerData(ef05);
    const city = ef05.get(0x39)!;
    const unlock = (df: HealthDf): Promise<void> => unlockHealthDf(card, psam, df, city, random);

    await unlock('DDF1');
    const holderRecords = parseHealthRecords(
      await readAll(card, 6, len(EF06_TAGS), 'DDF1/EF06'),
      'DDF1/EF06',
    );
    parseHealthRecords(
      await readAll(card, 8, len(EF08_TAGS), 'DDF1/EF08'),
      'DDF1/EF08',
      holderRecords,
    );
    const data: HealthCardData = { issuer, holder: holderData(holderRecords) };

    if (include.contacts || include.addresses) {
      await select(card, fromHex('DF01'), 'DF01');
      await unlock('DF01');
      if (include.addresses)
        data.addresses = addresses(
          parseHealthRecords(await readAll(card, 5, len(ADDRESS_TAGS), 'DF01/EF05'), 'DF01/EF05'),
        );
      if (include.contacts)
        data.contacts = contacts(
          parseHealthRecords(await readAll(card, 6, len(CONTACT_TAGS), 'DF01/EF06'), 'DF01/EF06'),
        );
    }
    if (include.clinical) {
      await select(card, fromHex('DF02'), 'DF02');
      await unlock('DF02');
      const r = parseHealthRecords(
        await readAll(card, 5, len(CLINICAL_FLAG_TAGS), 'DF02/EF05'),
        'DF02/EF05',
      );
      parseHealthRecords(await readAll(card, 6, len([0x37]), 'DF02/EF06'), 'DF02/EF06', r);
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
    { cla: 0, ins: 0xb2, p1: EF05_TAIL_FIRST_RECORD, p2: (5 << 3) | 0b101, ne: len(EF05_TAIL) },
    { label: 'READ RECORD DDF1/EF05' },
  );
  if (tail.sw === 0x9000) parseHealthRecords(tail.data, 'DDF1/EF05', records);
  for (const tag of [...EF05_HEAD, ...EF05_TAIL]) {
    if (records.has(tag)) continue;
    const one = await command(
      card,
      { cla: 0, ins: 0xb2, p1: tag, p2: 5 << 3, ne: 2 + LENGTHS[tag] },
      { label: `READ RECORD DDF1/EF05 ${tag.toString(16)}` },
    );
    parseHealthRecords(one, 'DDF1/EF05', records);
  }
  return records;
}

function issuerData(r: Records): HealthIssuerData {
  const f = 'DDF1/EF05';
  return {
    cardType: an(r, 0x01, f),
    specVersion: an(r, 0x02, f),
    issuerName: an(r, 0x03, f),
    issuerCode: cn(r, 0x04, f),
    issueDate: cn(r, 0x06, f),
    cardNumber: an(r, 0x08, f),
    securityCode: an(r, 0x09, f),
    chipSerial: an(r, 0x0a, f),
    cityCode: cn(r, 0x39, f),
  };
}

function holderData(r: Records): HealthHolderData {
  const f = 'DDF1/EF06';
  const g = 'DDF1/EF08';
  return {
    name: an(r, 0x0b, f),
    sex: b(r, 0x0c, f),
    ethnicity: cn(r, 0x0d, f),
    birthDate: cn(r, 0x0e, f),
    idNumber: an(r, 0x0f, f),
    expiryDate: cn(r, 0x07, g),
    phone1: an(r, 0x10, g),
    phone2: an(r, 0x11, g),
    paymentMethods: [cn(r, 0x12, g), cn(r, 0x13, g), cn(r, 0x14, g)],
  };
}

function contacts(r: Records): HealthContact[] {
  const out: HealthContact[] = [];
  for (const base of [0x19, 0x1c, 0x1f]) {
    const c = {
      name: an(r, base, 'DF01/EF06'),
      relation: cn(r, base + 1, 'DF01/EF06'),
      phone: an(r, base + 2, 'DF01/EF06'),
    };
    if (c.name || c.phone) out.push(c);
  }
  return out;
}

function addresses(r: Records): HealthAddress[] {
  const out: HealthAddress[] = [];
  for (const base of [0x15, 0x17]) {
    const a = { type: cn(r, base, 'DF01/EF05'), address: an(r, base + 1, 'DF01/EF05') };
    if (a.address) out.push(a);
  }
  return out;
}

function clinical(r: Records): HealthClinicalSummary {
  const f = 'DF02/EF05';
  const abo = b(r, 0x29, f);
  const rh = cn(r, 0x2a, f);
  const warnings = {} as Record<WarningName, boolean>;
  for (const [name, tag] of Object.entries(WARNING_TAGS) as [WarningName, number][]) {
    // 01 = yes; 00 = no, and an unset flag (FF) is not a warning either.
    const v = b(r, tag, f);
    warnings[name] = v === '01';
  }
  return {
    abo: { code: abo, label: ABO_LABELS[abo] ?? 'unknown' },
    rh: { code: rh, label: RH_LABELS[rh] ?? 'unknown' },
    warnings,
    otherWarnings: an(r, 0x37, 'DF02/EF06'),
  };
}
