<?php

declare(strict_types=1);

namespace PuqDns\Tests\Module;

require_once __DIR__ . '/DnsServiceContract.php';

/** DnsService on SQLite (a temporary file) and a private PowerDNS. */
final class SqliteDnsServiceTest extends DnsServiceContract
{
    use SqliteDatabase;
}
