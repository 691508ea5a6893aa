<?php

declare(strict_types=1);

namespace PuqDns\Tests\Module;

require_once __DIR__ . '/VmStoreContract.php';

/** The VM store's contract on SQLite (a temporary file). */
final class SqliteVmStoreTest extends VmStoreContract
{
    use SqliteDatabase;
}
