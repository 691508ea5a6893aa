<?php

/**
 * The hooks of the puq_dns addon, loaded by WHMCS while the addon is
 * active: deploy, change package and terminate follow into DNS, and each
 * WHMCS cron run works the "Set DNS records" queue. See
 * PuqDns\Module\Whmcs\Hooks.
 */

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

require_once __DIR__ . '/lib/autoload.php';

PuqDns\Module\Whmcs\Hooks::register();
