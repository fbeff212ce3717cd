import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clockOf, ConfigError, parseConfig, platformConfigShape } from '../src/index.js';

describe('config', () => {
  it('takes defaults for a development run', () => {
    const config = parseConfig(platformConfigShape, {});
    expect(config.NATS_URL).toBe('nats://127.0.0.1:4222');
    expect(config.DB_POOL_SIZE).toBe(10);
  });

  it('coerces numbers and treats an empty variable as unset', () => {
    const config = parseConfig(platformConfigShape, { DB_POOL_SIZE: '3', LOG_LEVEL: '' });
    expect(config.DB_POOL_SIZE).toBe(3);
    expect(config.LOG_LEVEL).toBe('info');
  });

  it.each([
    ['DB_POOL_SIZE', 'many'],
    ['DATABASE_URL', 'mysql://x'],
    ['NATS_URL', 'localhost:4222'],
    ['PII_KEY', Buffer.alloc(16).toString('base64')],
    ['CONTEXT_SECRET', 'short'],
    ['LOG_LEVEL', 'loud'],
    ['NATS_NAMESPACE', 'a.b.c'],
  ])('refuses a bad %s with an error naming it', (variable, value) => {
    expect(() => parseConfig(platformConfigShape, { [variable]: value })).toThrow(ConfigError);
    expect(() => parseConfig(platformConfigShape, { [variable]: value })).toThrow(
      new RegExp(`^config: ${variable}: `),
    );
  });

  it('refuses to run in production on the public development secrets', () => {
    expect(() => parseConfig(platformConfigShape, { NODE_ENV: 'production' })).toThrow(
      /CONTEXT_SECRET: must be set in production/,
    );
  });

  it('refuses the simulation clock in production, and shares its offset where it is allowed', () => {
    const secrets = {
      CONTEXT_SECRET: 'x'.repeat(40),
      ADMIN_TOKEN: 'y'.repeat(20),
      PII_KEY: Buffer.alloc(32, 3).toString('base64'),
    };
    const file = join(mkdtempSync(join(tmpdir(), 'clock-')), 'offset');
    expect(() =>
      parseConfig(platformConfigShape, { ...secrets, NODE_ENV: 'production', CLOCK_OFFSET_FILE: file }),
    ).toThrow(/^config: CLOCK_OFFSET_FILE: is for simulations only/);
    const config = parseConfig(platformConfigShape, { CLOCK_OFFSET_FILE: file });
    const [one, two] = [clockOf(config), clockOf(config)];
    expect(Math.abs(one!.now().getTime() - Date.now())).toBeLessThan(60_000);
    writeFileSync(file, String(86_400_000));
    for (const clock of [one!, two!]) expect(clock.now().getTime() - Date.now()).toBeGreaterThan(86_000_000);
    // Never back: a smaller offset written later is ignored.
    writeFileSync(file, '0');
    expect(one!.now().getTime() - Date.now()).toBeGreaterThan(86_000_000);
    expect(clockOf(parseConfig(platformConfigShape, {})).now().getTime() - Date.now()).toBeLessThan(60_000);
  });

  it('stops a process with one line naming the variable', () => {
    const script = fileURLToPath(new URL('./fixtures/load-config.ts', import.meta.url));
    const result = spawnSync(process.execPath, ['--import', 'tsx', script], {
      env: { PATH: process.env['PATH'], DB_POOL_SIZE: 'lots' },
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^config: DB_POOL_SIZE: /)]);
  });
});
