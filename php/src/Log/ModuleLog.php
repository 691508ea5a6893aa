<?php

declare(strict_types=1);

namespace PuqDns\Module\Log;

/**
 * Where failed DNS operations and their summaries are written: WHMCS's
 * module log (WhmcsModuleLog) or, standalone, the log table (TableModuleLog).
 */
interface ModuleLog
{
    /**
     * @param list<string> $secrets values that must not appear in the entry
     *                              (the zones' credentials); each is blanked
     *                              wherever it occurs
     */
    public function write(LogEntry $entry, array $secrets): void;
}
