<?php

declare(strict_types=1);

namespace PuqDns\Module\Log;

/** One entry of the module log: what happened, to which VM and zone, with its context. */
final class LogEntry
{
    /** @param array<string, mixed> $context JSON-able details: the operation, counts, the error */
    public function __construct(
        public readonly string $level,
        public readonly string $action,
        public readonly string $message,
        public readonly ?int $vmId = null,
        public readonly ?int $zoneId = null,
        public readonly array $context = [],
    ) {
    }
}
