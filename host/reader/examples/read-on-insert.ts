// Example: read every social security card inserted into any reader, with the PSAM in a SAM
// slot. Run against a serial reader:  npx tsx host/reader/examples/read-on-insert.ts /dev/ttyACM0
// (without a path, discovery looks for readers with USB ID 1209:0001). Ctrl-C ends it.
import { Psam, Readers, formatCardBasic, readSscBasic, type CardEvent } from '../../index.ts';

const readers = new Readers({ ports: process.argv.slice(2) });
readers.on('reader-attached', (r) => console.log(`reader ${r.path} (${r.capabilities?.profile})`));
readers.on('reader-detached', (r, e) => console.log(`reader ${r.path} gone: ${e.message}`));
readers.on('warning', (text) => console.warn(text));
readers.on('card-removed', ({ reader, slot }) => console.log(`card out of ${reader.path}#${slot}`));
readers.on('card-inserted', (e) => void read(e));

async function read({ reader, slot, kind }: CardEvent): Promise<void> {
  if (kind !== 'user') return;
  try {
    const card = await reader.connect(slot, { share: 'exclusive' });
    const samSlot = reader.slots.find((s) => s.kind === 'sam' && s.present);
    const psam = samSlot ? new Psam(await reader.connect(samSlot.index)) : undefined;
    console.log(formatCardBasic(await readSscBasic(card, { psam })));
    await card.disconnect();
  } catch (e) {
    // Typed: CardRemovedError (code 'card-removed'), CardError (national code), …
    console.error(`read failed: ${(e as Error).message}`);
  }
}

await readers.start();
process.once('SIGINT', () => void readers.close());
