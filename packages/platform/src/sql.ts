import type { QueryRunner } from 'typeorm';

/** `"schema"."table"` for raw SQL; schema names are validated at open, so quoting is enough. */
export function qualified(schema: string, table: string): string {
  return `"${schema}"."${table}"`;
}

/** The schema a migration runs in (migrations are shared code; schemas differ per test run). */
export function schemaOf(queryRunner: QueryRunner): string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema;
  if (!schema) throw new Error('data source has no schema');
  return schema;
}

/** One parameterised statement: `text` with placeholders `$1…$n` for `values`. */
export interface Statement {
  text: string;
  values: unknown[];
}

/**
 * Data-modifying statements as one: every one but the last becomes a `WITH` item of the last, with
 * its placeholders renumbered after those before it. Postgres runs every item to completion, in one
 * snapshot, and checks foreign keys at the end of the whole statement, so a parent and its children
 * can be inserted together; a single statement is atomic on its own, so it needs no BEGIN / COMMIT:
 * one round trip instead of two more than the statements. For statements this code writes: a `$n`
 * inside a string literal would be renumbered too.
 */
export function asOneStatement(statements: readonly Statement[]): Statement {
  if (statements.length === 0) throw new Error('asOneStatement needs a statement');
  const values: unknown[] = [];
  const texts = statements.map((statement) => {
    const offset = values.length;
    const text = statement.text.replace(/\$(\d+)/g, (_, digits: string) => {
      const n = Number(digits);
      if (n < 1 || n > statement.values.length) {
        throw new Error(`placeholder $${n} has no value (the statement has ${statement.values.length})`);
      }
      return `$${n + offset}`;
    });
    values.push(...statement.values);
    return text;
  });
  const last = texts.pop() as string;
  if (texts.length === 0) return { text: last, values };
  return { text: `WITH ${texts.map((text, i) => `w${i + 1} AS (${text})`).join(', ')} ${last}`, values };
}
