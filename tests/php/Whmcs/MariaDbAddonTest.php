<?php

declare(strict_types=1);

namespace PuqDns\Tests\Whmcs;

use PuqDns\Tests\Module\MariaDbDatabase;

require_once __DIR__ . '/AddonContract.php';

final class MariaDbAddonTest extends AddonContract
{
    use MariaDbDatabase;
}
