/**
 * What the browser tests share: the web app built (once, whichever test file asks first), the whole
 * platform in this process with its gateway serving that build, and a partner account to work in.
 */
import { fileURLToPath } from 'node:url';
import { eventually } from '@attestor/platform/testing';
import { ensureWebBuild } from '../../infra/dev/web-build.js';
import { ADMIN_TOKEN, latestCode, seedNumber, startPlatform, type Platform } from './platform.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface WebPlatform {
  platform: Platform;
  /** The gateway's origin: the web app at `/`, the API at `/graphql`. */
  origin: string;
  apiKey: string;
  stop(): Promise<void>;
}

export async function startWebPlatform(accountName: string): Promise<WebPlatform> {
  await ensureWebBuild(root);
  const platform = await startPlatform();
  try {
    const account = await platform.gql<{ createAccount: { apiKey: string } }>(
      ADMIN_TOKEN,
      'mutation($name: String!) { createAccount(name: $name) { apiKey } }',
      { name: accountName },
    );
    const apiKey = account.data?.createAccount.apiKey;
    if (!apiKey) throw new Error(`createAccount: ${JSON.stringify(account.errors)}`);
    return {
      platform,
      origin: platform.gatewayUrl.replace(/\/graphql$/, ''),
      apiKey,
      stop: () => platform.stop(),
    };
  } catch (error) {
    await platform.stop();
    throw error;
  }
}

export type Step = 'PHONE_OTP' | 'DATABASE_NAME_MATCH';

export async function createTemplate(
  web: WebPlatform,
  name: string,
  steps: Step[],
  options: { redirectUrl?: string } = {},
): Promise<string> {
  const result = await web.platform.gql<{ createInquiryTemplate: { id: string } }>(
    web.apiKey,
    'mutation($input: CreateInquiryTemplateInput!) { createInquiryTemplate(input: $input) { id } }',
    { input: { name, steps, ...options } },
  );
  const id = result.data?.createInquiryTemplate.id;
  if (!id) throw new Error(`createInquiryTemplate: ${JSON.stringify(result.errors)}`);
  return id;
}

export interface CreatedInquiry {
  id: string;
  sessionToken: string;
}

export async function createInquiry(
  web: WebPlatform,
  templateId: string,
  input: { referenceId?: string; nameFirst?: string; nameLast?: string; phoneNumber?: string },
): Promise<CreatedInquiry> {
  const { referenceId, ...fields } = input;
  const result = await web.platform.gql<{
    createInquiry: { inquiry: { id: string }; sessionToken: string };
  }>(
    web.apiKey,
    'mutation($input: CreateInquiryInput!) { createInquiry(input: $input) { inquiry { id } sessionToken } }',
    { input: { templateId, referenceId, fields } },
  );
  const created = result.data?.createInquiry;
  if (!created) throw new Error(`createInquiry: ${JSON.stringify(result.errors)}`);
  return { id: created.inquiry.id, sessionToken: created.sessionToken };
}

/** A number the fraud engine lets through (a low SMS pumping score), with the carrier's name for it. */
export async function seedSafeNumber(
  web: WebPlatform,
  phoneNumber: string,
  owner: { callerName?: string; callerType?: 'CONSUMER' | 'BUSINESS' } = {},
): Promise<void> {
  await seedNumber(web.platform.emulator, {
    phoneNumber,
    smsPumpingRiskScore: 3,
    lineType: 'mobile',
    ...owner,
  });
}

/** The end user's side through the API (no browser): start, read the code from the outbox, check it. */
export async function verifyPhoneByApi(web: WebPlatform, inquiry: CreatedInquiry, phoneNumber: string) {
  const started = await web.platform.gql<{ startPhoneVerification: { verification: { id: string } } }>(
    inquiry.sessionToken,
    'mutation($i: ID!, $p: String!) { startPhoneVerification(inquiryId: $i, phoneNumber: $p) { verification { id } } }',
    { i: inquiry.id, p: phoneNumber },
  );
  const verificationId = started.data?.startPhoneVerification.verification.id;
  if (!verificationId) throw new Error(`startPhoneVerification: ${JSON.stringify(started.errors)}`);
  return {
    verificationId,
    check: async () => {
      const code = await latestCode(web.platform.emulator, phoneNumber);
      await web.platform.gql(
        inquiry.sessionToken,
        'mutation($v: ID!, $c: String!) { checkPhoneVerification(verificationId: $v, code: $c) { status } }',
        { v: verificationId, c: code },
      );
    },
  };
}

export async function inquiryStatus(web: WebPlatform, id: string): Promise<string | undefined> {
  const result = await web.platform.gql<{ inquiry: { status: string } | null }>(
    web.apiKey,
    'query($id: ID!) { inquiry(id: $id) { status } }',
    { id },
  );
  return result.data?.inquiry?.status;
}

export async function statusBecomes(web: WebPlatform, id: string, status: string): Promise<void> {
  await eventually(async () => (await inquiryStatus(web, id)) === status, {
    timeoutMs: 20_000,
    what: `inquiry ${id} ${status}`,
  });
}
