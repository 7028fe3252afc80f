// The transaction runs several sections report on (the firmware section counts instructions over
// them, the transaction section times them): each runs once per `npm run bench`.
import { naiveTransaction } from './naive-kiosk.ts';
import type { TransactionRun } from './transaction-run.ts';

/** The two cards of ARCHITECTURE.md §6 in the benchmark: the 3.0 SSC on T=0, the fast T=1 card. */
export const BENCH_CARDS = [
  { spec: 'ssc3', name: 'ssc3 (T=0)' },
  { spec: 'ssc3-t1', name: 'ssc3-t1 (T=1, TA1=96)' },
] as const;

/** What our-kiosk.ts exports. */
interface OurKiosk {
  ourTransaction(spec: string, options: { countInstructions?: boolean }): Promise<TransactionRun>;
}

/** True when `e` says a module of the benchmark or the stack it needs is not there. */
export function isMissingModule(e: unknown): boolean {
  return (e as { code?: string } | undefined)?.code === 'ERR_MODULE_NOT_FOUND';
}

const ours = new Map<string, Promise<TransactionRun>>();
const naive = new Map<string, Promise<TransactionRun>>();

/**
 * Our stack, with the firmware's instructions counted (the count does not change virtual time).
 * Rejects with a clear message when the driver's reader layer is not there yet.
 */
export function ourRun(spec: string): Promise<TransactionRun> {
  let run = ours.get(spec);
  if (!run) {
    // Loaded by name at run time: our-kiosk.ts needs the driver's reader layer (host/reader),
    // and the benchmark must still run, skipping this, on a tree where it has not landed.
    const module = './our-kiosk.ts';
    run = (import(module) as Promise<OurKiosk>).then((m) =>
      m.ourTransaction(spec, { countInstructions: true }),
    );
    ours.set(spec, run);
  }
  return run;
}

export function naiveRun(spec: string): Promise<TransactionRun> {
  let run = naive.get(spec);
  if (!run) {
    run = naiveTransaction(spec);
    naive.set(spec, run);
  }
  return run;
}
