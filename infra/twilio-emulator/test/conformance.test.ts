import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_CREDENTIALS, startEmulator } from '../src/index.js';
import type { RunningEmulator } from '../src/index.js';
import { OpenApiContract } from './openapi.js';

const verifyOai = OpenApiContract.load('twilio_verify_v2.json');
const lookupsOai = OpenApiContract.load('twilio_lookups_v2.json');

/** Error statuses Twilio answers these operations with although its descriptions leave them out. */
const UNDECLARED_ERRORS: Record<string, readonly number[]> = {
  CreateVerification: [400, 401, 403, 404],
  FetchVerification: [401, 404],
  UpdateVerification: [400, 401, 404],
  CreateVerificationCheck: [400, 401, 404, 429],
  ListVerificationAttempt: [400, 401],
  FetchPhoneNumber: [400, 401],
};

const SERVICE = `/v2/Services/${DEV_CREDENTIALS.verifyServiceSid}`;
const AUTH = `Basic ${Buffer.from(`${DEV_CREDENTIALS.accountSid}:${DEV_CREDENTIALS.authToken}`).toString('base64')}`;

let emulator: RunningEmulator;
let nextNumber = 1000;
const freshNumber = (): string => `+1201555${nextNumber++}`;

interface Answer {
  status: number;
  body: unknown;
}

async function call(
  method: 'GET' | 'POST',
  path: string,
  form?: Record<string, string>,
  auth = AUTH,
): Promise<Answer> {
  const response = await fetch(emulator.url + path, {
    method,
    headers: { Authorization: auth, ...(form && { 'Content-Type': 'application/x-www-form-urlencoded' }) },
    ...(form && { body: new URLSearchParams(form).toString() }),
  });
  return { status: response.status, body: await response.json() };
}

async function sentCode(to: string): Promise<string> {
  const response = await fetch(`${emulator.url}/outbox?to=${encodeURIComponent(to)}`);
  const [newest] = (await response.json()) as Array<{ code: string }>;
  if (newest === undefined) throw new Error(`nothing was sent to ${to}`);
  return newest.code;
}

function sidOf(answer: Answer): string {
  return (answer.body as { sid: string }).sid;
}

function expectConforms(
  contract: OpenApiContract,
  operationId: string,
  answer: Answer,
  status: number,
): void {
  expect(answer.status).toBe(status);
  expect(
    contract.operation(operationId).validate(answer.status, answer.body, UNDECLARED_ERRORS[operationId]),
  ).toEqual([]);
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
});

afterAll(async () => {
  await emulator.close();
});

describe('the validator', () => {
  const fetchVerification = verifyOai.operation('FetchVerification');
  const [example] = fetchVerification.examples(200) as Array<Record<string, unknown>>;

  it('accepts every example Twilio gives for the emulated operations', () => {
    const operations = [
      [verifyOai, 'CreateVerification'],
      [verifyOai, 'FetchVerification'],
      [verifyOai, 'UpdateVerification'],
      [verifyOai, 'CreateVerificationCheck'],
      [verifyOai, 'ListVerificationAttempt'],
      [lookupsOai, 'FetchPhoneNumber'],
    ] as const;
    for (const [contract, operationId] of operations) {
      const operation = contract.operation(operationId);
      for (const status of operation.declaredStatuses) {
        for (const body of operation.examples(status)) expect(operation.validate(status, body)).toEqual([]);
      }
    }
  });

  it('rejects a value outside an enum', () => {
    expect(fetchVerification.validate(200, { ...example, channel: 'carrier-pigeon' })).toEqual([
      '$.channel: "carrier-pigeon" is not one of "sms", "call", "email", "whatsapp", "sna"',
    ]);
  });

  it('rejects a field the schema does not have', () => {
    expect(fetchVerification.validate(200, { ...example, code: '123456' })).toEqual([
      '$.code: not a field of the schema',
    ]);
  });

  it('rejects a missing field, a wrong type and a null where none is allowed', () => {
    const { url: _url, ...withoutUrl } = example ?? {};
    expect(fetchVerification.validate(200, { ...withoutUrl, valid: 'yes' })).toEqual([
      '$.valid: expected a boolean, got "yes"',
      '$.url: missing',
    ]);
    const [lookup] = lookupsOai.operation('FetchPhoneNumber').examples(200) as Array<Record<string, unknown>>;
    expect(lookupsOai.operation('FetchPhoneNumber').validate(200, { ...lookup, valid: null })).toEqual([
      '$.valid: null is not allowed',
    ]);
  });

  it('rejects a status the operation does not declare, and an error body that is not Twilio’s', () => {
    expect(fetchVerification.validate(202, example)).toEqual([
      'HTTP 202 is not a status FetchVerification declares (200)',
    ]);
    expect(fetchVerification.validate(404, { error: 'not found' }, [404])).toEqual([
      '$.error: not a field of the schema',
      '$.code: missing',
      '$.message: missing',
      '$.more_info: missing',
      '$.status: missing',
      '$.status: undefined differs from HTTP 404',
      "$.more_info: undefined does not point at the error code's page",
    ]);
  });
});

describe('Verify v2 responses conform to twilio_verify_v2.json', () => {
  it('CreateVerification: 201 on send and resend, 429 on the sixth send', async () => {
    const to = freshNumber();
    for (let attempt = 1; attempt <= 5; attempt++) {
      const answer = await call('POST', `${SERVICE}/Verifications`, {
        To: to,
        Channel: attempt === 2 ? 'call' : 'sms',
        Locale: 'en',
        CustomFriendlyName: 'Attestor',
        Tags: JSON.stringify({ inquiry: 'inq_1' }),
        RateLimits: JSON.stringify({ end_user_ip: '203.0.113.7' }),
      });
      expectConforms(verifyOai, 'CreateVerification', answer, 201);
    }
    expectConforms(
      verifyOai,
      'CreateVerification',
      await call('POST', `${SERVICE}/Verifications`, { To: to, Channel: 'sms' }),
      429,
    );
  });

  it('CreateVerification: whatsapp and email channels', async () => {
    for (const [To, Channel] of [
      [freshNumber(), 'whatsapp'],
      ['ada@example.com', 'email'],
    ] as const) {
      expectConforms(
        verifyOai,
        'CreateVerification',
        await call('POST', `${SERVICE}/Verifications`, { To, Channel }),
        201,
      );
    }
  });

  it('CreateVerification: 400 on a bad To, Channel, Locale or Tags; 401; 403 when blocked; 404 for another service', async () => {
    const send = (
      form: Record<string, string>,
      path = `${SERVICE}/Verifications`,
      auth = AUTH,
    ): Promise<Answer> => call('POST', path, form, auth);
    const invalid: Array<Record<string, string>> = [
      { To: '+1415', Channel: 'sms' },
      { To: freshNumber(), Channel: 'pigeon' },
      { To: freshNumber(), Channel: 'sms', Locale: 'not a locale' },
      { To: freshNumber(), Channel: 'sms', Tags: '[1,2]' },
      { Channel: 'sms' },
    ];
    for (const form of invalid) {
      expectConforms(verifyOai, 'CreateVerification', await send(form), 400);
    }
    expectConforms(
      verifyOai,
      'CreateVerification',
      await send({ To: freshNumber(), Channel: 'sms' }, undefined, 'Basic eDp5'),
      401,
    );
    expectConforms(verifyOai, 'CreateVerification', await send({ To: '+14155550199', Channel: 'sms' }), 403);
    // Seeded refusals: a landline (60205, 400) and a destination the geo permissions refuse (60605, 403).
    const landline = freshNumber();
    const geoBlocked = freshNumber();
    for (const seed of [
      { phoneNumber: landline, lineType: 'landline' },
      { phoneNumber: geoBlocked, geoBlocked: true },
    ]) {
      await fetch(`${emulator.url}/numbers`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(seed),
      });
    }
    expectConforms(verifyOai, 'CreateVerification', await send({ To: landline, Channel: 'sms' }), 400);
    expectConforms(verifyOai, 'CreateVerification', await send({ To: geoBlocked, Channel: 'sms' }), 403);
    expectConforms(
      verifyOai,
      'CreateVerification',
      await send({ To: freshNumber(), Channel: 'sms' }, `/v2/Services/VA${'f'.repeat(32)}/Verifications`),
      404,
    );
  });

  it('FetchVerification and UpdateVerification: 200 while pending, 404 after, 400 on a bad Status', async () => {
    const canceled = sidOf(
      await call('POST', `${SERVICE}/Verifications`, { To: freshNumber(), Channel: 'sms' }),
    );
    expectConforms(
      verifyOai,
      'FetchVerification',
      await call('GET', `${SERVICE}/Verifications/${canceled}`),
      200,
    );
    expectConforms(
      verifyOai,
      'UpdateVerification',
      await call('POST', `${SERVICE}/Verifications/${canceled}`, { Status: 'pending' }),
      400,
    );
    expectConforms(
      verifyOai,
      'UpdateVerification',
      await call('POST', `${SERVICE}/Verifications/${canceled}`, { Status: 'canceled' }),
      200,
    );
    expectConforms(
      verifyOai,
      'UpdateVerification',
      await call('POST', `${SERVICE}/Verifications/${canceled}`, { Status: 'approved' }),
      404,
    );
    expectConforms(
      verifyOai,
      'FetchVerification',
      await call('GET', `${SERVICE}/Verifications/${canceled}`),
      404,
    );
    expectConforms(
      verifyOai,
      'FetchVerification',
      await call('GET', `${SERVICE}/Verifications/${canceled}`, undefined, 'Basic eDp5'),
      401,
    );

    const approved = sidOf(
      await call('POST', `${SERVICE}/Verifications`, { To: freshNumber(), Channel: 'sms' }),
    );
    expectConforms(
      verifyOai,
      'UpdateVerification',
      await call('POST', `${SERVICE}/Verifications/${approved}`, { Status: 'approved' }),
      200,
    );
  });

  it('CreateVerificationCheck: 200 pending and approved, 404 after, 429 after five wrong codes, 400 without Code', async () => {
    const to = freshNumber();
    await call('POST', `${SERVICE}/Verifications`, { To: to, Channel: 'sms' });
    const check = (form: Record<string, string>): Promise<Answer> =>
      call('POST', `${SERVICE}/VerificationCheck`, form);
    expectConforms(verifyOai, 'CreateVerificationCheck', await check({ To: to, Code: '0000000' }), 200);
    expectConforms(verifyOai, 'CreateVerificationCheck', await check({ To: to }), 400);
    expectConforms(
      verifyOai,
      'CreateVerificationCheck',
      await check({ To: to, Code: await sentCode(to) }),
      200,
    );
    expectConforms(verifyOai, 'CreateVerificationCheck', await check({ To: to, Code: '123456' }), 404);

    const exhausted = freshNumber();
    const sid = sidOf(await call('POST', `${SERVICE}/Verifications`, { To: exhausted, Channel: 'sms' }));
    for (let wrong = 0; wrong < 5; wrong++) await check({ VerificationSid: sid, Code: '0000000' });
    expectConforms(
      verifyOai,
      'CreateVerificationCheck',
      await check({ VerificationSid: sid, Code: '0000000' }),
      429,
    );
  });
});

describe('Verify Attempts responses conform to twilio_verify_v2.json', () => {
  const attempts = (query: string): Promise<Answer> => call('GET', `/v2/Attempts${query}`);

  it('ListVerificationAttempt: unconverted while pending, the newest converted once approved, paged; 400, 401', async () => {
    const to = freshNumber();
    const sid = sidOf(await call('POST', `${SERVICE}/Verifications`, { To: to, Channel: 'sms' }));
    await call('POST', `${SERVICE}/Verifications`, { To: to, Channel: 'call' });
    const pending = await attempts(`?VerificationSid=${sid}`);
    expectConforms(verifyOai, 'ListVerificationAttempt', pending, 200);
    const statuses = (answer: Answer) =>
      (answer.body as { attempts: Array<{ conversion_status: string; channel: string }> }).attempts.map(
        (a) => `${a.channel} ${a.conversion_status}`,
      );
    expect(statuses(pending)).toEqual(['sms unconverted', 'call unconverted']);
    await call('POST', `${SERVICE}/VerificationCheck`, { VerificationSid: sid, Code: await sentCode(to) });
    // Twilio has deleted the approved verification; its attempts still say how it ended.
    expect((await call('GET', `${SERVICE}/Verifications/${sid}`)).status).toBe(404);
    const approved = await attempts(
      `?VerificationSid=${sid}&VerifyServiceSid=${DEV_CREDENTIALS.verifyServiceSid}`,
    );
    expectConforms(verifyOai, 'ListVerificationAttempt', approved, 200);
    expect(statuses(approved)).toEqual(['sms unconverted', 'call converted']);

    const firstPage = await attempts(`?VerificationSid=${sid}&PageSize=1`);
    expectConforms(verifyOai, 'ListVerificationAttempt', firstPage, 200);
    expect((firstPage.body as { meta: { next_page_url: string | null } }).meta.next_page_url).toContain(
      'Page=1',
    );
    const unknown = await attempts(`?VerificationSid=VE${'0'.repeat(32)}`);
    expectConforms(verifyOai, 'ListVerificationAttempt', unknown, 200);
    expect(statuses(unknown)).toEqual([]);

    expectConforms(verifyOai, 'ListVerificationAttempt', await attempts('?VerificationSid=nope'), 400);
    expectConforms(verifyOai, 'ListVerificationAttempt', await attempts('?PageSize=5000'), 400);
    expectConforms(
      verifyOai,
      'ListVerificationAttempt',
      await call('GET', '/v2/Attempts', undefined, 'Basic eDp5'),
      401,
    );
  });
});

describe('Lookup v2 responses conform to twilio_lookups_v2.json', () => {
  const lookup = (number: string, query = ''): Promise<Answer> =>
    call('GET', `/v2/PhoneNumbers/${encodeURIComponent(number)}${query}`);

  it('FetchPhoneNumber: each data package alone, all together, and none', async () => {
    for (const field of ['sms_pumping_risk', 'line_type_intelligence', 'caller_name', 'identity_match']) {
      expectConforms(
        lookupsOai,
        'FetchPhoneNumber',
        await lookup('+14155550100', `?Fields=${field}&FirstName=Ada&LastName=Lovelace`),
        200,
      );
    }
    const all = '?Fields=sms_pumping_risk,line_type_intelligence,caller_name,identity_match,sim_swap';
    expectConforms(lookupsOai, 'FetchPhoneNumber', await lookup('+14155550199', all), 200);
    expectConforms(lookupsOai, 'FetchPhoneNumber', await lookup(freshNumber(), all), 200);
    expectConforms(lookupsOai, 'FetchPhoneNumber', await lookup('+14155550101'), 200);
    expectConforms(
      lookupsOai,
      'FetchPhoneNumber',
      await lookup('(415) 555-0100', '?CountryCode=US&Fields=caller_name'),
      200,
    );
  });

  it('FetchPhoneNumber: invalid numbers are 200 with valid false', async () => {
    for (const number of ['+1415', '+141599299600', '+999123456']) {
      const answer = await lookup(number, '?Fields=caller_name');
      expectConforms(lookupsOai, 'FetchPhoneNumber', answer, 200);
      expect(answer.body).toMatchObject({ valid: false, caller_name: null });
    }
  });

  it('FetchPhoneNumber: 400 on an unknown package, 401 without credentials', async () => {
    expectConforms(lookupsOai, 'FetchPhoneNumber', await lookup('+14155550100', '?Fields=horoscope'), 400);
    expectConforms(
      lookupsOai,
      'FetchPhoneNumber',
      await call('GET', '/v2/PhoneNumbers/+14155550100', undefined, ''),
      401,
    );
  });
});
