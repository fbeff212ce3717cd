import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

/**
 * This installation's own secrets. The platform's development defaults are public (they are in the
 * source), so anyone could mint a session token for any inquiry with them; only tests may use them.
 * `npm start` generates these once, keeps them in `.data/secrets.json` (readable by its owner only,
 * never printed) and hands them to every service; a variable set in the environment wins.
 */
export const secretNames = ['CONTEXT_SECRET', 'PII_KEY', 'ADMIN_TOKEN'] as const;
export type Secrets = Record<(typeof secretNames)[number], string>;

const secretsSchema = z.object({
  CONTEXT_SECRET: z.string().min(32),
  PII_KEY: z.string().refine((v) => Buffer.from(v, 'base64').length === 32),
  ADMIN_TOKEN: z.string().min(16),
});

export function generateSecrets(): Secrets {
  return {
    CONTEXT_SECRET: randomBytes(32).toString('hex'),
    PII_KEY: randomBytes(32).toString('base64'),
    ADMIN_TOKEN: `adm_${randomBytes(24).toString('base64url')}`,
  };
}

/** The saved secrets, or new ones saved (mode 0600) when there are none or they do not parse. */
export function ensureSecrets(file: string): { secrets: Secrets; created: boolean } {
  if (existsSync(file)) {
    const parsed = secretsSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (parsed.success) return { secrets: parsed.data, created: false };
    throw new Error(
      `${file} is not a secrets file this launcher wrote; move it away to generate new secrets`,
    );
  }
  const secrets = generateSecrets();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { secrets, created: true };
}

/** The secrets a child gets: the environment's where set, else the installation's. */
export function secretsFor(env: Record<string, string | undefined>, saved: Secrets): Secrets {
  return Object.fromEntries(
    secretNames.map((name) => [name, (env[name] ?? '') !== '' ? (env[name] as string) : saved[name]]),
  ) as Secrets;
}

// `npm run secrets`: an .env with new secrets for `docker compose` (which refuses to start without them).
if (process.argv[1]?.endsWith('secrets.ts') && process.argv.includes('--env')) {
  const file = '.env';
  if (existsSync(file)) {
    console.error(`${file} exists already: it is left as it is`);
    process.exit(1);
  }
  const secrets = generateSecrets();
  writeFileSync(file, secretNames.map((name) => `${name}=${secrets[name]}`).join('\n') + '\n', {
    mode: 0o600,
  });
  console.log(`wrote ${file} with new ${secretNames.join(', ')} (docker compose reads it)`);
}
