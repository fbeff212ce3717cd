import { z } from 'zod';
import { phoneChannels } from '@attestor/contracts';
import { badInput, DateTimeScalar, type Resolvers } from '@attestor/platform';
import type { PhoneContext } from './context.js';
import type { CancelVerification } from './flows/cancel.js';
import type { CheckVerification } from './flows/check.js';
import type { ResendVerification } from './flows/resend.js';
import type { StartVerification } from './flows/start.js';
import type { PhoneVerificationRecord } from './store/entities.js';

/** An optional argument: an explicit null means "not given" (the SDL default, where there is one). */
const optional = <T extends z.ZodType>(schema: T) =>
  schema.nullish().transform((value) => (value ?? null) as z.infer<T> | null);

const startArgs = z.object({
  inquiryId: z.string(),
  phoneNumber: z.string(),
  channel: optional(z.enum(phoneChannels)).transform((channel) => channel ?? 'SMS'),
  locale: optional(z.string()),
  defaultCountry: optional(z.string()),
  challengeSolution: optional(z.string()),
});
const checkArgs = z.object({ verificationId: z.string(), code: z.string() });
const resendArgs = z.object({
  verificationId: z.string(),
  channel: optional(z.enum(phoneChannels)),
  challengeSolution: optional(z.string()),
});
const cancelArgs = z.object({ verificationId: z.string() });

function parseArgs<T>(schema: z.ZodType<T>, args: unknown): T {
  const parsed = schema.safeParse(args);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw badInput(issue?.message ?? 'invalid arguments', issue?.path.join('.'));
}

export interface PhoneFlows {
  start: StartVerification;
  check: CheckVerification;
  resend: ResendVerification;
  cancel: CancelVerification;
}

/** Thin: parse the arguments, hand them to the flows, expose the stored record under the SDL's names. */
export function phoneResolvers(flows: PhoneFlows): Resolvers<PhoneContext> {
  return {
    DateTime: DateTimeScalar,
    PhoneVerification: {
      __resolveReference: (reference: { id: string }, ctx: PhoneContext) =>
        ctx.verificationById.load(reference.id),
      inquiry: (record: PhoneVerificationRecord) => ({ __typename: 'Inquiry', id: record.inquiryId }),
      phoneNumberMasked: (record: PhoneVerificationRecord) => record.phoneMasked,
      challenge: (record: PhoneVerificationRecord) =>
        record.status === 'CHALLENGED' ? record.challenge : null,
    },
    Inquiry: {
      phoneVerifications: (inquiry: { id: string }, _args: unknown, ctx: PhoneContext) =>
        ctx.verificationsByInquiry.load(inquiry.id),
    },
    Mutation: {
      startPhoneVerification: async (_: unknown, args: unknown, ctx: PhoneContext) => ({
        verification: await flows.start.run(ctx, parseArgs(startArgs, args)),
      }),
      checkPhoneVerification: (_: unknown, args: unknown, ctx: PhoneContext) => {
        const { verificationId, code } = parseArgs(checkArgs, args);
        return flows.check.run(ctx, verificationId, code);
      },
      resendPhoneVerification: (_: unknown, args: unknown, ctx: PhoneContext) => {
        const { verificationId, ...request } = parseArgs(resendArgs, args);
        return flows.resend.run(ctx, verificationId, request);
      },
      cancelPhoneVerification: (_: unknown, args: unknown, ctx: PhoneContext) =>
        flows.cancel.run(ctx, parseArgs(cancelArgs, args).verificationId),
    },
  };
}
