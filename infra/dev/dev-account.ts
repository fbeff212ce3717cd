import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

/**
 * The development account `npm start` hands out: created through the gateway with the admin token the first
 * time, kept in `.data/dev-account.json` (readable by its owner only: it holds an API key) and reused while
 * the gateway still accepts its key (a fresh database or another DATABASE_URL does not).
 */
const savedAccountSchema = z.object({
  accountId: z.string().min(1),
  apiKey: z.string().min(1),
  createdAt: z.string(),
});
export type DevAccount = z.infer<typeof savedAccountSchema>;

const graphQLResponseSchema = z.object({
  data: z.record(z.string(), z.unknown()).nullable().optional(),
  errors: z
    .array(
      z.object({
        message: z.string(),
        extensions: z.object({ code: z.string().optional() }).loose().optional(),
      }),
    )
    .optional(),
});

const createdSchema = z.object({
  createAccount: z.object({ account: z.object({ id: z.string() }), apiKey: z.string().min(1) }),
});
const accountSchema = z.object({ account: z.object({ id: z.string() }).nullable() });

export const DEV_ACCOUNT_NAME = 'Development';

export class DevAccountError extends Error {
  override name = 'DevAccountError';
}

async function graphql(url: string, token: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(10_000),
  });
  const parsed = graphQLResponseSchema.safeParse(await response.json().catch(() => undefined));
  if (!parsed.success)
    throw new DevAccountError(`the gateway answered HTTP ${response.status} without a GraphQL body`);
  return parsed.data;
}

function readSaved(file: string): DevAccount | undefined {
  try {
    const parsed = savedAccountSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the gateway still knows this key (it answers `account` with an id). */
export async function keyWorks(graphqlUrl: string, apiKey: string): Promise<boolean> {
  const result = await graphql(graphqlUrl, apiKey, '{ account { id } }');
  const parsed = accountSchema.safeParse(result.data);
  return parsed.success && parsed.data.account !== null && (result.errors ?? []).length === 0;
}

export async function createDevAccount(graphqlUrl: string, adminToken: string): Promise<DevAccount> {
  const result = await graphql(
    graphqlUrl,
    adminToken,
    'mutation CreateDevAccount($name: String!) { createAccount(name: $name) { account { id } apiKey } }',
    { name: DEV_ACCOUNT_NAME },
  );
  const parsed = createdSchema.safeParse(result.data);
  if (!parsed.success) {
    const error = result.errors?.[0];
    const detail = error
      ? `${error.extensions?.code ?? 'ERROR'}: ${error.message}`
      : 'no account in the answer';
    throw new DevAccountError(`createAccount through the gateway failed (${detail})`);
  }
  return {
    accountId: parsed.data.createAccount.account.id,
    apiKey: parsed.data.createAccount.apiKey,
    createdAt: new Date().toISOString(),
  };
}

/** The saved account if its key still works, else a new one (saved). */
export async function ensureDevAccount(
  graphqlUrl: string,
  adminToken: string,
  file: string,
): Promise<{ account: DevAccount; reused: boolean }> {
  const saved = readSaved(file);
  if (saved !== undefined && (await keyWorks(graphqlUrl, saved.apiKey)))
    return { account: saved, reused: true };
  const account = await createDevAccount(graphqlUrl, adminToken);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(account, null, 2)}\n`, { mode: 0o600 });
  // writeFileSync's mode applies only when it creates the file; an older copy may be wider.
  chmodSync(file, 0o600);
  return { account, reused: false };
}
