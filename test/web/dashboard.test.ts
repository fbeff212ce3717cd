import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import {
  DESKTOP,
  launchBrowser,
  overflowing,
  PHONE,
  screenshot,
  seriousA11yViolations,
  type TestBrowser,
} from '../support/browser.js';
import { seedNumber } from '../support/platform.js';
import {
  createInquiry,
  createTemplate,
  seedSafeNumber,
  startWebPlatform,
  statusBecomes,
  verifyPhoneByApi,
  type WebPlatform,
} from '../support/web-platform.js';

let web: WebPlatform;
let browser: TestBrowser;
let page: Page;
let phoneOnly: string;
let withNameMatch: string;

beforeAll(async () => {
  web = await startWebPlatform('Dashboard Bank');
  browser = await launchBrowser();
  phoneOnly = await createTemplate(web, 'Phone only', ['PHONE_OTP']);
  withNameMatch = await createTemplate(web, 'Phone and name', ['PHONE_OTP', 'DATABASE_NAME_MATCH']);
  page = await browser.page();
}, 240_000);
afterEach(() => {
  expect(browser.cspViolations).toEqual([]);
});
afterAll(async () => {
  await browser?.close();
  await web?.stop();
});

async function expectAccessible(): Promise<void> {
  expect(await seriousA11yViolations(page)).toEqual([]);
}

const row = (id: string) => page.locator(`tr[data-inquiry-id="${id}"]`);

/** A marker on the window: still there afterwards means the page was never reloaded. */
const markPage = () => page.evaluate('window.attestorNoReload = true');
const stillSamePage = async () => expect(await page.evaluate('window.attestorNoReload === true')).toBe(true);

describe('the dashboard in a browser', () => {
  it('signs in with an API key kept in sessionStorage only, refusing a wrong one', async () => {
    await page.goto(`${web.origin}/dashboard`);
    await page.locator('h1', { hasText: 'Sign in' }).waitFor();
    await expectAccessible();
    await screenshot(page, 'dashboard-sign-in');

    await page.getByLabel('API key').fill('sk_not-a-key-of-anyone');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'was not accepted' }).waitFor();
    expect(await page.evaluate("sessionStorage.getItem('attestor.apiKey')")).toBeNull();

    await page.getByLabel('API key').fill(web.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('h1', { hasText: 'Inquiries' }).waitFor();
    await page.getByText('Dashboard Bank').waitFor();
    expect(await page.evaluate("sessionStorage.getItem('attestor.apiKey')")).toBe(web.apiKey);
    expect(await page.evaluate('localStorage.length + document.cookie.length')).toBe(0);
    expect(page.url()).not.toContain(web.apiKey);
  }, 60_000);

  it('shows a new inquiry appear and move CREATED → PENDING → APPROVED without a reload', async () => {
    await markPage();
    const phone = '+14155550151';
    await seedSafeNumber(web, phone);
    const inquiry = await createInquiry(web, phoneOnly, { referenceId: 'live-1', phoneNumber: phone });
    await row(inquiry.id).getByText('Created').waitFor({ timeout: 15_000 });
    const verification = await verifyPhoneByApi(web, inquiry, phone);
    await row(inquiry.id).getByText('Pending').waitFor({ timeout: 15_000 });
    await verification.check();
    await row(inquiry.id).getByText('Approved').waitFor({ timeout: 15_000 });
    await stillSamePage();
    await expectAccessible();
  }, 60_000);

  it('filters by status and finds an inquiry by its reference id', async () => {
    const other = await createInquiry(web, phoneOnly, { referenceId: 'filter-me' });
    await row(other.id).waitFor();
    await page.getByLabel('Approved').check();
    await page.locator('tr', { hasText: 'live-1' }).waitFor();
    await row(other.id).waitFor({ state: 'detached' });
    await page.getByLabel('All').check();
    await page.getByLabel('Reference id').fill('filter-me');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('tr', { hasText: 'live-1' }).waitFor({ state: 'detached' });
    expect(await page.locator('tbody tr').count()).toBe(1);
    await row(other.id).waitFor();
    await page.getByLabel('Reference id').fill('');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('tr', { hasText: 'live-1' }).waitFor();
    await screenshot(page, 'dashboard-inquiries');
  }, 60_000);

  it('approves a case in review with a comment, shows every step, then redacts it', async () => {
    // A business line: the carrier holds no person's name (NO_DATA_AVAILABLE), which the template sends to review.
    const phone = '+14155550152';
    await seedSafeNumber(web, phone, { callerName: 'Acme Plumbing', callerType: 'BUSINESS' });
    const inquiry = await createInquiry(web, withNameMatch, {
      referenceId: 'review-1',
      nameFirst: 'Grace',
      nameLast: 'Hopper',
      phoneNumber: phone,
    });
    const verification = await verifyPhoneByApi(web, inquiry, phone);
    await verification.check();
    await statusBecomes(web, inquiry.id, 'NEEDS_REVIEW');

    await markPage();
    await row(inquiry.id).getByText('Needs review').waitFor({ timeout: 15_000 });
    await row(inquiry.id).getByRole('link', { name: 'review-1' }).click();
    await page.locator('h1', { hasText: 'Inquiry review-1' }).waitFor();
    const main = page.locator('main');
    // Phone step, its risk assessment, the name match and the timeline.
    await main.getByRole('heading', { name: 'Risk assessment: Allow' }).waitFor();
    await main.getByText('+1******0152').first().waitFor();
    await main.getByRole('cell', { name: 'No data available' }).first().waitFor();
    await main.getByText('inquiry.marked-for-review').waitFor();
    await expectAccessible();
    await screenshot(page, 'dashboard-inquiry-review');

    await page
      .getByLabel('Comment (optional, kept in the timeline)')
      .fill('Called the customer: it is her shop.');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.locator('.status-line').getByText('Approved').waitFor({ timeout: 15_000 });
    await main.getByText('Called the customer: it is her shop.').waitFor();
    await statusBecomes(web, inquiry.id, 'APPROVED');
    const events = await web.platform.gql<{
      inquiry: { events: Array<{ toStatus: string; comment: string }> };
    }>(web.apiKey, 'query($id: ID!) { inquiry(id: $id) { events { toStatus comment } } }', {
      id: inquiry.id,
    });
    expect(events.data?.inquiry.events.at(-1)).toEqual({
      toStatus: 'APPROVED',
      comment: 'Called the customer: it is her shop.',
    });
    await screenshot(page, 'dashboard-inquiry');

    await page.getByRole('button', { name: 'Redact…' }).click();
    await page.getByRole('button', { name: 'Erase the data' }).click();
    await main.getByText(/Redacted .*erased in every service/).waitFor({ timeout: 15_000 });
    const redacted = await web.platform.gql<{ inquiry: { redactedAt: string | null } }>(
      web.apiKey,
      'query($id: ID!) { inquiry(id: $id) { redactedAt } }',
      { id: inquiry.id },
    );
    expect(redacted.data?.inquiry.redactedAt).not.toBeNull();
    await stillSamePage();

    // The same tab at a phone's width (the key lives in this tab's storage only).
    await page.setViewportSize(PHONE);
    await expect.poll(() => overflowing(page)).toEqual([]);
    await expectAccessible();
    await screenshot(page, 'dashboard-inquiry-360');
    await page.setViewportSize(DESKTOP);
  }, 90_000);

  it('shows every rule an assessment evaluated, the fired ones first, with the numbers each saw', async () => {
    // A number the engine blocks (SMS pumping score 95): nothing sent, the inquiry fails.
    const risky = '+447400123456';
    await seedNumber(web.platform.emulator, { phoneNumber: risky, smsPumpingRiskScore: 95 });
    const inquiry = await createInquiry(web, phoneOnly, { referenceId: 'blocked-1' });
    await verifyPhoneByApi(web, inquiry, risky);
    await statusBecomes(web, inquiry.id, 'FAILED');
    await page.getByRole('link', { name: 'Inquiries', exact: true }).click();
    await row(inquiry.id).getByRole('link', { name: 'blocked-1' }).click();
    await page.locator('h1', { hasText: 'Inquiry blocked-1' }).waitFor();
    const main = page.locator('main');
    await main.getByRole('heading', { name: 'Risk assessment: Block' }).waitFor();

    const api = await web.platform.gql<{
      inquiry: {
        phoneVerifications: Array<{ riskAssessment: { rules: Array<{ rule: string; fired: boolean }> } }>;
      };
    }>(
      web.apiKey,
      'query($id: ID!) { inquiry(id: $id) { phoneVerifications { riskAssessment { rules { rule fired } } } } }',
      {
        id: inquiry.id,
      },
    );
    const rules = api.data!.inquiry.phoneVerifications[0]!.riskAssessment.rules;
    const fired = rules.filter((rule) => rule.fired).map((rule) => rule.rule);
    expect(fired).toContain('SMS_PUMPING_RISK_HIGH');
    const rows = main.locator('table.rules tbody tr');
    // Every rule, the fired ones first (in the engine's order), then the others.
    expect(await Promise.all((await rows.all()).map((tr) => tr.getAttribute('data-rule')))).toEqual([
      ...fired,
      ...rules.filter((rule) => !rule.fired).map((rule) => rule.rule),
    ]);
    const high = main.locator('tr[data-rule="SMS_PUMPING_RISK_HIGH"]');
    expect(await high.getAttribute('class')).toBe('fired');
    await high.getByText('Fired').waitFor();
    await high.getByText('smsPumpingRiskScore = 95').waitFor();
    await high.getByText('blockAt = 90').waitFor();
    await main.getByText(`Every rule evaluated: ${fired.length} of ${rules.length} fired`).waitFor();
    await main.getByText('Enforced decision').waitFor();
    await expectAccessible();
    await screenshot(page, 'dashboard-inquiry-rules');
  }, 60_000);

  it("lists the open breakers and closes one, through the engine's own path", async () => {
    // Canada never verified for this account: its second unverified send trips a COUNTRY breaker
    // (docs/fraud.md, Breakers: floor 1 where a key never verified). Each number in a range of its own.
    const canadians = ['+12045550181', '+14165550182', '+16135550183', '+15145550184', '+17805550185'];
    let breakerId: string | undefined;
    for (const phone of canadians) {
      await seedSafeNumber(web, phone);
      await verifyPhoneByApi(web, await createInquiry(web, phoneOnly, { referenceId: `ca-${phone}` }), phone);
      const open = await web.platform.gql<{
        fraudBreakers: Array<{ id: string; scope: string; key: string }>;
      }>(web.apiKey, '{ fraudBreakers(open: true) { id scope key } }');
      breakerId = open.data?.fraudBreakers.find((b) => b.scope === 'COUNTRY' && b.key === 'CA')?.id;
      if (breakerId) break;
      // The conversion counts come from the phone events: give them a moment before the next send.
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(breakerId, 'a COUNTRY breaker on CA opened').toBeDefined();

    await markPage();
    await page.getByRole('link', { name: 'Fraud' }).click();
    await page.locator('h1', { hasText: 'Fraud' }).waitFor();
    const breaker = page.locator(`tr[data-breaker-id="${breakerId}"]`);
    await breaker.waitFor();
    expect(await breaker.locator('td').first().innerText()).toBe('Country');
    await breaker.getByText(/unverified sends in/).waitFor();
    await expectAccessible();
    await screenshot(page, 'dashboard-fraud-breakers');
    await breaker.getByRole('button', { name: 'Close the breaker on country CA' }).click();
    await page.getByRole('status').filter({ hasText: 'Closed the breaker on country CA.' }).waitFor();
    await breaker.waitFor({ state: 'detached' });
    const closed = await web.platform.gql<{ fraudBreakers: Array<{ id: string; closedAt: string | null }> }>(
      web.apiKey,
      '{ fraudBreakers(open: false) { id closedAt } }',
    );
    expect(closed.data?.fraudBreakers.find((b) => b.id === breakerId)?.closedAt).not.toBeNull();
    await stillSamePage();
  }, 90_000);

  it('adds entries to the allow and block lists and removes one', async () => {
    const panel = page.locator('section', {
      has: page.getByRole('heading', { name: 'Allow and block lists' }),
    });
    await panel.getByLabel('List', { exact: true }).selectOption('BLOCK');
    await panel.getByLabel('Matches', { exact: true }).selectOption('PHONE_NUMBER');
    await panel.getByLabel('Value').fill('+14155550199');
    await panel.getByLabel('Note (optional)').fill('pumping seen');
    await panel.getByRole('button', { name: 'Add to the list' }).click();
    // Phone numbers come back masked.
    await panel.getByRole('status').filter({ hasText: 'Added +1******0199 to the block list.' }).waitFor();
    const blocked = panel.locator('table.list-entries tbody tr', { hasText: '+1******0199' });
    // The status can be announced before the list has re-rendered with the new entry.
    await blocked.waitFor();
    expect((await blocked.locator('td').allInnerTexts()).slice(0, 3)).toEqual([
      'Block',
      'Phone number',
      'pumping seen',
    ]);

    await panel.getByLabel('List', { exact: true }).selectOption('ALLOW');
    await panel.getByLabel('Matches', { exact: true }).selectOption('COUNTRY');
    await panel.getByLabel('Value').fill('NZ');
    await panel.getByRole('button', { name: 'Add to the list' }).click();
    await panel.locator('table.list-entries tbody tr', { hasText: 'NZ' }).waitFor();

    // What the API refuses is said, with its own words, and nothing is added.
    await panel.getByLabel('Matches', { exact: true }).selectOption('IP');
    await panel.getByLabel('Value').fill('not-an-address');
    await panel.getByRole('button', { name: 'Add to the list' }).click();
    await panel.getByRole('alert').waitFor();
    expect(await panel.locator('table.list-entries tbody tr').count()).toBe(2);
    await expectAccessible();

    await blocked.getByRole('button', { name: 'Remove +1******0199' }).click();
    await panel.getByRole('status').filter({ hasText: 'Removed +1******0199.' }).waitFor();
    await blocked.waitFor({ state: 'detached' });
    const entries = await web.platform.gql<{
      fraudListEntries: Array<{ kind: string; match: string; value: string }>;
    }>(web.apiKey, '{ fraudListEntries { kind match value } }');
    expect(entries.data?.fraudListEntries).toEqual([{ kind: 'ALLOW', match: 'COUNTRY', value: 'NZ' }]);
  }, 60_000);

  it('edits the fraud policy and charts the messages per country', async () => {
    await page.getByRole('link', { name: 'Fraud' }).click();
    await page.locator('h1', { hasText: 'Fraud' }).waitFor();
    await page.getByRole('heading', { name: 'Policy' }).waitFor();
    // Two US numbers verified above (one then sent to review), one GB number blocked, Canadian codes
    // sent and never entered (the last one challenged by the breaker it opened).
    const stats = page.locator('table.stats');
    await stats.getByRole('rowheader', { name: 'US' }).waitFor();
    const gb = await stats.locator('tr', { hasText: 'GB' }).locator('td').allInnerTexts();
    expect(gb.slice(0, 5)).toEqual(['0', '0', '1', '0', '—']);
    // The blocked send is a message not paid for.
    expect(gb[5]).toMatch(/^\$0\.\d*[1-9]\d*$/);
    expect(await stats.locator('tr', { hasText: 'US' }).locator('td').allInnerTexts()).toEqual([
      '2',
      '2',
      '0',
      '0',
      '100 %',
      '$0.00',
    ]);
    const ca = await stats.locator('tr', { hasText: 'CA' }).locator('td').allInnerTexts();
    expect(Number(ca[0])).toBeGreaterThanOrEqual(2);
    expect(ca[1]).toBe('0');
    expect(ca[4]).toBe('0 %');
    await page.getByText(/^SMS cost avoided: \$0\.\d+/).waitFor();
    // One chart over time (by hour for the last 24 hours), a line per country, for each series.
    await page.getByLabel('Period').selectOption('day');
    const chart = page.locator('canvas[role="img"]');
    await expect
      .poll(() => chart.getAttribute('aria-label'))
      .toMatch(
        /^Line chart of messages sent per country by hour\. CA: \d+ in total; GB: 0 in total; US: 2 in total$/,
      );
    await page.getByLabel('Chart', { exact: true }).selectOption('conversionRate');
    await expect
      .poll(() => chart.getAttribute('aria-label'))
      .toMatch(
        /^Line chart of conversion \(verified \/ sent\) per country by hour\. CA: 0 % in the latest hour; GB: no sends; US: 100 % in the latest hour$/,
      );
    await page.getByLabel('Chart', { exact: true }).selectOption('costAvoidedUsd');
    await expect
      .poll(() => chart.getAttribute('aria-label'))
      .toContain('sms cost avoided (usd) per country by hour');
    expect(await chart.count()).toBe(1);
    await expectAccessible();

    await page.getByLabel('Record only').check();
    await page.getByLabel('Most codes per rolling 24 hours (empty: no cap)').fill('500');
    // The default refuses landlines, premium and other costly line types (a call may reach a landline).
    const refused = page.getByRole('group', { name: 'Never send a text message to these line types' });
    const byCall = page.getByRole('group', { name: 'Of those, a voice call may reach' });
    expect(await refused.getByLabel('premium').isChecked()).toBe(true);
    expect(await byCall.getByLabel('landline').isChecked()).toBe(true);
    await refused.getByLabel('pager').uncheck();
    await refused.getByLabel('nonFixedVoip').check();
    await byCall.getByLabel('tollFree').check();
    await page.getByLabel('Challenge from risk score (0–100)').fill('50');
    await page.getByLabel('Block from risk score (0–100)').fill('85');
    await page.getByLabel('A voice call passes a challenge').check();
    await page.getByRole('button', { name: 'Add a country rule' }).click();
    await page.getByLabel('Country of rule 1').selectOption('UZ');
    await page.getByLabel('SMS allowed in rule 1').uncheck();
    await page.getByLabel('Most per hour in rule 1 (empty: no cap)').fill('0');
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByRole('status').filter({ hasText: 'Policy saved.' }).waitFor();
    await expectAccessible();
    await screenshot(page, 'dashboard-fraud');

    const saved = await web.platform.gql<{ fraudPolicy: unknown }>(
      web.apiKey,
      '{ fraudPolicy { mode maxSmsPerDay blockLineTypes callLineTypes challengeAt blockAt challengeAcceptsCall countries { countryCode smsAllowed maxPerHour } } }',
    );
    expect(saved.data?.fraudPolicy).toEqual({
      mode: 'RECORD_ONLY',
      maxSmsPerDay: 500,
      blockLineTypes: ['landline', 'premium', 'tollFree', 'sharedCost', 'uan', 'voicemail', 'nonFixedVoip'],
      callLineTypes: ['landline', 'tollFree'],
      challengeAt: 50,
      blockAt: 85,
      challengeAcceptsCall: true,
      countries: [{ countryCode: 'UZ', smsAllowed: false, maxPerHour: 0 }],
    });

    // A challenge score not below the block score is refused before it reaches the API.
    await page.getByLabel('Challenge from risk score (0–100)').fill('85');
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByRole('alert').filter({ hasText: 'must be below the block score' }).waitFor();
    await page.getByLabel('Challenge from risk score (0–100)').fill('50');

    // A cap that is not a number is refused before it reaches the API, naming nothing saved.
    await page.getByLabel('Most codes per rolling 24 hours (empty: no cap)').fill('lots');
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByRole('alert').filter({ hasText: 'Enter a whole number' }).waitFor();

    await page.setViewportSize(PHONE);
    await page.reload();
    await page.locator('table.stats').getByRole('rowheader', { name: 'US' }).waitFor();
    await expect.poll(() => overflowing(page)).toEqual([]);
    await expectAccessible();
    await screenshot(page, 'dashboard-fraud-360');
    await page.getByRole('link', { name: 'Inquiries' }).click();
    await page.locator('tr', { hasText: 'live-1' }).waitFor();
    await expect.poll(() => overflowing(page)).toEqual([]);
    await expectAccessible();
    await screenshot(page, 'dashboard-inquiries-360');
    await page.setViewportSize(DESKTOP);
  }, 90_000);
});
