<?php

/*
 * Standalone settings of the puq_dns module layer (the admin zones API, and
 * the cron task and CLI built on it). Copy to php/config.php, or point the
 * PUQ_DNS_CONFIG environment variable at a copy elsewhere, and keep it
 * readable by the web server's user only. Inside WHMCS this file is not used.
 */

declare(strict_types=1);

return [
    // Where zones (and the standalone VM queue and log) are kept: SQLite by
    // default, or MariaDB/MySQL, e.g.
    //   'dsn' => 'mysql:host=127.0.0.1;port=3306;dbname=puq_dns;charset=utf8mb4',
    'db' => [
        'dsn' => 'sqlite:' . __DIR__ . '/var/puq-dns.sqlite',
        'user' => null,
        'password' => null,
    ],

    // The libsodium key that encrypts zone credentials in the database;
    // created (mode 0600) on first use. Back it up: without it the stored
    // credentials must be entered again.
    'sodium_key_file' => __DIR__ . '/var/secret.key',

    // The admin API's token (Authorization: Bearer … or X-Puq-Dns-Token),
    // at least 16 characters: php -r 'echo bin2hex(random_bytes(24)), "\n";'
    'admin_token' => 'replace-with-a-long-random-token',

    // The legacy read-only public/dns.php: who may read it (client
    // addresses and CIDR ranges; nobody when empty) and, optionally, a
    // token it asks for in Authorization: Bearer … or X-Puq-Dns-Token.
    'dns_php' => [
        'allow' => ['127.0.0.1', '::1'],
        'token' => null,
    ],

    // DnsSync options for deploys, the cron task and the CLI.
    'sync' => [
        'timeout' => 15,
        'connect_timeout' => 5,
        'retries' => 3,
        'concurrency' => 8,
    ],
];
