/**
 * A real browser for the web app's tests: Debian's Chromium (`apt-get install chromium`) driven by
 * playwright-core, headless, with a fresh profile per launch. Pages get axe-core on demand (evaluated
 * through the devtools protocol: the app's Content-Security-Policy allows no injected script tag), and
 * every Content-Security-Policy violation a page reports is collected, so a test can require none.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const root = fileURLToPath(new URL('../../', import.meta.url));
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Screenshots go to docs/screenshots only when asked (`npm run screenshots`), so a test run leaves git clean. */
const keepScreenshots = process.env['ATTESTOR_SCREENSHOTS'] === '1';
export const screenshotDir = keepScreenshots
  ? join(root, 'docs', 'screenshots')
  : mkdtempSync(join(tmpdir(), 'attestor-screenshots-'));

export const DESKTOP = { width: 1280, height: 860 };
export const PHONE = { width: 360, height: 740 };

export interface TestBrowser {
  context: BrowserContext;
  /** A new tab at `viewport`, recording the CSP violations it reports. */
  page(viewport?: { width: number; height: number }): Promise<Page>;
  /** CSP violations seen by any page so far (`<directive> <blocked URI>`). */
  cspViolations: string[];
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium`);
  const profile = mkdtempSync(join(tmpdir(), 'attestor-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
    viewport: DESKTOP,
    locale: 'en-US',
  });
  const cspViolations: string[] = [];
  await context.exposeBinding('attestorCspViolation', (_source, text: string) => {
    cspViolations.push(text);
  });
  // Page-side code is written as strings: this program is typed for Node, without the DOM's types.
  await context.addInitScript(`
    document.addEventListener('securitypolicyviolation', (event) => {
      window.attestorCspViolation(event.violatedDirective + ' ' + event.blockedURI);
    });
  `);
  mkdirSync(screenshotDir, { recursive: true });
  return {
    context,
    cspViolations,
    page: async (viewport = DESKTOP) => {
      const page = await context.newPage();
      await page.setViewportSize(viewport);
      page.on('console', (message) => {
        if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) {
          cspViolations.push(message.text());
        }
      });
      return page;
    },
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
      if (!keepScreenshots) rmSync(screenshotDir, { recursive: true, force: true });
    },
  };
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** axe-core on the page as it is now: its serious and critical violations (none is the goal). */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate("'axe' in window"))) await page.evaluate(axeSource);
  const violations = (await page.evaluate(`
    axe.run(document, { resultTypes: ['violations'] }).then((result) =>
      result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.map((node) => node.target.join(' ')),
      })),
    )
  `)) as AxeViolation[];
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Saves `name`.png (docs/screenshots with ATTESTOR_SCREENSHOTS=1), the whole page. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true, animations: 'disabled' });
}

/**
 * The elements that reach past the right edge of the viewport (the user would scroll the page
 * sideways: not usable at that width), outside regions that scroll by themselves. Empty is the goal.
 */
export async function overflowing(page: Page): Promise<string[]> {
  return (await page.evaluate(`(() => {
    if (document.documentElement.scrollWidth <= window.innerWidth) return [];
    const scrollsItself = (el) => el.closest('.table-wrap') !== null && !el.classList.contains('table-wrap');
    return [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5 && !scrollsItself(el))
      .map((el) => el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : '') +
        ' ' + Math.round(el.getBoundingClientRect().right));
  })()`)) as string[];
}
