import type { LineType } from '@attestor/twilio';

/**
 * Lookup v2 `line_type_intelligence.type` values: the only line types a policy may refuse. A plain
 * list here (the Twilio package's own list loads the SDK); a test keeps the two equal.
 */
export const lookupLineTypes = [
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
] as const satisfies readonly LineType[];
export type LookupLineType = (typeof lookupLineTypes)[number];

export function isLookupLineType(value: string): value is LookupLineType {
  return (lookupLineTypes as readonly string[]).includes(value);
}
