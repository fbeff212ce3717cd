import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The subset of OpenAPI 3.0 schema keywords Twilio's descriptions use. */
export interface Schema {
  $ref?: string;
  type?: 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object';
  format?: string;
  enum?: unknown[];
  nullable?: boolean;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
}

interface MediaType {
  schema?: Schema;
  examples?: Record<string, { value?: unknown }>;
}

interface Operation {
  operationId?: string;
  responses: Record<string, { content?: Record<string, MediaType> }>;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, Schema> };
}

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
export const TWILIO_OAI_DIR = path.resolve(repoRoot, '..', 'shared', 'reference', 'twilio-oai');

/**
 * One Twilio OpenAPI description, used as a strict yardstick: beyond the schema itself, every
 * declared property must be present and no other may appear, because Twilio always sends the
 * full resource. Null is allowed where the schema says `nullable` or where Twilio's own examples
 * for the same operation show null at that place (Lookup's schemas omit `nullable` throughout).
 */
export class OpenApiContract {
  private constructor(
    private readonly document: OpenApiDocument,
    readonly file: string,
  ) {}

  static load(fileName: string): OpenApiContract {
    const file = path.join(TWILIO_OAI_DIR, fileName);
    if (!existsSync(file)) {
      throw new Error(
        `Twilio OpenAPI description missing: ${file}. The conformance test reads shared/reference/twilio-oai beside the repository.`,
      );
    }
    return new OpenApiContract(JSON.parse(readFileSync(file, 'utf8')) as OpenApiDocument, file);
  }

  operation(operationId: string): OperationContract {
    for (const pathItem of Object.values(this.document.paths)) {
      for (const candidate of Object.values(pathItem)) {
        if (isOperation(candidate) && candidate.operationId === operationId) {
          return new OperationContract(operationId, candidate, this);
        }
      }
    }
    throw new Error(`${operationId} is not in ${this.file}`);
  }

  /** Twilio's error body, as the description declares it on the operations that list error responses. */
  errorSchema(): Schema {
    for (const pathItem of Object.values(this.document.paths)) {
      for (const candidate of Object.values(pathItem)) {
        if (!isOperation(candidate)) continue;
        for (const [status, response] of Object.entries(candidate.responses)) {
          const schema = response.content?.['application/json']?.schema;
          if (Number(status) >= 400 && schema !== undefined) return schema;
        }
      }
    }
    throw new Error(`${this.file} declares no error response`);
  }

  resolve(schema: Schema): Schema {
    if (schema.$ref === undefined) return schema;
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = this.document.components.schemas[name];
    if (target === undefined) throw new Error(`unresolvable $ref ${schema.$ref}`);
    return this.resolve(target);
  }
}

export class OperationContract {
  constructor(
    readonly operationId: string,
    private readonly operation: Operation,
    private readonly contract: OpenApiContract,
  ) {}

  get declaredStatuses(): number[] {
    return Object.keys(this.operation.responses).map(Number);
  }

  /** Every example Twilio gives for one declared status. */
  examples(status: number): unknown[] {
    const examples = this.operation.responses[String(status)]?.content?.['application/json']?.examples ?? {};
    return Object.values(examples).map((example) => example.value);
  }

  /**
   * Problems with one response, empty when it conforms. `undeclaredErrors` lists the error
   * statuses Twilio really returns for this operation but its description leaves out; their
   * bodies must still be Twilio's error schema.
   */
  validate(status: number, body: unknown, undeclaredErrors: readonly number[] = []): string[] {
    const declared = this.operation.responses[String(status)]?.content?.['application/json'];
    let schema: Schema;
    if (declared?.schema !== undefined) {
      schema = declared.schema;
    } else if (status >= 400 && undeclaredErrors.includes(status)) {
      schema = this.contract.errorSchema();
    } else {
      return [
        `HTTP ${status} is not a status ${this.operationId} declares (${this.declaredStatuses.join(', ')})`,
      ];
    }
    const nullByExample = new Set<string>();
    for (const example of this.examples(status)) collectNullPaths(example, '$', nullByExample);
    const problems: string[] = [];
    checkValue(body, schema, '$', { contract: this.contract, nullByExample, problems });
    if (status >= 400 && isRecord(body)) {
      if (body['status'] !== status)
        problems.push(`$.status: ${String(body['status'])} differs from HTTP ${status}`);
      if (body['more_info'] !== `https://www.twilio.com/docs/errors/${String(body['code'])}`) {
        problems.push(`$.more_info: ${String(body['more_info'])} does not point at the error code's page`);
      }
    }
    return problems;
  }
}

interface CheckContext {
  contract: OpenApiContract;
  nullByExample: ReadonlySet<string>;
  problems: string[];
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function checkValue(value: unknown, declared: Schema, at: string, context: CheckContext): void {
  const schema = context.contract.resolve(declared);
  const problem = (message: string): void => void context.problems.push(`${at}: ${message}`);
  if (value === null) {
    if (schema.nullable !== true && !context.nullByExample.has(at)) problem('null is not allowed');
    return;
  }
  if (value === undefined) {
    problem('missing');
    return;
  }
  if (schema.enum !== undefined && !schema.enum.includes(value)) {
    problem(`${JSON.stringify(value)} is not one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}`);
  }
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') return problem(`expected a string, got ${JSON.stringify(value)}`);
      if (schema.minLength !== undefined && value.length < schema.minLength)
        problem(`shorter than ${schema.minLength}`);
      if (schema.maxLength !== undefined && value.length > schema.maxLength)
        problem(`longer than ${schema.maxLength}`);
      if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) {
        problem(`${value} does not match ${schema.pattern}`);
      }
      return checkFormat(value, schema.format, problem);
    case 'integer':
      if (!Number.isInteger(value)) problem(`expected an integer, got ${JSON.stringify(value)}`);
      return;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value))
        problem(`expected a number, got ${JSON.stringify(value)}`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') problem(`expected a boolean, got ${JSON.stringify(value)}`);
      return;
    case 'array':
      if (!Array.isArray(value)) return problem(`expected an array, got ${JSON.stringify(value)}`);
      for (const item of value) checkValue(item, schema.items ?? {}, `${at}[]`, context);
      return;
    case 'object':
      return checkObject(value, schema, at, context);
    default:
      // No type: Twilio leaves the shape open (lookup, sna, items of send_code_attempts).
      if (schema.properties !== undefined) checkObject(value, schema, at, context);
  }
}

function checkObject(value: unknown, schema: Schema, at: string, context: CheckContext): void {
  if (!isRecord(value)) {
    context.problems.push(`${at}: expected an object, got ${JSON.stringify(value)}`);
    return;
  }
  const properties = schema.properties ?? {};
  for (const key of Object.keys(value)) {
    if (!(key in properties)) context.problems.push(`${at}.${key}: not a field of the schema`);
  }
  for (const [key, property] of Object.entries(properties)) {
    checkValue(value[key], property, `${at}.${key}`, context);
  }
}

function checkFormat(value: string, format: string | undefined, problem: (message: string) => void): void {
  if (format === 'date-time' && (!DATE_TIME.test(value) || Number.isNaN(Date.parse(value)))) {
    problem(`${value} is not an ISO 8601 date-time`);
  }
  if (format === 'uri' && !URL.canParse(value)) problem(`${value} is not a URI`);
  if (format === 'phone-number' && !/^\+\d+$/.test(value)) problem(`${value} is not a phone number`);
}

function collectNullPaths(value: unknown, at: string, into: Set<string>): void {
  if (value === null) into.add(at);
  else if (Array.isArray(value)) for (const item of value) collectNullPaths(item, `${at}[]`, into);
  else if (isRecord(value))
    for (const [key, item] of Object.entries(value)) collectNullPaths(item, `${at}.${key}`, into);
}

function isOperation(value: unknown): value is Operation {
  return isRecord(value) && isRecord(value['responses']);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
