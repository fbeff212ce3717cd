import type { VerificationChannel } from './verifications.js';

/** A message the emulator "sent": what a real handset or inbox would have received. */
export interface OutboxMessage {
  to: string;
  channel: VerificationChannel;
  code: string;
  sid: string;
  sentAt: string;
  locale: string;
  /** The CustomFriendlyName the message was sent with ("Your <name> verification code is…"), if any. */
  friendlyName: string | null;
}

/** Sent messages, newest last internally, capped so a long-running emulator stays small. */
export class Outbox {
  readonly #messages: OutboxMessage[] = [];

  constructor(readonly capacity: number) {}

  record(message: OutboxMessage): void {
    this.#messages.push(message);
    if (this.#messages.length > this.capacity) this.#messages.shift();
  }

  /** Newest first; all destinations when `to` is absent. */
  list(to?: string): OutboxMessage[] {
    const matching = to === undefined ? this.#messages : this.#messages.filter((m) => m.to === to);
    return [...matching].reverse();
  }

  clear(): void {
    this.#messages.length = 0;
  }

  /** Oldest first, as kept: the state file's copy. */
  snapshot(): OutboxMessage[] {
    return [...this.#messages];
  }

  restore(messages: readonly OutboxMessage[]): void {
    this.clear();
    for (const message of messages) this.record(message);
  }
}
