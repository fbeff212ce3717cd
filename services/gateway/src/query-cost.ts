import {
  getNamedType,
  getNullableType,
  GraphQLError,
  GraphQLList,
  isCompositeType,
  isListType,
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  isObjectType,
  isInterfaceType,
} from 'graphql';

/**
 * What a query costs before it runs, counting where an answer fans out: every field costs 1, an object
 * 2, and a list of objects multiplies what is selected under it by how many items it may hold — its
 * `first` argument (or the `first` of the connection field above it), else `LIST_SIZE`. A cyclic
 * selection (`inquiry { phoneVerifications { inquiry { phoneVerifications … } } } }`) grows by that
 * factor per level, so it is refused long before it could exhaust a subgraph. Documented with its
 * limits in docs/api-guide.md.
 */
export const QUERY_COST = { scalar: 1, object: 2 } as const;
/** How many items a list without `first` is counted as (an inquiry's verifications, events…). */
export const LIST_SIZE = 10;

export interface CostOptions {
  maxCost: number;
}

type Fragments = Map<string, FragmentDefinitionNode>;

/**
 * What one walk over an operation needs: the document's fragments, the variables, and the cost of
 * each fragment already counted. A fragment spread twice at every level doubles per level, so
 * without the memo a 2 KB document of 40 such fragments takes 2^40 steps (found by a hostile probe:
 * it held the gateway's event loop for minutes). A fragment's cost depends only on the type it is
 * counted on and the `first` it inherits, so that is the key.
 */
interface Walk {
  schema: GraphQLSchema;
  fragments: Fragments;
  variables: Record<string, unknown>;
  fragmentCosts: Map<string, number>;
}

function firstArgument(field: FieldNode, variables: Record<string, unknown>): number | null {
  const argument = field.arguments?.find((a) => a.name.value === 'first');
  if (!argument) return null;
  if (argument.value.kind === Kind.INT) return Number(argument.value.value);
  if (argument.value.kind === Kind.VARIABLE) {
    const value = variables[argument.value.name.value];
    return typeof value === 'number' ? value : null;
  }
  return null;
}

function fieldDefinition(
  type: GraphQLCompositeType,
  name: string,
): GraphQLField<unknown, unknown> | undefined {
  if (isObjectType(type) || isInterfaceType(type)) return type.getFields()[name];
  return undefined;
}

/** The cost of a selection set on `type`, `seen` guarding fragment cycles (already invalid GraphQL). */
function selectionCost(
  walk: Walk,
  selectionSet: SelectionSetNode,
  type: GraphQLCompositeType,
  inheritedFirst: number | null,
  seen: Set<string>,
): number {
  const { schema, fragments, variables } = walk;
  let total = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value.startsWith('__')) continue;
      const definition = fieldDefinition(type, selection.name.value);
      if (!definition) continue;
      const named = getNamedType(definition.type);
      if (!selection.selectionSet || !isCompositeType(named)) {
        total += QUERY_COST.scalar;
        continue;
      }
      const first = firstArgument(selection, variables);
      const list = isListType(getNullableType(definition.type)) || definition.type instanceof GraphQLList;
      const multiplier = list ? Math.max(first ?? inheritedFirst ?? LIST_SIZE, 1) : 1;
      const children = selectionCost(walk, selection.selectionSet, named, first, seen);
      total += QUERY_COST.object + multiplier * children;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
      const onType = condition && isCompositeType(condition) ? condition : type;
      total += selectionCost(walk, selection.selectionSet, onType, inheritedFirst, seen);
    } else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      if (!fragment || seen.has(name)) continue;
      const condition = schema.getType(fragment.typeCondition.name.value);
      const onType = condition && isCompositeType(condition) ? condition : type;
      const key = `${name}|${onType.name}|${inheritedFirst ?? ''}`;
      let cost = walk.fragmentCosts.get(key);
      if (cost === undefined) {
        cost = selectionCost(walk, fragment.selectionSet, onType, inheritedFirst, new Set(seen).add(name));
        walk.fragmentCosts.set(key, cost);
      }
      total += cost;
    }
  }
  return total;
}

/** The cost of one operation of a document against `schema`. */
export function operationCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Fragments,
  variables: Record<string, unknown> = {},
): number {
  const root =
    operation.operation === 'query'
      ? schema.getQueryType()
      : operation.operation === 'mutation'
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  if (!root) return 0;
  const walk: Walk = { schema, fragments, variables, fragmentCosts: new Map() };
  return selectionCost(walk, operation.selectionSet, root, null, new Set());
}

/**
 * The validation rule: refuses an operation that costs more than `maxCost`. Variables are not known
 * during validation, so a `first: $n` counts as `LIST_SIZE` here (the subgraph caps `first` at 100).
 */
export function costLimitRule(options: CostOptions): ValidationRule {
  return (context: ValidationContext) => {
    const fragments: Fragments = new Map();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    return {
      OperationDefinition(operation) {
        const cost = operationCost(context.getSchema(), operation, fragments);
        if (cost > options.maxCost) {
          context.reportError(
            new GraphQLError(
              `Query too complex: it costs ${cost}, the limit is ${options.maxCost} (lists multiply what they select; ask for fewer items or less nesting)`,
              { nodes: [operation], extensions: { reason: 'QUERY_TOO_COMPLEX' } },
            ),
          );
        }
      },
    };
  };
}
