<?php

declare(strict_types=1);

namespace PuqDns\Module\Whmcs;

use PDO;
use PuqDns\DnsSync;
use PuqDns\Module\Log\TableModuleLog;
use PuqDns\Module\Store\VmStore;
use PuqDns\Module\Sync\DnsService;

/**
 * The "DNS" row that the AdminClientServicesTabFields hook adds to the
 * admin page of each service of the chosen server modules: the FQDN, each
 * address with its reverse name and PTR target, per zone what is there now
 * against what should be (a read-only plan), the queue status, the last
 * sync and its errors, and a Set DNS records button.
 *
 * The button submits WHMCS's own service form (a form inside it would not
 * be HTML), so WHMCS checks its CSRF token and saves the service first;
 * the AdminClientServicesTabFieldsSave hook then queues the VM.
 */
final class ServicePanel
{
    /** The name of the button; the save hook looks for it in $_REQUEST. */
    public const BUTTON = 'puq_dns_set_dns_records';

    /** A plan on a page an admin waits for: short, one try. */
    private const PLAN_OPTIONS = ['timeout' => 4, 'connect_timeout' => 2, 'retries' => 0];

    public function __construct(
        private readonly PDO $pdo,
        private readonly DnsService $dns,
    ) {
    }

    /**
     * The hook's answer: ['DNS' => HTML], or nothing for a service of
     * another module.
     *
     * @return array<string, string>
     */
    public function fields(int $serviceId): array
    {
        $settings = Settings::load($this->pdo);
        try {
            $vm = (new ServiceVm($this->pdo, $settings))->of($serviceId);
        } catch (ServiceVmException $e) {
            return [
                'DNS' => '<div class="puq-dns-panel"><p class="text-danger">' . self::e($e->getMessage())
                    . '</p></div>',
            ];
        }
        if ($vm === null) {
            return [];
        }
        $normal = DnsSync::normalizeVm($vm);
        $vms = new VmStore($this->pdo);
        [$planned, $drift] = $this->plan($vm);
        $status = $this->status($vms, $serviceId);
        if ($status === 'synced' && $drift !== 'right') {
            $status = $drift === 'drifted' ? 'drifted: Set DNS records repairs it' : 'DNS cannot be read now';
        }
        $h = '<div class="puq-dns-panel" data-service="' . $serviceId . '">';
        $h .= '<p><strong>' . self::e($normal['fqdn']) . '</strong> · ' . self::e($status) . '</p>';
        $h .= $this->addresses($normal['addresses']);
        $h .= $planned;
        $h .= $this->lastSync($vms, $serviceId);
        $h .= '<button type="submit" name="' . self::BUTTON . '" value="1" class="btn btn-default btn-sm">'
            . 'Set DNS records</button>'
            . ' <span class="text-muted">saves the service and queues its DNS; the next cron run writes it</span>';
        return ['DNS' => $h . '</div>'];
    }

    /**
     * The save hook: the button was pressed, so the VM as WHMCS has it now
     * is queued for the next cron run. Returns what it did, for the log.
     */
    public function save(array $request): ?string
    {
        if (($request[self::BUTTON] ?? '') !== '1') {
            return null;
        }
        $serviceId = (int) ($request['id'] ?? 0);
        $vm = (new ServiceVm($this->pdo, Settings::load($this->pdo)))->of($serviceId);
        if ($vm === null) {
            return null;
        }
        $this->dns->setDnsRecords($vm);
        if (function_exists('logActivity')) {
            \logActivity("puq_dns: Set DNS records queued for service $serviceId", (int) ($request['userid'] ?? 0));
        }
        return "service $serviceId queued";
    }

    private function status(VmStore $vms, int $id): string
    {
        $row = $vms->describe($id);
        return match (true) {
            $row === null => 'not written by puq_dns yet',
            $row['terminated'] => 'its records are being deleted',
            $row['status'] === VmStore::QUEUED => 'queued: the next cron run sets its DNS records',
            $row['locked_by'] !== null => 'being synced now',
            default => 'synced',
        };
    }

    /** @param list<array{ip: string, reverse_name: string, ptr: string}> $addresses */
    private function addresses(array $addresses): string
    {
        if ($addresses === []) {
            return '<p class="text-muted">No addresses (Dedicated IP, Assigned IPs).</p>';
        }
        $h = '<table class="table table-condensed puq-dns-addresses">'
            . '<thead><tr><th>Address</th><th>Reverse name</th><th>PTR</th></tr></thead><tbody>';
        foreach ($addresses as $a) {
            $h .= '<tr><td>' . self::e($a['ip']) . '</td><td>' . self::e($a['reverse_name'])
                . '</td><td>' . self::e($a['ptr']) . '</td></tr>';
        }
        return $h . '</tbody></table>';
    }

    /**
     * What a resync would do, zone by zone: each record there and right,
     * missing, or stale; and the drift (DnsService::driftOf).
     *
     * @return array{0: string, 1: string}
     */
    private function plan(array $vm): array
    {
        try {
            $plan = $this->dns->plan('resync', $vm, self::PLAN_OPTIONS);
        } catch (\Throwable $e) {
            return ['<p class="text-danger">DNS could not be read: ' . self::e($e->getMessage()) . '</p>', 'unknown'];
        }
        if ($plan['operations'] === []) {
            return ['<p class="text-muted">No zone takes these names.</p>', 'right'];
        }
        $h = '<table class="table table-condensed puq-dns-plan">'
            . '<thead><tr><th>Zone</th><th>Record</th><th>Now</th></tr></thead><tbody>';
        foreach ($plan['operations'] as $op) {
            $state = match (true) {
                $op['status'] === 'error' => 'cannot tell: ' . (string) $op['error'],
                $op['op'] === 'keep' => 'right',
                $op['op'] === 'create' => 'missing',
                default => 'stale: to be deleted',
            };
            $h .= '<tr class="puq-dns-' . ($op['status'] === 'error' ? 'error' : $op['op']) . '">'
                . '<td>' . self::e((string) $op['zone']) . '</td>'
                . '<td>' . self::e("{$op['name']} {$op['rrtype']} {$op['content']}") . '</td>'
                . '<td>' . self::e($state) . '</td></tr>';
        }
        return [$h . '</tbody></table>', DnsService::driftOf($plan)];
    }

    private function lastSync(VmStore $vms, int $id): string
    {
        $written = $vms->describe($id)['synced_at'] ?? null;
        $h = $written === null
            ? ''
            : '<p class="puq-dns-synced-at">Records last written ' . self::e($written) . ' UTC.</p>';
        $entries = (new TableModuleLog($this->pdo))->recent(5, $id);
        if ($entries === []) {
            return $h;
        }
        $h .= '<p>Last logged:</p><ul class="puq-dns-last">';
        foreach ($entries as $entry) {
            $h .= '<li>' . self::e("{$entry['created_at']} UTC {$entry['level']}: {$entry['message']}") . '</li>';
        }
        return $h . '</ul>';
    }

    private static function e(string $text): string
    {
        return htmlspecialchars($text, ENT_QUOTES | ENT_SUBSTITUTE | ENT_HTML5, 'UTF-8');
    }
}
