<?php

/*
 * A stand-in for the WHMCS admin area, as a `php -S` router script, so the
 * browser test can drive the DNS Zones page the way it is embedded there:
 * a logged-in admin session, WHMCS's CSRF token (sha1(tkval . session_id()
 * . ':whmcscrsf'), as generate_token('plain')), the page rendered by
 * ZonesPage::fragment() inside an admin template, and the API answered by
 * AdminApi with WhmcsAdminAuth::fromGlobals() on the same session.
 *
 *   PUQ_DNS_SIM_DB=… PUQ_DNS_SIM_KEY=… php -d extension=… \
 *       -S 127.0.0.1:PORT -t php/public tests/browser/whmcs-sim.php
 *
 *   /admin/addonmodules.php?module=puq_dns               the page
 *   /admin/addonmodules.php?module=puq_dns&puq_dns_api=1 its API
 *   /admin/rotate-session                                 a new tkval: the page's token goes stale
 *   /admin/logout                                         from then on every admin URL redirects to the login page
 *   /assets/…                                             php/public/assets, served by php -S
 */

declare(strict_types=1);

use PuqDns\Module\Store\Schema;
use PuqDns\Module\Store\SodiumSecretBox;
use PuqDns\Module\Store\ZoneStore;
use PuqDns\Module\Web\AdminApi;
use PuqDns\Module\Web\Response;
use PuqDns\Module\Web\WhmcsAdminAuth;
use PuqDns\Module\Web\ZonesPage;

require dirname(__DIR__, 2) . '/php/autoload.php';

$path = (string) parse_url((string) ($_SERVER['REQUEST_URI'] ?? '/'), PHP_URL_PATH);
if (str_starts_with($path, '/assets/')) {
    return false; // the static file, from -t php/public
}

session_name('WHMCSsim');
session_start();

if ($path === '/admin/logout') {
    $_SESSION = ['logged_out' => true];
    header('Content-Type: text/plain');
    echo "logged out\n";
    return true;
}
if (!empty($_SESSION['logged_out'])) {
    // As WHMCS: every admin URL sends a logged-out admin to the login page.
    header('Location: /admin/login.php', true, 302);
    return true;
}

// The admin logged in long ago; WHMCS keeps tkval in the session.
$_SESSION['adminid'] = 1;
$_SESSION['tkval'] ??= bin2hex(random_bytes(16));

if ($path === '/admin/rotate-session') {
    $_SESSION['tkval'] = bin2hex(random_bytes(16));
    header('Content-Type: text/plain');
    echo "rotated\n";
    return true;
}

if ($path !== '/admin/addonmodules.php') {
    http_response_code(404);
    return true;
}

if (isset($_GET['puq_dns_api'])) {
    $pdo = new PDO('sqlite:' . getenv('PUQ_DNS_SIM_DB'), null, null, [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]);
    Schema::install($pdo);
    $api = new AdminApi(new ZoneStore($pdo, SodiumSecretBox::fromKeyFile((string) getenv('PUQ_DNS_SIM_KEY'))), WhmcsAdminAuth::fromGlobals());
    // WHMCS itself refuses an admin POST without its `token` field before
    // any module code runs, so the page must send it in the form body (a
    // header or a JSON body would not do); whether it matches is left to
    // WhmcsAdminAuth here, so the test sees the module's own message.
    if ($_SERVER['REQUEST_METHOD'] === 'POST' && !isset($_POST['token'])) {
        Response::error(403, 'WHMCS: CSRF token missing from the POST')->send();
        return true;
    }
    $api->handle((string) $_SERVER['REQUEST_METHOD'], $_GET, $_POST, $_SERVER)->send();
    return true;
}

header('Content-Type: text/html; charset=utf-8');
header('Content-Security-Policy: ' . ZonesPage::CONTENT_SECURITY_POLICY);
$token = sha1($_SESSION['tkval'] . session_id() . ':whmcscrsf');
?>
<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>WHMCS admin (simulated) – DNS Zones</title></head>
<body>
<header id="whmcs-header"><strong>WHMCS</strong> Admin Area · Addons · puq_dns</header>
<div id="contentarea">
<?= ZonesPage::fragment('addonmodules.php?module=puq_dns&puq_dns_api=1', '/assets', $token) ?>
</div>
</body>
</html>
