<?php

declare(strict_types=1);

namespace PuqDns\Module;

use PDO;

/**
 * The VMs table (Schema::VMS): each VM as puq_dns last wrote it, and the
 * queue of the "Set DNS records" button.
 *
 * Why keep the VM: a change of package has to know what the VM had before
 * (DnsSync::update removes what the old VM no longer has), and terminate
 * may come when the provisioning module has already forgotten the IPs.
 *
 * The queue: queue() sets `status` to set_dns_records and remembers the
 * status to restore. A cron run claims queued VMs with one UPDATE that only
 * takes rows nobody holds (or whose holder's lease ran out), so two runs
 * never work on the same VM, whatever database; release() restores the
 * status. A run that dies leaves its VMs locked until the lease ends, then
 * the next run takes them.
 */
final class VmStore
{
    /** The status of a VM waiting for the cron task. */
    public const QUEUED = 'set_dns_records';

    public function __construct(
        private readonly PDO $pdo,
        private readonly string $table = Schema::VMS,
    ) {
        $this->pdo->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION);
    }

    /**
     * Saves the VM array (id, name, domain, ips, optional fqdn and ttl) as
     * it is now, keeping its status and lock.
     *
     * @throws InvalidVmException when the array cannot be stored
     */
    public function save(array $vm): void
    {
        $id = self::idOf($vm);
        $values = [
            'name' => self::text($vm, 'name', $id),
            'domain' => self::text($vm, 'domain', $id),
            'fqdn' => isset($vm['fqdn']) ? self::text($vm, 'fqdn', $id) : null,
            'ips' => json_encode(self::ips($vm, $id), JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR),
            'ttl' => isset($vm['ttl']) ? self::whole($vm['ttl'], 'ttl', $id) : null,
        ];
        $this->pdo->beginTransaction();
        try {
            if ($this->row($id) === null) {
                $this->insert(['id' => $id] + $values);
            } else {
                $this->update($id, $values);
            }
            $this->pdo->commit();
        } catch (\Throwable $e) {
            $this->pdo->rollBack();
            throw $e;
        }
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
     * Every VM with its queue state, by id.
     *
     * @return list<array{vm: array<string, mixed>, status: string, locked_by: ?string, locked_until: ?string}>
     */
    public function all(): array
    {
        $rows = $this->pdo->query('SELECT * FROM ' . $this->q($this->table) . ' ORDER BY ' . $this->q('id'))
            ->fetchAll(PDO::FETCH_ASSOC);
        return array_map(static fn (array $row): array => [
            'vm' => self::vmOf($row),
            'status' => (string) $row['status'],
            'locked_by' => $row['locked_by'],
            'locked_until' => $row['locked_until'],
        ], $rows);
    }

    /**
     * The legacy dns.php answer: one entry per address of every VM
     * remembered, `forward` the FQDN, `reverse` the PTR target (the client's
     * own rDNS where set).
     *
     * @return list<array{forward: string, ip: string, reverse: string}>
     */
    public function dnsMap(): array
    {
        $map = [];
        foreach ($this->all() as ['vm' => $vm]) {
            $fqdn = self::fqdnOf($vm);
            foreach (is_array($vm['ips']) ? $vm['ips'] : [] as $ip) {
                $address = is_array($ip) ? (string) ($ip['ip'] ?? '') : (string) $ip;
                $reverse = is_array($ip) && is_string($ip['reverse'] ?? null) && $ip['reverse'] !== ''
                    ? $ip['reverse']
                    : $fqdn;
                if ($address !== '') {
                    $map[] = ['forward' => $fqdn, 'ip' => $address, 'reverse' => $reverse];
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
        $statement = $this->pdo->prepare('DELETE FROM ' . $this->q($this->table) . ' WHERE ' . $this->q('id') . ' = ?');
        $statement->execute([$id]);
    }

    /**
     * Queues the VM for the next cron run and returns at once. Queueing a
     * VM that is already queued keeps the status to restore.
     *
     * @throws VmNotFoundException
     */
    public function queue(int $id): void
    {
        $status = $this->status($id);
        if ($status === self::QUEUED) {
            return;
        }
        $this->update($id, ['status' => self::QUEUED, 'previous_status' => $status]);
    }

    /**
     * Takes up to $limit queued VMs for the run $owner, for $leaseSeconds,
     * and returns them by id. Rows held by another run whose lease has not
     * ended are left alone.
     *
     * @return array<int, array<string, mixed>> VM arrays by id
     */
    public function claim(string $owner, int $leaseSeconds, int $limit = 500): array
    {
        $now = self::time();
        $until = self::time($leaseSeconds);
        $q = fn (string $name): string => $this->q($name);
        $candidates = $this->pdo->prepare(
            "SELECT {$q('id')} FROM {$q($this->table)} WHERE {$q('status')} = ?"
            . " AND ({$q('locked_until')} IS NULL OR {$q('locked_until')} < ?)"
            . " ORDER BY {$q('id')} LIMIT " . max(1, $limit)
        );
        $candidates->execute([self::QUEUED, $now]);
        // Each row is taken by a conditional UPDATE of its own: if another
        // run took it between the SELECT and here, no row changes and the
        // VM is not ours.
        $take = $this->pdo->prepare(
            "UPDATE {$q($this->table)} SET {$q('locked_by')} = ?, {$q('locked_until')} = ?"
            . " WHERE {$q('id')} = ? AND {$q('status')} = ?"
            . " AND ({$q('locked_until')} IS NULL OR {$q('locked_until')} < ?)"
        );
        $claimed = [];
        foreach ($candidates->fetchAll(PDO::FETCH_COLUMN) as $id) {
            $take->execute([$owner, $until, (int) $id, self::QUEUED, $now]);
            if ($take->rowCount() === 1) {
                $claimed[(int) $id] = $this->get((int) $id);
            }
        }
        return $claimed;
    }

    /**
     * Ends $owner's hold on the VM and puts its status back to what it
     * was before it was queued. Does nothing when $owner no longer holds it.
     */
    public function release(int $id, string $owner): void
    {
        $q = fn (string $name): string => $this->q($name);
        $statement = $this->pdo->prepare(
            "UPDATE {$q($this->table)} SET {$q('status')} = COALESCE({$q('previous_status')}, ''),"
            . " {$q('previous_status')} = NULL, {$q('locked_by')} = NULL, {$q('locked_until')} = NULL"
            . " WHERE {$q('id')} = ? AND {$q('locked_by')} = ?"
        );
        $statement->execute([$id, $owner]);
    }

    /** @return array<string, mixed>|null */
    private function row(int $id): ?array
    {
        $statement = $this->pdo->prepare('SELECT * FROM ' . $this->q($this->table) . ' WHERE ' . $this->q('id') . ' = ?');
        $statement->execute([$id]);
        $row = $statement->fetch(PDO::FETCH_ASSOC);
        return $row === false ? null : $row;
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

    private static function text(array $vm, string $key, int $id): string
    {
        $value = $vm[$key] ?? null;
        if (!is_string($value) || trim($value) === '' || strlen($value) > 255) {
            throw new InvalidVmException("VM $id: $key must be a text of 1 to 255 characters, not " . self::shown($value));
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
                || (is_array($ip) && is_string($ip['ip'] ?? null) && (!isset($ip['reverse']) || is_string($ip['reverse'])));
            if (!$ok) {
                throw new InvalidVmException("VM $id: ips[$i] must be an address or {ip, reverse}, not " . self::shown($ip));
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

    /** UTC `Y-m-d H:i:s`, $offset seconds from now: sorts as text on every driver. */
    private static function time(int $offset = 0): string
    {
        return gmdate('Y-m-d H:i:s', time() + $offset);
    }

    private function insert(array $values): void
    {
        $columns = implode(', ', array_map(fn (string $c): string => $this->q($c), array_keys($values)));
        $marks = implode(', ', array_fill(0, count($values), '?'));
        $this->pdo->prepare('INSERT INTO ' . $this->q($this->table) . " ($columns) VALUES ($marks)")
            ->execute(array_values($values));
    }

    private function update(int $id, array $values): void
    {
        $set = implode(', ', array_map(fn (string $c): string => $this->q($c) . ' = ?', array_keys($values)));
        $this->pdo->prepare('UPDATE ' . $this->q($this->table) . " SET $set WHERE " . $this->q('id') . ' = ?')
            ->execute([...array_values($values), $id]);
    }

    private function q(string $name): string
    {
        return Schema::quoteName(Schema::driver($this->pdo), $name);
    }
}
