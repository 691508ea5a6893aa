<?php

declare(strict_types=1);

namespace WHMCS\Database;

// The real Illuminate database component (Debian's php-illuminate-database),
// as WHMCS bundles it (8.x: illuminate/database 7.12; Debian 12 has 8.83,
// the same API for what the addon uses).
require_once '/usr/share/php/Illuminate/Database/autoload.php';

/** WHMCS\Database\Capsule is Illuminate's Capsule manager, as in WHMCS. */
class Capsule extends \Illuminate\Database\Capsule\Manager
{
}
