<?php

declare(strict_types=1);

namespace PuqDns\Tests\Module;

require_once __DIR__ . '/ZoneStoreContract.php';

/** The zone store's contract on SQLite (a temporary file). */
final class SqliteZoneStoreTest extends ZoneStoreContract
{
    use SqliteDatabase;
}
