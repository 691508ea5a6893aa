<?php

declare(strict_types=1);

namespace PuqDns\Module\Whmcs;

use PDO;
use PuqDns\Module\Log\ResultLog;
use PuqDns\Module\Sync\DnsService;

/**
 * The addon's WHMCS hooks (modules/addons/puq_dns/hooks.php):
 * - AfterModuleCreate, AfterModuleChangePackage, AfterModuleTerminate:
 *   deploy, change, terminate the VM of a service of the chosen server
 *   modules; services of other modules are left alone;
 * - AfterCronJob: the "Set DNS records" queue, so no cron line of its own
 *   is needed;
 * - AdminClientServicesTabFields (+Save): the DNS panel on the admin page of
 *   each such service, and its Set DNS records button (ServicePanel). These
 *   are the hooks that reach another module's services: the module
 *   functions AdminServicesTabFields only run for the module that owns the
 *   product.
 *
 * A hook never throws into WHMCS and never stops a provisioning step: the
 * VM is read from WHMCS's tables by service id, a service whose data makes
 * no valid VM is one log line naming the service and the field, and DNS
 * failures are DnsService's (logged, per operation).
 */
final class Hooks
{
    /** Hook point => what it does. */
    public const LIFECYCLE = [
        'AfterModuleCreate' => 'create',
        'AfterModuleChangePackage' => 'update',
        'AfterModuleTerminate' => 'delete',
    ];

    /** add_hook() for every hook; $pdo is WHMCS's database (Capsule's PDO by default, looked up when a hook runs). */
    public static function register(?\Closure $pdo = null): void
    {
        $pdo ??= static fn (): PDO => Addon::pdo();
        foreach (self::LIFECYCLE as $hook => $action) {
            add_hook($hook, 1, static function (array $vars) use ($pdo, $action): void {
                self::guard($pdo, $action, static fn (PDO $db) => self::lifecycle($db, $action, $vars));
            });
        }
        add_hook('AfterCronJob', 1, static function (array $vars) use ($pdo): void {
            self::guard($pdo, 'resync', static fn (PDO $db) => Addon::dns($db)->runQueue());
        });
        add_hook('AdminClientServicesTabFields', 1, static function (array $vars) use ($pdo): array {
            $fields = [];
            self::guard($pdo, 'plan', static function (PDO $db) use ($vars, &$fields): void {
                $fields = (new ServicePanel($db, Addon::dns($db)))->fields((int) ($vars['id'] ?? 0));
            });
            return $fields;
        });
        add_hook('AdminClientServicesTabFieldsSave', 1, static function (array $vars) use ($pdo): void {
            self::guard($pdo, 'resync', static fn (PDO $db) => (new ServicePanel($db, Addon::dns($db)))->save($vars));
        });
    }

    /** One lifecycle hook: the service's VM, then the DnsService call. */
    private static function lifecycle(PDO $pdo, string $action, array $vars): void
    {
        $serviceId = (int) ($vars['params']['serviceid'] ?? 0);
        if ($serviceId < 1) {
            return;
        }
        try {
            $vm = (new ServiceVm($pdo, Settings::load($pdo)))->of($serviceId);
        } catch (ServiceVmException $e) {
            $dns = Addon::dns($pdo);
            if ($action === 'delete') {
                // Its records must go whatever the service's data says now:
                // the VM puq_dns remembers is what DNS holds.
                $dns->terminate($serviceId);
                return;
            }
            self::problem($pdo, $action, "service $serviceId is left out of DNS: " . $e->getMessage(), $serviceId);
            return;
        }
        if ($vm === null) {
            return;
        }
        $dns = Addon::dns($pdo);
        match ($action) {
            'create' => $dns->deploy($vm),
            'update' => $dns->changePackage($vm),
            'delete' => $dns->terminate($vm),
        };
    }

    /** Runs a hook's work so that nothing reaches WHMCS; whatever stops it is logged. */
    private static function guard(\Closure $pdo, string $action, \Closure $work): void
    {
        try {
            if (Addon::missingRequirement() !== null) {
                error_log('puq_dns: ' . Addon::missingRequirement());
                return;
            }
            $db = $pdo();
            $work($db);
        } catch (\Throwable $e) {
            try {
                self::problem(
                    $db ?? $pdo(),
                    $action,
                    'the puq_dns hook did not run: ' . get_class($e) . ': ' . $e->getMessage(),
                    null
                );
            } catch (\Throwable) {
                error_log('puq_dns hook: ' . get_class($e) . ': ' . $e->getMessage());
            }
        }
    }

    private static function problem(PDO $pdo, string $action, string $message, ?int $vmId): void
    {
        (new ResultLog(Addon::log($pdo), []))->problem('error', $action, $message, $vmId);
    }
}
