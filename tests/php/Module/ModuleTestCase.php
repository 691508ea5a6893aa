<?php

declare(strict_types=1);

namespace PuqDns\Tests\Module;

use PDO;
use PHPUnit\Framework\TestCase;
use PuqDns\ConfigException;
use PuqDns\Module\Store\Schema;
use PuqDns\Module\Store\SodiumSecretBox;

require_once __DIR__ . '/Databases.php';

/**
 * What the store, schema and API contracts share: a database per test
 * (from the concrete class's trait), a sodium key per test, and readers of
 * what is really in the table.
 */
abstract class ModuleTestCase extends TestCase
{
    /** A timestamp as the store writes it. */
    protected const TIME = '/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/';

    protected PDO $pdo;
    protected SodiumSecretBox $box;
    /** The sodium key of $box, for another process's config. */
    protected string $keyFile;
    private string $keyDir;

    abstract protected static function startDatabaseServer(): void;

    abstract protected static function stopDatabaseServer(): void;

    abstract protected function newDatabase(): PDO;

    abstract protected function dropDatabases(): void;

    /** @return array{dsn: string, user: ?string, password: ?string} */
    abstract protected function databaseConfig(): array;

    public static function setUpBeforeClass(): void
    {
        static::startDatabaseServer();
    }

    public static function tearDownAfterClass(): void
    {
        static::stopDatabaseServer();
    }

    protected function setUp(): void
    {
        $this->pdo = $this->newDatabase();
        $this->keyDir = sys_get_temp_dir() . '/puq-dns-key-' . getmypid() . '-' . bin2hex(random_bytes(4));
        $this->keyFile = $this->keyDir . '/secret.key';
        $this->box = SodiumSecretBox::fromKeyFile($this->keyFile);
    }

    protected function tearDown(): void
    {
        $this->dropDatabases();
        exec('rm -rf ' . escapeshellarg($this->keyDir));
    }

    protected function driver(): string
    {
        return Schema::driver($this->pdo);
    }

    protected function q(string $name): string
    {
        return Schema::quoteName($this->driver(), $name);
    }

    /** The zone row as the database holds it, every column, as strings or NULL. */
    protected function rawZone(int $id): array
    {
        $statement = $this->pdo->prepare('SELECT * FROM ' . $this->q(Schema::ZONES) . ' WHERE ' . $this->q('id') . ' = ?');
        $statement->execute([$id]);
        $row = $statement->fetch(PDO::FETCH_ASSOC);
        $this->assertIsArray($row, "zone $id is in the table");
        // SQLite and MariaDB hand back ints differently; compare as text.
        return array_map(fn ($v) => $v === null ? null : (string) $v, $row);
    }

    protected function zoneCount(): int
    {
        return (int) $this->pdo->query('SELECT COUNT(*) FROM ' . $this->q(Schema::ZONES))->fetchColumn();
    }

    /** Asserts both timestamps are set and replaces them with '<time>' for exact comparisons. */
    protected function stamped(array $row): array
    {
        foreach (['created_at', 'updated_at'] as $key) {
            $this->assertMatchesRegularExpression(self::TIME, (string) ($row[$key] ?? ''), $key);
            $row[$key] = '<time>';
        }
        return $row;
    }

    /** Runs $f, asserts it throws $class, returns the message. */
    protected function thrown(string $class, callable $f): string
    {
        try {
            $f();
        } catch (\Throwable $e) {
            $this->assertSame($class, get_class($e), $e->getMessage());
            return $e->getMessage();
        }
        $this->fail("no $class was thrown");
    }

    protected function configError(callable $f): string
    {
        return $this->thrown(ConfigException::class, $f);
    }
}
