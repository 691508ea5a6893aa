<?php

declare(strict_types=1);

namespace PuqDns\Module\Whmcs;

use PDO;

/**
 * The addon's settings: the fields of Setup > Addon Modules > puq_dns, as
 * WHMCS keeps them in tbladdonmodules (module, setting, value), with the
 * defaults written here once. WHMCS writes the rows only when an admin
 * first saves the settings, and hooks and cron get no `$vars`, so every
 * reader comes here.
 */
final class Settings
{
    public const MODULE = 'puq_dns';

    /** The `fields` of puq_dns_config(): setting => WHMCS field definition. */
    public const FIELDS = [
        'server_modules' => [
            'FriendlyName' => 'Server modules',
            'Type' => 'text',
            'Size' => '40',
            'Default' => 'puqProxmoxKVM',
            'Description' => 'Services of these server modules (comma-separated) get DNS records;'
                . ' every other service is left alone',
        ],
        'name_source' => [
            'FriendlyName' => 'Internal name from',
            'Type' => 'dropdown',
            'Options' => [
                'pattern' => 'A pattern over the service (below)',
                'custom_field' => 'A product custom field (below)',
                'domain' => "The service's domain field",
            ],
            'Default' => 'pattern',
            'Description' => 'Where the VM\'s internal name comes from;'
                . ' the FQDN is the name, a dot and the main domain',
        ],
        'name_pattern' => [
            'FriendlyName' => 'Name pattern',
            'Type' => 'text',
            'Size' => '40',
            'Default' => '{serviceid}',
            'Description' => 'With a pattern: {serviceid}, {userid}, {pid}, {username}, {domain},'
                . ' {regdate} (YYYYMMDD) and {customfield:NAME}',
        ],
        'name_field' => [
            'FriendlyName' => 'Name custom field',
            'Type' => 'text',
            'Size' => '25',
            'Default' => 'Internal name',
            'Description' => 'With a custom field: its name (the part before | ), e.g. Internal name',
        ],
        'main_domain' => [
            'FriendlyName' => 'Main domain',
            'Type' => 'text',
            'Size' => '30',
            'Default' => '',
            'Description' => 'The domain the VMs are named under, e.g. puqcloud.com;'
                . ' empty: the product module setting below',
        ],
        'main_domain_option' => [
            'FriendlyName' => 'Main domain product setting',
            'Type' => 'dropdown',
            'Options' => [
                '' => 'none',
                '1' => 'configoption1', '2' => 'configoption2', '3' => 'configoption3', '4' => 'configoption4',
                '5' => 'configoption5', '6' => 'configoption6', '7' => 'configoption7', '8' => 'configoption8',
                '9' => 'configoption9', '10' => 'configoption10', '11' => 'configoption11', '12' => 'configoption12',
                '13' => 'configoption13', '14' => 'configoption14', '15' => 'configoption15', '16' => 'configoption16',
                '17' => 'configoption17', '18' => 'configoption18', '19' => 'configoption19', '20' => 'configoption20',
                '21' => 'configoption21', '22' => 'configoption22', '23' => 'configoption23', '24' => 'configoption24',
            ],
            'Default' => '',
            'Description' => 'The product\'s module setting that holds its main domain'
                . ' (Module Settings → Integrations → Main domain), used when Main domain above is empty',
        ],
        'rdns_field' => [
            'FriendlyName' => 'Client rDNS custom field',
            'Type' => 'text',
            'Size' => '25',
            'Default' => '',
            'Description' => 'Optional: a product custom field with the client\'s own reverse names,'
                . ' one "IP name" per line',
        ],
        'timeout' => [
            'FriendlyName' => 'Provider timeout',
            'Type' => 'text',
            'Size' => '5',
            'Default' => '10',
            'Description' => 'Seconds one provider request may take;'
                . ' a provisioning step waits at most about timeout × (retries + 1) per zone',
        ],
        'retries' => [
            'FriendlyName' => 'Retries',
            'Type' => 'text',
            'Size' => '5',
            'Default' => '1',
            'Description' => 'Further tries of a request that failed transiently (0 to 10)',
        ],
        'delete_data' => [
            'FriendlyName' => 'Delete data on deactivate',
            'Type' => 'yesno',
            'Default' => '',
            'Description' => 'Tick to drop the zones, VMs and log of puq_dns when the addon is deactivated;'
                . ' otherwise they are kept',
        ],
    ];

    /** @param array<string, string> $values setting => value as stored */
    public function __construct(private readonly array $values)
    {
    }

    /** The settings as WHMCS stores them, defaults for those never saved. */
    public static function load(PDO $pdo): self
    {
        $statement = $pdo->prepare('SELECT setting, value FROM tbladdonmodules WHERE module = ?');
        $statement->execute([self::MODULE]);
        $values = [];
        foreach ($statement->fetchAll(PDO::FETCH_ASSOC) as $row) {
            $values[(string) $row['setting']] = (string) $row['value'];
        }
        return new self($values);
    }

    /** A setting's value, or its default when it was never saved. */
    public function get(string $setting): string
    {
        if (!isset(self::FIELDS[$setting])) {
            throw new \InvalidArgumentException("puq_dns has no setting $setting");
        }
        return trim($this->values[$setting] ?? (string) self::FIELDS[$setting]['Default']);
    }

    /** @return list<string> the server modules whose services are ours */
    public function serverModules(): array
    {
        return array_values(array_filter(array_map('trim', explode(',', $this->get('server_modules')))));
    }

    public function deleteDataOnDeactivate(): bool
    {
        // WHMCS stores a ticked yesno as 'on'.
        return in_array(strtolower($this->get('delete_data')), ['on', 'yes', '1', 'true'], true);
    }

    /**
     * The DnsSync options of hooks and cron.
     *
     * @return array{timeout: int|float, retries: int}
     */
    public function syncOptions(): array
    {
        $timeout = $this->get('timeout');
        $retries = $this->get('retries');
        return [
            'timeout' => is_numeric($timeout) && (float) $timeout > 0 ? $timeout + 0 : 10,
            'retries' => ctype_digit($retries) ? min(10, (int) $retries) : 1,
        ];
    }

    /** The version installed, as WHMCS remembers it; null before activation. */
    public function installedVersion(): ?string
    {
        return $this->values['version'] ?? null;
    }
}
