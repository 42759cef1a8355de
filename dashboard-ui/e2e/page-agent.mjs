// Drives headless Debian Chromium through playwright-core for DashboardIT (cli module): one JSON
// command a line on stdin, one JSON answer a line on stdout. The Java test holds the scenario (it
// also runs the CLI and kills processes); this script only does what a person does in the page.
// Never downloads a browser: /usr/bin/chromium (or $CHROMIUM), a fresh profile each run.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const profile = mkdtempSync(join(tmpdir(), 'fldash-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
  ignoreHTTPSErrors: true, // the cluster's own CA, which this fresh profile does not trust
  viewport: { width: 1400, height: 1600 },
});
const page = context.pages()[0] ?? await context.newPage();
let navigations = 0;
const consoleErrors = [];
page.on('framenavigated', frame => { if (frame === page.mainFrame()) navigations++; });
page.on('console', m => { if (m.type() === 'error') consoleErrors.push(m.text()); });
page.on('pageerror', e => consoleErrors.push(String(e)));

const byTestId = id => page.locator(`[data-testid="${id}"]`);

const commands = {
  // Chromium aborts a navigation with ERR_NETWORK_CHANGED when the host's interfaces change (other
  // tests add and remove namespaces and bridges): that says nothing about the page, so try again.
  async open({ url }) {
    for (let attempt = 1; ; attempt++) {
      try {
        await page.goto(url);
        return { url: page.url(), attempts: attempt };
      } catch (e) {
        if (attempt >= 5 || !String(e).includes('ERR_NETWORK_CHANGED')) throw e;
        await new Promise(r => setTimeout(r, 500));
      }
    }
  },
  async waitUrl({ suffix, timeout }) { await page.waitForURL(u => u.pathname.endsWith(suffix), { timeout }); return { url: page.url() }; },
  async waitText({ testid, text, timeout }) {
    await byTestId(testid).filter({ hasText: text }).first().waitFor({ timeout });
    return { text: await byTestId(testid).first().innerText() };
  },
  async waitGone({ selector, timeout }) { await page.locator(selector).first().waitFor({ state: 'detached', timeout }); return {}; },
  async text({ testid }) { return { text: await byTestId(testid).first().innerText() }; },
  async click({ testid }) { await byTestId(testid).first().click(); return {}; },
  async fill({ testid, value }) { await byTestId(testid).first().fill(value); return {}; },
  async mark() { await page.evaluate(() => { window.__flotillaMark = 42; }); return {}; },
  async marked() { return { marked: await page.evaluate(() => window.__flotillaMark === 42), navigations, consoleErrors }; },
  async screenshot({ path }) { await page.screenshot({ path, fullPage: true }); return { path }; },
  async quit() { return { quit: true }; },
};

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  let answer;
  let request = {};
  try {
    request = JSON.parse(line);
    answer = { ok: true, ...(await commands[request.cmd](request)) };
  } catch (e) {
    answer = { ok: false, error: String(e && e.message ? e.message : e).split('\n').slice(0, 6).join(' | ') };
  }
  process.stdout.write(JSON.stringify(answer) + '\n');
  if (request.cmd === 'quit') break;
}
await context.close();
rmSync(profile, { recursive: true, force: true });
