<?php

declare(strict_types=1);

namespace PuqDns\Module\Whmcs;

use PDO;
use PuqDns\Module\Log\TableModuleLog;
use PuqDns\Module\Store\VmStore;
use PuqDns\Module\Store\WhmcsSecretBox;
use PuqDns\Module\Store\ZoneStore;
use PuqDns\Module\Sync\DnsService;
use PuqDns\Module\Web\AdminApi;
use PuqDns\Module\Web\AuthException;
use PuqDns\Module\Web\Request;
use PuqDns\Module\Web\Response;
use PuqDns\Module\Web\WhmcsAdminAuth;
use PuqDns\Module\Web\ZonesPage;

/**
 * The addon's admin page (Addons → puq_dns), as puq_dns_output() echoes it:
 * tabs DNS Zones (the zones page on its admin API, with WHMCS's CSRF
 * token), VMs (what puq_dns knows of each VM, and Set DNS records), Log
 * (the addon's log, by VM) and Settings help.
 *
 * Every answer is built here and returned; Addon::output() echoes it, or
 * for the zones page's API calls sends the JSON and ends the request
 * before WHMCS wraps it in its template.
 */
final class AdminPage
{
    public const TABS = ['zones' => 'DNS Zones', 'vms' => 'VMs', 'log' => 'Log', 'help' => 'Settings help'];

    /** Where WHMCS serves the addon's assets, from the admin area's folder. */
    public const ASSETS = '../modules/addons/puq_dns/assets';

    public function __construct(
        private readonly PDO $pdo,
        private readonly string $moduleLink,
    ) {
    }

    /** The zones page's API call (`&puq_dns_api=1`): WHMCS admin session and CSRF token. */
    public function api(array $query, array $body, array $server, ?WhmcsAdminAuth $auth = null): Response
    {
        $auth ??= WhmcsAdminAuth::fromGlobals();
        $response = (new AdminApi(new ZoneStore($this->pdo, new WhmcsSecretBox()), $auth))
            ->handle((string) ($server['REQUEST_METHOD'] ?? 'GET'), $query, $body, $server);
        // What an admin changed goes to WHMCS's activity log, as WHMCS's own settings pages do.
        $zone = $response->body['zone'] ?? null;
        $done = match (true) {
            $response->status >= 300 => null,
            ($body['action'] ?? $query['action'] ?? null) === 'create' && is_array($zone)
                => "DNS zone {$zone['id']} ({$zone['zone']}, {$zone['type']}) added",
            ($body['action'] ?? $query['action'] ?? null) === 'edit' && is_array($zone)
                => "DNS zone {$zone['id']} ({$zone['zone']}, {$zone['type']}) saved",
            isset($response->body['deleted']) => "DNS zone {$response->body['deleted']} deleted",
            default => null,
        };
        if ($done !== null) {
            self::activity("puq_dns: $done");
        }
        return $response;
    }

    /**
     * The page's HTML for a GET, or after a POST of one of its forms, which
     * $auth checks (the admin session and WHMCS's CSRF token) before anything
     * is done.
     */
    public function render(array $query, array $post, string $csrfToken, WhmcsAdminAuth $auth): string
    {
        $tab = is_string($query['tab'] ?? null) && isset(self::TABS[$query['tab']]) ? $query['tab'] : 'zones';
        $notice = '';
        $checks = [];
        if (($post['puq_dns_action'] ?? null) !== null) {
            [$notice, $checks] = $this->act($post, $auth, $csrfToken);
        }
        $h = '<div class="puq-dns-addon">' . "\n" . $this->tabs($tab) . $notice;
        $h .= match ($tab) {
            'zones' => ZonesPage::fragment($this->moduleLink . '&puq_dns_api=1', self::ASSETS, $csrfToken),
            'vms' => $this->vms($csrfToken, $checks),
            'log' => $this->log($query),
            'help' => $this->help(),
        };
        return $h . "</div>\n";
    }

    /** The sidebar: a link per tab. */
    public function sidebar(): string
    {
        $h = '<span class="header"><i class="fas fa-globe"></i> puq_dns</span><ul class="menu">';
        foreach (self::TABS as $tab => $label) {
            $h .= '<li><a href="' . self::e($this->moduleLink . '&tab=' . $tab) . '">' . self::e($label) . '</a></li>';
        }
        return $h . '</ul>';
    }

    /**
     * A POSTed form of the page, checked against the admin session and the
     * CSRF token first: its notice, and the drift of each VM checked.
     *
     * @return array{0: string, 1: array<int, string>}
     */
    private function act(array $post, WhmcsAdminAuth $auth, string $csrfToken): array
    {
        try {
            $auth->authorize(new Request('POST', [], $post, []));
        } catch (AuthException $e) {
            return [self::alert('danger', $e->getMessage()), []];
        }
        $dns = Addon::dns($this->pdo);
        try {
            switch ($post['puq_dns_action']) {
                case 'queue':
                    $id = (int) ($post['vm'] ?? 0);
                    $dns->setDnsRecords($id);
                    self::activity("puq_dns: Set DNS records queued for VM $id");
                    return [self::alert('success', "VM $id is queued: the next cron run sets its DNS records."), []];
                case 'check':
                    return $this->check($dns, (string) ($post['vm'] ?? 'all'));
                case 'adopt':
                    return [$this->adoptPlan($dns, $csrfToken), []];
                case 'adopt-queue':
                    return [$this->adoptQueue($dns, (string) ($post['services'] ?? '')), []];
                default:
                    return [self::alert('danger', 'unknown action'), []];
            }
        } catch (\Throwable $e) {
            return [self::alert('danger', $e->getMessage()), []];
        }
    }

    /**
     * "Check": a read-only plan of one VM or of every VM known, batched per
     * zone; the VMs whose DNS drifted are marked.
     *
     * @return array{0: string, 1: array<int, string>}
     */
    private function check(DnsService $dns, string $which): array
    {
        $vms = [];
        foreach ((new VmStore($this->pdo))->all() as $row) {
            if (!$row['terminated'] && ($which === 'all' || (int) $which === $row['vm']['id'])) {
                $vms[$row['vm']['id']] = $row['vm'];
            }
        }
        $checks = [];
        foreach ($dns->planMany($vms) as $id => $plan) {
            $checks[(int) $id] = DnsService::driftOf($plan);
        }
        $drifted = array_keys(array_filter($checks, static fn (string $c): bool => $c !== 'right'));
        return [self::alert(
            $drifted === [] ? 'success' : 'warning',
            $drifted === []
                ? sprintf('Checked %d VM(s): every record is as it should be.', count($checks))
                : sprintf(
                    'Checked %d VM(s): %d drifted or could not be read (%s); Set DNS records repairs them.',
                    count($checks),
                    count($drifted),
                    implode(', ', $drifted)
                ),
        ), $checks];
    }

    /**
     * "Adopt existing services": every active service of the chosen server
     * modules, planned at once; those whose DNS is missing or wrong are
     * offered for the queue, those whose data makes no VM are named.
     */
    private function adoptPlan(DnsService $dns, string $csrfToken): string
    {
        $services = new ServiceVm($this->pdo, Settings::load($this->pdo));
        $vms = [];
        $refused = [];
        foreach ($services->activeServiceIds() as $id) {
            try {
                $vm = $services->of($id);
                if ($vm !== null) {
                    $vms[$id] = $vm;
                }
            } catch (ServiceVmException $e) {
                $refused[] = $e->getMessage();
            }
        }
        $wrong = [];
        foreach ($dns->planMany($vms) as $id => $plan) {
            if (DnsService::driftOf($plan) !== 'right') {
                $wrong[] = (int) $id;
            }
        }
        $h = '<div class="alert alert-info puq-dns-adopt"><p>' . self::e(sprintf(
            '%d active service(s) of %s: %d with DNS as it should be, %d with DNS missing or wrong%s.',
            count($vms) + count($refused),
            implode(', ', $services->serverModulesLabel()),
            count($vms) - count($wrong),
            count($wrong),
            $refused === [] ? '' : sprintf(', %d whose data makes no VM', count($refused)),
        )) . '</p>';
        foreach ($refused as $reason) {
            $h .= '<p class="text-danger">' . self::e($reason) . '</p>';
        }
        if ($wrong !== []) {
            $h .= '<form method="post" action="' . self::e($this->moduleLink . '&tab=vms') . '">'
                . '<input type="hidden" name="token" value="' . self::e($csrfToken) . '">'
                . '<input type="hidden" name="puq_dns_action" value="adopt-queue">'
                . '<input type="hidden" name="services" value="' . self::e(implode(',', $wrong)) . '">'
                . '<button type="submit" class="btn btn-primary">Queue these ' . count($wrong) . ' service(s)</button> '
                . '<span>services ' . self::e(implode(', ', $wrong)) . '; the next cron run writes their records</span>'
                . '</form>';
        }
        return $h . "</div>\n";
    }

    /** Queues the services adoption found, each as WHMCS has it now. */
    private function adoptQueue(DnsService $dns, string $list): string
    {
        $services = new ServiceVm($this->pdo, Settings::load($this->pdo));
        $queued = [];
        foreach (array_filter(array_map('intval', explode(',', $list))) as $id) {
            $vm = $services->of($id);
            if ($vm !== null) {
                $dns->setDnsRecords($vm);
                $queued[] = $id;
            }
        }
        self::activity('puq_dns: adopted ' . count($queued) . ' existing service(s) into the Set DNS records queue');
        return self::alert(
            'success',
            sprintf('%d service(s) queued: the next cron run sets their DNS records.', count($queued))
        );
    }

    private function tabs(string $active): string
    {
        $h = '<ul class="nav nav-tabs admin-tabs" role="tablist">';
        foreach (self::TABS as $tab => $label) {
            $h .= '<li' . ($tab === $active ? ' class="active"' : '') . '><a href="'
                . self::e($this->moduleLink . '&tab=' . $tab) . '"'
                . ($tab === $active ? ' aria-current="page"' : '') . '>'
                . self::e($label) . '</a></li>';
        }
        return $h . "</ul>\n";
    }

    /** @param array<int, string> $checks the drift of the VMs just checked */
    private function vms(string $csrfToken, array $checks): string
    {
        $form = fn (
            string $action,
            string $label,
            array $fields = [],
            string $class = 'btn btn-default btn-sm'
        ): string => '<form method="post" class="puq-dns-inline"'
            . ' action="' . self::e($this->moduleLink . '&tab=vms') . '">'
            . '<input type="hidden" name="token" value="' . self::e($csrfToken) . '">'
            . '<input type="hidden" name="puq_dns_action" value="' . self::e($action) . '">'
            . implode('', array_map(
                static fn (string $k, string $v): string
                    => '<input type="hidden" name="' . self::e($k) . '" value="' . self::e($v) . '">',
                array_keys($fields),
                $fields
            ))
            . '<button type="submit" class="' . $class . '">' . self::e($label) . '</button></form>';
        $h = '<p class="puq-dns-actions">' . $form('adopt', 'Adopt existing services', [], 'btn btn-primary btn-sm')
            . ' ' . $form('check', 'Check all', ['vm' => 'all']) . "</p>\n";
        $rows = (new VmStore($this->pdo))->all();
        if ($rows === []) {
            return $h . '<p class="puq-dns-empty">No VM has DNS records from puq_dns yet.'
                . ' They appear here as services of the chosen server modules are created, or adopted.</p>' . "\n";
        }
        $h .= '<table class="table table-striped puq-dns-vms">'
            . '<thead><tr><th>Service</th><th>FQDN</th><th>Addresses</th><th>Status</th><th>Last written (UTC)</th>'
            . '<th></th></tr></thead><tbody>';
        foreach ($rows as $row) {
            $vm = $row['vm'];
            $ips = is_array($vm['ips'])
                ? implode(', ', array_map(
                    static fn ($ip): string => is_array($ip) ? (string) ($ip['ip'] ?? '') : (string) $ip,
                    $vm['ips']
                ))
                : 'unreadable';
            $id = (int) $vm['id'];
            $status = match (true) {
                $row['terminated'] => 'terminating',
                $row['status'] === VmStore::QUEUED => 'queued',
                $row['locked_by'] !== null => 'syncing',
                ($checks[$id] ?? null) === 'drifted' => 'drifted',
                ($checks[$id] ?? null) === 'unknown' => 'cannot be read',
                default => 'synced',
            };
            $h .= '<tr data-vm="' . $id . '"><td>' . $id . '</td><td>' . self::e(VmStore::fqdnOf($vm)) . '</td><td>'
                . self::e($ips) . '</td><td class="puq-dns-status">' . self::e($status) . '</td>'
                . '<td>' . self::e($row['synced_at'] ?? '-') . '</td><td>'
                . $form('check', 'Check', ['vm' => (string) $id])
                . ' ' . $form('queue', 'Set DNS records', ['vm' => (string) $id]) . '</td></tr>';
        }
        return $h . "</tbody></table>\n";
    }

    private function log(array $query): string
    {
        $vm = is_string($query['vm'] ?? null) && ctype_digit($query['vm']) ? (int) $query['vm'] : null;
        $entries = (new TableModuleLog($this->pdo))->recent(200, $vm);
        $h = '<form method="get" class="form-inline puq-dns-log-filter">'
            . '<input type="hidden" name="module" value="puq_dns"><input type="hidden" name="tab" value="log">'
            . '<label>VM <input type="text" name="vm" size="8" class="form-control input-sm"'
            . ' value="' . ($vm ?? '') . '"></label> '
            . '<button type="submit" class="btn btn-default btn-sm">Filter</button></form>';
        if ($entries === []) {
            return $h . '<p class="puq-dns-empty">Nothing logged' . ($vm === null ? '' : " for VM $vm") . ".</p>\n";
        }
        $h .= '<table class="table table-condensed puq-dns-log"><thead><tr><th>Time (UTC)</th><th>Level</th>'
            . '<th>Action</th><th>VM</th><th>Message</th></tr></thead><tbody>';
        foreach ($entries as $entry) {
            $h .= '<tr><td>' . self::e($entry['created_at']) . '</td><td>' . self::e($entry['level'])
                . '</td><td>' . self::e($entry['action'])
                . '</td><td>' . ($entry['vm_id'] ?? '') . '</td><td>' . self::e($entry['message']) . '</td></tr>';
        }
        return $h . "</tbody></table>\n";
    }

    private function help(): string
    {
        $ini = self::e(php_ini_loaded_file() ?: 'the php.ini of this PHP');
        $h = '<div class="puq-dns-help">';
        $h .= '<h3>The extension</h3><p>puq_dns runs in the PHP extension of the same name.'
            . ' Put <code>extension=puq_dns</code> in ' . $ini
            . ' and in the php.ini of the PHP that runs the WHMCS cron, then restart PHP-FPM or the web server. '
            . (extension_loaded('puq_dns')
                ? 'It is loaded here (version ' . self::e((string) phpversion('puq_dns')) . ').'
                : '<strong>It is not loaded here.</strong>')
            . '</p>';
        $h .= '<h3>PowerDNS</h3><p>The zone\'s server needs its HTTP API on, in <code>pdns.conf</code>:</p>'
            . "<pre>api=yes\napi-key=&lt;your-key-here&gt;\nwebserver=yes\nwebserver-address=0.0.0.0\n"
            . "webserver-allow-from=&lt;the WHMCS server's address&gt;</pre>";
        $h .= '<h3>Settings</h3><dl>';
        foreach (Settings::FIELDS as $field) {
            $h .= '<dt>' . self::e($field['FriendlyName']) . '</dt><dd>' . self::e($field['Description']) . '</dd>';
        }
        $h .= '</dl><p>The "Set DNS records" queue runs with every WHMCS cron run (AfterCronJob);'
            . ' no cron line of its own is needed.</p></div>';
        return $h . "\n";
    }

    private static function alert(string $kind, string $text): string
    {
        return '<div class="alert alert-' . $kind . '" role="' . ($kind === 'danger' ? 'alert' : 'status') . '">'
            . self::e($text) . "</div>\n";
    }

    /** An activity-log line for an admin's action. */
    private static function activity(string $text): void
    {
        if (function_exists('logActivity')) {
            \logActivity($text);
        }
    }

    private static function e(string $text): string
    {
        return htmlspecialchars($text, ENT_QUOTES | ENT_SUBSTITUTE | ENT_HTML5, 'UTF-8');
    }
}
