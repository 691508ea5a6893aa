<?php

declare(strict_types=1);

namespace PuqDns\Tests\Module;

require_once __DIR__ . '/DnsServiceContract.php';

/** DnsService on a private MariaDB server and a private PowerDNS. */
final class MariaDbDnsServiceTest extends DnsServiceContract
{
    use MariaDbDatabase;
}
