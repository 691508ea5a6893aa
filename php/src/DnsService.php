<?php

declare(strict_types=1);

namespace PuqDns\Module;

use PuqDns\DnsSync;

/**
 * What the provisioning module calls: deploy, change package, terminate,
 * the "Set DNS records" button and its cron task. Zones come from the ZoneStore, VMs are remembered in the VmStore,
 * failures go to the module log.
 *
 * deploy(), changePackage() and terminate() never throw: a DNS outage, a
 * broken zone row, a database error or a malformed VM array is logged and
 * the hook returns, so the provisioning pipeline always goes on. They give
 * the DnsSync result, or null when the sync could not run at all.
 *
 * `$out` receives the live cron lines (`fwd OK …`, `rev ERR …`) as each
 * operation ends; pass `fn (string $line) => print("$line\n")` for a cron.
 */
final class DnsService
{
    /** How long a cron run holds the VMs it took: longer than any run should last. */
    public const DEFAULT_LEASE_SECONDS = 3600;

    /**
     * @param array<string, mixed> $options DnsSync options (timeout, retries, …), without on_progress
     */
    public function __construct(
        private readonly ZoneStore $zones,
        private readonly VmStore $vms,
        private readonly ModuleLog $log,
        private readonly array $options = [],
    ) {
        if (array_key_exists('on_progress', $options)) {
            throw new \InvalidArgumentException('pass $out to each call instead of an on_progress option');
        }
    }

    /**
     * The service inside WHMCS: its database (Capsule's PDO), its
     * encrypt()/decrypt() for the stored credentials and its module log.
     * Creates the tables on first use.
     *
     *     $dns = DnsService::inWhmcs(\WHMCS\Database\Capsule::connection()->getPdo());
     *
     * @param array<string, mixed> $options DnsSync options
     */
    public static function inWhmcs(\PDO $pdo, array $options = []): self
    {
        Schema::install($pdo);
        return new self(new ZoneStore($pdo, new WhmcsSecretBox()), new VmStore($pdo), new WhmcsModuleLog(), $options);
    }

    /** Deploy: remembers the VM and creates its records. Never throws. */
    public function deploy(array $vm, ?callable $out = null): ?array
    {
        return $this->guarded('create', $vm, $out, function (Session $session) use ($vm): array {
            $this->vms->save($vm);
            return $session->sync->create($vm);
        });
    }

    /**
     * Change package: removes what the old VM had that the new one has not,
     * and resyncs the new one. Without $old, the VM as last remembered is the
     * old one. Never throws.
     */
    public function changePackage(array $new, ?array $old = null, ?callable $out = null): ?array
    {
        return $this->guarded('update', $new, $out, function (Session $session) use ($new, $old): array {
            $old ??= $this->vms->find(VmStore::idOf($new));
            $this->vms->save($new);
            return $old === null ? $session->sync->resync($new) : $session->sync->update($old, $new);
        });
    }

    /**
     * Terminate: deletes the VM's records and forgets it. A VM given by id
     * is the one remembered. Never throws.
     */
    public function terminate(array|int $vm, ?callable $out = null): ?array
    {
        return $this->guarded('delete', $vm, $out, function (Session $session) use ($vm): array {
            $vm = is_int($vm) ? $this->vms->get($vm) : $vm;
            $result = $session->sync->delete($vm);
            // Forgotten only when every record is gone: after a failure the
            // VM stays known, so that a later terminate can still find it.
            if ($result['ok']) {
                $this->vms->remove(VmStore::idOf($vm));
            }
            return $result;
        });
    }

    /**
     * Resync now, in this request (admins and the CLI; the button queues
     * instead). A VM given by id is the one remembered. Never throws.
     */
    public function resync(array|int $vm, ?callable $out = null): ?array
    {
        return $this->guarded('resync', $vm, $out, function (Session $session) use ($vm): array {
            if (is_array($vm)) {
                $this->vms->save($vm);
            }
            return $session->sync->resync(is_int($vm) ? $this->vms->get($vm) : $vm);
        });
    }

    /**
     * What create, delete or resync would do, changing nothing. An admin
     * tool, so it throws (ConfigException, VmNotFoundException) instead of
     * logging.
     */
    public function plan(string $action, array|int $vm): array
    {
        $session = $this->session(null);
        return $session->sync->plan($action, is_int($vm) ? $this->vms->get($vm) : $vm);
    }

    /**
     * The "Set DNS records" button: queues the VM for the next cron run and
     * returns at once. Given the VM array (as the module knows it now), the
     * VM is saved first, so a VM deployed before puq_dns was installed, or
     * changed since, is resynced as it is now.
     *
     * @throws VmNotFoundException for an id never deployed here
     * @throws InvalidVmException for an array that cannot be stored
     */
    public function setDnsRecords(array|int $vm): void
    {
        if (is_array($vm)) {
            $this->vms->save($vm);
            $vm = VmStore::idOf($vm);
        }
        $this->vms->queue($vm);
    }

    /**
     * The cron task: takes every queued VM nobody else holds, resyncs them
     * together (writes merged per zone) with live lines, logs the failures
     * and puts each VM's status back. Never throws.
     *
     * @return array{owner: string, vms: list<int>, ok: list<int>, failed: list<int>, skipped_zones: array<int, string>, error: ?string}
     */
    public function runQueue(?callable $out = null, ?string $owner = null, int $leaseSeconds = self::DEFAULT_LEASE_SECONDS): array
    {
        $owner ??= gethostname() . ':' . getmypid() . ':' . bin2hex(random_bytes(4));
        $summary = ['owner' => $owner, 'vms' => [], 'ok' => [], 'failed' => [], 'skipped_zones' => [], 'error' => null];
        $claimed = [];
        try {
            $claimed = $this->vms->claim($owner, $leaseSeconds);
            $summary['vms'] = array_keys($claimed);
            if ($claimed === []) {
                return $summary;
            }
            $session = $this->session($out);
            $summary['skipped_zones'] = $session->skipped;
            foreach ($claimed as $id => $vm) {
                self::say($out, sprintf('VM %d: set DNS records for %s', $id, VmStore::fqdnOf($vm)));
            }
            foreach ($session->sync->resyncMany($claimed) as $id => $result) {
                $session->log->result($result);
                $summary[$result['ok'] ? 'ok' : 'failed'][] = (int) $id;
                self::say($out, self::summaryLine((int) $id, $result));
            }
        } catch (\Throwable $e) {
            $summary['error'] = $e->getMessage();
            $summary['failed'] = array_values(array_diff($summary['vms'], $summary['ok']));
            $this->logProblem('resync', 'the set DNS records run stopped: ' . $e->getMessage());
            self::say($out, 'ERR the run stopped: ' . $e->getMessage());
        } finally {
            foreach (array_keys($claimed) as $id) {
                try {
                    $this->vms->release($id, $owner);
                } catch (\Throwable $e) {
                    // The lease ends by itself; the next run takes the VM again.
                    $this->logProblem('resync', "VM $id stays locked until its lease ends: " . $e->getMessage(), $id);
                }
            }
        }
        return $summary;
    }

    /**
     * Runs one lifecycle call so that nothing escapes it: the result is
     * logged, any failure is logged and turned into null.
     *
     * @param \Closure(Session): array $call
     */
    private function guarded(string $action, array|int $vm, ?callable $out, \Closure $call): ?array
    {
        $vmId = is_int($vm) ? $vm : self::maybeId($vm['id'] ?? null);
        try {
            $session = $this->session($out);
            $result = $call($session);
            $session->log->result($result);
            self::say($out, self::summaryLine($vmId ?? $result['vm'], $result));
            return $result;
        } catch (\Throwable $e) {
            $message = sprintf('%s of VM %s did not run: %s', $action, $vmId ?? '?', $e->getMessage());
            $this->logProblem($action, $message, $vmId, ['exception' => get_class($e)]);
            self::say($out, "ERR $message");
            return null;
        }
    }

    /**
     * A DnsSync over every usable zone, the lines going to $out, and the
     * result log with the zones' secrets. Each zone left out is logged and
     * said once per call.
     */
    private function session(?callable $out): Session
    {
        [$rows, $skipped] = $this->zones->usableRows();
        $log = new ResultLog($this->log, self::secretsOf($rows));
        foreach ($skipped as $zoneId => $reason) {
            $log->problem('warning', 'zones', "zone $zoneId is left out of DNS syncs: $reason", null, $zoneId);
            self::say($out, "zone $zoneId left out: $reason");
        }
        $options = $this->options;
        if ($out !== null) {
            $options['on_progress'] = static function (array $op) use ($out): void {
                $out(sprintf('VM %s: %s', $op['vm'], $op['line']));
            };
        }
        return new Session(new DnsSync($rows, $options), $log, $skipped);
    }

    private function logProblem(string $action, string $message, ?int $vmId = null, array $context = []): void
    {
        // Without the zones' secrets at hand (they may be what failed); the
        // message holds none: it is this module's or the extension's text.
        (new ResultLog($this->log, []))->problem('error', $action, $message, $vmId, null, $context);
    }

    /** @return list<string> every credential of the rows */
    private static function secretsOf(array $rows): array
    {
        $secrets = [];
        foreach ($rows as $row) {
            foreach (Schema::SECRET_COLUMNS as $column) {
                if (is_string($row[$column] ?? null) && $row[$column] !== '') {
                    $secrets[] = $row[$column];
                }
            }
        }
        return array_values(array_unique($secrets));
    }

    private static function summaryLine(int|string|null $vmId, array $result): string
    {
        $c = $result['counts'];
        return sprintf(
            'VM %s: %s %s (%d created, %d deleted, %d unchanged, %d failed)',
            $vmId ?? '?',
            $result['action'],
            $result['ok'] ? 'OK' : 'ERR',
            $c['created'],
            $c['deleted'],
            $c['unchanged'],
            $c['failed'],
        );
    }

    private static function say(?callable $out, string $line): void
    {
        if ($out !== null) {
            $out($line);
        }
    }

    private static function maybeId(mixed $id): ?int
    {
        if (is_string($id) && preg_match('/^[1-9][0-9]{0,9}$/', $id)) {
            return (int) $id;
        }
        return is_int($id) && $id > 0 ? $id : null;
    }
}
