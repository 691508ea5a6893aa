<?php

declare(strict_types=1);

namespace PuqDns\Tests\Module;

use PDO;

/**
 * A private MariaDB server for one test class (tests/mariadb/server.sh),
 * reached over TCP on 127.0.0.1 with a password, as WHMCS reaches its
 * database. Each test takes a database of its own from freshDatabase().
 */
final class MariaDbServer
{
    public readonly int $port;
    public readonly string $socket;
    public readonly string $user;
    public readonly string $password;
    private readonly string $dir;
    private int $databases = 0;

    public function __construct()
    {
        $this->dir = sys_get_temp_dir() . '/puq-dns-mariadb-' . getmypid() . '-' . bin2hex(random_bytes(4));
        $out = [];
        exec(escapeshellarg(self::script()) . ' start ' . escapeshellarg($this->dir) . ' 2>&1', $out, $status);
        if ($status !== 0) {
            throw new \RuntimeException("MariaDB did not start:\n" . implode("\n", $out));
        }
        $vars = [];
        foreach ($out as $line) {
            if (preg_match('/^(MARIADB_\w+)=(.*)$/', $line, $m)) {
                $vars[$m[1]] = $m[2];
            }
        }
        $this->port = (int) $vars['MARIADB_PORT'];
        $this->socket = $vars['MARIADB_SOCKET'];
        $this->user = $vars['MARIADB_USER'];
        $this->password = $vars['MARIADB_PASSWORD'];
    }

    public function stop(): void
    {
        exec(escapeshellarg(self::script()) . ' stop ' . escapeshellarg($this->dir));
    }

    /** A PDO on a new, empty database of the server, as Config::pdo() makes one. */
    public function freshDatabase(): PDO
    {
        $name = 'puq_dns_test_' . ++$this->databases;
        $this->connect('')->exec("CREATE DATABASE `$name`");
        return $this->connect($name);
    }

    public function connect(string $database): PDO
    {
        return new PDO($this->dsn($database), $this->user, $this->password, [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]);
    }

    /** The DSN of one of its databases, for a config file that another process reads. */
    public function dsn(string $database): string
    {
        return "mysql:host=127.0.0.1;port={$this->port};charset=utf8mb4" . ($database === '' ? '' : ";dbname=$database");
    }

    /** The name freshDatabase() gave last. */
    public function lastDatabase(): string
    {
        return 'puq_dns_test_' . $this->databases;
    }

    private static function script(): string
    {
        return dirname(__DIR__, 2) . '/mariadb/server.sh';
    }
}
