import {
  Kind,
  OperationTypeNode,
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

export function planInquiryQuery(
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): InquiryQueryPlan {
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  if (!operation || operation.operation !== OperationTypeNode.SUBSCRIPTION) {
    throw new SubscriptionPlanError('Expected a subscription operation');
  }
  const [field, ...others] = operation.selectionSet.selections;
  if (!field || others.length > 0 || field.kind !== Kind.FIELD || field.name.value !== 'inquiryUpdated') {
    throw new SubscriptionPlanError('Subscribe to exactly one field: inquiryUpdated(id)');
  }
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
              selectionSet: { kind: Kind.SELECTION_SET, selections: [asQuery] },
            }
          : definition,
      ),
    },
    inquiryId,
    responseKey,
    statusKeys: field.selectionSet ? statusKeysOf(field.selectionSet, fragments, new Set()) : [],
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
