import type { Logger } from 'pino';
import { rpcSubjects } from '@attestor/contracts';
import { responder, type NatsBus, type Worker } from '@attestor/platform';
import type { Accounts } from './flows/accounts.js';
import type { Inquiries } from './flows/inquiries.js';

const QUEUE = 'inquiry';

/** The synchronous asks this service answers: inquiry facts (phone, identity) and API keys (gateway). */
export function inquiryResponders(
  bus: NatsBus,
  logger: Logger,
  accounts: Accounts,
  inquiries: Inquiries,
): Worker[] {
  return [
    responder(bus, rpcSubjects.inquiryLookup, QUEUE, logger, (body) =>
      inquiries.lookup(body.accountId, body.inquiryId, body.holdForSendMs),
    ),
    responder(bus, rpcSubjects.credentialsResolve, QUEUE, logger, async (body) => ({
      credential: await accounts.resolveCredential(body.keyHash),
    })),
  ];
}
