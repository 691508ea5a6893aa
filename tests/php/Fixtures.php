<?php

declare(strict_types=1);

namespace PuqDns\Tests;

/**
 * Zone rows and VM arrays shaped the way the WHMCS module builds them.
 *
 * Every row whose server could be contacted points at 127.0.0.1 port 1,
 * where nothing listens: no test sends traffic anywhere else. The secrets
 * are distinctive strings so that a leak is easy to find in any output.
 */
final class Fixtures
{
    public const CF_TOKEN = 'cfTok_Q7x9_SeCrEt_4411';
    public const HESTIA_PASSWORD = 'hestiaPw-Z3k8-SeCrEt 9023';
    public const PDNS_KEY = 'pdnsKey-M4n2-SeCrEt-7788';
    public const SECRETS = [self::CF_TOKEN, self::HESTIA_PASSWORD, self::PDNS_KEY];

    /** Nothing listens on port 1 of the loopback. */
    public const DEAD_URL = 'http://127.0.0.1:1';
    public const DEAD_CF_API = 'http://127.0.0.1:1/client/v4';

    /** DnsSync options that make a refused connection fail at once. */
    public const FAST_OPTIONS = ['retries' => 0, 'timeout' => 2, 'connect_timeout' => 1];

    public const FQDN = '5551-1776530141.puqcloud.com';

    /** A Cloudflare row whose API is the dead loopback port. */
    public static function cloudflare(int|string $id = 1, string $zone = 'puqcloud.com', array $set = []): array
    {
        return array_replace([
            'id' => $id,
            'zone' => $zone,
            'type' => 'Cloudflare',
            'account_id' => 'acc0123456789abcdef',
            'zone_id' => 'zone0123456789abcdef',
            'api_token' => self::CF_TOKEN,
            'api_url' => self::DEAD_CF_API,
        ], $set);
    }

    /** A HestiaCP row whose panel is the dead loopback port. */
    public static function hestiacp(int|string $id = 2, string $zone = '2.0.192.in-addr.arpa', array $set = []): array
    {
        return array_replace([
            'id' => $id,
            'zone' => $zone,
            'type' => 'HestiaCP',
            'server_url' => self::DEAD_URL,
            'admin_user' => 'admin',
            'admin_password' => self::HESTIA_PASSWORD,
            'user' => 'dnsuser',
        ], $set);
    }

    /** A PowerDNS row whose webserver is the dead loopback port. */
    public static function powerdns(int|string $id = 3, string $zone = '8.b.d.0.1.0.0.2.ip6.arpa', array $set = []): array
    {
        return array_replace([
            'id' => $id,
            'zone' => $zone,
            'type' => 'PowerDNS',
            'server_url' => self::DEAD_URL,
            'api_key' => self::PDNS_KEY,
        ], $set);
    }

    /** One zone of each provider: forward, IPv4 reverse and IPv6 reverse. */
    public static function mixedZones(): array
    {
        return [
            self::cloudflare(1, 'puqcloud.com'),
            self::hestiacp('2', '2.0.192.in-addr.arpa'),
            self::powerdns(3, '8.b.d.0.1.0.0.2.ip6.arpa'),
        ];
    }

    /** @return list<string> the set at NAME TYPE on the DNS server at 127.0.0.1:PORT, as `dig +short` prints it, sorted */
    public static function dig(int $port, string $name, string $type): array
    {
        $out = [];
        exec(sprintf(
            'dig @127.0.0.1 -p %d +short +norecurse +time=2 +tries=1 %s %s',
            $port,
            escapeshellarg($name),
            escapeshellarg($type),
        ), $out);
        $out = array_values(array_filter($out, 'strlen'));
        sort($out);
        return $out;
    }

    /** The row without the given keys. */
    public static function without(array $row, string ...$keys): array
    {
        foreach ($keys as $key) {
            unset($row[$key]);
        }
        return $row;
    }

    /** A VM as the module passes it. */
    public static function vm(int|string $id = 5551, ?array $ips = null, array $set = []): array
    {
        return array_replace([
            'id' => $id,
            'name' => '5551-1776530141',
            'domain' => 'PuqCloud.com',
            'ips' => $ips ?? ['192.0.2.7', '2001:db8::7'],
        ], $set);
    }

    /**
     * The absolute path of the loaded puq_dns .so: PUQ_DNS_SO as the runner
     * sets it, else found in this process's memory map.
     */
    public static function soPath(): ?string
    {
        $env = getenv('PUQ_DNS_SO');
        if (is_string($env) && $env !== '') {
            return $env;
        }
        $maps = @file_get_contents('/proc/self/maps');
        if (is_string($maps) && preg_match('{(/\S*libpuq_dns\.so)\s*$}m', $maps, $m)) {
            return $m[1];
        }
        $ini = ini_get('extension');
        return is_string($ini) && $ini !== '' ? $ini : null;
    }

    /** The crate version from Cargo.toml's [workspace.package]. */
    public static function cargoVersion(): ?string
    {
        $toml = @file_get_contents(dirname(__DIR__, 2) . '/Cargo.toml');
        if (!is_string($toml)) {
            return null;
        }
        if (!preg_match('/^\[workspace\.package\]\s*$(.*?)(?=^\[|\z)/ms', $toml, $section)) {
            return null;
        }
        if (!preg_match('/^version\s*=\s*"([^"]+)"/m', $section[1], $m)) {
            return null;
        }
        return $m[1];
    }
}
