import { createClient, type Client, type ExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import type { GraphQLResult } from '@attestor/platform/testing';

/**
 * The partner's and the end user's moves through a gateway, as the tests that drive a whole flow make
 * them: an account, a template, an inquiry, the phone step; and a subscription's messages collected.
 */
export type Gql = <T = Record<string, unknown>>(
  token: string | null,
  query: string,
  variables?: Record<string, unknown>,
) => Promise<GraphQLResult<T>>;

/** GraphQL over HTTP to the gateway at `url` (with `headers`: a client address for TRUST_PROXY, say). */
export function gqlAt(url: string, headers: Record<string, string> = {}): Gql {
  return async <T>(token: string | null, query: string, variables: Record<string, unknown> = {}) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...headers,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as GraphQLResult<T>;
  };
}

/** A graphql-ws client of the gateway at `url` (http://…/graphql), authenticated with `token`. */
export function wsAt(url: string, token: string): Client {
  return createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: true,
  });
}

function dataOf<T>(result: GraphQLResult<T>, what: string): T {
  if (result.data === undefined || result.data === null || result.errors !== undefined) {
    throw new Error(`${what}: ${JSON.stringify(result.errors ?? result)}`);
  }
  return result.data;
}

export async function newAccount(gql: Gql, adminToken: string, name: string): Promise<string> {
  const result = await gql<{ createAccount: { apiKey: string } }>(
    adminToken,
    'mutation($name: String!) { createAccount(name: $name) { apiKey } }',
    { name },
  );
  return dataOf(result, 'createAccount').createAccount.apiKey;
}

export type Step = 'PHONE_OTP' | 'DATABASE_NAME_MATCH';

export async function newTemplate(gql: Gql, apiKey: string, steps: Step[]): Promise<string> {
  const result = await gql<{ createInquiryTemplate: { id: string } }>(
    apiKey,
    `mutation { createInquiryTemplate(input: { name: "Flow", steps: [${steps.join(', ')}] }) { id } }`,
  );
  return dataOf(result, 'createInquiryTemplate').createInquiryTemplate.id;
}

export interface NewInquiry {
  id: string;
  sessionToken: string;
}

export async function newInquiry(
  gql: Gql,
  apiKey: string,
  templateId: string,
  fields: { nameFirst?: string; nameLast?: string; phoneNumber?: string } = {},
): Promise<NewInquiry> {
  const result = await gql<{ createInquiry: { inquiry: { id: string }; sessionToken: string } }>(
    apiKey,
    'mutation($t: ID!, $f: InquiryFieldsInput) { createInquiry(input: { templateId: $t, fields: $f }) { inquiry { id } sessionToken } }',
    { t: templateId, f: fields },
  );
  const created = dataOf(result, 'createInquiry').createInquiry;
  return { id: created.inquiry.id, sessionToken: created.sessionToken };
}

/** startPhoneVerification as the end user; the verification's id and status. */
export async function startPhone(
  gql: Gql,
  inquiry: NewInquiry,
  phoneNumber: string,
): Promise<{ id: string; status: string }> {
  const result = await gql<{ startPhoneVerification: { verification: { id: string; status: string } } }>(
    inquiry.sessionToken,
    'mutation($i: ID!, $p: String!) { startPhoneVerification(inquiryId: $i, phoneNumber: $p) { verification { id status } } }',
    { i: inquiry.id, p: phoneNumber },
  );
  return dataOf(result, 'startPhoneVerification').startPhoneVerification.verification;
}

/** checkPhoneVerification as the end user; the verification's status after it. */
export async function checkPhone(
  gql: Gql,
  inquiry: NewInquiry,
  verificationId: string,
  code: string,
): Promise<string> {
  const result = await gql<{ checkPhoneVerification: { status: string } }>(
    inquiry.sessionToken,
    'mutation($v: ID!, $c: String!) { checkPhoneVerification(verificationId: $v, code: $c) { status } }',
    { v: verificationId, c: code },
  );
  return dataOf(result, 'checkPhoneVerification').checkPhoneVerification.status;
}

export interface Watched {
  messages: ExecutionResult[];
  unsubscribe(): void;
  done(): boolean;
  error(): unknown;
}

/** Collects a subscription's messages until it completes or errors. */
export function watch(
  client: Client,
  query: string,
  variables: Record<string, unknown>,
  operationName?: string,
): Watched {
  const messages: ExecutionResult[] = [];
  let ended: unknown = undefined;
  let finished = false;
  const unsubscribe = client.subscribe(
    { query, variables, ...(operationName ? { operationName } : {}) },
    {
      next: (message) => void messages.push(message as ExecutionResult),
      error: (error) => {
        ended = error;
        finished = true;
      },
      complete: () => {
        finished = true;
      },
    },
  );
  return { messages, unsubscribe, done: () => finished, error: () => ended };
}
