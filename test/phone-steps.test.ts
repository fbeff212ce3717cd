/**
 * The phone step through the gateway, with the real inquiry and fraud services: a step that always
 * ends (out of attempts → the inquiry FAILED, for good), idempotent approval, national numbers read in
 * the inquiry's country, and the account's name in the message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@attestor/platform/testing';
import { emulatorControl } from '@attestor/twilio-emulator';
import { ADMIN_TOKEN, latestCode, seedNumber, startPlatform, type Platform } from './support/platform.js';

let platform: Platform;
let apiKey: string;
let templateId: string;
let next = 0;

beforeAll(async () => {
  platform = await startPlatform({ RATE_LIMIT_PER_SECOND: '1000', RATE_LIMIT_BURST: '1000' });
  const account = await platform.gql<{ createAccount: { apiKey: string } }>(
    ADMIN_TOKEN,
    'mutation { createAccount(name: "Acme Lending") { apiKey } }',
  );
  apiKey = account.data!.createAccount.apiKey;
  const template = await platform.gql<{ createInquiryTemplate: { id: string } }>(
    apiKey,
    'mutation { createInquiryTemplate(input: { name: "Phone", steps: [PHONE_OTP] }) { id } }',
  );
  templateId = template.data!.createInquiryTemplate.id;
});
afterAll(async () => {
  await platform?.stop();
});

/** A low-risk mobile number of its own per call, seeded so the fraud engine allows it. */
async function mobile(prefix = '+1415555'): Promise<string> {
  const phoneNumber = `${prefix}${String(3000 + next++).padStart(4, '0')}`;
  await seedNumber(platform.emulator, { phoneNumber, lineType: 'mobile', smsPumpingRiskScore: 2 });
  return phoneNumber;
}

async function inquiry(phoneNumber?: string) {
  const fields = phoneNumber ? `, fields: { phoneNumber: "${phoneNumber}" }` : '';
  const created = await platform.gql<{ createInquiry: { inquiry: { id: string }; sessionToken: string } }>(
    apiKey,
    `mutation($t: ID!) { createInquiry(input: { templateId: $t${fields} }) { inquiry { id } sessionToken } }`,
    { t: templateId },
  );
  expect(created.errors).toBeUndefined();
  return { id: created.data!.createInquiry.inquiry.id, session: created.data!.createInquiry.sessionToken };
}

const START = `mutation($id: ID!, $p: String!) { startPhoneVerification(inquiryId: $id, phoneNumber: $p) {
  verification { id status countryCode phoneNumberMasked } } }`;
const CHECK = `mutation($id: ID!, $code: String!) { checkPhoneVerification(verificationId: $id, code: $code) {
  status checkAttempts } }`;

async function start(session: string, inquiryId: string, phoneNumber: string) {
  return platform.gql<{
    startPhoneVerification: {
      verification: { id: string; status: string; countryCode: string; phoneNumberMasked: string };
    };
  }>(session, START, { id: inquiryId, p: phoneNumber });
}

async function inquiryStatus(id: string): Promise<string> {
  const answer = await platform.gql<{ inquiry: { status: string } }>(
    apiKey,
    'query($id: ID!) { inquiry(id: $id) { status } }',
    {
      id,
    },
  );
  return answer.data!.inquiry.status;
}

describe('the phone step through the gateway', () => {
  it('fails the inquiry on the fifth wrong code, and no new start reopens it', async () => {
    const { id, session } = await inquiry();
    const phoneNumber = await mobile();
    const started = await start(session, id, phoneNumber);
    expect(started.errors).toBeUndefined();
    const verificationId = started.data!.startPhoneVerification.verification.id;
    const code = await latestCode(platform.emulator, phoneNumber);
    const wrong = code === '000000' ? '111111' : '000000';
    const answers: string[] = [];
    for (let i = 0; i < 5; i++) {
      const checked = await platform.gql<{ checkPhoneVerification: { status: string } }>(session, CHECK, {
        id: verificationId,
        code: wrong,
      });
      answers.push(checked.data!.checkPhoneVerification.status);
    }
    expect(answers).toEqual(['PENDING', 'PENDING', 'PENDING', 'PENDING', 'MAX_ATTEMPTS_REACHED']);
    await eventually(async () => (await inquiryStatus(id)) === 'FAILED', { what: 'the inquiry FAILED' });
    const again = await start(session, id, await mobile());
    expect(again.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('answers ten concurrent right-code checks APPROVED and completes the inquiry once', async () => {
    const { id, session } = await inquiry();
    const phoneNumber = await mobile();
    const started = await start(session, id, phoneNumber);
    const verificationId = started.data!.startPhoneVerification.verification.id;
    const code = await latestCode(platform.emulator, phoneNumber);
    const checks = await Promise.all(
      Array.from({ length: 10 }, () =>
        platform.gql<{ checkPhoneVerification: { status: string } }>(session, CHECK, {
          id: verificationId,
          code,
        }),
      ),
    );
    expect(checks.map((c) => c.data?.checkPhoneVerification.status)).toEqual(Array(10).fill('APPROVED'));
    await eventually(async () => (await inquiryStatus(id)) === 'APPROVED', { what: 'the inquiry APPROVED' });
    const events = await platform.sql<{ n: number }>(
      'phone',
      `SELECT count(*)::int AS n FROM $schema.outbox WHERE payload->>'type' = 'phone.verification.approved' AND payload->>'subjectId' = $1`,
      [verificationId],
    );
    expect(events).toEqual([{ n: 1 }]);
  });

  it('reads a national number in the inquiry’s phone country and names the account in the message', async () => {
    const { id, session } = await inquiry('+447400150100');
    const national = '07400 150123';
    await seedNumber(platform.emulator, {
      phoneNumber: '+447400150123',
      lineType: 'mobile',
      smsPumpingRiskScore: 2,
    });
    const started = await start(session, id, national);
    expect(started.errors).toBeUndefined();
    expect(started.data!.startPhoneVerification.verification).toMatchObject({
      countryCode: 'GB',
      phoneNumberMasked: '+44******0123',
    });
    const [message] = await emulatorControl(platform.emulator.url).outbox('+447400150123');
    expect(message).toMatchObject({ friendlyName: 'Acme Lending' });
  });
});
