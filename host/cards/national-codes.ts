// Error codes of the national reader interface, S7 table A.1 (kiosk-cards.md §2.6), and the
// rule that turns a card status word into a code: −(SW1·256 + SW2).
import { swTriesLeftOf } from '../../protocol/iso7816/status-words.ts';

export interface NationalCodeText {
  /** The S7 text, GBK-safe, as the national DLL puts it in pOutInfo. */
  zh: string;
  en: string;
}

/** Named codes from table A.1. */
export const NationalCode = {
  WRONG_CARD_TYPE: -1,
  NO_CARD: -2,
  CARD_NOT_POWERED: -3,
  CARD_NO_ANSWER: -4,
  LIBRARY_LOAD: -5,
  READER_CONNECTION: -11,
  NOT_CONNECTED: -12,
  UNSUPPORTED_COMMAND: -13,
  BAD_PARAMETERS: -14,
  CHECKSUM: -15,
  BAD_CARD_ID_FORMAT: -20,
  INTERNAL_AUTH_FAILED: -21,
  DATA_MISMATCH: -22,
  INVALID_DATA: -23,
  PSAM_KEY_LEVEL: -24,
  INTERNAL_AUTH_HSM_MISMATCH: -25,
  PIN_CANCELLED: -31,
  PIN_TIMEOUT: -32,
  PIN_LENGTH: -33,
  PIN_MISMATCH: -34,
  INITIAL_PIN_NOT_ALLOWED: -35,
  CANNOT_SET_INITIAL_PIN: -36,
  ILLEGAL_CHARACTER: -41,
  WRONG_DATA_LENGTH: -42,
  PIN_WRONG: -51,
  PIN_BLOCKED: -52,
  NO_PSAM: -2201,
  PSAM_NO_ALGORITHM: -2202,
  PSAM_NO_RKSSSE: -2203,
  HSM_NOT_NEEDED: -2204,
} as const;
export type NamedNationalCode = (typeof NationalCode)[keyof typeof NationalCode];

const NAMED: ReadonlyMap<number, NationalCodeText> = new Map([
  [-1, { zh: '卡类型不对', en: 'wrong card type' }],
  [-2, { zh: '无卡', en: 'no card' }],
  [-3, { zh: '有卡未上电', en: 'card present, not powered' }],
  [-4, { zh: '卡无应答', en: 'card does not answer' }],
  [-5, { zh: '加载动态库错', en: 'failed to load the library' }],
  [-11, { zh: '读卡器连接错', en: 'reader connection error' }],
  [-12, { zh: '未建立连接', en: 'no connection established' }],
  [-13, { zh: '不支持该命令', en: 'command not supported' }],
  [-14, { zh: '命令参数错', en: 'bad command parameters' }],
  [-15, { zh: '信息校验和出错', en: 'checksum error' }],
  [-20, { zh: '卡识别码格式错', en: 'bad card identifier format' }],
  [
    -21,
    { zh: '内部认证失败(用户卡不合法)', en: 'internal authentication failed (card not genuine)' },
  ],
  [-22, { zh: '传入数据与卡内不符', en: 'input data does not match the card' }],
  [-23, { zh: '传入数据不合法', en: 'invalid input data' }],
  [-24, { zh: 'PSAM卡密钥级别不够', en: 'PSAM key level too low' }],
  [-25, { zh: '内部认证与加密机不一致', en: 'internal authentication differs from the HSM' }],
  [-31, { zh: '用户取消密码输入', en: 'PIN entry cancelled' }],
  [-32, { zh: '密码输入操作超时', en: 'PIN entry timed out' }],
  [-33, { zh: '输入密码长度错', en: 'wrong PIN length' }],
  [-34, { zh: '两次输入密码不一致', en: 'the two new-PIN entries differ' }],
  [-35, { zh: '初始密码不能交易', en: 'the initial PIN cannot be used for transactions' }],
  [-36, { zh: '不能改为初始密码', en: 'cannot change to the initial PIN' }],
  [-41, { zh: '运算数据含非法字符', en: 'illegal character in the data' }],
  [-42, { zh: '运算数据长度错', en: 'wrong data length' }],
  [-51, { zh: 'PIN校验失败', en: 'PIN wrong' }],
  [-52, { zh: 'PIN锁定', en: 'PIN blocked' }],
  [-2201, { zh: '无PSAM卡', en: 'no PSAM' }],
  [-2202, { zh: 'PSAM卡算法不支持', en: 'the PSAM lacks the algorithm' }],
  [-2203, { zh: 'PSAM卡内没有RKSSSE密钥', en: 'no RKSSSE key in the PSAM' }],
  [-2204, { zh: '不需要加密机认证', en: 'HSM authentication not needed' }],
]);

/** Status words with their own line in table A.1 (the code is still −SW). */
const STATUS_WORDS: ReadonlyMap<number, NationalCodeText> = new Map([
  [0x6700, { zh: 'Lc/Le不正确', en: 'Lc/Le wrong' }],
  [0x6901, { zh: '命令不接受(无效状态)', en: 'command not accepted (invalid state)' }],
  [
    0x6981,
    {
      zh: '命令与文件结构不相符、当前文件非所需文件',
      en: 'command incompatible with the file structure',
    },
  ],
  [0x6982, { zh: '不满足安全条件', en: 'security condition not satisfied' }],
  [0x6983, { zh: '密钥锁定(算法锁定)鉴别方法锁定', en: 'key or authentication method locked' }],
  [0x6984, { zh: '引用数据无效、随机数无效', en: 'referenced data or random invalid' }],
  [
    0x6985,
    {
      zh: '不满足使用条件、应用被锁定、应用未选择、余额上溢',
      en: 'conditions of use not satisfied',
    },
  ],
  [0x6988, { zh: '安全报文数据项不正确、MAC不正确', en: 'secure-messaging object or MAC wrong' }],
  [0x6a80, { zh: '数据域参数不正确', en: 'wrong data field' }],
  [
    0x6a81,
    { zh: '不支持该功能、卡中无MF、卡被锁定、应用锁定', en: 'function not supported or locked' },
  ],
  [0x6a82, { zh: '未找到文件、文件标识相重、SFI不正确', en: 'file not found' }],
  [0x6a83, { zh: '未找到记录', en: 'record not found' }],
  [0x6a88, { zh: '未找到引用数据、未找到密钥', en: 'referenced data or key not found' }],
  [0x9302, { zh: 'MAC无效', en: 'MAC invalid' }],
  [0x9303, { zh: '应用已被永久锁定、卡片锁定', en: 'application permanently blocked' }],
  [0x9403, { zh: 'PSAM卡不支持消费交易', en: 'PSAM does not support purchase' }],
  [0x9406, { zh: '所需MAC(或/和TAC)不可用', en: 'required MAC/TAC not available' }],
]);

/** The rule of §2.6: a card status word becomes −(SW1·256 + SW2). 6A82 → −27266. */
export function nationalCodeOfStatusWord(sw: number): number {
  return -(sw & 0xffff);
}

/**
 * The text of a code. 63Cx (external authentication failed) is read by the SW value, not by the
 * order in which S7 lists −25536 … −25538 (kiosk-cards.md §6 item 6): −25538 = 63C2 = 2 tries left.
 */
export function nationalCodeText(code: number): NationalCodeText {
  const named = NAMED.get(code);
  if (named) return named;
  const sw = -code;
  if (Number.isInteger(sw) && sw > 0 && sw <= 0xffff) {
    const listed = STATUS_WORDS.get(sw);
    if (listed) return listed;
    const n = swTriesLeftOf(sw);
    if (n !== undefined) {
      return {
        zh: `外部认证失败，剩余可尝试次数${n}次`,
        en: `authentication failed, ${n} tries left`,
      };
    }
  }
  return { zh: '未知错误', en: 'unknown error' };
}
