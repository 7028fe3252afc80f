// GET /api/events (WebSocket): the event stream. The first message is
// `{"type":"hello","clientId":…,"application":…,"readers":[…]}`; then reader, card, session and
// PIN events as they happen. A client may also take and release exclusive sessions over it:
//   → {"type":"acquire","id":1,"reader":"sim","timeoutMs":30000,"waitMs":10000}
//   ← {"type":"acquired","id":1,"session":{…}}   or {"type":"error","id":1,"error":{code,message}}
//   → {"type":"release","id":2,"session":"<id>"} ← {"type":"released","id":2}
//   → {"type":"ping","id":3}                     ← {"type":"pong","id":3}
// Sessions taken by a client (here, or over HTTP with its X-Client-Id) end when it disconnects.
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import type { ServiceCore } from './app.ts';
import { ServiceError, toServiceError } from './errors.ts';
import { readerView } from './routes-api.ts';
import { sendOrCut } from './ws-send.ts';

type Json = Record<string, unknown>;

export function registerEventRoutes(app: FastifyInstance, core: ServiceCore): void {
  app.get(
    '/api/events',
    {
      websocket: true,
      config: { auth: 'api' },
      schema: {
        tags: ['events'],
        summary:
          'WebSocket event stream (token in ?token= for browsers). Events: reader-attached, reader-detached, card-inserted, card-removed, session-acquired, session-released, pin-entry-started, pin-progress (a count of digits), pin-entry-ended.',
        querystring: {
          type: 'object',
          properties: { token: { type: 'string', maxLength: 512 } },
        },
      },
    },
    (socket: WebSocket, req) => {
      const application = req.principal!.application;
      if (core.bus.size >= core.config.limits.maxClients) {
        socket.send(
          JSON.stringify({
            type: 'error',
            error: {
              code: 'too-many-clients',
              message: `at most ${core.config.limits.maxClients} clients`,
            },
          }),
        );
        socket.close(1013, 'too many clients');
        return;
      }
      const clientId = core.bus.newClientId();
      const send = (message: Json): void => sendOrCut(socket, JSON.stringify(message));
      core.bus.add({ id: clientId, application, send: (text) => sendOrCut(socket, text) });
      req.log.info({ clientId, application }, 'events client connected');
      socket.on('close', () => {
        core.bus.remove(clientId);
        core.sessions.releaseClient(clientId);
        req.log.info({ clientId, application }, 'events client disconnected');
      });
      socket.on('message', (data, isBinary) => {
        void handle(data, isBinary).catch(() => {});
      });
      send({
        type: 'hello',
        clientId,
        application,
        readers: core.hub.entries().map((e) => readerView(core, e.id)),
      });

      async function handle(data: unknown, isBinary: boolean): Promise<void> {
        let msg: Json;
        try {
          if (isBinary) throw new Error('binary');
          const parsed: unknown = JSON.parse(String(data));
          if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
            throw new Error('not an object');
          msg = parsed as Json;
        } catch {
          send({
            type: 'error',
            error: {
              code: 'invalid-json',
              message: 'a message is one JSON object in a text frame',
            },
          });
          return;
        }
        const id = msg.id;
        if (id !== undefined && typeof id !== 'number' && typeof id !== 'string') {
          send({
            type: 'error',
            error: { code: 'bad-request', message: 'id must be a number or a string' },
          });
          return;
        }
        const reply = (m: Json): void => send(id === undefined ? m : { ...m, id });
        try {
          switch (msg.type) {
            case 'ping':
              reply({ type: 'pong' });
              return;
            case 'acquire': {
              const reader = optional(msg, 'reader', 'string');
              const timeoutMs = optional(msg, 'timeoutMs', 'number');
              const waitMs = optional(msg, 'waitMs', 'number');
              if (
                timeoutMs !== undefined &&
                !(
                  Number.isInteger(timeoutMs) &&
                  timeoutMs >= 100 &&
                  timeoutMs <= core.config.limits.maxSessionTimeoutMs
                )
              )
                throw new ServiceError(
                  400,
                  'bad-request',
                  `timeoutMs must be an integer 100..${core.config.limits.maxSessionTimeoutMs}`,
                );
              if (waitMs !== undefined && !(Number.isInteger(waitMs) && waitMs >= 0))
                throw new ServiceError(400, 'bad-request', 'waitMs must be a whole number of ms');
              const entry = core.hub.pick(reader);
              const session = await core.sessions.acquire(
                entry.id,
                { application, clientId },
                { timeoutMs, waitMs },
              );
              if (socket.readyState !== socket.OPEN) {
                // Gone while waiting: the session must not outlive its client.
                core.sessions.release(session.id, 'disconnected');
                return;
              }
              reply({ type: 'acquired', session });
              return;
            }
            case 'release': {
              const session = optional(msg, 'session', 'string');
              if (session === undefined)
                throw new ServiceError(400, 'bad-request', 'release needs "session"');
              core.sessions.get(session, { application });
              core.sessions.release(session, 'released');
              reply({ type: 'released' });
              return;
            }
            default:
              throw new ServiceError(
                400,
                'bad-request',
                `unknown message type ${JSON.stringify(String(msg.type)).slice(0, 40)} (acquire, release, ping)`,
              );
          }
        } catch (e) {
          reply({ type: 'error', error: toServiceError(e).body().error });
        }
      }
    },
  );
}

function optional(msg: Json, key: string, type: 'string'): string | undefined;
function optional(msg: Json, key: string, type: 'number'): number | undefined;
function optional(msg: Json, key: string, type: 'string' | 'number'): string | number | undefined {
  const v = msg[key];
  if (v === undefined) return undefined;
  if (typeof v !== type) throw new ServiceError(400, 'bad-request', `${key} must be a ${type}`);
  return v as string | number;
}
