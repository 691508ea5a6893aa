<?php

declare(strict_types=1);

namespace PuqDns\Module\Log;

/**
 * Turns DnsSync results into module log entries: one per failed operation,
 * with the operation as context, and one summary per result that had
 * errors, so an admin can audit a bad night in Utilities → Logs → Module Log.
 * Successful operations are not logged: the cron output shows them live.
 */
final class ResultLog
{
    /** @param list<string> $secrets the zones' credentials, blanked by the log */
    public function __construct(
        private readonly ModuleLog $log,
        private readonly array $secrets,
    ) {
    }

    /** Logs the failed operations of one DnsSync result and their summary. */
    public function result(array $result): void
    {
        $vmId = self::id($result['vm'] ?? null);
        $errors = [];
        foreach ($result['operations'] ?? [] as $i => $op) {
            if (($op['status'] ?? null) !== 'error') {
                continue;
            }
            $line = (string) ($result['lines'][$i] ?? $op['error'] ?? '');
            $errors[] = $line;
            $this->write(new LogEntry(
                'error',
                (string) $result['action'],
                $line,
                $vmId,
                self::id($op['zone_id'] ?? null),
                [
                    'vm' => $result['vm'] ?? null,
                    'fqdn' => $result['fqdn'] ?? null,
                    'operation' => $op,
                ]
            ));
        }
        if ($errors === []) {
            return;
        }
        $counts = $result['counts'] ?? [];
        $total = array_sum(array_map('intval', $counts));
        $message = sprintf(
            '%s of VM %s (%s): %d of %d operations failed',
            $result['action'],
            $result['vm'] ?? '?',
            ($result['fqdn'] ?? '') !== '' ? $result['fqdn'] : 'no FQDN',
            count($errors),
            $total,
        );
        $this->write(new LogEntry('error', (string) $result['action'], $message, $vmId, null, [
            'summary' => true,
            'counts' => $counts,
            'errors' => $errors,
            'unmatched' => $result['unmatched'] ?? [],
        ]));
    }

    /** A failure outside any result: a call that could not run, a zone left out. */
    public function problem(
        string $level,
        string $action,
        string $message,
        ?int $vmId = null,
        ?int $zoneId = null,
        array $context = []
    ): void {
        $this->write(new LogEntry($level, $action, $message, $vmId, $zoneId, $context));
    }

    private function write(LogEntry $entry): void
    {
        try {
            $this->log->write($entry, $this->secrets);
        } catch (\Throwable $e) {
            // A log that cannot be written must not stop a deploy; PHP's own
            // error log still gets the line (no secret is in it: the
            // message came from the extension or from this module).
            error_log('puq_dns: cannot write the module log (' . $e->getMessage() . '): ' . $entry->message);
        }
    }

    private static function id(mixed $id): ?int
    {
        return is_int($id) || (is_string($id) && ctype_digit($id) && $id !== '') ? (int) $id : null;
    }
}
