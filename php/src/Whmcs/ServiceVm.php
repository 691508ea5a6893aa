<?php

declare(strict_types=1);

namespace PuqDns\Module\Whmcs;

use PDO;
use PuqDns\Module\Store\InvalidVmException;
use PuqDns\Module\Store\VmStore;

/**
 * A WHMCS service as the VM puq_dns keeps DNS for, read from WHMCS's own
 * tables the way the settings say: the service (tblhosting: domain,
 * dedicatedip, assignedips one per line), its product (tblproducts: server
 * module, configoption1..24) and the product's custom fields
 * (tblcustomfields, tblcustomfieldsvalues).
 *
 * The VM id is the service id, the internal name comes from a pattern, a
 * custom field or the service's domain, the main domain from the settings
 * or a product module setting, the client's own rDNS from a custom field.
 */
final class ServiceVm
{
    public function __construct(
        private readonly PDO $pdo,
        private readonly Settings $settings,
    ) {
    }

    /**
     * The VM of a service, or null when the service belongs to another
     * server module (or no longer exists).
     *
     * @throws ServiceVmException naming the service, the field and why
     */
    public function of(int $serviceId): ?array
    {
        $service = $this->service($serviceId);
        if ($service === null || !in_array((string) $service['servertype'], $this->settings->serverModules(), true)) {
            return null;
        }
        $fields = $this->customFields($serviceId, (int) $service['packageid']);
        $vm = [
            'id' => $serviceId,
            'name' => $this->name($service, $fields),
            'domain' => $this->mainDomain($service),
            'ips' => $this->ips($service, $fields),
        ];
        try {
            VmStore::check($vm);
        } catch (InvalidVmException $e) {
            throw new ServiceVmException(
                $this->label($service) . ': ' . $e->getMessage() . $this->whence($e->getMessage()),
                0,
                $e
            );
        }
        return $vm;
    }

    /**
     * Every service of the chosen server modules that is active or
     * suspended: what "Adopt existing services" and the VMs tab look at.
     *
     * @return list<int> service ids
     */
    public function activeServiceIds(): array
    {
        $modules = $this->settings->serverModules();
        if ($modules === []) {
            return [];
        }
        $statement = $this->pdo->prepare(
            'SELECT h.id FROM tblhosting h JOIN tblproducts p ON p.id = h.packageid'
            . ' WHERE p.servertype IN (' . implode(', ', array_fill(0, count($modules), '?')) . ')'
            . " AND h.domainstatus IN ('Active', 'Suspended') ORDER BY h.id"
        );
        $statement->execute($modules);
        return array_map('intval', $statement->fetchAll(PDO::FETCH_COLUMN));
    }

    /** @return list<string> the chosen server modules, for messages */
    public function serverModulesLabel(): array
    {
        return $this->settings->serverModules();
    }

    /** @return array<string, mixed>|null the service with its product's module and settings */
    private function service(int $id): ?array
    {
        $options = implode(', ', array_map(static fn (int $n): string => "p.configoption$n", range(1, 24)));
        $statement = $this->pdo->prepare(
            "SELECT h.id, h.userid, h.packageid, h.domain, h.username, h.regdate, h.dedicatedip, h.assignedips,"
            . " p.servertype, $options FROM tblhosting h JOIN tblproducts p ON p.id = h.packageid WHERE h.id = ?"
        );
        $statement->execute([$id]);
        $row = $statement->fetch(PDO::FETCH_ASSOC);
        return $row === false ? null : $row;
    }

    /**
     * The product's custom fields with the service's values, by their name
     * before `|`, as WHMCS hands them to modules.
     *
     * @return array<string, string>
     */
    private function customFields(int $serviceId, int $productId): array
    {
        $statement = $this->pdo->prepare(
            'SELECT f.fieldname, v.value FROM tblcustomfields f'
            . ' LEFT JOIN tblcustomfieldsvalues v ON v.fieldid = f.id AND v.relid = ?'
            . " WHERE f.type = 'product' AND f.relid = ? ORDER BY f.sortorder, f.id"
        );
        $statement->execute([$serviceId, $productId]);
        $fields = [];
        foreach ($statement->fetchAll(PDO::FETCH_ASSOC) as $row) {
            $name = trim(explode('|', (string) $row['fieldname'], 2)[0]);
            $fields[$name] ??= (string) ($row['value'] ?? '');
        }
        return $fields;
    }

    /** @param array<string, string> $fields */
    private function name(array $service, array $fields): string
    {
        $source = $this->settings->get('name_source');
        switch ($source) {
            case 'custom_field':
                $field = $this->settings->get('name_field');
                if (!array_key_exists($field, $fields)) {
                    throw new ServiceVmException(
                        $this->label($service) . ": the product has no custom field \"$field\""
                        . ' (setting Name custom field)'
                    );
                }
                if (trim($fields[$field]) === '') {
                    throw new ServiceVmException(
                        $this->label($service) . ": the custom field \"$field\" is empty,"
                        . ' so the VM has no internal name'
                    );
                }
                return trim($fields[$field]);
            case 'domain':
                if (trim((string) $service['domain']) === '') {
                    throw new ServiceVmException(
                        $this->label($service) . ": the service's domain is empty, so the VM has no internal name"
                        . ' (setting Internal name from)'
                    );
                }
                return trim((string) $service['domain']);
            case 'pattern':
                return $this->expand($this->settings->get('name_pattern'), $service, $fields);
            default:
                throw new ServiceVmException(
                    "the setting Internal name from is \"$source\"; choose pattern, custom_field or domain"
                );
        }
    }

    /** @param array<string, string> $fields */
    private function expand(string $pattern, array $service, array $fields): string
    {
        $regdate = preg_replace('/\D/', '', (string) $service['regdate']);
        $values = [
            'serviceid' => (string) $service['id'],
            'userid' => (string) $service['userid'],
            'pid' => (string) $service['packageid'],
            'username' => trim((string) $service['username']),
            'domain' => trim((string) $service['domain']),
            'regdate' => (string) $regdate,
        ];
        $name = preg_replace_callback(
            '/\{([a-z]+)(?::([^}]*))?\}/',
            function (array $m) use ($values, $fields, $service): string {
                if ($m[1] === 'customfield') {
                    $field = trim($m[2] ?? '');
                    if (!array_key_exists($field, $fields)) {
                        throw new ServiceVmException(
                            $this->label($service)
                            . ": the name pattern uses the custom field \"$field\", which the product does not have"
                        );
                    }
                    return trim($fields[$field]);
                }
                if (!isset($values[$m[1]])) {
                    throw new ServiceVmException(
                        "the name pattern has {{$m[1]}};"
                        . ' use {serviceid}, {userid}, {pid}, {username}, {domain}, {regdate} or {customfield:NAME}'
                    );
                }
                return $values[$m[1]];
            },
            $pattern
        );
        if (trim((string) $name) === '') {
            throw new ServiceVmException(
                $this->label($service) . ": the name pattern \"$pattern\" gives an empty name"
            );
        }
        return trim((string) $name);
    }

    private function mainDomain(array $service): string
    {
        $domain = $this->settings->get('main_domain');
        if ($domain !== '') {
            return $domain;
        }
        $option = $this->settings->get('main_domain_option');
        if ($option === '') {
            throw new ServiceVmException(
                'no main domain: set Main domain, or Main domain product setting, in the puq_dns addon settings'
            );
        }
        $value = trim((string) ($service["configoption$option"] ?? ''));
        if ($value === '') {
            throw new ServiceVmException(
                $this->label($service) . ": the product's configoption$option (its main domain) is empty"
            );
        }
        return $value;
    }

    /**
     * The service's dedicated IP and assigned IPs (one per line), once
     * each, with the client's own reverse name where the rDNS field gives one.
     *
     * @param array<string, string> $fields
     * @return list<string|array{ip: string, reverse: string}>
     */
    private function ips(array $service, array $fields): array
    {
        $text = (string) $service['dedicatedip'] . "\n" . (string) $service['assignedips'];
        $addresses = array_values(array_unique(array_filter(
            array_map('trim', preg_split('/[\r\n,;]+/', $text) ?: [])
        )));
        $reverse = $this->clientReverse($fields);
        return array_map(
            static fn (string $ip): string|array => isset($reverse[$ip])
                ? ['ip' => $ip, 'reverse' => $reverse[$ip]]
                : $ip,
            $addresses,
        );
    }

    /**
     * @param array<string, string> $fields
     * @return array<string, string> the client's reverse name by address
     */
    private function clientReverse(array $fields): array
    {
        $field = $this->settings->get('rdns_field');
        if ($field === '' || !isset($fields[$field])) {
            return [];
        }
        $names = [];
        foreach (preg_split('/\R/', $fields[$field]) ?: [] as $line) {
            // "192.0.2.7 mail.example.com" or "192.0.2.7=mail.example.com"
            $parts = preg_split('/[\s=]+/', trim($line), 2);
            if (count($parts) === 2 && $parts[0] !== '') {
                $names[$parts[0]] = $parts[1];
            }
        }
        return $names;
    }

    private function label(array $service): string
    {
        return sprintf('service %d (product %d, %s)', $service['id'], $service['packageid'], $service['servertype']);
    }

    /** Which WHMCS field a VM field came from, for the admin who has to fix it. */
    private function whence(string $message): string
    {
        if (preg_match('/^VM \d+: (name|domain|ips\[\d+\](?:\.reverse)?)[: ]/', $message, $m) !== 1) {
            return '';
        }
        return match (true) {
            $m[1] === 'name' => match ($this->settings->get('name_source')) {
                'custom_field' => ' (the name is the custom field "' . $this->settings->get('name_field') . '")',
                'domain' => " (the name is the service's domain)",
                default => ' (the name is the pattern "' . $this->settings->get('name_pattern') . '")',
            },
            $m[1] === 'domain' => $this->settings->get('main_domain') !== ''
                ? ' (the main domain is the addon setting Main domain)'
                : ' (the main domain is the product\'s configoption' . $this->settings->get('main_domain_option') . ')',
            str_ends_with($m[1], '.reverse') => ' (the reverse name is from the custom field "'
                . $this->settings->get('rdns_field') . '")',
            default => ' (the addresses are the service\'s Dedicated IP and Assigned IPs)',
        };
    }
}
