// /api/national/<function>: the national reader interface (kiosk-cards.md §2), one endpoint per
// function, with the DLL's parameters as JSON fields. The answer is always 200 with the national
// code and pOutInfo, as the DLL returns them; HTTP errors are for the request itself (token,
// validation, another application's exclusive session, the PIN limit).
import type { FastifyInstance } from 'fastify';
import type { ServiceCore } from './app.ts';
import type { NationalArgs, NationalFunction } from './national.ts';
import { callerOf } from './routes-api.ts';
import {
  errorResponses,
  nationalReplySchema,
  operationHeaders,
  readerIdSchema,
} from './schemas.ts';

const iType = {
  type: 'integer',
  description:
    '1 contact, 2 contactless, 3 automatic contact first, 4 automatic contactless first.',
} as const;

interface Spec {
  summary: string;
  fields: Record<string, object>;
  required?: string[];
}

const SPECS: Record<NationalFunction, Spec> = {
  iReadCardBas: {
    summary:
      'Social security card basic information, 11 fields: 区划码|社会保障号码|卡号|卡识别码|姓名|卡复位信息|规范版本|发卡日期|卡有效期|终端机编号|终端设备号|',
    fields: { iType },
  },
  iReadCardBas_HSM_Step1: {
    summary:
      'HSM path, step 1: 区划码|卡复位信息|算法标识|卡识别码|内部认证过程因子|内部认证原始信息|外部认证过程因子|外部认证原始信息|',
    fields: { iType },
  },
  iReadCardBas_HSM_Step2: {
    summary: "HSM path, step 2 with the HSM's answer pKey; returns the iReadCardBas fields.",
    fields: { pKey: { type: 'string', maxLength: 128 } },
    required: ['pKey'],
  },
  iReadCard: {
    summary:
      'Read items by file address (SSSEEF05|06|07|$DF01EF0A|01|$). iAuthType 1: the holder types the PIN on the reader keypad; 2: RK key.',
    fields: {
      iType,
      iAuthType: { type: 'integer', description: '1 PIN (on the reader keypad), 2 RK key.' },
      pCardInfo: { type: 'string', maxLength: 256, description: '卡识别码|卡号|' },
      pFileAddr: { type: 'string', maxLength: 4096 },
    },
    required: ['iAuthType', 'pCardInfo', 'pFileAddr'],
  },
  iVerifyPIN: {
    summary:
      'PIN verification on the reader keypad (the PIN never reaches the PC). −51 with the tries left, −52 blocked, −31 cancelled, −32 timeout, −33 length.',
    fields: { iType },
  },
  iChangePIN: {
    summary: 'PIN change on the reader keypad: old, new, new again. −34 when the new PINs differ.',
    fields: { iType },
  },
  iR_DDF1EF05Info: {
    summary:
      'Health card issuer data: KLB|GFBB|FKJGMC|FKJGDM|FKJGZS|FKSJ|KH|AQM|XPXLH|YYCSDM| (codes 0, 101…106 as the health-card interface).',
    fields: { iType },
  },
  iR_DDF1EF06Info: {
    summary: 'Health card holder: XM|XB|MZ|CSRQ|SFZH|',
    fields: { iType },
  },
  iR_DDF1EF08Info: {
    summary: 'Health card: KYXQ|BRDH1|BRDH2|YLFYZFFS1|YLFYZFFS2|YLFYZFFS3|',
    fields: { iType },
  },
  iReadBankNumber: {
    summary: 'The bank card number (PAN) of the financial application: PAN|',
    fields: { iType },
  },
};

export function registerNationalRoutes(app: FastifyInstance, core: ServiceCore): void {
  for (const [fn, spec] of Object.entries(SPECS) as [NationalFunction, Spec][]) {
    app.post<{ Body: NationalArgs & { reader?: string; gbk?: boolean } }>(
      `/api/national/${fn}`,
      {
        config: { auth: 'api' },
        schema: {
          tags: ['national'],
          summary: spec.summary,
          operationId: fn,
          headers: operationHeaders,
          body: {
            type: 'object',
            additionalProperties: false,
            required: spec.required ?? [],
            properties: {
              ...spec.fields,
              reader: { ...readerIdSchema, description: 'Default: the first attached reader.' },
              gbk: { type: 'boolean', description: 'Also return pOutInfo in GBK (gbkHex).' },
            },
          },
          response: { 200: nationalReplySchema, ...errorResponses },
        },
      },
      async (req) => {
        const { reader, gbk, ...args } = req.body;
        return core.national.call(callerOf(req), fn, args, reader, gbk ?? false);
      },
    );
  }
}
