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

/**
 * The first unsafe string among variable values, with its path. Walks with a stack of its own, not by
 * recursion: variables are the caller's JSON, and 5,000 nested arrays (a 10 KB body) overflowed the
 * call stack of the recursive walk.
 */
export function findUnsafeVariable(value: unknown, path: string): UnsafeInput | null {
  const pending: Array<{ value: unknown; path: string }> = [{ value, path }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value: item, path: at } = next;
    if (typeof item === 'string') {
      const problem = stringProblem(item);
      if (problem !== null) return { field: at, problem };
    } else if (Array.isArray(item)) {
      // Pushed last to first, so the first item is looked at first.
      for (let index = item.length - 1; index >= 0; index--) {
        pending.push({ value: item[index], path: `${at}[${index}]` });
      }
    } else if (typeof item === 'object' && item !== null) {
      const entries = Object.entries(item);
      for (const [key] of entries) {
        const keyProblem = stringProblem(key);
        if (keyProblem) return { field: at, problem: keyProblem };
      }
      for (let index = entries.length - 1; index >= 0; index--) {
        const [key, child] = entries[index]!;
        pending.push({ value: child, path: at === '' ? key : `${at}.${key}` });
      }
    }
  }
  return null;
}

/**
 * Each document's verdict, kept while the document is: Apollo's document store hands the same parsed
 * document to every request with the same query text, so a hot query is walked once, not per request.
 */
const literalVerdicts = new WeakMap<DocumentNode, UnsafeInput | null>();

/** The first unsafe string literal in a document (arguments, defaults), named by its argument. */
export function findUnsafeLiteral(document: DocumentNode): UnsafeInput | null {
  let verdict = literalVerdicts.get(document);
  if (verdict === undefined) {
    verdict = walkForUnsafeLiteral(document);
    literalVerdicts.set(document, verdict);
  }
  return verdict;
}

function walkForUnsafeLiteral(document: DocumentNode): UnsafeInput | null {
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
