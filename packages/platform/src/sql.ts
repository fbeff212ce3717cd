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
