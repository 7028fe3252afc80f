// /api/: readers and slots, the card operations in typed JSON, PIN entry on the reader's keypad,
// raw APDUs for the applications allowed them. Nothing here updates firmware or reconfigures a
// reader: those stay with the provisioning tools (host/firmware, the CLI).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { fromHex } from '../iso7816/hex.ts';
import { SERVICE_VERSION, type ServiceCore } from './app.ts';
import { ServiceError } from './errors.ts';
import type { Caller } from './operations.ts';
import type { ReaderView } from './reader-hub.ts';
import {
  bankSchema,
  errorResponses,
  healthSchema,
  operationHeaders,
  pinBodySchema,
  pinOutcomeSchema,
  readerIdSchema,
  readerParams,
  readerSchema,
  slotsSchema,
  sscBasicSchema,
} from './schemas.ts';

export function callerOf(req: FastifyRequest): Caller {
  const p = req.principal;
  if (!p) throw new ServiceError(401, 'unauthorized', 'no token');
  const session = req.headers['x-session-id'];
  const client = req.headers['x-client-id'];
  return {
    application: p.application,
    rawApdu: p.rawApdu,
    ...(typeof session === 'string' ? { sessionId: session } : {}),
    ...(typeof client === 'string' ? { clientId: client } : {}),
  };
}

export function readerView(core: ServiceCore, id: string): ReaderView & { session?: object } {
  const view = core.hub.view(core.hub.get(id));
  const holder = core.sessions.holder(id);
  return holder
    ? { ...view, session: { application: holder.application, expiresAt: holder.expiresAt } }
    : view;
}

const api = { auth: 'api' } as const;

export function registerApiRoutes(app: FastifyInstance, core: ServiceCore): void {
  app.get(
    '/api/info',
    {
      config: api,
      schema: {
        tags: ['service'],
        summary: 'The service: version, whether a reader is simulated, where the pages are.',
        response: {
          200: {
            type: 'object',
            properties: {
              service: { type: 'string' },
              version: { type: 'string' },
              application: { type: 'string' },
              simulated: { type: 'boolean' },
              pages: { type: 'object', additionalProperties: { type: 'string' } },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => ({
      service: 'kiosk-reader',
      version: SERVICE_VERSION,
      application: req.principal!.application,
      simulated: core.sim !== undefined,
      pages: { kiosk: '/', ...(core.sim ? { panel: '/panel' } : {}), openapi: '/openapi.json' },
    }),
  );

  app.get(
    '/api/readers',
    {
      config: api,
      schema: {
        tags: ['readers'],
        summary: 'Every reader the service knows, attached or not, with its slots.',
        response: { 200: { type: 'array', items: readerSchema }, ...errorResponses },
      },
    },
    async () => core.hub.entries().map((e) => readerView(core, e.id)),
  );

  app.get<{ Params: { reader: string } }>(
    '/api/readers/:reader',
    {
      config: api,
      schema: {
        tags: ['readers'],
        summary: 'One reader.',
        params: readerParams,
        response: { 200: readerSchema, ...errorResponses },
      },
    },
    async (req) => readerView(core, req.params.reader),
  );

  app.get<{ Params: { reader: string } }>(
    '/api/readers/:reader/slots',
    {
      config: api,
      schema: {
        tags: ['readers'],
        summary: "A reader's slots: the user slot and the SAM slots, whether a card is in each.",
        params: readerParams,
        response: { 200: slotsSchema, ...errorResponses },
      },
    },
    async (req) => core.hub.view(core.hub.get(req.params.reader)).slots,
  );

  app.post<{ Params: { reader: string } }>(
    '/api/readers/:reader/ssc/read',
    {
      config: api,
      schema: {
        tags: ['cards'],
        summary:
          'Social security card: basic information, the card authenticated through the PSAM (3.0: EF06 unlocked with RKSSSE).',
        params: readerParams,
        headers: operationHeaders,
        body: { type: 'object', additionalProperties: false, properties: {} },
        response: {
          200: { type: 'object', properties: { data: sscBasicSchema } },
          ...errorResponses,
        },
      },
    },
    async (req) => ({ data: await core.ops.readSsc(callerOf(req), req.params.reader) }),
  );

  app.post<{
    Params: { reader: string };
    Body: { include?: { contacts?: boolean; addresses?: boolean; clinical?: boolean } };
  }>(
    '/api/readers/:reader/health/read',
    {
      config: api,
      schema: {
        tags: ['cards'],
        summary:
          'Resident health card: issuer and holder data, and on request contacts, addresses, clinical summary.',
        params: readerParams,
        headers: operationHeaders,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            include: {
              type: 'object',
              additionalProperties: false,
              properties: {
                contacts: { type: 'boolean' },
                addresses: { type: 'boolean' },
                clinical: { type: 'boolean' },
              },
            },
          },
        },
        response: {
          200: { type: 'object', properties: { data: healthSchema } },
          ...errorResponses,
        },
      },
    },
    async (req) => ({
      data: await core.ops.readHealth(callerOf(req), req.params.reader, req.body.include ?? {}),
    }),
  );

  app.post<{ Params: { reader: string } }>(
    '/api/readers/:reader/bank/read',
    {
      config: api,
      schema: {
        tags: ['cards'],
        summary: 'The bank application: card number (PAN), expiry, holder name.',
        params: readerParams,
        headers: operationHeaders,
        body: { type: 'object', additionalProperties: false, properties: {} },
        response: {
          200: { type: 'object', properties: { data: bankSchema } },
          ...errorResponses,
        },
      },
    },
    async (req) => ({ data: await core.ops.readBank(callerOf(req), req.params.reader) }),
  );

  for (const operation of ['verify', 'change'] as const) {
    app.post<{
      Params: { reader: string };
      Body: { language?: 'zh' | 'en'; timeoutSeconds?: number };
    }>(
      `/api/readers/:reader/pin/${operation}`,
      {
        config: api,
        schema: {
          tags: ['pin'],
          summary:
            operation === 'verify'
              ? 'Verify the card holder PIN, typed on the reader keypad (never sent by the PC). Progress: pin-progress events.'
              : 'Change the card holder PIN on the reader keypad: current PIN, new PIN, new PIN again.',
          params: readerParams,
          headers: operationHeaders,
          body: pinBodySchema,
          response: { 200: pinOutcomeSchema, ...errorResponses },
        },
      },
      async (req) => {
        const c = callerOf(req);
        return operation === 'verify'
          ? core.ops.verifyPin(c, req.params.reader, req.body)
          : core.ops.changePin(c, req.params.reader, req.body);
      },
    );
  }

  app.post<{ Params: { reader: string; slot: number }; Body: { apdus: string[] } }>(
    '/api/readers/:reader/slots/:slot/apdu',
    {
      config: api,
      schema: {
        tags: ['cards'],
        summary:
          'Raw command APDUs to the card in a slot, in one transaction (applications with rawApdu in the config; PIN-bearing commands are refused).',
        params: {
          type: 'object',
          required: ['reader', 'slot'],
          properties: {
            reader: readerIdSchema,
            slot: { type: 'integer', minimum: 0, maximum: 15 },
          },
        },
        headers: operationHeaders,
        body: {
          type: 'object',
          required: ['apdus'],
          additionalProperties: false,
          properties: {
            apdus: {
              type: 'array',
              minItems: 1,
              maxItems: core.config.limits.maxApdus,
              items: {
                type: 'string',
                pattern: '^([0-9A-Fa-f]{2}){4,}$',
                maxLength: 2 * (7 + 65535 + 2),
                description: 'A command APDU in hex (CLA INS P1 P2 [Lc data] [Le]).',
              },
            },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              responses: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { data: { type: 'string' }, sw: { type: 'string' } },
                },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => ({
      responses: await core.ops.apdu(
        callerOf(req),
        req.params.reader,
        req.params.slot,
        req.body.apdus.map((h) => fromHex(h)),
      ),
    }),
  );
}
