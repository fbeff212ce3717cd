import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  GraphQLError,
  Kind,
  type GraphQLFormattedError,
  type OperationDefinitionNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import {
  ErrorCode,
  findUnsafeLiteral,
  findUnsafeVariable,
  unsafeInputMessage,
  type Caller,
} from '@attestor/platform';
import type { GatewayContext } from './context.js';
import { costLimitRule } from './query-cost.js';
import type { Admission } from './rate-limit.js';

/**
 * The limits every request meets at the gateway, before any subgraph sees it (docs/api-guide.md
 * "Limits"): GraphQL Armor's depth, alias, token and directive limits and, in production, no field
 * suggestions; our cost rule (query-cost.ts) where a list fans out; at most one root mutation that
 * costs money or creates rows per request, and one rate-limit token per root mutation field; and no
 * string that holds a NUL or a lone surrogate anywhere in the input.
 */
export interface LimitOptions {
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxDirectives: number;
  maxCost: number;
  /** Field suggestions ("Did you mean …?") reveal the schema: off in production. */
  fieldSuggestions: boolean;
  /** Takes `tokens` more rate-limit tokens from the caller's bucket. */
  charge(caller: Caller, tokens: number): Promise<Admission>;
}

/** Mutations that send a message, call a provider or create rows: one per request. */
export const costlyMutations: ReadonlySet<string> = new Set([
  'createAccount',
  'createApiKey',
  'createInquiryTemplate',
  'createInquiry',
  'createWebhook',
  'replayWebhookDelivery',
  'startPhoneVerification',
  'resendPhoneVerification',
  'checkPhoneVerification',
  'addFraudListEntry',
]);

const refusal = (message: string, code: ErrorCode, extensions: Record<string, unknown> = {}) =>
  new GraphQLError(message, {
    extensions: {
      code,
      ...extensions,
      http: { status: code === ErrorCode.RATE_LIMITED ? 429 : 400 },
    },
  });

/**
 * GraphQL Armor's refusal reported as BAD_USER_INPUT with the `reason` a client can branch on
 * (docs/api-guide.md "Limits"), in place of Armor's own reporter, which sets the code only. (The
 * token limit runs while parsing, before there is a validation context: see `withLimitReason`.)
 */
function refusedFor(reason: string) {
  return {
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null, error: GraphQLError) => {
        Object.assign(error.extensions, { reason });
        context?.reportError(
          new GraphQLError(error.message, { extensions: { code: ErrorCode.BAD_USER_INPUT, reason } }),
        );
      },
    ],
  };
}

/** Root fields of a mutation, each alias counted. */
function rootFields(operation: OperationDefinitionNode): string[] {
  return operation.selectionSet.selections.flatMap((selection) =>
    selection.kind === Kind.FIELD ? [selection.name.value] : [],
  );
}

export function requestLimits(options: LimitOptions): {
  plugins: ApolloServerPlugin<GatewayContext>[];
  validationRules: ValidationRule[];
} {
  const armor = new ApolloArmor({
    maxDepth: {
      n: options.maxDepth,
      ignoreIntrospection: true,
      exposeLimits: true,
      ...refusedFor('QUERY_TOO_DEEP'),
    },
    maxAliases: { n: options.maxAliases, exposeLimits: true, ...refusedFor('TOO_MANY_ALIASES') },
    maxTokens: { n: options.maxTokens, exposeLimits: true },
    maxDirectives: { n: options.maxDirectives, exposeLimits: true, ...refusedFor('TOO_MANY_DIRECTIVES') },
    // Our own cost rule counts list fan-out (query-cost.ts); Armor's counts depth only.
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: !options.fieldSuggestions },
  }).protect();

  const inputAndMutations: ApolloServerPlugin<GatewayContext> = {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, operation, contextValue }) {
          const unsafe =
            findUnsafeVariable(request.variables ?? {}, '') ??
            (request.operationName ? findUnsafeVariable(request.operationName, 'operationName') : null) ??
            findUnsafeLiteral(document);
          if (unsafe) {
            throw refusal(unsafeInputMessage(unsafe), ErrorCode.BAD_USER_INPUT, { field: unsafe.field });
          }
          // Apollo leaves the choice of operation to the gateway's executor, which throws for these.
          if (!operation) {
            throw refusal(
              request.operationName
                ? `Unknown operation named "${request.operationName.slice(0, 100)}"`
                : 'Several operations in the document: send operationName to say which to run',
              ErrorCode.BAD_USER_INPUT,
              { field: 'operationName' },
            );
          }
          if (operation.operation !== 'mutation') return;
          const fields = rootFields(operation);
          const costly = fields.filter((name) => costlyMutations.has(name));
          if (costly.length > 1) {
            throw refusal(
              `One of ${[...new Set(costly)].join(', ')} per request: each sends a message, calls a provider or creates a record (found ${costly.length})`,
              ErrorCode.BAD_USER_INPUT,
              { reason: 'ONE_COSTLY_MUTATION_PER_REQUEST' },
            );
          }
          // The request itself took one token at the door; every further root field takes one more.
          if (fields.length > 1) {
            const charged = await options.charge(contextValue.caller, fields.length - 1);
            if (!charged.allowed) {
              throw refusal('Too many requests for these credentials', ErrorCode.RATE_LIMITED, {
                retryAfterSeconds: charged.retryAfterSeconds,
              });
            }
          }
        },
      };
    },
  };

  return {
    plugins: [...(armor.plugins as ApolloServerPlugin<GatewayContext>[]), inputAndMutations],
    validationRules: [...armor.validationRules, costLimitRule({ maxCost: options.maxCost })],
  };
}

/**
 * The token limit's refusal is a parse error, which Apollo rebuilds without extensions: the gateway's
 * error formatter adds its reason from Armor's message (pinned by test/limits.test.ts).
 */
export function withLimitReason(formatted: GraphQLFormattedError): GraphQLFormattedError {
  if (!formatted.message.startsWith('Syntax Error: Token limit of ')) return formatted;
  return { ...formatted, extensions: { ...formatted.extensions, reason: 'TOO_MANY_TOKENS' } };
}
