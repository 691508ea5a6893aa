<?php

declare(strict_types=1);

namespace PuqDns\Module;

use PDO;
use PuqDns\Module\Store\Schema;
use PuqDns\Module\Store\SecretBox;
use PuqDns\Module\Store\SecretBoxFactory;
use PuqDns\Module\Web\AdminAuth;
use PuqDns\Module\Web\TokenAuth;

/**
 * Standalone settings: a PHP file returning an array (php/config.example.php
 * shows every key). Inside WHMCS none of this is used: the PDO comes from
 * Capsule, secrets from WhmcsSecretBox, auth from WhmcsAdminAuth.
 *
 *     'db'              => ['dsn' => 'sqlite:/var/lib/puq-dns/zones.sqlite', 'user' => null, 'password' => null]
 *     'sodium_key_file' => '/var/lib/puq-dns/secret.key'
 *     'admin_token'     => '…at least 16 characters…'
 *     'dns_php'         => ['allow' => ['127.0.0.1', '10.0.0.0/8'], 'token' => null]
 *     'sync'            => ['timeout' => 15, 'retries' => 3, …]   (DnsSync options)
 */
final class Config
{
    /** The placeholder of config.example.php, refused so that a copied example never guards a real install. */
    public const EXAMPLE_TOKEN = 'replace-with-a-long-random-token';

    /** @param array<string, mixed> $settings */
    public function __construct(private readonly array $settings)
    {
    }

    /** @throws ConfigFileException when the file is missing or does not return an array */
    public static function load(string $path): self
    {
        if (!is_file($path) || !is_readable($path)) {
            throw new ConfigFileException("cannot read the config file $path (copy php/config.example.php)");
        }
        $settings = (static fn (string $file): mixed => require $file)($path);
        if (!is_array($settings)) {
            throw new ConfigFileException("the config file $path must return an array");
        }
        return new self($settings);
    }

    /**
     * A PDO for the configured DSN that throws on errors; SQLite waits for a
     * lock instead of failing at once (the cron task and the API share it).
     */
    public function pdo(): PDO
    {
        $db = $this->settings['db'] ?? null;
        if (!is_array($db) || !is_string($db['dsn'] ?? null) || $db['dsn'] === '') {
            throw new ConfigFileException("the config has no db['dsn']");
        }
        if (preg_match('{^sqlite:(?!:memory:)(.+)$}', $db['dsn'], $m)) {
            self::createPrivately($m[1]);
        }
        $pdo = new PDO($db['dsn'], $db['user'] ?? null, $db['password'] ?? null, [
            PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION,
            PDO::ATTR_DEFAULT_FETCH_MODE => PDO::FETCH_ASSOC,
        ]);
        $driver = Schema::driver($pdo);
        if ($driver === 'sqlite') {
            $pdo->exec('PRAGMA busy_timeout = 5000');
        } else {
            $pdo->exec("SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci");
        }
        return $pdo;
    }

    /**
     * A fresh install's data directory (0700) and SQLite file (0600),
     * whatever the umask: the file holds the sealed credentials, the VMs
     * and the log. SQLite gives its journal the database file's mode.
     * An existing file is left as it is.
     */
    private static function createPrivately(string $file): void
    {
        if (!is_dir(dirname($file))) {
            @mkdir(dirname($file), 0700, true);
        }
        if (file_exists($file)) {
            return;
        }
        $umask = umask(0077);
        try {
            // 'x': only this process creates it; another one that won the race made it just as private.
            $handle = @fopen($file, 'x');
            if ($handle !== false) {
                fclose($handle);
            }
        } finally {
            umask($umask);
        }
    }

    /** WHMCS's encrypt()/decrypt() when loaded, else sodium with `sodium_key_file`. */
    public function secretBox(): SecretBox
    {
        $file = $this->settings['sodium_key_file'] ?? null;
        return SecretBoxFactory::create(is_string($file) ? $file : null);
    }

    /** TokenAuth with `admin_token`. */
    public function adminAuth(): AdminAuth
    {
        $token = $this->settings['admin_token'] ?? null;
        if (!is_string($token)) {
            throw new ConfigFileException('the config has no admin_token');
        }
        if ($token === self::EXAMPLE_TOKEN) {
            throw new ConfigFileException("admin_token is still the example's placeholder; set a long random token");
        }
        try {
            return new TokenAuth($token);
        } catch (\InvalidArgumentException $e) {
            throw new ConfigFileException($e->getMessage(), 0, $e);
        }
    }

    /** @return list<string> who may read dns.php: addresses and CIDR ranges; none when unset */
    public function dnsAllow(): array
    {
        $allow = $this->settings['dns_php']['allow'] ?? [];
        if (!is_array($allow) || !array_is_list($allow) || array_filter($allow, 'is_string') !== $allow) {
            throw new ConfigFileException("dns_php['allow'] must be a list of addresses and CIDR ranges");
        }
        return $allow;
    }

    /** The token dns.php asks for, or null for none. */
    public function dnsToken(): ?string
    {
        $token = $this->settings['dns_php']['token'] ?? null;
        if ($token !== null && !is_string($token)) {
            throw new ConfigFileException("dns_php['token'] must be a string or null");
        }
        return $token === '' ? null : $token;
    }

    /** @return array<string, mixed> DnsSync options (timeout, connect_timeout, retries, concurrency, …) */
    public function syncOptions(): array
    {
        $options = $this->settings['sync'] ?? [];
        if (!is_array($options)) {
            throw new ConfigFileException("sync must be an array of DnsSync options");
        }
        return $options;
    }
}
