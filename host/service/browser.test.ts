// The kiosk page and the reader panel in a real browser (playwright-core driving Debian's
// chromium; no browser is downloaded), against the service with the simulated reader in real
// time, as `npm start` runs it: insert the social security card on the panel, the page reads it
// and shows the holder with the numbers masked, the holder types the PIN on the panel's keypad,
// the page shows success; then the card is pulled. Screenshots go to test-artifacts/service/.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SSC3_PERSONAS } from '../../simulator/profiles/personas.ts';
import { parseConfig } from './config.ts';
import { startService, type RunningService } from './service.ts';

/** Debian's chromium (CHROMIUM_PATH for another place). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/service/', import.meta.url));
const lina = SSC3_PERSONAS.find((p) => p.id === 'li-na')!;
/** Generous bounds for a real-time reader on a shared CPU; the test waits for states, not time. */
const STEP_MS = 30_000;

let service: RunningService;
let context: BrowserContext;
let userDir: string;
const consoleErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) return;
  await mkdir(ARTIFACTS, { recursive: true });
  service = await startService({
    config: parseConfig({
      port: 0,
      discover: false,
      simulator: 'on',
      // The user slot starts empty: the test inserts the card from the panel.
      sim: { card: '', sam: 'psam', seed: 11 },
    }),
    simMode: 'realtime',
    hardware: { usb: false },
    logLevel: 'warn',
    logStream: { write: () => {} },
  });
  userDir = await mkdtemp(join(tmpdir(), 'kiosk-chromium-'));
  context = await chromium.launchPersistentContext(userDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1100, height: 820 },
  });
}, 120_000);

afterAll(async () => {
  await context?.close();
  await service?.close();
  if (userDir) await rm(userDir, { recursive: true, force: true });
});

async function open(path: string): Promise<Page> {
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(`${path}: ${m.text()}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`${path}: ${e.message}`));
  await page.goto(`${service.url}${path.replace(/^\//, '')}`);
  return page;
}

/** Without Debian's chromium the test is skipped — except on CI, where .ci/run installs it. */
const ON_CI = process.env.CI === 'true';

describe.skipIf(!existsSync(CHROMIUM) && !ON_CI)('kiosk page and reader panel in chromium', () => {
  it('insert the card, read it, type the PIN on the panel keypad, see success', async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `${CHROMIUM} (Debian package chromium) is missing on CI; .ci/run installs it`,
      );
    const kiosk = await open('/');
    const panel = await open('/panel');

    await kiosk.locator('#reader-status[data-state="ready"]').waitFor({ timeout: STEP_MS });
    await expect(kiosk.locator('#step-insert').getAttribute('data-active')).resolves.toBe('true');
    await expect(kiosk.locator('#panel-link').isVisible()).resolves.toBe(true);
    await kiosk.screenshot({ path: join(ARTIFACTS, '1-kiosk-insert-card.png') });

    // The panel: insert the social security card.
    await panel.locator('#persona-user option[value="ssc3:li-na"]').waitFor({ state: 'attached' });
    await panel.selectOption('#persona-user', 'ssc3:li-na');
    await panel.click('#insert-user');
    await panel.locator('#card-user', { hasText: 'ssc3:li-na' }).waitFor({ timeout: STEP_MS });

    // The kiosk page reads it by itself (card-inserted event) and shows the holder, masked.
    await kiosk.locator('#step-holder[data-active="true"]').waitFor({ timeout: STEP_MS });
    expect(await kiosk.textContent('#holder-name')).toBe(lina.name);
    const id = await kiosk.textContent('#holder-id');
    expect(id).toBe(`${lina.ssn.slice(0, 4)}${'*'.repeat(10)}${lina.ssn.slice(-4)}`);
    expect(id).not.toContain(lina.ssn.slice(4, 14));
    expect(await kiosk.textContent('#holder-bank')).toBe(
      `${lina.bank.pan.slice(0, 4)} **** **** ${lina.bank.pan.slice(-4)}`,
    );
    expect(await kiosk.textContent('#holder-expiry')).toBe('2031-03-15');
    expect(await kiosk.content()).not.toContain(lina.bank.pan);
    await kiosk.screenshot({ path: join(ARTIFACTS, '2-kiosk-holder.png') });

    // PIN: the page asks the reader; the reader's display prompts; keys on the panel.
    await kiosk.click('#verify-pin');
    await kiosk.locator('#step-pin[data-active="true"]').waitFor({ timeout: STEP_MS });
    await panel.locator('#display-row-0', { hasText: '请输入密码' }).waitFor({ timeout: STEP_MS });
    await panel.screenshot({ path: join(ARTIFACTS, '3-panel-pin-prompt.png') });
    for (const digit of lina.pin) await panel.click(`#key-${digit}`);
    // The page learns how many digits were typed (never which), from pin-progress events.
    await kiosk
      .locator(`#pin-dots[data-digits="${lina.pin.length}"]`)
      .waitFor({ timeout: STEP_MS });
    expect(await panel.textContent('#display-row-1')).toBe('*'.repeat(lina.pin.length));
    await kiosk.screenshot({ path: join(ARTIFACTS, '4-kiosk-pin-entry.png') });
    await panel.click('#key-enter');

    await kiosk.locator('#step-result[data-active="true"]').waitFor({ timeout: STEP_MS });
    expect(await kiosk.getAttribute('#result-text', 'data-outcome')).toBe('ok');
    expect(await kiosk.textContent('#result-text')).toContain('密码验证成功');
    await panel.locator('#display-row-0', { hasText: '密码正确' }).waitFor({ timeout: STEP_MS });
    await kiosk.screenshot({ path: join(ARTIFACTS, '5-kiosk-pin-ok.png') });
    await panel.screenshot({ path: join(ARTIFACTS, '6-panel-pin-ok.png') });

    // Pull the card: the page goes back to its first step.
    await panel.click('#pull-user');
    await kiosk.locator('#step-insert[data-active="true"]').waitFor({ timeout: STEP_MS });
    await kiosk.screenshot({ path: join(ARTIFACTS, '7-kiosk-card-pulled.png') });

    // Nothing the pages did needed a PIN in a request, and the pages had no errors (CSP included).
    expect(consoleErrors).toEqual([]);
    expect(existsSync(join(ARTIFACTS, '5-kiosk-pin-ok.png'))).toBe(true);
  }, 180_000);
});
