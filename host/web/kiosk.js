// The kiosk page: insert the card → the holder's data (ID and bank numbers partly masked) → PIN
// on the reader's keypad → the result. Driven by the service's events (card-inserted,
// card-removed, pin-progress), never by polling; the card is held with an exclusive session for
// the whole transaction, so another application cannot interleave.
import { liveSocket, pageToken, request } from './common.js';

const token = pageToken('kiosk-token');
const $ = (id) => document.getElementById(id);

/** Keeps the first and last `keep` characters, masks the rest. */
export function maskMiddle(text, keep = 4) {
  if (!text) return '';
  if (text.length <= keep * 2) return '*'.repeat(text.length);
  return text.slice(0, keep) + '*'.repeat(text.length - keep * 2) + text.slice(-keep);
}

/** A bank card number as 6228 **** **** 8903: the first and last four digits only. */
export function maskPan(pan) {
  if (!pan) return '';
  if (pan.length < 12) return maskMiddle(pan, 2);
  return `${pan.slice(0, 4)} **** **** ${pan.slice(-4)}`;
}

const ERRORS = {
  'no-card': ['未检测到卡片', 'No card in the reader'],
  'card-removed': ['卡片已拔出', 'The card was removed'],
  'reader-detached': ['读卡器未连接', 'The reader is not connected'],
  'no-reader': ['未找到读卡器', 'No reader found'],
  'reader-busy': ['读卡器正被其他应用使用，请稍候', 'The reader is in use by another application'],
  'too-many-pin-operations': ['操作过于频繁，请稍后再试', 'Too many PIN attempts, please wait'],
  'pin-pad-unavailable': ['读卡器不支持密码键盘', 'This reader has no PIN pad'],
};

const PIN_RESULTS = {
  ok: ['密码验证成功', 'PIN verified'],
  'wrong-pin': ['密码错误，还可尝试 {n} 次', 'Wrong PIN, {n} tries left'],
  blocked: ['密码已锁定，请到柜台办理', 'PIN blocked, please see a counter'],
  cancelled: ['已取消密码输入', 'PIN entry cancelled'],
  timeout: ['密码输入超时', 'PIN entry timed out'],
  'invalid-length': ['密码长度不正确', 'Wrong PIN length'],
};

const state = {
  reader: null,
  session: null,
  busy: false,
  /** Bumped on every card removal: work for an older card is dropped. */
  card: 0,
};

function show(step) {
  for (const s of document.querySelectorAll('.step'))
    s.dataset.active = String(s.id === `step-${step}`);
  document.body.dataset.step = step;
}

function bilingual(el, [zh, en], vars = {}) {
  const fill = (t) => t.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
  el.textContent = fill(zh) + ' ';
  const span = document.createElement('span');
  span.className = 'en';
  span.textContent = fill(en);
  el.append(span);
}

function readerStatus(key) {
  const el = $('reader-status');
  el.dataset.state = key;
  const text = {
    ready: ['读卡器已就绪', 'Reader ready'],
    detached: ['读卡器已断开，正在重新连接…', 'Reader disconnected, reconnecting…'],
    none: ['未找到读卡器', 'No reader found'],
    offline: ['服务未连接，正在重试…', 'Service not reachable, retrying…'],
  }[key];
  bilingual(el, text);
}

function showError(e) {
  const known = ERRORS[e.code];
  const national = e.body?.error?.national;
  bilingual(
    $('error-text'),
    known ?? [
      national ? `读卡失败：${national.text}` : '读卡失败',
      `Card read failed (${e.code ?? 'error'})`,
    ],
  );
  show('error');
}

async function api(method, path, body) {
  const session = state.session;
  try {
    return await request(token, method, path, body, session ? { 'x-session-id': session.id } : {});
  } catch (e) {
    // The session ended meanwhile (idle timeout): go on without it, as anyone may.
    if (e.code !== 'unknown-session' || !session) throw e;
    if (state.session === session) state.session = null;
    return request(token, method, path, body);
  }
}

const events = liveSocket('/api/events', token, onEvent, (open) => {
  if (!open) readerStatus('offline');
});

function onEvent(e) {
  switch (e.type) {
    case 'hello': {
      const reader = e.readers.find((r) => r.state === 'attached') ?? e.readers[0];
      state.reader = reader ? reader.id : null;
      $('panel-link').hidden = !(reader && reader.simulated);
      if (!reader) return readerStatus('none');
      readerStatus(reader.state === 'attached' ? 'ready' : 'detached');
      const user = reader.slots.find((s) => s.kind === 'user');
      if (user && user.present) void transaction();
      return;
    }
    case 'reader-attached':
      if (!state.reader) state.reader = e.reader;
      if (e.reader === state.reader) readerStatus('ready');
      return;
    case 'reader-detached':
      if (e.reader === state.reader) readerStatus('detached');
      return;
    case 'card-inserted':
      if (e.reader === state.reader && e.kind === 'user') void transaction();
      return;
    case 'card-removed':
      if (e.reader === state.reader && e.kind === 'user') {
        state.card++;
        void release();
        show('insert');
      }
      return;
    case 'pin-progress':
      if (e.reader === state.reader) dots(e.digits);
      return;
  }
}

function dots(n) {
  const el = $('pin-dots');
  el.textContent = '●'.repeat(n) || '　';
  el.dataset.digits = String(n);
}

async function release() {
  const s = state.session;
  state.session = null;
  if (s) await events.call({ type: 'release', session: s.id }).catch(() => {});
}

/** One card: take the reader, read the holder and the bank number, wait for the PIN button. */
async function transaction() {
  if (state.busy) return;
  state.busy = true;
  const card = state.card;
  show('reading');
  try {
    await release();
    const acquired = await events.call({ type: 'acquire', reader: state.reader, waitMs: 10000 });
    state.session = acquired.session;
    const { data } = await api('POST', `/api/readers/${state.reader}/ssc/read`, {});
    let bank = '';
    try {
      bank = (await api('POST', `/api/readers/${state.reader}/bank/read`, {})).data.pan;
    } catch (e) {
      if (e.code === 'card-removed' || e.code === 'no-card') throw e;
      // A card without the bank application still shows its holder.
    }
    if (card !== state.card) return;
    $('holder-name').textContent = data.name;
    $('holder-id').textContent = maskMiddle(data.socialSecurityNumber, 4);
    $('holder-card').textContent = maskMiddle(data.cardNumber, 2);
    $('holder-expiry').textContent = data.expiryDate.replace(/^(\d{4})(\d{2})(\d{2})$/, '$1-$2-$3');
    $('holder-bank').textContent = bank ? maskPan(bank) : '—';
    show('holder');
  } catch (e) {
    if (card === state.card) showError(e);
    await release();
  } finally {
    state.busy = false;
  }
}

async function verifyPin() {
  if (state.busy) return;
  state.busy = true;
  const card = state.card;
  dots(0);
  show('pin');
  try {
    const result = await api('POST', `/api/readers/${state.reader}/pin/verify`, { language: 'zh' });
    if (card !== state.card) return;
    bilingual($('result-text'), PIN_RESULTS[result.outcome] ?? [result.outcome, result.outcome], {
      n: result.triesLeft,
    });
    $('result-text').dataset.outcome = result.outcome;
    $('verify-again').hidden = !['wrong-pin', 'cancelled', 'timeout', 'invalid-length'].includes(
      result.outcome,
    );
    show('result');
  } catch (e) {
    if (card === state.card) showError(e);
  } finally {
    state.busy = false;
  }
}

$('verify-pin').addEventListener('click', () => void verifyPin());
$('verify-again').addEventListener('click', () => void verifyPin());
show('insert');
