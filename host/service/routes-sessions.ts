// /api/sessions: exclusive sessions on a reader (sessions.ts). A session tied to a WebSocket
// client (X-Client-Id, from the events socket's hello) ends when that socket closes; any session
// ends after its idle timeout. Operations run under one with `X-Session-Id`. A request waiting
// for a reader (waitMs) stops waiting when its connection closes.
import type { FastifyInstance } from 'fastify';
import type { ServiceCore } from './app.ts';
import { ServiceError } from './errors.ts';
import { callerOf } from './routes-api.ts';
import {
  clientIdSchema,
  errorResponses,
  readerIdSchema,
  sessionIdSchema,
  sessionSchema,
} from './schemas.ts';
import type { SessionOwner } from './sessions.ts';

const api = { auth: 'api' } as const;
const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: sessionIdSchema },
} as const;

export function registerSessionRoutes(app: FastifyInstance, core: ServiceCore): void {
  const owner = (req: Parameters<typeof callerOf>[0]): SessionOwner => {
    const c = callerOf(req);
    if (c.clientId !== undefined && core.bus.applicationOf(c.clientId) !== c.application)
      throw new ServiceError(
        400,
        'bad-request',
        'X-Client-Id names no open events WebSocket of this application',
      );
    return { application: c.application, ...(c.clientId ? { clientId: c.clientId } : {}) };
  };

  app.post<{ Body: { reader?: string; timeoutMs?: number; waitMs?: number } }>(
    '/api/sessions',
    {
      config: api,
      schema: {
        tags: ['sessions'],
        summary:
          'Take a reader exclusively. Others get 409 reader-busy until it is released, idle past its timeout, or its WebSocket client disconnects.',
        headers: {
          type: 'object',
          properties: {
            'x-client-id': {
              ...clientIdSchema,
              description: 'The events WebSocket this session lives with (from its hello).',
            },
          },
        },
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            reader: { ...readerIdSchema, description: 'Default: the first attached reader.' },
            timeoutMs: {
              type: 'integer',
              minimum: 100,
              maximum: core.config.limits.maxSessionTimeoutMs,
              description: `Idle time before the session ends (default ${core.config.limits.sessionTimeoutMs}).`,
            },
            waitMs: {
              type: 'integer',
              minimum: 0,
              maximum: core.config.limits.maxWaitMs,
              description:
                'Wait this long for a reader another client holds (default 0: 409 at once).',
            },
          },
        },
        response: { 201: sessionSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      const o = owner(req);
      const entry = core.hub.pick(req.body.reader);
      // A client that goes away while it waits is not granted the session. The request's own
      // 'close' fires once its body is read; the response's fires when the connection drops.
      const gone = new AbortController();
      const onClose = (): void => {
        if (!reply.raw.writableEnded) gone.abort();
      };
      reply.raw.on('close', onClose);
      let session;
      try {
        session = await core.sessions.acquire(entry.id, o, {
          timeoutMs: req.body.timeoutMs,
          waitMs: req.body.waitMs,
          signal: gone.signal,
        });
      } finally {
        reply.raw.off('close', onClose);
      }
      if (gone.signal.aborted || reply.raw.destroyed) {
        core.sessions.release(session.id, 'disconnected');
        throw new ServiceError(409, 'session-closed', 'the client went away while it waited');
      }
      reply.code(201);
      return session;
    },
  );

  app.get(
    '/api/sessions',
    {
      config: api,
      schema: {
        tags: ['sessions'],
        summary: "This application's sessions.",
        response: { 200: { type: 'array', items: sessionSchema }, ...errorResponses },
      },
    },
    async (req) => {
      const app = callerOf(req).application;
      return core.sessions.list().filter((s) => s.application === app);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/sessions/:id',
    {
      config: api,
      schema: {
        tags: ['sessions'],
        summary: 'One session of this application.',
        params: idParams,
        response: { 200: sessionSchema, ...errorResponses },
      },
    },
    async (req) => core.sessions.get(req.params.id, owner(req)),
  );

  app.post<{ Params: { id: string } }>(
    '/api/sessions/:id/keepalive',
    {
      config: api,
      schema: {
        tags: ['sessions'],
        summary: 'Restart the idle timeout.',
        params: idParams,
        body: { type: 'object', additionalProperties: false, properties: {} },
        response: { 200: sessionSchema, ...errorResponses },
      },
    },
    async (req) => core.sessions.touch(req.params.id, owner(req)),
  );

  app.delete<{ Params: { id: string } }>(
    '/api/sessions/:id',
    {
      config: api,
      schema: {
        tags: ['sessions'],
        summary: 'Release the reader.',
        params: idParams,
        response: { 204: { type: 'null' }, ...errorResponses },
      },
    },
    async (req, reply) => {
      core.sessions.get(req.params.id, owner(req));
      core.sessions.release(req.params.id, 'released');
      reply.code(204).send();
    },
  );
}
