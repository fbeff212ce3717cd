import { parse, print } from 'graphql';
import { describe, expect, it } from 'vitest';
import { planInquiryQuery, SubscriptionPlanError } from '../src/inquiry-subscription.js';

describe('subscription → query plan', () => {
  it('turns inquiryUpdated into an aliased inquiry query with the same selection and variables', () => {
    const plan = planInquiryQuery(
      parse(
        `subscription Watch($id: ID!) { inquiryUpdated(id: $id) { id s: status phoneVerifications { status } } }`,
      ),
      'Watch',
      { id: '0193a1b2-0000-7000-8000-000000000001' },
    );
    expect(plan.inquiryId).toBe('0193a1b2-0000-7000-8000-000000000001');
    expect(plan.responseKey).toBe('inquiryUpdated');
    expect(plan.statusKeys).toEqual(['s']);
    expect(print(plan.query)).toContain('query Watch($id: ID!)');
    expect(print(plan.query)).toContain('inquiryUpdated: inquiry(id: $id)');
  });

  it('finds status through fragments and keeps a client alias', () => {
    const plan = planInquiryQuery(
      parse(
        `subscription { mine: inquiryUpdated(id: "x") { ...F ... on Inquiry { status } } } fragment F on Inquiry { status }`,
      ),
      undefined,
      {},
    );
    expect(plan.inquiryId).toBe('x');
    expect(plan.responseKey).toBe('mine');
    expect(plan.statusKeys).toEqual(['status', 'status']);
    expect(print(plan.query)).toContain('fragment F on Inquiry');
  });

  it('refuses anything but one inquiryUpdated field', () => {
    expect(() => planInquiryQuery(parse('query { inquiry(id: "x") { id } }'), undefined, {})).toThrow(
      SubscriptionPlanError,
    );
    expect(() =>
      planInquiryQuery(
        parse('subscription { a: inquiryUpdated(id: "x") { id } b: inquiryUpdated(id: "y") { id } }'),
        undefined,
        {},
      ),
    ).toThrow(/exactly one field/);
  });

  it('leaves the id unknown when the variable is missing or not a string', () => {
    expect(
      planInquiryQuery(parse('subscription($id: ID!) { inquiryUpdated(id: $id) { id } }'), undefined, {})
        .inquiryId,
    ).toBeNull();
  });
});
