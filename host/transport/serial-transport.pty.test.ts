// The serial transport through the real serialport package, against the simulator running
// firmware.wasm in another process on a pseudo-terminal (needs socat, as the simulator does).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Psam } from '../cards/psam/psam.ts';
import { readSscBasic } from '../cards/ssc/read-basic.ts';
import { Reader } from '../reader/reader.ts';
import { serialTransport } from './serial-transport.ts';
import { startSimProcess, type SimProcess } from './testing/sim-process.ts';

let sim: SimProcess;
beforeAll(async () => {
  sim = await startSimProcess(['--card', 'ssc3:li-na', '--sam', 'psam', '--realtime']);
});
afterAll(async () => {
  await sim?.stop();
});

describe('serial transport on a pseudo-terminal', () => {
  it('opens the reader, negotiates native, reads the card, and closes cleanly', async () => {
    const reader = new Reader(serialTransport(sim.path));
    try {
      await reader.start();
      expect(reader.state).toBe('attached');
      expect(reader.capabilities?.profile).toBe('native');
      const card = await reader.connect(0);
      const psam = await reader.connect(1);
      const info = await readSscBasic(card, { psam: new Psam(psam) });
      expect(info.name).toBe('李娜');
      expect(info.terminalNumber).toBe('440305000001');
    } finally {
      await reader.close();
    }
    expect(reader.state).toBe('closed');
  });

  it('reopens the port after closing it: closing releases the port and its lock', async () => {
    for (let round = 0; round < 2; round++) {
      const reader = new Reader(serialTransport(sim.path));
      try {
        await reader.start();
        expect(reader.state).toBe('attached');
      } finally {
        await reader.close();
      }
    }
  });

  it('refuses a port that does not exist with a typed open error', async () => {
    const t = serialTransport('/dev/does-not-exist-kiosk');
    await expect(t.open({ data() {}, closed() {} })).rejects.toMatchObject({
      code: 'open-failed',
      transportError: true,
    });
  });
});
