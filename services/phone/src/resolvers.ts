import { z } from 'zod';
import { badInput, DateTimeScalar, type Resolvers } from '@attestor/platform';
import { phoneChannels } from './domain/inputs.js';
import type { PhoneContext } from './context.js';
import type { PhoneVerificationRecord } from './store/entities.js';
import type { PhoneVerifications } from './verifications.js';

const startArgs = z.object({
  inquiryId: z.string(),
  phoneNumber: z.string(),
  // An explicit null means the SDL default.
  channel: z
    .enum(phoneChannels)
    .nullish()
    .transform((channel) => channel ?? 'SMS'),
  locale: z
    .string()
    .nullish()
    .transform((locale) => locale ?? null),
});
const checkArgs = z.object({ verificationId: z.string(), code: z.string() });
const resendArgs = z.object({
  verificationId: z.string(),
  channel: z
    .enum(phoneChannels)
    .nullish()
    .transform((channel) => channel ?? null),
});
const cancelArgs = z.object({ verificationId: z.string() });

function parseArgs<T>(schema: z.ZodType<T>, args: unknown): T {
  const parsed = schema.safeParse(args);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw badInput(issue?.message ?? 'invalid arguments', issue?.path.join('.'));
}

/** Thin: parse the arguments, hand them to the flows, expose the stored record under the SDL's names. */
export function phoneResolvers(verifications: PhoneVerifications): Resolvers<PhoneContext> {
  return {
    DateTime: DateTimeScalar,
    PhoneVerification: {
      __resolveReference: (reference: { id: string }, ctx: PhoneContext) =>
        ctx.verificationById.load(reference.id),
      inquiry: (record: PhoneVerificationRecord) => ({ __typename: 'Inquiry', id: record.inquiryId }),
      phoneNumberMasked: (record: PhoneVerificationRecord) => record.phoneMasked,
    },
    Inquiry: {
      phoneVerifications: (inquiry: { id: string }, _args: unknown, ctx: PhoneContext) =>
        ctx.verificationsByInquiry.load(inquiry.id),
    },
    Mutation: {
      startPhoneVerification: async (_: unknown, args: unknown, ctx: PhoneContext) => ({
        verification: await verifications.start(ctx, parseArgs(startArgs, args)),
      }),
      checkPhoneVerification: (_: unknown, args: unknown, ctx: PhoneContext) => {
        const { verificationId, code } = parseArgs(checkArgs, args);
        return verifications.check(ctx, verificationId, code);
      },
      resendPhoneVerification: (_: unknown, args: unknown, ctx: PhoneContext) => {
        const { verificationId, channel } = parseArgs(resendArgs, args);
        return verifications.resend(ctx, verificationId, channel);
      },
      cancelPhoneVerification: (_: unknown, args: unknown, ctx: PhoneContext) =>
        verifications.cancel(ctx, parseArgs(cancelArgs, args).verificationId),
    },
  };
}
