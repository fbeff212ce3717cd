import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

/**
 * ISO-8601 date-time with a time zone: `2026-11-26T09:30:00Z`, `…T09:30:00.123+01:00`. Date-only
 * strings, bare numbers and whatever else `new Date()` would guess at are refused.
 */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const MESSAGE = 'DateTime must be an ISO-8601 date-time with a time zone, e.g. 2026-11-26T09:30:00Z';

function parseDateTime(value: string): Date {
  if (value.length > 40 || !ISO_DATE_TIME.test(value)) throw new GraphQLError(MESSAGE);
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new GraphQLError(MESSAGE);
  // new Date() rolls 2026-02-31 over into March: a date that does not exist is refused instead.
  const [year, month, day] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) throw new GraphQLError(MESSAGE);
  return date;
}

function toOutput(value: unknown): string {
  const date = value instanceof Date ? value : new Date(String(value));
  if (Number.isNaN(date.getTime())) throw new GraphQLError('DateTime cannot represent an invalid date');
  return date.toISOString();
}

/** ISO-8601 timestamps (contract.graphql `scalar DateTime`); resolvers hand it Dates or strings. */
export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  description: 'An ISO-8601 date-time with a time zone, e.g. 2026-11-26T09:30:00.000Z',
  serialize: toOutput,
  parseValue: (value) => {
    if (typeof value !== 'string') throw new GraphQLError('DateTime must be a string');
    return parseDateTime(value);
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be a string');
    return parseDateTime(ast.value);
  },
});
