// What the browser tests share: free loopback ports, a private PowerDNS
// and a private BIND 9 with zones, and Debian's Chromium launched headless
// with the flags this machine needs.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer } from 'node:net';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const run = promisify(execFile);
export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const so = process.env.PUQ_DNS_SO
  || join(process.env.CARGO_TARGET_DIR || join(repo, 'target'), 'release/libpuq_dns.so');
export const artifacts = process.env.BROWSER_ARTIFACTS || join(repo, 'target/browser-artifacts');

export function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

/** A private PowerDNS (tests/pdns/server.sh) in dir, with the zones: {dir, url, key}. */
export async function startPdns(dir, zones) {
  const { stdout } = await run(join(repo, 'tests/pdns/server.sh'), ['start', dir]);
  const vars = Object.fromEntries(stdout.trim().split('\n').map((l) => l.split(/=(.*)/s).slice(0, 2)));
  const pdns = { dir, url: vars.PDNS_API_URL, key: vars.PDNS_API_KEY };
  for (const zone of zones) {
    const r = await fetch(`${pdns.url}/api/v1/servers/localhost/zones`, {
      method: 'POST',
      headers: { 'X-API-Key': pdns.key, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: `${zone}.`, kind: 'Native', nameservers: ['ns1.example.net.'] }),
    });
    assert.equal(r.status, 201, `PowerDNS zone ${zone}: ${await r.text()}`);
  }
  return pdns;
}

export async function stopPdns(pdns) {
  if (pdns) { await run(join(repo, 'tests/pdns/server.sh'), ['stop', pdns.dir]).catch(() => {}); }
}

/**
 * A private BIND 9 (tests/bind/server.sh) in dir that takes updates signed
 * with its keys for the zones: {dir, port, keys: {256|384|512: {name, secret}}}.
 */
export async function startBind(dir, zones) {
  const { stdout } = await run(join(repo, 'tests/bind/server.sh'), ['start', dir, ...zones]);
  const vars = Object.fromEntries(stdout.trim().split('\n').map((l) => l.split(/=(.*)/s).slice(0, 2)));
  const keys = {};
  for (const bits of [256, 384, 512]) {
    keys[bits] = { name: vars[`BIND_KEY_${bits}_NAME`], secret: vars[`BIND_KEY_${bits}_SECRET`] };
  }
  return { dir, port: Number(vars.BIND_PORT), keys };
}

export async function stopBind(bind) {
  if (bind) { await run(join(repo, 'tests/bind/server.sh'), ['stop', bind.dir]).catch(() => {}); }
}

/**
 * Debian's Chromium, headless. --headless and --no-sandbox come from
 * playwright (headless: true, chromiumSandbox false by default), and
 * launch() gives it a fresh temporary --user-data-dir; the other flags keep
 * it off the network it must not reach.
 */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}
