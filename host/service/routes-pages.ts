// The pages the service serves itself, same origin, no CDN and no build step: the kiosk page at
// `/`, the reader panel at `/panel` (only while the reader is simulated), and their scripts and
// styles under `/web/`. Each page gets its token embedded; no other origin can read it (no CORS
// for them, and DNS rebinding is refused by the Host check).
import { readFile } from 'node:fs/promises';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ServiceCore } from './app.ts';
import { ServiceError } from './errors.ts';

export const WEB_ROOT = new URL('../web/', import.meta.url);

/** The files under /web/ and their types: nothing else is served. */
const ASSETS: Record<string, string> = {
  'kiosk.js': 'text/javascript; charset=utf-8',
  'panel.js': 'text/javascript; charset=utf-8',
  'common.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

async function page(reply: FastifyReply, file: string, tokens: Record<string, string>) {
  let html = await readFile(new URL(file, WEB_ROOT), 'utf8');
  for (const [placeholder, value] of Object.entries(tokens))
    html = html.split(placeholder).join(value);
  return reply
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', CSP)
    .header('x-frame-options', 'DENY')
    .send(html);
}

export function registerPageRoutes(app: FastifyInstance, core: ServiceCore): void {
  const none = { auth: 'none' } as const;
  app.get('/', { config: none, schema: { hide: true } }, (_req, reply) =>
    page(reply, 'index.html', {
      __KIOSK_TOKEN__: core.access.pageToken,
      __SIMULATED__: core.sim ? 'true' : 'false',
    }),
  );

  app.get('/panel', { config: none, schema: { hide: true } }, (_req, reply) => {
    if (!core.sim)
      throw new ServiceError(
        404,
        'not-found',
        'the reader panel exists only while the reader is simulated',
      );
    return page(reply, 'panel.html', { __PANEL_TOKEN__: core.access.panelToken });
  });

  app.get<{ Params: { file: string } }>(
    '/web/:file',
    {
      config: none,
      schema: {
        hide: true,
        params: {
          type: 'object',
          required: ['file'],
          properties: { file: { type: 'string', pattern: '^[a-z-]+\\.(js|css)$' } },
        },
      },
    },
    async (req, reply) => {
      const type = ASSETS[req.params.file];
      if (!type) throw new ServiceError(404, 'not-found', `no file /web/${req.params.file}`);
      const body = await readFile(new URL(req.params.file, WEB_ROOT));
      return reply.header('content-type', type).header('cache-control', 'no-cache').send(body);
    },
  );
}
