<?php

/*
 * Sets up the WHMCS stand-in for the addon's browser test, as an admin
 * would: the addon folder (build/addon.sh) activated and configured, the
 * two zones added, a product of puqProxmoxKVM and one service created (so
 * its VM has records). Prints {"service": id, "fqdn": "…"}.
 *
 *   PUQ_DNS_SIM_DB=… PUQ_DNS_SIM_ROOT=… PDNS_URL=… PDNS_KEY=… DOMAIN=… \
 *     php -d extension=… tests/browser/whmcs-addon-setup.php
 */

declare(strict_types=1);

use PuqDns\Module\Store\WhmcsSecretBox;
use PuqDns\Module\Store\ZoneStore;
use PuqDns\Tests\Whmcs\Whmcs;
use WHMCS\Database\Capsule;

require dirname(__DIR__) . '/whmcs/functions.php';

$db = (string) getenv('PUQ_DNS_SIM_DB');
touch($db);
Whmcs::boot(['driver' => 'sqlite', 'database' => $db], (string) getenv('PUQ_DNS_SIM_ROOT'));
Whmcs::loginAdmin();
$activated = Whmcs::activateAddon('puq_dns');
if ($activated['status'] !== 'success') {
    fwrite(STDERR, "activation: {$activated['description']}\n");
    exit(1);
}
Whmcs::saveAddonSettings('puq_dns', ['main_domain_option' => '5', 'name_pattern' => '{serviceid}-{regdate}', 'retries' => '0', 'timeout' => '5']);
Whmcs::loadHooks();

$zones = new ZoneStore(Capsule::connection()->getPdo(), new WhmcsSecretBox());
foreach ([(string) getenv('DOMAIN'), '130.168.192.in-addr.arpa'] as $zone) {
    $zones->create(['type' => 'powerdns', 'zone' => $zone, 'server_url' => (string) getenv('PDNS_URL'), 'api_key' => (string) getenv('PDNS_KEY')]);
}
$product = Whmcs::addProduct('VPS S', 'puqProxmoxKVM', [5 => (string) getenv('DOMAIN')]);
$service = Whmcs::addService($product, ['dedicatedip' => '192.168.130.7', 'assignedips' => '192.168.130.8']);
Whmcs::moduleCall('Create', $service);

echo json_encode(['service' => $service, 'fqdn' => "$service-20260418." . getenv('DOMAIN')]), "\n";
