// A bare host for workloads that must not depend on the driver's reader layer: the driver's own
// frame channel and CCID client (host/ccid) on the simulator's in-process host link, sending
// CCID messages as given. Vendor escapes go in raw (protocol/native), APDUs as XfrBlocks.
import { ChainLevel, CommandStatus, PcToRdr, RdrToPc } from '../../protocol/ccid-constants.ts';
import { PowerSelect } from '../../protocol/ccid-constants.ts';
import { Profile, VendorCommand } from '../../protocol/native-constants.ts';
import { encodeVendorRequest, type VendorRequest } from '../../protocol/native/vendor-escape.ts';
import {
  COMPAT_MAX_MESSAGE_LENGTH,
  NATIVE_MAX_MESSAGE_LENGTH,
} from '../../protocol/serial-constants.ts';
import {
  CcidClient,
  type CcidAnswer,
  type CcidCommand,
  type ClientMode,
} from '../../host/ccid/ccid-client.ts';
import { FrameChannel } from '../../host/ccid/frame-channel.ts';
import { streamTransport } from '../../host/transport/stream-transport.ts';
import type { Simulation } from '../../simulator/simulation.ts';

export class RawHost {
  private client: CcidClient;

  private constructor(
    private readonly sim: Simulation,
    private readonly channel: FrameChannel,
  ) {
    this.client = this.makeClient('compat');
  }

  static async open(sim: Simulation): Promise<RawHost> {
    let host: RawHost | undefined;
    const channel = await FrameChannel.open(
      streamTransport('bench:sim', () => sim.hostStream()),
      {
        message: (m) => host?.client.message(m),
        nak: () => host?.client.nak(),
        timeRequest: () => host?.client.timeRequest(),
        activity: () => host?.client.activity(),
        closed: () => {},
      },
    );
    host = new RawHost(sim, channel);
    return host;
  }

  private makeClient(mode: ClientMode): CcidClient {
    return new CcidClient({
      sink: { send: (m) => this.channel.send(m) },
      clock: this.sim.clientClock,
      path: 'bench:sim',
      mode,
      maxMessageLength: mode === 'native' ? NATIVE_MAX_MESSAGE_LENGTH : COMPAT_MAX_MESSAGE_LENGTH,
      events: { slotChange: () => {}, unresponsive: () => {} },
    });
  }

  /** Any CCID command; the answer as it came (failed or not). */
  command(command: CcidCommand): Promise<CcidAnswer> {
    return this.client.command(command, { timeoutMs: 10_000 });
  }

  async vendor(request: VendorRequest): Promise<CcidAnswer> {
    return ok(
      await this.client.command({
        type: PcToRdr.Escape,
        slot: 0,
        data: encodeVendorRequest(request),
      }),
    );
  }

  /** HELLO and SET_PROFILE native; from here on the link runs the native profile. */
  async native(): Promise<void> {
    await this.vendor({ command: VendorCommand.Hello });
    await this.vendor({ command: VendorCommand.SetProfile, profile: Profile.Native });
    this.client = this.makeClient('native');
  }

  async powerOn(slot: number): Promise<Uint8Array> {
    const m = ok(
      await this.client.command(
        { type: PcToRdr.IccPowerOn, slot, powerSelect: PowerSelect.Automatic },
        { timeoutMs: 10_000 },
      ),
    );
    return m.type === RdrToPc.DataBlock ? m.data : new Uint8Array();
  }

  /** One XfrBlock (an APDU in native, a TPDU in compat); the card's answer bytes. */
  async xfr(slot: number, data: Uint8Array): Promise<Uint8Array> {
    const m = ok(
      await this.client.command(
        { type: PcToRdr.XfrBlock, slot, bwi: 0, levelParameter: ChainLevel.Complete, data },
        { timeoutMs: 10_000 },
      ),
    );
    if (m.type !== RdrToPc.DataBlock) throw new Error(`XfrBlock answered ${RdrToPc[m.type]}`);
    return m.data;
  }

  close(): Promise<void> {
    return this.channel.close();
  }
}

function ok(m: CcidAnswer): CcidAnswer {
  if ('commandStatus' in m && m.commandStatus === CommandStatus.Failed)
    throw new Error(`the reader answered Failed, bError 0x${m.error.toString(16)}`);
  return m;
}
