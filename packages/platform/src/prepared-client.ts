import { createHash } from 'node:crypto';
import pg from 'pg';

/** Distinct statement texts run as named statements, at most (each connection prepares each once). */
export const MAX_NAMED_STATEMENTS = 200;
/** Texts seen once, remembered until this many, then forgotten (one-off statements stay unnamed). */
const MAX_SEEN_ONCE = 2000;

const names = new Map<string, string>();
const seenOnce = new Set<string>();

/** A `*` that selects columns (`SELECT *`, `RETURNING *`, `t.*`), not the one of `count(*)`. */
const ALL_COLUMNS = /(?<!\()\*/;

/**
 * The name a parameterized statement runs under, or null to run it unnamed: named from its second
 * run on, so one-off texts never take a slot. A text selecting `*` (`SELECT *`, `RETURNING *`) stays
 * unnamed: a column added by a later release's migration would change its result type, and
 * PostgreSQL refuses to run a prepared statement whose result type changed ("cached plan must not
 * change result type") on every connection that prepared it.
 */
export function statementName(text: string): string | null {
  const known = names.get(text);
  if (known !== undefined) return known;
  if (ALL_COLUMNS.test(text) || names.size >= MAX_NAMED_STATEMENTS) return null;
  if (!seenOnce.has(text)) {
    if (seenOnce.size >= MAX_SEEN_ONCE) seenOnce.clear();
    seenOnce.add(text);
    return null;
  }
  seenOnce.delete(text);
  const name = `attestor_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
  names.set(text, name);
  return name;
}

/**
 * The session setting (a connection's startup `options`) under which prepared statements are still
 * planned on every run, for the values at hand: what a prepared statement saves is its parse and
 * analysis (most of the gain measured here), and a generic plan cached while a table was small — a
 * fresh database's first minutes — kept a sequential scan on it as it grew (bench:phone: 4 585
 * scans of the velocity table, 10.5 million rows read, in one run).
 */
export const CUSTOM_PLANS = '-c plan_cache_mode=force_custom_plan';

/**
 * The session setting of a pool whose statements are planned once per connection and never again:
 * for a statement whose every table access is an index range on its parameters, where planning is most
 * of its cost. Sequential scans are off, so a plan made while a table was small cannot keep one as it
 * grows (the reason for CUSTOM_PLANS elsewhere): the only plans left are the index ranges the statement
 * was written for. Only for a pool that runs such statements alone: elsewhere a scan is sometimes the
 * right plan.
 */
export const GENERIC_INDEX_PLANS = '-c plan_cache_mode=force_generic_plan -c enable_seqscan=off';

type QueryArguments = Parameters<pg.Client['query']>;

/**
 * The pool's client class: statements with parameters that a service runs again and again (every
 * store's, through TypeORM) go as named statements, so each connection has PostgreSQL parse and
 * analyse them once instead of on every run (each run is still planned: CUSTOM_PLANS) — a quarter of
 * the server's CPU per statement measured here on an indexed read and update (102 → 77 µs with
 * generic plans, 108–120 → 84–87 µs with custom ones), and a shorter message.
 */
export class PreparingClient extends pg.Client {
  override query(...args: unknown[]): never {
    const [text, values, ...rest] = args;
    if (typeof text === 'string' && Array.isArray(values) && values.length > 0) {
      const name = statementName(text);
      if (name !== null) {
        return (super.query as (...a: unknown[]) => never)({ name, text, values }, ...rest);
      }
    }
    return (super.query as (...a: unknown[]) => never)(...(args as QueryArguments));
  }
}
