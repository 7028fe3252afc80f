// `npm start`: the kiosk-reader service on 127.0.0.1 — the readers it finds (configured serial
// ports, discovery by USB IDs), or the embedded simulated reader when none is attached — and it
// says where the kiosk page is.
//
//   npm start -- [--port <n>] [--serial <path>]… [--sim] [--config <file>]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import {
  ConfigError,
  DEFAULT_CONFIG,
  DEFAULT_PORT,
  loadConfig,
  type ServiceConfig,
} from './config.ts';
import { startService } from './service.ts';

export interface CliOptions {
  port?: number;
  serial: string[];
  sim: boolean;
  config?: string;
  logLevel: string;
}

export function program(): Command {
  return new Command('kiosk-reader-service')
    .description(
      'Local HTTP + WebSocket service for kiosk applications: social security card (社会保障卡), ' +
        'resident health card (居民健康卡), bank application, PIN on the reader keypad. ' +
        'Listens on 127.0.0.1 only.',
    )
    .option(
      '--port <n>',
      `TCP port on 127.0.0.1 (default ${DEFAULT_PORT}; 0 picks a free one)`,
      (v) => {
        if (!/^\d+$/.test(v) || Number(v) > 65535)
          throw new InvalidArgumentError('a port is an integer 0..65535');
        return Number(v);
      },
    )
    .option(
      '--serial <path>',
      'a reader on this serial port (repeatable); without --sim, no simulated reader then',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option(
      '--sim',
      'use the embedded simulated reader (ssc3:li-na + psam) even with hardware',
      false,
    )
    .option(
      '--config <file>',
      'JSON config: port, serialPorts, applications (tokens, origins), limits',
    )
    .option('--log-level <level>', 'fatal, error, warn, info, debug', 'info')
    .showHelpAfterError();
}

/** The config file (or the defaults) with the command line on top. */
export async function resolveConfig(o: CliOptions): Promise<ServiceConfig> {
  const base = o.config ? await loadConfig(o.config) : DEFAULT_CONFIG;
  return {
    ...base,
    ...(o.port !== undefined ? { port: o.port } : {}),
    ...(o.serial.length > 0 ? { serialPorts: [...base.serialPorts, ...o.serial] } : {}),
    simulator: o.sim ? 'on' : o.serial.length > 0 ? 'off' : base.simulator,
  };
}

/**
 * The embedded simulated reader runs firmware/build/firmware.wasm. On a fresh clone (npm install,
 * then npm start) it is not built yet: build it once, as `npm test` would.
 */
function ensureFirmware(): boolean {
  const wasm = new URL('../../firmware/build/firmware.wasm', import.meta.url);
  if (existsSync(wasm)) return true;
  process.stderr.write(
    'kiosk-reader: building the firmware for the simulated reader (first start)…\n',
  );
  const build = fileURLToPath(new URL('../../firmware/build.js', import.meta.url));
  const r = spawnSync(process.execPath, [build], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status === 0 && existsSync(wasm)) return true;
  console.error('kiosk-reader: the firmware build failed (npm run build shows why)');
  return false;
}

export async function main(argv: string[]): Promise<number> {
  const cmd = program().parse(argv, { from: 'user' });
  const o = cmd.opts<CliOptions>();
  let config: ServiceConfig;
  try {
    config = await resolveConfig(o);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`kiosk-reader: config error: ${e.message}`);
      return 2;
    }
    throw e;
  }
  if (config.simulator !== 'off' && !ensureFirmware()) return 1;
  let service;
  try {
    service = await startService({ config, logLevel: o.logLevel });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE') {
      console.error(
        `kiosk-reader: port ${config.port} on 127.0.0.1 is in use (choose one with --port)`,
      );
      return 1;
    }
    console.error(`kiosk-reader: cannot start: ${err.message}`);
    return 1;
  }
  const readers = service.core.hub.entries();
  const lines = [
    `kiosk-reader service on ${service.url}`,
    `  kiosk page 自助终端页面:  ${service.url}`,
    ...(service.core.sim ? [`  reader panel 模拟读卡器面板: ${service.url}panel`] : []),
    `  API:        ${service.url}api/   (OpenAPI: ${service.url}openapi.json)`,
    `  events:     ws://127.0.0.1:${service.port}/api/events`,
    `  metrics:    ${service.url}metrics`,
    `  readers:    ${readers.map((r) => `${r.id} (${r.simulated ? 'simulated' : r.reader.path}, ${r.reader.state})`).join(', ') || 'none yet'}`,
    ...(config.applications.length === 0
      ? ['  applications: none configured (--config <file>); the pages served here need none']
      : [`  applications: ${config.applications.map((a) => a.id).join(', ')}`]),
  ];
  process.stderr.write(lines.join('\n') + '\n');
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await service.close();
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(`kiosk-reader: ${(e as Error)?.stack ?? String(e)}`);
      process.exit(1);
    },
  );
}
