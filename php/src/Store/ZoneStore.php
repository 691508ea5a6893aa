<?php

declare(strict_types=1);

namespace PuqDns\Module\Store;

use PDO;
use PuqDns\ConfigException;
use PuqDns\DnsZoneManager;

/**
 * The DNS zones table (Schema::ZONES) on PDO, MariaDB/MySQL or SQLite.
 *
 * Validation, normalisation, masking and the keep-the-stored-secret rule are
 * the extension's (DnsZoneManager::normalize/merge/mask/list), so the admin
 * page, the cron task and the CLI agree on what a valid zone is. This class
 * adds what the extension cannot know: the table, the ids, the timestamps,
 * and sealing secrets at rest with a SecretBox.
 *
 * Two kinds of output, never mixed:
 * - rows(): decrypted rows for DnsSync and DnsZoneManager only;
 * - get(), listForBrowser(), create(), update(): masked rows (every secret
 *   is DnsZoneManager::KEEP) that may go to a browser or a log.
 *
 * Columns the extension does not know (a WHMCS table may have more) are read
 * with the row, shown in the list and kept on edit; a submitted value is
 * written to such a column only if the table has it.
 */
final class ZoneStore
{
    /**
     * The id a zone is validated under before the database gives it one, so
     * that a create form's error reads "zone new (example.com): …".
     */
    public const NEW_ID = 'new';

    /**
     * What the list hands the extension in place of a stored secret: it only
     * has to be a valid credential's shape, since list() masks it to KEEP.
     * The list never decrypts, so it works even when a key is lost. Base64
     * ("stored-secret"), since a TSIG secret must be.
     */
    private const STORED_SECRET = 'c3RvcmVkLXNlY3JldA==';

    /** Keys list() adds; read back from a form, they are not columns. */
    private const LIST_KEYS = ['kind', 'range', 'error'];

    /** @var list<string>|null the table's columns, read once */
    private ?array $columns = null;

    public function __construct(
        private readonly PDO $pdo,
        private readonly SecretBox $box,
        private readonly string $table = Schema::ZONES,
    ) {
        $this->pdo->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION);
    }

    /**
     * Every zone with its secrets decrypted, as DnsSync and DnsZoneManager
     * take them. Never send these anywhere: they hold the credentials.
     *
     * @return list<array<string, mixed>>
     * @throws SecretBoxException when a stored secret cannot be opened
     */
    public function rows(): array
    {
        return array_map(fn (array $row): array => $this->open($row), $this->storedRows());
    }

    /**
     * The zones' sizes as their last whole reads saw them, by id: DnsSync's
     * zone_records option.
     *
     * @return array<int, int>
     */
    public function sizes(): array
    {
        // A table of an older version, not yet upgraded by Schema::install.
        if (!in_array('zone_records', $this->columns(), true)) {
            return [];
        }
        $sizes = [];
        foreach (
            $this->pdo->query(
                'SELECT ' . $this->name('id') . ', ' . $this->name('zone_records')
                . ' FROM ' . $this->name($this->table)
                . ' WHERE ' . $this->name('zone_records') . ' IS NOT NULL'
            )->fetchAll(PDO::FETCH_NUM) as [$id, $records]
        ) {
            $sizes[(int) $id] = (int) $records;
        }
        return $sizes;
    }

    /**
     * Keeps the sizes the results' stats report (a zone read whole) for
     * sizes(). A zone deleted meanwhile is simply not updated.
     *
     * @param iterable<array> $results DnsSync results
     */
    public function rememberSizes(iterable $results): void
    {
        $seen = [];
        foreach ($results as $result) {
            foreach ($result['stats'] ?? [] as $zone) {
                if (is_int($zone['zone_records'] ?? null) && is_numeric($zone['zone_id'] ?? null)) {
                    $seen[(int) $zone['zone_id']] = $zone['zone_records'];
                }
            }
        }
        if ($seen === [] || !in_array('zone_records', $this->columns(), true)) {
            return;
        }
        $statement = $this->pdo->prepare(
            'UPDATE ' . $this->name($this->table) . ' SET ' . $this->name('zone_records') . ' = ?'
            . ' WHERE ' . $this->name('id') . ' = ?'
        );
        foreach ($seen as $id => $records) {
            $statement->execute([$records, $id]);
        }
    }

    /**
     * The zones a sync can use, decrypted, and why each other zone cannot
     * be used: a stored row the extension refuses, or whose secret cannot
     * be opened, is left out, so that one broken zone never stops the
     * syncs of all the others (DnsSync refuses a list with one bad row).
     *
     * @return array{0: list<array<string, mixed>>, 1: array<int, string>} the rows, and the reason of each
     *     left-out zone by id
     */
    public function usableRows(): array
    {
        $rows = [];
        $problems = [];
        foreach ($this->storedRows() as $row) {
            try {
                $opened = $this->open($row);
                DnsZoneManager::normalize($opened);
                $rows[] = $opened;
            } catch (SecretBoxException | ConfigException $e) {
                $problems[$row['id']] = $e->getMessage();
            }
        }
        return [$rows, $problems];
    }

    /**
     * Every zone for the zones page: normalised by the extension, secrets
     * as KEEP, with `kind` and `range`. A stored row the extension refuses
     * (edited by hand, or from an older module) is still listed, masked, with
     * `kind` and `range` null and the extension's reason in `error`, so that
     * one bad row cannot hide the others.
     *
     * @return list<array<string, mixed>>
     */
    public function listForBrowser(): array
    {
        $rows = array_map(fn (array $row): array => $this->withoutSecrets($row), $this->storedRows());
        try {
            return (new DnsZoneManager($rows))->list();
        } catch (ConfigException) {
            return array_map(fn (array $row): array => $this->describe($row), $rows);
        }
    }

    /**
     * One zone as listForBrowser() shows it.
     *
     * @throws ZoneNotFoundException
     */
    public function get(int $id): array
    {
        return $this->describe($this->withoutSecrets($this->find($id)));
    }

    /**
     * Saves a new zone from a submitted form and returns it as get() does.
     * A submitted id is ignored: the database assigns it.
     *
     * @throws ConfigException naming the zone (as "zone new"), each bad field and why
     * @throws InvalidZoneException for a value no column can hold
     */
    public function create(array $submitted): array
    {
        $row = $this->formFields($submitted);
        $row['id'] = self::NEW_ID;
        $zone = DnsZoneManager::normalize($row);

        $values = $this->columnValues($zone);
        $now = self::now();
        $values['created_at'] = $now;
        $values['updated_at'] = $now;
        $this->insert($values);
        return $this->get((int) $this->pdo->lastInsertId());
    }

    /**
     * Saves an edit form over a stored zone: DnsZoneManager::merge() keeps a
     * stored secret whose field is missing, empty or KEEP and takes any other
     * value. Another provider's fields (after a type change) are cleared.
     *
     * @throws ZoneNotFoundException
     * @throws ConfigException when the merged zone is not valid, the form's id is another zone's,
     *                         or a kept secret would go to another server
     */
    public function update(int $id, array $submitted): array
    {
        $zone = $this->merged($id, $submitted);
        $values = $this->columnValues($zone);
        $values['updated_at'] = self::now();
        $this->updateRow($id, $values);
        return $this->get($id);
    }

    /** @throws ZoneNotFoundException */
    public function delete(int $id): void
    {
        $statement = $this->pdo->prepare(
            'DELETE FROM ' . $this->name($this->table) . ' WHERE ' . $this->name('id') . ' = ?'
        );
        $statement->execute([$id]);
        if ($statement->rowCount() === 0) {
            throw new ZoneNotFoundException($id);
        }
    }

    /**
     * Live check of a stored zone (DnsZoneManager::test): `ok`, `id`, `zone`,
     * `type`, `message`, `ms`. A provider failure is a result with ok false,
     * not an exception.
     *
     * @throws ZoneNotFoundException
     * @throws ConfigException when the stored row is not valid
     * @throws SecretBoxException when its secret cannot be opened
     */
    public function test(int $id): array
    {
        $row = $this->open($this->find($id));
        return (new DnsZoneManager([$row]))->test($row['id']);
    }

    /**
     * Live check of a form before it is saved (DnsZoneManager::testZone). With
     * an `id`, the form is merged with that stored zone first, so an edit form
     * with KEEP secrets tests the stored credentials.
     *
     * @throws ZoneNotFoundException
     * @throws ConfigException when the (merged) zone is not valid, or a kept secret is bound for another server
     * @throws InvalidZoneException for a bad id
     */
    public function testUnsaved(array $submitted): array
    {
        $id = $submitted['id'] ?? null;
        if ($id === null || $id === '') {
            $row = $this->formFields($submitted);
            $row['id'] = self::NEW_ID;
            return DnsZoneManager::testZone($row);
        }
        return DnsZoneManager::testZone($this->merged(self::parseId($id), $submitted));
    }

    /**
     * A zone id from a request: a positive whole number.
     *
     * @throws InvalidZoneException
     */
    public static function parseId(mixed $id): int
    {
        if (is_int($id) && $id > 0) {
            return $id;
        }
        if (is_string($id) && preg_match('/^[1-9][0-9]{0,9}$/', $id) && (int) $id <= 4294967295) {
            return (int) $id;
        }
        throw new InvalidZoneException('id must be a positive whole number', 'id');
    }

    /** The stored zone merged with a form, checked, ready to save or test. */
    private function merged(int $id, array $submitted): array
    {
        $form = $this->formFields($submitted);
        $stored = $this->find($id);
        // Only the secrets the form keeps are opened: a secret typed again
        // replaces a stored one that can no longer be opened (a lost key).
        foreach (Schema::secretColumns() as $column) {
            if (!self::keepsStored($form[$column] ?? null)) {
                unset($stored[$column]);
            }
        }
        $stored = $this->open($stored);
        if (array_key_exists('id', $submitted)) {
            // merge() refuses a form for another zone by its id.
            $form['id'] = $submitted['id'];
        }
        // merge() also refuses a kept credential bound for another server
        // (type, URL, verify_tls turned off, another ca_cert): the secret
        // must then be typed again.
        return DnsZoneManager::merge($stored, $form);
    }

    /** Whether a submitted secret field means "keep the stored one" to merge(): missing, empty or KEEP. */
    private static function keepsStored(mixed $value): bool
    {
        if ($value === null) {
            return true;
        }
        if (!is_string($value)) {
            return false;
        }
        $value = trim($value);
        return $value === '' || $value === DnsZoneManager::KEEP;
    }

    /** A masked row as list() shows it, or with `error` when the extension refuses it. */
    private function describe(array $row): array
    {
        try {
            return (new DnsZoneManager([$row]))->list()[0];
        } catch (ConfigException $e) {
            return DnsZoneManager::mask($row) + ['kind' => null, 'range' => null, 'error' => $e->getMessage()];
        }
    }

    /** A submitted form without the keys the store sets itself or list() adds. */
    private function formFields(array $submitted): array
    {
        foreach ([...Schema::MANAGED_COLUMNS, ...self::LIST_KEYS] as $key) {
            unset($submitted[$key]);
        }
        return $submitted;
    }

    /** @return list<array<string, mixed>> every stored row, secrets sealed, NULLs dropped */
    private function storedRows(): array
    {
        $rows = $this->pdo->query(
            'SELECT * FROM ' . $this->name($this->table) . ' ORDER BY ' . $this->name('id')
        )->fetchAll(PDO::FETCH_ASSOC);
        return array_map([self::class, 'fromDatabase'], $rows);
    }

    /** @throws ZoneNotFoundException */
    private function find(int $id): array
    {
        $statement = $this->pdo->prepare(
            'SELECT * FROM ' . $this->name($this->table) . ' WHERE ' . $this->name('id') . ' = ?'
        );
        $statement->execute([$id]);
        $row = $statement->fetch(PDO::FETCH_ASSOC);
        if ($row === false) {
            throw new ZoneNotFoundException($id);
        }
        return self::fromDatabase($row);
    }

    /**
     * A row as the extension expects it: the id an int whatever the driver
     * returned, and a NULL column as an absent field (another provider's
     * field, or an optional one left to its default).
     */
    private static function fromDatabase(array $row): array
    {
        // The store's own knowledge of the zone, not a field of it: sizes().
        unset($row['zone_records']);
        $row = array_filter($row, static fn (mixed $value): bool => $value !== null);
        $row['id'] = (int) $row['id'];
        return $row;
    }

    /** The row with every stored secret opened. */
    private function open(array $row): array
    {
        foreach (Schema::secretColumns() as $column) {
            if (!isset($row[$column]) || $row[$column] === '') {
                continue;
            }
            try {
                $row[$column] = $this->box->open((string) $row[$column]);
            } catch (SecretBoxException $e) {
                throw new SecretBoxException(
                    "zone {$row['id']}: the stored $column cannot be used ({$e->getMessage()}); enter it again",
                    0,
                    $e,
                );
            }
        }
        return $row;
    }

    /** The row with each stored secret replaced by a placeholder that list() masks. */
    private function withoutSecrets(array $row): array
    {
        foreach (Schema::secretColumns() as $column) {
            if (isset($row[$column]) && $row[$column] !== '') {
                $row[$column] = self::STORED_SECRET;
            }
        }
        return $row;
    }

    /**
     * The values to write for a normalised zone: every column of the table
     * the zone has a value for (secrets sealed), NULL for the zone fields it
     * does not use; the table's own extra columns the zone does not mention
     * are left alone.
     *
     * @return array<string, mixed>
     */
    private function columnValues(array $zone): array
    {
        $known = Schema::columns(Schema::ZONES);
        $values = [];
        foreach ($this->columns() as $column) {
            if (in_array($column, Schema::MANAGED_COLUMNS, true)) {
                continue;
            }
            if (array_key_exists($column, $zone)) {
                $values[$column] = $this->columnValue($column, $zone[$column]);
            } elseif (in_array($column, $known, true)) {
                $values[$column] = null;
            }
        }
        return $values;
    }

    private function columnValue(string $column, mixed $value): mixed
    {
        if (in_array($column, Schema::secretColumns(), true)) {
            return is_string($value) && $value !== '' ? $this->box->seal($value) : null;
        }
        if (is_bool($value)) {
            return $value ? 1 : 0;
        }
        if ($value === null || is_int($value) || is_float($value) || is_string($value)) {
            return $value;
        }
        throw new InvalidZoneException("$column must be text or a number, not " . get_debug_type($value), $column);
    }

    /** @param array<string, mixed> $values */
    private function insert(array $values): void
    {
        $names = array_map(fn (string $column): string => $this->name($column), array_keys($values));
        $statement = $this->pdo->prepare(
            'INSERT INTO ' . $this->name($this->table) . ' (' . implode(', ', $names) . ')'
            . ' VALUES (' . implode(', ', array_fill(0, count($values), '?')) . ')'
        );
        self::bind($statement, array_values($values));
        $statement->execute();
    }

    /** @param array<string, mixed> $values */
    private function updateRow(int $id, array $values): void
    {
        $sets = array_map(fn (string $column): string => $this->name($column) . ' = ?', array_keys($values));
        $statement = $this->pdo->prepare(
            'UPDATE ' . $this->name($this->table) . ' SET ' . implode(', ', $sets)
            . ' WHERE ' . $this->name('id') . ' = ?'
        );
        self::bind($statement, [...array_values($values), $id]);
        $statement->execute();
    }

    /** @param list<mixed> $values */
    private static function bind(\PDOStatement $statement, array $values): void
    {
        foreach ($values as $i => $value) {
            $statement->bindValue($i + 1, $value, match (true) {
                $value === null => PDO::PARAM_NULL,
                is_int($value) => PDO::PARAM_INT,
                default => PDO::PARAM_STR,
            });
        }
    }

    /** @return list<string> */
    private function columns(): array
    {
        return $this->columns ??= Schema::existingColumns($this->pdo, $this->table);
    }

    private function name(string $name): string
    {
        return Schema::quoteName(Schema::driver($this->pdo), $name);
    }

    /** Timestamps are UTC, `Y-m-d H:i:s`, which both DATETIME and SQLite TEXT hold. */
    private static function now(): string
    {
        return gmdate('Y-m-d H:i:s');
    }
}
