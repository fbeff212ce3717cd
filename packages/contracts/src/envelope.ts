import { z } from 'zod';
import { eventCatalog, type EventData, type EventInput, type EventType } from './events.js';
import { uuidv7 } from './ids.js';

/** The one shape every domain event has on the wire (JetStream message body, JSON). */
export const eventEnvelopeSchema = z.object({
  id: z.uuid(),
  type: z.string().regex(/^[a-z]+(\.[a-z-]+)+$/),
  version: z.number().int().positive(),
  occurredAt: z.iso.datetime({ offset: true }),
  accountId: z.string().min(1),
  subjectId: z.string().min(1),
  data: z.record(z.string(), z.unknown()),
});

export type EventEnvelope<TData = Record<string, unknown>> = Omit<
  z.infer<typeof eventEnvelopeSchema>,
  'data'
> & { data: TData };

/** NATS header names the bus sets on every event message. */
export const eventHeaders = {
  /** JetStream de-duplicates on this within the stream's duplicate window. */
  messageId: 'Nats-Msg-Id',
  requestId: 'Attestor-Request-Id',
} as const;

/** A new event of a catalogued type; its data is checked against the catalog so a bad event never leaves. */
export function createEvent<T extends EventType>(
  type: T,
  fields: { accountId: string; subjectId: string; data: EventInput<T> },
  now: Date = new Date(),
): EventEnvelope<EventData<T>> {
  const data = eventCatalog[type].parse(fields.data) as EventData<T>;
  return {
    id: uuidv7(now.getTime()),
    type,
    version: 1,
    occurredAt: now.toISOString(),
    accountId: fields.accountId,
    subjectId: fields.subjectId,
    data,
  };
}
