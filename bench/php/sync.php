<?php
// One DnsSync call as the scale benchmark (bench/src/bin/scale.rs) times
// it: the whole process, from spawn to exit.
//
//   php -d extension=target/release/libpuq_dns.so bench/php/sync.php JOB.json
//
// JOB.json: {"zones": [zone rows], "options": {…} | null,
//            "action": "create" | "resync" | "resyncMany", "vms": [VM arrays]}
// (create and resync take the first VM). Prints one line of JSON: whether
// every result is ok, the operation counts summed over the VMs, the first
// failed operations, the unmatched names, the time of the call itself in
// ms, and the result's `stats` once per zone (every VM of a call reports
// the zones it had sets in; they share each zone's read and write, so a
// zone whose copies differ is printed under `stats_conflicts`).

declare(strict_types=1);

if ($argc !== 2) {
    fwrite(STDERR, "usage: php -d extension=…/libpuq_dns.so bench/php/sync.php JOB.json\n");
    exit(2);
}
$job = json_decode((string) file_get_contents($argv[1]), true, 64, JSON_THROW_ON_ERROR);

$sync = new PuqDns\DnsSync($job['zones'], $job['options'] ?? null);
$started = hrtime(true);
switch ($job['action']) {
    case 'create':
        $results = [$sync->create($job['vms'][0])];
        break;
    case 'resync':
        $results = [$sync->resync($job['vms'][0])];
        break;
    case 'resyncMany':
        $results = array_values($sync->resyncMany($job['vms']));
        break;
    default:
        fwrite(STDERR, "unknown action {$job['action']}\n");
        exit(2);
}
$callMs = (hrtime(true) - $started) / 1e6;

$out = [
    'ok' => true,
    'results' => count($results),
    'call_ms' => $callMs,
    'counts' => ['created' => 0, 'deleted' => 0, 'unchanged' => 0, 'failed' => 0],
    'errors' => [],
    'unmatched' => [],
    'stats' => [],
    'stats_conflicts' => [],
];
$byZone = [];
foreach ($results as $result) {
    $out['ok'] = $out['ok'] && $result['ok'];
    foreach ($result['counts'] as $key => $n) {
        $out['counts'][$key] += $n;
    }
    foreach ($result['errors'] as $op) {
        if (count($out['errors']) < 5) {
            $out['errors'][] = "{$op['op']} {$op['rrtype']} {$op['name']} {$op['content']} zone {$op['zone']}: {$op['error']}";
        }
    }
    foreach ($result['unmatched'] as $name) {
        $out['unmatched'][] = $name;
    }
    foreach ($result['stats'] as $zone) {
        $key = (string) $zone['zone_id'];
        if (!isset($byZone[$key])) {
            $byZone[$key] = $zone;
        } elseif ($byZone[$key] !== $zone) {
            $out['stats_conflicts'][] = [$byZone[$key], $zone];
        }
    }
}
$out['stats'] = array_values($byZone);
$out['vm_hwm_kib'] = peakResidentKib();
echo json_encode($out, JSON_THROW_ON_ERROR), "\n";

/**
 * The process's peak resident memory so far (VmHWM of /proc/self/status),
 * in KiB: the Rust side's too, which memory_get_peak_usage() does not see.
 */
function peakResidentKib(): int
{
    $status = (string) file_get_contents('/proc/self/status');
    return preg_match('/^VmHWM:\s+(\d+) kB$/m', $status, $m) === 1 ? (int) $m[1] : -1;
}
