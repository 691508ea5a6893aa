<?php

/*
 * Standalone front controller of the DNS zones admin API (AdminApi): reads
 * the config (PUQ_DNS_CONFIG, else php/config.php), makes sure the tables
 * exist, decodes the body (JSON or a form) and sends the JSON answer.
 * Inside WHMCS, the module's admin page calls AdminApi itself with
 * WhmcsAdminAuth and Capsule's PDO instead.
 */

declare(strict_types=1);

use PuqDns\Module\Config;
use PuqDns\Module\Store\Schema;
use PuqDns\Module\Store\ZoneStore;
use PuqDns\Module\Web\AdminApi;
use PuqDns\Module\Web\Response;

require dirname(__DIR__) . '/autoload.php';

(static function (): void {
    try {
        if (!extension_loaded('puq_dns')) {
            throw new RuntimeException('the puq_dns extension is not loaded');
        }
        $config = Config::load(getenv('PUQ_DNS_CONFIG') ?: dirname(__DIR__) . '/config.php');
        $pdo = $config->pdo();
        Schema::install($pdo);
        $api = new AdminApi(new ZoneStore($pdo, $config->secretBox()), $config->adminAuth());
    } catch (Throwable $e) {
        // The reason is for the server's log, not for whoever asked.
        error_log('puq_dns zones API cannot start: ' . get_class($e) . ': ' . $e->getMessage());
        Response::error(500, 'the zones API is not configured; the server log has the details')->send();
        return;
    }

    $body = $_POST;
    if (preg_match('{^application/json\b}i', (string) ($_SERVER['CONTENT_TYPE'] ?? ''))) {
        $raw = (string) file_get_contents('php://input');
        $body = $raw === '' ? [] : json_decode($raw, true);
        if (!is_array($body)) {
            Response::error(400, 'the request body is not a JSON object')->send();
            return;
        }
    }
    $api->handle((string) ($_SERVER['REQUEST_METHOD'] ?? 'GET'), $_GET, $body, $_SERVER)->send();
})();
