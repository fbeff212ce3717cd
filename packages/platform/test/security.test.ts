import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  AppError,
  createFormatError,
  createLogger,
  ErrorCode,
  issueSessionToken,
  PiiCipher,
  signClaims,
  verifyClaims,
  verifySessionToken,
  type Claims,
} from '../src/index.js';
import { maskPhoneNumber } from '@attestor/contracts';

const logger = createLogger({ service: 'test', level: 'silent', format: 'json' });
const secret = 's'.repeat(40);

describe('formatError', () => {
  const format = createFormatError(logger);

  it('keeps the code and message of an AppError and drops other extensions', () => {
    const error = new GraphQLError('wrapped', {
      originalError: new AppError(ErrorCode.NOT_FOUND, 'Inquiry not found'),
    });
    const out = format(
      { message: 'Inquiry not found', extensions: { code: 'NOT_FOUND', stacktrace: ['at x'] } },
      error,
    );
    expect(out).toEqual({ message: 'Inquiry not found', extensions: { code: 'NOT_FOUND' } });
  });

  it('turns an unexpected error into INTERNAL without its message', () => {
    const sql = new Error('relation "inquiry.inquiries" does not exist at SELECT * FROM ...');
    const error = new GraphQLError(sql.message, { originalError: sql });
    const out = format(
      { message: sql.message, extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['x'] } },
      error,
    );
    expect(out).toEqual({ message: 'Internal error', extensions: { code: 'INTERNAL' } });
  });

  it('maps query errors (parse, validation, variables) to BAD_USER_INPUT', () => {
    const out = format(
      { message: 'Cannot query field "nope"', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } },
      new GraphQLError('x'),
    );
    expect(out.extensions).toEqual({ code: 'BAD_USER_INPUT' });
  });

  it('passes on a code of our list relayed by a subgraph, with only public extensions', () => {
    const relayed = new GraphQLError('Rate limited', {
      extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 3, serviceName: 'phone' },
    });
    const out = format({ message: 'Rate limited', extensions: relayed.extensions }, relayed);
    expect(out.extensions).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: 3 });
  });
});

describe('signed claims', () => {
  const claims: Claims = {
    caller: { kind: 'admin' },
    requestId: 'r',
    ip: null,
    nonce: 'nonce-0123456789abcdef',
  };
  it('verifies what it signed and refuses any change', () => {
    const headers = signClaims(secret, claims, 'body');
    expect(verifyClaims(secret, headers, 'body', 60)).toEqual(claims);
    expect(() => verifyClaims(secret, headers, 'body2', 60)).toThrow(/does not match/);
    expect(() => verifyClaims(secret, { ...headers, 'attestor-timestamp': '1' }, 'body', 60)).toThrow(
      /stale/,
    );
    expect(() => verifyClaims(secret, {}, 'body', 60)).toThrow(/not signed/);
  });
});

describe('session tokens', () => {
  const claims = { accountId: 'a', inquiryId: 'i', expiresAt: new Date(Date.now() + 60_000) };
  it('round-trips and expires with the inquiry', () => {
    const token = issueSessionToken(secret, claims);
    expect(verifySessionToken(secret, token)).toMatchObject({ accountId: 'a', inquiryId: 'i' });
    expect(verifySessionToken(secret, token, Date.now() + 120_000)).toBeNull();
  });
  it('refuses forged, foreign and malformed tokens', () => {
    const token = issueSessionToken(secret, claims);
    const [payload, mac] = token.slice(3).split('.');
    const forged = Buffer.from(JSON.stringify({ a: 'other', i: 'i', e: 9_999_999_999 })).toString(
      'base64url',
    );
    expect(verifySessionToken(secret, `st_${forged}.${mac}`)).toBeNull();
    expect(verifySessionToken('t'.repeat(40), token)).toBeNull();
    expect(verifySessionToken(secret, `st_${payload}`)).toBeNull();
    expect(verifySessionToken(secret, 'sk_live_x')).toBeNull();
  });
});

describe('PII cipher', () => {
  const cipher = new PiiCipher(Buffer.alloc(32, 1).toString('base64'));
  it('seals with a fresh IV each time and opens again', () => {
    const a = cipher.seal('+14155550123');
    expect(a).not.toBe(cipher.seal('+14155550123'));
    expect(a).not.toContain('4155550123');
    expect(cipher.open(a)).toBe('+14155550123');
  });
  it('refuses a tampered value and a value sealed under another key', () => {
    const sealed = cipher.seal('Jane');
    const parts = sealed.split('.');
    parts[3] = Buffer.from('Jone').toString('base64url');
    expect(() => cipher.open(parts.join('.'))).toThrow();
    expect(() => new PiiCipher(Buffer.alloc(32, 2).toString('base64')).open(sealed)).toThrow();
  });
  it('hashes deterministically per key', () => {
    expect(cipher.hash('x')).toBe(cipher.hash('x'));
    expect(cipher.hash('x')).not.toBe(new PiiCipher(Buffer.alloc(32, 2).toString('base64')).hash('x'));
  });
  it('masks a phone number but its country code and last four digits', () => {
    expect(maskPhoneNumber('+14155550123', '1')).toBe('+1******0123');
    expect(maskPhoneNumber('+447700900123', '44')).toBe('+44******0123');
  });
});

describe('formatError at the gateway', () => {
  it('keeps a subgraph error relayed by @apollo/gateway (its originalError is the JSON error object)', () => {
    const json = { message: 'Inquiry not found', extensions: { code: 'NOT_FOUND' } };
    const relayed = new GraphQLError(json.message, {
      originalError: json as unknown as Error,
      extensions: { ...json.extensions, serviceName: 'inquiry' },
    });
    const out = createFormatError(logger)({ message: json.message, extensions: relayed.extensions }, relayed);
    expect(out).toEqual({ message: 'Inquiry not found', extensions: { code: 'NOT_FOUND' } });
  });
});

describe('what gets logged', () => {
  it('cuts long strings and drops the SQL and parameters a driver error carries', () => {
    const lines: string[] = [];
    const logger = createLogger({
      service: 'log-test',
      level: 'info',
      format: 'json',
      destination: { write: (line: string) => void lines.push(line) },
    });
    const huge = 'x'.repeat(1024 * 1024);
    const failure = Object.assign(new Error('insert failed'), {
      query: 'INSERT INTO inquiries (name) VALUES ($1)',
      parameters: ['v1.sealed-name'],
      driverError: { detail: 'Failing row contains (…)' },
    });
    logger.error({ err: failure, input: huge }, 'request failed');
    expect(lines).toHaveLength(1);
    const logged = JSON.parse(lines[0] ?? '{}') as { err: Record<string, unknown>; input: string };
    expect(lines[0]!.length).toBeLessThan(5000);
    expect(logged.input).toMatch(/more characters\]$/);
    expect(logged.err['message']).toBe('insert failed');
    expect(logged.err).not.toHaveProperty('query');
    expect(logged.err).not.toHaveProperty('parameters');
    expect(logged.err).not.toHaveProperty('driverError');
  });
});
