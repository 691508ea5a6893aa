<?php

declare(strict_types=1);

namespace PuqDns\Module\Log;

use PuqDns\Redact;

/**
 * WHMCS's module log (Utilities → Logs → Module Log) through its
 * logModuleCall(). The secrets go in its replacement list, as they are and
 * JSON-escaped, so WHMCS blanks them in whatever it stores, on top of the
 * extension never putting them in a result.
 */
final class WhmcsModuleLog implements ModuleLog
{
    /** @param string $module the module the entries are filed under */
    public function __construct(private readonly string $module = 'puqProxmoxKVM')
    {
        if (!function_exists('logModuleCall')) {
            throw new \LogicException('logModuleCall() is not defined: WhmcsModuleLog runs inside WHMCS only');
        }
    }

    public function write(LogEntry $entry, array $secrets): void
    {
        $request = [
            'level' => $entry->level,
            'vm' => $entry->vmId,
            'zone' => $entry->zoneId,
        ] + $entry->context;
        logModuleCall(
            $this->module,
            'DNS ' . $entry->action,
            json_encode(
                $request,
                JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PRETTY_PRINT | JSON_INVALID_UTF8_SUBSTITUTE
            ),
            $entry->message,
            $entry->message,
            // Every form a secret may take (the request is JSON): the extension's list.
            Redact::forms(array_values($secrets)),
        );
    }
}
