<?php

/*
 * Standalone DNS Zones page: the markup of ZonesPage, brought to life by
 * assets/zones.js against zones-api.php next to it. It needs no config and
 * holds no data: the admin signs in with the admin token in the page, which
 * the script keeps in the tab's sessionStorage and sends as a header.
 * Inside WHMCS, the module's admin output renders ZonesPage::fragment()
 * with WHMCS's CSRF token instead.
 */

declare(strict_types=1);

use PuqDns\Module\Web\ZonesPage;

require dirname(__DIR__) . '/autoload.php';

foreach (ZonesPage::HEADERS as $name => $value) {
    header("$name: $value");
}
echo ZonesPage::document('zones-api.php', 'assets');
