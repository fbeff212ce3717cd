import {
  Kind,
  OperationTypeNode,
  type VariableDefinitionNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * `subscription { inquiryUpdated(id: …) { …selection } }` becomes
 * `query { inquiryUpdated: inquiry(id: …) { …selection } }`: the same selection, executed as a query
 * through the supergraph on every event, so fields of every subgraph resolve in each message.
 */
export interface InquiryQueryPlan {
  query: DocumentNode;
  inquiryId: string | null;
  responseKey: string;
  /** Response keys under which the selection asks for `status` (patched to the event's status). */
  statusKeys: string[];
}

export class SubscriptionPlanError extends Error {}

/** The subscription fields the gateway serves. */
export const subscriptionFields = ['inquiryUpdated', 'inquiriesUpdated'] as const;
export type SubscriptionField = (typeof subscriptionFields)[number];

/** The variable through which an account feed names the inquiry each message is about. */
export const FEED_INQUIRY_VARIABLE = 'attestorInquiryId';

/** The one subscription field of the operation, and which of ours it is. */
function subscriptionFieldOf(
  document: DocumentNode,
  operationName: string | null | undefined,
): { operation: OperationDefinitionNode; field: FieldNode; kind: SubscriptionField } {
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  if (!operation || operation.operation !== OperationTypeNode.SUBSCRIPTION) {
    throw new SubscriptionPlanError('Expected a subscription operation');
  }
  const [field, ...others] = operation.selectionSet.selections;
  const kind = subscriptionFields.find((name) => field?.kind === Kind.FIELD && field.name.value === name);
  if (!field || others.length > 0 || field.kind !== Kind.FIELD || kind === undefined) {
    throw new SubscriptionPlanError('Subscribe to exactly one field: inquiryUpdated(id) or inquiriesUpdated');
  }
  return { operation, field, kind };
}

/** Which subscription field an operation asks for (throws SubscriptionPlanError for anything else). */
export function subscriptionKind(
  document: DocumentNode,
  operationName: string | null | undefined,
): SubscriptionField {
  return subscriptionFieldOf(document, operationName).kind;
}

/**
 * `subscription { inquiriesUpdated { …selection } }` becomes
 * `query($attestorInquiryId: ID!) { inquiriesUpdated: inquiry(id: $attestorInquiryId) { …selection } }`,
 * run once per event of the account with the event's inquiry as the variable.
 */
export function planAccountFeedQuery(
  document: DocumentNode,
  operationName: string | null | undefined,
): InquiryQueryPlan {
  const { operation, field, kind } = subscriptionFieldOf(document, operationName);
  if (kind !== 'inquiriesUpdated') throw new SubscriptionPlanError('Expected inquiriesUpdated');
  const variable: VariableDefinitionNode = {
    kind: Kind.VARIABLE_DEFINITION,
    variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: FEED_INQUIRY_VARIABLE } },
    type: {
      kind: Kind.NON_NULL_TYPE,
      type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'ID' } },
    },
  };
  const responseKey = field.alias?.value ?? field.name.value;
  const asQuery: FieldNode = {
    ...field,
    alias: { kind: Kind.NAME, value: responseKey },
    name: { kind: Kind.NAME, value: 'inquiry' },
    arguments: [
      {
        kind: Kind.ARGUMENT,
        name: { kind: Kind.NAME, value: 'id' },
        value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: FEED_INQUIRY_VARIABLE } },
      },
    ],
  };
  return asInquiryQuery(document, operation, asQuery, null, responseKey, [variable]);
}

export function planInquiryQuery(
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): InquiryQueryPlan {
  const { operation, field, kind } = subscriptionFieldOf(document, operationName);
  if (kind !== 'inquiryUpdated') throw new SubscriptionPlanError('Expected inquiryUpdated(id)');
  const idArgument = field.arguments?.find((a) => a.name.value === 'id')?.value;
  let inquiryId: string | null = null;
  if (idArgument?.kind === Kind.STRING) inquiryId = idArgument.value;
  if (idArgument?.kind === Kind.VARIABLE) {
    const value = variables?.[idArgument.name.value];
    inquiryId = typeof value === 'string' ? value : null;
  }
  const responseKey = field.alias?.value ?? field.name.value;
  const asQuery: FieldNode = {
    ...field,
    alias: { kind: Kind.NAME, value: responseKey },
    name: { kind: Kind.NAME, value: 'inquiry' },
  };
  return asInquiryQuery(document, operation, asQuery, inquiryId, responseKey, []);
}

/** The document with `operation` turned into a query selecting `asQuery` only. */
function asInquiryQuery(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  asQuery: FieldNode,
  inquiryId: string | null,
  responseKey: string,
  extraVariables: VariableDefinitionNode[],
): InquiryQueryPlan {
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((f) => [f.name.value, f]),
  );
  return {
    query: {
      ...document,
      definitions: document.definitions.map((definition) =>
        definition === operation
          ? {
              ...operation,
              operation: OperationTypeNode.QUERY,
              variableDefinitions: [...(operation.variableDefinitions ?? []), ...extraVariables],
              selectionSet: { kind: Kind.SELECTION_SET, selections: [asQuery] },
            }
          : definition,
      ),
    },
    inquiryId,
    responseKey,
    statusKeys: asQuery.selectionSet ? statusKeysOf(asQuery.selectionSet, fragments, new Set()) : [],
  };
}

function statusKeysOf(
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  seen: Set<string>,
): string[] {
  const keys: string[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD && selection.name.value === 'status') {
      keys.push(selection.alias?.value ?? 'status');
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      keys.push(...statusKeysOf(selection.selectionSet, fragments, seen));
    } else if (selection.kind === Kind.FRAGMENT_SPREAD && !seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = fragments.get(selection.name.value);
      if (fragment) keys.push(...statusKeysOf(fragment.selectionSet, fragments, seen));
    }
  }
  return keys;
}
