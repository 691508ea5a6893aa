<?php

declare(strict_types=1);

namespace PuqDns\Module\Sync;

use PuqDns\DnsSync;
use PuqDns\Module\Log\ModuleLog;
use PuqDns\Module\Log\Printable;
use PuqDns\Module\Log\ResultLog;
use PuqDns\Module\Log\WhmcsModuleLog;
use PuqDns\Module\Store\InvalidVmException;
use PuqDns\Module\Store\Schema;
use PuqDns\Module\Store\VmNotFoundException;
use PuqDns\Module\Store\VmStore;
use PuqDns\Module\Store\WhmcsSecretBox;
use PuqDns\Module\Store\ZoneStore;

/**
 * What the provisioning module calls: deploy, change package, terminate,
 * the "Set DNS records" button and its cron task. Zones come from the
 * ZoneStore, VMs are remembered in the VmStore, failures go to the module
 * log.
 *
 * deploy(), changePackage(), terminate() and resync() never throw: a DNS
 * outage, a broken zone row, a database error or a malformed VM array is
 * logged and the call returns, so the provisioning pipeline always goes on.
 * They give the DnsSync result, or null when the sync did not run here (it
 * could not, or the VM's holder runs it: see below).
 *
 * The state at the moment of writing wins. Every call first records what
 * it wants (VmStore::save/terminate), then takes the VM (VmStore::lock) and
 * syncs from what DNS holds (the VM last written) to what is wanted. A call
 * that finds the VM held (a cron run is writing it) waits up to
 * `$lockWaitSeconds`, then leaves its change to that holder: the holder
 * sees the newer version when it finishes and syncs again, so a terminate
 * or a package change that lands in the middle of a cron run is never
 * undone by it.
 *
 * `$out` receives the live cron lines (`fwd OK …`, `rev ERR …`) as each
 * operation ends; pass `fn (string $line) => print("$line\n")` for a cron.
 */
final class DnsService
{
    /** How long a VM is held without a renewal: longer than any call should last. */
    public const DEFAULT_LEASE_SECONDS = 3600;

    /** How long a lifecycle call waits for a held VM before it leaves its change to the holder. */
    public const DEFAULT_LOCK_WAIT_SECONDS = 5.0;

    /** Times a holder syncs a VM that keeps changing meanwhile before it leaves it to the next run. */
    private const ROUNDS = 3;

    /** VMs per resyncMany of a cron run: the lease is renewed between them too. */
    private const BATCH = 200;

    /** @var array<int, string> VMs this object holds now, by id, with the holder's name */
    private array $holding = [];
    private bool $releaseAtShutdown = false;

    /**
     * @param array<string, mixed> $options DnsSync options (timeout, retries, …), without on_progress and heartbeat
     */
    public function __construct(
        private readonly ZoneStore $zones,
        private readonly VmStore $vms,
        private readonly ModuleLog $log,
        private readonly array $options = [],
        private readonly float $lockWaitSeconds = self::DEFAULT_LOCK_WAIT_SECONDS,
        private readonly int $leaseSeconds = self::DEFAULT_LEASE_SECONDS,
    ) {
        foreach (['on_progress', 'heartbeat'] as $own) {
            if (array_key_exists($own, $options)) {
                throw new \InvalidArgumentException(
                    "$own is set by DnsService itself; pass \$out to each call instead"
                );
            }
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
        return $this->lifecycle('create', $vm, $out, function () use ($vm): int {
            $this->vms->save($vm);
            return VmStore::idOf($vm);
        });
    }

    /**
     * Change package: removes what DNS holds for the VM that the new one
     * has not, and resyncs the new one. $old stands for what DNS holds only
     * for a VM never written here. Never throws.
     */
    public function changePackage(array $new, ?array $old = null, ?callable $out = null): ?array
    {
        return $this->lifecycle('update', $new, $out, function () use ($new, $old, $out): int {
            if ($old !== null && !self::isValid($old)) {
                // The new VM's records matter more than the old one's leftovers.
                self::say(
                    $out,
                    'VM ' . VmStore::idOf($new)
                    . ': the old VM given is refused and left out; the remembered one stands for it'
                );
                $old = null;
            }
            $this->vms->save($new, $old);
            return VmStore::idOf($new);
        });
    }

    /**
     * Terminate: deletes the VM's records and forgets it once they are
     * gone. A VM given by id is the one remembered; a given array the
     * extension refuses stands for the remembered one too, when there is
     * one, since its records must go whatever the hook passed. Never throws.
     */
    public function terminate(array|int $vm, ?callable $out = null): ?array
    {
        return $this->lifecycle('delete', $vm, $out, function () use ($vm, $out): int {
            $id = is_int($vm) ? $vm : VmStore::idOf($vm);
            if (is_array($vm)) {
                try {
                    $this->vms->save($vm);
                } catch (InvalidVmException $e) {
                    if ($this->vms->find($id) === null) {
                        throw $e;
                    }
                    $message = "VM $id: the VM given to terminate is refused ({$e->getMessage()});"
                        . ' the remembered VM is terminated';
                    $this->logProblem('delete', $message, $id, [], 'warning');
                    self::say($out, $message);
                }
            }
            $this->vms->terminate($id);
            return $id;
        });
    }

    /**
     * Resync now, in this request (admins and the CLI; the button queues
     * instead). A VM given by id is the one remembered. Never throws.
     */
    public function resync(array|int $vm, ?callable $out = null): ?array
    {
        return $this->lifecycle('resync', $vm, $out, function () use ($vm): int {
            if (is_int($vm)) {
                $this->vms->get($vm);
                return $vm;
            }
            $this->vms->save($vm);
            return VmStore::idOf($vm);
        });
    }

    /**
     * What create, delete or resync would do, changing nothing. An admin
     * tool, so it throws (ConfigException, VmNotFoundException) instead of
     * logging. $options override the service's DnsSync options (a page an
     * admin waits for wants short timeouts).
     */
    public function plan(string $action, array|int $vm, array $options = []): array
    {
        $result = $this->session(null, null, self::DEFAULT_LEASE_SECONDS, $options)->sync->plan(
            $action,
            is_int($vm) ? $this->vms->get($vm) : $vm
        );
        $this->rememberSizes([$result]);
        return $result;
    }

    /**
     * What a resync of each VM would do, the reads of all VMs merged per
     * zone, changing nothing (DnsSync::planMany): results by VM id. An
     * admin tool, like plan().
     *
     * @param array<int|string, array> $vms VM arrays
     * @return array<int|string, array>
     */
    public function planMany(array $vms, array $options = []): array
    {
        $results = $this->session(null, null, self::DEFAULT_LEASE_SECONDS, $options)->sync->planMany(
            array_values($vms)
        );
        $this->rememberSizes($results);
        return $results;
    }

    /**
     * Whether a plan's VM has drifted: `right` (every record as it should
     * be), `drifted` (something to create or delete) or `unknown` (a zone
     * could not be read).
     */
    public static function driftOf(array $plan): string
    {
        $ops = $plan['operations'] ?? [];
        return match (true) {
            array_filter($ops, static fn (array $op): bool => $op['status'] === 'error') !== [] => 'unknown',
            array_filter($ops, static fn (array $op): bool => $op['op'] !== 'keep') !== [] => 'drifted',
            default => 'right',
        };
    }

    /**
     * The "Set DNS records" button: queues the VM for the next cron run and
     * returns at once. Given the VM array (as the module knows it now), the
     * VM is saved first, so a VM deployed before puq_dns was installed, or
     * changed since, is resynced as it is now. Pressed while a run holds
     * the VM, it stays queued for the next run.
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
     * The cron task: takes every queued VM nobody else holds, syncs them
     * (resyncs together, with writes merged per zone), with live lines,
     * logs the failures and puts each VM's status back. Its hold on the VMs
     * is renewed while it runs. Never throws.
     *
     * @return array{owner: string, vms: list<int>, ok: list<int>, failed: list<int>,
     *     skipped_zones: array<int, string>, error: ?string}
     */
    public function runQueue(?callable $out = null, ?string $owner = null, ?int $leaseSeconds = null): array
    {
        $owner ??= VmStore::newOwner('cron');
        $lease = $leaseSeconds ?? $this->leaseSeconds;
        $summary = ['owner' => $owner, 'vms' => [], 'ok' => [], 'failed' => [], 'skipped_zones' => [], 'error' => null];
        $claimed = [];
        try {
            $claimed = $this->vms->claim($owner, $lease);
            $this->hold(array_fill_keys(array_keys($claimed), $owner));
            $summary['vms'] = array_keys($claimed);
            if ($claimed === []) {
                return $summary;
            }
            $session = $this->session($out, $owner, $lease);
            $summary['skipped_zones'] = $session->skipped;
            foreach ($claimed as $id => $state) {
                self::say($out, sprintf(
                    $state['terminated'] ? 'VM %d: delete the records of %s' : 'VM %d: set DNS records for %s',
                    $id,
                    VmStore::fqdnOf($state['vm']),
                ));
            }
            $results = $this->syncHeld($session, $claimed, $owner, 'resync');
            foreach (array_keys($claimed) as $id) {
                $summary[($results[$id]['ok'] ?? false) ? 'ok' : 'failed'][] = $id;
            }
        } catch (\Throwable $e) {
            $summary['error'] = $e->getMessage();
            $summary['failed'] = array_values(array_diff($summary['vms'], $summary['ok']));
            $this->logProblem('resync', 'the set DNS records run stopped: ' . $e->getMessage());
            self::say($out, 'ERR the run stopped: ' . $e->getMessage());
        } finally {
            $this->letGo(array_keys($claimed), $owner);
        }
        return $summary;
    }

    /**
     * One lifecycle call: records what it wants, takes the VM (or leaves
     * the change to its holder), syncs, lets go. Nothing escapes it.
     *
     * @param \Closure(): int $record records the intent; gives the VM id
     */
    private function lifecycle(string $action, array|int $vm, ?callable $out, \Closure $record): ?array
    {
        $vmId = is_int($vm) ? $vm : self::maybeId($vm['id'] ?? null);
        $owner = VmStore::newOwner($action);
        $held = false;
        try {
            $id = $record();
            $holder = $this->acquire($id, $owner);
            if ($holder !== null) {
                // The holder syncs the newer version when it is done; should
                // it stop first, the next cron run takes the VM.
                $this->vms->queue($id, false);
                $message = "VM $id is held by $holder: its $action is left to that holder,"
                    . ' which applies it when its own sync ends';
                $this->logProblem($action, $message, $id, [], 'info');
                self::say($out, $message);
                return null;
            }
            $held = true;
            $session = $this->session($out, $owner, $this->leaseSeconds);
            return $this->syncHeld($session, [$id => $this->vms->state($id)], $owner, $action)[$id] ?? null;
        } catch (\Throwable $e) {
            $message = sprintf('%s of VM %s did not run: %s', $action, $vmId ?? '?', $e->getMessage());
            $this->logProblem($action, $message, $vmId, ['exception' => get_class($e)]);
            self::say($out, "ERR $message");
            return null;
        } finally {
            if ($held) {
                $this->letGo([$id], $owner);
            }
        }
    }

    /**
     * Takes the VM, waiting up to the lock wait for another holder to let go.
     *
     * @return string|null null when taken, else the holder
     */
    private function acquire(int $id, string $owner): ?string
    {
        $deadline = microtime(true) + $this->lockWaitSeconds;
        while (true) {
            $holder = $this->vms->lock($id, $owner, $this->leaseSeconds);
            if ($holder === null) {
                $this->hold([$id => $owner]);
                return null;
            }
            if (microtime(true) >= $deadline) {
                return $holder;
            }
            usleep(100_000);
        }
    }

    /**
     * Syncs VMs $owner holds from what DNS holds to what is wanted, and
     * lets each go once the version it synced is still the wanted one; a
     * VM changed meanwhile is synced again (up to ROUNDS times, then left
     * queued for the next run).
     *
     * @param array<int, array{vm: array, synced: ?array, version: int, terminated: bool}> $states by id
     * @return array<int, array> the last result of each VM, by id
     */
    private function syncHeld(Session $session, array $states, string $owner, string $action): array
    {
        $results = [];
        for ($round = 1; $states !== []; $round++) {
            $again = [];
            foreach ($this->run($session, $states, $action) as $id => $result) {
                $results[$id] = $result;
                $state = $states[$id];
                $session->log->result($result);
                self::say($session->out, self::summaryLine($id, $result));
                if (!$state['terminated'] && self::isValid($state['vm'])) {
                    $this->vms->wrote($id, $owner, $state['vm']);
                }
                $finished = $this->vms->finish($id, $owner, $state['version'], $state['terminated'] && $result['ok']);
                if ($finished === VmStore::RELEASED || $finished === VmStore::LOST) {
                    $this->holding = array_diff_key($this->holding, [$id => true]);
                    continue;
                }
                if ($round >= self::ROUNDS) {
                    $this->vms->queue($id);
                    $this->letGo([$id], $owner);
                    self::say(
                        $session->out,
                        "VM $id keeps changing while it is synced: the next cron run takes it again"
                    );
                    continue;
                }
                self::say($session->out, "VM $id changed while it was synced: syncing it again");
                $again[$id] = $this->vms->state($id);
            }
            $states = $again;
            $action = 'resync';
        }
        return $results;
    }

    /**
     * Runs the sync each held VM needs: a delete of what it had for a
     * terminated VM, an update from what DNS holds when that differs from
     * what is wanted, else the action asked for; plain resyncs together.
     *
     * @param array<int, array{vm: array, synced: ?array, version: int, terminated: bool}> $states
     * @return array<int, array> results by id
     */
    private function run(Session $session, array $states, string $action): array
    {
        $sync = $session->sync;
        $results = [];
        $resyncs = [];
        foreach ($states as $id => $state) {
            $vm = $state['vm'];
            // A row written by hand or by an older version may hold anything.
            $valid = self::isValid($vm);
            $old = $state['synced'] !== null && $state['synced'] !== $vm && self::isValid($state['synced'])
                ? $state['synced']
                : null;
            // Whatever may have records of a terminated VM: what was wanted and what was written.
            $gone = array_values(array_filter([$valid ? $vm : null, $old]));
            if ($state['terminated'] && $gone !== []) {
                $results[$id] = self::merged(array_map(static fn (array $vm): array => $sync->delete($vm), $gone));
            } elseif (!$valid || $action === 'resync' && $old === null) {
                // resyncMany reports a VM it cannot read as that VM's own
                // failure, where resync() would throw for the whole run.
                $resyncs[$id] = $vm;
            } elseif ($old !== null) {
                $results[$id] = $sync->update($old, $vm);
            } else {
                $results[$id] = $action === 'create' ? $sync->create($vm) : $sync->resync($vm);
            }
        }
        foreach (array_chunk($resyncs, self::BATCH, true) as $batch) {
            $session->renew();
            foreach ($sync->resyncMany($batch) as $id => $result) {
                $results[(int) $id] = $result;
            }
        }
        $this->rememberSizes($results);
        // In the order the VMs came.
        return array_replace(array_intersect_key($states, $results), $results);
    }

    /** Keeps the zone sizes the results saw; a store that cannot write them stops nothing. */
    private function rememberSizes(array $results): void
    {
        try {
            $this->zones->rememberSizes($results);
        } catch (\Throwable $e) {
            $this->logProblem(
                'zones',
                'the zones\' sizes could not be kept: ' . $e->getMessage(),
                null,
                ['exception' => get_class($e)],
                'warning'
            );
        }
    }

    /**
     * A DnsSync over every usable zone, the lines going to $out, its
     * heartbeat renewing $owner's hold, and the result log with the zones'
     * secrets. Each zone left out is logged and said once per call.
     */
    private function session(
        ?callable $out,
        ?string $owner = null,
        int $lease = self::DEFAULT_LEASE_SECONDS,
        array $options = []
    ): Session {
        [$rows, $skipped] = $this->zones->usableRows();
        $log = new ResultLog($this->log, self::secretsOf($rows));
        foreach ($skipped as $zoneId => $reason) {
            $log->problem('warning', 'zones', "zone $zoneId is left out of DNS syncs: $reason", null, $zoneId);
            self::say($out, "zone $zoneId left out: $reason");
        }
        $options += $this->options;
        $sizes = $this->zones->sizes();
        if ($sizes !== [] && !array_key_exists('zone_records', $options)) {
            $options['zone_records'] = $sizes;
        }
        if ($out !== null) {
            $options['on_progress'] = static function (array $op) use ($out): void {
                self::say($out, sprintf('VM %s: %s', $op['vm'], $op['line']));
            };
        }
        $renew = static function (): void {
        };
        if ($owner !== null) {
            $vms = $this->vms;
            $renew = static function () use ($vms, $owner, $lease): void {
                $vms->renew($owner, $lease);
            };
            // A quarter of the lease: three beats may be missed before another run could take the VMs.
            $options['heartbeat'] = $renew;
            $options['heartbeat_interval'] = min(60.0, max(0.05, $lease / 4));
        }
        return new Session(new DnsSync($rows, $options), $log, $skipped, $out, $renew);
    }

    /**
     * Remembers what this object holds, and lets it go when the PHP
     * process ends (a request killed by max_execution_time runs shutdown
     * functions but no finally): otherwise the VMs would wait for the lease.
     *
     * @param array<int, string> $held
     */
    private function hold(array $held): void
    {
        $this->holding = $held + $this->holding;
        if (!$this->releaseAtShutdown && $held !== []) {
            $this->releaseAtShutdown = true;
            register_shutdown_function(function (): void {
                foreach ($this->holding as $id => $owner) {
                    try {
                        $this->vms->release($id, $owner);
                    } catch (\Throwable) {
                        // The lease ends by itself.
                    }
                }
            });
        }
    }

    /** @param list<int> $ids */
    private function letGo(array $ids, string $owner): void
    {
        foreach ($ids as $id) {
            try {
                $this->vms->release($id, $owner);
            } catch (\Throwable $e) {
                // The lease ends by itself; the next run takes the VM again.
                $this->logProblem('resync', "VM $id stays held until its lease ends: " . $e->getMessage(), $id);
            }
            unset($this->holding[$id]);
        }
    }

    /** Whether the extension would write this VM in full (an old row may hold anything). */
    private static function isValid(array $vm): bool
    {
        try {
            VmStore::check($vm);
            return true;
        } catch (InvalidVmException) {
            return false;
        }
    }

    /**
     * Results of several calls for one VM as one: every operation, summed
     * counts, ok only if each was.
     *
     * @param non-empty-list<array> $results
     */
    private static function merged(array $results): array
    {
        $first = array_shift($results);
        foreach ($results as $result) {
            $first['ok'] = $first['ok'] && $result['ok'];
            foreach (['operations', 'errors', 'lines'] as $list) {
                $first[$list] = [...$first[$list], ...$result[$list]];
            }
            $first['unmatched'] = array_values(array_unique([...$first['unmatched'], ...$result['unmatched']]));
            foreach ($result['counts'] as $count => $n) {
                $first['counts'][$count] += $n;
            }
        }
        return $first;
    }

    private function logProblem(
        string $action,
        string $message,
        ?int $vmId = null,
        array $context = [],
        string $level = 'error'
    ): void {
        // Without the zones' secrets at hand (they may be what failed); the
        // message holds none: it is this module's or the extension's text.
        (new ResultLog($this->log, []))->problem($level, $action, $message, $vmId, null, $context);
    }

    /** @return list<string> every credential of the rows */
    private static function secretsOf(array $rows): array
    {
        $secrets = [];
        foreach ($rows as $row) {
            foreach (Schema::secretColumns() as $column) {
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
            $out(Printable::line($line));
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
