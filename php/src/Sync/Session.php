<?php

declare(strict_types=1);

namespace PuqDns\Module\Sync;

use PuqDns\DnsSync;
use PuqDns\Module\Log\ResultLog;

/**
 * What one DnsService call works with: the sync over the usable zones, the
 * log that knows their secrets, the zones left out (by id, with why), where
 * its lines go, and how it renews its hold on the VMs it writes.
 *
 * @internal
 */
final class Session
{
    /**
     * @param array<int, string> $skipped
     * @param (callable(string): void)|null $out
     * @param \Closure(): void $renew
     */
    public function __construct(
        public readonly DnsSync $sync,
        public readonly ResultLog $log,
        public readonly array $skipped,
        public readonly mixed $out = null,
        private readonly ?\Closure $renew = null,
    ) {
    }

    /** Renews the hold on the VMs being written (between batches; the heartbeat does it during one). */
    public function renew(): void
    {
        if ($this->renew !== null) {
            ($this->renew)();
        }
    }
}
