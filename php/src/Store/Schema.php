<?php

declare(strict_types=1);

namespace PuqDns\Module\Store;

use PDO;
use PuqDns\DnsZoneManager;

/**
 * The module's tables, in one place, for MariaDB/MySQL (WHMCS) and SQLite
 * (standalone). install() is idempotent: it creates what is missing and adds
 * columns and indexes a table of an older version lacks, and never drops or
 * changes what is there, so it is safe on every request, on module
 * activation and on a WHMCS table that already holds zones.
 *
 * Columns are written once, in MySQL syntax; SQLite gets the same columns
 * with its own type names (sqliteType()). See php/README.md for what each
 * table and column is for.
 */
final class Schema
{
    /** The zones the admin page manages; the name WHMCS's puqProxmoxKVM module uses. */
    public const ZONES = 'puq_proxmox_kvm_dns_zones';

    /** Standalone mode's VMs (WHMCS keeps its own): the cron task's queue. */
    public const VMS = 'puq_dns_vms';

    /** Standalone mode's stand-in for WHMCS's module log. */
    public const LOG = 'puq_dns_log';


    /**
     * Columns the store sets itself; a submitted form never writes them.
     */
    public const MANAGED_COLUMNS = ['id', 'created_at', 'updated_at', 'zone_records'];

    /**
     * Every table: columns in MySQL syntax (the first one is the
     * auto-increment primary key), then secondary indexes.
     *
     * Zones have one column per zone field of API.md; a zone uses only its
     * provider's, the others stay NULL. Secret columns are TEXT because a
     * sealed value is longer than the secret. URLs are TEXT so that no
     * length limit refuses a valid one.
     */
    private const TABLES = [
        self::ZONES => [
            // The providers' own columns (DnsZoneManager::providers()) come
            // between `type` and `ttl`: see zonesDefinition().
            'columns' => [
                'id' => 'INT UNSIGNED NOT NULL AUTO_INCREMENT',
                'zone' => 'VARCHAR(255) NOT NULL',
                'type' => 'VARCHAR(32) NOT NULL',
                'ttl' => 'INT NULL',
                'verify_tls' => 'TINYINT(1) NOT NULL DEFAULT 1',
                'ca_cert' => 'MEDIUMTEXT NULL',
                'created_at' => 'DATETIME NULL',
                'updated_at' => 'DATETIME NULL',
                // The zone's records as its last whole read saw them (a
                // result's stats): passed to DnsSync as zone_records, so a
                // new process chooses how to read the zone as a warm one.
                'zone_records' => 'INT UNSIGNED NULL',
            ],
            'indexes' => [],
        ],
        self::VMS => [
            'columns' => [
                'id' => 'INT UNSIGNED NOT NULL AUTO_INCREMENT',
                // DnsSync's VM array: name, domain, optional fqdn and ttl,
                // and ips as JSON (strings or {"ip", "reverse"} objects).
                'name' => 'VARCHAR(255) NOT NULL',
                'domain' => 'VARCHAR(255) NOT NULL',
                'fqdn' => 'VARCHAR(255) NULL',
                'ips' => 'TEXT NOT NULL',
                'ttl' => 'INT NULL',
                // The queue: set_dns_records and friends; the status to
                // restore afterwards; who holds the VM and until when.
                'status' => "VARCHAR(64) NOT NULL DEFAULT ''",
                'previous_status' => 'VARCHAR(64) NULL',
                'locked_by' => 'VARCHAR(255) NULL',
                'locked_until' => 'DATETIME NULL',
                // The VM array (JSON) its records were last written for;
                // NULL when never written, or before this column existed.
                'synced' => 'TEXT NULL',
                // Counts every change of what is wanted (save, terminate),
                // so that the holder sees a change made while it wrote.
                'version' => 'INT NOT NULL DEFAULT 0',
                // Terminated: its records are to go; the row goes with them.
                'terminated' => 'TINYINT(1) NOT NULL DEFAULT 0',
                // "Set DNS records" pressed while the VM was held: it stays
                // queued for the next run when the holder lets it go.
                'requeued' => 'TINYINT(1) NOT NULL DEFAULT 0',
                // When its records were last written (UTC).
                'synced_at' => 'DATETIME NULL',
            ],
            'indexes' => ['status' => ['status']],
        ],
        self::LOG => [
            'columns' => [
                'id' => 'INT UNSIGNED NOT NULL AUTO_INCREMENT',
                'created_at' => 'DATETIME NOT NULL',
                'level' => 'VARCHAR(16) NOT NULL',
                'action' => 'VARCHAR(64) NOT NULL',
                'vm_id' => 'INT UNSIGNED NULL',
                'zone_id' => 'INT UNSIGNED NULL',
                'message' => 'TEXT NOT NULL',
                'context' => 'MEDIUMTEXT NULL',
            ],
            'indexes' => ['created_at' => ['created_at'], 'vm_id' => ['vm_id']],
        ],
    ];

    /** @return list<string> the table names */
    public static function tables(): array
    {
        return array_keys(self::TABLES);
    }

    /** @return list<string> the columns of a table, in order */
    public static function columns(string $table): array
    {
        return array_keys(self::definition($table)['columns']);
    }

    /** Creates every table, column and index that is missing. */
    public static function install(PDO $pdo): void
    {
        $driver = self::driver($pdo);
        foreach (self::tables() as $table) {
            $existing = self::existingColumns($pdo, $table);
            if ($existing === []) {
                foreach (self::createStatements($driver, $table) as $sql) {
                    $pdo->exec($sql);
                }
                continue;
            }
            self::upgrade($pdo, $driver, $table, $existing);
        }
    }

    /**
     * Drops every table of the module: its zones (with their sealed
     * credentials), VMs and log. Only on request (the WHMCS addon's
     * "Delete data on deactivate"); nothing else ever drops anything.
     */
    public static function uninstall(PDO $pdo): void
    {
        $driver = self::driver($pdo);
        foreach (self::tables() as $table) {
            $pdo->exec('DROP TABLE IF EXISTS ' . self::quoteName($driver, $table));
        }
    }

    /**
     * The statements that create one table (and, on SQLite, its indexes)
     * from nothing.
     *
     * @return list<string>
     */
    public static function createStatements(string $driver, string $table): array
    {
        $definition = self::definition($table);
        $q = fn (string $name): string => self::quoteName($driver, $name);
        $lines = [];
        $primary = array_key_first($definition['columns']);
        foreach ($definition['columns'] as $column => $type) {
            $lines[] = $q($column) . ' ' . ($column === $primary && $driver === 'sqlite'
                ? 'INTEGER PRIMARY KEY AUTOINCREMENT'
                : self::columnType($driver, $type));
        }
        if ($driver === 'mysql') {
            $lines[] = 'PRIMARY KEY (' . $q($primary) . ')';
            foreach ($definition['indexes'] as $name => $columns) {
                $lines[] = 'KEY ' . $q($name) . ' (' . implode(', ', array_map($q, $columns)) . ')';
            }
            return ['CREATE TABLE IF NOT EXISTS ' . $q($table) . " (\n  " . implode(",\n  ", $lines)
                . "\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"];
        }
        $statements = ['CREATE TABLE IF NOT EXISTS ' . $q($table) . " (\n  " . implode(",\n  ", $lines) . "\n)"];
        foreach ($definition['indexes'] as $name => $columns) {
            $statements[] = self::sqliteIndex($table, $name, $columns);
        }
        return $statements;
    }

    /**
     * The columns a table has in this database, in order; [] when the table
     * does not exist.
     *
     * @return list<string>
     */
    public static function existingColumns(PDO $pdo, string $table): array
    {
        if (self::driver($pdo) === 'sqlite') {
            $rows = $pdo->query('PRAGMA table_info(' . self::quoteName('sqlite', $table) . ')')
                ->fetchAll(PDO::FETCH_ASSOC);
            return array_map(static fn (array $row): string => (string) $row['name'], $rows);
        }
        $statement = $pdo->prepare(
            'SELECT COLUMN_NAME FROM information_schema.COLUMNS'
            . ' WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION'
        );
        $statement->execute([$table]);
        return array_map('strval', $statement->fetchAll(PDO::FETCH_COLUMN));
    }

    /** `mysql` or `sqlite`; anything else is refused, as the SQL is written for these two. */
    public static function driver(PDO $pdo): string
    {
        $driver = (string) $pdo->getAttribute(PDO::ATTR_DRIVER_NAME);
        if ($driver !== 'mysql' && $driver !== 'sqlite') {
            throw new \InvalidArgumentException(
                "PDO driver $driver is not supported; use mysql (MariaDB/MySQL) or sqlite"
            );
        }
        return $driver;
    }

    /** A table or column name quoted for the driver (`user` is a keyword in places). */
    public static function quoteName(string $driver, string $name): string
    {
        return $driver === 'mysql'
            ? '`' . str_replace('`', '``', $name) . '`'
            : '"' . str_replace('"', '""', $name) . '"';
    }

    /** @param list<string> $existing */
    private static function upgrade(PDO $pdo, string $driver, string $table, array $existing): void
    {
        $definition = self::definition($table);
        $q = fn (string $name): string => self::quoteName($driver, $name);
        foreach ($definition['columns'] as $column => $type) {
            if (in_array($column, $existing, true)) {
                continue;
            }
            // Rows already there have no value for the new column, so it is
            // added as NULL-able unless it has a default to fill them with.
            if (!str_contains($type, 'DEFAULT')) {
                $type = str_replace(['NOT NULL AUTO_INCREMENT', 'NOT NULL'], 'NULL', $type);
            }
            $pdo->exec(
                'ALTER TABLE ' . $q($table) . ' ADD COLUMN ' . $q($column) . ' ' . self::columnType($driver, $type)
            );
        }
        foreach ($definition['indexes'] as $name => $columns) {
            if ($driver === 'sqlite') {
                $pdo->exec(self::sqliteIndex($table, $name, $columns));
                continue;
            }
            // MySQL 8 has no CREATE INDEX IF NOT EXISTS.
            $statement = $pdo->prepare(
                'SELECT COUNT(*) FROM information_schema.STATISTICS'
                . ' WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME = ?'
            );
            $statement->execute([$table, $name]);
            if ((int) $statement->fetchColumn() === 0) {
                $pdo->exec('ALTER TABLE ' . $q($table) . ' ADD INDEX ' . $q($name)
                    . ' (' . implode(', ', array_map($q, $columns)) . ')');
            }
        }
    }

    /** @param list<string> $columns */
    private static function sqliteIndex(string $table, string $name, array $columns): string
    {
        $q = fn (string $n): string => self::quoteName('sqlite', $n);
        return 'CREATE INDEX IF NOT EXISTS ' . $q($table . '_' . $name) . ' ON ' . $q($table)
            . ' (' . implode(', ', array_map($q, $columns)) . ')';
    }

    private static function columnType(string $driver, string $type): string
    {
        if ($driver === 'mysql') {
            return $type;
        }
        // SQLite: INTEGER affinity for every integer, TEXT for text and dates.
        return (string) preg_replace(
            ['/\bAUTO_INCREMENT\b\s*/', '/\b(?:TINYINT\(1\)|INT UNSIGNED|INT)\b/', '/\b(?:MEDIUMTEXT|DATETIME)\b/'],
            ['', 'INTEGER', 'TEXT'],
            $type,
        );
    }

    /**
     * Zone columns that hold credentials: sealed by a SecretBox at rest and
     * replaced by DnsZoneManager::KEEP in anything sent to a browser; the
     * providers' secret fields.
     *
     * @return list<string>
     */
    public static function secretColumns(): array
    {
        $secrets = [];
        foreach (DnsZoneManager::providers() as $provider) {
            foreach ($provider['fields'] as $field) {
                if ($field['secret']) {
                    $secrets[] = $field['name'];
                }
            }
        }
        return array_values(array_unique($secrets));
    }

    /** @return array{columns: array<string, string>, indexes: array<string, list<string>>} */
    private static function definition(string $table): array
    {
        if (!isset(self::TABLES[$table])) {
            throw new \InvalidArgumentException("unknown table $table");
        }
        return $table === self::ZONES ? self::zonesDefinition() : self::TABLES[$table];
    }

    /**
     * The zones table: one column per field of every provider (each once,
     * in the providers' order) between `type` and `ttl`. A secret or a URL
     * is TEXT, since a sealed secret is longer than the secret and no length
     * limit may refuse a valid URL; any other field VARCHAR(255).
     *
     * @return array{columns: array<string, string>, indexes: array<string, list<string>>}
     */
    private static function zonesDefinition(): array
    {
        static $definition = null;
        if ($definition !== null) {
            return $definition;
        }
        $fixed = self::TABLES[self::ZONES]['columns'];
        $columns = array_slice($fixed, 0, 3, true);
        foreach (DnsZoneManager::providers() as $provider) {
            foreach ($provider['fields'] as $field) {
                $columns[$field['name']] ??= in_array($field['kind'], ['secret', 'url'], true)
                    ? 'TEXT NULL'
                    : 'VARCHAR(255) NULL';
            }
        }
        return $definition = ['columns' => $columns + array_slice($fixed, 3, null, true), 'indexes' => []];
    }
}
