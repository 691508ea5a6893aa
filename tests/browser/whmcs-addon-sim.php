<?php

/*
 * The WHMCS admin area for the addon's browser test, as a `php -S` router
 * over a WHMCS root that holds the addon folder: every request boots the
 * WHMCS stand-in (tests/whmcs) on the test's database, with a logged-in
 * admin session, loads the active addons' hooks and renders what WHMCS
 * would:
 *
 *   /admin/addonmodules.php?module=puq_dns[&tab=…]   the addon page: puq_dns_sidebar() and puq_dns_output()
 *   /admin/clientsservices.php?id=N                 a service's admin page: WHMCS's form with the
 *                                                   AdminClientServicesTabFields rows; POST saves it
 *                                                   (token checked, then AdminClientServicesTabFieldsSave)
 *   /admin/cron                                     the system cron's end: AfterCronJob
 *   /modules/…                                      static files of the WHMCS root (the addon's assets)
 *
 *   PUQ_DNS_SIM_DB=… PUQ_DNS_SIM_ROOT=… php -d extension=… -S 127.0.0.1:PORT -t ROOT tests/browser/whmcs-addon-sim.php
 */

declare(strict_types=1);

use PuqDns\Tests\Whmcs\Whmcs;

require dirname(__DIR__) . '/whmcs/functions.php';

$path = (string) parse_url((string) ($_SERVER['REQUEST_URI'] ?? '/'), PHP_URL_PATH);
if (str_starts_with($path, '/modules/addons/puq_dns/assets/')) {
    return false;
}

session_name('WHMCSsim');
session_start();
Whmcs::boot(['driver' => 'sqlite', 'database' => (string) getenv('PUQ_DNS_SIM_DB')], (string) getenv('PUQ_DNS_SIM_ROOT'));
$_SESSION['adminid'] = 1;
$_SESSION['tkval'] ??= bin2hex(random_bytes(16));
Whmcs::loadHooks();

$page = static function (string $title, string $sidebar, string $body): void {
    header('Content-Type: text/html; charset=utf-8');
    echo "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>WHMCS admin (simulated) – ", htmlspecialchars($title), "</title></head>\n<body>\n"
        , "<header id=\"whmcs-header\"><strong>WHMCS</strong> Admin Area · ", htmlspecialchars($title), "</header>\n"
        , "<aside id=\"sidebar\">$sidebar</aside>\n<div id=\"contentarea\">\n$body\n</div>\n</body></html>\n";
};

switch ($path) {
    case '/admin/addonmodules.php':
        Whmcs::loadAddon('puq_dns');
        $vars = ['module' => 'puq_dns', 'modulelink' => 'addonmodules.php?module=puq_dns'] + Whmcs::addonVars('puq_dns');
        $sidebar = puq_dns_sidebar($vars);
        ob_start();
        puq_dns_output($vars);   // the zones page's API calls end the request here
        $page('Addons · puq_dns', $sidebar, (string) ob_get_clean());
        return true;
    case '/admin/clientsservices.php':
        $id = (int) ($_GET['id'] ?? 0);
        if ($_SERVER['REQUEST_METHOD'] === 'POST') {
            Whmcs::saveServiceTab($id, $_POST);
            header("Location: /admin/clientsservices.php?userid=1&id=$id&success=true", true, 303);
            return true;
        }
        $rows = '';
        foreach (Whmcs::serviceTab($id) as $label => $html) {
            $rows .= '<tr><td class="fieldlabel">' . htmlspecialchars($label) . "</td><td class=\"fieldarea\">$html</td></tr>\n";
        }
        $page("Service #$id", '', '<form method="post" action="/admin/clientsservices.php?userid=1&amp;id=' . $id . '" id="frm1">'
            . generate_token('form') . "\n<table class=\"form\" id=\"service-fields\">\n$rows</table>\n"
            . '<button type="submit" id="save-service">Save Changes</button></form>'
            . (isset($_GET['success']) ? '<p class="successbox">Changes Saved Successfully!</p>' : ''));
        return true;
    case '/admin/cron':
        Whmcs::cron();
        header('Content-Type: text/plain');
        echo "cron done\n";
        return true;
    default:
        http_response_code(404);
        return true;
}
