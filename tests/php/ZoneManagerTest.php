<?php

declare(strict_types=1);

namespace PuqDns\Tests;

use PHPUnit\Framework\TestCase;
use PuqDns\ConfigException;
use PuqDns\DnsZoneManager;

/**
 * DnsZoneManager as the admin zones page and the module call it. Only
 * test()/testZone() make requests, and only to 127.0.0.1 port 1.
 */
final class ZoneManagerTest extends TestCase
{
    private const PEM = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUEXAMPLE\n-----END CERTIFICATE-----";

    /** Runs $f, asserts it throws ConfigException, returns the message. */
    private function configError(callable $f): string
    {
        try {
            $f();
        } catch (ConfigException $e) {
            $this->assertSame(ConfigException::class, get_class($e));
            $message = $e->getMessage();
            foreach (Fixtures::SECRETS as $secret) {
                $this->assertStringNotContainsString($secret, $message);
            }
            return $message;
        }
        $this->fail('no ConfigException was thrown');
    }

    // ---------------------------------------------------------------- constructor

    public function testConstructorTakesRowsOfEveryProvider(): void
    {
        $m = new DnsZoneManager([
            Fixtures::cloudflare(1, 'puqcloud.com'),
            Fixtures::hestiacp('2', '2.0.192.in-addr.arpa'),
            Fixtures::powerdns(3, '8.b.d.0.1.0.0.2.ip6.arpa'),
            Fixtures::powerdns('pd-4', '0/26.3.0.192.in-addr.arpa'),
            Fixtures::hestiacp(5, '64-127.3.0.192.in-addr.arpa'),
        ]);
        $this->assertSame([1, '2', 3, 'pd-4', 5], array_column($m->list(), 'id'));
    }

    public function testConstructorTakesNoZonesAndKeyedRows(): void
    {
        $this->assertSame([], (new DnsZoneManager([]))->list());
        $m = new DnsZoneManager(['a' => Fixtures::powerdns(7, 'example.com'), 9 => Fixtures::cloudflare(8, 'example.net')]);
        $this->assertSame([0, 1], array_keys($m->list()));
        $this->assertSame(['example.com', 'example.net'], array_column($m->list(), 'zone'));
    }

    public function testConstructorNamesEveryProblemOfEveryRow(): void
    {
        $message = $this->configError(fn () => new DnsZoneManager([
            Fixtures::cloudflare(5, 'my zone.com'),
            Fixtures::powerdns(6, 'ok.com', ['type' => 'bind']),
            Fixtures::powerdns(7, 'ok.com', ['server_url' => 'ftp://x', 'api_key' => 123]),
            Fixtures::without(Fixtures::hestiacp(0, 'ok.com'), 'id', 'server_url', 'admin_user', 'admin_password', 'user'),
            Fixtures::cloudflare(8, 'ok.com', ['api_token' => ['not', 'a', 'string']]),
            Fixtures::cloudflare(1, 'example.com'),
            Fixtures::powerdns('1', 'example.net'),
            Fixtures::hestiacp(9, 'ok.com', ['server_url' => 'https://admin:pw@h.example.com']),
            'not a row',
        ]));
        $this->assertSame(
            'zone 5: zone "my zone.com" contains \' \', which a DNS name cannot hold; '
            . 'zone 6 (ok.com): type "bind" is not one of cloudflare, hestiacp, powerdns, rfc2136; '
            . 'zone 7 (ok.com): server_url "ftp://x" must start with http:// or https://; api_key must be a string, not int; '
            . 'zone at index 3 (ok.com): id is required; server_url is required; admin_user is required; admin_password is required; user is required; '
            . 'zone 8 (ok.com): api_token must be a string, not array; '
            . 'zone 1 (example.net): id 1 is already used by zone 1 (example.com); '
            . 'zone 9 (ok.com): server_url must not hold a user name or password; put the credential in its own field; '
            . 'zone at index 8: a zone row must be an array, not string',
            $message,
        );
        $this->assertStringNotContainsString('admin:pw', $message);
    }

    public function testAnEmptyRowNamesEveryRequiredField(): void
    {
        $this->assertSame(
            'zone at index 0: id is required; zone is required; type is required',
            $this->configError(fn () => new DnsZoneManager([[]])),
        );
        $this->assertSame(
            'zone row: id is required; zone is required; type is required',
            $this->configError(fn () => DnsZoneManager::normalize([])),
        );
    }

    /** @return array<string, array{0: array, 1: string}> */
    public static function badRows(): array
    {
        return [
            'space in zone' => [
                Fixtures::powerdns(1, 'bad zone.com'),
                'zone 1: zone "bad zone.com" contains \' \', which a DNS name cannot hold',
            ],
            'unknown type' => [
                Fixtures::powerdns(1, 'example.com', ['type' => 'route53']),
                'zone 1 (example.com): type "route53" is not one of cloudflare, hestiacp, powerdns, rfc2136',
            ],
            'secret with a space, not echoed' => [
                Fixtures::cloudflare(1, 'example.com', ['api_token' => 'cf token ' . Fixtures::CF_TOKEN]),
                'zone 1 (example.com): api_token may hold only visible ASCII characters (no spaces)',
            ],
            'KEEP instead of a secret' => [
                Fixtures::powerdns(1, 'example.com', ['api_key' => DnsZoneManager::KEEP]),
                'zone 1 (example.com): api_key is the __KEEP__ placeholder, not a credential; pass the stored row through merge() first',
            ],
            'cloudflare ids and ttl' => [
                Fixtures::cloudflare(1, 'example.com', ['account_id' => 'a-1', 'ttl' => 30]),
                'zone 1 (example.com): account_id "a-1" contains \'-\'; a Cloudflare id is letters and digits; '
                . 'ttl 30 is not accepted by Cloudflare (1 for automatic, or 60 to 86400)',
            ],
            'ttl zero from PDO' => [
                Fixtures::powerdns(1, 'example.com', ['ttl' => '0']),
                'zone 1 (example.com): ttl 0 is out of range (1 to 2147483647)',
            ],
            'ttl not a number' => [
                Fixtures::powerdns(1, 'example.com', ['ttl' => 'soon']),
                'zone 1 (example.com): ttl must be a whole number, not "soon"',
            ],
            'verify_tls not a flag' => [
                Fixtures::powerdns(1, 'example.com', ['verify_tls' => 'maybe']),
                'zone 1 (example.com): verify_tls must be true or false, not "maybe"',
            ],
            'ca_cert as a path' => [
                Fixtures::powerdns(1, 'example.com', ['ca_cert' => '/etc/ssl/ca.pem']),
                'zone 1 (example.com): ca_cert must be the PEM text of a certificate, not a file path',
            ],
            'hestia user name' => [
                Fixtures::hestiacp(1, 'example.com', ['admin_user' => 'a b']),
                'zone 1 (example.com): admin_user "a b" contains \' \'; a HestiaCP user name is letters, digits, \'.\', \'_\' and \'-\', and does not start with \'-\'',
            ],
            'hestia user as an option' => [
                Fixtures::hestiacp(1, 'example.com', ['user' => '-f']),
                'zone 1 (example.com): user "-f" starts with \'-\'; a HestiaCP user name is letters, digits, \'.\', \'_\' and \'-\', and does not start with \'-\'',
            ],
            'hestia with a slash zone' => [
                Fixtures::hestiacp(1, '0/26.2.0.192.in-addr.arpa'),
                'zone 1 (0/26.2.0.192.in-addr.arpa): zone "0/26.2.0.192.in-addr.arpa": HestiaCP cannot hold a domain with \'/\'; use the 0-63 form of the RFC 2317 name',
            ],
            'misaligned RFC 2317 block' => [
                Fixtures::powerdns('x', '5/26.2.0.192.in-addr.arpa'),
                'zone x (5/26.2.0.192.in-addr.arpa): zone "5/26.2.0.192.in-addr.arpa": 5 is not the start of a /26 block',
            ],
            'bad octet' => [
                Fixtures::powerdns(1, '256.0.192.in-addr.arpa'),
                'zone 1 (256.0.192.in-addr.arpa): zone "256.0.192.in-addr.arpa" is under in-addr.arpa but "256" is not an octet (0-255)',
            ],
            'float id' => [
                Fixtures::powerdns(1, 'example.com', ['id' => 1.5]),
                'zone row (example.com): id must be an int or a string, not 1.5',
            ],
        ];
    }

    /** @dataProvider badRows */
    public function testABadRowIsRefusedWithItsReason(array $row, string $expected): void
    {
        $this->assertSame($expected, $this->configError(fn () => DnsZoneManager::normalize($row)));
        // The constructor names the row by id the same way.
        $this->assertStringContainsString(
            substr($expected, strpos($expected, ': ') + 2),
            $this->configError(fn () => new DnsZoneManager([$row])),
        );
    }

    public function testAnObjectInARowIsRefused(): void
    {
        $this->assertSame(
            'zone[ca_cert] is an object of class stdClass; only arrays, strings, numbers, booleans and null are accepted',
            $this->configError(fn () => DnsZoneManager::normalize(Fixtures::powerdns(1, 'example.com', ['ca_cert' => new \stdClass()]))),
        );
    }

    // ------------------------------------------------------------------ normalize

    public function testNormalizeCloudflare(): void
    {
        $this->assertSame([
            'id' => 1,
            'zone' => 'example.com',
            'type' => 'cloudflare',
            'account_id' => 'abc123',
            'zone_id' => 'def456',
            'api_token' => Fixtures::CF_TOKEN,
            'api_url' => 'https://api.cloudflare.com/client/v4',
            'ttl' => 3600,
            'verify_tls' => true,
            'ca_cert' => null,
        ], DnsZoneManager::normalize([
            'id' => 1,
            'zone' => 'Example.COM.',
            'type' => 'Cloudflare',
            'account_id' => 'abc123',
            'zone_id' => 'def456',
            'api_token' => Fixtures::CF_TOKEN,
        ]));
    }

    public function testNormalizeCloudflareWithOwnApiUrlAndAutomaticTtl(): void
    {
        $this->assertSame([
            'id' => 'cf',
            'zone' => 'example.com',
            'type' => 'cloudflare',
            'account_id' => 'abc123',
            'zone_id' => 'def456',
            'api_token' => Fixtures::CF_TOKEN,
            'api_url' => 'https://api.example.com/v4',
            'ttl' => 1,
            'verify_tls' => true,
            'ca_cert' => null,
        ], DnsZoneManager::normalize([
            'type' => 'CLOUDFLARE',
            'zone' => 'example.com',
            'id' => 'cf',
            'api_token' => Fixtures::CF_TOKEN,
            'zone_id' => 'def456',
            'account_id' => 'abc123',
            'api_url' => 'https://API.example.com/v4/',
            'ttl' => '1',
        ]));
    }

    public function testNormalizeHestiaFromPdoStrings(): void
    {
        $this->assertSame([
            'id' => '2',
            'zone' => 'puqcloud.com',
            'type' => 'hestiacp',
            'server_url' => 'https://hestia.example.com:8083/',
            'admin_user' => 'admin',
            'admin_password' => Fixtures::HESTIA_PASSWORD,
            'user' => 'dnsuser',
            'ttl' => 300,
            'verify_tls' => false,
            'ca_cert' => null,
        ], DnsZoneManager::normalize([
            'id' => '2',
            'zone' => 'PUQCLOUD.com.',
            'type' => 'HestiaCP',
            'server_url' => 'https://hestia.example.com:8083',
            'admin_user' => 'admin',
            'admin_password' => Fixtures::HESTIA_PASSWORD,
            'user' => 'dnsuser',
            'ttl' => '300',
            'verify_tls' => '0',
        ]));
    }

    public function testNormalizeHestiaKeepsOneTrailingSlashAndDropsAPastedApiPath(): void
    {
        foreach (['https://h.example.com:8083/', 'https://h.example.com:8083', 'https://h.example.com:8083/api', 'https://h.example.com:8083/api/'] as $url) {
            $row = DnsZoneManager::normalize(Fixtures::hestiacp(2, 'example.com', ['server_url' => $url]));
            $this->assertSame('https://h.example.com:8083/', $row['server_url'], $url);
        }
    }

    public function testNormalizePowerDnsWithApiPathAndExtraColumns(): void
    {
        $this->assertSame([
            'id' => 3,
            'zone' => '2.0.192.in-addr.arpa',
            'type' => 'powerdns',
            'server_url' => 'https://pdns.example.com:8081',
            'api_key' => Fixtures::PDNS_KEY,
            'server_id' => 'localhost',
            'ttl' => 3600,
            'verify_tls' => true,
            'ca_cert' => self::PEM,
            'created_at' => '2024-01-01 00:00:00',
        ], DnsZoneManager::normalize([
            'id' => 3,
            'zone' => '2.0.192.IN-ADDR.ARPA.',
            'type' => 'PowerDNS',
            'server_url' => 'https://PDNS.example.com:8081/api/v1/',
            'api_key' => Fixtures::PDNS_KEY,
            'ttl' => '3600',
            'verify_tls' => '1',
            'ca_cert' => "\n" . self::PEM . "\n",
            'created_at' => '2024-01-01 00:00:00',
            // list() output fed back in is accepted and dropped
            'kind' => 'reverse4',
            'range' => '192.0.2.0/24',
        ]));
    }

    public function testNormalizePowerDnsServerUrlForms(): void
    {
        foreach (['https://pdns.example.com:8081', 'https://pdns.example.com:8081/', 'https://pdns.example.com:8081/api/v1', 'https://pdns.example.com:8081/api/v1/'] as $url) {
            $row = DnsZoneManager::normalize(Fixtures::powerdns(3, 'example.com', ['server_url' => $url, 'server_id' => 'ns1']));
            $this->assertSame('https://pdns.example.com:8081', $row['server_url'], $url);
            $this->assertSame('ns1', $row['server_id']);
        }
    }

    public function testNormalizeIsIdempotentAndTypesAreAnyCase(): void
    {
        foreach (['powerdns', 'PowerDNS', 'POWERDNS', ' PowerDns '] as $type) {
            $once = DnsZoneManager::normalize(Fixtures::powerdns(3, 'Example.com.', ['type' => $type, 'verify_tls' => 0, 'ttl' => 60]));
            $this->assertSame('powerdns', $once['type'], $type);
            $this->assertSame('example.com', $once['zone']);
            $this->assertSame(60, $once['ttl']);
            $this->assertFalse($once['verify_tls']);
            $this->assertSame($once, DnsZoneManager::normalize($once));
        }
    }

    // ----------------------------------------------------------------------- list

    public function testListShowsNormalisedMaskedRowsWithKindAndRange(): void
    {
        $m = new DnsZoneManager([
            Fixtures::cloudflare(1, 'PuqCloud.com.'),
            Fixtures::hestiacp('2', '64-127.2.0.192.in-addr.arpa', ['ttl' => '300', 'verify_tls' => 'false']),
            Fixtures::powerdns(3, '8.b.d.0.1.0.0.2.ip6.arpa'),
            Fixtures::powerdns('r4', '0/26.2.0.192.in-addr.arpa', ['notes' => 'rack 4']),
        ]);
        $this->assertSame([
            [
                'id' => 1,
                'zone' => 'puqcloud.com',
                'type' => 'cloudflare',
                'account_id' => 'acc0123456789abcdef',
                'zone_id' => 'zone0123456789abcdef',
                'api_token' => '__KEEP__',
                'api_url' => Fixtures::DEAD_CF_API,
                'ttl' => 3600,
                'verify_tls' => true,
                'ca_cert' => null,
                'kind' => 'forward',
                'range' => null,
            ],
            [
                'id' => '2',
                'zone' => '64-127.2.0.192.in-addr.arpa',
                'type' => 'hestiacp',
                'server_url' => 'http://127.0.0.1:1/',
                'admin_user' => 'admin',
                'admin_password' => '__KEEP__',
                'user' => 'dnsuser',
                'ttl' => 300,
                'verify_tls' => false,
                'ca_cert' => null,
                'kind' => 'reverse4',
                'range' => '192.0.2.64/26',
            ],
            [
                'id' => 3,
                'zone' => '8.b.d.0.1.0.0.2.ip6.arpa',
                'type' => 'powerdns',
                'server_url' => 'http://127.0.0.1:1',
                'api_key' => '__KEEP__',
                'server_id' => 'localhost',
                'ttl' => 3600,
                'verify_tls' => true,
                'ca_cert' => null,
                'kind' => 'reverse6',
                'range' => '2001:db8::/32',
            ],
            [
                'id' => 'r4',
                'zone' => '0/26.2.0.192.in-addr.arpa',
                'type' => 'powerdns',
                'server_url' => 'http://127.0.0.1:1',
                'api_key' => '__KEEP__',
                'server_id' => 'localhost',
                'ttl' => 3600,
                'verify_tls' => true,
                'ca_cert' => null,
                'notes' => 'rack 4',
                'kind' => 'reverse4',
                'range' => '192.0.2.0/26',
            ],
        ], $m->list());
    }

    public function testListRangesOfReverseZones(): void
    {
        $zones = [
            '168.192.in-addr.arpa' => '192.168.0.0/16',
            'in-addr.arpa' => '0.0.0.0/0',
            '10-20.2.0.192.in-addr.arpa' => '192.0.2.10-192.0.2.20',
            'ip6.arpa' => '::/0',
        ];
        $rows = [];
        foreach (array_keys($zones) as $i => $zone) {
            $rows[] = Fixtures::powerdns($i, $zone);
        }
        $listed = (new DnsZoneManager($rows))->list();
        $this->assertSame(array_values($zones), array_column($listed, 'range'));
        $this->assertSame(['reverse4', 'reverse4', 'reverse4', 'reverse6'], array_column($listed, 'kind'));
        $this->assertStringNotContainsString(Fixtures::PDNS_KEY, json_encode($listed));
    }

    // ----------------------------------------------------------------------- mask

    public function testMaskReplacesOnlySecretsAndChangesNothingElse(): void
    {
        $row = Fixtures::cloudflare(1, 'Example.COM.', ['ttl' => '300']);
        $expected = $row;
        $expected['api_token'] = '__KEEP__';
        $this->assertSame($expected, DnsZoneManager::mask($row));

        $this->assertSame(
            array_replace(Fixtures::hestiacp(), ['admin_password' => '__KEEP__']),
            DnsZoneManager::mask(Fixtures::hestiacp()),
        );
        $this->assertSame(
            array_replace(Fixtures::powerdns(), ['api_key' => '__KEEP__']),
            DnsZoneManager::mask(Fixtures::powerdns()),
        );
    }

    public function testMaskWorksOnABrokenRow(): void
    {
        $this->assertSame([
            'id' => 1.5,
            'zone' => 'bad zone',
            'type' => 'nope',
            'api_token' => '__KEEP__',
            'admin_password' => '',
            'api_key' => null,
            'other' => 'x',
            5 => 'y',
        ], DnsZoneManager::mask([
            'id' => 1.5,
            'zone' => 'bad zone',
            'type' => 'nope',
            'api_token' => Fixtures::CF_TOKEN,
            'admin_password' => '',
            'api_key' => null,
            'other' => 'x',
            5 => 'y',
        ]));
        $this->assertSame([], DnsZoneManager::mask([]));
    }

    // ---------------------------------------------------------------------- merge

    public function testMergeKeepsTheStoredSecretWhenMissingEmptyOrKeep(): void
    {
        $stored = Fixtures::cloudflare(7, 'example.com', ['api_url' => null]);
        $expected = [
            'id' => 7,
            'zone' => 'example.com',
            'type' => 'cloudflare',
            'account_id' => 'acc0123456789abcdef',
            'zone_id' => 'zone0123456789abcdef',
            'api_token' => Fixtures::CF_TOKEN,
            'api_url' => 'https://api.cloudflare.com/client/v4',
            'ttl' => 120,
            'verify_tls' => true,
            'ca_cert' => null,
        ];
        $form = Fixtures::without(DnsZoneManager::mask($stored), 'api_url');
        $form['ttl'] = '120';
        foreach (['missing' => null, 'empty' => '', 'blank' => '  ', 'keep' => '__KEEP__', 'null' => 'null'] as $case => $token) {
            $submitted = $form;
            if ($case === 'missing') {
                unset($submitted['api_token']);
            } elseif ($case === 'null') {
                $submitted['api_token'] = null;
            } else {
                $submitted['api_token'] = $token;
            }
            $this->assertSame($expected, DnsZoneManager::merge($stored, $submitted), $case);
        }
    }

    public function testMergeReplacesTheSecretWithANewValue(): void
    {
        $stored = Fixtures::powerdns(3, 'example.com');
        $merged = DnsZoneManager::merge($stored, ['api_key' => 'brand-new-key', 'zone' => 'Example.NET.']);
        $this->assertSame('brand-new-key', $merged['api_key']);
        $this->assertSame('example.net', $merged['zone']);
        $this->assertSame(3, $merged['id']);

        $hestia = DnsZoneManager::merge(Fixtures::hestiacp(2, 'example.com'), ['admin_password' => 'other pw']);
        $this->assertSame('other pw', $hestia['admin_password']);
    }

    public function testMergeAcceptsTheSameIdAsStringFromAForm(): void
    {
        $merged = DnsZoneManager::merge(Fixtures::powerdns(3, 'example.com'), ['id' => '3', 'api_key' => '__KEEP__']);
        $this->assertSame('3', $merged['id']);
        $this->assertSame(Fixtures::PDNS_KEY, $merged['api_key']);
    }

    public function testMergeRefusesAnotherId(): void
    {
        $this->assertSame(
            "zone 7: the submitted id 8 is not the stored zone's id 7",
            $this->configError(fn () => DnsZoneManager::merge(Fixtures::cloudflare(7, 'example.com'), ['id' => 8, 'api_token' => 'x'])),
        );
    }

    public function testMergeValidatesTheResult(): void
    {
        $this->assertSame(
            'zone 7: zone "bad zone" contains \' \', which a DNS name cannot hold',
            $this->configError(fn () => DnsZoneManager::merge(Fixtures::cloudflare(7, 'example.com'), ['zone' => 'bad zone'])),
        );
        // A stored row without a secret cannot be saved with KEEP.
        $this->assertSame(
            'zone 7 (example.com): api_token is required',
            $this->configError(fn () => DnsZoneManager::merge(
                Fixtures::without(Fixtures::cloudflare(7, 'example.com'), 'api_token'),
                ['api_token' => '__KEEP__'],
            )),
        );
    }

    // ---------------------------------------------------------------------- match

    private function matcher(): DnsZoneManager
    {
        return new DnsZoneManager([
            Fixtures::powerdns(1, 'puqcloud.com'),
            Fixtures::cloudflare('2', 'uq.com'),
            Fixtures::hestiacp(3, 'cloud.com'),
            Fixtures::powerdns('a', 'com'),
            Fixtures::powerdns(10, '2.0.192.in-addr.arpa'),
            Fixtures::cloudflare(11, '0.192.in-addr.arpa'),
            Fixtures::hestiacp(12, '192.in-addr.arpa'),
            Fixtures::powerdns(13, 'in-addr.arpa'),
            Fixtures::powerdns('c1', '0/26.2.0.192.in-addr.arpa'),
            Fixtures::hestiacp('c2', '64-127.2.0.192.in-addr.arpa'),
            Fixtures::powerdns(20, '8.b.d.0.1.0.0.2.ip6.arpa'),
            Fixtures::powerdns(21, 'ip6.arpa'),
            Fixtures::powerdns(22, '9.b.d.0.1.0.0.2.ip6.arpa'),
        ]);
    }

    /** @return array<string, array{0: string, 1: list<int|string>}> */
    public static function names(): array
    {
        return [
            'fqdn on label boundaries' => ['vm.puqcloud.com', [1, 'a']],
            'case and trailing dot' => ['VM.PuqCloud.COM.', [1, 'a']],
            'apex' => ['puqcloud.com', [1, 'a']],
            'uq.com itself' => ['x.uq.com', ['2', 'a']],
            'no zone' => ['example.org', []],
            'ipv4 in a /26' => ['192.0.2.5', [10, 11, 12, 13, 'c1']],
            'ipv4 in a 64-127 range' => ['192.0.2.70', [10, 11, 12, 13, 'c2']],
            'ipv4 outside the /24' => ['192.0.3.5', [11, 12, 13]],
            'ipv4 outside 192/8' => ['198.51.100.9', [13]],
            'ordinary reverse name' => ['5.2.0.192.in-addr.arpa', [10, 11, 12, 13, 'c1']],
            'classless reverse name' => ['5.0/26.2.0.192.in-addr.arpa', [10, 11, 12, 13, 'c1']],
            'reverse name past the /26' => ['64.2.0.192.in-addr.arpa', [10, 11, 12, 13, 'c2']],
            'ipv6' => ['2001:db8::1', [20, 21]],
            'ipv6 nibble name' => ['1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa', [20, 21]],
            'ipv6 in the other /32' => ['2001:db9::1', [21, 22]],
        ];
    }

    /**
     * @dataProvider names
     * @param list<int|string> $ids
     */
    public function testMatch(string $name, array $ids): void
    {
        $this->assertSame($ids, $this->matcher()->match($name));
    }

    public function testMatchOfAnUnusableNameThrows(): void
    {
        $m = $this->matcher();
        $this->assertSame(
            'name "bad name" contains \' \', which a DNS name cannot hold',
            $this->configError(fn () => $m->match('bad name')),
        );
        $this->assertSame('name is empty', $this->configError(fn () => $m->match('')));
        $this->assertSame('name "a..b" has an empty label', $this->configError(fn () => $m->match('a..b')));
    }

    // ---------------------------------------------------------------- providers

    public function testProvidersDescribeEachProvidersFieldsExactly(): void
    {
        $field = static fn (
            string $name,
            string $label,
            string $kind,
            ?string $help,
            bool $required = true,
            ?string $default = null,
            bool $endpoint = false,
            ?bool $advanced = null,
            ?array $options = null,
        ): array => [
            'name' => $name, 'label' => $label, 'kind' => $kind, 'secret' => $kind === 'secret', 'required' => $required,
            'default' => $default, 'help' => $help, 'advanced' => $advanced ?? !$required, 'endpoint' => $endpoint, 'options' => $options,
        ];
        $this->assertSame([
            ['type' => 'cloudflare', 'label' => 'Cloudflare', 'tls' => true, 'fields' => [
                $field('account_id', 'Account ID', 'text', 'The Account ID on the Cloudflare dashboard.'),
                $field('zone_id', 'Zone ID', 'text', "The 32-character id on the zone's Overview page."),
                $field('api_token', 'API Token', 'secret', 'A token with Zone:DNS:Edit on this zone.'),
                $field('api_url', 'API URL', 'url', 'Leave empty for https://api.cloudflare.com/client/v4', false, 'https://api.cloudflare.com/client/v4', true),
            ]],
            ['type' => 'hestiacp', 'label' => 'HestiaCP', 'tls' => true, 'fields' => [
                $field('server_url', 'Server URL', 'url', "The panel's base, e.g. https://hestia.example.com:8083/", true, null, true),
                $field('admin_user', 'Admin User', 'text', null),
                $field('admin_password', 'Admin Password', 'secret', null),
                $field('user', 'User', 'text', 'The HestiaCP user that owns the DNS domain.'),
            ]],
            ['type' => 'powerdns', 'label' => 'PowerDNS', 'tls' => true, 'fields' => [
                $field('server_url', 'Server URL', 'url', 'The API webserver, e.g. https://pdns.example.com:8081', true, null, true),
                $field('api_key', 'API Key', 'secret', 'The api-key of pdns.conf, sent as X-API-Key.'),
                $field('server_id', 'Server ID', 'text', 'Leave empty for localhost', false, 'localhost'),
            ]],
            ['type' => 'rfc2136', 'label' => 'RFC 2136 (BIND, Knot)', 'tls' => false, 'fields' => [
                $field('server', 'Server', 'text', "The primary server's IP address, and port if not 53: 192.0.2.53, 192.0.2.53:5353 or [2001:db8::53]:53", true, null, true),
                $field('tsig_name', 'TSIG Key Name', 'text', "The key's name as the server knows it, e.g. puq-dns.", false, '', false, false),
                $field('tsig_secret', 'TSIG Secret', 'secret', "The key's secret, in base64 as in the server's key file.", false, '', false, false),
                $field('tsig_algorithm', 'TSIG Algorithm', 'choice', 'Leave as hmac-sha256 unless the key was made with another.', false, 'hmac-sha256', false, true, ['hmac-sha256', 'hmac-sha384', 'hmac-sha512']),
                $field('timeout', 'Timeout (seconds)', 'text', "How long to wait for the server's answer; leave empty for the sync's timeout.", false, ''),
                $field(
                    'allow_unsigned',
                    'Send unsigned updates',
                    'flag',
                    'Only for a server that takes updates by address alone: without a key, anyone who can reach it can change the zone.',
                    false,
                    '0',
                ),
            ]],
        ], DnsZoneManager::providers());
        // What the registry calls secret is what mask() hides.
        $row = ['id' => 1];
        foreach (DnsZoneManager::providers() as $provider) {
            foreach ($provider['fields'] as $f) {
                $row[$f['name']] = 'value-of-' . $f['name'];
            }
        }
        $masked = array_keys(array_filter(DnsZoneManager::mask($row), static fn ($v): bool => $v === DnsZoneManager::KEEP));
        $this->assertSame(['api_token', 'admin_password', 'api_key', 'tsig_secret'], $masked);
    }

    // ---------------------------------------------------------------- reverseName

    public function testReverseNameOfIpv4(): void
    {
        $this->assertSame('2.0.168.192.in-addr.arpa', DnsZoneManager::reverseName('192.168.0.2'));
        $this->assertSame('7.2.0.192.in-addr.arpa', DnsZoneManager::reverseName(' 192.0.2.7 '));
    }

    public function testReverseNameOfIpv6HasAll32Nibbles(): void
    {
        $name = DnsZoneManager::reverseName('2001:DB8::1');
        $this->assertSame('1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa', $name);
        $this->assertCount(34, explode('.', $name));
        $this->assertSame(
            'f.e.d.c.b.a.9.8.7.6.5.4.3.2.1.0.f.e.d.c.b.a.9.8.7.6.5.4.3.2.1.0.ip6.arpa',
            DnsZoneManager::reverseName('0123:4567:89ab:cdef:0123:4567:89ab:cdef'),
        );
    }

    /** @return array<string, array{0: string, 1: string}> */
    public static function badAddresses(): array
    {
        return [
            'garbage' => ['garbage', '"garbage" is not an IP address'],
            'empty' => ['', '"" is not an IP address'],
            'out of range octet' => ['300.1.1.1', '"300.1.1.1" is not an IP address'],
            'cidr' => ['192.0.2.0/24', '"192.0.2.0/24" is a network in CIDR notation, not one address'],
        ];
    }

    public function testReverseNameIsGivenForAnyValidAddress(): void
    {
        // A name function: which addresses a VM may have is checked where VMs are read.
        $this->assertSame('1.0.0.127.in-addr.arpa', DnsZoneManager::reverseName('127.0.0.1'));
        $this->assertSame('1.' . str_repeat('0.', 31) . 'ip6.arpa', DnsZoneManager::reverseName('::1'));
        $this->assertSame('0.0.0.0.in-addr.arpa', DnsZoneManager::reverseName('0.0.0.0'));
    }

    /** @dataProvider badAddresses */
    public function testReverseNameRefusesUnusableAddresses(string $ip, string $message): void
    {
        $this->assertSame($message, $this->configError(fn () => DnsZoneManager::reverseName($ip)));
    }

    // ------------------------------------------------------------------ test/testZone

    public function testTestOfAnUnknownIdThrows(): void
    {
        $m = new DnsZoneManager(Fixtures::mixedZones());
        $this->assertSame('no zone has the id 99', $this->configError(fn () => $m->test(99)));
        $this->assertSame('no zone has the id 99', $this->configError(fn () => $m->test('99')));
        $this->assertSame('id must be an int or a non-empty string', $this->configError(fn () => $m->test('')));
        $this->assertSame('id must be an int or a non-empty string', $this->configError(fn () => $m->test(null)));
    }

    private function assertFailedTest(array $result, int|string $id, string $zone, string $type): void
    {
        $this->assertSame(['ok', 'id', 'zone', 'type', 'message', 'ms'], array_keys($result));
        $this->assertFalse($result['ok']);
        $this->assertSame($id, $result['id']);
        $this->assertSame($zone, $result['zone']);
        $this->assertSame($type, $result['type']);
        $this->assertIsString($result['message']);
        $this->assertNotSame('', trim($result['message']));
        $this->assertIsInt($result['ms']);
        $this->assertGreaterThanOrEqual(0, $result['ms']);
        $json = json_encode($result, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
        foreach (Fixtures::SECRETS as $secret) {
            $this->assertStringNotContainsString($secret, $json);
        }
    }

    public function testTestOfAnUnreachableZoneOfEachProvider(): void
    {
        $m = new DnsZoneManager(Fixtures::mixedZones());
        $this->assertFailedTest($m->test(1), 1, 'puqcloud.com', 'cloudflare');
        $this->assertFailedTest($m->test('2'), '2', '2.0.192.in-addr.arpa', 'hestiacp');
        $this->assertFailedTest($m->test(3), 3, '8.b.d.0.1.0.0.2.ip6.arpa', 'powerdns');
    }

    public function testTestFindsAnIntIdGivenAsString(): void
    {
        $m = new DnsZoneManager([Fixtures::cloudflare(1, 'puqcloud.com'), Fixtures::hestiacp('2', 'example.com')]);
        // The id in the result is the row's own.
        $this->assertFailedTest($m->test('1'), 1, 'puqcloud.com', 'cloudflare');
        $this->assertFailedTest($m->test(2), '2', 'example.com', 'hestiacp');
    }

    public function testTestZoneOfUnsavedRows(): void
    {
        $this->assertFailedTest(
            DnsZoneManager::testZone(Fixtures::powerdns('new', 'Example.COM.')),
            'new',
            'example.com',
            'powerdns',
        );
        $this->assertFailedTest(
            DnsZoneManager::testZone(Fixtures::cloudflare(5, 'example.com')),
            5,
            'example.com',
            'cloudflare',
        );
        $this->assertFailedTest(
            DnsZoneManager::testZone(Fixtures::hestiacp('6', 'example.com')),
            '6',
            'example.com',
            'hestiacp',
        );
    }

    public function testTestTakesTimeoutAndRetries(): void
    {
        // A server that takes the connection and never answers.
        $silent = stream_socket_server('tcp://127.0.0.1:0');
        $url = 'http://' . stream_socket_get_name($silent, false);
        $m = new DnsZoneManager([Fixtures::powerdns(1, 'example.com', ['server_url' => $url])]);

        $once = $m->test(1, ['timeout' => 0.5, 'retries' => 0]);
        $this->assertFailedTest($once, 1, 'example.com', 'powerdns');
        $this->assertSame('timed out', $once['message']);
        $this->assertGreaterThanOrEqual(500, $once['ms']);
        // Two tries of 0.5 s would take a second at least.
        $this->assertLessThan(1000, $once['ms']);

        $twice = DnsZoneManager::testZone(
            Fixtures::powerdns(1, 'example.com', ['server_url' => $url]),
            ['timeout' => 0.5, 'retries' => 1],
        );
        $this->assertSame('timed out', $twice['message']);
        $this->assertGreaterThanOrEqual(1000, $twice['ms']);
        fclose($silent);

        $this->assertSame(
            'option "timout" is not known (use timeout, connect_timeout, retries, concurrency, cloudflare_rate_limit, cloudflare_rate_window, on_progress, heartbeat, heartbeat_interval, zone_records, reads)',
            $this->configError(fn () => $m->test(1, ['timout' => 1])),
        );
        $this->assertSame(
            'option retries must be 0 to 10, not 99',
            $this->configError(fn () => DnsZoneManager::testZone(Fixtures::powerdns(1, 'example.com'), ['retries' => 99])),
        );
    }

    public function testTestZoneOfABadRowThrows(): void
    {
        $this->assertSame(
            'zone 1 (example.com): type "route53" is not one of cloudflare, hestiacp, powerdns, rfc2136',
            $this->configError(fn () => DnsZoneManager::testZone(Fixtures::powerdns(1, 'example.com', ['type' => 'route53']))),
        );
        $this->assertSame(
            'zone 1 (example.com): api_key is the __KEEP__ placeholder, not a credential; pass the stored row through merge() first',
            $this->configError(fn () => DnsZoneManager::testZone(DnsZoneManager::mask(Fixtures::powerdns(1, 'example.com')))),
        );
    }
}
