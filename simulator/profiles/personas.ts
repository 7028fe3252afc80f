// Test card holders. SYNTHETIC DATA ONLY: names, numbers and PINs are made up for tests (the
// 社会保障号码 carry valid GB 11643 check characters, the PANs valid Luhn digits). End-to-end
// tests compare the driver's output with these fields exactly. Items are as the card stores them
// (kiosk-cards.md §1.3): dates YYYYMMDD, codes as digit strings, names as Unicode text that the
// loader encodes in GBK. PINs are test data; they appear here and in --list-cards, nowhere else.

import type { PersonaBase } from './profile-schema.ts';

export interface BankData {
  /** 5A, PAN (BCD, F-padded). */
  pan: string;
  /** 57, Track 2 equivalent data, hex digits (PAN D YYMM service code discretionary [F]). */
  track2: string;
  /** 5F20, cardholder name (an). */
  holder: string;
  /** 5F24 expiry, 5F25 effective date, YYMMDD. */
  expiry: string;
  effective: string;
  /** 5F34, PAN sequence number. */
  psn: string;
}

/** A social security card holder (SSSE EF05/EF06 items, kiosk-cards.md §1.3). */
export interface SscPersona extends PersonaBase {
  /** 持卡人 PIN (test data). */
  pin: string;
  pinTriesLeft: number;
  /** EF05 01 卡识别码, 32 hex digits: region ‖ D156000005 ‖ serial ‖ authentication code. */
  cardId: string;
  /** EF05 02 卡的类别. */
  cardCategory: string;
  /** EF05 03 规范版本 (an4, 00-padded: "2.0" → 32 2E 30 00). */
  specVersion: string;
  /** EF05 04 初始化机构编号 (24 hex digits). */
  initOrg: string;
  /** EF05 05 发卡日期, 06 卡有效期. */
  issueDate: string;
  expiryDate: string;
  /** EF05 07 卡号 (9 characters; the check character is not always right, §6 item 7). */
  cardNo: string;
  /** EF06 08 社会保障号码. */
  ssn: string;
  /** EF06 09 姓名 + 4E 姓名扩展 (GBK; more than 30 bytes continue in 4E). */
  name: string;
  /** EF06 0A 性别: 1 male, 2 female. */
  sex: string;
  /** EF06 0B 民族 (GB 3304, two digits; "" = unset, FF). */
  ethnicity: string;
  /** EF06 0C 出生地 (GB/T 2260; "" = unset, FFFFFF). */
  birthplace: string;
  /** EF06 0D 出生日期. */
  birthDate: string;
  /** Record tags this card does not have (an older card without 4E). */
  omitTags: string[];
  /** DF01 items (our test layout, see ssc-profiles.ts). */
  nationality: string;
  householdAddress: string;
  /** DF04 医保个人编号 (our test layout). */
  medicalInsuranceNo: string;
  bank: BankData;
}

export interface HealthPersona extends PersonaBase {
  /** DDF1/EF05 (kiosk-cards.md §3). */
  cardType: string;
  specVersion: string;
  issuerName: string;
  issuerCode: string;
  issueDate: string;
  /** 08 卡号 (= ID-card number). */
  cardNo: string;
  securityCode: string;
  chipSerial: string;
  /** 39 应用城市代码 (6 digits; its first 2 bytes are the key factor, KEYS.md §3). */
  cityCode: string;
  /** DDF1/EF06. 0C 性别 is b1: 01 male, 02 female. */
  name: string;
  sex: string;
  ethnicity: string;
  birthDate: string;
  idNumber: string;
  /** DDF1/EF08. */
  expiryDate: string;
  phone1: string;
  phone2: string;
  payment1: string;
  payment2: string;
  payment3: string;
  /** DF01 (our placement; UNCONFIRMED in the sources). */
  addressType1: string;
  address1: string;
  addressType2: string;
  address2: string;
  contact1Name: string;
  contact1Relation: string;
  contact1Phone: string;
  contact2Name: string;
  contact2Relation: string;
  contact2Phone: string;
  contact3Name: string;
  contact3Relation: string;
  contact3Phone: string;
  education: string;
  marriage: string;
  occupation: string;
  documentType: string;
  documentNo: string;
  healthRecordNo: string;
  ncmsNo: string;
  /** DF02 clinical data. ABO (b1, our test coding): 01 A, 02 B, 03 O, 04 AB, 05 unknown. */
  abo: string;
  /** RH (cn1, our test coding): 1 negative, 2 positive, 3 unknown. */
  rh: string;
  /** 2B…36 and 38, in tag order: 00 no, 01 yes. */
  warningFlags: {
    asthma: string;
    heartDisease: string;
    cardiovascular: string;
    epilepsy: string;
    coagulation: string;
    diabetes: string;
    glaucoma: string;
    dialysis: string;
    transplant: string;
    organMissing: string;
    prosthesis: string;
    pacemaker: string;
    psychiatric: string;
  };
  otherWarnings: string;
}

export interface PsamPersona extends PersonaBase {
  /** EF0016 终端机编号, 12 digits (the first 6 = city code). */
  terminalNumber: string;
  /** EF0015: issuer id (b1) ‖ PSAM serial (cn10, 20 digits) ‖ version (b1) ‖ key-card type (b1) ‖ FCI (b2). */
  issuerId: string;
  serial: string;
  version: string;
  keyCardType: string;
  fci: string;
  /** EF0019 terminal transaction counter (b4). */
  transactionCounter: string;
  /** Algorithms with keys (psam:no-sm4 lacks SM4 → 6A81). */
  algorithms: ('3DES' | 'SM4')[];
  /** Keys the PSAM lacks (psam:no-rksssse → 6A88). */
  missingKeys: string[];
}

const NO_WARNINGS = {
  asthma: '00',
  heartDisease: '00',
  cardiovascular: '00',
  epilepsy: '00',
  coagulation: '00',
  diabetes: '00',
  glaucoma: '00',
  dialysis: '00',
  transplant: '00',
  organMissing: '00',
  prosthesis: '00',
  pacemaker: '00',
  psychiatric: '00',
} as const;

/** 3rd-generation cards (ssc3, ssc3-t1): SM4. */
export const SSC3_PERSONAS: readonly SscPersona[] = [
  {
    id: 'li-na',
    label: '李娜, female, Han, Shenzhen (default)',
    historicalBytes: '00814A4446866044033A01C7F2',
    pin: '123456',
    pinTriesLeft: 3,
    cardId: '440305D1560000053A01C7F25E8B9D14',
    cardCategory: '3',
    specVersion: '3.00',
    initOrg: '915600000244030044030501',
    issueDate: '20210315',
    expiryDate: '20310315',
    cardNo: 'B38012656',
    ssn: '440305198803122025',
    name: '李娜',
    sex: '2',
    ethnicity: '01',
    birthplace: '440305',
    birthDate: '19880312',
    omitTags: [],
    nationality: 'CHN',
    householdAddress: '广东省深圳市南山区科技园路1号',
    medicalInsuranceNo: '44030519880312202501',
    bank: {
      pan: '6228480012345678903',
      track2: '6228480012345678903D31032200000000000F',
      holder: 'LI/NA',
      expiry: '310331',
      effective: '210315',
      psn: '01',
    },
  },
  {
    id: 'wang-zhe',
    label: '王喆 (喆: GBK, not GB2312), male, Han, Chengdu',
    historicalBytes: '00814A4446866051017C2291A0',
    pin: '654321',
    pinTriesLeft: 3,
    cardId: '510107D1560000057C2291A0FFFFFFFF',
    cardCategory: '3',
    specVersion: '3.00',
    initOrg: '915600000251010051010702',
    issueDate: '20190620',
    expiryDate: '20290620',
    cardNo: 'E77421091',
    ssn: '510107197511083517',
    name: '王喆',
    sex: '1',
    ethnicity: '01',
    birthplace: '510107',
    birthDate: '19751108',
    omitTags: [],
    nationality: 'CHN',
    householdAddress: '四川省成都市武侯区人民南路四段9号',
    medicalInsuranceNo: '51010719751108351701',
    bank: {
      pan: '6217001234009876549',
      track2: '6217001234009876549D29062200000000000F',
      holder: 'WANG/ZHE',
      expiry: '290630',
      effective: '190620',
      psn: '01',
    },
  },
  {
    id: 'ayguli',
    label: '阿依古丽·买买提吐尔逊·阿卜杜热合曼, female, Uyghur, Urumqi (name needs 4E 姓名扩展)',
    historicalBytes: '00814A44468660650191D40B3C',
    pin: '112233',
    pinTriesLeft: 3,
    cardId: '650102D15600000591D40B3C27AE6C01',
    cardCategory: '3',
    specVersion: '3.00',
    initOrg: '915600000265010065010201',
    issueDate: '20220901',
    expiryDate: '20320901',
    cardNo: 'J55218769',
    ssn: '650102199207054621',
    name: '阿依古丽·买买提吐尔逊·阿卜杜热合曼',
    sex: '2',
    ethnicity: '05',
    birthplace: '650102',
    birthDate: '19920705',
    omitTags: [],
    nationality: 'CHN',
    householdAddress: '新疆维吾尔自治区乌鲁木齐市天山区解放北路5号',
    medicalInsuranceNo: '65010219920705462101',
    bank: {
      pan: '6230520000111222335',
      track2: '6230520000111222335D32092200000000000F',
      holder: 'AYGULI',
      expiry: '320930',
      effective: '220901',
      psn: '00',
    },
  },
  {
    id: 'ma-xiaoyan',
    label: '马晓燕, female, Hui, Yinchuan (PIN blocked)',
    historicalBytes: '00814A44468660640155B7E029',
    pin: '246810',
    pinTriesLeft: 0,
    cardId: '640104D15600000555B7E029A3C4D5E6',
    cardCategory: '3',
    specVersion: '3.00',
    initOrg: '915600000264010064010401',
    issueDate: '20200110',
    expiryDate: '20300110',
    cardNo: 'N22044175',
    ssn: '64010419850930264X',
    name: '马晓燕',
    sex: '2',
    ethnicity: '03',
    birthplace: '640104',
    birthDate: '19850930',
    omitTags: [],
    nationality: 'CHN',
    householdAddress: '宁夏回族自治区银川市兴庆区解放东街2号',
    medicalInsuranceNo: '64010419850930264X01',
    bank: {
      pan: '6212264003004111225',
      track2: '6212264003004111225D30012200000000000F',
      holder: 'MA/XIAOYAN',
      expiry: '300131',
      effective: '200110',
      psn: '01',
    },
  },
  {
    id: 'tashi',
    label: '扎西顿珠, male, Tibetan, Lhasa (出生地 unset)',
    historicalBytes: '00814A4446866054012F8810C4',
    pin: '135790',
    pinTriesLeft: 3,
    cardId: '540102D1560000052F8810C4FFFFFFFF',
    cardCategory: '3',
    specVersion: '3.00',
    initOrg: '915600000254010054010201',
    issueDate: '20230405',
    expiryDate: '20330405',
    cardNo: 'T66019282',
    ssn: '540102199001013570',
    name: '扎西顿珠',
    sex: '1',
    ethnicity: '04',
    birthplace: '',
    birthDate: '19900101',
    omitTags: [],
    nationality: 'CHN',
    householdAddress: '西藏自治区拉萨市城关区北京中路3号',
    medicalInsuranceNo: '54010219900101357001',
    bank: {
      pan: '6222021000200300407',
      track2: '6222021000200300407D33042200000000000F',
      holder: 'TASHI/DONDRUB',
      expiry: '330430',
      effective: '230405',
      psn: '01',
    },
  },
];

/** 2nd-generation cards (ssc2): 3DES, EF06 free to read. */
export const SSC2_PERSONAS: readonly SscPersona[] = [
  {
    id: 'chen-jing',
    label: '陈静, female, Han, Beijing (default)',
    historicalBytes: '008C544CB3868411016E14A2D3',
    pin: '888888',
    pinTriesLeft: 3,
    cardId: '110105D1560000056E14A2D348FB4966',
    cardCategory: '3',
    specVersion: '2.0',
    initOrg: '915600000211010011010501',
    issueDate: '20160510',
    expiryDate: '20260510',
    cardNo: 'C11900431',
    ssn: '110105197001012340',
    name: '陈静',
    sex: '2',
    ethnicity: '01',
    birthplace: '110105',
    birthDate: '19700101',
    omitTags: [],
    nationality: 'CHN',
    householdAddress: '北京市朝阳区建国路88号',
    medicalInsuranceNo: '11010519700101234001',
    bank: {
      pan: '6228480012345678903',
      track2: '6228480012345678903D26052200000000000F',
      holder: 'CHEN/JING',
      expiry: '260531',
      effective: '160510',
      psn: '01',
    },
  },
  {
    id: 'liu-yun',
    label: '刘赟 (赟: GBK, not GB2312), male, Zhuang, Nanning (older card: spec 1.00, no 4E)',
    historicalBytes: '008C544CB3868445011A2B3C4D',
    pin: '000000',
    pinTriesLeft: 3,
    cardId: '450102D1560000051A2B3C4DFFFFFFFF',
    cardCategory: '4',
    specVersion: '1.00',
    initOrg: '915600000245010045010201',
    issueDate: '20150101',
    expiryDate: '20300101',
    cardNo: 'K03088170',
    ssn: '450102195511203577',
    name: '刘赟',
    sex: '1',
    ethnicity: '08',
    birthplace: '450102',
    birthDate: '19551120',
    omitTags: ['4E'],
    nationality: 'CHN',
    householdAddress: '广西壮族自治区南宁市兴宁区民生路6号',
    medicalInsuranceNo: '45010219551120357701',
    bank: {
      pan: '6217001234009876549',
      track2: '6217001234009876549D30012200000000000F',
      holder: 'LIU/YUN',
      expiry: '300131',
      effective: '150101',
      psn: '01',
    },
  },
  {
    id: 'zhao-kun',
    label:
      '赵堃 (堃: GBK, not GB2312), male, Manchu, Shenyang (expired 2023; 卡号 fails the check rule)',
    historicalBytes: '008C544CB3868421010C55E172',
    pin: '121212',
    pinTriesLeft: 3,
    cardId: '210102D1560000050C55E172FFFFFFFF',
    cardCategory: '3',
    specVersion: '2.0',
    initOrg: '915600000221010021010201',
    issueDate: '20130601',
    expiryDate: '20230601',
    cardNo: 'A09100343',
    ssn: '210102196002141531',
    name: '赵堃',
    sex: '1',
    ethnicity: '11',
    birthplace: '210102',
    birthDate: '19600214',
    omitTags: [],
    nationality: 'CHN',
    householdAddress: '辽宁省沈阳市和平区南京北街7号',
    medicalInsuranceNo: '21010219600214153101',
    bank: {
      pan: '6230520000111222335',
      track2: '6230520000111222335D23062200000000000F',
      holder: 'ZHAO/KUN',
      expiry: '230630',
      effective: '130601',
      psn: '01',
    },
  },
  {
    id: 'jin-meilan',
    label: '金美兰, female, Korean, Hangzhou (region 33: the other §1.8 factor form)',
    historicalBytes: '008C544CB38684330177D0E1F2',
    pin: '314159',
    pinTriesLeft: 3,
    cardId: '330106D15600000577D0E1F2FFFFFFFF',
    cardCategory: '3',
    specVersion: '2.0',
    initOrg: '915600000233010033010601',
    issueDate: '20180403',
    expiryDate: '20280403',
    cardNo: 'D55102762',
    ssn: '330106198304192686',
    name: '金美兰',
    sex: '2',
    ethnicity: '10',
    birthplace: '330106',
    birthDate: '19830419',
    omitTags: [],
    nationality: 'CHN',
    householdAddress: '浙江省杭州市西湖区文三路20号',
    medicalInsuranceNo: '33010619830419268601',
    bank: {
      pan: '6222021000200300407',
      track2: '6222021000200300407D28042200000000000F',
      holder: 'JIN/MEILAN',
      expiry: '280430',
      effective: '180403',
      psn: '01',
    },
  },
];

export const HEALTH_PERSONAS: readonly HealthPersona[] = [
  {
    id: 'zhou-xiaomei',
    label: '周晓梅, female, Han, Nanjing, blood A Rh+ (default)',
    historicalBytes: '008648430320A1B2C34C5A0101',
    cardType: '1',
    specVersion: '1.00',
    issuerName: '南京市卫生健康委员会',
    issuerCode: '3201060000000000000001',
    issueDate: '20200815',
    cardNo: '320106199102140629',
    securityCode: '372',
    chipSerial: 'A1B2C3D4E5',
    cityCode: '320100',
    name: '周晓梅',
    sex: '02',
    ethnicity: '01',
    birthDate: '19910214',
    idNumber: '320106199102140629',
    expiryDate: '20300815',
    phone1: '13812345678',
    phone2: '02584561234',
    payment1: '01',
    payment2: '03',
    payment3: 'FF',
    addressType1: '01',
    address1: '江苏省南京市鼓楼区中山路100号',
    addressType2: '02',
    address2: '江苏省南京市玄武区北京东路1号',
    contact1Name: '周建国',
    contact1Relation: '01',
    contact1Phone: '13900001111',
    contact2Name: '',
    contact2Relation: 'FF',
    contact2Phone: '',
    contact3Name: '',
    contact3Relation: 'FF',
    contact3Phone: '',
    education: '20',
    marriage: '20',
    occupation: '402',
    documentType: '01',
    documentNo: '320106199102140629',
    healthRecordNo: '32010600000012345',
    ncmsNo: '',
    abo: '01',
    rh: '2',
    warningFlags: { ...NO_WARNINGS, asthma: '01' },
    otherWarnings: '青霉素过敏',
  },
  {
    id: 'he-jun',
    label: '贺珺, male, Buyei, Guiyang, blood O Rh−, pacemaker and diabetes flags',
    historicalBytes: '008648430352F1E2D34C5A0102',
    cardType: '1',
    specVersion: '1.00',
    issuerName: '贵阳市卫生健康委员会',
    issuerCode: '5201020000000000000002',
    issueDate: '20190302',
    cardNo: '520102197805031210',
    securityCode: '815',
    chipSerial: 'F1E2D3C4B5',
    cityCode: '520100',
    name: '贺珺',
    sex: '01',
    ethnicity: '09',
    birthDate: '19780503',
    idNumber: '520102197805031210',
    expiryDate: '20290302',
    phone1: '13698765432',
    phone2: '',
    payment1: '02',
    payment2: 'FF',
    payment3: 'FF',
    addressType1: '01',
    address1: '贵州省贵阳市南明区花果园大街8号',
    addressType2: 'FF',
    address2: '',
    contact1Name: '周晓梅',
    contact1Relation: '10',
    contact1Phone: '13812345678',
    contact2Name: '周建国',
    contact2Relation: '90',
    contact2Phone: '13900001111',
    contact3Name: '',
    contact3Relation: 'FF',
    contact3Phone: '',
    education: '30',
    marriage: '20',
    occupation: '601',
    documentType: '01',
    documentNo: '520102197805031210',
    healthRecordNo: '52010200000067890',
    ncmsNo: '520102197805031210',
    abo: '03',
    rh: '1',
    warningFlags: { ...NO_WARNINGS, diabetes: '01', pacemaker: '01' },
    otherWarnings: '',
  },
];

export const PSAM_PERSONAS: readonly PsamPersona[] = [
  {
    id: 'default',
    label: 'SM4 and 3DES, every key (default)',
    historicalBytes: '00815053414D440305000001',
    terminalNumber: '440305000001',
    issuerId: '01',
    serial: '44030500000000000001',
    version: '01',
    keyCardType: '01',
    fci: '0000',
    transactionCounter: '00000000',
    algorithms: ['3DES', 'SM4'],
    missingKeys: [],
  },
  {
    id: 'no-sm4',
    label: 'no SM4 keys: DELIVERY SESSION KEY with algorithm 03 → 6A81 (driver: -2202)',
    historicalBytes: '00815053414D440305000002',
    terminalNumber: '440305000002',
    issuerId: '01',
    serial: '44030500000000000002',
    version: '01',
    keyCardType: '01',
    fci: '0000',
    transactionCounter: '00000000',
    algorithms: ['3DES'],
    missingKeys: [],
  },
  {
    id: 'no-rksssse',
    label: 'no RKSSSE key: DELIVERY SESSION KEY with key 0A → 6A88 (driver: -2203)',
    historicalBytes: '00815053414D440305000003',
    terminalNumber: '440305000003',
    issuerId: '01',
    serial: '44030500000000000003',
    version: '01',
    keyCardType: '01',
    fci: '0000',
    transactionCounter: '00000000',
    algorithms: ['3DES', 'SM4'],
    missingKeys: ['RKSSSE'],
  },
];
