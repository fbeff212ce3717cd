/** Lookup v2's line types (`line_type_intelligence.type`), the values blockLineTypes accepts (docs/fraud.md). */
export const lineTypes = [
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
