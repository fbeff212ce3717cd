/**
 * The fraud simulation's traffic: a seeded, reproducible timeline of real users and attackers.
 * Real users in 12 countries verify 98% of the time; each attack kind the fraud issue names runs at
 * its own pace, several at once, from rotating addresses, and never enters a code. Nothing here
 * knows the engine's thresholds: kinds are shaped after how pumping is done, not after the rules.
 */
import { getExampleNumber, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';

export type Actor = 'real' | AttackKind;
export const attackKinds = [
  'sequential-prefix',
  'unserved-high-cost',
  'drip',
  'burst-served',
  'clean-score',
] as const;
export type AttackKind = (typeof attackKinds)[number];

export interface NumberSeed {
  phoneNumber: string;
  smsPumpingRiskScore: number;
  lineType: 'mobile';
}

/** One verification someone asks for, at simulated `at` (ms since the simulation's start). */
export interface Attempt {
  at: number;
  actor: Actor;
  phoneNumber: string;
  countryCode: string;
  ip: string;
  /** Real users: enters the code (98%), asks for one resend first (5%). Attackers: never. */
  verifies: boolean;
  resends: boolean;
  /** Seconds from the message to the code being entered. */
  verifyAfterSeconds: number;
}

export interface Traffic {
  seeds: NumberSeed[];
  /** Day 0: real users only (the account's history); day 1: real users and the attacks. */
  warmUp: Attempt[];
  measured: Attempt[];
  /** Numbers real users verified on day 0 that come back on day 1. */
  returning: number;
}

/** mulberry32: small, fast, good enough for a simulation, and the same for the same seed. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Where the customer's real users are, by share of traffic. */
export const servedCountries: Array<[CountryCode, number]> = [
  ['US', 0.28],
  ['GB', 0.1],
  ['DE', 0.08],
  ['FR', 0.07],
  ['BR', 0.1],
  ['IN', 0.1],
  ['MX', 0.07],
  ['ES', 0.05],
  ['IT', 0.04],
  ['CA', 0.04],
  ['PH', 0.04],
  ['NG', 0.03],
];

/** High-cost destinations this customer never serves. */
const unservedCountries: CountryCode[] = ['UZ', 'TJ', 'KG', 'AZ', 'BY', 'KZ', 'TN', 'SN', 'MM', 'LK'];

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)] as T;
}

function weighted<T>(rand: () => number, items: Array<[T, number]>): T {
  let r = rand() * items.reduce((n, [, w]) => n + w, 0);
  for (const [item, weight] of items) {
    r -= weight;
    if (r <= 0) return item;
  }
  return items[items.length - 1]![0];
}

/** A valid mobile number of the country: its example mobile number with random trailing digits. */
function mobileNumber(rand: () => number, country: CountryCode, keep?: string): string {
  const example = getExampleNumber(country, examples);
  if (!example) throw new Error(`no example mobile number for ${country}`);
  const e164 = example.number;
  for (let tries = 0; tries < 200; tries++) {
    const fixed = keep ?? e164.slice(0, Math.max(4, e164.length - 7));
    let candidate = fixed;
    while (candidate.length < e164.length) candidate += String(Math.floor(rand() * 10));
    const parsed = parsePhoneNumberFromString(candidate);
    const type = parsed?.getType();
    if (
      parsed?.isValid() &&
      parsed.country === country &&
      (type === 'MOBILE' || type === 'FIXED_LINE_OR_MOBILE')
    ) {
      return candidate;
    }
  }
  throw new Error(`could not make a mobile number for ${country}`);
}

const ipOf = (rand: () => number, firstOctets: number[]) =>
  [
    ...firstOctets,
    ...Array.from({ length: 4 - firstOctets.length }, () => 1 + Math.floor(rand() * 253)),
  ].join('.');

/** Real users' Lookup scores: mostly low, a few elevated (real numbers the carrier finds odd). */
const realScore = (rand: () => number) =>
  rand() < 0.015 ? 60 + Math.floor(rand() * 25) : Math.floor(45 * rand() ** 3);

export interface TrafficOptions {
  seed: number;
  realPerDay: number;
  /** Multiplies every attack's volume. */
  attackScale: number;
}

export function generateTraffic(options: TrafficOptions): Traffic {
  const rand = random(options.seed);
  const seeds = new Map<string, NumberSeed>();
  const seed = (phoneNumber: string, score: number) =>
    seeds.set(phoneNumber, { phoneNumber, smsPumpingRiskScore: score, lineType: 'mobile' });

  const realUser = (at: number, phoneNumber?: string): Attempt => {
    const country = weighted(rand, servedCountries);
    const number = phoneNumber ?? mobileNumber(rand, country);
    if (!phoneNumber) seed(number, realScore(rand));
    // One in ten shares its address with another user (a household, an office, carrier NAT).
    const ip = rand() < 0.1 ? ipOf(rand, [100, 64, Math.floor(rand() * 4)]) : ipOf(rand, [73]);
    return {
      at,
      actor: 'real',
      phoneNumber: number,
      countryCode: parsePhoneNumberFromString(number)?.country ?? country,
      ip,
      verifies: rand() < 0.98,
      resends: rand() < 0.05,
      verifyAfterSeconds: 15 + Math.floor(rand() * 90),
    };
  };

  const arrivals = (start: number, length: number, count: number) =>
    Array.from({ length: count }, () => start + Math.floor(rand() * length)).sort((a, b) => a - b);

  const warmUp = arrivals(0, DAY, options.realPerDay).map((at) => realUser(at));
  const verifiedBefore = warmUp.filter((a) => a.verifies).map((a) => a.phoneNumber);
  const measuredReal = arrivals(DAY, DAY, options.realPerDay).map((at) =>
    rand() < 0.1 && verifiedBefore.length > 0 ? realUser(at, pick(rand, verifiedBefore)) : realUser(at),
  );
  const returning = measuredReal.filter((a) => verifiedBefore.includes(a.phoneNumber)).length;

  const attacker = (
    kind: AttackKind,
    at: number,
    phoneNumber: string,
    ipPool: string[],
    score: number,
  ): Attempt => {
    seed(phoneNumber, score);
    return {
      at,
      actor: kind,
      phoneNumber,
      countryCode: parsePhoneNumberFromString(phoneNumber)?.country ?? '',
      ip: pick(rand, ipPool),
      verifies: false,
      resends: false,
      verifyAfterSeconds: 0,
    };
  };
  const pool = (size: number, first: number) => Array.from({ length: size }, () => ipOf(rand, [first]));
  const scale = (n: number) => Math.max(1, Math.round(n * options.attackScale));
  const attacks: Attempt[] = [];

  // Sequential numbers walking one range of a served country (GB), 1 every ~20 s for 3 h.
  {
    const ips = pool(300, 185);
    const base = mobileNumber(rand, 'GB');
    const start = DAY + 2 * HOUR;
    const total = scale(540);
    const stem = base.slice(0, base.length - 4);
    for (let i = 0; i < total; i++) {
      const suffix = String(1000 + i).slice(-4);
      attacks.push(
        attacker(
          'sequential-prefix',
          start + i * 20_000,
          `${stem}${suffix}`,
          ips,
          20 + Math.floor(rand() * 30),
        ),
      );
    }
  }
  // High-cost countries the customer never serves, random numbers, 1 every ~30 s for 6 h.
  {
    const ips = pool(500, 45);
    const total = scale(720);
    for (const at of arrivals(DAY + 5 * HOUR, 6 * HOUR, total)) {
      attacks.push(
        attacker(
          'unserved-high-cost',
          at,
          mobileNumber(rand, pick(rand, unservedCountries)),
          ips,
          Math.floor(55 * rand() ** 2),
        ),
      );
    }
  }
  // A slow drip all day into a few ranges of a served country (PH), one every ~4 minutes.
  {
    const ips = pool(400, 103);
    const ranges = Array.from({ length: 3 }, () => mobileNumber(rand, 'PH').slice(0, -4));
    const total = scale(360);
    for (const at of arrivals(DAY, DAY, total)) {
      const stem = pick(rand, ranges);
      attacks.push(attacker('drip', at, mobileNumber(rand, 'PH', stem), ips, 10 + Math.floor(rand() * 30)));
    }
  }
  // A burst in a served country (BR): random numbers across its mobile ranges, 400 in 20 minutes.
  {
    const ips = pool(200, 177);
    const total = scale(400);
    for (const at of arrivals(DAY + 14 * HOUR, HOUR / 3, total)) {
      attacks.push(attacker('burst-served', at, mobileNumber(rand, 'BR'), ips, Math.floor(30 * rand())));
    }
  }
  // Numbers whose carrier score looks clean (0-10), in 20 ranges of a served country (MX), 1/min for 8 h.
  {
    const ips = pool(400, 201);
    const ranges = Array.from({ length: 20 }, () => mobileNumber(rand, 'MX').slice(0, -4));
    const total = scale(480);
    for (const at of arrivals(DAY + 8 * HOUR, 8 * HOUR, total)) {
      attacks.push(
        attacker(
          'clean-score',
          at,
          mobileNumber(rand, 'MX', pick(rand, ranges)),
          ips,
          Math.floor(10 * rand()),
        ),
      );
    }
  }
  const measured = [...measuredReal, ...attacks].sort((a, b) => a.at - b.at);
  return { seeds: [...seeds.values()], warmUp, measured, returning };
}
