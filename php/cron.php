#!/usr/bin/env php
<?php

/**
 * The standalone cron entry point, as the provisioning module's cron.php
 * runs its tasks:
 *
 *   php -d extension=/path/to/libpuq_dns.so php/cron.php --run-task=set_dns_records
 *
 * `set_dns_records` (also accepted: `process_vms`) resyncs every VM queued
 * by "Set DNS records", printing each operation's line as it ends. A lock
 * per VM (see VmStore) keeps two runs from working on the same VM, so the
 * crontab may start it every minute. Exit status as `puq-dns cron`.
 */

declare(strict_types=1);

require __DIR__ . '/autoload.php';

$task = null;
$rest = [];
for ($i = 1; $i < count($argv); $i++) {
    if (preg_match('/^--run-task(?:=(.*))?$/', $argv[$i], $m)) {
        $task = ($m[1] ?? '') !== '' ? $m[1] : ($argv[++$i] ?? '');
    } else {
        $rest[] = $argv[$i];
    }
}
if (!in_array($task, ['set_dns_records', 'process_vms'], true)) {
    fwrite(STDERR, "usage: cron.php --run-task=set_dns_records [--config FILE]\n");
    exit(2);
}
exit((new PuqDns\Module\Cli\Cli())->run([$argv[0], ...$rest, 'cron']));
