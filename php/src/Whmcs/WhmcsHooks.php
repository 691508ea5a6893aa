<?php

declare(strict_types=1);

namespace PuqDns\Module\Whmcs;

use PuqDns\Module\Sync\DnsService;

/**
 * Registers the DNS hooks with WHMCS: after a module create, package change
 * or terminate of one of the provisioning module's services, the VM's
 * records follow. WHMCS fires these hooks for every module's services, so
 * `$vmOf` decides: it maps the hook's `$vars` to the VM array, or null for
 * a service that is not a VM of ours.
 *
 *     WhmcsHooks::register($dns, fn (array $vars): ?array => puqProxmoxKVM_dns_vm($vars['params']));
 *
 * Nothing a hook does can throw into WHMCS: DnsService logs and returns,
 * and a failing `$vmOf` is logged the same way.
 */
final class WhmcsHooks
{
    /** WHMCS hook point => what it does to DNS. */
    public const HOOKS = [
        'AfterModuleCreate' => 'deploy',
        'AfterModuleChangePackage' => 'changePackage',
        'AfterModuleTerminate' => 'terminate',
    ];

    /**
     * @param \Closure(array): ?array $vmOf
     * @param (\Closure(\Throwable): void)|null $onError where a failing $vmOf is reported; error_log() by default
     */
    public static function register(DnsService $dns, \Closure $vmOf, ?\Closure $onError = null): void
    {
        if (!function_exists('add_hook')) {
            throw new \LogicException('add_hook() is not defined: WhmcsHooks runs inside WHMCS only');
        }
        $onError ??= static function (\Throwable $e): void {
            error_log('puq_dns hook: ' . get_class($e) . ': ' . $e->getMessage());
        };
        foreach (self::HOOKS as $hook => $method) {
            add_hook($hook, 1, static function (array $vars) use ($dns, $vmOf, $onError, $method): void {
                try {
                    $vm = $vmOf($vars);
                } catch (\Throwable $e) {
                    $onError($e);
                    return;
                }
                if ($vm !== null) {
                    $dns->$method($vm);
                }
            });
        }
    }
}
