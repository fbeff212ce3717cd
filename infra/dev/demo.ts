/**
 * `npm run demo`: the README's first inquiry, run against a platform `npm start` started, printed
 * step by step. It gives the emulator a fresh number whose carrier holds "Ada Lovelace" (a mobile
 * line, low SMS pumping risk: so every run starts alike, whatever earlier runs did), creates a
 * template and an inquiry for Ada Lovelace with that number, starts the phone verification as the
 * end user would, reads the code from the emulator's outbox, enters it, and waits for the decision.
 * It expects APPROVED with an EXACT_MATCH name match and exits 0 only if every step came out so.
 *
 * Where: GATEWAY_URL and EMULATOR_URL, or the ports of ATTESTOR_PORT_BASE (default 4000 and 4010).
 * Who: API_KEY, or the development key npm start saved in .data/dev-account.json.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const env = process.env;
const base = Number(env['ATTESTOR_PORT_BASE'] ?? 4000);
const gatewayUrl = env['GATEWAY_URL'] ?? `http://127.0.0.1:${base}/graphql`;
const emulatorUrl = env['EMULATOR_URL'] ?? `http://127.0.0.1:${base + 10}`;

/** A San Francisco number in the 555-01xx block reserved for fiction, fresh for each run. */
const PHONE = `+1415555${String(1000 + Math.floor(Math.random() * 9000))}`;
const NAME = { nameFirst: 'Ada', nameLast: 'Lovelace' };
const EXPECTED = { decision: 'APPROVED', nameMatch: 'EXACT_MATCH' };

class DemoError extends Error {}

let step = 0;
function say(text: string, outcome?: string): void {
  step += 1;
  console.log(`${String(step).padStart(2)}. ${text}${outcome === undefined ? '' : `: ${outcome}`}`);
}

function apiKey(): string {
  if (env['API_KEY']) return env['API_KEY'];
  try {
    const saved = JSON.parse(readFileSync(join(root, '.data', 'dev-account.json'), 'utf8')) as {
      apiKey?: string;
    };
    if (saved.apiKey) return saved.apiKey;
  } catch {
    // no saved account
  }
  throw new DemoError('no API key: start the platform with `npm start` first (it saves one), or set API_KEY');
}

interface GraphQLAnswer<T> {
  data?: T;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

async function gql<T>(token: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(15_000),
    });
  } catch {
    throw new DemoError(`nothing answers at ${gatewayUrl}: start the platform with \`npm start\` first`);
  }
  const answer = (await response.json()) as GraphQLAnswer<T>;
  const error = answer.errors?.[0];
  if (error) throw new DemoError(`${error.extensions?.code ?? 'ERROR'}: ${error.message}`);
  if (answer.data === undefined)
    throw new DemoError(`the gateway answered HTTP ${response.status} without data`);
  return answer.data;
}

const noEmulator = () =>
  new DemoError(
    `no Twilio emulator at ${emulatorUrl}: the demo seeds a number and reads its code there (npm start runs the emulator when no TWILIO_* credentials are set)`,
  );

async function emulator(path: string, init: RequestInit = {}): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`${emulatorUrl}${path}`, { ...init, signal: AbortSignal.timeout(5000) });
  } catch {
    throw noEmulator();
  }
  if (!response.ok) throw new DemoError(`the emulator answered HTTP ${response.status} to ${path}`);
  return response.json();
}

async function latestCode(to: string): Promise<string> {
  const messages = (await emulator(`/outbox?to=${encodeURIComponent(to)}`)) as Array<{ code?: string }>;
  const code = messages[0]?.code;
  if (!code) throw new DemoError(`the emulator sent no code to ${to}`);
  return code;
}

/** The gateway first: with nothing running, "no Twilio emulator" would send the reader the wrong way. */
async function gatewayAnswers(): Promise<void> {
  try {
    await fetch(new URL('/health', gatewayUrl), { signal: AbortSignal.timeout(5_000) });
  } catch {
    throw new DemoError(`nothing answers at ${gatewayUrl}: start the platform with \`npm start\` first`);
  }
}

async function main(): Promise<void> {
  console.log(`Attestor demo against ${gatewayUrl}\n`);
  const key = apiKey();
  await gatewayAnswers();
  await emulator('/numbers', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      phoneNumber: PHONE,
      callerName: 'ADA LOVELACE',
      callerType: 'CONSUMER',
      lineType: 'mobile',
      smsPumpingRiskScore: 3,
    }),
  });
  say(`The carrier (the emulator) holds "ADA LOVELACE" for ${PHONE}, a mobile line with a low pumping risk`);
  const { createInquiryTemplate: template } = await gql<{ createInquiryTemplate: { id: string } }>(
    key,
    `mutation { createInquiryTemplate(input: { name: "Demo: phone and name", steps: [PHONE_OTP, DATABASE_NAME_MATCH] }) { id } }`,
  );
  say(
    'The partner creates a template: verify the phone, then match the name on the ID',
    `template ${template.id}`,
  );

  const { createInquiry } = await gql<{
    createInquiry: { inquiry: { id: string; status: string }; sessionToken: string };
  }>(
    key,
    `mutation($t: ID!, $f: InquiryFieldsInput) { createInquiry(input: { templateId: $t, referenceId: "demo", fields: $f }) { inquiry { id status } sessionToken } }`,
    { t: template.id, f: { ...NAME, phoneNumber: PHONE } },
  );
  const inquiry = createInquiry.inquiry;
  say(`The partner creates an inquiry for ${NAME.nameFirst} ${NAME.nameLast}, ${PHONE}`, inquiry.status);
  const session = createInquiry.sessionToken;

  const { startPhoneVerification } = await gql<{
    startPhoneVerification: {
      verification: { id: string; status: string; riskAssessment: { decision: string } | null };
    };
  }>(
    session,
    `mutation($i: ID!, $p: String!) { startPhoneVerification(inquiryId: $i, phoneNumber: $p) { verification { id status riskAssessment { decision } } } }`,
    { i: inquiry.id, p: PHONE },
  );
  const verification = startPhoneVerification.verification;
  say(
    'The end user asks for a code (the fraud engine decides before any SMS)',
    `risk ${verification.riskAssessment?.decision ?? 'unknown'}, verification ${verification.status}`,
  );
  if (verification.status !== 'PENDING')
    throw new DemoError(`expected a code to be sent, the verification is ${verification.status}`);

  const code = await latestCode(PHONE);
  say('The SMS arrives (read from the emulator outbox)', `code ${code}`);

  const { checkPhoneVerification } = await gql<{ checkPhoneVerification: { status: string } }>(
    session,
    `mutation($v: ID!, $c: String!) { checkPhoneVerification(verificationId: $v, code: $c) { status } }`,
    { v: verification.id, c: code },
  );
  say('The end user types the code', checkPhoneVerification.status);
  if (checkPhoneVerification.status !== 'APPROVED') throw new DemoError('the right code was not approved');

  const deadline = Date.now() + 30_000;
  type Decided = {
    inquiry: {
      status: string;
      databaseVerification: {
        status: string;
        nameMatch: { result: string; reasons: string[] } | null;
      } | null;
    };
  };
  let decided: Decided['inquiry'] | undefined;
  while (Date.now() < deadline) {
    const { inquiry: current } = await gql<Decided>(
      key,
      `query($i: ID!) { inquiry(id: $i) { status databaseVerification { status nameMatch { result reasons } } } }`,
      { i: inquiry.id },
    );
    if (['APPROVED', 'DECLINED', 'NEEDS_REVIEW', 'FAILED', 'EXPIRED'].includes(current.status)) {
      decided = current;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (!decided) throw new DemoError('no decision within 30 s');
  const match = decided.databaseVerification?.nameMatch;
  say(
    'The carrier is asked whose number it is, and its name compared with the ID',
    `${match?.result ?? decided.databaseVerification?.status ?? 'no database verification'}`,
  );
  say('The inquiry is decided', decided.status);

  const outcomes = [
    ['decision', decided.status, EXPECTED.decision],
    ['name match', match?.result ?? 'none', EXPECTED.nameMatch],
  ] as const;
  const wrong = outcomes.filter(([, got, want]) => got !== want);
  console.log('');
  for (const [what, got, want] of outcomes)
    console.log(`${got === want ? 'ok  ' : 'FAIL'} ${what}: ${got} (expected ${want})`);
  if (wrong.length > 0) throw new DemoError(`${wrong.length} outcome(s) differ from what the demo expects`);
  console.log(`\nDone: inquiry ${inquiry.id} is ${decided.status}.`);
}

try {
  await main();
} catch (error) {
  console.error(`\ndemo: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
