// The puq_dns WHMCS addon in a real browser: its admin page (every tab) and
// the DNS panel on a service's admin page, inside the simulated WHMCS admin
// area (whmcs-addon-sim.php over the WHMCS stand-in, tests/whmcs) with the
// addon folder that build/addon.sh makes, against a private PowerDNS.
// Debian's headless Chromium, driven by playwright-core.
//
//   cd tests/browser && npm ci && PUQ_DNS_SO=/abs/libpuq_dns.so node --test addon.test.mjs
//
// The browser may reach only the simulated WHMCS; screenshots go to
// target/browser-artifacts/addon-*.png.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, repo, so, artifacts, freePort, startPdns, stopPdns, launchBrowser } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const DOMAIN = 'addon.example';
const REV = '130.168.192.in-addr.arpa';
const tmp = mkdtempSync(join(tmpdir(), 'puq-dns-addon-browser-'));
const root = join(tmp, 'whmcs');
const db = join(tmp, 'whmcs.sqlite');
const children = [];
const bodies = [];
const pending = [];
const blocked = [];
const pageErrors = [];
let pdns;
let base;
let service;
let browser;
let page;

async function pdnsA(name) {
  const r = await fetch(`${pdns.url}/api/v1/servers/localhost/zones/${DOMAIN}.?rrset_name=${name}.&rrset_type=A`, { headers: { 'X-API-Key': pdns.key } });
  const zone = await r.json();
  return (zone.rrsets[0]?.records || []).map((rec) => rec.content).sort();
}

async function pdnsPutA(name, contents) {
  const r = await fetch(`${pdns.url}/api/v1/servers/localhost/zones/${DOMAIN}.`, {
    method: 'PATCH',
    headers: { 'X-API-Key': pdns.key, 'Content-Type': 'application/json' },
    body: JSON.stringify({ rrsets: [{ name: `${name}.`, type: 'A', ttl: 600, changetype: 'REPLACE', records: contents.map((c) => ({ content: c, disabled: false })) }] }),
  });
  assert.equal(r.status, 204, await r.text());
}

async function shot(name) {
  await page.screenshot({ path: join(artifacts, `addon-${name}.png`), fullPage: true });
}

const statusOf = (vm) => page.locator(`.puq-dns-vms tr[data-vm="${vm}"] .puq-dns-status`).textContent();

before(async () => {
  assert.ok(existsSync(so), `the extension ${so} is not built (cargo build --release)`);
  mkdirSync(artifacts, { recursive: true });
  pdns = await startPdns(join(tmp, 'pdns'), [DOMAIN, REV]);
  await run(join(repo, 'build/addon.sh'), [root]);
  const environment = { PATH: process.env.PATH, PUQ_DNS_SIM_DB: db, PUQ_DNS_SIM_ROOT: root };
  const { stdout } = await run('php', ['-d', `extension=${so}`, join(here, 'whmcs-addon-setup.php')],
    { env: { ...environment, PDNS_URL: pdns.url, PDNS_KEY: pdns.key, DOMAIN } });
  service = JSON.parse(stdout);
  // Drift since the deploy: a stale A record appears at the VM's name.
  await pdnsPutA(service.fqdn, ['192.168.130.7', '192.168.130.8', '203.0.113.66']);

  const port = await freePort();
  const log = join(tmp, 'php.log');
  children.push(spawn('php', ['-d', `extension=${so}`, '-d', 'display_errors=0', '-d', 'log_errors=1', '-d', `error_log=${log}`,
    '-S', `127.0.0.1:${port}`, '-t', root, join(here, 'whmcs-addon-sim.php')], { stdio: 'ignore', env: environment }));
  base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(`${base}/admin/cron`)).status === 200) { break; } } catch { /* not yet */ }
    await new Promise((ok) => setTimeout(ok, 50));
  }

  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.origin === base) { return route.continue(); }
    blocked.push(url.href);
    return route.abort();
  });
  context.on('response', (response) => {
    pending.push(response.text().then((body) => bodies.push({ url: response.url(), body }), () => {}));
  });
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  page.on('console', (m) => { if (m.type() === 'error') { pageErrors.push(m.text()); } });
});

after(async () => {
  try {
    if (browser) { await browser.close(); }
  } finally {
    for (const child of children) { child.kill('SIGKILL'); }
    await stopPdns(pdns);
    if (!process.env.KEEP_BROWSER_TMP) { rmSync(tmp, { recursive: true, force: true }); }
  }
});

test('the addon page opens on DNS Zones, with the zones the admin added and WHMCS\'s CSRF token', async () => {
  await page.goto(`${base}/admin/addonmodules.php?module=puq_dns`);
  const rows = page.locator('.pdz-table tbody tr');
  await rows.nth(1).waitFor();
  assert.deepEqual(await page.locator('.pdz-zone-name').allTextContents(), [DOMAIN, REV]);
  assert.equal(await page.getAttribute('.puq-dns-zones', 'data-auth'), 'whmcs');
  assert.match(await page.getAttribute('.puq-dns-zones', 'data-csrf'), /^[0-9a-f]{40}$/);
  assert.deepEqual(await page.locator('#sidebar a').allTextContents(), ['DNS Zones', 'VMs', 'Log', 'Settings help']);
  assert.deepEqual(await page.locator('.nav-tabs li.active a').allTextContents(), ['DNS Zones']);
  // Test connection of a saved zone works through the addon's API.
  await page.locator('.pdz-table tbody tr').first().locator('.pdz-test').click();
  const toast = page.locator('.pdz-toast').first();
  await toast.waitFor({ state: 'visible', timeout: 20000 });
  assert.ok((await toast.getAttribute('class')).includes('pdz-toast-ok'), await toast.textContent());
  await shot('1-zones');
});

test('VMs lists the VM; Check all marks it drifted, and changes nothing', async () => {
  await page.click('.nav-tabs a:text-is("VMs")');
  await page.locator('.puq-dns-vms').waitFor();
  assert.equal(await statusOf(service.service), 'synced');
  assert.equal(await page.locator(`.puq-dns-vms tr[data-vm="${service.service}"] td`).nth(1).textContent(), service.fqdn);
  await page.click('button:text-is("Check all")');
  await page.locator('.alert-warning').waitFor();
  assert.equal(await page.textContent('.alert-warning'),
    `Checked 1 VM(s): 1 drifted or could not be read (${service.service}); Set DNS records repairs them.`);
  assert.equal(await statusOf(service.service), 'drifted');
  assert.deepEqual(await pdnsA(service.fqdn), ['192.168.130.7', '192.168.130.8', '203.0.113.66']);
  await shot('2-vms-checked');
});

test('the Log and Settings help tabs', async () => {
  await page.click('.nav-tabs a:text-is("Log")');
  await page.locator('.puq-dns-log-filter').waitFor();
  assert.equal(await page.textContent('.puq-dns-empty'), 'Nothing logged.');
  await page.click('.nav-tabs a:text-is("Settings help")');
  await page.locator('.puq-dns-help').waitFor();
  assert.match(await page.textContent('.puq-dns-help'), /Put extension=puq_dns in .* It is loaded here \(version \d+\.\d+\.\d+\)\./);
  assert.match(await page.textContent('.puq-dns-help pre'), /^api=yes\napi-key=<your-key-here>\nwebserver=yes/);
  await shot('3-help');
});

test('the DNS panel on the service shows the drift; Set DNS records queues it and the next cron run repairs it', async () => {
  await page.goto(`${base}/admin/clientsservices.php?userid=1&id=${service.service}`);
  const panel = page.locator('.puq-dns-panel');
  await panel.waitFor();
  assert.equal(await panel.locator('p strong').textContent(), service.fqdn);
  assert.match(await panel.locator('p').first().textContent(), /· drifted: Set DNS records repairs it$/);
  assert.deepEqual(await panel.locator('.puq-dns-addresses tbody td:first-child').allTextContents(), ['192.168.130.7', '192.168.130.8']);
  const stale = panel.locator('.puq-dns-plan tr.puq-dns-delete');
  assert.deepEqual(await stale.locator('td').allTextContents(), [DOMAIN, `${service.fqdn} A 203.0.113.66`, 'stale: to be deleted']);
  assert.equal(await panel.locator('.puq-dns-plan tr.puq-dns-keep').count(), 4);
  await shot('4-panel-drifted');

  await page.click('button[name="puq_dns_set_dns_records"]');
  await page.locator('.successbox').waitFor();
  assert.match(await panel.locator('p').first().textContent(), /· queued: the next cron run sets its DNS records$/);
  assert.deepEqual(await pdnsA(service.fqdn), ['192.168.130.7', '192.168.130.8', '203.0.113.66'], 'queued, not done');

  assert.equal(await (await fetch(`${base}/admin/cron`)).text(), 'cron done\n');
  await page.reload();
  await panel.waitFor();
  assert.match(await panel.locator('p').first().textContent(), /· synced$/);
  assert.equal(await panel.locator('.puq-dns-plan tr.puq-dns-delete').count(), 0);
  assert.deepEqual(await pdnsA(service.fqdn), ['192.168.130.7', '192.168.130.8']);
  await shot('5-panel-repaired');

  await page.goto(`${base}/admin/addonmodules.php?module=puq_dns&tab=vms`);
  assert.equal(await statusOf(service.service), 'synced');
});

test('no secret reached the browser, and it asked nothing but the WHMCS origin', async () => {
  await Promise.all(pending);
  assert.ok(bodies.some((b) => b.url.includes('puq_dns_api=1') && b.body.includes('__KEEP__')));
  for (const b of bodies) {
    assert.ok(!b.body.includes(pdns.key), `${b.url} answered with the PowerDNS key`);
    assert.ok(!b.body.includes('whmcs-enc:'), `${b.url} answered with a sealed secret`);
  }
  assert.deepEqual(blocked, []);
  assert.deepEqual(pageErrors, []);
  const log = existsSync(join(tmp, 'php.log')) ? readFileSync(join(tmp, 'php.log'), 'utf8') : '';
  assert.ok(!/PHP (Fatal|Warning|Notice|Deprecated)/.test(log), log);
});
