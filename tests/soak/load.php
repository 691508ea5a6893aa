<?php
/**
 * The load run of build/load.sh for one provider: N VMs (one IPv4 each)
 * into a forward and a reverse zone, first as one resyncMany, then as N
 * single resync calls each on a new DnsSync, all in this process; then
 * every record read back. Prints one row per phase; exits 1 if an
 * operation failed or a record is missing.
 *
 *   php -d extension=…/libpuq_dns.so tests/soak/load.php CONFIG.json cloudflare|hestia|powerdns
 */

declare(strict_types=1);

use PuqDns\DnsSync;
use PuqDns\DnsZoneManager;

require __DIR__ . '/lib.php';

$config = json_decode((string) file_get_contents($argv[1] ?? ''), true, 512, JSON_THROW_ON_ERROR);
$provider = $argv[2] ?? '';
$n = (int) $config['vms'];
[$manyFwd, $manyRev, $singleFwd, $singleRev] = $config['zones'];
$cf = $config['cloudflare'];
$hestia = $config['hestia'];
$pdns = $config['pdns'];

/** The zone row of zone number $i of $config['zones'] for this provider. */
$row = function (int $i) use ($provider, $config, $cf, $hestia, $pdns): array {
    $zone = $config['zones'][$i];
    return match ($provider) {
        'cloudflare' => [
            'id' => "cf-$i", 'zone' => $zone, 'type' => 'Cloudflare', 'account_id' => $cf['account_id'],
            'zone_id' => $cf['ids'][$i], 'api_token' => $cf['token'], 'api_url' => $cf['api_url'],
        ],
        'hestia' => [
            'id' => "h-$i", 'zone' => $zone, 'type' => 'HestiaCP', 'server_url' => $hestia['url'],
            'admin_user' => $hestia['admin_user'], 'admin_password' => $hestia['admin_password'],
            'user' => $hestia['user'],
        ],
        'powerdns' => [
            'id' => "p-$i", 'zone' => $zone, 'type' => 'PowerDNS', 'server_url' => $pdns['url'],
            'api_key' => $pdns['key'],
        ],
        default => throw new InvalidArgumentException("unknown provider $provider"),
    };
};
$options = $provider === 'cloudflare'
    ? ['cloudflare_rate_limit' => $cf['budget'], 'cloudflare_rate_window' => $cf['window']]
    : [];

/** VM $i of a phase: 198.18.x.y (resyncMany) or 198.19.x.y (single calls). */
function load_vm(int $i, string $domain, int $second): array
{
    return [
        'id' => 10000 + $i, 'name' => "load-$i", 'domain' => $domain,
        'ips' => [sprintf('198.%d.%d.%d', $second, intdiv($i, 250), $i % 250 + 1)],
    ];
}
$manyVms = array_map(fn ($i) => load_vm($i, $manyFwd, 18), range(0, $n - 1));
$singleVms = array_map(fn ($i) => load_vm($i, $singleFwd, 19), range(0, $n - 1));

// ---- the fakes' own counts -----------------------------------------------

$control = match ($provider) {
    'cloudflare' => $cf['control'],
    'hestia' => $hestia['control'],
    default => null,
};
/** The server's request count since the last reset and its breakdown, or null. */
$requests = function () use ($control): ?array {
    if ($control === null) {
        return null;
    }
    $stats = http_json('GET', "$control/stats");
    $by = $stats['by_route'] ?? $stats['by_cmd'] ?? [];
    // Hestia's by_cmd counts commands; a request without one (none here) is not in it.
    arsort($by);
    return [(int) $stats['requests'], $by];
};
$resetRequests = function () use ($control): void {
    if ($control !== null) {
        http_json('POST', "$control/stats/reset", [], (object) []);
    }
};
/** 429 answers the fake Cloudflare logged so far (its --verbose stderr). */
$answers429 = function () use ($provider, $cf): ?int {
    if ($provider !== 'cloudflare') {
        return null;
    }
    return preg_match_all('/" 429 /', (string) file_get_contents($cf['log']));
};

// ---- phases --------------------------------------------------------------

$failed = 0;
/**
 * The tallies of some results: operations, failed ones, those failed for
 * rate-limit reasons, retries (tries beyond the fewest the operation
 * needs: the read, plus the write unless it kept the record).
 */
function tally(array $results): array
{
    $t = ['ops' => 0, 'failed' => 0, 'rate_limited' => 0, 'retries' => 0, 'retried_ops' => 0,
          'max_attempts' => 0, 'created' => 0, 'errors' => []];
    foreach ($results as $r) {
        $t['created'] += $r['counts']['created'] ?? 0;
        foreach ($r['operations'] ?? [] as $op) {
            $t['ops']++;
            $least = $op['op'] === 'keep' ? 1 : 2;
            $extra = max(0, $op['attempts'] - $least);
            $t['retries'] += $extra;
            $t['retried_ops'] += $extra > 0 ? 1 : 0;
            $t['max_attempts'] = max($t['max_attempts'], $op['attempts']);
            if ($op['status'] !== 'ok') {
                $t['failed']++;
                $error = (string) $op['error'];
                if (preg_match('/\b(429|971)\b/', $error)) {
                    $t['rate_limited']++;
                }
                $t['errors'][$error] = ($t['errors'][$error] ?? 0) + 1;
            }
        }
        if (($r['ok'] ?? false) !== true && ($r['operations'] ?? []) === []) {
            $t['failed']++;
            $t['errors']['a result without operations'] = 1;
        }
    }
    return $t;
}

printf("== %s\n%-14s %5s %8s %9s %6s %6s %6s %7s %7s %12s %8s %8s\n", $provider, 'phase', 'VMs', 'wall s',
    'requests', 'req/s', '429s', 'ops', 'created', 'failed', 'rate-limited', 'retries', 'max try');
$phase = function (string $name, callable $run) use ($requests, $resetRequests, $answers429, &$failed): void {
    $resetRequests();
    $before429 = $answers429();
    $start = hrtime(true);
    [$vms, $results] = $run();
    $seconds = (hrtime(true) - $start) / 1e9;
    $counted = $requests();
    $count = $counted[0] ?? null;
    $after429 = $answers429();
    $t = tally($results);
    $failed += $t['failed'];
    printf("%-14s %5d %8.1f %9s %6s %6s %6d %7d %7d %12d %8d %8d\n", $name, $vms, $seconds,
        $count ?? '-', $count === null ? '-' : sprintf('%.1f', $count / $seconds),
        $after429 === null ? '-' : (string) ($after429 - $before429), $t['ops'], $t['created'],
        $t['failed'], $t['rate_limited'], $t['retries'], $t['max_attempts']);
    if ($counted !== null) {
        printf("    requests: %s\n", implode(', ', array_map(fn ($k, $v) => "$v $k", array_keys($counted[1]), $counted[1])));
    }
    arsort($t['errors']);
    foreach (array_slice($t['errors'], 0, 5, true) as $error => $times) {
        printf("    %dx %s\n", $times, $error);
    }
};

$phase('resyncMany', function () use ($row, $options, $manyVms): array {
    $sync = new DnsSync([$row(0), $row(1)], $options);
    return [count($manyVms), $sync->resyncMany($manyVms)];
});
$phase("resync x$n", function () use ($row, $options, $singleVms): array {
    $results = [];
    foreach ($singleVms as $vm) {
        $results[] = (new DnsSync([$row(2), $row(3)], $options))->resync($vm);
    }
    return [count($singleVms), $results];
});

// ---- read back -----------------------------------------------------------

$found = match ($provider) {
    'cloudflare' => read_cloudflare($cf['control'], $cf['ids']),
    'hestia' => read_hestia($hestia['control'], $hestia['user'], $config['zones']),
    'powerdns' => read_powerdns($pdns['url'], $pdns['key'], $config['zones']),
};
$missing = [];
foreach ([...$manyVms, ...$singleVms] as $vm) {
    $fqdn = "{$vm['name']}.{$vm['domain']}";
    $ip = $vm['ips'][0];
    $want = ["$fqdn A" => [$ip], DnsZoneManager::reverseName($ip) . ' PTR' => [$fqdn]];
    foreach ($want as $key => $contents) {
        if (($found[$key] ?? []) !== $contents) {
            $missing[] = "$key: " . json_encode($found[$key] ?? []);
        }
    }
}
printf("read back: %d of %d records as they should be%s\n", 4 * $n - count($missing), 4 * $n,
    $missing === [] ? '' : '; first wrong: ' . implode('; ', array_slice($missing, 0, 3)));
$sample = process_sample();
printf("this process: VmRSS %.1f MB (peak %.1f MB), %d threads\n",
    $sample['rss_kb'] / 1024, $sample['hwm_kb'] / 1024, $sample['threads']);
exit($failed === 0 && $missing === [] ? 0 : 1);
