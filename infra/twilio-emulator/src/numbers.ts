import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { NumberType } from 'libphonenumber-js/max';
import { isValidE164, parsePhoneNumber } from './phone-numbers.js';

/** Lookup v2 line types (line_type_intelligence.type). */
export const LINE_TYPES = [
  'landline',
  'mobile',
  'fixedVoip',
  'nonFixedVoip',
  'personal',
  'tollFree',
  'premium',
  'sharedCost',
  'uan',
  'voicemail',
  'pager',
  'unknown',
] as const;
export type LineType = (typeof LINE_TYPES)[number];

export const CARRIER_RISK_CATEGORIES = ['low', 'mild', 'moderate', 'high'] as const;
export type CarrierRiskCategory = (typeof CARRIER_RISK_CATEGORIES)[number];

export const CALLER_TYPES = ['CONSUMER', 'BUSINESS'] as const;

/** Everything the emulator "knows" about a phone number, seeded or derived. */
export interface NumberProfile {
  phoneNumber: string;
  callerName: string;
  callerType: (typeof CALLER_TYPES)[number];
  firstName: string | null;
  lastName: string | null;
  lineType: LineType;
  carrierName: string;
  mobileCountryCode: string;
  mobileNetworkCode: string;
  smsPumpingRiskScore: number;
  carrierRiskCategory: CarrierRiskCategory;
  /** Fraud Guard has blocked this number: Verify refuses SMS to it, Lookup reports it blocked. */
  blocked: boolean;
  /** When the block started (seed time); null when not blocked. */
  blockedAt: Date | null;
  /** The Verify service's geo permissions refuse this destination: every send is 60605. */
  geoBlocked: boolean;
  /** Seeded (fixtures or POST /numbers) rather than derived: only seeded landlines refuse SMS (60205). */
  seeded: boolean;
}

const name = z.string().trim().min(1).max(128);

/** The body of `POST /numbers` and the entries of the fixtures file; omitted fields keep their derived value. */
export const numberSeedSchema = z
  .object({
    phoneNumber: z.string().refine(isValidE164, 'must be a valid E.164 number, e.g. +14155550100'),
    callerName: name.optional(),
    callerType: z.enum(CALLER_TYPES).optional(),
    firstName: name.optional(),
    lastName: name.optional(),
    lineType: z.enum(LINE_TYPES).optional(),
    carrierName: name.optional(),
    mobileCountryCode: z
      .string()
      .regex(/^\d{3}$/)
      .optional(),
    mobileNetworkCode: z
      .string()
      .regex(/^\d{2,3}$/)
      .optional(),
    smsPumpingRiskScore: z.number().int().min(0).max(100).optional(),
    carrierRiskCategory: z.enum(CARRIER_RISK_CATEGORIES).optional(),
    blocked: z.boolean().optional(),
    geoBlocked: z.boolean().optional(),
  })
  .strict();
export type NumberSeed = z.infer<typeof numberSeedSchema>;

export const NUMBER_LIMITS = { seededNumbers: 10_000 } as const;

/** Seeded numbers over deterministic defaults: the same unseeded number always reads the same. */
export class NumberDirectory {
  readonly #seeded = new Map<string, NumberProfile>();

  constructor(
    private readonly fixtures: readonly NumberSeed[],
    private readonly now: () => Date,
  ) {
    this.reset();
  }

  seed(seed: NumberSeed): NumberProfile {
    const derived = deriveProfile(seed.phoneNumber);
    // A seeded name is a person's unless the seed says BUSINESS: keeping the derived type would make
    // about one seeded "Ada Lovelace" in ten a business line, whose name a name match must not use.
    const callerType = seed.callerType ?? (seed.callerName === undefined ? derived.callerType : 'CONSUMER');
    const owner = seed.callerName === undefined ? derived : ownerNames(seed.callerName, callerType);
    const score = seed.smsPumpingRiskScore ?? derived.smsPumpingRiskScore;
    const blocked = seed.blocked ?? false;
    const profile: NumberProfile = {
      ...derived,
      ...seed,
      callerType,
      firstName: seed.firstName ?? owner.firstName,
      lastName: seed.lastName ?? owner.lastName,
      smsPumpingRiskScore: score,
      carrierRiskCategory: seed.carrierRiskCategory ?? riskCategory(score),
      blocked,
      blockedAt: blocked ? this.now() : null,
      geoBlocked: seed.geoBlocked ?? false,
      seeded: true,
    };
    this.#seeded.delete(seed.phoneNumber);
    this.#seeded.set(seed.phoneNumber, profile);
    if (this.#seeded.size > NUMBER_LIMITS.seededNumbers) {
      const oldest = this.#seeded.keys().next();
      if (oldest.done !== true) this.#seeded.delete(oldest.value);
    }
    return profile;
  }

  profile(phoneNumber: string): NumberProfile {
    return this.#seeded.get(phoneNumber) ?? deriveProfile(phoneNumber);
  }

  reset(): void {
    this.#seeded.clear();
    for (const seed of this.fixtures) this.seed(seed);
  }

  /** Every seeded profile, oldest first (fixtures included): the state file's copy. */
  snapshot(): NumberProfile[] {
    return [...this.#seeded.values()];
  }

  restore(profiles: readonly NumberProfile[]): void {
    this.#seeded.clear();
    for (const profile of profiles) this.#seeded.set(profile.phoneNumber, profile);
  }
}

const FIRST_NAMES = [
  'Ada',
  'Grace',
  'Alan',
  'Katherine',
  'Linus',
  'Margaret',
  'Dennis',
  'Barbara',
  'Ken',
  'Frances',
  'Edsger',
  'Radia',
  'Tim',
  'Hedy',
  'Donald',
  'Shafi',
];
const LAST_NAMES = [
  'Lovelace',
  'Hopper',
  'Turing',
  'Johnson',
  'Torvalds',
  'Hamilton',
  'Ritchie',
  'Liskov',
  'Thompson',
  'Allen',
  'Dijkstra',
  'Perlman',
  'Berners-Lee',
  'Lamarr',
  'Knuth',
  'Goldwasser',
];
const BUSINESS_NAMES = [
  'Acme Logistics',
  'Globex Corporation',
  'Initech',
  'Umbrella Services',
  'Stark Industries',
  'Wayne Enterprises',
];

/** A few real-looking carriers per country; the rest of the world gets a generic one. */
const CARRIERS: Record<string, ReadonlyArray<readonly [name: string, mcc: string, mnc: string]>> = {
  US: [
    ['T-Mobile USA, Inc.', '310', '260'],
    ['Verizon Wireless', '311', '480'],
    ['AT&T Wireless', '310', '410'],
  ],
  CA: [
    ['Rogers Wireless', '302', '720'],
    ['Bell Mobility', '302', '610'],
  ],
  GB: [
    ['EE', '234', '30'],
    ['Vodafone UK', '234', '15'],
    ['O2 UK', '234', '10'],
  ],
  DE: [
    ['Telekom Deutschland', '262', '01'],
    ['Vodafone GmbH', '262', '02'],
  ],
  FR: [
    ['Orange France', '208', '01'],
    ['SFR', '208', '10'],
  ],
  BR: [
    ['Claro Brasil', '724', '05'],
    ['Vivo', '724', '06'],
  ],
  IN: [
    ['Reliance Jio', '405', '857'],
    ['Bharti Airtel', '404', '10'],
  ],
};
const FALLBACK_CARRIER = ['Emulated Mobile Network', '901', '70'] as const;

/** Deterministic defaults for a number nobody seeded: every value is read off a hash of the number. */
export function deriveProfile(phoneNumber: string): NumberProfile {
  const hash = createHash('sha256').update(phoneNumber).digest();
  const byte = (i: number): number => hash[i % hash.length] ?? 0;
  const pick = <T>(items: readonly T[], i: number): T => items[byte(i) % items.length] as T;
  const parsed = parsePhoneNumber(phoneNumber);
  const business = byte(0) % 10 === 0;
  const callerType = business ? 'BUSINESS' : 'CONSUMER';
  const callerName = business ? pick(BUSINESS_NAMES, 1) : `${pick(FIRST_NAMES, 2)} ${pick(LAST_NAMES, 3)}`;
  const [carrierName, mobileCountryCode, mobileNetworkCode] = pick(
    CARRIERS[parsed.countryCode ?? ''] ?? [FALLBACK_CARRIER],
    4,
  );
  // Cubing a uniform value keeps most numbers low-risk, as real traffic is.
  const score = Math.round(100 * (byte(5) / 255) ** 3);
  return {
    phoneNumber,
    callerName,
    callerType,
    ...ownerNames(callerName, callerType),
    lineType: lineTypeOf(parsed.numberType, byte(6)),
    carrierName,
    mobileCountryCode,
    mobileNetworkCode,
    smsPumpingRiskScore: score,
    carrierRiskCategory: riskCategory(score),
    blocked: false,
    blockedAt: null,
    geoBlocked: false,
    seeded: false,
  };
}

function ownerNames(
  callerName: string,
  callerType: NumberProfile['callerType'],
): Pick<NumberProfile, 'firstName' | 'lastName'> {
  const parts = callerName.split(/\s+/);
  if (callerType === 'BUSINESS' || parts.length < 2) return { firstName: null, lastName: null };
  return { firstName: parts[0] ?? null, lastName: parts.slice(1).join(' ') };
}

function riskCategory(score: number): CarrierRiskCategory {
  if (score < 25) return 'low';
  if (score < 50) return 'mild';
  if (score < 75) return 'moderate';
  return 'high';
}

function lineTypeOf(numberType: NumberType, entropy: number): LineType {
  switch (numberType) {
    case 'MOBILE':
      return 'mobile';
    case 'FIXED_LINE':
      return 'landline';
    case 'FIXED_LINE_OR_MOBILE':
      // North American numbers do not say which they are; most are mobile.
      return entropy < 180 ? 'mobile' : entropy < 230 ? 'landline' : 'nonFixedVoip';
    case 'VOIP':
      return 'fixedVoip';
    case 'TOLL_FREE':
      return 'tollFree';
    case 'PREMIUM_RATE':
      return 'premium';
    case 'SHARED_COST':
      return 'sharedCost';
    case 'PERSONAL_NUMBER':
      return 'personal';
    case 'PAGER':
      return 'pager';
    case 'UAN':
      return 'uan';
    case 'VOICEMAIL':
      return 'voicemail';
    default:
      return 'unknown';
  }
}
