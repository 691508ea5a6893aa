<?php

declare(strict_types=1);

namespace PuqDns\Module\Web;

/** A refused request: 401 (no credentials) or 403 (wrong ones), with headers to send. */
final class AuthException extends \RuntimeException
{
    /** @param array<string, string> $headers */
    public function __construct(
        public readonly int $status,
        string $message,
        public readonly array $headers = [],
    ) {
        parent::__construct($message);
    }
}
