<?php

declare(strict_types=1);

namespace PuqDns\Module\Log;

/**
 * Writes each entry to several logs. In WHMCS: the module's own log table,
 * which the addon page lists and which is always written, and WHMCS's
 * module log, which records only while its debug mode is on.
 */
final class TeeModuleLog implements ModuleLog
{
    /** @var list<ModuleLog> */
    private readonly array $logs;

    public function __construct(ModuleLog ...$logs)
    {
        $this->logs = array_values($logs);
    }

    public function write(LogEntry $entry, array $secrets): void
    {
        $failure = null;
        foreach ($this->logs as $log) {
            try {
                $log->write($entry, $secrets);
            } catch (\Throwable $e) {
                // One log that cannot be written must not cost the others the entry.
                $failure ??= $e;
            }
        }
        if ($failure !== null) {
            throw $failure;
        }
    }
}
