// Shared by the kiosk page and the reader panel: the page's token (the service embeds it), JSON
// requests to the service, and a WebSocket that reconnects by itself. Plain ES modules, no build.

/** The token the service issued to this page (a <meta> element it fills in). */
export function pageToken(name) {
  const meta = document.querySelector(`meta[name="${name}"]`);
  return meta ? meta.getAttribute('content') : '';
}

/** A request error in the service's shape: { error: { code, message } }. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code ?? 'http-' + status;
    this.body = body;
  }
}

/** JSON request with the page's token; resolves with the parsed body (or null for 204). */
export async function request(token, method, path, body, headers = {}) {
  const init = {
    method,
    headers: { authorization: `Bearer ${token}`, ...headers },
  };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const text = await res.text();
  const parsed = text ? JSON.parse(text) : null;
  if (!res.ok) throw new ApiError(res.status, parsed);
  return parsed;
}

/**
 * A WebSocket on `path` that reconnects after a short, growing pause when it closes (the service
 * restarting). `onMessage(obj)` gets each JSON message, `onState(open)` the connection state.
 */
export function liveSocket(path, token, onMessage, onState = () => {}) {
  let delay = 250;
  let socket;
  let stopped = false;
  const pending = new Map();
  let nextId = 1;
  const open = () => {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}?token=${encodeURIComponent(token)}`;
    socket = new WebSocket(url);
    socket.onopen = () => {
      delay = 250;
      onState(true);
    };
    socket.onmessage = (m) => {
      let msg;
      try {
        msg = JSON.parse(m.data);
      } catch {
        return;
      }
      if (msg.id !== undefined && pending.has(msg.id)) {
        const { resolve, reject } = pending.get(msg.id);
        pending.delete(msg.id);
        if (msg.type === 'error') reject(Object.assign(new Error(msg.error.message), msg.error));
        else resolve(msg);
        return;
      }
      onMessage(msg);
    };
    socket.onclose = () => {
      onState(false);
      for (const { reject } of pending.values()) reject(new Error('disconnected'));
      pending.clear();
      if (!stopped) setTimeout(open, (delay = Math.min(delay * 2, 5000)));
    };
  };
  open();
  return {
    /** Sends a message with an id and resolves with the service's answer to it. */
    call(message) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        if (!socket || socket.readyState !== WebSocket.OPEN) {
          reject(new Error('not connected'));
          return;
        }
        pending.set(id, { resolve, reject });
        socket.send(JSON.stringify({ ...message, id }));
      });
    },
    close() {
      stopped = true;
      socket?.close();
    },
  };
}
