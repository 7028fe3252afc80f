// /panel/api/ and /panel/events: the simulated reader's own controls for the reader panel page —
// keys to the simulator's keypad, cards in and out of its slots, the USB cable. Registered only
// when the reader is simulated, open only to the panel page's token, and not part of the API that
// applications use: an application can never press the reader's keys. The routes work on a
// ReaderPanel (panel.ts) that the composition root hands them; they never touch the simulator.
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { PANEL_KEYS, type PanelKey, type ReaderPanel } from './panel.ts';
import { errorResponses } from './schemas.ts';
import { sendOrCut } from './ws-send.ts';

const panelAuth = { auth: 'panel' } as const;
const slot = { type: 'integer', minimum: 0, maximum: 2 } as const;

/** Panel pages open at once: one per screen beside the kiosk page is the use; a few spare. */
export const MAX_PANEL_CLIENTS = 8;

export function registerPanelRoutes(
  app: FastifyInstance,
  panel: ReaderPanel,
  options: { maxClients?: number } = {},
): void {
  const hide = { hide: true } as const;
  const maxClients = options.maxClients ?? MAX_PANEL_CLIENTS;
  let clients = 0;

  app.get('/panel/api/state', { config: panelAuth, schema: hide }, async () => ({
    ...panel.state(),
    personas: panel.personas(),
    keys: PANEL_KEYS,
  }));

  app.post<{ Body: { key: PanelKey } }>(
    '/panel/api/keys',
    {
      config: panelAuth,
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
      panel.press(req.body.key);
      reply.code(204).send();
    },
  );

  app.post<{ Body: { slot: number; spec: string } }>(
    '/panel/api/cards',
    {
      config: panelAuth,
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
      panel.insert(req.body.slot, req.body.spec);
      return panel.state();
    },
  );

  app.delete<{ Params: { slot: number } }>(
    '/panel/api/cards/:slot',
    {
      config: panelAuth,
      schema: { ...hide, params: { type: 'object', required: ['slot'], properties: { slot } } },
    },
    async (req) => {
      panel.remove(req.params.slot);
      return panel.state();
    },
  );

  app.post<{ Body: { plugged: boolean } }>(
    '/panel/api/link',
    {
      config: panelAuth,
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
      if (req.body.plugged) panel.plug();
      else panel.unplug();
      return panel.state();
    },
  );

  app.get(
    '/panel/events',
    {
      websocket: true,
      config: panelAuth,
      schema: {
        ...hide,
        querystring: { type: 'object', properties: { token: { type: 'string', maxLength: 512 } } },
      },
    },
    (socket: WebSocket) => {
      if (clients >= maxClients) {
        socket.send(
          JSON.stringify({
            type: 'error',
            error: {
              code: 'too-many-clients',
              message: `at most ${maxClients} reader panels at once`,
            },
          }),
        );
        socket.close(1013, 'too many clients');
        return;
      }
      clients++;
      const send = (state: object): void =>
        sendOrCut(socket, JSON.stringify({ type: 'state', ...state }));
      const stop = panel.watch(send);
      socket.on('close', () => {
        clients--;
        stop();
      });
      socket.on('message', () => {
        // The panel's controls are the HTTP routes above; nothing is read from this socket.
      });
      send(panel.state());
    },
  );
}
