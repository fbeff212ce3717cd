import type { EventType } from './events.js';
import type { RpcSubject } from './rpc.js';

/**
 * Subject layout. A namespace (empty in production, e.g. `t42.` in tests or for a second environment on
 * one NATS) prefixes every subject and suffixes the stream name, so environments never see each other.
 */
export function normalizeNamespace(namespace: string): string {
  if (namespace === '') return '';
  return namespace.endsWith('.') ? namespace : `${namespace}.`;
}

export function streamName(namespace: string): string {
  const ns = normalizeNamespace(namespace);
  return ns === '' ? 'EVENTS' : `EVENTS_${ns.slice(0, -1).replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

/** An event is published on `<type>.<subjectId>`: one entity's events can be followed alone. */
export function eventSubject(namespace: string, type: EventType, subjectId: string): string {
  return `${normalizeNamespace(namespace)}${type}.${subjectId}`;
}

/** The filter that matches every event of one type, or of one entity with `subjectId`. */
export function eventFilter(namespace: string, type: EventType | `${string}.*`, subjectId = '*'): string {
  return `${normalizeNamespace(namespace)}${type}.${subjectId}`;
}

/** The event type of a subject produced by eventSubject. */
export function typeOfSubject(namespace: string, subject: string): string {
  const bare = subject.slice(normalizeNamespace(namespace).length);
  return bare.slice(0, bare.lastIndexOf('.'));
}

/** Synchronous asks (NATS request-reply, never stored in the stream). */
export const rpcSubjects = {
  /** fraud: decide on a send before Twilio is asked (phone → fraud). */
  fraudAssess: 'rpc.fraud.assess',
  /** inquiry: one inquiry's state and the sealed names it holds (phone, identity → inquiry). */
  inquiryLookup: 'rpc.inquiry.lookup',
  /** inquiry: who an API key belongs to (gateway → inquiry). */
  credentialsResolve: 'rpc.inquiry.credentials.resolve',
} as const satisfies Record<string, RpcSubject>;

export function rpcSubject(namespace: string, subject: string): string {
  return `${normalizeNamespace(namespace)}${subject}`;
}
