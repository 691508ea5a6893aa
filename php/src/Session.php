<?php

declare(strict_types=1);

namespace PuqDns\Module;

use PuqDns\DnsSync;

/**
 * What one DnsService call works with: the sync over the usable zones, the
 * log that knows their secrets, and the zones left out (by id, with why).
 *
 * @internal
 */
final class Session
{
    /** @param array<int, string> $skipped */
    public function __construct(
        public readonly DnsSync $sync,
        public readonly ResultLog $log,
        public readonly array $skipped,
    ) {
    }
}
