// End-to-end test of the web dashboard: the real `straits serve` with the demo
// world on a loopback port, driven by headless Chromium (Debian's) through
// playwright-core. Walks every page, requests a lease, approves it as
// compliance, finds it on the fleet timeline, and checks the static-file
// routes. Screenshots of every page go to --out.
//
//   node tests/web/e2e.mjs --straits build/dev/src/cli/straits --web-root web/dist \
//        --out build/dev/tests/web/web-e2e
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const source = path.resolve(here, '../..');
const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
const straits = path.resolve(args.straits ?? path.join(source, 'build/dev/src/cli/straits'));
const webRoot = path.resolve(args['web-root'] ?? path.join(source, 'web/dist'));
const out = path.resolve(args.out ?? path.join(source, 'build/web-e2e'));
const chromiumPath = args.chromium ?? process.env.CHROMIUM ?? '/usr/bin/chromium';
const { chromium } = createRequire(path.join(source, 'web/package.json'))('playwright-core');

const results = [];
function check(name, ok, detail = '') {
  results.push({ name, ok });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
}
function runStraits(db, ...rest) {
  const r = spawnSync(straits, ['--db', db, ...rest], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`straits ${rest.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout.trim();
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const db = path.join(out, 'straits.db');
const demo = (f) => path.join(source, 'data/demo', f);
const token = runStraits(db, 'init', '--quiet', '--token-name', 'e2e-admin');
runStraits(db, 'import', 'fleet', demo('world.toml'));
runStraits(db, 'import', 'lease-terms', demo('lease-terms.csv'));
runStraits(db, 'import', 'ratecards', demo('ratecards.csv'));
runStraits(db, 'import', 'usage', demo('usage.csv'));
runStraits(db, 'invoices', 'generate', '--period', '2026-10');
runStraits(db, 'import', 'fleet', path.join(here, 'namesake.toml'));
// An operator pack that makes training runs of 1e26 FLOP or more license_required.
runStraits(db, 'policy', 'import', path.join(source, 'tests/scenarios/data/packs/operator-license-training.toml'));
// One user per role, with a password for the browser's session login.
const users = {
  operator: ['olga', 'operator'],
  compliance: ['carla', 'compliance'],
  finance: ['fiona', 'finance'],
  tenant: ['tom', 'tenant', '--org', 'lumen-robotics'],
  auditor: ['aude', 'auditor'],
};
const password = 'correct horse battery staple';
for (const [name, role, ...rest] of Object.values(users)) {
  const r = spawnSync(straits, ['--db', db, 'users', 'add', name, '--role', role, ...rest, '--password-stdin'], {
    input: `${password}\n`,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`users add ${name}: ${r.stderr}`);
}

const server = spawn(straits, ['--db', db, 'serve', '--listen', '127.0.0.1:0', '--web-root', webRoot], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const killServer = () => server.exitCode === null && server.kill('SIGTERM');
process.on('exit', killServer);
const base = await new Promise((resolve, reject) => {
  let seen = '';
  const timer = setTimeout(() => reject(new Error(`straits serve did not start: ${seen}`)), 30_000);
  server.stdout.on('data', (chunk) => {
    seen += chunk;
    const m = /serving (http:\/\/\S+)/.exec(seen);
    if (m) {
      clearTimeout(timer);
      resolve(m[1]);
    }
  });
  server.on('exit', (code) => reject(new Error(`straits serve exited ${code}: ${seen}`)));
});
console.log(`serving ${base}`);

// The static-file routes.
{
  const index = await fetch(`${base}/`);
  const html = await index.text();
  check('GET / is the dashboard', index.status === 200 && html.includes('<main id="main"') && html.includes('/assets/') && index.headers.get('content-type').startsWith('text/html'));
  check('index.html forbids other origins', (index.headers.get('content-security-policy') ?? '').includes("default-src 'self'"));
  check('index.html is revalidated', index.headers.get('cache-control') === 'no-cache');
  const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  const asset = await fetch(`${base}${script}`);
  await asset.arrayBuffer();
  check('assets are JavaScript, cached for a year', asset.status === 200 && asset.headers.get('content-type').startsWith('text/javascript') && asset.headers.get('cache-control').includes('immutable'));
  const deep = await fetch(`${base}/leases`);
  check('an unknown page path gets index.html', deep.status === 200 && (await deep.text()) === html);
  const missing = await fetch(`${base}/missing.png`);
  check('a missing file is 404', missing.status === 404);
  for (const probe of ['/assets/..%2F..%2Fpackage.json', '/..%2Fpackage.json', '/%2e%2e/package.json', '/assets/.%2e/index.html', '/.gitignore']) {
    const r = await fetch(`${base}${probe}`);
    const body = await r.text();
    check(`no traversal: ${probe}`, r.status === 404 || (r.status === 200 && body === html), `status ${r.status}`);
  }
  const api = await fetch(`${base}/v1/nothing`);
  check('API paths keep JSON errors', api.status === 404 && api.headers.get('content-type').startsWith('application/json'));
  const v1 = await fetch(`${base}/v1`);
  check('/v1 is not the dashboard', v1.status === 404);
}

const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, acceptDownloads: true });
const page = await context.newPage();
const foreign = [];
const pageErrors = [];
page.on('request', (r) => {
  const url = r.url();
  if (!url.startsWith(base) && !url.startsWith('data:') && !url.startsWith('blob:')) foreign.push(url);
});
page.on('pageerror', (e) => pageErrors.push(String(e)));
page.setDefaultTimeout(15_000);
const shot = (name) => page.screenshot({ path: path.join(out, `${name}.png`), fullPage: true });
const settled = () => page.waitForFunction(() => !document.querySelector('.state.loading'));
async function step(name, body) {
  try {
    await body();
    check(name, true);
  } catch (error) {
    check(name, false, String(error).split('\n')[0]);
    await shot(`failed-${name.replace(/\W+/g, '-')}`).catch(() => {});
  }
}

// A second browser session, signed in with a password as `user`.
async function signIn(user) {
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const p = await ctx.newPage();
  p.setDefaultTimeout(15_000);
  await p.goto(`${base}/`);
  await p.locator('input[name=user]').fill(user);
  await p.locator('input[name=password]').fill(password);
  await p.getByRole('button', { name: 'Sign in' }).click();
  return { ctx, p };
}

await step('sign in with an API token, by keyboard', async () => {
  await page.goto(`${base}/`);
  await page.locator('input[name=token]').fill(token);
  await shot('login');
  await page.keyboard.press('Enter');
  await page.getByRole('link', { name: 'Fleet' }).waitFor();
});

await step('fleet page lists every site and GPUs by model', async () => {
  await page.goto(`${base}/#/fleet`);
  await settled();
  for (const site of ['cn-hangzhou-1', 'my-johor-1', 'sg-tuas-1', 'us-ashburn-1']) {
    await page.getByRole('cell', { name: site, exact: true }).first().waitFor();
  }
  await page.getByText('GPUs by model').first().waitFor();
  await shot('fleet');
});

let leaseId = '';
let leaseSite = '';
await step('request a lease from the form', async () => {
  await page.goto(`${base}/#/leases`);
  await settled();
  const form = page.getByTestId('request-form');
  // A tenant whose parent is headquartered in CN: the May 2025 guidance asks
  // for due diligence, so the lease waits for a compliance officer.
  await form.getByLabel('Tenant').fill('qiantang-sg');
  await form.getByLabel('GPUs').fill('8');
  await form.getByLabel('Accelerators').fill('h100-sxm');
  await form.getByRole('button', { name: 'Request' }).click();
  const result = page.getByTestId('request-result');
  await result.waitFor();
  leaseId = (await result.getByRole('link').first().textContent()).trim();
  const text = await result.textContent();
  if (!/Pending review/.test(text)) throw new Error(`expected a lease pending review, got: ${text}`);
  await result.locator('.rules li').first().waitFor();
  await shot('leases-request');
});

await step('quote form shows every option with its verdict and reasons', async () => {
  const form = page.getByTestId('quote-form');
  await form.getByLabel('Tenant').fill('beihai-vision');
  await form.getByRole('button', { name: 'Quote' }).click();
  await form.getByRole('heading', { name: 'Options' }).waitFor();
  const rows = await form.locator('tbody tr').count();
  if (rows < 2) throw new Error(`expected several options, got ${rows}`);
  await shot('leases-quote');
});

await step('lease detail shows the decision with citations', async () => {
  await page.goto(`${base}/#/leases/${encodeURIComponent(leaseId)}`);
  const detail = page.getByTestId('lease-detail');
  await detail.waitFor();
  await detail.getByText('iaas-training-due-diligence').first().waitFor();
  await detail.locator('.citation').first().waitFor();
  await detail.getByTestId('lease-execution').getByText('Simulated backend').waitFor();
  // Requested a moment ago, so not metered yet.
  await detail.getByTestId('lease-usage').getByText('No usage recorded yet').waitFor();
  leaseSite = (await detail.locator('dd a[href^="#/fleet/"]').first().textContent()).trim();
  await shot('lease-detail');
});

await step('approve the lease as compliance', async () => {
  await page.goto(`${base}/#/compliance`);
  const item = page.locator(`li[data-lease="${leaseId}"]`);
  await item.waitFor();
  await shot('compliance');
  await item.getByLabel('Reason').fill('Diligence done: robotics training, no D:5 party');
  await item.getByRole('button', { name: 'Approve' }).click();
  const result = page.getByTestId('review-result');
  await result.waitFor();
  const text = await result.textContent();
  if (!/Scheduled|Active|waiting for a second/.test(text)) throw new Error(`after approval: ${text}`);
  await shot('compliance-approved');
});

// A license_required lease takes two compliance officers: carla approves with
// the licence number (held, not applied), the admin confirms it.
await step('a license_required lease is approved by two compliance officers', async () => {
  await page.goto(`${base}/#/leases`);
  await settled();
  const form = page.getByTestId('request-form');
  await form.getByLabel('Tenant').fill('lumen-robotics');
  await form.getByLabel('GPUs').fill('8');
  await form.getByLabel('Accelerators').fill('h100-sxm');
  await form.getByLabel('Training compute (FLOP)').fill('2e26');
  await form.getByRole('button', { name: 'Request' }).click();
  const result = page.getByTestId('request-result');
  await result.waitFor();
  const id = (await result.getByRole('link').first().textContent()).trim();
  await result.locator('.rules li').first().waitFor();
  const requested = await result.textContent();
  if (!/Pending review/.test(requested) || !/very-large-training-license/.test(requested)) throw new Error(`expected a license_required lease pending review, got: ${requested}`);
  const { ctx, p } = await signIn(users.compliance[0]);
  try {
    await p.getByRole('link', { name: 'Compliance', exact: true }).click();
    const first = p.locator(`li[data-lease="${id}"]`);
    await first.waitFor();
    // The queue shows why the lease waits: the rule that fired, with its citation.
    await first.getByText('very-large-training-license').first().waitFor();
    await first.locator('.citation').first().waitFor();
    await first.getByLabel('Reason').fill('Export licence checked against the end-use statement');
    await first.getByLabel('License or permit').fill('EX-2026-0042');
    await first.getByRole('button', { name: 'Approve' }).click();
    const proposed = await first.getByTestId('review-result').textContent();
    if (!/Pending review/.test(proposed) || !/waiting for a second compliance officer/.test(proposed)) throw new Error(`first officer: ${proposed}`);
    await p.screenshot({ path: path.join(out, 'license-first-approval.png'), fullPage: true });
  } finally {
    await ctx.close();
  }
  await page.goto(`${base}/#/compliance`);
  const second = page.locator(`li[data-lease="${id}"]`);
  await second.waitFor();
  // The second officer sees whose approval they confirm.
  await second.getByTestId('pending-approval').getByText('Approved by carla').waitFor();
  await second.getByLabel('Reason').fill('Confirmed: licence on file');
  await second.getByLabel('License or permit').fill('EX-2026-0042');
  await second.getByRole('button', { name: 'Approve' }).click();
  const confirmed = await second.getByTestId('review-result').textContent();
  if (!/Scheduled|Active/.test(confirmed)) throw new Error(`second officer: ${confirmed}`);
  await shot('license-confirmed');
  const lease = await (await fetch(`${base}/v1/leases/${encodeURIComponent(id)}`, { headers: { authorization: `Bearer ${token}` } })).json();
  if (lease.license !== 'EX-2026-0042' || !/approved by carla/.test(lease.reason) || !/confirmed by e2e-admin/.test(lease.reason)) throw new Error(`approved lease: ${JSON.stringify(lease).slice(0, 300)}`);
});

await step('the approved lease is on the fleet timeline', async () => {
  await page.goto(`${base}/#/fleet/${encodeURIComponent(leaseSite)}`);
  const timeline = page.getByTestId('site-timeline');
  await timeline.waitFor();
  await timeline.getByRole('link', { name: leaseId, exact: true }).waitFor();
  await timeline.locator('canvas').first().waitFor();
  await shot('fleet-timeline');
});

await step('revenue page: attribution, reconciliation and invoices', async () => {
  await page.goto(`${base}/#/revenue?by=hq`);
  await settled();
  await page.getByRole('heading', { name: /Headquarters country, per quarter/i }).waitFor();
  await page.getByRole('heading', { name: /Billing country → headquarters country/ }).waitFor();
  await page.getByRole('heading', { name: 'Invoices' }).waitFor();
  await shot('revenue');
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'CSV' }).first().click();
  const file = await download;
  if (!file.suggestedFilename().endsWith('.csv')) throw new Error(`download ${file.suggestedFilename()}`);
  const invoice = page.locator('a[href^="#/revenue/invoices/"]').first();
  await invoice.click();
  await page.getByRole('heading', { name: 'Lines' }).waitFor();
  await shot('invoice');
});

await step('audit page: log with search and an intact chain', async () => {
  await page.goto(`${base}/#/audit?q=${encodeURIComponent(leaseId)}`);
  await page.getByTestId('audit-verify').getByText('Intact').first().waitFor();
  await settled();
  const rows = await page.locator('tbody tr').count();
  if (rows < 1) throw new Error('no audit entry names the lease');
  await shot('audit');
});

// Each role signs in with its password (an HttpOnly session cookie) in a
// fresh browser context, sees the pages its role may use and no others, and
// every page it sees loads without an error.
const pagesOf = {
  operator: ['Fleet', 'Leases'],
  compliance: ['Fleet', 'Leases', 'Compliance', 'Audit'],
  finance: ['Leases', 'Revenue'],
  tenant: ['Fleet', 'Leases', 'Revenue'],
  auditor: ['Fleet', 'Leases', 'Compliance', 'Revenue', 'Audit'],
};
const allPages = ['Fleet', 'Leases', 'Compliance', 'Revenue', 'Audit'];
for (const [role, [user]] of Object.entries(users)) {
  await step(`${role} signs in with a password and walks its pages`, async () => {
    const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const p = await ctx.newPage();
    p.setDefaultTimeout(15_000);
    const errors = [];
    p.on('pageerror', (e) => errors.push(String(e)));
    try {
      await p.goto(`${base}/`);
      await p.locator('input[name=user]').fill(user);
      await p.locator('input[name=password]').fill(password);
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.getByRole('link', { name: pagesOf[role][0], exact: true }).waitFor();
      const cookies = await ctx.cookies();
      if (!cookies.some((c) => c.httpOnly && c.sameSite !== 'None')) throw new Error('no HttpOnly, SameSite session cookie');
      const nav = p.locator('nav');
      for (const title of allPages) {
        const shown = (await nav.getByRole('link', { name: title, exact: true }).count()) > 0;
        if (shown !== pagesOf[role].includes(title)) throw new Error(`${title} ${shown ? 'shown' : 'hidden'} for ${role}`);
      }
      for (const title of pagesOf[role]) {
        await nav.getByRole('link', { name: title, exact: true }).click();
        await p.waitForFunction(() => !document.querySelector('.state.loading'));
        const failed = await p.locator('.state.error').count();
        if (failed) throw new Error(`${title}: ${await p.locator('.state.error').first().textContent()}`);
        await p.screenshot({ path: path.join(out, `role-${role}-${title.toLowerCase()}.png`), fullPage: true });
      }
      if (role === 'tenant') {
        // Another organization's lease by its address: not found, as if it did not exist.
        await p.goto(`${base}/#/leases/${encodeURIComponent(leaseId)}`);
        await p.waitForFunction(() => !document.querySelector('.state.loading'));
        const text = await p.locator('#main').textContent();
        if (!/not_found/.test(text) || text.includes('qiantang-sg')) throw new Error(`another tenant's lease: ${text.slice(0, 200)}`);
        await p.screenshot({ path: path.join(out, 'role-tenant-foreign-lease.png'), fullPage: true });
      }
      if (errors.length) throw new Error(errors.join(' | '));
    } finally {
      await ctx.close();
    }
  });
}

// Clearing a screening match takes two compliance officers: carla proposes
// (held, not applied), the admin confirms; then the match leaves the queue.
await step('a screening match is cleared under dual control', async () => {
  const { ctx, p } = await signIn(users.compliance[0]);
  try {
    await p.getByRole('link', { name: 'Compliance', exact: true }).click();
    const first = p.locator('li[data-party="zhipu-namesake-sg"]');
    await first.waitFor();
    await first.getByLabel('Reason').fill('Singapore company registered 2019, no relation to the listed Beijing firm');
    await first.getByRole('button', { name: 'Clear' }).click();
    const proposed = await first.getByTestId('clear-result').textContent();
    if (!/waiting for a second compliance officer/.test(proposed)) throw new Error(`first officer: ${proposed}`);
    await p.screenshot({ path: path.join(out, 'screening-proposed.png'), fullPage: true });
  } finally {
    await ctx.close();
  }
  await page.setViewportSize({ width: 1366, height: 900 });
  await page.goto(`${base}/#/compliance`);
  const second = page.locator('li[data-party="zhipu-namesake-sg"]');
  await second.waitFor();
  await second.getByLabel('Reason').fill('Confirmed: registry extract on file');
  await second.getByRole('button', { name: 'Clear' }).click();
  const cleared = await second.getByTestId('clear-result').textContent();
  if (!/Cleared by carla, e2e-admin/.test(cleared)) throw new Error(`second officer: ${cleared}`);
  await shot('screening-cleared');
  await page.reload();
  await page.getByTestId('screening-matches').waitFor();
  await settled();
  if ((await page.locator('li[data-party="zhipu-namesake-sg"]').count()) !== 0) throw new Error('the cleared match is still in the queue');
});

await step('works on a phone screen', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${base}/#/leases`);
  await settled();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 2) throw new Error(`the page is ${overflow}px wider than the screen`);
  await shot('phone-leases');
});

check('no request left the Straits origin', foreign.length === 0, foreign.slice(0, 3).join(', '));
check('no script error on any page', pageErrors.length === 0, pageErrors.slice(0, 3).join(' | '));

await browser.close();
killServer();
const failed = results.filter((r) => !r.ok).length;
console.log(`screenshots in ${out}`);
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
