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

  it('edits the fraud policy and charts the messages per country', async () => {
    // A number the engine blocks (SMS pumping score 95): a GB row with one blocked send, no message.
    const risky = '+447400123456';
    await seedNumber(web.platform.emulator, { phoneNumber: risky, smsPumpingRiskScore: 95 });
    await verifyPhoneByApi(web, await createInquiry(web, phoneOnly, { referenceId: 'blocked-1' }), risky);
    await page.getByRole('link', { name: 'Fraud' }).click();
    await page.locator('h1', { hasText: 'Fraud' }).waitFor();
    await page.getByRole('heading', { name: 'Policy' }).waitFor();
    // Two numbers verified above (one then sent to review), one blocked: a US row and a GB row.
    const stats = page.locator('table.stats');
    await stats.getByRole('rowheader', { name: 'US' }).waitFor();
    expect(await stats.locator('tr', { hasText: 'GB' }).locator('td').allInnerTexts()).toEqual([
      '0',
      '0',
      '1',
      '—',
    ]);
    expect(await stats.locator('tr', { hasText: 'US' }).locator('td').allInnerTexts()).toEqual([
      '2',
      '2',
      '0',
      '100 %',
    ]);
    expect(await page.locator('canvas[role="img"]').count()).toBe(1);
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
