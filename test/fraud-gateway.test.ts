import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@attestor/platform/testing';
import { ADMIN_TOKEN, latestCode, seedNumber, startPlatform, type Platform } from './support/platform.js';

/**
 * The fraud block of the contract through the gateway: a partner's lists, policy, breakers and
 * statistics, and an end user's verification refused by a list entry (no message sent).
 */
let platform: Platform;

beforeAll(async () => {
  platform = await startPlatform();
});
afterAll(async () => {
  await platform?.stop();
});

const gql = <T>(token: string, query: string, variables: Record<string, unknown> = {}) =>
  platform.gql<T>(token, query, variables);

async function partner() {
  const account = await gql<{ createAccount: { apiKey: string } }>(
    ADMIN_TOKEN,
    'mutation { createAccount(name: "Pumped Ltd") { apiKey } }',
  );
  const apiKey = account.data!.createAccount.apiKey;
  const template = await gql<{ createInquiryTemplate: { id: string } }>(
    apiKey,
    'mutation { createInquiryTemplate(input: { name: "Phone", steps: [PHONE_OTP] }) { id } }',
  );
  return { apiKey, templateId: template.data!.createInquiryTemplate.id };
}

async function start(apiKey: string, templateId: string, phoneNumber: string) {
  const created = await gql<{ createInquiry: { inquiry: { id: string }; sessionToken: string } }>(
    apiKey,
    `mutation ($t: ID!) { createInquiry(input: { templateId: $t }) { inquiry { id } sessionToken } }`,
    { t: templateId },
  );
  const { inquiry, sessionToken } = created.data!.createInquiry;
  const started = await gql<{
    startPhoneVerification: {
      verification: {
        id: string;
        status: string;
        riskAssessment: { decision: string; reasons: string[] } | null;
      };
    };
  }>(
    sessionToken,
    `mutation ($i: ID!, $p: String!) { startPhoneVerification(inquiryId: $i, phoneNumber: $p) {
       verification { id status riskAssessment { decision reasons } } } }`,
    { i: inquiry.id, p: phoneNumber },
  );
  expect(started.errors).toBeUndefined();
  return { sessionToken, verification: started.data!.startPhoneVerification.verification };
}

describe('the fraud block through the gateway', () => {
  it('refuses a number on the block list before any message, and counts it in the statistics', async () => {
    const { apiKey, templateId } = await partner();
    const blocked = '+14155550177';
    await seedNumber(platform.emulator, { phoneNumber: blocked, smsPumpingRiskScore: 3, lineType: 'mobile' });
    const added = await gql<{ addFraudListEntry: { value: string; match: string } }>(
      apiKey,
      `mutation { addFraudListEntry(input: { kind: BLOCK, match: PHONE_NUMBER, value: "${blocked}", note: "pumping" }) { value match } }`,
    );
    expect(added.data?.addFraudListEntry).toEqual({ value: '+1******0177', match: 'PHONE_NUMBER' });

    const { verification } = await start(apiKey, templateId, blocked);
    expect(verification.status).toBe('BLOCKED');
    expect(verification.riskAssessment).toEqual({ decision: 'BLOCK', reasons: ['LIST_BLOCKED'] });
    await expect(latestCode(platform.emulator, blocked)).rejects.toThrow(/no code/);

    const allowed = '+14155550178';
    await seedNumber(platform.emulator, { phoneNumber: allowed, smsPumpingRiskScore: 3, lineType: 'mobile' });
    const ok = await start(apiKey, templateId, allowed);
    expect(ok.verification.status).toBe('PENDING');
    const code = await latestCode(platform.emulator, allowed);
    await gql(
      ok.sessionToken,
      `mutation ($v: ID!, $c: String!) { checkPhoneVerification(verificationId: $v, code: $c) { status } }`,
      {
        v: ok.verification.id,
        c: code,
      },
    );

    const stats = await eventually(
      async () => {
        const result = await gql<{ fraudStats: Array<Record<string, unknown>> }>(
          apiKey,
          `{ fraudStats(bucket: DAY) { countryCode started sent verified blocked conversionRate costAvoidedUsd } }`,
        );
        const us = result.data?.fraudStats.find((row) => row['countryCode'] === 'US');
        return us && us['verified'] === 1 && us['blocked'] === 1 ? us : undefined;
      },
      { what: 'the statistics to count both verifications' },
    );
    expect(stats).toMatchObject({ started: 2, sent: 1, verified: 1, blocked: 1, conversionRate: 1 });
    expect(stats['costAvoidedUsd']).toBeGreaterThan(0);
  });

  it('refuses SMS to a landline without failing the inquiry: the voice call it suggests verifies', async () => {
    const { apiKey, templateId } = await partner();
    const landline = '+14155550179';
    await seedNumber(platform.emulator, {
      phoneNumber: landline,
      smsPumpingRiskScore: 3,
      lineType: 'landline',
    });
    const created = await gql<{ createInquiry: { inquiry: { id: string }; sessionToken: string } }>(
      apiKey,
      `mutation ($t: ID!) { createInquiry(input: { templateId: $t }) { inquiry { id } sessionToken } }`,
      { t: templateId },
    );
    const { inquiry, sessionToken } = created.data!.createInquiry;
    const startOn = (channel: string) =>
      gql<{ startPhoneVerification: { verification: { id: string; status: string; channel: string } } }>(
        sessionToken,
        `mutation ($i: ID!, $p: String!, $c: PhoneChannel) { startPhoneVerification(inquiryId: $i, phoneNumber: $p, channel: $c) {
           verification { id status channel } } }`,
        { i: inquiry.id, p: landline, c: channel },
      );
    const sms = await startOn('SMS');
    expect(sms.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(sms.errors?.[0]?.message).toMatch(/a voice call works \(channel CALL\)/);
    await expect(latestCode(platform.emulator, landline)).rejects.toThrow(/no code/);
    // The refused SMS is the fraud engine's BLOCK of that channel only: the inquiry stays open for the call.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const call = await startOn('CALL');
    expect(call.errors).toBeUndefined();
    expect(call.data!.startPhoneVerification.verification).toMatchObject({
      status: 'PENDING',
      channel: 'CALL',
    });
    const checked = await gql<{ checkPhoneVerification: { status: string } }>(
      sessionToken,
      `mutation ($v: ID!, $c: String!) { checkPhoneVerification(verificationId: $v, code: $c) { status } }`,
      {
        v: call.data!.startPhoneVerification.verification.id,
        c: await latestCode(platform.emulator, landline),
      },
    );
    expect(checked.data?.checkPhoneVerification.status).toBe('APPROVED');
    const settled = await eventually(
      async () => {
        const read = await gql<{ inquiry: { status: string } }>(
          apiKey,
          `query ($id: ID!) { inquiry(id: $id) { status } }`,
          { id: inquiry.id },
        );
        const status = read.data?.inquiry.status;
        return status === 'PENDING' || status === 'CREATED' ? undefined : status;
      },
      { what: 'the inquiry to settle after the phone step' },
    );
    expect(settled).not.toBe('FAILED');
  });

  it('serves the policy, breakers and lists of the contract, each account its own', async () => {
    const { apiKey } = await partner();
    const other = await partner();
    const updated = await gql<{ updateFraudPolicy: Record<string, unknown> }>(
      apiKey,
      `mutation { updateFraudPolicy(input: { countries: [{ countryCode: "UZ", smsAllowed: false }], maxSmsPerDay: 500, challengeAt: 55 }) {
         mode countries { countryCode smsAllowed maxPerHour } blockLineTypes maxSmsPerDay challengeAt blockAt } }`,
    );
    expect(updated.data?.updateFraudPolicy).toMatchObject({
      countries: [{ countryCode: 'UZ', smsAllowed: false, maxPerHour: null }],
      maxSmsPerDay: 500,
      challengeAt: 55,
      blockAt: 90,
    });
    const bad = await gql(apiKey, `mutation { updateFraudPolicy(input: { blockAt: 40 }) { blockAt } }`);
    expect(bad.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input.blockAt' });
    await gql(
      apiKey,
      `mutation { addFraudListEntry(input: { kind: BLOCK, match: COUNTRY, value: "TJ" }) { id } }`,
    );
    const mine = await gql<{ fraudListEntries: unknown[]; fraudBreakers: unknown[] }>(
      apiKey,
      `{ fraudListEntries { match value } fraudBreakers { id } }`,
    );
    expect(mine.data).toEqual({ fraudListEntries: [{ match: 'COUNTRY', value: 'TJ' }], fraudBreakers: [] });
    const theirs = await gql<{ fraudListEntries: unknown[] }>(other.apiKey, `{ fraudListEntries { id } }`);
    expect(theirs.data?.fraudListEntries).toEqual([]);
    const since = await gql(apiKey, `{ fraudStats(since: "not a date") { countryCode } }`);
    expect(since.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
