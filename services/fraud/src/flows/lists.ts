import { badInput, notFound, type Clock, type PiiCipher } from '@attestor/platform';
import {
  isPhoneCountry,
  isUuid,
  maskPhoneNumber,
  parseInternationalNumber,
  phoneNumberProblemMessages,
  uuidv7,
} from '@attestor/contracts';
import { normalizeCidr, type ListKind, type ListMatch } from '../domain/lists.js';
import type { ListEntryRow, ListStore } from '../store/lists.js';

export interface ListEntryInput {
  kind: ListKind;
  match: ListMatch;
  value: string;
  note?: string | null | undefined;
}

/** At most this many entries per account (the engine reads them all on every assessment). */
export const MAX_LIST_ENTRIES = 1000;
const MAX_NOTE = 200;

/** The allow and block lists (docs/fraud.md "Lists"): numbers kept as keyed hashes and shown masked. */
export class FraudLists {
  constructor(private readonly deps: { store: ListStore; pii: PiiCipher; clock: Clock }) {}

  list(accountId: string): Promise<ListEntryRow[]> {
    return this.deps.store.ofAccount(this.deps.store.reader, accountId);
  }

  async add(accountId: string, input: ListEntryInput): Promise<ListEntryRow> {
    const { store, clock } = this.deps;
    const note = input.note?.trim() || null;
    if (note !== null && note.length > MAX_NOTE) {
      throw badInput(`note has at most ${MAX_NOTE} characters`, 'input.note');
    }
    const { value, shown } = this.normalized(input.match, input.value);
    if ((await store.ofAccount(store.reader, accountId)).length >= MAX_LIST_ENTRIES) {
      throw badInput(`an account has at most ${MAX_LIST_ENTRIES} list entries`, 'input');
    }
    return store.add(store.reader, {
      id: uuidv7(),
      accountId,
      kind: input.kind,
      match: input.match,
      value,
      shown,
      note,
      createdAt: clock.now(),
    });
  }

  async remove(accountId: string, id: string): Promise<ListEntryRow> {
    const { store } = this.deps;
    const removed = isUuid(id) ? await store.remove(store.reader, accountId, id) : null;
    if (!removed) throw notFound('Fraud list entry');
    return removed;
  }

  /** What the rules match (`value`) and what the API shows (`shown`), or BAD_USER_INPUT on input.value. */
  private normalized(match: ListMatch, text: string): { value: string; shown: string } {
    const field = 'input.value';
    const raw = text.trim();
    switch (match) {
      case 'PHONE_NUMBER': {
        const parsed = parseInternationalNumber(raw);
        if (!parsed.ok) throw badInput(phoneNumberProblemMessages[parsed.problem], field);
        return {
          value: this.deps.pii.hash(parsed.number.e164),
          shown: maskPhoneNumber(parsed.number.e164, parsed.number.callingCode),
        };
      }
      case 'PREFIX': {
        const prefix = raw.replace(/[\s().-]/g, '');
        if (!/^\+[1-9]\d{1,11}$/.test(prefix)) {
          throw badInput('a prefix is + and 2 to 12 digits, e.g. +99890', field);
        }
        // A "prefix" that is a whole number would be shown in clear: it belongs on PHONE_NUMBER.
        if (parseInternationalNumber(prefix).ok) {
          throw badInput('this prefix is a whole phone number: add it as PHONE_NUMBER', field);
        }
        return { value: prefix, shown: prefix };
      }
      case 'IP': {
        const cidr = normalizeCidr(raw);
        if (cidr === null) throw badInput('not an IP address or CIDR range, e.g. 203.0.113.0/24', field);
        return { value: cidr, shown: cidr };
      }
      case 'COUNTRY': {
        const code = raw.toUpperCase();
        if (!isPhoneCountry(code)) {
          throw badInput('not an ISO 3166 alpha-2 country code with phone numbers', field);
        }
        return { value: code, shown: code };
      }
    }
  }
}
