<?php

declare(strict_types=1);

namespace PuqDns\Tests;

use PHPUnit\Framework\TestCase;
use PuqDns\ConfigException;
use PuqDns\DnsSync;
use PuqDns\DnsZoneManager;

require_once __DIR__ . '/BindServer.php';
require_once __DIR__ . '/PowerDnsServer.php';

/**
 * DnsSync and the zone test as the module calls them, with RFC 2136 zones
 * on a real BIND 9 next to a PowerDNS zone; outcomes are read back with dig.
 */
final class Rfc2136SyncTest extends TestCase
{
    private const DOMAIN = 'puqcloud.test';
    private const REV4 = '2.0.192.in-addr.arpa';
    private const REV6 = '8.b.d.0.1.0.0.2.ip6.arpa';
    private const FQDN = 'vm7.puqcloud.test';

    private static BindServer $bind;
    private static PowerDnsServer $pdns;

    public static function setUpBeforeClass(): void
    {
        self::$bind = new BindServer([self::DOMAIN, self::REV4, 'locked.test:noupdate']);
        self::$pdns = new PowerDnsServer();
        self::$pdns->createZone(self::REV6);
    }

    public static function tearDownAfterClass(): void
    {
        self::$bind->stop();
        self::$pdns->stop();
    }

    /** @return list<array> BIND's forward and IPv4 reverse zone, PowerDNS's IPv6 one */
    private function zones(): array
    {
        return [self::$bind->row(1, self::DOMAIN), self::$bind->row(2, self::REV4), self::$pdns->row(3, self::REV6)];
    }

    private function vm(array $ips): array
    {
        return ['id' => 7, 'name' => 'vm7', 'domain' => self::DOMAIN, 'ips' => $ips];
    }

    public function testBindAndPowerDnsZonesAreWrittenInOneSyncAndAResyncConverges(): void
    {
        $sync = new DnsSync($this->zones());
        self::$bind->put(self::DOMAIN, self::FQDN, 'TXT', '"keep me"');
        self::$bind->put(self::DOMAIN, self::FQDN, 'A', '198.51.100.9');

        $first = $sync->resync($this->vm(['192.0.2.7', '2001:db8::7']));
        $this->assertTrue($first['ok'], json_encode($first['errors']));
        $this->assertSame(['created' => 4, 'deleted' => 1, 'unchanged' => 0, 'failed' => 0], $first['counts']);
        $this->assertSame(['192.0.2.7'], self::$bind->dig(self::FQDN, 'A'));
        $this->assertSame(['2001:db8::7'], self::$bind->dig(self::FQDN, 'AAAA'));
        $this->assertSame(['"keep me"'], self::$bind->dig(self::FQDN, 'TXT'));
        $this->assertSame([self::FQDN . '.'], self::$bind->dig('7.' . self::REV4, 'PTR'));
        $this->assertSame([self::FQDN . '.'], self::$pdns->dig(DnsZoneManager::reverseName('2001:db8::7'), 'PTR'));
        $this->assertContains('fwd OK create A ' . self::FQDN . ' 192.0.2.7 zone ' . self::DOMAIN . ' (#1, rfc2136)', array_map(
            static fn (string $line): string => substr($line, 0, strlen('fwd OK create A ' . self::FQDN . ' 192.0.2.7 zone ' . self::DOMAIN . ' (#1, rfc2136)')),
            $first['lines'],
        ));

        $second = $sync->resync($this->vm(['192.0.2.7', '2001:db8::7']));
        $this->assertSame(['created' => 0, 'deleted' => 0, 'unchanged' => 4, 'failed' => 0], $second['counts']);
        $this->assertSame(['keep', 'keep', 'keep', 'keep'], array_column($second['operations'], 'op'));

        $gone = $sync->delete($this->vm(['192.0.2.7', '2001:db8::7']));
        $this->assertTrue($gone['ok'], json_encode($gone['errors']));
        $this->assertSame([], self::$bind->dig(self::FQDN, 'A'));
        $this->assertSame([], self::$bind->dig('7.' . self::REV4, 'PTR'));
        $this->assertSame(['"keep me"'], self::$bind->dig(self::FQDN, 'TXT'));
    }

    public function testAWrongSecretFailsItsZonesOnlyInTheServersWordsAndNeverLeaks(): void
    {
        $zones = $this->zones();
        $wrong = base64_encode('not the key of this server at all');
        $zones[1]['tsig_secret'] = $wrong;
        $result = (new DnsSync($zones, ['retries' => 0]))->create($this->vm(['192.0.2.8']));

        $this->assertFalse($result['ok']);
        $this->assertSame(['created' => 1, 'deleted' => 0, 'unchanged' => 0, 'failed' => 1], $result['counts']);
        $this->assertSame(
            "NOTAUTH (BADSIG): the signature does not verify with the server's secret of " . self::$bind->keyName . ' (hmac-sha256): check tsig_secret',
            $result['errors'][0]['error'],
        );
        $this->assertSame(['192.0.2.8'], self::$bind->dig(self::FQDN, 'A'));
        $json = json_encode($result);
        $this->assertStringNotContainsString($wrong, $json);
        $this->assertStringNotContainsString(self::$bind->keySecret, $json);
        (new DnsSync($this->zones()))->delete($this->vm(['192.0.2.8']));
    }

    public function testZoneTestNamesWhatTheServerSays(): void
    {
        $ok = DnsZoneManager::testZone(self::$bind->row(1, self::DOMAIN));
        $this->assertTrue($ok['ok'], $ok['message']);
        $this->assertMatchesRegularExpression(
            '/^zone puqcloud\.test\. \(serial \d+\) found on 127\.0\.0\.1:' . self::$bind->port . ', which takes updates signed with '
                . preg_quote(self::$bind->keyName, '/') . ' \(hmac-sha256\)$/',
            $ok['message'],
        );

        $locked = DnsZoneManager::testZone(self::$bind->row(4, 'locked.test'));
        $this->assertSame(
            "REFUSED: the server does not take updates of locked.test. from this key or address (allow-update, update-policy or the zone's ACL)",
            $locked['message'],
        );

        $this->expectException(ConfigException::class);
        $this->expectExceptionMessage('zone 5 (puqcloud.test): tsig_name and tsig_secret are required, unless allow_unsigned is on');
        DnsZoneManager::testZone(['tsig_name' => '', 'tsig_secret' => ''] + self::$bind->row(5, self::DOMAIN));
    }
}
