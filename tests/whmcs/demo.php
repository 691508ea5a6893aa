<?php

/*
 * The WHMCS addon path of build/demo.sh, in the WHMCS stand-in (WHMCS
 * itself is not installed here): the addon folder activated and configured,
 * the zones added, a puqProxmoxKVM service created (AfterModuleCreate), its
 * DNS panel, a press of Set DNS records and the WHMCS cron (AfterCronJob).
 * Each step is said; dig shows the records in between (the demo's shell).
 *
 *   PUQ_DNS_SIM_DB=… PUQ_DNS_SIM_ROOT=… PDNS_URL=… PDNS_KEY=… \
 *     php -d extension=… tests/whmcs/demo.php STEP
 *   STEP: setup | panel | press | cron | terminate
 */

declare(strict_types=1);

use PuqDns\Module\Store\WhmcsSecretBox;
use PuqDns\Module\Store\ZoneStore;
use PuqDns\Tests\Whmcs\Whmcs;
use WHMCS\Database\Capsule;

require __DIR__ . '/functions.php';

$db = (string) getenv('PUQ_DNS_SIM_DB');
if (!is_file($db)) {
    touch($db);
}
Whmcs::boot(['driver' => 'sqlite', 'database' => $db], (string) getenv('PUQ_DNS_SIM_ROOT'));
$_SESSION = ['adminid' => 1, 'tkval' => 'demo'];
Whmcs::loadHooks();
$service = 1;
$text = static fn (string $html): string => trim((string) preg_replace(['/<\/(tr|p|li)>/', '/<[^>]+>/', "/[ \t]+/"], ["\n", ' ', ' '], html_entity_decode($html)));

switch ($argv[1] ?? '') {
    case 'setup':
        Whmcs::loginAdmin();
        $result = Whmcs::activateAddon('puq_dns');
        echo "Setup → Addon Modules → puq_dns → Activate: {$result['status']}: {$result['description']}\n";
        Whmcs::saveAddonSettings('puq_dns', ['main_domain_option' => '5', 'name_pattern' => '{serviceid}-{regdate}']);
        echo "Configure: server modules puqProxmoxKVM, name {serviceid}-{regdate}, main domain from the product's configoption5\n";
        Whmcs::loadHooks();
        $zones = new ZoneStore(Capsule::connection()->getPdo(), new WhmcsSecretBox());
        $zones->create(['type' => 'powerdns', 'zone' => 'puqcloud.com', 'server_url' => (string) getenv('PDNS_URL'), 'api_key' => (string) getenv('PDNS_KEY')]);
        echo "Addons → puq_dns → DNS Zones: puqcloud.com added (PowerDNS)\n";
        $zones->create([
            'type' => 'rfc2136', 'zone' => '2.0.192.in-addr.arpa', 'server' => (string) getenv('BIND_SERVER'),
            'tsig_name' => (string) getenv('BIND_KEY_NAME'), 'tsig_secret' => (string) getenv('BIND_KEY_SECRET'),
        ]);
        echo "Addons → puq_dns → DNS Zones: 2.0.192.in-addr.arpa added (RFC 2136, BIND)\n";
        $product = Whmcs::addProduct('VPS S', 'puqProxmoxKVM', [5 => 'puqcloud.com']);
        $service = Whmcs::addService($product, ['dedicatedip' => '192.0.2.7', 'assignedips' => '192.0.2.8']);
        echo "a client orders service $service (192.0.2.7, 192.0.2.8); puqProxmoxKVM creates it → AfterModuleCreate\n";
        Whmcs::moduleCall('Create', $service);
        break;
    case 'panel':
        echo $text(Whmcs::serviceTab($service)['DNS'] ?? 'no panel'), "\n";
        break;
    case 'press':
        Whmcs::saveServiceTab($service, ['token' => generate_token('plain'), 'puq_dns_set_dns_records' => '1']);
        echo "Set DNS records pressed on service $service: queued for the next WHMCS cron run\n";
        break;
    case 'cron':
        Whmcs::cron();
        echo "WHMCS cron ran (AfterCronJob)\n";
        break;
    case 'terminate':
        Whmcs::moduleCall('Terminate', $service);
        echo "service $service terminated → AfterModuleTerminate\n";
        break;
    default:
        fwrite(STDERR, "usage: demo.php setup|panel|press|cron|terminate\n");
        exit(2);
}
