// JSON schemas of the API, shared by the routes (fastify validates every request with them) and
// the OpenAPI document (@fastify/swagger builds /openapi.json from them).

export const errorSchema = {
  type: 'object',
  description: 'Every error: a stable code, a message in English, and details where they help.',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      additionalProperties: true,
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
      },
    },
  },
} as const;

/** The error responses every /api/ route may give. */
export const errorResponses = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
  409: errorSchema,
  413: errorSchema,
  415: errorSchema,
  422: errorSchema,
  429: errorSchema,
  500: errorSchema,
  501: errorSchema,
  502: errorSchema,
  503: errorSchema,
  504: errorSchema,
} as const;

export const readerIdSchema = {
  type: 'string',
  pattern: '^[A-Za-z0-9._-]{1,64}$',
  description: 'A reader id from GET /api/readers (e.g. "sim").',
} as const;

export const readerParams = {
  type: 'object',
  required: ['reader'],
  properties: { reader: readerIdSchema },
} as const;

export const sessionIdSchema = { type: 'string', pattern: '^[0-9a-f]{32}$' } as const;
export const clientIdSchema = { type: 'string', pattern: '^[0-9a-f]{24}$' } as const;

/** Headers an operation may carry: the exclusive session it runs under. */
export const operationHeaders = {
  type: 'object',
  properties: {
    'x-session-id': {
      ...sessionIdSchema,
      description: 'Run under this exclusive session (POST /api/sessions).',
    },
  },
} as const;

const slotSchema = {
  type: 'object',
  required: ['index', 'kind', 'present', 'powered'],
  properties: {
    index: { type: 'integer' },
    kind: { type: 'string', enum: ['user', 'sam'] },
    present: { type: 'boolean' },
    powered: { type: 'boolean' },
  },
} as const;

export const readerSchema = {
  type: 'object',
  required: ['id', 'path', 'simulated', 'state', 'profile', 'capabilities', 'slots'],
  properties: {
    id: { type: 'string' },
    path: { type: 'string' },
    simulated: { type: 'boolean' },
    state: { type: 'string', enum: ['connecting', 'attached', 'detached', 'closed'] },
    profile: { type: 'string', enum: ['native', 'compat'], nullable: true },
    capabilities: {
      type: 'object',
      properties: {
        pinPad: { type: 'boolean' },
        display: { type: 'boolean' },
        beeper: { type: 'boolean' },
      },
    },
    slots: { type: 'array', items: slotSchema },
    session: {
      type: 'object',
      description: 'The exclusive session holding the reader, if any.',
      properties: {
        application: { type: 'string' },
        expiresAt: { type: 'number' },
      },
    },
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
  },
} as const;

export const slotsSchema = { type: 'array', items: slotSchema } as const;

export const sessionSchema = {
  type: 'object',
  required: ['id', 'reader', 'application', 'timeoutMs', 'expiresAt'],
  properties: {
    id: sessionIdSchema,
    reader: { type: 'string' },
    application: { type: 'string' },
    clientId: { type: 'string' },
    timeoutMs: { type: 'integer' },
    expiresAt: { type: 'number', description: 'Service clock ms at which an idle session ends.' },
  },
} as const;

/** Typed card data: documented by its main fields, every field passed through. */
const open = (description: string, properties: Record<string, unknown>) =>
  ({ type: 'object', description, additionalProperties: true, properties }) as const;

export const sscBasicSchema = open(
  'Social security card basic information (iReadCardBas, typed).',
  {
    regionCode: { type: 'string' },
    socialSecurityNumber: { type: 'string' },
    cardNumber: { type: 'string' },
    cardId: { type: 'string' },
    name: { type: 'string' },
    historicalBytes: { type: 'string' },
    specVersion: { type: 'string' },
    issueDate: { type: 'string' },
    expiryDate: { type: 'string' },
    terminalNumber: { type: 'string' },
    terminalDeviceNumber: { type: 'string' },
    authentication: { type: 'string', enum: ['psam', 'hsm'] },
  },
);

export const healthSchema = open('Resident health card data.', {
  issuer: { type: 'object', additionalProperties: true },
  holder: { type: 'object', additionalProperties: true },
  contacts: { type: 'array', items: { type: 'object', additionalProperties: true } },
  addresses: { type: 'array', items: { type: 'object', additionalProperties: true } },
  clinical: { type: 'object', additionalProperties: true },
});

export const bankSchema = open('The bank (PBOC / UnionPay) application.', {
  aid: { type: 'string' },
  pan: { type: 'string' },
  panSource: { type: 'string' },
  expiry: { type: 'string' },
  holderName: { type: 'string' },
  panSequenceNumber: { type: 'string' },
});

export const pinBodySchema = {
  type: 'object',
  additionalProperties: false,
  description:
    'Options of the entry on the reader keypad. There is no PIN field: the holder types the PIN on the reader.',
  properties: {
    language: { type: 'string', enum: ['zh', 'en'], description: 'Reader prompts (default zh).' },
    timeoutSeconds: {
      type: 'integer',
      minimum: 0,
      maximum: 255,
      description: 'Seconds for the first key (0: the reader default, 30 s).',
    },
  },
} as const;

export const pinOutcomeSchema = {
  type: 'object',
  required: ['outcome'],
  properties: {
    outcome: {
      type: 'string',
      enum: ['ok', 'wrong-pin', 'blocked', 'cancelled', 'timeout', 'invalid-length', 'mismatch'],
    },
    triesLeft: { type: 'integer' },
  },
} as const;

export const nationalReplySchema = {
  type: 'object',
  required: ['code', 'pOutInfo'],
  description: 'What the national function returns: 0 or the error code, and pOutInfo.',
  properties: {
    code: { type: 'integer' },
    pOutInfo: { type: 'string', description: 'Fields each followed by |, or the error text.' },
    gbkHex: { type: 'string', description: 'pOutInfo in GBK, hex (when gbk: true).' },
  },
} as const;
