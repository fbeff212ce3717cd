import { Kind, visit, type DocumentNode } from 'graphql';

/**
 * Strings no field may hold, refused in one place (the gateway, before anything runs): a NUL byte
 * (PostgreSQL text cannot store it) and a lone UTF-16 surrogate (not a character; JSON encoders and
 * PostgreSQL refuse it). Everything else — any script, emoji, bidirectional marks — is text.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export type StringProblem = 'NUL' | 'LONE_SURROGATE';

export function stringProblem(value: string): StringProblem | null {
  if (value.includes('\u0000')) return 'NUL';
  if (LONE_SURROGATE.test(value)) return 'LONE_SURROGATE';
  return null;
}

export interface UnsafeInput {
  /** Where: the variable path (`input.fields.nameFirst`) or the argument of a literal (`referenceId`). */
  field: string;
  problem: StringProblem;
}

const describe: Record<StringProblem, string> = {
  NUL: 'holds a NUL character',
  LONE_SURROGATE: 'holds an unpaired UTF-16 surrogate (not a character)',
};

export function unsafeInputMessage(input: UnsafeInput): string {
  return `${input.field} ${describe[input.problem]}`;
}

/** The first unsafe string among variable values, with its path. */
export function findUnsafeVariable(value: unknown, path: string): UnsafeInput | null {
  if (typeof value === 'string') {
    const problem = stringProblem(value);
    return problem === null ? null : { field: path, problem };
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findUnsafeVariable(item, `${path}[${index}]`);
      if (found) return found;
    }
    return null;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const keyProblem = stringProblem(key);
      if (keyProblem) return { field: path, problem: keyProblem };
      const found = findUnsafeVariable(item, path === '' ? key : `${path}.${key}`);
      if (found) return found;
    }
  }
  return null;
}

/** The first unsafe string literal in a document (arguments, defaults), named by its argument. */
export function findUnsafeLiteral(document: DocumentNode): UnsafeInput | null {
  let found: UnsafeInput | null = null;
  const argumentNames: string[] = [];
  visit(document, {
    Argument: {
      enter(node) {
        argumentNames.push(node.name.value);
      },
      leave() {
        argumentNames.pop();
      },
    },
    ObjectField: {
      enter(node) {
        argumentNames.push(node.name.value);
      },
      leave() {
        argumentNames.pop();
      },
    },
    StringValue(node) {
      if (found) return;
      const problem = stringProblem(node.value);
      if (problem) found = { field: argumentNames.join('.') || 'query', problem };
    },
    [Kind.NAME](node) {
      if (found) return;
      const problem = stringProblem(node.value);
      if (problem) found = { field: 'query', problem };
    },
  });
  return found;
}
