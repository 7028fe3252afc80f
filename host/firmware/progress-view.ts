// The progress bars of `fw flash`: one bar per reader (cli-progress), fed by flashReader's
// progress events. Written to a stream (stderr by default) so that --json output stays clean.
import cliProgress from 'cli-progress';
import type { FlashProgress } from './flash-reader.ts';

export interface ProgressView {
  update(p: FlashProgress): void;
  stop(): void;
}

export function progressView(
  stream: NodeJS.WritableStream = process.stderr,
  options: { noTTYOutput?: boolean } = {},
): ProgressView {
  const multi = new cliProgress.MultiBar(
    {
      stream,
      format: '{reader} |{bar}| {percentage}% {phase} {value}/{total} bytes',
      barCompleteChar: '█',
      barIncompleteChar: '░',
      hideCursor: true,
      clearOnComplete: false,
      noTTYOutput: options.noTTYOutput ?? false,
      notTTYSchedule: 1000,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  return {
    update(p) {
      let bar = bars.get(p.reader);
      if (!bar) {
        bar = multi.create(p.total, 0, { reader: p.reader.padEnd(16), phase: p.phase });
        bars.set(p.reader, bar);
      }
      bar.setTotal(p.total);
      bar.update(p.sent, { phase: p.phase });
    },
    stop() {
      multi.stop();
    },
  };
}
