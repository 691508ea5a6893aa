<?php

declare(strict_types=1);

namespace PuqDns\Tests\Module;

require_once __DIR__ . '/AdminApiContract.php';

/** The admin API's contract on SQLite (a temporary file). */
final class SqliteAdminApiTest extends AdminApiContract
{
    use SqliteDatabase;
}
