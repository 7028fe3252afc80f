// The config file and the command line: every bad field named in one clear message.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { powerOnTimeoutMs } from '../ccid/card-timeouts.ts';
import { maxExchangeTime } from '../reader/slot.ts';
import {
  ConfigError,
  DEFAULT_CONFIG,
  DEFAULT_LIMITS,
  DEFAULT_PORT,
  loadConfig,
  parseConfig,
} from './config.ts';
import { program, resolveConfig } from './main.ts';

const app = { id: 'his', token: 'a-long-enough-token-123' };

describe('parseConfig', () => {
  it('fills in the defaults', () => {
    expect(parseConfig({})).toEqual(DEFAULT_CONFIG);
    expect(DEFAULT_CONFIG.port).toBe(DEFAULT_PORT);
  });

  it('takes a full config', () => {
    const c = parseConfig({
      port: 18000,
      serialPorts: ['/dev/ttyUSB0'],
      discover: false,
      simulator: 'off',
      sim: { card: 'ssc2', sam: '', seed: 3 },
      applications: [{ ...app, origins: ['http://localhost:8080'], rawApdu: true }],
      limits: { pinPerMinute: 3, bodyBytes: 4096 },
      terminalDeviceNumber: 'KIOSK-01',
    });
    expect(c.applications[0]).toEqual({
      ...app,
      origins: ['http://localhost:8080'],
      rawApdu: true,
    });
    expect(c.limits).toMatchObject({ pinPerMinute: 3, bodyBytes: 4096, maxClients: 64 });
    expect(c.sim).toEqual({ card: 'ssc2', sam: '', seed: 3 });
  });

  it("derives an operation's deadline from the driver's bounds; each limit can be set", () => {
    // A power-on at the driver's longest and one exchange at its longest: about two minutes.
    expect(DEFAULT_LIMITS.operationMs).toBe(powerOnTimeoutMs() + maxExchangeTime(undefined));
    expect(DEFAULT_LIMITS.operationMs).toBeGreaterThan(100_000);
    expect(DEFAULT_LIMITS.operationMs).toBeLessThan(180_000);
    // One PIN: 30 s for the first key, then 15 more digits and Enter at most 15 s apart.
    expect(DEFAULT_LIMITS.pinEntryMs).toBe(270_000);
    const c = parseConfig({
      limits: {
        operationMs: 20_000,
        pinEntryMs: 60_000,
        maxQueued: 4,
        maxSessionWaiters: 8,
        hsmStepMs: 5000,
      },
    });
    expect(c.limits).toMatchObject({
      operationMs: 20_000,
      pinEntryMs: 60_000,
      maxQueued: 4,
      maxSessionWaiters: 8,
      hsmStepMs: 5000,
    });
  });

  const bad: [string, unknown, string][] = [
    ['not an object', [], 'config: must be a JSON object'],
    ['unknown key', { prot: 1 }, 'prot: unknown setting'],
    ['port', { port: 70000 }, 'port: must be an integer 0..65535, got 70000'],
    ['serial ports', { serialPorts: '/dev/ttyS0' }, 'serialPorts: must be a list of paths'],
    ['simulator', { simulator: 'yes' }, 'simulator: must be "auto", "on" or "off", got "yes"'],
    [
      'short token',
      { applications: [{ id: 'a', token: 'short' }] },
      'applications[0].token: at least 16',
    ],
    ['id', { applications: [{ id: '-x', token: app.token }] }, 'applications[0].id:'],
    ['page id', { applications: [{ id: 'kiosk-page', token: app.token }] }, "service's own page"],
    [
      'duplicate ids',
      { applications: [app, { ...app, token: 'another-long-token-99' }] },
      'appears twice',
    ],
    [
      'shared tokens',
      { applications: [app, { ...app, id: 'b' }] },
      'two applications share one token',
    ],
    [
      'origin with a path',
      { applications: [{ ...app, origins: ['http://localhost:8080/app'] }] },
      'origins[0]',
    ],
    ['origin scheme', { applications: [{ ...app, origins: ['file://x'] }] }, 'origins[0]'],
    ['rawApdu', { applications: [{ ...app, rawApdu: 'yes' }] }, 'rawApdu: must be true or false'],
    ['limits', { limits: { pinPerMinute: 0 } }, 'limits.pinPerMinute: must be an integer 1..120'],
    ['limit key', { limits: { pins: 1 } }, 'limits.pins: unknown setting'],
    [
      'timeouts',
      { limits: { sessionTimeoutMs: 5000, maxSessionTimeoutMs: 1000 } },
      'must not exceed',
    ],
    ['device number', { terminalDeviceNumber: 'a|b' }, 'terminalDeviceNumber'],
    [
      'operation deadline',
      { limits: { operationMs: 10 } },
      'limits.operationMs: must be an integer 1000..3600000',
    ],
    ['queue length', { limits: { maxQueued: -1 } }, 'limits.maxQueued: must be an integer'],
    [
      'session waiters',
      { limits: { maxSessionWaiters: 1.5 } },
      'limits.maxSessionWaiters: must be an integer',
    ],
    ['HSM step', { limits: { hsmStepMs: 0 } }, 'limits.hsmStepMs: must be an integer 100..'],
  ];
  for (const [what, value, message] of bad) {
    it(`refuses ${what}`, () => {
      expect(() => parseConfig(value)).toThrow(ConfigError);
      expect(() => parseConfig(value)).toThrow(message);
    });
  }
});

describe('loadConfig and the command line', () => {
  it('a missing file, bad JSON: ConfigError naming the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kiosk-config-'));
    await expect(loadConfig(join(dir, 'none.json'))).rejects.toThrow(/none\.json: cannot read/);
    const badJson = join(dir, 'bad.json');
    await writeFile(badJson, '{"port": 1,');
    await expect(loadConfig(badJson)).rejects.toThrow(/bad\.json: not valid JSON/);
    const good = join(dir, 'good.json');
    await writeFile(good, JSON.stringify({ port: 18001, applications: [app] }));
    expect((await loadConfig(good)).port).toBe(18001);
  });

  it('--port, --serial and --sim override the file', async () => {
    const parse = (...args: string[]) =>
      program().exitOverride().parse(args, { from: 'user' }).opts();
    const plain = await resolveConfig(parse() as never);
    expect(plain).toMatchObject({ port: DEFAULT_PORT, simulator: 'auto', serialPorts: [] });
    const serial = await resolveConfig(
      parse('--serial', '/dev/ttyUSB0', '--serial', '/dev/ttyUSB1', '--port', '0') as never,
    );
    expect(serial).toMatchObject({
      port: 0,
      simulator: 'off',
      serialPorts: ['/dev/ttyUSB0', '/dev/ttyUSB1'],
    });
    const both = await resolveConfig(parse('--serial', '/dev/ttyUSB0', '--sim') as never);
    expect(both.simulator).toBe('on');
    expect(() => parse('--port', 'eighty')).toThrow(/a port is an integer/);
  });
});
