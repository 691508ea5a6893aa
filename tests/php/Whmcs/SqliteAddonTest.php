<?php

declare(strict_types=1);

namespace PuqDns\Tests\Whmcs;

use PuqDns\Tests\Module\SqliteDatabase;

require_once __DIR__ . '/AddonContract.php';

final class SqliteAddonTest extends AddonContract
{
    use SqliteDatabase;
}
