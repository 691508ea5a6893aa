<?php

declare(strict_types=1);

namespace PuqDns\Module\Store;

use PDO;
use PuqDns\ConfigException;
use PuqDns\DnsSync;

/**
 * The VMs table (Schema::VMS): each VM as it is wanted, the VM its records
 * were last written for, and the queue of the "Set DNS records" button.
 *
 * Why keep the VM: a change of package has to know what DNS holds (update()
 * removes what the old VM had that the new one has not), and terminate may
 * come when the provisioning module has already forgotten the IPs.
 *
 * What stays true, whoever writes and whenever they stop:
 * - Only a VM the extension accepts is saved (DnsSync::normalizeVm), so a
 *   bad array from a hook never replaces the remembered one.
 * - One writer per VM. Whoever writes a VM's records (a lifecycle call, a
 *   cron run) first takes the VM with lock(): `locked_by` names it,
 *   `locked_until` ends its lease, renew() extends it while it works. A
 *   holder that is gone (a process of this host that no longer runs) is
 *   taken over at once; any other holder's lease has to end.
 * - What is wanted may change while the VM is held: save() and terminate()
 *   need no lock, they count `version` up. The holder lets the VM go with
 *   finish(), which only succeeds for the version it wrote; otherwise the
 *   holder syncs again, so the last change always reaches DNS.
 * - The queue: queue() sets `status` to set_dns_records and remembers the
 *   status to restore; pressed while the VM is held, it also sets
 *   `requeued`, and the VM stays queued for the next run.
 */
final class VmStore
{
    /** The status of a VM waiting for the cron task. */
    public const QUEUED = 'set_dns_records';

    /** finish(): let go; `changed`: a newer version to sync; `lost`: another holder has it now. */
    public const RELEASED = 'released';
    public const CHANGED = 'changed';
    public const LOST = 'lost';

    public function __construct(
        private readonly PDO $pdo,
        private readonly string $table = Schema::VMS,
    ) {
        $this->pdo->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION);
    }

    // ------------------------------------------------------------ what is wanted

    /**
     * Saves the VM array (id, name, domain, ips, optional fqdn and ttl) as
     * what is wanted now, keeping its status and lock. A VM the extension
     * would not write in full (a bad name, TTL, address or client rDNS) is
     * refused and the remembered one stays.
     *
     * @param array|null $before what DNS may hold for a VM this store has
     *                           not written yet (the old VM of a package change)
     * @throws InvalidVmException naming the field and why
     */
    public function save(array $vm, ?array $before = null): void
    {
        $id = self::idOf($vm);
        $values = self::columnsOf($vm, $id);
        self::check($vm);
        $this->pdo->beginTransaction();
        try {
            $row = $this->row($id);
            if ($row === null) {
                $this->insert(['id' => $id] + $values + ['synced' => $before === null ? null : self::json($before)]);
            } else {
                // Nothing known of what DNS holds: the VM wanted until now
                // was written (it is how rows of older versions were kept).
                $this->execute(
                    $this->set($values) . ", {$this->q('synced')} = COALESCE({$this->q('synced')}, ?),"
                    . " {$this->q('version')} = {$this->q('version')} + 1, {$this->q('terminated')} = 0"
                    . " WHERE {$this->q('id')} = ?",
                    [...array_values($values), self::json($before ?? self::vmOf($row)), $id],
                );
            }
            $this->pdo->commit();
        } catch (\Throwable $e) {
            $this->pdo->rollBack();
            throw $e;
        }
    }

    /**
     * Marks the VM to be gone: its records are deleted by its holder, and
     * the row with them.
     *
     * @throws VmNotFoundException
     */
    public function terminate(int $id): void
    {
        $this->status($id);
        $this->execute(
            "UPDATE {$this->q($this->table)} SET {$this->q('terminated')} = 1,"
            . " {$this->q('version')} = {$this->q('version')} + 1"
            . " WHERE {$this->q('id')} = ?",
            [$id],
        );
    }

    /**
     * The VM array as DnsSync takes it. A row whose `ips` is not JSON any
     * more is still given, with `ips` as the raw text: DnsSync then reports
     * exactly that VM as malformed, and nothing else is lost.
     *
     * @throws VmNotFoundException
     */
    public function get(int $id): array
    {
        return self::vmOf($this->row($id) ?? throw new VmNotFoundException($id));
    }

    /** @return array<string, mixed>|null the VM array, or null when unknown */
    public function find(int $id): ?array
    {
        $row = $this->row($id);
        return $row === null ? null : self::vmOf($row);
    }

    /**
     * The VM as its holder syncs it: `vm` (wanted), `synced` (what its
     * records were last written for, or null), `version`, `terminated`.
     *
     * @return array{vm: array<string, mixed>, synced: ?array, version: int, terminated: bool}
     * @throws VmNotFoundException
     */
    public function state(int $id): array
    {
        return self::stateOf($this->row($id) ?? throw new VmNotFoundException($id));
    }

    /**
     * Every VM with its queue state, by id.
     *
     * @return list<array{vm: array<string, mixed>, status: string, locked_by: ?string, locked_until: ?string,
     *     terminated: bool, synced_at: ?string}>
     */
    public function all(): array
    {
        return array_map([self::class, 'queueStateOf'], $this->rows());
    }

    /**
     * One VM with its queue state, as all() lists it; null when unknown.
     *
     * @return array{vm: array<string, mixed>, status: string, locked_by: ?string, locked_until: ?string,
     *     terminated: bool, synced_at: ?string}|null
     */
    public function describe(int $id): ?array
    {
        $row = $this->row($id);
        return $row === null ? null : self::queueStateOf($row);
    }

    /** @return array{vm: array<string, mixed>, status: string, locked_by: ?string, locked_until: ?string, terminated: bool, synced_at: ?string} */
    private static function queueStateOf(array $row): array
    {
        return [
            'vm' => self::vmOf($row),
            'status' => (string) $row['status'],
            'locked_by' => $row['locked_by'],
            'locked_until' => $row['locked_until'],
            'terminated' => (bool) $row['terminated'],
            'synced_at' => $row['synced_at'] === null ? null : (string) $row['synced_at'],
        ];
    }

    /**
     * The legacy dns.php answer: one entry per address of every VM that is
     * not being terminated, `forward` the FQDN, `reverse` the PTR target
     * (the client's own rDNS where set). Only what the extension accepts
     * is given: the scripts fed by dns.php write zone files from it, and a
     * row written by hand or by an older version may hold anything.
     *
     * @return list<array{forward: string, ip: string, reverse: string}>
     */
    public function dnsMap(): array
    {
        $map = [];
        foreach ($this->rows() as $row) {
            $vm = self::vmOf($row);
            if ($row['terminated'] || !is_array($vm['ips'])) {
                continue;
            }
            foreach ($vm['ips'] as $entry) {
                try {
                    $normal = DnsSync::normalizeVm(['ips' => [$entry]] + $vm);
                } catch (ConfigException) {
                    continue;
                }
                foreach ($normal['addresses'] as $address) {
                    $map[] = ['forward' => $normal['fqdn'], 'ip' => $address['ip'], 'reverse' => $address['ptr']];
                }
            }
        }
        return $map;
    }

    /** The VM's FQDN as DnsSync makes it: `fqdn`, else `name.domain`. */
    public static function fqdnOf(array $vm): string
    {
        $fqdn = $vm['fqdn'] ?? null;
        return is_string($fqdn) && $fqdn !== '' ? $fqdn : ($vm['name'] ?? '?') . '.' . ($vm['domain'] ?? '?');
    }

    /** @throws VmNotFoundException */
    public function status(int $id): string
    {
        return (string) ($this->row($id) ?? throw new VmNotFoundException($id))['status'];
    }

    /** Sets the VM's own status (the provisioning module's, e.g. `active`). */
    public function setStatus(int $id, string $status): void
    {
        $this->status($id);
        $this->update($id, ['status' => $status]);
    }

    public function remove(int $id): void
    {
        $this->execute("DELETE FROM {$this->q($this->table)} WHERE {$this->q('id')} = ?", [$id]);
    }

    // ------------------------------------------------------------ the queue

    /**
     * Queues the VM for the next cron run and returns at once. Queueing a
     * VM that is already queued keeps the status to restore. A press while
     * the VM is held ($press) keeps it queued after the holder is done; a
     * change that waits for the holder (not a press) only makes sure a run
     * takes it should the holder stop.
     *
     * @throws VmNotFoundException
     */
    public function queue(int $id, bool $press = true): void
    {
        $this->status($id);
        $q = fn (string $name): string => $this->q($name);
        $requeued = $press
            ? "CASE WHEN {$q('locked_by')} IS NULL THEN {$q('requeued')} ELSE 1 END"
            : $q('requeued');
        $this->execute(
            "UPDATE {$q($this->table)} SET"
            . " {$q('previous_status')} = CASE WHEN {$q('status')} = ?"
            . " THEN {$q('previous_status')} ELSE {$q('status')} END,"
            . " {$q('status')} = ?, {$q('requeued')} = $requeued WHERE {$q('id')} = ?",
            [self::QUEUED, self::QUEUED, $id],
        );
    }

    /**
     * Takes up to $limit queued VMs for the run $owner, for $leaseSeconds,
     * and returns their state() by id. A VM another holder has is left
     * alone until that lease ends or that holder is gone.
     *
     * @return array<int, array{vm: array<string, mixed>, synced: ?array, version: int, terminated: bool}>
     */
    public function claim(string $owner, int $leaseSeconds, int $limit = 500): array
    {
        $q = fn (string $name): string => $this->q($name);
        $candidates = $this->pdo->prepare(
            "SELECT {$q('id')}, {$q('locked_by')}, {$q('locked_until')} FROM {$q($this->table)}"
            . " WHERE {$q('status')} = ? ORDER BY {$q('id')} LIMIT " . max(1, $limit)
        );
        $candidates->execute([self::QUEUED]);
        $now = self::time();
        $claimed = [];
        foreach ($candidates->fetchAll(PDO::FETCH_ASSOC) as $candidate) {
            $holder = $candidate['locked_by'];
            $free = $holder === null || (string) $candidate['locked_until'] < $now || self::isGone((string) $holder);
            if ($free && $this->take((int) $candidate['id'], $owner, $leaseSeconds, $holder, self::QUEUED)) {
                $claimed[(int) $candidate['id']] = $this->state((int) $candidate['id']);
            }
        }
        return $claimed;
    }

    // ------------------------------------------------------------ holding a VM

    /**
     * Takes the VM for $owner for $leaseSeconds, if nobody else holds it
     * (or their lease ended, or they are gone).
     *
     * @return string|null null when taken, else who holds it
     * @throws VmNotFoundException
     */
    public function lock(int $id, string $owner, int $leaseSeconds): ?string
    {
        $row = $this->row($id) ?? throw new VmNotFoundException($id);
        $holder = $row['locked_by'];
        $free = $holder === null || (string) $row['locked_until'] < self::time() || self::isGone((string) $holder);
        if ($free && $this->take($id, $owner, $leaseSeconds, $holder)) {
            return null;
        }
        return (string) ($this->row($id)['locked_by'] ?? $holder ?? 'another run');
    }

    /** Extends every lease $owner holds by $leaseSeconds from now. */
    public function renew(string $owner, int $leaseSeconds): void
    {
        $this->execute(
            "UPDATE {$this->q($this->table)} SET {$this->q('locked_until')} = ? WHERE {$this->q('locked_by')} = ?",
            [self::time($leaseSeconds), $owner],
        );
    }

    /** Records that $owner wrote the VM's records for $vm. Nothing when $owner no longer holds it. */
    public function wrote(int $id, string $owner, array $vm): void
    {
        $this->execute(
            "UPDATE {$this->q($this->table)} SET {$this->q('synced')} = ?, {$this->q('synced_at')} = ?"
            . " WHERE {$this->q('id')} = ? AND {$this->q('locked_by')} = ?",
            [self::json($vm), self::time(), $id, $owner],
        );
    }

    /**
     * Lets the VM go if what is wanted is still the $version that $owner
     * synced: its status is restored (or stays queued after a press during
     * the hold). A terminated VM whose records are gone ($gone) is removed.
     *
     * @return string RELEASED, CHANGED (still held: sync the newer version) or LOST (not held any more)
     */
    public function finish(int $id, string $owner, int $version, bool $gone = false): string
    {
        $q = fn (string $name): string => $this->q($name);
        $mine = "{$q('id')} = ? AND {$q('locked_by')} = ? AND {$q('version')} = ?";
        $done = $gone
            ? $this->execute(
                "DELETE FROM {$q($this->table)} WHERE $mine AND {$q('terminated')} = 1",
                [$id, $owner, $version]
            )
            : $this->execute(
                "UPDATE {$q($this->table)} SET {$this->letGo()} WHERE $mine",
                [self::QUEUED, self::QUEUED, $id, $owner, $version]
            );
        if ($done === 1) {
            return self::RELEASED;
        }
        return ($this->row($id)['locked_by'] ?? null) === $owner ? self::CHANGED : self::LOST;
    }

    /**
     * Ends $owner's hold on the VM whatever its version, and puts its
     * status back as finish() does. Does nothing when $owner no longer
     * holds it.
     */
    public function release(int $id, string $owner): void
    {
        $this->execute(
            "UPDATE {$this->q($this->table)} SET {$this->letGo()}"
            . " WHERE {$this->q('id')} = ? AND {$this->q('locked_by')} = ?",
            [self::QUEUED, self::QUEUED, $id, $owner],
        );
    }

    /**
     * A name for a holder, unique, and telling which process of which host
     * it is, so that a holder that is gone can be recognised.
     */
    public static function newOwner(string $what = 'run'): string
    {
        return sprintf('%s:%d:%s:%s', gethostname() ?: 'localhost', getmypid(), $what, bin2hex(random_bytes(4)));
    }

    /**
     * Whether $owner (a newOwner() name) is a process of this host that no
     * longer runs: killed, crashed, or ended without letting go.
     */
    public static function isGone(string $owner): bool
    {
        if (!preg_match('/^(.+):(\d+):[a-z-]+:[0-9a-f]+$/', $owner, $m) || $m[1] !== (gethostname() ?: 'localhost')) {
            return false;
        }
        $pid = (int) $m[2];
        if ($pid === getmypid()) {
            return false;
        }
        if (is_dir('/proc/self')) {
            return !file_exists("/proc/$pid");
        }
        // posix_kill(…, 0) fails with ESRCH (3) only for a process that does not exist.
        return function_exists('posix_kill') && !posix_kill($pid, 0) && posix_get_last_error() === 3;
    }

    // ------------------------------------------------------------ checks

    /**
     * The VM's id as this table keeps it.
     *
     * @throws InvalidVmException
     */
    public static function idOf(array $vm): int
    {
        $id = $vm['id'] ?? null;
        if (is_string($id) && preg_match('/^[1-9][0-9]{0,9}$/', $id)) {
            $id = (int) $id;
        }
        if (!is_int($id) || $id < 1 || $id > 4294967295) {
            throw new InvalidVmException('VM id must be a whole number from 1 to 4294967295, not ' . self::shown($id));
        }
        return $id;
    }

    /**
     * Refuses what the extension would not write in full: the rules of
     * DnsSync::normalizeVm, in one place.
     *
     * @throws InvalidVmException with the extension's words
     */
    public static function check(array $vm): void
    {
        try {
            DnsSync::normalizeVm($vm);
        } catch (ConfigException $e) {
            throw new InvalidVmException($e->getMessage(), 0, $e);
        }
    }

    // ------------------------------------------------------------ rows

    /** The SET part that lets a VM go and restores its status (binds QUEUED twice). */
    private function letGo(): string
    {
        $q = fn (string $name): string => $this->q($name);
        return "{$q('status')} = CASE WHEN {$q('requeued')} = 1 THEN ?"
            . " WHEN {$q('status')} = ? THEN COALESCE({$q('previous_status')}, '') ELSE {$q('status')} END,"
            . " {$q('previous_status')} = CASE WHEN {$q('requeued')} = 1 THEN {$q('previous_status')} ELSE NULL END,"
            . " {$q('requeued')} = 0, {$q('locked_by')} = NULL, {$q('locked_until')} = NULL";
    }

    /**
     * One conditional UPDATE: if another holder took the VM since it was
     * read, no row changes and the VM is not ours.
     */
    private function take(int $id, string $owner, int $leaseSeconds, ?string $holder, ?string $status = null): bool
    {
        $q = fn (string $name): string => $this->q($name);
        $sql = "UPDATE {$q($this->table)} SET {$q('locked_by')} = ?, {$q('locked_until')} = ? WHERE {$q('id')} = ?"
            . ($holder === null
                ? " AND {$q('locked_by')} IS NULL"
                : " AND {$q('locked_by')} = ?")
            . ($status === null ? '' : " AND {$q('status')} = ?");
        $params = [$owner, self::time($leaseSeconds), $id];
        if ($holder !== null) {
            $params[] = $holder;
        }
        if ($status !== null) {
            $params[] = $status;
        }
        return $this->execute($sql, $params) === 1;
    }

    /** @return array<string, mixed>|null */
    private function row(int $id): ?array
    {
        $statement = $this->pdo->prepare(
            'SELECT * FROM ' . $this->q($this->table) . ' WHERE ' . $this->q('id') . ' = ?'
        );
        $statement->execute([$id]);
        $row = $statement->fetch(PDO::FETCH_ASSOC);
        return $row === false ? null : $row;
    }

    /** @return list<array<string, mixed>> */
    private function rows(): array
    {
        return $this->pdo->query('SELECT * FROM ' . $this->q($this->table) . ' ORDER BY ' . $this->q('id'))
            ->fetchAll(PDO::FETCH_ASSOC);
    }

    /** The VM array of a row: what save() took, ids and numbers as ints. */
    private static function vmOf(array $row): array
    {
        $ips = json_decode((string) $row['ips'], true);
        $vm = [
            'id' => (int) $row['id'],
            'name' => (string) $row['name'],
            'domain' => (string) $row['domain'],
            'ips' => is_array($ips) ? $ips : (string) $row['ips'],
        ];
        if ($row['fqdn'] !== null && $row['fqdn'] !== '') {
            $vm['fqdn'] = (string) $row['fqdn'];
        }
        if ($row['ttl'] !== null) {
            $vm['ttl'] = (int) $row['ttl'];
        }
        return $vm;
    }

    /** @return array{vm: array<string, mixed>, synced: ?array, version: int, terminated: bool} */
    private static function stateOf(array $row): array
    {
        $synced = $row['synced'] === null ? null : json_decode((string) $row['synced'], true);
        return [
            'vm' => self::vmOf($row),
            'synced' => is_array($synced) ? $synced : null,
            'version' => (int) $row['version'],
            'terminated' => (bool) $row['terminated'],
        ];
    }

    /**
     * The columns of a VM array, checked for what the table can hold.
     *
     * @return array{name: string, domain: string, fqdn: ?string, ips: string, ttl: ?int}
     * @throws InvalidVmException
     */
    private static function columnsOf(array $vm, int $id): array
    {
        return [
            'name' => self::text($vm, 'name', $id),
            'domain' => self::text($vm, 'domain', $id),
            'fqdn' => isset($vm['fqdn']) ? self::text($vm, 'fqdn', $id) : null,
            'ips' => self::json(self::ips($vm, $id)),
            'ttl' => isset($vm['ttl']) ? self::whole($vm['ttl'], 'ttl', $id) : null,
        ];
    }

    private static function text(array $vm, string $key, int $id): string
    {
        $value = $vm[$key] ?? null;
        if (!is_string($value) || trim($value) === '' || strlen($value) > 255) {
            throw new InvalidVmException(
                "VM $id: $key must be a text of 1 to 255 characters, not " . self::shown($value)
            );
        }
        return $value;
    }

    /** @return list<string|array{ip: string, reverse?: string}> */
    private static function ips(array $vm, int $id): array
    {
        $ips = $vm['ips'] ?? null;
        if (!is_array($ips) || !array_is_list($ips)) {
            throw new InvalidVmException("VM $id: ips must be a list of addresses, not " . self::shown($ips));
        }
        foreach ($ips as $i => $ip) {
            $ok = is_string($ip)
                || (
                    is_array($ip)
                    && is_string($ip['ip'] ?? null)
                    && (!isset($ip['reverse']) || is_string($ip['reverse']))
                );
            if (!$ok) {
                throw new InvalidVmException(
                    "VM $id: ips[$i] must be an address or {ip, reverse}, not " . self::shown($ip)
                );
            }
        }
        return $ips;
    }

    private static function whole(mixed $value, string $key, int $id): int
    {
        if (is_string($value) && ctype_digit($value)) {
            $value = (int) $value;
        }
        if (!is_int($value) || $value < 0) {
            throw new InvalidVmException("VM $id: $key must be a whole number, not " . self::shown($value));
        }
        return $value;
    }

    private static function shown(mixed $value): string
    {
        return match (true) {
            $value === null => 'nothing',
            is_string($value) => '"' . mb_strimwidth($value, 0, 40, '…') . '"',
            is_scalar($value) => var_export($value, true),
            default => get_debug_type($value),
        };
    }

    private static function json(mixed $value): string
    {
        return json_encode($value, JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR);
    }

    /** UTC `Y-m-d H:i:s`, $offset seconds from now: sorts as text on every driver. */
    private static function time(int $offset = 0): string
    {
        return gmdate('Y-m-d H:i:s', time() + $offset);
    }

    private function insert(array $values): void
    {
        $columns = implode(', ', array_map(fn (string $c): string => $this->q($c), array_keys($values)));
        $marks = implode(', ', array_fill(0, count($values), '?'));
        $this->execute('INSERT INTO ' . $this->q($this->table) . " ($columns) VALUES ($marks)", array_values($values));
    }

    private function update(int $id, array $values): void
    {
        $this->execute($this->set($values) . ' WHERE ' . $this->q('id') . ' = ?', [...array_values($values), $id]);
    }

    /** `UPDATE table SET a = ?, b = ?` for the keys of $values. */
    private function set(array $values): string
    {
        return 'UPDATE ' . $this->q($this->table) . ' SET '
            . implode(', ', array_map(fn (string $c): string => $this->q($c) . ' = ?', array_keys($values)));
    }

    /** Runs one statement; the rows it changed. */
    private function execute(string $sql, array $params): int
    {
        $statement = $this->pdo->prepare($sql);
        $statement->execute($params);
        return $statement->rowCount();
    }

    private function q(string $name): string
    {
        return Schema::quoteName(Schema::driver($this->pdo), $name);
    }
}
