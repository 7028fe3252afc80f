// Sending to a WebSocket client that may not be reading: past MAX_BUFFERED_BYTES of unsent data
// the client is cut off (terminated) rather than buffered without end. The event stream and the
// panel's state stream both send this way.

/** A client that does not read its messages is cut off past this much unsent data. */
export const MAX_BUFFERED_BYTES = 1 << 20;

/** The part of a `ws` WebSocket that sending needs. */
export interface SendSocket {
  readonly readyState: number;
  readonly OPEN: number;
  readonly bufferedAmount: number;
  send(text: string): void;
  terminate(): void;
}

/** Sends `text` if the socket is open and keeping up; terminates it if it is not keeping up. */
export function sendOrCut(socket: SendSocket, text: string): void {
  if (socket.readyState !== socket.OPEN) return;
  if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
    socket.terminate();
    return;
  }
  socket.send(text);
}
