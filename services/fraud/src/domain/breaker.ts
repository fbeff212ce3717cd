/**
 * Conversion breakers (docs/fraud.md "Breakers"): per account, the rolling sent-vs-verified of a
 * country, of each prefix, of the client address and of the whole account. Pumped numbers never enter
 * a code, so a key whose unverified sends outgrow its own verified baseline opens a breaker for a
 * cooling period.
 */
export const breakerScopes = ['COUNTRY', 'PREFIX', 'IP', 'ACCOUNT'] as const;
export type BreakerScope = (typeof breakerScopes)[number];
/** Every scope is counted (an address from the assessment that let the first message out). */
export type CountedScope = BreakerScope;

export const breakerWindows = ['1h', '24h'] as const;
export type BreakerWindow = (typeof breakerWindows)[number];

/** Verifications that sent a message, and those of them that were verified, in a window. */
export interface Conversion {
  sent: number;
  verified: number;
  /**
   * Verifications whose first message went out on a passed challenge, sent at least
   * SOLVED_GRACE_MINUTES ago (by bucket), and such verifications verified in the window; 0 when absent.
   */
  solvedSent?: number;
  solvedVerified?: number;
}

/**
 * A passed challenge weighs more only once it had the time to verify: a code lives 10 minutes, and a
 * send is past its grace when its 5-minute bucket started this long ago (so 5 to 10 minutes after it).
 */
export const SOLVED_GRACE_MINUTES = 10;

/**
 * How far back, before the grace, the passed challenges that decide BreakerModel.paidEscalation are
 * counted: recent enough that an attack that stopped stops blocking the key's real users soon after.
 */
export const PAID_WINDOW_MINUTES = 20;

/** One key's conversions as the rules read them. */
export interface KeyConversion {
  scope: CountedScope;
  /** Stored key: a country code, a prefix's keyed hash, '' for the account. */
  key: string;
  /** What the API shows: the country code, the prefix itself (+99890123), the account id. */
  label: string;
  window: Record<BreakerWindow, Conversion>;
  /** Whether this key ever had a verified send for the account (else the low floor applies). */
  everVerified: boolean;
  /**
   * Verifications whose first message went out on a passed challenge: in the PAID_WINDOW_MINUTES
   * before the grace (`sent`), those of them and since verified (`verified`: approvals counted from the
   * window's start), and those still in their grace (`arriving`).
   */
  recentSolved?: RecentSolved;
}

export interface RecentSolved {
  sent: number;
  verified: number;
  arriving: number;
}

/** A key with no passed challenge lately. */
export const noRecentSolved: RecentSolved = { sent: 0, verified: 0, arriving: 0 };

export interface BreakerModel {
  /** Unverified sends may be at most `ratio × verified` of the same window. */
  ratio: number;
  /** Per scope and window: the floor for a key that verified before, and for one that never did. */
  floors: Record<CountedScope, Record<BreakerWindow, { seen: number; unseen: number }>>;
  /** The first opening of a key cools this long; each further opening in 24 h doubles it. */
  coolingMinutes: number;
  maxCoolingMinutes: number;
  /** An open PREFIX or IP breaker blocks instead of challenging once unverified ≥ this × its threshold. */
  prefixBlockFactor: number;
  /**
   * Per scope, how many unverified sends a send that passed a challenge and did not verify within its
   * grace counts for: a real user who solved the proof of work goes on to enter the code; an attacker
   * paying for it does not. Heavier on the address and the account only — a country or a range is
   * shared with real users, and a never-verified range's floor of 1 would block the next real user.
   */
  solvedWeight: Record<CountedScope, number>;
  /**
   * An acting breaker also blocks once its key's passed challenges stop verifying: at least
   * `minSolved` of them in the PAID_WINDOW_MINUTES before their grace, fewer than `minConversion` of
   * them verified, and at least half as many still in their grace (the attack goes on). People who
   * solve the proof of work go on to enter their code; an attacker who pays for it never does. Where
   * the sends it blocks look like those recent ones, it turns away about one real user per
   * `(1 − minConversion) / minConversion` pumped messages it stops, at worst.
   */
  paidEscalation: { minSolved: number; minConversion: number };
}

export const defaultBreakerModel: BreakerModel = {
  ratio: 0.1,
  floors: {
    COUNTRY: { '1h': { seen: 8, unseen: 1 }, '24h': { seen: 20, unseen: 1 } },
    PREFIX: { '1h': { seen: 3, unseen: 1 }, '24h': { seen: 6, unseen: 1 } },
    // An hour's floors sit with VELOCITY_IP (challenged from 5 numbers an hour); the day's catch what
    // the hourly count misses: one address dripping under it all day.
    IP: { '1h': { seen: 5, unseen: 4 }, '24h': { seen: 12, unseen: 8 } },
    ACCOUNT: { '1h': { seen: 60, unseen: 5 }, '24h': { seen: 200, unseen: 10 } },
  },
  coolingMinutes: 15,
  maxCoolingMinutes: 24 * 60,
  prefixBlockFactor: 3,
  solvedWeight: { COUNTRY: 1, PREFIX: 1, IP: 3, ACCOUNT: 3 },
  paidEscalation: { minSolved: 10, minConversion: 0.05 },
};

/** The key's recent passed challenges do not verify (BreakerModel.paidEscalation). */
export function paidChallengesFail(model: BreakerModel, conversion: KeyConversion): boolean {
  const recent = conversion.recentSolved ?? noRecentSolved;
  const { minSolved, minConversion } = model.paidEscalation;
  // Still arriving: once the attack stops, the key's next real users are not blocked for its past.
  return (
    recent.sent >= minSolved &&
    recent.verified < minConversion * recent.sent &&
    recent.arriving >= Math.ceil(minSolved / 2)
  );
}

/**
 * `max(floor, ratio × verified)`, the floor low where the key never verified — except, for a country
 * or the account, while the account has never verified anything at all: its first real users arrive
 * together and are all "unverified" until they enter their codes, so a brand-new account starts on
 * the higher floors until its first verification (prefixes and addresses keep the low floor: its
 * first users do not share them).
 */
export function breakerThreshold(
  model: BreakerModel,
  conversion: KeyConversion,
  window: BreakerWindow,
  accountNew = false,
): number {
  const floor = model.floors[conversion.scope][window];
  const seen =
    conversion.everVerified ||
    (accountNew && (conversion.scope === 'COUNTRY' || conversion.scope === 'ACCOUNT'));
  return Math.max(
    seen ? floor.seen : floor.unseen,
    Math.ceil(model.ratio * conversion.window[window].verified),
  );
}

export interface Trip {
  window: BreakerWindow;
  unverified: number;
  threshold: number;
  conversionRate: number | null;
}

/** Sends not verified, a passed challenge past its grace counting `solvedWeight` times for the scope. */
export const unverifiedOf = (model: BreakerModel, scope: CountedScope, c: Conversion) =>
  Math.max(0, c.sent - c.verified) +
  (model.solvedWeight[scope] - 1) * Math.max(0, (c.solvedSent ?? 0) - (c.solvedVerified ?? 0));

/** The first window whose unverified sends exceed its threshold, or null. */
export function tripOf(model: BreakerModel, conversion: KeyConversion, accountNew = false): Trip | null {
  for (const window of breakerWindows) {
    const threshold = breakerThreshold(model, conversion, window, accountNew);
    const counts = conversion.window[window];
    const unverified = unverifiedOf(model, conversion.scope, counts);
    if (unverified > threshold) {
      return {
        window,
        unverified,
        threshold,
        conversionRate: counts.sent === 0 ? null : counts.verified / counts.sent,
      };
    }
  }
  return null;
}

/** Cooling of an opening after `previousOpenings` openings of the same key in the last 24 h. */
export function coolingMinutesOf(model: BreakerModel, previousOpenings: number): number {
  return Math.min(model.maxCoolingMinutes, model.coolingMinutes * 2 ** Math.min(previousOpenings, 16));
}

/** A breaker as the rules read it. */
export interface OpenBreaker {
  id: string;
  scope: CountedScope;
  key: string;
  label: string;
  threshold: number;
  unverifiedSends: number;
  closesAt: Date;
}
