// What the reader's display shows around a PIN entry (DISPLAY_ROWS × DISPLAY_COLUMNS cells; a
// CJK character takes two): while secure entry is active, the secure-entry indicator 🔒 and the
// prompt on the first row and one `*` per digit on the second; afterwards the outcome, without
// the indicator. Texts in Chinese or English, from wLangId. The simulator starts key scripts
// when the indicator appears (simulator/reader/display.ts), as a holder starts typing when the
// reader asks.
import { display_clear, display_text } from '../hal';
import { DISPLAY_COLUMNS, SECURE_ENTRY_CODEPOINT } from '../../hal-constants';
import { LangId, PinMessage } from '../../../protocol/ccid-constants';

export enum Outcome {
  Verified,
  Changed,
  WrongPin,
  Blocked,
  CardRefused,
  Timeout,
  Cancelled,
  WrongLength,
  Mismatch,
  Aborted,
  CardRemoved,
  CardError,
}

const text = memory.data(64);

/** English for wLangId 0x0409 and any other non-Chinese language; Chinese for 0x0804 and 0. */
export function isEnglish(langId: i32): bool {
  if (langId == 0) return false;
  if (langId == LangId.EnglishUs) return true;
  return (langId & 0x3ff) != 0x04; // primary language 0x04 = Chinese
}

/** Writes `s` at (row, col). */
export function show(row: i32, col: i32, s: string): void {
  display_text(row, col, text, encode(0, s));
}

/** Appends `s` (UTF-16 in AssemblyScript) as UTF-8 at text + start; returns the new length. */
function encode(start: i32, s: string): i32 {
  let n = start;
  const len = s.length;
  for (let i = 0; i < len && n <= 60; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < len) {
      c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(i + 1) - 0xdc00);
      i++;
    }
    n = codepoint(n, c);
  }
  return n;
}

/** Appends one code point as UTF-8 at text + n. */
function codepoint(start: i32, c: i32): i32 {
  let n = start;
  if (c < 0x80) return put(n, c);
  if (c < 0x800) {
    n = put(n, 0xc0 | (c >> 6));
  } else if (c < 0x10000) {
    n = put(n, 0xe0 | (c >> 12));
    n = put(n, 0x80 | ((c >> 6) & 0x3f));
  } else {
    n = put(n, 0xf0 | (c >> 18));
    n = put(n, 0x80 | ((c >> 12) & 0x3f));
    n = put(n, 0x80 | ((c >> 6) & 0x3f));
  }
  return put(n, 0x80 | (c & 0x3f));
}

/**
 * At init: a known, empty display. The display keeps what it showed across a watchdog reset
 * (only a power cut darkens it), so a reset during a PIN entry would leave the prompt and the
 * secure-entry indicator on screen with no entry running.
 */
export function displayInit(): void {
  display_clear();
}

/** A new PIN to type: the indicator, the prompt of `message` (-1: none), no stars yet. */
export function showPrompt(langId: i32, message: i32): void {
  display_clear();
  // The secure-entry indicator (U+1F512 LOCK, HAL constants): only this line shows it.
  display_text(0, 0, text, codepoint(0, SECURE_ENTRY_CODEPOINT));
  if (message >= 0) show(0, 2, promptText(isEnglish(langId), message));
  showStars(0);
}

/** One `*` per digit typed, the rest of the row blank. */
export function showStars(count: i32): void {
  const n = count > DISPLAY_COLUMNS ? DISPLAY_COLUMNS : count;
  for (let i = 0; i < DISPLAY_COLUMNS; i++) store<u8>(text + <usize>i, i < n ? 0x2a : 0x20);
  display_text(1, 0, text, DISPLAY_COLUMNS);
}

/** The PIN went to the card: the indicator goes off. */
export function showWaiting(langId: i32): void {
  display_clear();
  show(0, 0, isEnglish(langId) ? 'Please wait' : '请稍候');
}

/** How it ended; `triesLeft` for WrongPin. */
export function showOutcome(langId: i32, outcome: Outcome, triesLeft: i32): void {
  const en = isEnglish(langId);
  display_clear();
  switch (outcome) {
    case Outcome.Verified:
      show(0, 0, en ? 'PIN OK' : '密码正确');
      break;
    case Outcome.Changed:
      show(0, 0, en ? 'PIN changed' : '密码已修改');
      break;
    case Outcome.WrongPin:
      show(0, 0, en ? 'Wrong PIN' : '密码错误');
      showTries(en, triesLeft);
      break;
    case Outcome.Blocked:
      show(0, 0, en ? 'PIN blocked' : '密码已锁定');
      break;
    case Outcome.CardRefused:
      show(0, 0, en ? 'Card refused' : '操作失败');
      break;
    case Outcome.Timeout:
      show(0, 0, en ? 'Timed out' : '输入超时');
      break;
    case Outcome.Cancelled:
      show(0, 0, en ? 'Cancelled' : '已取消');
      break;
    case Outcome.WrongLength:
      show(0, 0, en ? 'Wrong length' : '密码长度错误');
      break;
    case Outcome.Mismatch:
      show(0, 0, en ? 'PINs differ' : '两次密码不一致');
      break;
    case Outcome.Aborted:
      show(0, 0, en ? 'Aborted' : '已中止');
      break;
    case Outcome.CardRemoved:
      show(0, 0, en ? 'Card removed' : '卡已拔出');
      break;
    default:
      show(0, 0, en ? 'Card error' : '读卡失败');
  }
}

function showTries(en: bool, tries: i32): void {
  const t = tries < 0 ? 0 : tries > 15 ? 15 : tries;
  // "N tries left" / "剩余N次", N as one or two ASCII digits.
  let n = 0;
  if (!en) n = encode(n, '剩余');
  if (t >= 10) n = put(n, <u8>(0x30 + t / 10));
  n = put(n, <u8>(0x30 + (t % 10)));
  n = encode(n, en ? (t == 1 ? ' try left' : ' tries left') : '次');
  display_text(1, 0, text, n);
}

function put(n: i32, byte: i32): i32 {
  store<u8>(text + <usize>n, <u8>byte);
  return n + 1;
}

function promptText(en: bool, message: i32): string {
  switch (message) {
    case PinMessage.NewPin:
      return en ? 'New PIN' : '请输入新密码';
    case PinMessage.ConfirmPin:
      return en ? 'Repeat new PIN' : '请确认新密码';
    case PinMessage.OldPin:
      return en ? 'Old PIN' : '请输入原密码';
    default:
      return en ? 'Enter PIN' : '请输入密码';
  }
}
