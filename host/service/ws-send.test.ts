// sendOrCut: a WebSocket client that does not read is cut off, not buffered without end.
import { describe, expect, it } from 'vitest';
import { MAX_BUFFERED_BYTES, sendOrCut, type SendSocket } from './ws-send.ts';

function socket(bufferedAmount: number, readyState = 1) {
  const sent: string[] = [];
  let terminated = false;
  const s: SendSocket = {
    readyState,
    OPEN: 1,
    bufferedAmount,
    send: (t) => void sent.push(t),
    terminate: () => void (terminated = true),
  };
  return { s, sent, terminated: () => terminated };
}

describe('sendOrCut', () => {
  it('sends while the client keeps up', () => {
    const c = socket(MAX_BUFFERED_BYTES);
    sendOrCut(c.s, 'x');
    expect(c.sent).toEqual(['x']);
    expect(c.terminated()).toBe(false);
  });

  it('terminates a client with more than MAX_BUFFERED_BYTES unsent', () => {
    const c = socket(MAX_BUFFERED_BYTES + 1);
    sendOrCut(c.s, 'x');
    expect(c.sent).toEqual([]);
    expect(c.terminated()).toBe(true);
  });

  it('drops messages to a socket that is not open', () => {
    const c = socket(0, 3);
    sendOrCut(c.s, 'x');
    expect(c.sent).toEqual([]);
    expect(c.terminated()).toBe(false);
  });
});
