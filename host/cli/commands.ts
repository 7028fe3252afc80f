// What each CLI command does once it has a reader. Output: JSON (UTF-8, one document) or the
// national string (the 11 fields of iReadCardBas, `|`-terminated) where one exists.
import { fromHex, toHex } from '../../protocol/bytes.ts';
import { ByteFieldError } from '../../protocol/bytes.ts';
import { Psam } from '../cards/psam/psam.ts';
import { readBankCard } from '../cards/bank/bank-card.ts';
import { readHealthCard } from '../cards/health/health-card.ts';
import { SscNationalInterface } from '../cards/ssc/national.ts';
import type { CardSession } from '../reader/card-session.ts';
import type { CardEvent, Reader } from '../reader/reader.ts';
import type { Readers } from '../reader/readers.ts';
import { UsageError, type CliIo } from './io.ts';
import { maskApdu } from './trace.ts';
import { apduMayCarryPin } from '../../protocol/pin-commands.ts';

export type Format = 'json' | 'national' | 'text';

const json = (v: unknown): string =>
  `${JSON.stringify(v, (_k, x) => (x instanceof Uint8Array ? toHex(x) : x), 2)}\n`;

/** Reader summary for `readers` and `watch`. */
export function describeReader(r: Reader) {
  const c = r.capabilities;
  const h = c?.hello;
  return {
    path: r.path,
    state: r.state,
    profile: c?.profile,
    firmware: h ? `${h.firmware.major}.${h.firmware.minor}.${h.firmware.patch}` : undefined,
    serialNumber: h?.serialNumber,
    slots: r.slots,
    ...(c && c.limitations.length > 0 ? { limitations: c.limitations } : {}),
    ...(r.lastError ? { error: r.lastError.message } : {}),
  };
}

export async function readersCommand(readers: Readers, io: CliIo, format: Format): Promise<void> {
  const all = readers.all().map(describeReader);
  if (format === 'json') {
    io.stdout(json(all));
    return;
  }
  for (const r of all) {
    io.stdout(
      `${r.path}  ${r.state}${r.profile ? `  ${r.profile}` : ''}${r.firmware ? `  firmware ${r.firmware}` : ''}` +
        `${r.serialNumber ? `  serial ${r.serialNumber}` : ''}\n`,
    );
    for (const s of r.slots) {
      io.stdout(
        `  slot ${s.index} (${s.kind}): ${s.present ? (s.powered ? 'card, powered' : 'card') : 'empty'}\n`,
      );
    }
    if (r.error) io.stdout(`  ${r.error}\n`);
  }
}

/** Prints reader and card events until the signal ends it. */
export async function watchCommand(readers: Readers, io: CliIo, format: Format): Promise<void> {
  const line = (event: string, fields: Record<string, unknown>): void =>
    io.stdout(
      format === 'json'
        ? `${JSON.stringify({ event, ...fields })}\n`
        : `${event} ${Object.values(fields).join(' ')}\n`,
    );
  const card = (name: string) => (e: CardEvent) =>
    line(name, { reader: e.reader.path, slot: e.slot, kind: e.kind });
  const attached = (r: Reader): void =>
    line('reader-attached', { reader: r.path, profile: r.capabilities?.profile });
  const detached = (r: Reader, e: Error): void =>
    line('reader-detached', { reader: r.path, error: e.message });
  const inserted = card('card-inserted');
  const removed = card('card-removed');
  readers.on('reader-attached', attached);
  readers.on('reader-detached', detached);
  readers.on('card-inserted', inserted);
  readers.on('card-removed', removed);
  // Readers attached before we listened.
  for (const r of readers.list()) {
    line('reader-attached', { reader: r.path, profile: r.capabilities?.profile });
    for (const s of r.slots)
      if (s.present) line('card-inserted', { reader: r.path, slot: s.index, kind: s.kind });
  }
  await new Promise<void>((resolve) => {
    if (!io.signal || io.signal.aborted) {
      resolve();
      return;
    }
    io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  // Closing the readers afterwards is not an event worth printing.
  readers.off('reader-attached', attached);
  readers.off('reader-detached', detached);
  readers.off('card-inserted', inserted);
  readers.off('card-removed', removed);
}

/** The first SAM slot holding a card, as a PSAM. */
async function findPsam(reader: Reader): Promise<Psam | undefined> {
  const slot = reader.slots.find((s) => s.kind === 'sam' && s.present);
  return slot ? new Psam(await reader.connect(slot.index)) : undefined;
}

export async function sscRead(
  reader: Reader,
  io: CliIo,
  format: Format,
  iType: number,
): Promise<boolean> {
  const national = new SscNationalInterface({
    card: () => reader.connect(0, { share: 'exclusive' }),
    psam: async () => (await findPsam(reader))?.channel,
  });
  const reply = await national.iReadCardBas(iType);
  if (format === 'national') {
    if (reply.code === 0) io.stdout(`${reply.pOutInfo}\n`);
    else
      io.stderr(
        `error ${reply.code}: ${reply.pOutInfo}${reply.error ? ` (${reply.error.message})` : ''}\n`,
      );
  } else if (reply.code === 0) {
    io.stdout(json(reply.data));
  } else {
    io.stderr(json({ code: reply.code, pOutInfo: reply.pOutInfo, error: reply.error }));
  }
  return reply.code === 0;
}

export async function healthRead(reader: Reader, io: CliIo): Promise<void> {
  const card = await reader.connect(0, { share: 'exclusive' });
  try {
    io.stdout(json(await readHealthCard(card, { psam: await findPsam(reader) })));
  } finally {
    await card.disconnect();
  }
}

export async function bankRead(reader: Reader, io: CliIo): Promise<void> {
  const card = await reader.connect(0, { share: 'exclusive' });
  try {
    io.stdout(json(await readBankCard(card)));
  } finally {
    await card.disconnect();
  }
}

export function parseApdus(hex: readonly string[]): Uint8Array[] {
  return hex.map((h, i) => {
    try {
      const b = fromHex(h);
      if (b.length < 4) throw new UsageError(`APDU "${h}": at least 4 bytes (CLA INS P1 P2)`);
      // A PIN is typed on the reader's keypad, never on the PC (protocol/pin-commands.ts); the
      // message names the APDU by position so that the digits are not echoed.
      if (apduMayCarryPin(b[0], b[1], b.length))
        throw new UsageError(
          `APDU ${i + 1}: carries PIN data (VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER, the SSC's CHANGE PIN, ENVELOPE or chaining); PINs are entered on the reader's keypad`,
        );
      return b;
    } catch (e) {
      if (e instanceof ByteFieldError) throw new UsageError(`APDU "${h}": ${e.message}`);
      throw e;
    }
  });
}

export async function apduCommand(
  reader: Reader,
  io: CliIo,
  format: Format,
  slot: number,
  apdus: readonly Uint8Array[],
): Promise<void> {
  const session: CardSession = await reader.connect(slot);
  try {
    const results = await session.transaction(async () => {
      const out: { command: string; response: Uint8Array }[] = [];
      for (const command of apdus) {
        // A PIN typed into `apdu` (a plain VERIFY) is not echoed back.
        out.push({ command: maskApdu(command), response: await session.transmit(command) });
      }
      return out;
    });
    if (format === 'json') {
      io.stdout(json({ atr: session.atr, protocol: session.protocol, exchanges: results }));
    } else {
      io.stdout(`ATR ${toHex(session.atr)}  T=${session.protocol}\n`);
      for (const r of results) io.stdout(`${toHex(r.response)}\n`);
    }
  } finally {
    await session.disconnect();
  }
}
