import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, type Caller } from '@attestor/platform';
import {
  eventually,
  partnerCaller,
  publishEvent,
  sessionCaller,
  uniqueName,
} from '@attestor/platform/testing';
import { startFraudHarness, type FraudHarness } from './harness.js';

const run = uniqueName('fraud');
let h: FraudHarness;

beforeAll(async () => {
  h = await startFraudHarness(run);
});
afterAll(async () => {
  await h?.stop();
});

let nextNumber = 10;
/** A fresh US number seeded with the given Lookup facts (555-01xx: fictional, valid). */
async function seededNumber(
  facts: { smsPumpingRiskScore?: number; lineType?: 'mobile' | 'landline'; blocked?: boolean } = {},
) {
  const phoneNumber = `+1415555${String(100 + nextNumber++).padStart(4, '0')}`;
  await h.seed({
    phoneNumber,
    smsPumpingRiskScore: facts.smsPumpingRiskScore ?? 3,
    lineType: facts.lineType ?? 'mobile',
    blocked: facts.blocked ?? false,
  });
  return phoneNumber;
}

const newAccount = () => `acc_${randomUUID().slice(0, 8)}`;

async function assess(
  accountId: string,
  phoneNumber: string,
  ids: { inquiryId?: string; verificationId?: string } = {},
) {
  const inquiryId = ids.inquiryId ?? randomUUID();
  const verificationId = ids.verificationId ?? randomUUID();
  const reply = await request(
    h.bus,
    'rpc.fraud.assess',
    {
      accountId,
      inquiryId,
      verificationId,
      phoneNumberSealed: h.pii.seal(phoneNumber),
      countryCode: 'US',
      channel: 'SMS',
      ip: '203.0.113.7',
    },
    { timeoutMs: 5000 },
  );
  return { ...reply, inquiryId, verificationId };
}

async function updatePolicy(caller: Caller, input: Record<string, unknown>) {
  return h.gql<{ updateFraudPolicy: Record<string, unknown> }>(
    caller,
    `mutation ($input: FraudPolicyInput!) {
       updateFraudPolicy(input: $input) { mode countries { countryCode smsAllowed maxPerHour } blockLineTypes maxSmsPerDay }
     }`,
    { input },
  );
}

const riskOfVerification = `query ($id: ID!) {
  _entities(representations: [{ __typename: "PhoneVerification", id: $id }]) {
    ... on PhoneVerification { id riskAssessment { id decision score reasons countryCode lineType smsPumpingRiskScore mode createdAt } }
  }
}`;

async function riskAssessmentOf(caller: Caller, verificationId: string) {
  const result = await h.gql<{ _entities: Array<{ riskAssessment: Record<string, unknown> | null }> }>(
    caller,
    riskOfVerification,
    { id: verificationId },
  );
  expect(result.errors).toBeUndefined();
  return result.data?._entities[0]?.riskAssessment ?? null;
}

describe('rpc.fraud.assess, rule by rule', () => {
  it('allows a clean number and stores the assessment with what each rule saw', async () => {
    const accountId = newAccount();
    const reply = await assess(accountId, await seededNumber({ smsPumpingRiskScore: 4 }));
    expect(reply).toMatchObject({ decision: 'ALLOW', score: 4, reasons: [] });
    const [row] = await h.sql<{
      details: { rules: Array<{ rule: string; saw: unknown }>; lookup: string; channel: string };
    }>(`SELECT details FROM "${h.config.DB_SCHEMA}".assessments WHERE id = $1`, [reply.assessmentId]);
    expect(row?.details.lookup).toBe('LOOKUP');
    expect(row?.details.channel).toBe('SMS');
    expect(row?.details.rules.find((r) => r.rule === 'SMS_PUMPING_RISK_HIGH')?.saw).toEqual({
      smsPumpingRiskScore: 4,
      blockAt: 90,
    });
    expect(await riskAssessmentOf(partnerCaller(accountId), reply.verificationId)).toMatchObject({
      id: reply.assessmentId,
      decision: 'ALLOW',
      score: 4,
      reasons: [],
      countryCode: 'US',
      lineType: 'mobile',
      smsPumpingRiskScore: 4,
      mode: 'ENFORCE',
    });
  });

  it('answers a partner every rule with the numbers it saw, and refuses them to a session', async () => {
    const accountId = newAccount();
    const reply = await assess(accountId, await seededNumber({ smsPumpingRiskScore: 72 }));
    expect(reply.decision).toBe('CHALLENGE');
    const rulesQuery = `query ($id: ID!) {
      _entities(representations: [{ __typename: "PhoneVerification", id: $id }]) {
        ... on PhoneVerification { riskAssessment { decision enforcedDecision rules { rule layer fired effect observed { name value } } } }
      }
    }`;
    const partner = await h.gql<{
      _entities: Array<{
        riskAssessment: {
          enforcedDecision: string;
          rules: Array<{ rule: string; layer: string; fired: boolean; effect: string; observed: unknown[] }>;
        };
      }>;
    }>(partnerCaller(accountId), rulesQuery, { id: reply.verificationId });
    expect(partner.errors).toBeUndefined();
    const assessment = partner.data!._entities[0]!.riskAssessment;
    expect(assessment.enforcedDecision).toBe('CHALLENGE');
    expect(assessment.rules.find((r) => r.rule === 'SMS_PUMPING_RISK_ELEVATED')).toEqual({
      rule: 'SMS_PUMPING_RISK_ELEVATED',
      layer: 'lookup',
      fired: true,
      effect: 'CHALLENGE',
      observed: expect.arrayContaining([{ name: 'smsPumpingRiskScore', value: '72' }]),
    });
    expect(assessment.rules.find((r) => r.rule === 'SMS_PUMPING_RISK_HIGH')).toMatchObject({
      fired: false,
      effect: 'BLOCK',
      observed: expect.arrayContaining([{ name: 'blockAt', value: '90' }]),
    });
    expect(new Set(assessment.rules.map((r) => r.rule)).size).toBe(assessment.rules.length);

    const session = await h.gql(sessionCaller(accountId, reply.inquiryId), rulesQuery, {
      id: reply.verificationId,
    });
    expect(session.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('blocks a high SMS pumping risk score and publishes fraud.assessment.blocked', async () => {
    const accountId = newAccount();
    const reply = await assess(accountId, await seededNumber({ smsPumpingRiskScore: 95 }));
    expect(reply).toMatchObject({ decision: 'BLOCK', score: 100, reasons: ['SMS_PUMPING_RISK_HIGH'] });
    const event = await eventually(
      () => h.published('fraud.assessment.blocked').find((e) => e.subjectId === reply.assessmentId),
      {
        what: 'fraud.assessment.blocked',
      },
    );
    expect(event).toMatchObject({
      accountId,
      data: { inquiryId: reply.inquiryId, countryCode: 'US', reasons: ['SMS_PUMPING_RISK_HIGH'] },
    });
  });

  it('asks for a challenge at an elevated score, without a blocked event', async () => {
    const reply = await assess(newAccount(), await seededNumber({ smsPumpingRiskScore: 72 }));
    expect(reply).toMatchObject({ decision: 'CHALLENGE', score: 72, reasons: ['SMS_PUMPING_RISK_ELEVATED'] });
    const [outbox] = await h.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM "${h.config.DB_SCHEMA}".outbox WHERE payload->>'subjectId' = $1`,
      [reply.assessmentId],
    );
    expect(outbox?.n).toBe(0);
  });

  it('blocks a number Lookup reports blocked', async () => {
    const reply = await assess(newAccount(), await seededNumber({ smsPumpingRiskScore: 10, blocked: true }));
    expect(reply).toMatchObject({ decision: 'BLOCK', reasons: ['NUMBER_BLOCKED'] });
  });

  it('blocks a country the policy disables, from the number itself', async () => {
    const accountId = newAccount();
    const updated = await updatePolicy(partnerCaller(accountId), {
      countries: [{ countryCode: 'GB', smsAllowed: false }],
    });
    expect(updated.errors).toBeUndefined();
    // +44 7400: Great Britain proper (+44 7911 would be Guernsey, GG, a country of its own).
    const reply = await assess(accountId, '+447400123456');
    expect(reply).toMatchObject({ decision: 'BLOCK', score: 100, reasons: ['COUNTRY_SMS_DISABLED'] });
    expect((await assess(accountId, await seededNumber())).decision).toBe('ALLOW');
  });

  it('blocks past the account daily cap, counting only sends', async () => {
    const accountId = newAccount();
    await updatePolicy(partnerCaller(accountId), { maxSmsPerDay: 2 });
    expect((await assess(accountId, await seededNumber({ smsPumpingRiskScore: 99 }))).decision).toBe('BLOCK');
    expect((await assess(accountId, await seededNumber())).decision).toBe('ALLOW');
    expect((await assess(accountId, await seededNumber())).decision).toBe('ALLOW');
    const third = await assess(accountId, await seededNumber());
    expect(third).toMatchObject({ decision: 'BLOCK', reasons: ['ACCOUNT_DAILY_LIMIT'] });
    const [row] = await h.sql<{ details: { rules: Array<{ rule: string; saw: unknown }> } }>(
      `SELECT details FROM "${h.config.DB_SCHEMA}".assessments WHERE id = $1`,
      [third.assessmentId],
    );
    expect(row?.details.rules.find((r) => r.rule === 'ACCOUNT_DAILY_LIMIT')?.saw).toEqual({
      sentLast24Hours: 2,
      maxSmsPerDay: 2,
    });
    // Another account is not held by this one's cap.
    expect((await assess(newAccount(), await seededNumber())).decision).toBe('ALLOW');
  });

  it('blocks past a country hourly cap', async () => {
    const accountId = newAccount();
    await updatePolicy(partnerCaller(accountId), {
      countries: [{ countryCode: 'US', smsAllowed: true, maxPerHour: 1 }],
    });
    expect((await assess(accountId, await seededNumber())).decision).toBe('ALLOW');
    expect(await assess(accountId, await seededNumber())).toMatchObject({
      decision: 'BLOCK',
      reasons: ['COUNTRY_HOURLY_LIMIT'],
    });
    expect((await assess(accountId, '+447400123456')).decision).toBe('ALLOW');
  });

  it('blocks a line type on the policy block list', async () => {
    const accountId = newAccount();
    await updatePolicy(partnerCaller(accountId), { blockLineTypes: ['landline'] });
    expect(await assess(accountId, await seededNumber({ lineType: 'landline' }))).toMatchObject({
      decision: 'BLOCK',
      reasons: ['LINE_TYPE_BLOCKED'],
    });
    expect((await assess(accountId, await seededNumber({ lineType: 'mobile' }))).decision).toBe('ALLOW');
  });

  it('in RECORD_ONLY mode allows, recording the reasons and the decision ENFORCE would take', async () => {
    const accountId = newAccount();
    await updatePolicy(partnerCaller(accountId), { mode: 'RECORD_ONLY' });
    const reply = await assess(accountId, await seededNumber({ smsPumpingRiskScore: 96 }));
    expect(reply).toMatchObject({ decision: 'ALLOW', score: 100, reasons: ['SMS_PUMPING_RISK_HIGH'] });
    const [row] = await h.sql<{ details: { enforcedDecision: string } }>(
      `SELECT details FROM "${h.config.DB_SCHEMA}".assessments WHERE id = $1`,
      [reply.assessmentId],
    );
    expect(row?.details.enforcedDecision).toBe('BLOCK');
    expect(await riskAssessmentOf(partnerCaller(accountId), reply.verificationId)).toMatchObject({
      mode: 'RECORD_ONLY',
      decision: 'ALLOW',
    });
    expect(h.published('fraud.assessment.blocked').some((e) => e.subjectId === reply.assessmentId)).toBe(
      false,
    );
  });

  it('answers BAD_USER_INPUT for a number that is not sealed by this platform', async () => {
    await expect(
      request(
        h.bus,
        'rpc.fraud.assess',
        {
          accountId: newAccount(),
          inquiryId: randomUUID(),
          verificationId: randomUUID(),
          phoneNumberSealed: '+14155550100',
          countryCode: 'US',
          channel: 'SMS',
          ip: null,
        },
        { timeoutMs: 5000 },
      ),
    ).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});

describe('the Lookup cache', () => {
  it('asks Lookup once for two assessments of one number, and again for another number', async () => {
    const accountId = newAccount();
    const number = await seededNumber({ smsPumpingRiskScore: 65 });
    const before = h.lookups();
    const first = await assess(accountId, number);
    expect(h.lookups()).toBe(before + 1);
    const second = await assess(newAccount(), number);
    expect(h.lookups()).toBe(before + 1);
    expect(second).toMatchObject({ decision: 'CHALLENGE', score: 65 });
    const rows = await h.sql<{ id: string; lookup: string }>(
      `SELECT id, details->>'lookup' AS lookup FROM "${h.config.DB_SCHEMA}".assessments WHERE id = ANY($1::uuid[])`,
      [[first.assessmentId, second.assessmentId]],
    );
    expect(Object.fromEntries(rows.map((r) => [r.id, r.lookup]))).toEqual({
      [first.assessmentId]: 'LOOKUP',
      [second.assessmentId]: 'CACHE',
    });
    await assess(accountId, await seededNumber());
    expect(h.lookups()).toBe(before + 2);
  });

  it('keeps neither the number nor the account in the cache', async () => {
    const number = await seededNumber({ smsPumpingRiskScore: 7 });
    await assess(newAccount(), number);
    const [row] = await h.sql<{ result: Record<string, unknown> }>(
      `SELECT result FROM "${h.config.DB_SCHEMA}".lookups WHERE phone_hash = $1`,
      [h.pii.hash(number)],
    );
    expect(row?.result).toEqual({
      valid: true,
      countryCode: 'US',
      lineType: 'mobile',
      smsPumpingRiskScore: 7,
      carrierRiskCategory: 'low',
      numberBlocked: false,
    });
  });
});

describe('fraud policy over GraphQL', () => {
  const policyQuery = `{ fraudPolicy { mode countries { countryCode smsAllowed maxPerHour } blockLineTypes maxSmsPerDay } }`;

  // Issue 9 changed the default policy: the costly line types are refused out of the box (before: none).
  it('answers the default policy when none is stored', async () => {
    const result = await h.gql(partnerCaller(newAccount()), policyQuery);
    expect(result).toEqual({
      data: {
        fraudPolicy: {
          mode: 'ENFORCE',
          countries: [],
          blockLineTypes: ['landline', 'premium', 'tollFree', 'sharedCost', 'uan', 'voicemail', 'pager'],
          maxSmsPerDay: null,
        },
      },
    });
  });

  it('stores a change, keeping what the input leaves out', async () => {
    const accountId = newAccount();
    await updatePolicy(partnerCaller(accountId), { maxSmsPerDay: 50, blockLineTypes: ['premium'] });
    const result = await updatePolicy(partnerCaller(accountId), {
      countries: [{ countryCode: 'de', smsAllowed: true, maxPerHour: 10 }],
    });
    expect(result.data?.updateFraudPolicy).toEqual({
      mode: 'ENFORCE',
      countries: [{ countryCode: 'DE', smsAllowed: true, maxPerHour: 10 }],
      blockLineTypes: ['premium'],
      maxSmsPerDay: 50,
    });
    expect(
      (await h.gql<{ fraudPolicy: unknown }>(partnerCaller(accountId), policyQuery)).data?.fraudPolicy,
    ).toEqual(result.data?.updateFraudPolicy);
  });

  it.each([
    [{ countries: [{ countryCode: 'XX', smsAllowed: true }] }, 'input.countries[0].countryCode'],
    [{ countries: [{ countryCode: 'USA', smsAllowed: true }] }, 'input.countries[0].countryCode'],
    [
      {
        countries: [
          { countryCode: 'US', smsAllowed: true },
          { countryCode: 'US', smsAllowed: false },
        ],
      },
      'input.countries[1].countryCode',
    ],
    [
      { countries: [{ countryCode: 'US', smsAllowed: true, maxPerHour: -1 }] },
      'input.countries[0].maxPerHour',
    ],
    [{ maxSmsPerDay: -1 }, 'input.maxSmsPerDay'],
    [{ blockLineTypes: ['mobile', 'satellite'] }, 'input.blockLineTypes[1]'],
    [{ blockLineTypes: ['mobile', 'mobile'] }, 'input.blockLineTypes[1]'],
    [{ mode: null }, 'input.mode'],
  ])('refuses %j with BAD_USER_INPUT on %s, storing nothing', async (input, field) => {
    const accountId = newAccount();
    const result = await updatePolicy(partnerCaller(accountId), input);
    expect(result.data).toBeNull();
    expect(result.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field });
    const [stored] = await h.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM "${h.config.DB_SCHEMA}".policies WHERE account_id = $1`,
      [accountId],
    );
    expect(stored?.n).toBe(0);
  });

  it('refuses an unknown mode before any resolver runs', async () => {
    const result = await updatePolicy(partnerCaller(newAccount()), { mode: 'OFF' });
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it.each([
    ['a session', sessionCaller('acc_x', randomUUID()), 'FORBIDDEN'],
    ['the admin token', { kind: 'admin' } as Caller, 'FORBIDDEN'],
    ['an anonymous caller', { kind: 'anonymous' } as Caller, 'UNAUTHENTICATED'],
  ])('refuses %s: policy, change and statistics are for partners', async (_who, caller, code) => {
    expect((await h.gql(caller, policyQuery)).errors?.[0]?.extensions?.code).toBe(code);
    expect((await updatePolicy(caller, { maxSmsPerDay: 1 })).errors?.[0]?.extensions?.code).toBe(code);
    expect((await h.gql(caller, `{ fraudStats { countryCode } }`)).errors?.[0]?.extensions?.code).toBe(code);
  });
});

describe('tenant isolation', () => {
  it("keeps one account's policy from another", async () => {
    const a = newAccount();
    await updatePolicy(partnerCaller(a), { mode: 'RECORD_ONLY', maxSmsPerDay: 3 });
    const other = await h.gql<{ fraudPolicy: { mode: string; maxSmsPerDay: number | null } }>(
      partnerCaller(newAccount()),
      `{ fraudPolicy { mode maxSmsPerDay } }`,
    );
    expect(other.data?.fraudPolicy).toEqual({ mode: 'ENFORCE', maxSmsPerDay: null });
  });

  it('answers another account’s assessment exactly like an unknown one, by reference and by verification', async () => {
    const owner = newAccount();
    const reply = await assess(owner, await seededNumber());
    const byId = (caller: Caller, id: string) =>
      h.gql<{ _entities: Array<{ id?: string } | null> }>(
        caller,
        `query ($id: ID!) { _entities(representations: [{ __typename: "RiskAssessment", id: $id }]) { ... on RiskAssessment { id decision } } }`,
        { id },
      );
    expect((await byId(partnerCaller(owner), reply.assessmentId)).data?._entities).toEqual([
      { id: reply.assessmentId, decision: 'ALLOW' },
    ]);
    const foreign = await byId(partnerCaller(newAccount()), reply.assessmentId);
    const unknown = await byId(partnerCaller(newAccount()), randomUUID());
    expect(foreign).toEqual(unknown);
    expect(foreign).toEqual({ data: { _entities: [null] } });
    expect(await byId(partnerCaller(owner), 'not-a-uuid')).toEqual({ data: { _entities: [null] } });
    expect(await riskAssessmentOf(partnerCaller(newAccount()), reply.verificationId)).toBeNull();
  });

  it('shows a session the assessments of its own inquiry only', async () => {
    const accountId = newAccount();
    const reply = await assess(accountId, await seededNumber());
    expect(
      await riskAssessmentOf(sessionCaller(accountId, reply.inquiryId), reply.verificationId),
    ).toMatchObject({
      id: reply.assessmentId,
    });
    expect(await riskAssessmentOf(sessionCaller(accountId, randomUUID()), reply.verificationId)).toBeNull();
  });

  it('loads many references in one go, each for its own verification', async () => {
    const accountId = newAccount();
    const first = await assess(accountId, await seededNumber({ smsPumpingRiskScore: 1 }));
    const again = await assess(accountId, await seededNumber({ smsPumpingRiskScore: 70 }), {
      inquiryId: first.inquiryId,
      verificationId: first.verificationId,
    });
    const second = await assess(accountId, await seededNumber({ smsPumpingRiskScore: 2 }));
    const result = await h.gql<{ _entities: Array<{ id: string; riskAssessment: { id: string } | null }> }>(
      partnerCaller(accountId),
      `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on PhoneVerification { id riskAssessment { id } } } }`,
      {
        reps: [first.verificationId, second.verificationId, randomUUID()].map((id) => ({
          __typename: 'PhoneVerification',
          id,
        })),
      },
    );
    expect(result.data?._entities.map((e) => e.riskAssessment?.id ?? null)).toEqual([
      again.assessmentId,
      second.assessmentId,
      null,
    ]);
  });

  it('refuses the admin token on a reference and hides nothing else', async () => {
    const result = await h.gql({ kind: 'admin' }, riskOfVerification, { id: randomUUID() });
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('fraudStats', () => {
  it('counts sent, verified and blocked per country from the phone events, with the conversion rate', async () => {
    const accountId = newAccount();
    const inquiryId = randomUUID();
    const base = { inquiryId, channel: 'SMS' as const };
    const us = [randomUUID(), randomUUID(), randomUUID()];
    for (const id of us) {
      await publishEvent(h.bus, 'phone.verification.started', {
        accountId,
        subjectId: id,
        data: { ...base, countryCode: 'US' },
      });
    }
    await publishEvent(h.bus, 'phone.verification.approved', {
      accountId,
      subjectId: us[0] as string,
      data: { ...base, countryCode: 'US', phoneNumberSealed: h.pii.seal('+14155550100') },
    });
    await publishEvent(h.bus, 'phone.verification.failed', {
      accountId,
      subjectId: us[1] as string,
      data: { ...base, countryCode: 'US', status: 'MAX_ATTEMPTS_REACHED', reason: 'too many codes' },
    });
    const gb = randomUUID();
    await publishEvent(h.bus, 'phone.verification.failed', {
      accountId,
      subjectId: gb,
      data: { ...base, countryCode: 'GB', status: 'BLOCKED', reason: 'SMS_PUMPING_RISK_HIGH' },
    });
    // Another account's traffic never shows.
    await publishEvent(h.bus, 'phone.verification.started', {
      accountId: newAccount(),
      subjectId: randomUUID(),
      data: { ...base, countryCode: 'US' },
    });
    const expected = [
      { countryCode: 'GB', sent: 0, verified: 0, blocked: 1, conversionRate: null },
      { countryCode: 'US', sent: 3, verified: 1, blocked: 0, conversionRate: 1 / 3 },
    ];
    const stats = await eventually(
      async () => {
        const result = await h.gql<{ fraudStats: unknown[] }>(
          partnerCaller(accountId),
          `{ fraudStats { countryCode sent verified blocked conversionRate } }`,
        );
        return (
          JSON.stringify(result.data?.fraudStats) === JSON.stringify(expected) && result.data?.fraudStats
        );
      },
      { what: 'the statistics to count every event' },
    );
    expect(stats).toEqual(expected);
    const future = await h.gql<{ fraudStats: unknown[] }>(
      partnerCaller(accountId),
      `query ($since: DateTime) { fraudStats(since: $since) { countryCode } }`,
      { since: new Date(Date.now() + 3600_000).toISOString() },
    );
    expect(future.data?.fraudStats).toEqual([]);
    const bad = await h.gql(partnerCaller(accountId), `{ fraudStats(since: "yesterday") { countryCode } }`);
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('inquiry.redacted', () => {
  it("erases the number's hash from that inquiry's assessments and its cached Lookup, nothing else", async () => {
    const accountId = newAccount();
    const redactedNumber = await seededNumber();
    const keptNumber = await seededNumber();
    const redacted = await assess(accountId, redactedNumber);
    const kept = await assess(accountId, keptNumber);
    const hashOf = async (id: string) =>
      (
        await h.sql<{ phone_hash: string | null }>(
          `SELECT phone_hash FROM "${h.config.DB_SCHEMA}".assessments WHERE id = $1`,
          [id],
        )
      )[0]?.phone_hash;
    const cached = async (number: string) =>
      (
        await h.sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM "${h.config.DB_SCHEMA}".lookups WHERE phone_hash = $1`,
          [h.pii.hash(number)],
        )
      )[0]?.n;
    expect(await hashOf(redacted.assessmentId)).toBe(h.pii.hash(redactedNumber));

    // A redaction of the same inquiry id in another account touches nothing.
    await publishEvent(h.bus, 'inquiry.redacted', {
      accountId: newAccount(),
      subjectId: redacted.inquiryId,
      data: { redactedAt: new Date().toISOString() },
    });
    await publishEvent(h.bus, 'inquiry.redacted', {
      accountId,
      subjectId: redacted.inquiryId,
      data: { redactedAt: new Date().toISOString() },
    });
    await eventually(async () => (await hashOf(redacted.assessmentId)) === null, {
      what: 'the hash to be erased',
    });
    expect(await cached(redactedNumber)).toBe(0);
    expect(await hashOf(kept.assessmentId)).toBe(h.pii.hash(keptNumber));
    expect(await cached(keptNumber)).toBe(1);
    // The decision itself stays for the statistics and the audit.
    expect(await riskAssessmentOf(partnerCaller(accountId), redacted.verificationId)).toMatchObject({
      decision: 'ALLOW',
    });
  });
});
