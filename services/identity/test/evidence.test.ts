import { describe, expect, it } from 'vitest';
import { combineEvidence, type MatchLevel } from '../src/domain/evidence.js';

const ours = (result: 'EXACT_MATCH' | 'HIGH_PARTIAL_MATCH' | 'PARTIAL_MATCH' | 'NO_MATCH') => ({
  result,
  score: 0.8,
  reasons: ['NICKNAME'],
});
const theirs = (firstNameMatch: MatchLevel, lastNameMatch: MatchLevel) => ({ firstNameMatch, lastNameMatch });

describe('combining the comparison with identity_match', () => {
  it('keeps our verdict when identity_match was not asked', () => {
    expect(combineEvidence(ours('HIGH_PARTIAL_MATCH'), null, null)).toEqual(ours('HIGH_PARTIAL_MATCH'));
  });

  it('answers NO_DATA_AVAILABLE with the reason when there is no name and no identity data', () => {
    expect(combineEvidence(null, 'BUSINESS_LINE', null)).toEqual({
      result: 'NO_DATA_AVAILABLE',
      score: null,
      reasons: ['BUSINESS_LINE'],
    });
    expect(combineEvidence(null, null, theirs('no_data_available', 'no_data_available')).result).toBe(
      'NO_DATA_AVAILABLE',
    );
  });

  it('lowers a high match to partial when identity_match says a name does not match', () => {
    expect(combineEvidence(ours('EXACT_MATCH'), null, theirs('exact_match', 'no_match'))).toMatchObject({
      result: 'PARTIAL_MATCH',
      reasons: ['NICKNAME', 'IDENTITY_MATCH_DISAGREES'],
    });
  });

  it('raises a partial match one step when identity_match matches both names', () => {
    expect(
      combineEvidence(ours('PARTIAL_MATCH'), null, theirs('high_partial_match', 'exact_match')),
    ).toMatchObject({
      result: 'HIGH_PARTIAL_MATCH',
      reasons: ['NICKNAME', 'IDENTITY_MATCH_CONFIRMS'],
    });
  });

  it('never raises a no match, and never turns identity data alone into an exact match', () => {
    expect(combineEvidence(ours('NO_MATCH'), null, theirs('exact_match', 'exact_match')).result).toBe(
      'NO_MATCH',
    );
    expect(combineEvidence(null, 'NO_CALLER_NAME', theirs('exact_match', 'exact_match'))).toEqual({
      result: 'HIGH_PARTIAL_MATCH',
      score: null,
      reasons: ['NO_CALLER_NAME', 'IDENTITY_MATCH_ONLY'],
    });
  });

  it('reads a matching surname with another given name as a relative: partial, for a reviewer', () => {
    expect(combineEvidence(null, 'NO_CALLER_NAME', theirs('no_match', 'exact_match')).result).toBe(
      'PARTIAL_MATCH',
    );
  });
});
