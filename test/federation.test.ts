import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@attestor/platform/testing';
import { ADMIN_TOKEN, latestCode, seedNumber, startPlatform, type Platform } from './support/platform.js';

let platform: Platform;
beforeAll(async () => {
  platform = await startPlatform();
});
afterAll(async () => {
  await platform?.stop();
});

const PHONE = '+14155550142';

describe('the federation end to end', () => {
  it('runs an inquiry from creation to a decision and answers one query from all four subgraphs', async () => {
    const { gql, emulator } = platform;
    const account = await gql<{ createAccount: { account: { id: string }; apiKey: string } }>(
      ADMIN_TOKEN,
      'mutation { createAccount(name: "Acme Lending") { account { id } apiKey } }',
    );
    expect(account.errors).toBeUndefined();
    const apiKey = account.data!.createAccount.apiKey;

    const template = await gql<{ createInquiryTemplate: { id: string } }>(
      apiKey,
      `mutation { createInquiryTemplate(input: { name: "KYC", steps: [PHONE_OTP, DATABASE_NAME_MATCH] }) { id } }`,
    );
    expect(template.errors).toBeUndefined();
    await seedNumber(emulator, {
      phoneNumber: PHONE,
      callerName: 'Jane Doe',
      firstName: 'Jane',
      lastName: 'Doe',
      lineType: 'mobile',
      smsPumpingRiskScore: 3,
    });

    const created = await gql<{
      createInquiry: { inquiry: { id: string; status: string }; sessionToken: string };
    }>(
      apiKey,
      `mutation($templateId: ID!) {
        createInquiry(input: { templateId: $templateId, referenceId: "user-42",
          fields: { nameFirst: "Jane", nameLast: "Doe", birthdate: "1990-04-01", phoneNumber: "${PHONE}" } }) {
          inquiry { id status } sessionToken } }`,
      { templateId: template.data!.createInquiryTemplate.id },
    );
    expect(created.errors).toBeUndefined();
    const { inquiry, sessionToken } = created.data!.createInquiry;
    expect(inquiry.status).toBe('CREATED');

    // The end user, with the session token only.
    const started = await gql<{ startPhoneVerification: { verification: { id: string; status: string } } }>(
      sessionToken,
      `mutation($id: ID!) { startPhoneVerification(inquiryId: $id, phoneNumber: "${PHONE}") { verification { id status } } }`,
      { id: inquiry.id },
    );
    expect(started.errors).toBeUndefined();
    const verification = started.data!.startPhoneVerification.verification;
    expect(verification.status).toBe('PENDING');
    const checked = await gql<{ checkPhoneVerification: { status: string } }>(
      sessionToken,
      `mutation($id: ID!, $code: String!) { checkPhoneVerification(verificationId: $id, code: $code) { status } }`,
      { id: verification.id, code: await latestCode(emulator, PHONE) },
    );
    expect(checked.data?.checkPhoneVerification.status).toBe('APPROVED');

    const query = `query($id: ID!) { inquiry(id: $id) {
        id status referenceId fields { nameFirst phoneNumber }
        phoneVerifications { status phoneNumberMasked countryCode riskAssessment { decision score reasons } }
        databaseVerification { status source nameMatch { result } } } }`;
    type Result = {
      inquiry: {
        status: string;
        referenceId: string;
        fields: { nameFirst: string; phoneNumber: string };
        phoneVerifications: Array<{
          status: string;
          phoneNumberMasked: string;
          countryCode: string;
          riskAssessment: { decision: string } | null;
        }>;
        databaseVerification: { status: string; source: string; nameMatch: { result: string } } | null;
      };
    };
    const answer = await eventually(
      async () => {
        const result = await gql<Result>(apiKey, query, { id: inquiry.id });
        return result.data?.inquiry.status === 'APPROVED' ? result : undefined;
      },
      { timeoutMs: 20_000, what: 'the inquiry approved' },
    );
    expect(answer.errors).toBeUndefined();
    const data = answer.data!.inquiry;
    // inquiry subgraph
    expect(data).toMatchObject({
      status: 'APPROVED',
      referenceId: 'user-42',
      fields: { nameFirst: 'Jane', phoneNumber: PHONE },
    });
    // phone subgraph
    expect(data.phoneVerifications).toEqual([
      expect.objectContaining({ status: 'APPROVED', phoneNumberMasked: '+1******0142', countryCode: 'US' }),
    ]);
    // fraud subgraph, through the phone verification
    expect(data.phoneVerifications[0]?.riskAssessment?.decision).toBe('ALLOW');
    // identity subgraph
    expect(data.databaseVerification).toEqual({
      status: 'COMPLETED',
      source: 'PHONE_CARRIER',
      nameMatch: { result: 'EXACT_MATCH' },
    });
  });
});

describe('request id', () => {
  it('travels from the gateway to the subgraph, into its events, and on into the next service’s events', async () => {
    const { gql, gatewayUrl, emulator, sql } = platform;
    const apiKey = (
      await gql<{ createAccount: { apiKey: string } }>(
        ADMIN_TOKEN,
        'mutation { createAccount(name: "Trace") { apiKey } }',
      )
    ).data!.createAccount.apiKey;
    const template = await gql<{ createInquiryTemplate: { id: string } }>(
      apiKey,
      'mutation { createInquiryTemplate(input: { name: "T", steps: [PHONE_OTP] }) { id } }',
    );
    const post = async <T>(
      token: string,
      requestId: string,
      query: string,
      variables: Record<string, unknown>,
    ) => {
      const response = await fetch(gatewayUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
          'x-request-id': requestId,
        },
        body: JSON.stringify({ query, variables }),
      });
      return ((await response.json()) as { data: T }).data;
    };
    const created = await post<{ createInquiry: { inquiry: { id: string }; sessionToken: string } }>(
      apiKey,
      'trace-create-1',
      'mutation($t: ID!) { createInquiry(input: { templateId: $t }) { inquiry { id } sessionToken } }',
      { t: template.data!.createInquiryTemplate.id },
    );
    const { inquiry, sessionToken } = created.createInquiry;
    await post(
      sessionToken,
      'trace-start-2',
      'mutation($i: ID!) { startPhoneVerification(inquiryId: $i, phoneNumber: "+14155550143") { verification { id } } }',
      {
        i: inquiry.id,
      },
    );
    expect(await latestCode(emulator, '+14155550143')).toMatch(/^\d{6}$/);
    const requestIdOf = async (service: 'inquiry' | 'phone', type: string) => {
      const rows = await sql<{ request_id: string | null }>(
        service,
        `SELECT request_id FROM $schema.outbox WHERE subject LIKE $1`,
        [`%${type}.%`],
      );
      return rows.map((r) => r.request_id);
    };
    expect(await requestIdOf('inquiry', `inquiry.created`)).toContain('trace-create-1');
    const started = await requestIdOf('phone', 'phone.verification.started');
    expect(started).toContain('trace-start-2');
    // The inquiry service handled the phone event and published inquiry.started under the same id.
    await eventually(
      async () => (await requestIdOf('inquiry', 'inquiry.started')).includes('trace-start-2'),
      {
        what: 'inquiry.started carrying the request id',
      },
    );
  });
});
