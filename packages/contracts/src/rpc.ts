import { z } from 'zod';
import { inquiryStatuses, verificationSteps } from './events.js';

/** Request and reply schemas of the synchronous asks in subjects.ts `rpcSubjects`. */
export const rpcCatalog = {
  'rpc.inquiry.lookup': {
    request: z.object({ accountId: z.string(), inquiryId: z.string() }),
    reply: z.object({
      inquiry: z
        .object({
          id: z.string(),
          accountId: z.string(),
          status: z.enum(inquiryStatuses),
          steps: z.array(z.enum(verificationSteps)),
          expiresAt: z.string(),
          redacted: z.boolean(),
          /** AES-256-GCM sealed name parts, null where the inquiry has none or was redacted. */
          nameSealed: z
            .object({
              first: z.string().nullable(),
              middle: z.string().nullable(),
              last: z.string().nullable(),
            })
            .nullable(),
        })
        .nullable(),
    }),
  },
  'rpc.inquiry.credentials.resolve': {
    request: z.object({ keyHash: z.string().length(64) }),
    reply: z.object({
      credential: z
        .object({ accountId: z.string(), keyId: z.string(), scopes: z.array(z.string()) })
        .nullable(),
    }),
  },
  'rpc.fraud.assess': {
    request: z.object({
      accountId: z.string(),
      inquiryId: z.string(),
      verificationId: z.string(),
      phoneNumberSealed: z.string(),
      countryCode: z.string(),
      channel: z.enum(['SMS', 'CALL', 'WHATSAPP']),
      ip: z.string().nullable(),
    }),
    reply: z.object({
      assessmentId: z.string(),
      decision: z.enum(['ALLOW', 'CHALLENGE', 'BLOCK']),
      score: z.number().int().min(0).max(100),
      reasons: z.array(z.string()),
    }),
  },
} as const;

export type RpcSubject = keyof typeof rpcCatalog;
export type RpcRequest<S extends RpcSubject> = z.infer<(typeof rpcCatalog)[S]['request']>;
export type RpcReply<S extends RpcSubject> = z.infer<(typeof rpcCatalog)[S]['reply']>;

/** What travels back on the reply subject: the reply, or a coded error the asker rethrows. */
export const rpcResponseSchema = z.union([
  z.object({ ok: z.literal(true), data: z.unknown() }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) }),
]);
