import { invalidParameter } from '../errors.js';
import type { Route } from '../http.js';
import type { IdentityClaim } from '../identity-match.js';
import { LOOKUP_FIELDS, lookUpPhoneNumber } from '../lookup.js';
import type { LookupField } from '../lookup.js';
import type { EmulatorState } from '../state.js';

/** Query parameters of identity_match, by the claim field they fill. */
const CLAIM_PARAMETERS: ReadonlyArray<readonly [keyof IdentityClaim, string]> = [
  ['firstName', 'FirstName'],
  ['lastName', 'LastName'],
  ['addressLine1', 'AddressLine1'],
  ['addressLine2', 'AddressLine2'],
  ['city', 'City'],
  ['state', 'State'],
  ['postalCode', 'PostalCode'],
  ['addressCountryCode', 'AddressCountryCode'],
  ['nationalId', 'NationalId'],
  ['dateOfBirth', 'DateOfBirth'],
];

/** Lookup v2: one phone number, with the data packages named in `Fields`. */
export function lookupRoutes(state: EmulatorState): Route[] {
  return [
    {
      method: 'GET',
      pattern: '/v2/PhoneNumbers/:phoneNumber',
      access: 'twilio',
      operation: 'FetchPhoneNumber',
      handle(request) {
        const countryCode = request.query.get('CountryCode') || 'US';
        if (!/^[A-Za-z]{2}$/.test(countryCode)) {
          throw invalidParameter('CountryCode', `${countryCode} is not an ISO 3166-1 alpha-2 country code`);
        }
        const claim: IdentityClaim = {};
        for (const [field, parameter] of CLAIM_PARAMETERS) {
          const value = request.query.get(parameter);
          if (value) claim[field] = value;
        }
        const query = { fields: parseFields(request.query.get('Fields')), countryCode, claim };
        return {
          status: 200,
          body: lookUpPhoneNumber(request.params['phoneNumber'] ?? '', query, state.numbers),
        };
      },
    },
  ];
}

function parseFields(value: string | null): Set<LookupField> {
  const fields = new Set<LookupField>();
  for (const name of (value ?? '').split(',')) {
    const trimmed = name.trim();
    if (trimmed === '') continue;
    const field = LOOKUP_FIELDS.find((known) => known === trimmed);
    if (field === undefined) throw invalidParameter('Fields', `${trimmed} is not a Lookup data package`);
    fields.add(field);
  }
  return fields;
}
