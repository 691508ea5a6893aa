<?php

declare(strict_types=1);

namespace PuqDns\Module\Whmcs;

use PDO;
use PuqDns\Module\Log\TableModuleLog;
use PuqDns\Module\Log\TeeModuleLog;
use PuqDns\Module\Log\WhmcsModuleLog;
use PuqDns\Module\Store\Schema;
use PuqDns\Module\Store\VmStore;
use PuqDns\Module\Store\WhmcsSecretBox;
use PuqDns\Module\Store\ZoneStore;
use PuqDns\Module\Sync\DnsService;
use PuqDns\Module\Web\WhmcsAdminAuth;

/**
 * The WHMCS addon module puq_dns: what modules/addons/puq_dns/puq_dns.php
 * and hooks.php call. WHMCS's database is Capsule's PDO; credentials are
 * sealed with WHMCS's EncryptPassword; failures go to the addon's log table
 * and to WHMCS's module log.
 */
final class Addon
{
    public const VERSION = '1.0.0';

    /** The oldest PHP the extension is built for. */
    private const PHP_MIN = '8.1.0';

    /** puq_dns_config() */
    public static function config(): array
    {
        return [
            'name' => 'puq_dns',
            'description' => 'Keeps DNS in step with your VMs: A/AAAA and PTR records on Cloudflare, PowerDNS'
                . ' and HestiaCP follow every deploy, package change and terminate.',
            'version' => self::VERSION,
            'author' => 'puqcloud',
            'language' => 'english',
            'fields' => Settings::FIELDS,
        ];
    }

    /**
     * puq_dns_activate(): refuses, saying what to do, when the extension is
     * not loaded; creates the tables otherwise.
     *
     * @return array{status: string, description: string}
     */
    public static function activate(): array
    {
        $missing = self::missingRequirement();
        if ($missing !== null) {
            return ['status' => 'error', 'description' => $missing];
        }
        try {
            Schema::install(self::pdo());
        } catch (\Throwable $e) {
            return ['status' => 'error', 'description' => 'puq_dns could not create its tables: ' . $e->getMessage()];
        }
        return [
            'status' => 'success',
            'description' => 'puq_dns is active. Save its settings (server modules, main domain),'
                . ' then add your DNS zones under Addons → puq_dns.',
        ];
    }

    /**
     * puq_dns_deactivate(): keeps every zone, VM and log entry unless the
     * setting "Delete data on deactivate" is ticked.
     *
     * @return array{status: string, description: string}
     */
    public static function deactivate(): array
    {
        try {
            $pdo = self::pdo();
            if (!Settings::load($pdo)->deleteDataOnDeactivate()) {
                return [
                    'status' => 'success',
                    'description' => 'puq_dns is deactivated;'
                        . ' its zones, VMs and log are kept for when it is activated again.',
                ];
            }
            Schema::uninstall($pdo);
            return [
                'status' => 'success',
                'description' => 'puq_dns is deactivated and its zones, VMs and log are deleted.',
            ];
        } catch (\Throwable $e) {
            return ['status' => 'error', 'description' => 'puq_dns could not be deactivated: ' . $e->getMessage()];
        }
    }

    /**
     * puq_dns_upgrade($vars): brings the tables to this version's schema
     * ($vars['version'] is the version that was installed). Schema::install
     * only adds what is missing, so every older version upgrades the same way.
     */
    public static function upgrade(array $vars): void
    {
        Schema::install(self::pdo());
    }

    /**
     * puq_dns_output($vars): echoes the admin page. The zones page's API
     * calls get their JSON alone: WHMCS's output buffers are dropped and
     * the request ends before WHMCS wraps it in its template.
     */
    public static function output(array $vars): void
    {
        $pdo = self::pdo();
        self::install($pdo);
        $page = new AdminPage($pdo, (string) ($vars['modulelink'] ?? 'addonmodules.php?module=puq_dns'));
        if (isset($_GET['puq_dns_api'])) {
            $response = $page->api($_GET, $_POST, $_SERVER);
            while (ob_get_level() > 0) {
                ob_end_clean();
            }
            $response->send();
            exit;
        }
        echo $page->render($_GET, $_POST, (string) \generate_token('plain'), WhmcsAdminAuth::fromGlobals());
    }

    /** puq_dns_sidebar($vars): a link per tab. */
    public static function sidebar(array $vars): string
    {
        return (new AdminPage(
            self::pdo(),
            (string) ($vars['modulelink'] ?? 'addonmodules.php?module=puq_dns')
        ))->sidebar();
    }

    /** The service in WHMCS, with the addon's settings. */
    public static function dns(?PDO $pdo = null): DnsService
    {
        $pdo ??= self::pdo();
        self::install($pdo);
        $settings = Settings::load($pdo);
        return new DnsService(
            new ZoneStore($pdo, new WhmcsSecretBox()),
            new VmStore($pdo),
            self::log($pdo),
            $settings->syncOptions(),
        );
    }

    /**
     * The tables, checked once per connection and request: a request may
     * run several hooks, each wanting the service.
     */
    private static function install(PDO $pdo): void
    {
        static $done = null;
        $done ??= new \WeakMap();
        if (!isset($done[$pdo])) {
            Schema::install($pdo);
            $done[$pdo] = true;
        }
    }

    /** The addon's log table, which its page lists, and WHMCS's module log. */
    public static function log(PDO $pdo): TeeModuleLog
    {
        return new TeeModuleLog(new TableModuleLog($pdo), new WhmcsModuleLog(Settings::MODULE));
    }

    /** WHMCS's database connection. */
    public static function pdo(): PDO
    {
        $pdo = \WHMCS\Database\Capsule::connection()->getPdo();
        $pdo->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION);
        return $pdo;
    }

    /** Why the addon cannot run in this PHP, with what to do; null when it can. */
    public static function missingRequirement(): ?string
    {
        if (version_compare(PHP_VERSION, self::PHP_MIN, '<')) {
            return sprintf('puq_dns needs PHP %s or newer; WHMCS runs on PHP %s.', self::PHP_MIN, PHP_VERSION);
        }
        if (!extension_loaded('puq_dns')) {
            return 'The puq_dns PHP extension is not loaded in the PHP that runs WHMCS'
                . ' (PHP ' . PHP_VERSION . ', php.ini: ' . (php_ini_loaded_file() ?: 'none') . '). '
                . 'Copy libpuq_dns.so into ' . ini_get('extension_dir')
                . ', add the line "extension=puq_dns" to that PHP\'s php.ini '
                . '(and to the one your WHMCS cron uses), restart PHP-FPM or the web server, then activate again.';
        }
        return null;
    }
}
