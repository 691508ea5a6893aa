<?php

declare(strict_types=1);

namespace PuqDns\Tests\Module;

require_once __DIR__ . '/ZoneStoreContract.php';

/** The zone store's contract on a private MariaDB server. */
final class MariaDbZoneStoreTest extends ZoneStoreContract
{
    use MariaDbDatabase;
}
