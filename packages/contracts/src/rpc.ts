import { z } from 'zod';
import { inquiryStatuses, verificationSteps } from './events.js';
import { phoneChannels, riskDecisions } from './phone.js';

/** Request and reply schemas of the synchronous asks in subjects.ts `rpcSubjects`. */
export const rpcCatalog = {
  'rpc.inquiry.lookup': {
    request: z.object({
      accountId: z.string(),
      inquiryId: z.string(),
      /**
       * Right before a send: hold the inquiry open this long when it is open now (its expiry waits for
       * the hold), so a code is never sent for an inquiry that expired between this answer and the call.
       */
      holdForSendMs: z.number().int().positive().max(120_000).optional(),
    }),
    reply: z.object({
      /** The hold asked for was taken: the inquiry was open, and stays so until the hold ends. */
      held: z.boolean().default(false),
      inquiry: z
        .object({
          id: z.string(),
          accountId: z.string(),
          status: z.enum(inquiryStatuses),
          steps: z.array(z.enum(verificationSteps)),
          expiresAt: z.string(),
          redacted: z.boolean(),
          /** The account's name: Verify's friendly name in the message ("Your <name> code is …"). */
          accountName: z.string(),
          /** Country of the phone number the partner gave for the inquiry (national formats read with it). */
          phoneCountryCode: z.string().nullable(),
          /** The template asks Lookup identity_match as well as caller_name for the database check. */
          identityMatch: z.boolean().default(false),
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
      channel: z.enum(phoneChannels),
      ip: z.string().nullable(),
      /** A first send or a resend: every send is assessed. */
      attempt: z.enum(['START', 'RESEND']).default('START'),
      /** The client solved the proof-of-work challenge of an earlier CHALLENGE for this verification. */
      challengeSolved: z.boolean().default(false),
    }),
    reply: z.object({
      assessmentId: z.string(),
      decision: z.enum(riskDecisions),
      score: z.number().int().min(0).max(100),
      reasons: z.array(z.string()),
      /** A channel that would be allowed where this one is not (a landline: CALL), or null. */
      suggestedChannel: z.enum(phoneChannels).nullable().default(null),
      /** A CHALLENGE's proof of work, as a multiple of the usual (1 to 8; more under a growing attack). */
      challengeWork: z.number().int().min(1).max(8).default(1),
    }),
  },
} as const;

export type RpcSubject = keyof typeof rpcCatalog;
/** What a responder receives (defaults filled in). */
export type RpcRequest<S extends RpcSubject> = z.infer<(typeof rpcCatalog)[S]['request']>;
/** What an asker receives (defaults filled in). */
export type RpcReply<S extends RpcSubject> = z.infer<(typeof rpcCatalog)[S]['reply']>;
/** What an asker sends: fields with a default may be left out. */
export type RpcRequestInput<S extends RpcSubject> = z.input<(typeof rpcCatalog)[S]['request']>;
/** What a responder answers: fields with a default may be left out. */
export type RpcReplyInput<S extends RpcSubject> = z.input<(typeof rpcCatalog)[S]['reply']>;

/** What travels back on the reply subject: the reply, or a coded error the asker rethrows. */
export const rpcResponseSchema = z.union([
  z.object({ ok: z.literal(true), data: z.unknown() }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) }),
]);
