<?php

declare(strict_types=1);

namespace PuqDns\Tests\Module;

require_once __DIR__ . '/AdminApiContract.php';

/** The admin API's contract on a private MariaDB server. */
final class MariaDbAdminApiTest extends AdminApiContract
{
    use MariaDbDatabase;
}
