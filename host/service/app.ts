// The HTTP + WebSocket application: fastify with JSON-schema validation for every request, the
// security checks (security.ts) before any route, one error shape for everything, the OpenAPI
// document from the route schemas, and the routes (routes-*.ts).
import swagger from '@fastify/swagger';
import websocket from '@fastify/websocket';
import Fastify, {
  LogController,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { ServiceConfig } from './config.ts';
import type { EmbeddedSimulator } from './embedded-sim.ts';
import { ServiceError, toServiceError } from './errors.ts';
import type { EventBus } from './event-bus.ts';
import { loggerOptions, redactText } from './logging.ts';
import type { ServiceMetrics } from './metrics.ts';
import type { NationalService } from './national.ts';
import type { ReaderPanel } from './panel.ts';
import type { CardOperations } from './operations.ts';
import type { ReaderHub } from './reader-hub.ts';
import { registerApiRoutes } from './routes-api.ts';
import { registerEventRoutes } from './routes-events.ts';
import { registerNationalRoutes } from './routes-national.ts';
import { registerPageRoutes } from './routes-pages.ts';
import { registerPanelRoutes } from './routes-panel.ts';
import { registerSessionRoutes } from './routes-sessions.ts';
import { AccessControl, bearerToken, PANEL_APPLICATION, type Principal } from './security.ts';
import type { SessionManager } from './sessions.ts';

export const SERVICE_VERSION = '0.1.0';

/** Everything the routes work with. */
export interface ServiceCore {
  readonly config: ServiceConfig;
  readonly access: AccessControl;
  readonly hub: ReaderHub;
  readonly sessions: SessionManager;
  readonly ops: CardOperations;
  readonly national: NationalService;
  readonly bus: EventBus;
  readonly metrics: ServiceMetrics;
  /** The simulated reader (tests drive it); the routes use only `panel`. */
  readonly sim: EmbeddedSimulator | undefined;
  /** The reader panel's controls, when the reader is simulated. */
  readonly panel: ReaderPanel | undefined;
}

export interface AppOptions {
  logLevel?: string;
  /** Where log lines go (default stdout). */
  logStream?: { write(line: string): void };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller, for /api/ and /panel/ routes (set by the auth hook). */
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** Which token the route needs: an application's or the page's ('api'), the panel's, or none. */
    auth?: 'api' | 'panel' | 'none';
  }
}

export async function buildApp(
  core: ServiceCore,
  options: AppOptions = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: core.config.limits.bodyBytes,
    logger: loggerOptions(options.logLevel ?? 'info', options.logStream),
    // One line per request of our own (onResponse below) instead of fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // Unknown body fields are errors, not silently dropped: `{"pin": …}` is refused, loudly.
    ajv: { customOptions: { removeAdditional: false, allErrors: false } },
    return503OnClosing: true,
    forceCloseConnections: true,
    // What fastify refuses before routing (a URL that does not decode, a path parameter too
    // long): the same security checks first, then the service's error shape.
    frameworkErrors: (error, req, reply) => {
      let e: ServiceError;
      try {
        core.access.checkHost(req.headers.host);
        core.access.checkOrigin(headerValue(req.headers.origin));
        e =
          error.code === 'FST_ERR_BAD_URL'
            ? new ServiceError(
                400,
                'bad-request',
                'the URL does not decode: a %-escape in its path is not UTF-8',
              )
            : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
              ? new ServiceError(414, 'bad-request', 'a path parameter is too long')
              : new ServiceError(500, 'internal', 'internal error (see the service log)');
      } catch (x) {
        e = toServiceError(x);
      }
      req.log.info({ code: e.code, status: e.status }, 'refused before routing');
      void (reply as FastifyReply)
        .code(e.status)
        .header('content-type', 'application/json; charset=utf-8')
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-store')
        .send(JSON.stringify(e.body()));
    },
  });
  // Only JSON bodies; anything else is 415.
  app.removeContentTypeParser('text/plain');

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'kiosk-reader local service',
        version: SERVICE_VERSION,
        description:
          'Smart-card reader service for self-service kiosks: social security card (社会保障卡), ' +
          'resident health card (居民健康卡), bank application, PIN on the reader keypad, the national ' +
          'iReadCardBas family. Listens on 127.0.0.1 only. Events: WebSocket GET /api/events?token=….',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      },
      security: [{ bearer: [] }],
    },
  });
  await app.register(websocket, {
    options: { maxPayload: 4096 },
    errorHandler: (_error, socket) => socket.terminate(),
  });

  // @fastify/websocket hides WebSocket routes from the OpenAPI document; the event stream is part
  // of the API, so it is shown (with its GET and querystring; the messages are in its summary).
  app.addHook('onRoute', (route) => {
    if (route.websocket && route.url.startsWith('/api/'))
      route.schema = { ...route.schema, hide: false };
  });

  // ---- security, before anything else ----
  app.addHook('onRequest', async (req, reply) => {
    core.access.checkHost(req.headers.host);
    const origin = headerValue(req.headers.origin);
    core.access.checkOrigin(origin);
    if (core.access.corsAllowed(origin)) {
      reply.header('access-control-allow-origin', origin);
      reply.header('vary', 'Origin');
      if (req.method === 'OPTIONS') {
        reply
          .code(204)
          .header('access-control-allow-methods', 'GET, POST, DELETE')
          .header(
            'access-control-allow-headers',
            'authorization, content-type, x-session-id, x-client-id',
          )
          .header('access-control-max-age', '600')
          .send();
        return reply;
      }
    }
    const auth = req.routeOptions.config?.auth ?? 'none';
    if (auth === 'none') return;
    const token = bearerToken(headerValue(req.headers.authorization)) ?? queryToken(req);
    const principal = core.access.authenticate(
      token,
      origin,
      headerValue(req.headers['sec-fetch-site']),
    );
    if (auth === 'panel' ? principal.application !== PANEL_APPLICATION : principal.kind === 'panel')
      throw new ServiceError(
        403,
        'forbidden',
        auth === 'panel'
          ? 'the reader panel is driven by the panel page only'
          : 'the panel token is not an application token',
      );
    req.principal = principal;
  });

  // A POST without a body is an empty JSON object (the schemas say which fields it may have).
  app.addHook('preValidation', async (req) => {
    if (req.body === undefined && req.method === 'POST') req.body = {};
  });

  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unknown';
    core.metrics.requests.inc({ route, method: req.method, status: String(reply.statusCode) });
    req.log.info(
      {
        method: req.method,
        route,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
        application: req.principal?.application,
      },
      'request',
    );
  });

  app.setErrorHandler((error: FastifyError | Error, req, reply) => {
    const e = fromFastify(error);
    if (e.status >= 500)
      req.log.error({ code: e.code, err: redactText(String(error?.stack ?? error)) }, 'failed');
    else req.log.info({ code: e.code, message: redactText(e.message) }, 'refused');
    for (const [k, v] of Object.entries(e.headers)) reply.header(k, v);
    return reply.code(e.status).send(e.body());
  });

  app.setNotFoundHandler((req, reply) => {
    // Security first: a foreign Host or Origin is refused even for paths that do not exist.
    try {
      core.access.checkHost(req.headers.host);
      core.access.checkOrigin(headerValue(req.headers.origin));
    } catch (e) {
      const se = toServiceError(e);
      return reply.code(se.status).send(se.body());
    }
    return reply
      .code(404)
      .send(
        new ServiceError(
          404,
          'not-found',
          `no route ${req.method} ${req.url.split('?')[0]}`,
        ).body(),
      );
  });

  registerPageRoutes(app, core);
  registerApiRoutes(app, core);
  registerSessionRoutes(app, core);
  registerNationalRoutes(app, core);
  registerEventRoutes(app, core);
  if (core.panel) registerPanelRoutes(app, core.panel);

  app.get('/openapi.json', { schema: { hide: true }, config: { auth: 'none' } }, async () =>
    app.swagger(),
  );
  app.get('/metrics', { schema: { hide: true }, config: { auth: 'none' } }, async (_req, reply) => {
    reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8');
    return core.metrics.registry.render();
  });
  return app;
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function queryToken(req: FastifyRequest): string | undefined {
  // Only the WebSocket upgrade may carry its token in the URL (browsers cannot set its headers).
  if (req.headers.upgrade?.toLowerCase() !== 'websocket') return undefined;
  const t = (req.query as Record<string, unknown> | undefined)?.token;
  return typeof t === 'string' ? t : undefined;
}

/** fastify's own errors (parsing, validation, limits) in the service's shape. */
function fromFastify(error: FastifyError | Error): ServiceError {
  if (error instanceof ServiceError) return error;
  const fe = error as FastifyError;
  switch (fe.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ServiceError(400, 'invalid-json', 'the request body is not valid JSON');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ServiceError(
        400,
        'invalid-json',
        'the request body is empty but Content-Type says JSON (send {} or no Content-Type)',
      );
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ServiceError(
        413,
        'payload-too-large',
        'the request body is larger than the service accepts',
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ServiceError(
        415,
        'unsupported-media-type',
        'send the request body as application/json',
      );
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ServiceError(400, 'bad-request', 'Content-Length does not match the body');
  }
  if (fe.validation) {
    return new ServiceError(400, 'bad-request', fe.message, {
      // Where and what is wrong, never the value sent.
      details: fe.validation.map((v) => ({
        in: fe.validationContext,
        path: v.instancePath,
        problem: v.message,
        ...(v.params && 'additionalProperty' in v.params
          ? { property: (v.params as { additionalProperty: string }).additionalProperty }
          : {}),
      })),
    });
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500)
    return new ServiceError(fe.statusCode, 'bad-request', fe.message);
  return toServiceError(error);
}
