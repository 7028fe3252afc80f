// A SecureChannel on the driver's CCID client (host/ccid): PC_to_RDR_Secure to one slot, the
// PinProgress of each time extension (native profile, protocol/PROTOCOL.md §5) to onProgress,
// a failed answer as the driver's typed error.
import { CommandStatus, PcToRdr, RdrToPc, ChainLevel } from '../../protocol/ccid-constants.ts';
import { PinStage, VendorCommand } from '../../protocol/native-constants.ts';
import { decodeVendorResponse } from '../../protocol/native/vendor-escape.ts';
import type { CcidAnswer, CcidClient } from '../ccid/ccid-client.ts';
import { expectOk } from '../ccid/answer.ts';
import { ProtocolError } from '../ccid/errors.ts';
import type { PinProgress, PinStageName, SecureChannel } from './secure-channel.ts';

/**
 * Longest silence from the reader during a PIN entry: it sends a time extension every second
 * (firmware/src/timing.ts), and each one restarts this wait.
 */
export const SECURE_SILENCE_MS = 10_000;

const STAGES: Record<PinStage, PinStageName> = {
  [PinStage.Current]: 'current',
  [PinStage.New]: 'new',
  [PinStage.Confirm]: 'confirm',
};

export function ccidSecureChannel(client: CcidClient, slot: number): SecureChannel {
  return {
    async secure(payload, options = {}) {
      const answer = await client.command(
        { type: PcToRdr.Secure, slot, bwi: 0, levelParameter: ChainLevel.Complete, payload },
        {
          timeoutMs: SECURE_SILENCE_MS,
          signal: options.signal,
          onTimeExtension: (m) => {
            const p = progressOf(m);
            if (p) options.onProgress?.(p);
          },
        },
      );
      const m = expectOk(answer, 'PC_to_RDR_Secure', { reader: client.path, slot });
      if (m.type !== RdrToPc.DataBlock || m.commandStatus !== CommandStatus.Ok) {
        throw new ProtocolError('PC_to_RDR_Secure: the answer is not a DataBlock', {
          reader: client.path,
          slot,
        });
      }
      return m.data;
    },
  };
}

/** The PinProgress of a time extension, or undefined when it carries none (or garbage). */
export function progressOf(m: CcidAnswer): PinProgress | undefined {
  if (m.type !== RdrToPc.DataBlock || m.data.length === 0) return undefined;
  try {
    const r = decodeVendorResponse(m.data);
    if (r.command !== VendorCommand.PinProgress || !('digits' in r)) return undefined;
    return { digits: r.digits, stage: STAGES[r.stage] };
  } catch {
    return undefined;
  }
}
