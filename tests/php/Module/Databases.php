<?php

declare(strict_types=1);

namespace PuqDns\Tests\Module;

use PDO;

require_once __DIR__ . '/MariaDbServer.php';

/**
 * The two databases every store and API test runs against. A contract test
 * class (abstract, *Contract.php) holds the tests; a concrete class per
 * database uses one of these traits.
 */
trait SqliteDatabase
{
    /** @var list<string> */
    private array $sqliteFiles = [];

    protected static function startDatabaseServer(): void
    {
    }

    protected static function stopDatabaseServer(): void
    {
    }

    /** A new SQLite database in a temporary file, as the standalone default. */
    protected function newDatabase(): PDO
    {
        $file = tempnam(sys_get_temp_dir(), 'puq-dns-test-');
        $this->sqliteFiles[] = $file;
        $pdo = new PDO("sqlite:$file", null, null, [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]);
        // As Config::pdo(): a test's own calls wait for another process's write.
        $pdo->exec('PRAGMA busy_timeout = 5000');
        return $pdo;
    }

    /** @return array{dsn: string, user: ?string, password: ?string} the database of this test, for another process's config */
    protected function databaseConfig(): array
    {
        return ['dsn' => 'sqlite:' . end($this->sqliteFiles), 'user' => null, 'password' => null];
    }

    protected function dropDatabases(): void
    {
        foreach ($this->sqliteFiles as $file) {
            @unlink($file);
        }
        $this->sqliteFiles = [];
    }
}

/** A real MariaDB server per test class, a new database per test. */
trait MariaDbDatabase
{
    private static ?MariaDbServer $mariadb = null;

    protected static function startDatabaseServer(): void
    {
        self::$mariadb = new MariaDbServer();
    }

    protected static function stopDatabaseServer(): void
    {
        self::$mariadb?->stop();
        self::$mariadb = null;
    }

    protected function newDatabase(): PDO
    {
        return self::$mariadb->freshDatabase();
    }

    /** @return array{dsn: string, user: ?string, password: ?string} the database of this test, for another process's config */
    protected function databaseConfig(): array
    {
        $server = self::$mariadb;
        return ['dsn' => $server->dsn($server->lastDatabase()), 'user' => $server->user, 'password' => $server->password];
    }

    protected function dropDatabases(): void
    {
        // The server and all its databases go in tearDownAfterClass.
    }
}
