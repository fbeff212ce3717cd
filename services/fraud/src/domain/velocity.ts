/**
 * Velocity: how many sends one number, address, prefix, country or account had in a recent window,
 * counted on a store every instance shares (docs/fraud.md "Velocity"). This module names the counters,
 * their windows and limits; the flow reads them before deciding and adds a send after an ALLOW.
 */
export const velocityCounters = [
  'NUMBER',
  'IP',
  'PREFIX_2',
  'PREFIX_3',
  'PREFIX_4',
  'COUNTRY',
  'ACCOUNT',
] as const;
export type VelocityCounter = (typeof velocityCounters)[number];

export interface VelocityLimit {
  /** Length of the (fixed, clock-aligned) window. */
  windowSeconds: number;
  /** `all`: every send counts (resends too); `starts`: only a verification's first send. */
  counts: 'all' | 'starts';
  /** From this many sends already in the window, a CHALLENGE (null: none). */
  challengeAt: number | null;
  /** From this many, a BLOCK (null: none). */
  blockAt: number | null;
}

/**
 * The fixed limits. NUMBER is Verify's own (5 sends to one number per 10 minutes); the prefix limits
 * grow with the range (100, 1 000, 10 000 numbers); COUNTRY and ACCOUNT are adaptive (below).
 */
export const velocityLimits: Record<VelocityCounter, VelocityLimit> = {
  NUMBER: { windowSeconds: 600, counts: 'all', challengeAt: null, blockAt: 5 },
  IP: { windowSeconds: 3600, counts: 'starts', challengeAt: 5, blockAt: 20 },
  PREFIX_2: { windowSeconds: 3600, counts: 'starts', challengeAt: 3, blockAt: 9 },
  PREFIX_3: { windowSeconds: 3600, counts: 'starts', challengeAt: 6, blockAt: 18 },
  PREFIX_4: { windowSeconds: 3600, counts: 'starts', challengeAt: 12, blockAt: 36 },
  COUNTRY: { windowSeconds: 3600, counts: 'starts', challengeAt: null, blockAt: null },
  ACCOUNT: { windowSeconds: 3600, counts: 'starts', challengeAt: null, blockAt: null },
};

/** Adaptive hourly limits: `max(floor, factor × the hourly average of the last 24 h's verified)`. */
export const adaptiveVelocity = {
  COUNTRY: { floor: 20, factor: 3 },
  ACCOUNT: { floor: 60, factor: 3 },
} as const;

export function adaptiveLimit(counter: 'COUNTRY' | 'ACCOUNT', verifiedLast24Hours: number): number {
  const { floor, factor } = adaptiveVelocity[counter];
  return Math.max(floor, Math.ceil((factor * verifiedLast24Hours) / 24));
}

/** The counters one send touches: key per counter (keyed hashes for numbers, prefixes and addresses). */
export type VelocityKeys = Partial<Record<VelocityCounter, string>>;

/** The window a moment falls in, per counter: counters are keyed `<counter>:<key>:<window>`. */
export function windowOf(counter: VelocityCounter, at: Date): number {
  return Math.floor(at.getTime() / 1000 / velocityLimits[counter].windowSeconds);
}

/** Sends already counted in the current window, per counter (0 where the store has none). */
export type VelocityCounts = Partial<Record<VelocityCounter, number>>;

/**
 * The counters a send adds to. A resend, and a new start for a number that already had a send in its
 * window, count for the number only: the other counters count distinct numbers started.
 */
export function countersTouched(
  keys: VelocityKeys,
  attempt: 'START' | 'RESEND',
  numberSentRecently = false,
): VelocityCounter[] {
  const firstOfNumber = attempt === 'START' && !numberSentRecently;
  return velocityCounters.filter(
    (counter) => keys[counter] !== undefined && (firstOfNumber || velocityLimits[counter].counts === 'all'),
  );
}
