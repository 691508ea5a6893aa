<?php

declare(strict_types=1);

namespace PuqDns\Module\Log;

use PDO;
use PuqDns\Module\Store\Schema;
use PuqDns\Redact;

/**
 * The standalone module log: the same entries as WHMCS's, in the log table
 * (Schema::LOG). Secrets are blanked here, as logModuleCall() does with
 * its replacement list.
 */
final class TableModuleLog implements ModuleLog
{
    public function __construct(
        private readonly PDO $pdo,
        private readonly string $table = Schema::LOG,
    ) {
        $this->pdo->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION);
    }

    public function write(LogEntry $entry, array $secrets): void
    {
        $context = $entry->context === []
            ? null
            : json_encode(
                $entry->context,
                JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE
            );
        $q = fn (string $name): string => $this->q($name);
        $this->pdo->prepare(
            "INSERT INTO {$q($this->table)} ({$q('created_at')}, {$q('level')}, {$q('action')}, {$q('vm_id')},"
            . " {$q('zone_id')}, {$q('message')}, {$q('context')}) VALUES (?, ?, ?, ?, ?, ?, ?)"
        )->execute([
            gmdate('Y-m-d H:i:s'),
            $entry->level,
            $entry->action,
            $entry->vmId,
            $entry->zoneId,
            self::blank($entry->message, $secrets),
            $context === null || $context === false ? null : self::blank($context, $secrets),
        ]);
    }

    /**
     * The newest entries first, optionally of one VM.
     *
     * @return list<array{id: int, created_at: string, level: string, action: string,
     *     vm_id: ?int, zone_id: ?int, message: string, context: ?array}>
     */
    public function recent(int $limit = 50, ?int $vmId = null): array
    {
        $q = fn (string $name): string => $this->q($name);
        $where = $vmId === null ? '' : " WHERE {$q('vm_id')} = ?";
        $statement = $this->pdo->prepare(
            "SELECT * FROM {$q($this->table)}$where ORDER BY {$q('id')} DESC LIMIT " . max(1, $limit)
        );
        $statement->execute($vmId === null ? [] : [$vmId]);
        return array_map(static fn (array $row): array => [
            'id' => (int) $row['id'],
            'created_at' => (string) $row['created_at'],
            'level' => (string) $row['level'],
            'action' => (string) $row['action'],
            'vm_id' => $row['vm_id'] === null ? null : (int) $row['vm_id'],
            'zone_id' => $row['zone_id'] === null ? null : (int) $row['zone_id'],
            'message' => (string) $row['message'],
            'context' => $row['context'] === null ? null : json_decode((string) $row['context'], true),
        ], $statement->fetchAll(PDO::FETCH_ASSOC));
    }

    /**
     * Each secret, in every form it may take in the message or the JSON
     * context, replaced by the mask: the extension's rule (PuqDns\Redact),
     * the same as for its own errors.
     *
     * @param list<string> $secrets
     */
    private static function blank(string $text, array $secrets): string
    {
        return Redact::secrets($text, array_values($secrets));
    }

    private function q(string $name): string
    {
        return Schema::quoteName(Schema::driver($this->pdo), $name);
    }
}
