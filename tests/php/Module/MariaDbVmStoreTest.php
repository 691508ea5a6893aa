<?php

declare(strict_types=1);

namespace PuqDns\Tests\Module;

require_once __DIR__ . '/VmStoreContract.php';

/** The VM store's contract on a private MariaDB server. */
final class MariaDbVmStoreTest extends VmStoreContract
{
    use MariaDbDatabase;
}
