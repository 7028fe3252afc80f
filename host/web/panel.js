// The reader panel: the simulated reader's display, keypad, card slots and USB cable. Its keys
// go to the simulator's keypad through the panel's own routes (/panel/api/), which only this
// page's token opens — never through the API applications use. State arrives over
// /panel/events as it changes.
import { liveSocket, pageToken, request } from './common.js';

const token = pageToken('panel-token');
const $ = (id) => document.getElementById(id);
const SAM_SLOT = 1;

let plugged = true;

function error(e) {
  $('panel-error').textContent = e ? `${e.message ?? e}` : '';
}

async function call(method, path, body) {
  try {
    error(null);
    return await request(token, method, path, body);
  } catch (e) {
    error(e);
    return null;
  }
}

function render(s) {
  $('display-row-0').textContent = s.display[0] ?? '';
  $('display-row-1').textContent = s.display[1] ?? '';
  $('card-user').textContent = s.slots[0]?.card ?? '—';
  $('card-sam').textContent = s.slots[SAM_SLOT]?.card ?? '—';
  plugged = s.plugged;
  $('cable').textContent = s.plugged ? '已连接 Plugged in' : '已拔出 Unplugged';
  document.body.dataset.plugged = String(s.plugged);
}

async function init() {
  const s = await call('GET', '/panel/api/state');
  if (!s) return;
  for (const p of s.personas) {
    const option = document.createElement('option');
    option.value = p.spec;
    option.textContent = `${p.spec} — ${p.label}`;
    $(p.kind === 'sam' ? 'persona-sam' : 'persona-user').append(option);
  }
  $('persona-user').value = s.slots[0]?.card ?? 'ssc3:li-na';
  render(s);
}

for (const button of document.querySelectorAll('[data-key]')) {
  button.addEventListener(
    'click',
    () => void call('POST', '/panel/api/keys', { key: button.dataset.key }),
  );
}
$('insert-user').addEventListener(
  'click',
  () => void call('POST', '/panel/api/cards', { slot: 0, spec: $('persona-user').value }),
);
$('pull-user').addEventListener('click', () => void call('DELETE', '/panel/api/cards/0'));
$('insert-sam').addEventListener(
  'click',
  () => void call('POST', '/panel/api/cards', { slot: SAM_SLOT, spec: $('persona-sam').value }),
);
$('pull-sam').addEventListener('click', () => void call('DELETE', `/panel/api/cards/${SAM_SLOT}`));
$('toggle-cable').addEventListener(
  'click',
  () => void call('POST', '/panel/api/link', { plugged: !plugged }),
);

// The physical keys of a keyboard work too, as on the reader.
document.addEventListener('keydown', (e) => {
  const key = /^[0-9]$/.test(e.key)
    ? e.key
    : { Enter: 'enter', Escape: 'cancel', Backspace: 'backspace', Delete: 'clear' }[e.key];
  if (key && e.target.tagName !== 'SELECT') void call('POST', '/panel/api/keys', { key });
});

liveSocket('/panel/events', token, (m) => {
  if (m.type === 'state') render(m);
});
void init();
