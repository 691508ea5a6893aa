<?php
/**
 * The soak loop of build/soak.sh: CALLS calls of the puq_dns extension in
 * this one process, cycling through every kind of call, each result
 * checked; VmRSS, open fds and threads sampled as it goes. Prints a table
 * and a verdict; exits 1 when a bound is broken or a result is wrong.
 *
 *   php -d extension=…/libpuq_dns.so tests/soak/soak.php CONFIG.json
 *
 * CONFIG.json (written by build/soak.sh): calls, and where the private
 * PowerDNS, fake Cloudflare and fake HestiaCP listen.
 */

declare(strict_types=1);

use PuqDns\ConfigException;
use PuqDns\DnsSync;
use PuqDns\DnsZoneManager;

require __DIR__ . '/lib.php';

$config = json_decode((string) file_get_contents($argv[1] ?? ''), true, 512, JSON_THROW_ON_ERROR);
$calls = (int) $config['calls'];
$pdns = $config['pdns'];
$cf = $config['cloudflare'];
$hestia = $config['hestia'];
['fwd' => $fwd, 'rev4' => $rev4, 'rev6' => $rev6] = $config['zones'];

const RSS_BOUND_MB = 8.0;
/**
 * Sockets open between calls. A call's connections outlive it: the
 * current-thread runtime only closes a dropped connection when it next
 * runs, at the next call, so up to `concurrency` (8) keep-alive sockets of
 * the last call stay open. A leak would pass any fixed bound.
 */
const SOCKET_BOUND = 16;
const WARM_UP = 500;
/** Secrets of the rows that must fail: none may appear in a result. */
const BAD_SECRETS = ['soakBad-Pdns-Key-5150', 'soakBad-Cf-Token-6160', 'soakBad-Hestia-Pw-7170'];

// ---- zones ---------------------------------------------------------------

$cfRow = fn (string $id, string $zone, string $token, string $apiUrl) => [
    'id' => $id, 'zone' => $zone, 'type' => 'Cloudflare', 'account_id' => $cf['account_id'],
    'zone_id' => $cf['zones'][$zone] ?? str_repeat('0', 32), 'api_token' => $token, 'api_url' => $apiUrl,
];
$pdnsRow = fn (string $id, string $zone, string $key, string $url) => [
    'id' => $id, 'zone' => $zone, 'type' => 'PowerDNS', 'server_url' => $url, 'api_key' => $key,
];
$hestiaRow = fn (string $id, string $zone, string $password, string $url) => [
    'id' => $id, 'zone' => $zone, 'type' => 'HestiaCP', 'server_url' => $url,
    'admin_user' => $hestia['admin_user'], 'admin_password' => $password, 'user' => $hestia['user'],
];

$live = [
    $pdnsRow('p-fwd', $fwd, $pdns['key'], $pdns['url']),
    $pdnsRow('p-rev4', $rev4, $pdns['key'], $pdns['url']),
    $pdnsRow('p-rev6', $rev6, $pdns['key'], $pdns['url']),
    $cfRow('c-fwd', $fwd, $cf['token'], $cf['api_url']),
    $cfRow('c-rev4', $rev4, $cf['token'], $cf['api_url']),
    $cfRow('c-rev6', $rev6, $cf['token'], $cf['api_url']),
    $hestiaRow('h-fwd', $fwd, $hestia['admin_password'], $hestia['url']),
    $hestiaRow('h-rev4', $rev4, $hestia['admin_password'], $hestia['url']),
];
// Nothing listens on port 1: every request is refused.
$dead = [
    $pdnsRow('dead-p', $fwd, BAD_SECRETS[0], 'http://127.0.0.1:1'),
    $pdnsRow('dead-p4', $rev4, BAD_SECRETS[0], 'http://127.0.0.1:1'),
    $cfRow('dead-c', $fwd, BAD_SECRETS[1], 'http://127.0.0.1:1/client/v4'),
    $hestiaRow('dead-h', $fwd, BAD_SECRETS[2], 'http://127.0.0.1:1/'),
];
// The live servers, wrong credentials: 401 / 403 answers with bodies.
$denied = [
    $pdnsRow('deny-p', $fwd, BAD_SECRETS[0], $pdns['url']),
    $pdnsRow('deny-p4', $rev4, BAD_SECRETS[0], $pdns['url']),
    $cfRow('deny-c', $fwd, BAD_SECRETS[1], $cf['api_url']),
    $hestiaRow('deny-h', $fwd, BAD_SECRETS[2], $hestia['url']),
];
$liveSecrets = [$pdns['key'], $cf['token'], $hestia['admin_password']];

// The soak makes thousands of Cloudflare requests a minute: a budget far
// above that, so that it measures the extension and not the throttle.
$budget = ['cloudflare_rate_limit' => 10000, 'cloudflare_rate_window' => 1];
$failFast = ['retries' => 0, 'timeout' => 2, 'connect_timeout' => 1] + $budget;

// ---- VMs -----------------------------------------------------------------

/** VM k: an IPv4 and an IPv6 address, and an IPv4 with its own rDNS. */
function vm(int $k): array
{
    return [
        'id' => 7000 + $k, 'name' => "soak-vm$k", 'domain' => 'soak.test',
        'ips' => ["192.0.2.1$k", "2001:db8::1$k", ['ip' => "192.0.2.5$k", 'reverse' => "mail$k.example.com"]],
    ];
}
/** VM k after a package change: the custom-rDNS address swapped for another. */
function changed(int $k): array
{
    $vm = vm($k);
    $vm['ips'] = ["192.0.2.1$k", "2001:db8::1$k", "192.0.2.10$k"];
    return $vm;
}
const VMS = 4;
$allVms = array_map('vm', range(1, VMS));
$broken = [
    ['id' => 9001, 'name' => '', 'domain' => 'soak.test', 'ips' => 'not a list'],
    ['id' => 9002, 'domain' => 'soak.test', 'ips' => ['192.0.2.99']],
    ['id' => ['nested'], 'name' => 'x', 'domain' => 'soak.test', 'ips' => []],
];

// ---- checks --------------------------------------------------------------

$failures = 0;
$shown = 0;
function fail(string $what, mixed $detail = null): void
{
    global $failures, $shown, $call;
    $failures++;
    if ($shown++ < 10) {
        $text = $detail === null ? '' : ': ' . substr(json_encode($detail, JSON_UNESCAPED_SLASHES) ?: '?', 0, 600);
        fwrite(STDERR, "call $call: $what$text\n");
    }
}
function counts(array $r): array
{
    return $r['counts'] ?? [];
}
/** A successful result, optionally with exact or minimum counts. */
function expectOk(array $r, string $what, array $exact = [], array $atLeast = []): void
{
    if (($r['ok'] ?? null) !== true || ($r['errors'] ?? null) !== [] || (counts($r)['failed'] ?? -1) !== 0) {
        fail("$what: not ok", $r['errors'] ?? $r);
        return;
    }
    foreach ($exact as $k => $n) {
        if ((counts($r)[$k] ?? null) !== $n) {
            fail("$what: $k should be $n", counts($r));
        }
    }
    foreach ($atLeast as $k => $n) {
        if ((counts($r)[$k] ?? -1) < $n) {
            fail("$what: $k should be at least $n", counts($r));
        }
    }
}
/** Every operation failed, each with an error text, and no secret shows. */
function expectFailed(array $r, string $what): void
{
    $ops = $r['operations'] ?? [];
    if (($r['ok'] ?? null) !== false || $ops === [] || count($r['errors'] ?? []) !== count($ops)
        || (counts($r)['failed'] ?? 0) !== count($ops)) {
        fail("$what: should fail every operation", $r);
        return;
    }
    foreach ($r['errors'] as $op) {
        if (!is_string($op['error'] ?? null) || $op['error'] === '' || $op['status'] !== 'error') {
            fail("$what: an error without its text", $op);
            return;
        }
    }
    expectNoSecret($r, $what);
}
function expectNoSecret(mixed $r, string $what): void
{
    global $liveSecrets;
    $text = json_encode($r, JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE) ?: '';
    foreach ([...BAD_SECRETS, ...$liveSecrets] as $secret) {
        if (str_contains($text, $secret)) {
            fail("$what: a secret in the result");
        }
    }
}

// ---- the loop ------------------------------------------------------------

$progressed = 0;
$sync = new DnsSync($live, $budget + ['on_progress' => function (array $op) use (&$progressed): void {
    $progressed++;
}]);
$manager = new DnsZoneManager([...$live, ...$dead, ...$denied]);
$liveIds = array_column($live, 'id');
$badIds = [...array_column($dead, 'id'), ...array_column($denied, 'id')];
$reported = 0;      // operations in the results, to compare with on_progress
/** The twelve calls of a cycle, in order. */
const STEPS = [
    'create', 'resync', 'plan resync', 'update', 'resync', 'delete', 'plan create', 'resyncMany (4 VMs)',
    'test', 'failing sync', 'failing test', 'ConfigException',
];
$kinds = [];        // label => [calls, seconds]

// Which zone, VM and failure a call uses repeats every PERIOD calls.
// Samples are a multiple of PERIOD apart and fall on the last call, so
// every sample follows the same calls.
const PERIOD = 96;
$every = PERIOD * max(1, (int) round($calls / 20 / PERIOD));
$due = fn (int $n) => $n > 0 && ($calls - $n) % $every === 0;
// The warm-up ends at the sample nearest to call 500 (or a quarter of a
// short run).
$warm = $calls;
foreach (range($calls, 1, -1) as $n) {
    if ($due($n) && abs($n - min(WARM_UP, $calls / 4)) <= abs($warm - min(WARM_UP, $calls / 4))) {
        $warm = $n;
    }
}
$samples = [];
$start = hrtime(true);
$call = 0;
$printRow = function (array $s, ?array $previous): void {
    $rate = $previous === null || $s['calls'] === $previous['calls'] ? ''
        : sprintf('%.1f', ($s['seconds'] - $previous['seconds']) * 1000 / ($s['calls'] - $previous['calls']));
    printf("%7d %8.1f %9.1f %8.1f %5d %8d %7d %8s\n", $s['calls'], $s['seconds'], $s['rss_kb'] / 1024,
        $s['php_kb'] / 1024, $s['fds'], $s['sockets'], $s['threads'], $rate);
};
printf("%7s %8s %9s %8s %5s %8s %7s %8s\n", 'calls', 'seconds', 'VmRSS MB', 'PHP MB', 'fds', 'sockets',
    'threads', 'ms/call');
$take = function () use (&$samples, &$call, $start, $printRow): void {
    $s = process_sample() + ['calls' => $call, 'seconds' => (hrtime(true) - $start) / 1e9];
    $printRow($s, $samples === [] ? null : end($samples));
    $samples[] = $s;
};
$take();   // before the first call: no runtime yet

/** One call of the cycle; $n counts calls from 0. */
$step = function (int $n) use ($sync, $manager, $allVms, $broken, $dead, $denied, $liveIds, $badIds, $failFast, &$reported): void {
    $cycle = intdiv($n, 12);
    $k = $cycle % VMS + 1;
    $vm = vm($k);
    $kind = $n % 12;
    $track = function (array $r) use (&$reported): array {
        $reported += count($r['operations'] ?? []);
        return $r;
    };
    switch ($kind) {
        case 0:
            expectOk($track($sync->create($vm)), 'create');
            break;
        case 1:
            expectOk($track($sync->resync($vm)), 'resync after create', ['created' => 0, 'deleted' => 0]);
            break;
        case 2:
            $r = $track($sync->plan('resync', $vm));
            expectOk($r, 'plan resync', ['created' => 0, 'deleted' => 0]);
            ($r['action'] ?? null) === 'plan' || fail('plan: action', $r['action'] ?? null);
            break;
        case 3:
            expectOk($track($sync->update($vm, changed($k))), 'update', [], ['created' => 1, 'deleted' => 1]);
            break;
        case 4:
            expectOk($track($sync->resync($vm)), 'resync after update', [], ['created' => 1, 'deleted' => 1]);
            break;
        case 5:
            expectOk($track($sync->delete($vm)), 'delete', ['created' => 0], ['deleted' => 1]);
            break;
        case 6:
            expectOk($track($sync->plan('create', $vm)), 'plan create after delete', ['deleted' => 0], ['created' => 1]);
            break;
        case 7:
            $results = $sync->resyncMany($allVms);
            if (count($results) !== VMS) {
                fail('resyncMany: one result per VM', array_keys($results));
            }
            foreach ($results as $id => $r) {
                $track($r);
                expectOk($r, "resyncMany VM $id", [], $id === 7000 + $k ? ['created' => 1] : []);
            }
            break;
        case 8:
            $id = $liveIds[$cycle % count($liveIds)];
            $r = $manager->test($id);
            if (($r['ok'] ?? null) !== true || ($r['id'] ?? null) !== $id) {
                fail("test $id", $r);
            }
            break;
        case 9:
            // A fresh DnsSync each time, alternating refused and denied.
            $bad = new DnsSync($cycle % 2 === 0 ? $dead : $denied, $failFast);
            $what = $cycle % 2 === 0 ? 'refused' : 'denied';
            $r = match (intdiv($cycle, 2) % 4) {
                0 => $bad->resync($vm),
                1 => $bad->create($vm),
                2 => $bad->delete($vm),
                default => $bad->resyncMany([$vm])[$vm['id']] ?? [],
            };
            expectFailed($r, "$what sync");   // no on_progress on this one
            break;
        case 10:
            $id = $badIds[$cycle % count($badIds)];
            $r = $manager->test($id);
            if (($r['ok'] ?? null) !== false || !is_string($r['message'] ?? null) || $r['message'] === '') {
                fail("test $id should fail", $r);
            }
            expectNoSecret($r, "test $id");
            break;
        default:
            try {
                match ($cycle % 4) {
                    0, 1, 2 => $sync->create($broken[$cycle % 4]),
                    default => $sync->plan('explode', $vm),
                };
                fail('a broken VM array did not throw');
            } catch (ConfigException $e) {
                $e->getMessage() !== '' || fail('ConfigException without a message');
            }
            break;
    }
};

for ($call = 0; $call < $calls;) {
    $t = hrtime(true);
    try {
        $step($call);
    } catch (Throwable $e) {
        fail('threw ' . get_class($e), $e->getMessage());
    }
    $label = STEPS[$call % 12];
    $kinds[$label] ??= [0, 0.0];
    $kinds[$label][0]++;
    $kinds[$label][1] += (hrtime(true) - $t) / 1e9;
    $call++;
    if ($due($call)) {
        $take();
    }
}
$seconds = (hrtime(true) - $start) / 1e9;

// ---- read back -----------------------------------------------------------

// The end state must be every VM as create() makes it, on every provider.
foreach ($sync->resyncMany($allVms) as $id => $r) {
    $reported += count($r['operations'] ?? []);
    expectOk($r, "final resyncMany VM $id");
}
if ($progressed !== $reported) {
    fail("on_progress was called $progressed times for $reported operations");
}
$found = [
    'PowerDNS' => read_powerdns($pdns['url'], $pdns['key'], [$fwd, $rev4, $rev6]),
    'Cloudflare' => read_cloudflare($cf['control'], $cf['zones']),
    'HestiaCP' => read_hestia($hestia['control'], $hestia['user'], [$fwd, $rev4]),
];
$checked = 0;
foreach ($found as $provider => $records) {
    foreach ($allVms as $vm) {
        $fqdn = "{$vm['name']}.{$vm['domain']}";
        $k = $vm['id'] - 7000;
        $want = [
            "$fqdn A" => ["192.0.2.1$k", "192.0.2.5$k"],
            "$fqdn AAAA" => ["2001:db8::1$k"],
            DnsZoneManager::reverseName("192.0.2.1$k") . ' PTR' => [$fqdn],
            DnsZoneManager::reverseName("192.0.2.5$k") . ' PTR' => ["mail$k.example.com"],
        ];
        if ($provider !== 'HestiaCP') {
            $want[DnsZoneManager::reverseName("2001:db8::1$k") . ' PTR'] = [$fqdn];
        }
        foreach ($want as $key => $contents) {
            $checked++;
            $have = $records[$key] ?? [];
            sort($have);
            if ($have !== $contents) {
                fail("read back from $provider: $key", ['want' => $contents, 'have' => $have]);
            }
        }
    }
}

// ---- verdict -------------------------------------------------------------

$at = fn (int $n) => current(array_filter($samples, fn ($s) => $s['calls'] === $n));
$first = $at($warm);
$last = end($samples);
$after = array_filter($samples, fn ($s) => $s['calls'] >= $warm);
$growth = ($last['rss_kb'] - $first['rss_kb']) / 1024;
// fds other than sockets must stay exactly as they were; sockets within the bound.
$other = fn (array $s) => $s['fds'] - $s['sockets'];
$otherMax = max(array_map($other, $after));
$socketsMax = max(array_column($after, 'sockets'));
$threadsMax = max(array_column($after, 'threads'));
echo "\n";
echo "calls by kind (count, mean ms):\n";
foreach ($kinds as $label => [$n, $s]) {
    printf("  %-20s %6d %8.1f\n", $label, $n, $s * 1000 / $n);
}
printf("%d calls in %.1f s (%.2f ms per call); %d operations reported, on_progress called %d times\n",
    $calls, $seconds, $seconds * 1000 / $calls, $reported, $progressed);
printf("read back: %d record sets on 3 providers\n", $checked);
printf("VmRSS %.1f MB at call %d, %.1f MB at call %d: %+.2f MB (bound %.0f MB); peak %.1f MB (VmHWM)\n",
    $first['rss_kb'] / 1024, $warm, $last['rss_kb'] / 1024, $last['calls'], $growth, RSS_BOUND_MB,
    $last['hwm_kb'] / 1024);
printf("fds other than sockets: %d at call 0, %d at call %d, %d at the end, at most %d after call %d\n",
    $other($samples[0]), $other($first), $warm, $other($last), $otherMax, $warm);
printf("sockets open between calls: at most %d after call %d (bound %d), %d at the end\n",
    $socketsMax, $warm, SOCKET_BOUND, $last['sockets']);
printf("threads: %d at call 0, %d at call %d, %d at the end, at most %d after call %d\n",
    $samples[0]['threads'], $first['threads'], $warm, $last['threads'], $threadsMax, $warm);

echo 'open fds after the read-back: ', implode(', ', open_fds()), "\n";

$broke = [];
if ($growth >= RSS_BOUND_MB) {
    $broke[] = sprintf('VmRSS grew %.2f MB', $growth);
}
if ($otherMax > $other($first) || $other($last) !== $other($first)) {
    $broke[] = "fds other than sockets went from {$other($first)} to $otherMax";
}
if ($socketsMax > SOCKET_BOUND) {
    $broke[] = "$socketsMax sockets open between calls";
}
if ($threadsMax > $first['threads']) {
    $broke[] = "threads grew from {$first['threads']} to $threadsMax";
}
if ($failures > 0) {
    $broke[] = "$failures wrong results";
}
echo $broke === []
    ? sprintf("verdict: PASS (VmRSS %+.2f MB after call %d, fds and threads flat, sockets within %d, every result right)\n",
        $growth, $warm, SOCKET_BOUND)
    : 'verdict: FAIL (' . implode('; ', $broke) . ")\n";
exit($broke === [] ? 0 : 1);
