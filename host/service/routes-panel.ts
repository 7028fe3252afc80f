// /panel/api/ and /panel/events: the simulated reader's own controls for the reader panel page —
// keys to the simulator's keypad, cards in and out of its slots, the USB cable. Registered only
// when the reader is simulated, open only to the panel page's token, and not part of the API that
// applications use: an application can never press the reader's keys.
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { CardSpecError } from '../../simulator/cards.ts';
import type { ServiceCore } from './app.ts';
import { PANEL_KEYS, type EmbeddedSimulator, type PanelKey } from './embedded-sim.ts';
import { ServiceError } from './errors.ts';
import { errorResponses } from './schemas.ts';

const panel = { auth: 'panel' } as const;
const slot = { type: 'integer', minimum: 0, maximum: 2 } as const;

export function registerPanelRoutes(
  app: FastifyInstance,
  _core: ServiceCore,
  sim: EmbeddedSimulator,
): void {
  const hide = { hide: true } as const;

  app.get('/panel/api/state', { config: panel, schema: hide }, async () => ({
    ...sim.state(),
    personas: sim.personas(),
    keys: PANEL_KEYS,
  }));

  app.post<{ Body: { key: PanelKey } }>(
    '/panel/api/keys',
    {
      config: panel,
      schema: {
        ...hide,
        body: {
          type: 'object',
          required: ['key'],
          additionalProperties: false,
          properties: { key: { type: 'string', enum: [...PANEL_KEYS] } },
        },
        response: { 204: { type: 'null' }, ...errorResponses },
      },
    },
    async (req, reply) => {
      sim.press(req.body.key);
      reply.code(204).send();
    },
  );

  app.post<{ Body: { slot: number; spec: string } }>(
    '/panel/api/cards',
    {
      config: panel,
      schema: {
        ...hide,
        body: {
          type: 'object',
          required: ['slot', 'spec'],
          additionalProperties: false,
          properties: { slot, spec: { type: 'string', minLength: 1, maxLength: 200 } },
        },
      },
    },
    async (req) => {
      try {
        sim.insert(req.body.slot, req.body.spec);
      } catch (e) {
        if (e instanceof CardSpecError) throw new ServiceError(400, 'bad-request', e.message);
        throw e;
      }
      return sim.state();
    },
  );

  app.delete<{ Params: { slot: number } }>(
    '/panel/api/cards/:slot',
    {
      config: panel,
      schema: { ...hide, params: { type: 'object', required: ['slot'], properties: { slot } } },
    },
    async (req) => {
      sim.remove(req.params.slot);
      return sim.state();
    },
  );

  app.post<{ Body: { plugged: boolean } }>(
    '/panel/api/link',
    {
      config: panel,
      schema: {
        ...hide,
        body: {
          type: 'object',
          required: ['plugged'],
          additionalProperties: false,
          properties: { plugged: { type: 'boolean' } },
        },
      },
    },
    async (req) => {
      if (req.body.plugged) sim.plug();
      else sim.unplug();
      return sim.state();
    },
  );

  app.get(
    '/panel/events',
    {
      websocket: true,
      config: panel,
      schema: {
        ...hide,
        querystring: { type: 'object', properties: { token: { type: 'string' } } },
      },
    },
    (socket: WebSocket) => {
      const send = (state: object): void => {
        if (socket.readyState === socket.OPEN)
          socket.send(JSON.stringify({ type: 'state', ...state }));
      };
      const onChanged = (state: object): void => send(state);
      sim.on('changed', onChanged);
      socket.on('close', () => sim.off('changed', onChanged));
      socket.on('message', () => {
        // The panel's controls are the HTTP routes above; nothing is read from this socket.
      });
      send(sim.state());
    },
  );
}
