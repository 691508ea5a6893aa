// The DNS Zones page (php/public/zones.php) in a real browser: Debian's
// headless Chromium (/usr/bin/chromium) driven by playwright-core, against
// the real admin API served by `php -S`, with a private PowerDNS and the fake
// Cloudflare and HestiaCP on 127.0.0.1 behind it.
//
//   cd tests/browser && npm ci && PUQ_DNS_SO=/abs/libpuq_dns.so node --test zones.test.mjs
//
// Everything binds to 127.0.0.1; the browser may only reach the page's own
// origin (any other request is aborted and fails the test). Screenshots go
// to target/browser-artifacts/ (BROWSER_ARTIFACTS overrides).
//
// The steps run in order and share one browser page: an admin signs in,
// adds one zone per provider, tests them, edits, replaces a secret, meets
// the validation, deletes. What the page shows is checked against what the
// providers and the database really hold. Then the same page embedded in a
// simulated WHMCS admin area (whmcs-sim.php: session + CSRF token), and last
// a sweep of every response the browser received for secrets.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { run, repo, so, artifacts, freePort, startPdns as startPdnsWith, stopPdns, startBind, stopBind, launchBrowser } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));

// Distinctive secrets, so that any leak is easy to find in what the browser saw.
const ADMIN_TOKEN = 'adminTok-Br0wser-SeCrEt-5510-abcdef';
const CF_TOKEN = 'cfTok-Br0wser-SeCrEt-1234';
const HESTIA_PASSWORD = 'hestiaPw-Br0wser-SeCrEt-5678';
const WRONG_PDNS_KEY = 'wrongKey-Br0wser-SeCrEt-9012';
const WRONG_TSIG_SECRET = 'd3JvbmctdHNpZy1zZWNyZXQtb2YtdGhlLWJyb3dzZXI=';
const UNCHANGED = '(unchanged – enter new to replace)';

const tmp = mkdtempSync(join(tmpdir(), 'puq-dns-browser-'));
const db = join(tmp, 'zones.sqlite');
const keyFile = join(tmp, 'keys/secret.key');
const children = [];
const env = {}; // pdns, cloudflare, hestia, base
let browser;
let context;
let page;
const bodies = []; // every response the browser received: url, status, headers, body
const pendingBodies = [];
const blocked = [];
const pageErrors = []; // script errors and console errors of the page
let expectedNetworkFailures = 0;

// ---- processes ---------------------------------------------------------------

/** A fake provider server: python3 SCRIPT prints PORT=<n> first. */
function startFake(script) {
  return new Promise((ok, fail) => {
    const child = spawn('python3', [join(repo, 'tests/fakes', script)], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => fail(new Error(`${script} printed no PORT: ${stderr}`)), 10000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      const m = /^PORT=(\d+)$/.exec(line.trim());
      if (m) { ok(Number(m[1])); } else { fail(new Error(`${script}: ${line} ${stderr}`)); }
    });
    child.once('exit', (code) => fail(new Error(`${script} exited ${code}: ${stderr}`)));
  });
}

async function control(port, method, path, body) {
  const response = await fetch(`http://127.0.0.1:${port}/__control${path}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert.equal(response.status, 200, `control ${method} ${path}: ${text}`);
  return JSON.parse(text);
}

function startPdns() {
  return startPdnsWith(join(tmp, 'pdns'), ['pdns.example', '130.168.192.in-addr.arpa']);
}

/** `php -S` on a free loopback port serving php/public, optionally through a router script. */
async function startPhp(name, environment, router, probe) {
  const port = await freePort();
  const log = join(tmp, `${name}.log`);
  const args = ['-d', `extension=${so}`, '-d', 'display_errors=0', '-d', 'log_errors=1',
    '-d', `error_log=${log}`, '-S', `127.0.0.1:${port}`, '-t', join(repo, 'php/public')];
  if (router) { args.push(router); }
  const child = spawn('php', args, { stdio: ['ignore', 'ignore', 'ignore'], env: { ...environment, PATH: process.env.PATH } });
  children.push(child);
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(`${base}${probe}`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
      if (r.status === 200) { return { base, log }; }
    } catch { /* not yet listening */ }
    await new Promise((ok) => setTimeout(ok, 50));
  }
  throw new Error(`php -S (${name}) did not start: ${existsSync(log) ? readFileSync(log, 'utf8') : ''}`);
}

/** The standalone mode: zones.php and zones-api.php with a config (SQLite, sodium key, admin token). */
async function startStandalone() {
  const config = join(tmp, 'config.php');
  // The settings as JSON beside a config that decodes them: no PHP quoting to get wrong.
  writeFileSync(join(tmp, 'config.json'), JSON.stringify({
    db: { dsn: `sqlite:${db}` }, sodium_key_file: keyFile, admin_token: ADMIN_TOKEN,
  }));
  writeFileSync(config, "<?php\nreturn json_decode(file_get_contents(__DIR__ . '/config.json'), true, 8, JSON_THROW_ON_ERROR);\n");
  return startPhp('standalone', { PUQ_DNS_CONFIG: config }, null, '/zones-api.php?action=list');
}

/** The page inside a simulated WHMCS admin area (whmcs-sim.php), with its own database. */
async function startWhmcs() {
  return startPhp('whmcs', { PUQ_DNS_SIM_DB: join(tmp, 'whmcs.sqlite'), PUQ_DNS_SIM_KEY: join(tmp, 'keys/whmcs.key') },
    join(here, 'whmcs-sim.php'), '/admin/addonmodules.php?module=puq_dns');
}

/** What the zones table holds for a secret, decrypted with the sodium key. */
async function storedSecret(id, column) {
  const { stdout } = await run('php', ['-d', `extension=${so}`, join(here, 'stored-secret.php'), db, keyFile, String(id), column]);
  return stdout;
}

/** The admin API called directly (not through the browser): for seeding and read-backs. */
async function adminApi(action, { method = 'GET', id, fields } = {}) {
  const url = new URL(`${env.base}/zones-api.php`);
  url.searchParams.set('action', action);
  if (id !== undefined) { url.searchParams.set('id', String(id)); }
  const r = await fetch(url, {
    method,
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
    body: fields ? JSON.stringify(fields) : undefined,
  });
  return { status: r.status, body: await r.json() };
}

// ---- page helpers -------------------------------------------------------------

async function shot(name) {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}

function rowOf(zone) {
  return page.locator('.pdz-table tbody tr').filter({
    has: page.locator('.pdz-zone-name', { hasText: new RegExp(`^${zone.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`) }),
  });
}

async function idOf(zone) {
  return Number(await rowOf(zone).getAttribute('data-zone-id'));
}

async function clearToasts() {
  await page.evaluate(() => document.querySelectorAll('.pdz-toast').forEach((t) => t.remove()));
}

/** Waits for the next toast: {ok, text}. */
async function nextToast() {
  const toast = page.locator('.pdz-toast').first();
  await toast.waitFor({ state: 'visible', timeout: 20000 });
  const ok = (await toast.getAttribute('class')).includes('pdz-toast-ok');
  return { ok, text: await toast.locator('.pdz-toast-text').textContent() };
}

async function addZone(fields, { advanced = {}, screenshot } = {}) {
  await page.click('.pdz-add');
  await page.locator('.pdz-form').waitFor({ state: 'visible' });
  assert.equal(await page.textContent('#pdz-form-title'), 'Add DNS Zone');
  await page.selectOption('#pdz-f-type', fields.type);
  await page.fill('#pdz-f-zone', fields.zone);
  for (const [name, value] of Object.entries(fields)) {
    if (name !== 'type' && name !== 'zone') { await page.fill(`#pdz-f-${fields.type}-${name}`, value); }
  }
  if (Object.keys(advanced).length) {
    await page.click('.pdz-advanced summary');
    for (const [id, value] of Object.entries(advanced)) { await page.fill(`#pdz-f-${id}`, value); }
  }
  if (screenshot) { await shot(screenshot); }
  await clearToasts();
  await page.click('.pdz-save');
  const toast = await nextToast();
  assert.deepEqual(toast, { ok: true, text: `${fields.zone} added.` });
  await rowOf(fields.zone).waitFor();
  assert.equal(await page.isVisible('.pdz-form'), false);
}

/** Presses the row's Test and returns the toast. */
async function testRow(zone) {
  await clearToasts();
  await rowOf(zone).locator('.pdz-test').click();
  return nextToast();
}

async function openEdit(zone) {
  await rowOf(zone).locator('.pdz-edit').click();
  await page.locator('.pdz-form').waitFor({ state: 'visible' });
}

async function saveForm(expectedToast) {
  await clearToasts();
  await page.click('.pdz-save');
  assert.deepEqual(await nextToast(), { ok: true, text: expectedToast });
  await page.locator('.pdz-form').waitFor({ state: 'hidden' });
}

// ---- setup --------------------------------------------------------------------

/**
 * A browser context that may reach only the two php -S origins (anything
 * else is aborted and recorded), and keeps every response it receives.
 */
async function watchedContext() {
  const allowed = new Set([env.base, env.whmcs.base]);
  const ctx = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  await ctx.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (allowed.has(url.origin)) { return route.continue(); }
    blocked.push(url.href);
    return route.abort();
  });
  ctx.on('response', (response) => {
    pendingBodies.push(response.text().then(
      (body) => bodies.push({ url: response.url(), status: response.status(), headers: response.headers(), body }),
      () => bodies.push({ url: response.url(), status: response.status(), headers: response.headers(), body: '' }),
    ));
  });
  return ctx;
}

function watchPage(p) {
  p.on('pageerror', (error) => pageErrors.push(String(error)));
  p.on('console', (message) => {
    // Chromium logs every 4xx answer; the refused sign-in and saves are expected ones.
    if (message.type() !== 'error' || message.text().startsWith('Failed to load resource: the server responded with a status of 4')) {
      return;
    }
    if (message.text() === 'Failed to load resource: net::ERR_FAILED' && expectedNetworkFailures > 0) {
      expectedNetworkFailures--; // a step that makes a request fail on purpose
      return;
    }
    pageErrors.push(message.text());
  });
  return p;
}

before(async () => {
  assert.ok(existsSync(so), `the extension ${so} is not built (cargo build --release)`);
  mkdirSync(artifacts, { recursive: true });
  const [pdns, bind, cfPort, hestiaPort] = await Promise.all([startPdns(), startBind(join(tmp, 'bind'), ['bind.example']),
    startFake('cloudflare.py'), startFake('hestia.py')]);
  env.pdns = pdns;
  env.bind = bind;

  env.cf = { port: cfPort, apiUrl: `http://127.0.0.1:${cfPort}/client/v4`, account: '0123456789abcdef0123456789abcdef' };
  env.cf.zoneId = 'c0ffee00c0ffee00c0ffee00c0ffee00';
  await control(cfPort, 'POST', '/tokens', { token: CF_TOKEN, zones: '*' });
  await control(cfPort, 'POST', '/zones', { id: env.cf.zoneId, name: 'cf.example', account_id: env.cf.account });

  env.hestia = { port: hestiaPort, url: `http://127.0.0.1:${hestiaPort}/` };
  await control(hestiaPort, 'POST', '/admin', { user: 'admin', password: HESTIA_PASSWORD });
  await control(hestiaPort, 'POST', '/domains', { user: 'alice', domain: 'hestia.example' });

  const [standalone, whmcs] = await Promise.all([startStandalone(), startWhmcs()]);
  Object.assign(env, standalone);
  env.whmcs = whmcs;

  browser = await launchBrowser();
  context = await watchedContext();
  page = watchPage(await context.newPage());
});

after(async () => {
  try {
    if (page) { await page.screenshot({ path: join(artifacts, 'zz-last.png'), fullPage: true }).catch(() => {}); }
    if (browser) { await browser.close(); }
  } finally {
    for (const child of children) { child.kill('SIGKILL'); }
    await stopPdns(env.pdns);
    await stopBind(env.bind);
    if (process.env.KEEP_BROWSER_TMP) {
      console.log(`kept ${tmp}`);
    } else {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
});

// ---- the scenario ------------------------------------------------------------------

test('the page asks for the admin token and keeps it out of the URL', async () => {
  const response = await page.goto(`${env.base}/zones.php`);
  const headers = response.headers();
  assert.match(headers['content-security-policy'], /script-src 'self'/);
  assert.equal(headers['referrer-policy'], 'no-referrer');
  await page.locator('.pdz-login').waitFor({ state: 'visible' });
  assert.equal(await page.isVisible('.pdz-main'), false);

  await page.fill('#pdz-admin-token', 'not-the-token-0123456789');
  await page.click('.pdz-login button[type=submit]');
  await page.locator('#pdz-login-error').waitFor({ state: 'visible' });
  assert.equal(await page.textContent('#pdz-login-error'), 'the admin token is wrong');
  await shot('01-login-refused');

  await page.fill('#pdz-admin-token', ADMIN_TOKEN);
  await page.click('.pdz-login button[type=submit]');
  await page.locator('.pdz-main').waitFor({ state: 'visible' });
  assert.equal(await page.isVisible('.pdz-empty'), true);
  assert.equal(await page.inputValue('#pdz-admin-token'), '');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('puqDnsAdminToken')), ADMIN_TOKEN);
  assert.ok(!page.url().includes(ADMIN_TOKEN));

  // A reload stays signed in (same tab), without asking again.
  await page.reload();
  await page.locator('.pdz-main').waitFor({ state: 'visible' });
});

test('the form shows the fields of the provider chosen in Type', async () => {
  await page.click('.pdz-add');
  const visible = async () => page.$$eval('.pdz-form input[name], .pdz-form select[name], .pdz-form textarea[name]',
    (inputs) => inputs.filter((i) => i.offsetParent !== null && !i.closest('details:not([open])'))
      .map((i) => document.querySelector(`label[for="${i.id}"]`).firstChild.textContent.trim()));
  await page.selectOption('#pdz-f-type', 'cloudflare');
  assert.deepEqual(await visible(), ['Type', 'Zone', 'Account ID', 'Zone ID', 'API Token']);
  await page.selectOption('#pdz-f-type', 'hestiacp');
  assert.deepEqual(await visible(), ['Type', 'Zone', 'Server URL', 'Admin User', 'Admin Password', 'User']);
  await page.selectOption('#pdz-f-type', 'powerdns');
  assert.deepEqual(await visible(), ['Type', 'Zone', 'Server URL', 'API Key']);
  await page.selectOption('#pdz-f-type', 'rfc2136');
  assert.deepEqual(await visible(), ['Type', 'Zone', 'Server', 'TSIG Key Name', 'TSIG Secret']);
  // Advanced: the provider's own, then TTL, and the TLS switches only where there is TLS.
  await page.click('.pdz-advanced summary');
  assert.deepEqual(await visible(), ['Type', 'Zone', 'Server', 'TSIG Key Name', 'TSIG Secret',
    'TSIG Algorithm', 'Timeout (seconds)', 'Send unsigned updates', 'TTL (seconds)']);
  await page.selectOption('#pdz-f-type', 'powerdns');
  assert.deepEqual(await visible(), ['Type', 'Zone', 'Server URL', 'API Key', 'Server ID', 'TTL (seconds)',
    'Verify the server\'s TLS certificate', 'CA certificate (PEM)']);
  await page.click('.pdz-advanced summary');
  await page.click('.pdz-cancel');
});

test('client-side validation names the field and sends nothing', async () => {
  await page.click('.pdz-add');
  await page.selectOption('#pdz-f-type', 'powerdns');
  await page.fill('#pdz-f-zone', 'bad zone.example');
  await page.fill('#pdz-f-powerdns-server_url', 'ftp://127.0.0.1/');
  const before = bodies.length + pendingBodies.length;
  await page.click('.pdz-save');
  assert.equal(await page.textContent('#pdz-f-zone-error'), 'Zone: a DNS name cannot hold spaces.');
  assert.equal(await page.textContent('#pdz-f-powerdns-server_url-error'), 'Server URL must start with http:// or https://.');
  assert.equal(await page.textContent('#pdz-f-powerdns-api_key-error'), 'API Key is required.');
  assert.equal(await page.getAttribute('#pdz-f-zone', 'aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'pdz-f-zone');
  assert.equal(bodies.length + pendingBodies.length, before, 'no request for a form the page already refused');
  await shot('02-validation-client');
  await page.click('.pdz-cancel');
});

test('a zone of each provider is added, with a provider badge, and reverse zones show their range', async () => {
  await addZone({ type: 'powerdns', zone: 'pdns.example', server_url: env.pdns.url, api_key: env.pdns.key },
    { screenshot: '03-form-powerdns' });
  await addZone({ type: 'cloudflare', zone: 'cf.example', account_id: env.cf.account, zone_id: env.cf.zoneId, api_token: CF_TOKEN },
    { advanced: { 'cloudflare-api_url': env.cf.apiUrl } });
  await addZone({ type: 'hestiacp', zone: 'hestia.example', server_url: env.hestia.url, admin_user: 'admin',
    admin_password: HESTIA_PASSWORD, user: 'alice' }, { screenshot: '04-form-hestiacp' });
  await addZone({ type: 'powerdns', zone: '130.168.192.in-addr.arpa', server_url: env.pdns.url, api_key: env.pdns.key });

  // Two more reverse zones straight through the API: the list shows any kind.
  for (const zone of ['8.b.d.0.1.0.0.2.ip6.arpa', '0/26.2.0.192.in-addr.arpa']) {
    const r = await adminApi('create', { method: 'POST', fields: { zone, type: 'PowerDNS', server_url: env.pdns.url, api_key: env.pdns.key } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  await page.reload();
  await rowOf('0/26.2.0.192.in-addr.arpa').waitFor();

  const rows = await page.$$eval('.pdz-table tbody tr', (trs) => trs.map((tr) => ({
    id: tr.querySelector('.pdz-id').textContent,
    zone: tr.querySelector('.pdz-zone-name').textContent,
    range: tr.querySelector('.pdz-range')?.textContent ?? null,
    badge: tr.querySelector('.pdz-badge').textContent,
    buttons: [...tr.querySelectorAll('button')].map((b) => b.textContent),
  })));
  const listed = (await adminApi('list')).body.zones;
  assert.deepEqual(rows, listed.map((z) => ({
    id: String(z.id), zone: z.zone, range: z.range, badge: { powerdns: 'PowerDNS', cloudflare: 'Cloudflare', hestiacp: 'HestiaCP' }[z.type],
    buttons: ['Test', 'Edit', 'Delete'],
  })));
  assert.deepEqual(rows.map((r) => [r.zone, r.badge, r.range]), [
    ['pdns.example', 'PowerDNS', null],
    ['cf.example', 'Cloudflare', null],
    ['hestia.example', 'HestiaCP', null],
    ['130.168.192.in-addr.arpa', 'PowerDNS', '192.168.130.0/24'],
    ['8.b.d.0.1.0.0.2.ip6.arpa', 'PowerDNS', '2001:db8::/32'],
    ['0/26.2.0.192.in-addr.arpa', 'PowerDNS', '192.0.2.0/26'],
  ]);
  await shot('05-list');

  // The secrets were stored as typed (sealed).
  assert.equal(await storedSecret(await idOf('pdns.example'), 'api_key'), env.pdns.key);
  assert.equal(await storedSecret(await idOf('cf.example'), 'api_token'), CF_TOKEN);
  assert.equal(await storedSecret(await idOf('hestia.example'), 'admin_password'), HESTIA_PASSWORD);
});

test('Test shows a spinner, then a green toast for each reachable, authorised zone', async () => {
  // A slow provider, so the spinner can be seen.
  await control(env.cf.port, 'POST', '/faults', { latency_ms: 800 });
  await clearToasts();
  const button = rowOf('cf.example').locator('.pdz-test');
  await button.click();
  await button.locator('.pdz-spinner').waitFor({ state: 'visible', timeout: 2000 });
  assert.equal(await button.isDisabled(), true);
  assert.equal(await button.getAttribute('aria-busy'), 'true');
  const cf = await nextToast();
  await control(env.cf.port, 'POST', '/faults', { reset: true });
  assert.equal(await button.locator('.pdz-spinner').count(), 0);
  assert.equal(await button.isDisabled(), false);
  assert.equal(cf.ok, true, cf.text);
  assert.match(cf.text, /^cf\.example: .+ \(\d+ ms\)$/);
  await shot('06-toast-ok');

  for (const zone of ['pdns.example', 'hestia.example', '130.168.192.in-addr.arpa']) {
    const toast = await testRow(zone);
    assert.equal(toast.ok, true, toast.text);
    assert.ok(toast.text.startsWith(`${zone}: `), toast.text);
  }
  // Test connection in the form checks what is typed, before anything is saved.
  await page.click('.pdz-add');
  await page.selectOption('#pdz-f-type', 'cloudflare');
  await page.fill('#pdz-f-zone', 'cf.example');
  await page.fill('#pdz-f-cloudflare-account_id', env.cf.account);
  await page.fill('#pdz-f-cloudflare-zone_id', env.cf.zoneId);
  await page.fill('#pdz-f-cloudflare-api_token', 'not-a-known-token-123');
  await page.click('.pdz-advanced summary');
  await page.fill('#pdz-f-cloudflare-api_url', env.cf.apiUrl);
  await clearToasts();
  await page.click('.pdz-form-test');
  const unsaved = await nextToast();
  assert.deepEqual([unsaved.ok, unsaved.text.replace(/ \(\d+ ms\)$/, '')], [false, 'cf.example: HTTP 403: 9109 Invalid access token']);
  assert.equal(await page.isVisible('.pdz-form'), true, 'the form stays open');
  assert.equal(await page.inputValue('#pdz-f-cloudflare-api_token'), 'not-a-known-token-123');
  await page.click('.pdz-cancel');
  assert.equal((await adminApi('list')).body.zones.length, 6, 'nothing was saved');

  // In the edit form, an untouched secret is the stored one.
  await openEdit('hestia.example');
  await clearToasts();
  await page.click('.pdz-form-test');
  const kept = await nextToast();
  assert.equal(kept.ok, true, kept.text);
  await page.click('.pdz-cancel');

  // The toast says what the API says.
  const direct = (await adminApi('test', { method: 'POST', id: await idOf('pdns.example') })).body.test;
  assert.equal(direct.ok, true);
  const toast = await testRow('pdns.example');
  assert.equal(toast.text.replace(/ \(\d+ ms\)$/, ''), `pdns.example: ${direct.message}`);
});

test('editing without touching a secret keeps it; a wrong zone id gives a red toast with Cloudflare\'s words', async () => {
  const id = await idOf('cf.example');
  await openEdit('cf.example');
  assert.equal(await page.textContent('#pdz-form-title'), `Edit DNS Zone cf.example (ID ${id})`);
  assert.equal(await page.inputValue('#pdz-f-type'), 'cloudflare');
  assert.equal(await page.inputValue('#pdz-f-zone'), 'cf.example');
  assert.equal(await page.inputValue('#pdz-f-cloudflare-zone_id'), env.cf.zoneId);
  assert.equal(await page.inputValue('#pdz-f-cloudflare-api_token'), '');
  assert.equal(await page.getAttribute('#pdz-f-cloudflare-api_token', 'placeholder'), UNCHANGED);
  assert.equal(await page.getAttribute('#pdz-f-cloudflare-api_token', 'type'), 'password');
  assert.ok(!(await page.content()).includes(CF_TOKEN));
  await shot('07-form-edit');

  const missing = 'deadbeefdeadbeefdeadbeefdeadbeef';
  await page.fill('#pdz-f-cloudflare-zone_id', missing);
  await saveForm('cf.example saved.');
  assert.equal(await storedSecret(id, 'api_token'), CF_TOKEN, 'the token left empty is kept');

  const red = await testRow('cf.example');
  assert.equal(red.ok, false);
  assert.equal(red.text.replace(/ \(\d+ ms\)$/, ''),
    `cf.example: HTTP 404: 7003 Could not route to /zones/${missing}, perhaps your object identifier is invalid?`);
  await shot('08-toast-error-cloudflare');

  await openEdit('cf.example');
  await page.fill('#pdz-f-cloudflare-zone_id', env.cf.zoneId);
  await saveForm('cf.example saved.');
  assert.equal((await testRow('cf.example')).ok, true, 'the kept token still works');
});

test('replacing a secret stores the new one; a wrong PowerDNS key gives a red toast with PowerDNS\'s words', async () => {
  const id = await idOf('pdns.example');
  await openEdit('pdns.example');
  assert.equal(await page.inputValue('#pdz-f-powerdns-api_key'), '');
  assert.equal(await page.getAttribute('#pdz-f-powerdns-api_key', 'placeholder'), UNCHANGED);
  await page.click('.pdz-advanced summary');
  await page.fill('#pdz-f-ttl', '120');
  await saveForm('pdns.example saved.');
  assert.equal(await storedSecret(id, 'api_key'), env.pdns.key, 'an untouched key is kept');
  assert.equal((await adminApi('get', { id })).body.zone.ttl, 120);
  assert.equal((await testRow('pdns.example')).ok, true);

  await openEdit('pdns.example');
  assert.equal(await page.inputValue('#pdz-f-ttl'), '120');
  await page.fill('#pdz-f-powerdns-api_key', WRONG_PDNS_KEY);
  await saveForm('pdns.example saved.');
  assert.equal(await storedSecret(id, 'api_key'), WRONG_PDNS_KEY, 'a typed key replaces the stored one');

  const direct = (await adminApi('test', { method: 'POST', id })).body.test;
  assert.equal(direct.ok, false);
  const red = await testRow('pdns.example');
  assert.equal(red.ok, false);
  assert.equal(red.text.replace(/ \(\d+ ms\)$/, ''), `pdns.example: ${direct.message}`);
  assert.equal(direct.message, 'HTTP 401: Unauthorized', 'PowerDNS\'s own answer to a wrong X-API-Key');
  await shot('09-toast-error-powerdns');

  await openEdit('pdns.example');
  await page.fill('#pdz-f-powerdns-api_key', env.pdns.key);
  await saveForm('pdns.example saved.');
  assert.equal(await storedSecret(id, 'api_key'), env.pdns.key);
  assert.equal((await testRow('pdns.example')).ok, true);
});

test('server-side validation shows the API\'s message at its field and keeps what was typed', async () => {
  await page.click('.pdz-add');
  await page.selectOption('#pdz-f-type', 'hestiacp');
  await page.fill('#pdz-f-zone', 'two..dots.example');
  await page.fill('#pdz-f-hestiacp-server_url', env.hestia.url);
  await page.fill('#pdz-f-hestiacp-admin_user', 'admin');
  await page.fill('#pdz-f-hestiacp-admin_password', 'typed-password-xyz');
  await page.fill('#pdz-f-hestiacp-user', 'alice');
  const answer = page.waitForResponse((r) => r.url().includes('action=create'));
  await page.click('.pdz-save');
  const response = await answer;
  assert.equal(response.status(), 400);
  const body = await response.json();
  assert.equal(body.field, 'zone');
  await page.locator('#pdz-f-zone-error').waitFor({ state: 'visible' });
  assert.equal(body.error, 'zone new: zone "two..dots.example" has an empty label');
  // At the field, without the "zone new: " that names the form's zone.
  assert.equal(await page.textContent('#pdz-f-zone-error'), 'zone "two..dots.example" has an empty label');
  assert.equal(await page.inputValue('#pdz-f-zone'), 'two..dots.example');
  assert.equal(await page.inputValue('#pdz-f-hestiacp-server_url'), env.hestia.url);
  assert.equal(await page.inputValue('#pdz-f-hestiacp-admin_password'), 'typed-password-xyz');
  await shot('10-validation-server');

  // A field inside the closed Advanced section: it opens to show the error.
  await page.fill('#pdz-f-zone', 'hestia2.example');
  await page.click('.pdz-advanced summary');
  await page.fill('#pdz-f-ttl', '99999999999');
  await page.click('.pdz-advanced summary');
  assert.equal(await page.isVisible('#pdz-f-ttl'), false);
  await page.click('.pdz-save');
  await page.locator('#pdz-f-ttl-error').waitFor({ state: 'visible' });
  assert.equal(await page.textContent('#pdz-f-ttl-error'), 'ttl 99999999999 is out of range (1 to 2147483647)');
  assert.equal(await page.isVisible('#pdz-f-zone-error'), false, 'the earlier error is gone');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'pdz-f-ttl');
  await page.click('.pdz-cancel');
  assert.equal((await adminApi('list')).body.zones.some((z) => z.zone === 'hestia2.example'), false);

  // A kept secret may not follow a changed server: said at the secret's field.
  // The same server written with or without its trailing slash is no change.
  await openEdit('hestia.example');
  assert.equal(await page.inputValue('#pdz-f-hestiacp-server_url'), env.hestia.url);
  await page.fill('#pdz-f-hestiacp-server_url', env.hestia.url.replace(/\/$/, ''));
  await saveForm('hestia.example saved.');
  assert.equal(await storedSecret(await idOf('hestia.example'), 'admin_password'), HESTIA_PASSWORD);
  await openEdit('hestia.example');
  await page.fill('#pdz-f-hestiacp-server_url', 'http://127.0.0.1:1/');
  await page.click('.pdz-save');
  assert.match(await page.textContent('#pdz-f-hestiacp-admin_password-error'), /^Admin Password must be entered again because Server URL changed/);
  await page.keyboard.press('Escape');
  assert.equal(await page.isVisible('.pdz-form'), false, 'Escape closes the form');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'pdz-btn pdz-btn-primary pdz-add');
});

test('Delete asks first; dismissed it keeps the zone, confirmed it removes it', async () => {
  const id = await idOf('hestia.example');
  let asked = '';
  page.once('dialog', (dialog) => { asked = dialog.message(); dialog.dismiss(); });
  await rowOf('hestia.example').locator('.pdz-delete').click();
  assert.match(asked, new RegExp(`^Delete the DNS zone hestia\\.example \\(ID ${id}\\)\\?`));
  assert.equal((await adminApi('get', { id })).status, 200, 'dismissed: still there');
  assert.equal(await rowOf('hestia.example').count(), 1);

  page.once('dialog', (dialog) => dialog.accept());
  await clearToasts();
  await rowOf('hestia.example').locator('.pdz-delete').click();
  assert.deepEqual(await nextToast(), { ok: true, text: 'hestia.example deleted.' });
  await rowOf('hestia.example').waitFor({ state: 'detached' });
  assert.equal((await adminApi('get', { id })).status, 404);
  assert.equal(await storedSecret(id, 'admin_password'), '<no zone>');
  await shot('11-after-delete');
});

test('what the server sends is shown as text, never as markup', async () => {
  // A row edited by hand in the database: the extension refuses its name, and
  // the list shows it with the extension's reason, which quotes the name.
  const evil = '<img src=x id=pdz-xss onerror="window.pdzXss=1">.example';
  await run('php', ['-r', `$p = new PDO($argv[1]); $p->prepare("INSERT INTO puq_proxmox_kvm_dns_zones (zone, type, server_url, api_key) VALUES (?, 'powerdns', 'http://127.0.0.1:1', NULL)")->execute([$argv[2]]);`,
    '--', `sqlite:${db}`, evil]);
  await page.reload();
  const row = rowOf(evil);
  await row.waitFor();
  assert.match(await row.locator('.pdz-row-error').textContent(), /contains/);
  assert.equal(await page.locator('#pdz-xss').count(), 0);
  assert.equal(await page.evaluate(() => window.pdzXss), undefined);
  page.once('dialog', (dialog) => dialog.accept());
  await row.locator('.pdz-delete').click();
  await row.waitFor({ state: 'detached' });
});

test('an RFC 2136 zone: its algorithm and unsigned switch under Advanced, Test with BIND\'s answer, a wrong secret in the server\'s words', async () => {
  const key = env.bind.keys[512];
  await page.click('.pdz-add');
  await page.selectOption('#pdz-f-type', 'rfc2136');
  await page.fill('#pdz-f-zone', 'bind.example');
  await page.fill('#pdz-f-rfc2136-server', `127.0.0.1:${env.bind.port}`);
  await page.fill('#pdz-f-rfc2136-tsig_name', key.name);
  await page.fill('#pdz-f-rfc2136-tsig_secret', key.secret);
  const algorithm = page.locator('#pdz-f-rfc2136-tsig_algorithm');
  assert.equal(await algorithm.isVisible(), false, 'the algorithm is folded under Advanced');
  await page.click('.pdz-advanced summary');
  assert.deepEqual(await algorithm.locator('option').evaluateAll((os) => os.map((o) => o.value)),
    ['hmac-sha256', 'hmac-sha384', 'hmac-sha512']);
  assert.equal(await algorithm.inputValue(), 'hmac-sha256');
  assert.equal(await page.isChecked('#pdz-f-rfc2136-allow_unsigned'), false);
  // No TLS on this provider: its switches are not offered.
  assert.equal(await page.isVisible('#pdz-f-verify_tls'), false);
  assert.equal(await page.isVisible('#pdz-f-ca_cert'), false);
  await algorithm.selectOption('hmac-sha512');
  await shot('11b-form-rfc2136');
  await clearToasts();
  await page.click('.pdz-save');
  assert.deepEqual(await nextToast(), { ok: true, text: 'bind.example added.' });
  await rowOf('bind.example').waitFor();
  assert.equal(await rowOf('bind.example').locator('.pdz-badge').textContent(), 'RFC 2136 (BIND, Knot)');

  const id = await idOf('bind.example');
  assert.equal(await storedSecret(id, 'tsig_secret'), key.secret);
  const stored = (await adminApi('get', { id })).body.zone;
  assert.deepEqual([stored.tsig_algorithm, stored.tsig_secret, stored.allow_unsigned], ['hmac-sha512', '__KEEP__', false]);

  const green = await testRow('bind.example');
  assert.equal(green.ok, true, green.text);
  assert.match(green.text, new RegExp(`^bind\\.example: zone bind\\.example\\. \\(serial \\d+\\) found on 127\\.0\\.0\\.1:${env.bind.port}, `
    + `which takes updates signed with ${key.name.replace(/\./g, '\\.')} \\(hmac-sha512\\) \\(\\d+ ms\\)$`));

  // Edit: the stored algorithm is selected, the secret is kept unless typed.
  await openEdit('bind.example');
  assert.equal(await algorithm.inputValue(), 'hmac-sha512');
  assert.equal(await page.inputValue('#pdz-f-rfc2136-tsig_secret'), '');
  await page.fill('#pdz-f-rfc2136-tsig_secret', WRONG_TSIG_SECRET);
  await clearToasts();
  await page.click('.pdz-form-test');
  const red = await nextToast();
  assert.deepEqual([red.ok, red.text.replace(/ \(\d+ ms\)$/, '')], [false,
    `bind.example: NOTAUTH (BADSIG): the signature does not verify with the server's secret of ${key.name} (hmac-sha512): check tsig_secret`]);
  await page.click('.pdz-cancel');
  assert.equal(await storedSecret(id, 'tsig_secret'), key.secret, 'a secret only tested is not saved');

  page.once('dialog', (dialog) => dialog.accept());
  await clearToasts();
  await rowOf('bind.example').locator('.pdz-delete').click();
  assert.deepEqual(await nextToast(), { ok: true, text: 'bind.example deleted.' });
  await rowOf('bind.example').waitFor({ state: 'detached' });
});

test('signing out forgets the token', async () => {
  await page.click('.pdz-signout');
  await page.locator('.pdz-login').waitFor({ state: 'visible' });
  assert.equal(await page.evaluate(() => sessionStorage.getItem('puqDnsAdminToken')), null);
  assert.equal(await page.locator('.pdz-table tbody tr').count(), 0);
});

test('inside the WHMCS admin area it needs no sign-in and sends WHMCS\'s CSRF token with every request', async () => {
  const standalonePage = page;
  const whmcsContext = await watchedContext();
  page = watchPage(await whmcsContext.newPage());
  const calls = [];
  page.on('request', (request) => {
    if (request.url().includes('puq_dns_api=1')) {
      calls.push({ method: request.method(), url: request.url(), headers: request.headers(), body: request.postData() });
    }
  });
  try {
    await page.goto(`${env.whmcs.base}/admin/addonmodules.php?module=puq_dns`);
    await page.locator('.pdz-main').waitFor({ state: 'visible' });
    assert.equal(await page.locator('.pdz-login').count(), 0, 'no sign-in form inside WHMCS');
    assert.equal(await page.locator('.pdz-signout').count(), 0);
    assert.equal(await page.textContent('#whmcs-header'), 'WHMCS Admin Area · Addons · puq_dns');
    await page.locator('.pdz-empty').waitFor({ state: 'visible' });
    const csrf = await page.getAttribute('.puq-dns-zones', 'data-csrf');
    assert.match(csrf, /^[0-9a-f]{40}$/);

    await addZone({ type: 'powerdns', zone: 'pdns.example', server_url: env.pdns.url, api_key: env.pdns.key });
    const green = await testRow('pdns.example');
    assert.equal(green.ok, true, green.text);
    await shot('12-whmcs-embedded');

    assert.ok(calls.length >= 4, JSON.stringify(calls.map((c) => c.url)));
    for (const call of calls) {
      assert.equal(call.headers['x-csrf-token'], csrf, `${call.method} ${call.url}`);
      assert.equal(call.headers.authorization, undefined);
      assert.ok(!call.url.includes(csrf), 'the CSRF token stays out of URLs');
      if (call.method === 'POST') {
        assert.equal(new URLSearchParams(call.body).get('token'), csrf, `${call.url}: token in the form body`);
      }
    }
    // The session's cookie alone is not enough.
    const bare = await whmcsContext.request.get(`${env.whmcs.base}/admin/addonmodules.php?module=puq_dns&puq_dns_api=1&action=list`);
    assert.deepEqual([bare.status(), await bare.json()], [403, { ok: false, error: 'the CSRF token is missing; reload the page' }]);

    // WHMCS renews the session's token: the page says to reload, and after a reload it works.
    await whmcsContext.request.get(`${env.whmcs.base}/admin/rotate-session`);
    const stale = await testRow('pdns.example');
    assert.deepEqual(stale, { ok: false, text: 'pdns.example: the CSRF token does not match this session; reload the page' });
    await page.reload();
    await rowOf('pdns.example').waitFor();
    assert.notEqual(await page.getAttribute('.puq-dns-zones', 'data-csrf'), csrf);
    assert.equal((await testRow('pdns.example')).ok, true);

    // The WHMCS session ends: the API's URL now redirects to the login page.
    await whmcsContext.request.get(`${env.whmcs.base}/admin/logout`);
    expectedNetworkFailures = 1; // the page's fetch refuses to follow the redirect
    assert.deepEqual(await testRow('pdns.example'),
      { ok: false, text: 'pdns.example: Cannot reach the zones API; if your WHMCS session has ended, reload the page.' });
    for (let i = 0; i < 40 && expectedNetworkFailures > 0; i++) { await new Promise((ok) => setTimeout(ok, 50)); }
    assert.equal(expectedNetworkFailures, 0, 'Chromium logged the refused redirect');
  } finally {
    await whmcsContext.close();
    page = standalonePage;
  }
});

test('no secret ever reached the browser, and nothing but the page\'s origin was asked', async () => {
  await Promise.all(pendingBodies);
  const html = await page.content();
  assert.ok(bodies.length > 20, `responses seen: ${bodies.length}`);
  assert.ok(bodies.some((b) => b.url.includes('action=list') && b.body.includes('__KEEP__')));
  const secrets = [ADMIN_TOKEN, CF_TOKEN, HESTIA_PASSWORD, WRONG_PDNS_KEY, env.pdns.key, 'sodium:v1:', 'typed-password-xyz',
    env.bind.keys[512].secret, WRONG_TSIG_SECRET];
  for (const secret of secrets) {
    assert.ok(!html.includes(secret), `the page's HTML holds ${secret}`);
    for (const b of bodies) {
      assert.ok(!b.body.includes(secret), `${b.url} answered with ${secret}`);
      assert.ok(!JSON.stringify(b.headers).includes(secret), `${b.url}'s headers hold ${secret}`);
      assert.ok(!b.url.includes(secret), `${b.url} holds a secret`);
    }
  }
  assert.deepEqual(blocked, [], 'requests to other origins');
  assert.deepEqual(pageErrors, [], 'errors in the page');
  const log = existsSync(env.log) ? readFileSync(env.log, 'utf8') : '';
  assert.ok(!/PHP (Fatal|Warning|Notice|Deprecated)/.test(log), log);
});
