<?php

/*
 * The legacy read-only DNS map: GET → [{"forward", "ip", "reverse"}, …] for
 * every VM address. Only clients in the config's dns_php.allow list (and,
 * when dns_php.token is set, with that token) get it; everyone else gets
 * 403. See DnsEndpoint.
 */

declare(strict_types=1);

use PuqDns\Module\Config;
use PuqDns\Module\Store\Schema;
use PuqDns\Module\Store\VmStore;
use PuqDns\Module\Web\DnsEndpoint;
use PuqDns\Module\Web\Response;

require dirname(__DIR__) . '/autoload.php';

(static function (): void {
    try {
        $config = Config::load(getenv('PUQ_DNS_CONFIG') ?: dirname(__DIR__) . '/config.php');
        $pdo = $config->pdo();
        Schema::install($pdo);
        $endpoint = new DnsEndpoint(new VmStore($pdo), $config->dnsAllow(), $config->dnsToken());
    } catch (Throwable $e) {
        error_log('puq_dns dns.php cannot start: ' . get_class($e) . ': ' . $e->getMessage());
        Response::error(500, 'dns.php is not configured; the server log has the details')->send();
        return;
    }
    $endpoint->handle((string) ($_SERVER['REQUEST_METHOD'] ?? 'GET'), $_SERVER)->send();
})();
