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

/**
 * One parameterised statement: `text` with placeholders `$1…$n` for `values`, and optionally named
 * `WITH` items of its own (`[name, text]`, in order, sharing those values) that `text` may refer to.
 */
export interface Statement {
  text: string;
  values: unknown[];
  with?: ReadonlyArray<readonly [name: string, text: string]>;
}

/**
 * Data-modifying statements as one: each statement's own `WITH` items keep their names, every
 * statement but the last becomes an item `w<n>` too, and the last is the body; placeholders are
 * renumbered after those of the statements before. Postgres runs every item to completion, in one
 * snapshot, and checks foreign keys at the end of the whole statement, so a parent and its children
 * can be inserted together; a single statement is atomic on its own, so it needs no BEGIN / COMMIT:
 * one round trip instead of two more than the statements. For statements this code writes: a `$n`
 * inside a string literal would be renumbered too.
 */
export function asOneStatement(statements: readonly Statement[]): Statement {
  if (statements.length === 0) throw new Error('asOneStatement needs a statement');
  const values: unknown[] = [];
  const items: string[] = [];
  const names = new Set<string>();
  let body = '';
  statements.forEach((statement, i) => {
    const offset = values.length;
    const renumbered = (text: string) =>
      text.replace(/\$(\d+)/g, (_, digits: string) => {
        const n = Number(digits);
        if (n < 1 || n > statement.values.length) {
          throw new Error(`placeholder $${n} has no value (the statement has ${statement.values.length})`);
        }
        return `$${n + offset}`;
      });
    for (const [name, text] of statement.with ?? []) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name) || /^w\d+$/.test(name) || names.has(name)) {
        throw new Error(`WITH item name ${name} is not a fresh lowercase name`);
      }
      names.add(name);
      items.push(`${name} AS (${renumbered(text)})`);
    }
    values.push(...statement.values);
    if (i < statements.length - 1) items.push(`w${i + 1} AS (${renumbered(statement.text)})`);
    else body = renumbered(statement.text);
  });
  return { text: items.length === 0 ? body : `WITH ${items.join(', ')} ${body}`, values };
}
