<?php

/**
 * puq_dns, the WHMCS addon module: DNS for the VMs of your server modules
 * (puqProxmoxKVM by default) on Cloudflare, PowerDNS and HestiaCP.
 *
 * Upload this folder to modules/addons/puq_dns, load the puq_dns PHP
 * extension (php.ini: extension=puq_dns), then Setup → Addon Modules →
 * puq_dns → Activate. Everything else is PuqDns\Module\Whmcs\Addon.
 */

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

require_once __DIR__ . '/lib/autoload.php';

use PuqDns\Module\Whmcs\Addon;

function puq_dns_config(): array
{
    return Addon::config();
}

function puq_dns_activate(): array
{
    return Addon::activate();
}

function puq_dns_deactivate(): array
{
    return Addon::deactivate();
}

function puq_dns_upgrade(array $vars): void
{
    Addon::upgrade($vars);
}

function puq_dns_output(array $vars): void
{
    Addon::output($vars);
}

function puq_dns_sidebar(array $vars): string
{
    return Addon::sidebar($vars);
}
