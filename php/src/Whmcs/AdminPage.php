<?php

declare(strict_types=1);

namespace PuqDns\Module\Whmcs;

use PDO;
use PuqDns\Module\AdminApi;
use PuqDns\Module\AuthException;
use PuqDns\Module\Request;
use PuqDns\Module\Response;
use PuqDns\Module\TableModuleLog;
use PuqDns\Module\VmStore;
use PuqDns\Module\WhmcsAdminAuth;
use PuqDns\Module\WhmcsSecretBox;
use PuqDns\Module\ZoneStore;
use PuqDns\Module\ZonesPage;

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
        return (new AdminApi(new ZoneStore($this->pdo, new WhmcsSecretBox()), $auth))
            ->handle((string) ($server['REQUEST_METHOD'] ?? 'GET'), $query, $body, $server);
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
        if (($post['puq_dns_action'] ?? null) !== null) {
            $notice = $this->act($post, $auth);
        }
        $h = '<div class="puq-dns-addon">' . "\n" . $this->tabs($tab) . $notice;
        $h .= match ($tab) {
            'zones' => ZonesPage::fragment($this->moduleLink . '&puq_dns_api=1', self::ASSETS, $csrfToken),
            'vms' => $this->vms($csrfToken),
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

    /** A POSTed form of the page: checked against the admin session and the CSRF token first. */
    private function act(array $post, WhmcsAdminAuth $auth): string
    {
        try {
            $auth->authorize(new Request('POST', [], $post, []));
        } catch (AuthException $e) {
            return self::alert('danger', $e->getMessage());
        }
        $dns = Addon::dns($this->pdo);
        switch ($post['puq_dns_action']) {
            case 'queue':
                $id = (int) ($post['vm'] ?? 0);
                try {
                    $dns->setDnsRecords($id);
                } catch (\Throwable $e) {
                    return self::alert('danger', $e->getMessage());
                }
                self::activity("puq_dns: Set DNS records queued for VM $id");
                return self::alert('success', "VM $id is queued: the next cron run sets its DNS records.");
            default:
                return self::alert('danger', 'unknown action');
        }
    }

    private function tabs(string $active): string
    {
        $h = '<ul class="nav nav-tabs admin-tabs" role="tablist">';
        foreach (self::TABS as $tab => $label) {
            $h .= '<li' . ($tab === $active ? ' class="active"' : '') . '><a href="'
                . self::e($this->moduleLink . '&tab=' . $tab) . '"' . ($tab === $active ? ' aria-current="page"' : '') . '>'
                . self::e($label) . '</a></li>';
        }
        return $h . "</ul>\n";
    }

    private function vms(string $csrfToken): string
    {
        $rows = (new VmStore($this->pdo))->all();
        if ($rows === []) {
            return '<p class="puq-dns-empty">No VM has DNS records from puq_dns yet. They appear here as services of the chosen server modules are created.</p>' . "\n";
        }
        $h = '<table class="table table-striped puq-dns-vms"><thead><tr><th>Service</th><th>FQDN</th><th>Addresses</th><th>Status</th><th></th></tr></thead><tbody>';
        foreach ($rows as $row) {
            $vm = $row['vm'];
            $ips = is_array($vm['ips'])
                ? implode(', ', array_map(static fn ($ip): string => is_array($ip) ? (string) ($ip['ip'] ?? '') : (string) $ip, $vm['ips']))
                : 'unreadable';
            $status = match (true) {
                $row['terminated'] => 'terminating',
                $row['status'] === VmStore::QUEUED => 'queued',
                $row['locked_by'] !== null => 'syncing',
                default => 'synced',
            };
            $h .= '<tr data-vm="' . (int) $vm['id'] . '"><td>' . (int) $vm['id'] . '</td><td>' . self::e(VmStore::fqdnOf($vm)) . '</td><td>'
                . self::e($ips) . '</td><td class="puq-dns-status">' . self::e($status) . '</td><td>'
                . '<form method="post" action="' . self::e($this->moduleLink . '&tab=vms') . '">'
                . '<input type="hidden" name="token" value="' . self::e($csrfToken) . '">'
                . '<input type="hidden" name="puq_dns_action" value="queue"><input type="hidden" name="vm" value="' . (int) $vm['id'] . '">'
                . '<button type="submit" class="btn btn-default btn-sm">Set DNS records</button></form></td></tr>';
        }
        return $h . "</tbody></table>\n";
    }

    private function log(array $query): string
    {
        $vm = is_string($query['vm'] ?? null) && ctype_digit($query['vm']) ? (int) $query['vm'] : null;
        $entries = (new TableModuleLog($this->pdo))->recent(200, $vm);
        $h = '<form method="get" class="form-inline puq-dns-log-filter"><input type="hidden" name="module" value="puq_dns"><input type="hidden" name="tab" value="log">'
            . '<label>VM <input type="text" name="vm" size="8" class="form-control input-sm" value="' . ($vm ?? '') . '"></label> '
            . '<button type="submit" class="btn btn-default btn-sm">Filter</button></form>';
        if ($entries === []) {
            return $h . '<p class="puq-dns-empty">Nothing logged' . ($vm === null ? '' : " for VM $vm") . ".</p>\n";
        }
        $h .= '<table class="table table-condensed puq-dns-log"><thead><tr><th>Time (UTC)</th><th>Level</th><th>Action</th><th>VM</th><th>Message</th></tr></thead><tbody>';
        foreach ($entries as $entry) {
            $h .= '<tr><td>' . self::e($entry['created_at']) . '</td><td>' . self::e($entry['level']) . '</td><td>' . self::e($entry['action'])
                . '</td><td>' . ($entry['vm_id'] ?? '') . '</td><td>' . self::e($entry['message']) . '</td></tr>';
        }
        return $h . "</tbody></table>\n";
    }

    private function help(): string
    {
        $ini = self::e(php_ini_loaded_file() ?: 'the php.ini of this PHP');
        $h = '<div class="puq-dns-help">';
        $h .= '<h3>The extension</h3><p>puq_dns runs in the PHP extension of the same name. Put <code>extension=puq_dns</code> in ' . $ini
            . ' and in the php.ini of the PHP that runs the WHMCS cron, then restart PHP-FPM or the web server. '
            . (extension_loaded('puq_dns') ? 'It is loaded here (version ' . self::e((string) phpversion('puq_dns')) . ').' : '<strong>It is not loaded here.</strong>') . '</p>';
        $h .= '<h3>PowerDNS</h3><p>The zone\'s server needs its HTTP API on, in <code>pdns.conf</code>:</p>'
            . "<pre>api=yes\napi-key=&lt;your-key-here&gt;\nwebserver=yes\nwebserver-address=0.0.0.0\nwebserver-allow-from=&lt;the WHMCS server's address&gt;</pre>";
        $h .= '<h3>Settings</h3><dl>';
        foreach (Settings::FIELDS as $field) {
            $h .= '<dt>' . self::e($field['FriendlyName']) . '</dt><dd>' . self::e($field['Description']) . '</dd>';
        }
        $h .= '</dl><p>The "Set DNS records" queue runs with every WHMCS cron run (AfterCronJob); no cron line of its own is needed.</p></div>';
        return $h . "\n";
    }

    private static function alert(string $kind, string $text): string
    {
        return '<div class="alert alert-' . $kind . '" role="' . ($kind === 'danger' ? 'alert' : 'status') . '">' . self::e($text) . "</div>\n";
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
