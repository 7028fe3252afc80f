// A soak worker process (run.ts forks it): lives in, reports out, over the IPC channel.
import { runLife, type LifeOptions } from './life.ts';

process.on('message', (m: { kind: 'life'; options: LifeOptions } | { kind: 'exit' }) => {
  if (m.kind === 'exit') {
    process.disconnect();
    return;
  }
  void runLife(m.options).then((report) => process.send!({ kind: 'report', report }));
});
