<?php

declare(strict_types=1);

namespace PuqDns\Tests\Module;

use PDO;
use PHPUnit\Framework\TestCase;
use PuqDns\Module\Store\Schema;
use PuqDns\Module\Store\VmStore;
use PuqDns\Module\Web\DnsEndpoint;

/** dns.php's access control and answer, on an in-memory SQLite VM table. */
final class DnsEndpointTest extends TestCase
{
    private const TOKEN = 'dns-php-token-0123456789';

    private VmStore $vms;

    protected function setUp(): void
    {
        $pdo = new PDO('sqlite::memory:', null, null, [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]);
        Schema::install($pdo);
        $this->vms = new VmStore($pdo);
        $this->vms->save(['id' => 4779, 'name' => 'vlan-1-4779', 'domain' => 'vps.uuq.pl', 'ips' => [['ip' => '192.168.0.2', 'reverse' => 'mail.uuq.pl']]]);
        $this->vms->save(['id' => 4780, 'name' => 'vps-1-4780', 'domain' => 'vps.uuq.pl', 'ips' => ['192.168.0.3', '2001:db8::3']]);
    }

    private function answer(array $allow, string $remote, array $server = [], ?string $token = null, string $method = 'GET'): array
    {
        $response = (new DnsEndpoint($this->vms, $allow, $token))->handle($method, ['REMOTE_ADDR' => $remote] + $server);
        return [$response->status, $response->json()];
    }

    /** @return array<string, array{0: string, 1: string}> */
    public static function proxiedHeaders(): array
    {
        return [
            'X-Forwarded-For' => ['HTTP_X_FORWARDED_FOR', 'X-Forwarded-For'],
            'Forwarded' => ['HTTP_FORWARDED', 'Forwarded'],
            'X-Real-IP' => ['HTTP_X_REAL_IP', 'X-Real-IP'],
        ];
    }

    /** @dataProvider proxiedHeaders */
    public function testARequestFromTheLoopbackThroughAProxyIsRefused(string $key, string $header): void
    {
        foreach (['127.0.0.1', '::1', '::ffff:127.0.0.1', '127.1.2.3'] as $remote) {
            [$status, $json] = $this->answer(['127.0.0.0/8', '::1'], $remote, [$key => '203.0.113.9']);
            $this->assertSame(403, $status, $remote);
            $this->assertSame(
                ['ok' => false, 'error' => "forbidden: a request from the loopback that carries $header came through a proxy on this host; "
                    . 'dns.php decides by the client address alone, so call it directly or allow the clients in the proxy'],
                json_decode($json, true),
            );
        }
        // Straight from the loopback, or from an allowed client that names another: the address decides.
        $this->assertSame(200, $this->answer(['127.0.0.1'], '127.0.0.1')[0]);
        $this->assertSame(200, $this->answer(['192.0.2.10'], '192.0.2.10', [$key => '127.0.0.1'])[0]);
    }

    public function testAnAllowedClientGetsEveryAddress(): void
    {
        [$status, $json] = $this->answer(['192.0.2.10', '10.0.0.0/8'], '10.20.30.40');
        $this->assertSame(200, $status);
        $this->assertSame(
            '[{"forward":"vlan-1-4779.vps.uuq.pl","ip":"192.168.0.2","reverse":"mail.uuq.pl"},'
            . '{"forward":"vps-1-4780.vps.uuq.pl","ip":"192.168.0.3","reverse":"vps-1-4780.vps.uuq.pl"},'
            . '{"forward":"vps-1-4780.vps.uuq.pl","ip":"2001:db8::3","reverse":"vps-1-4780.vps.uuq.pl"}]',
            $json,
        );
    }

    /** @return array<string, array{0: list<string>, 1: string, 2: int}> */
    public static function clients(): array
    {
        return [
            'exact address' => [['192.0.2.10'], '192.0.2.10', 200],
            'another address' => [['192.0.2.10'], '192.0.2.11', 403],
            'in a /24' => [['192.0.2.0/24'], '192.0.2.200', 200],
            'outside a /24' => [['192.0.2.0/24'], '192.0.3.1', 403],
            'a /0 allows every IPv4' => [['0.0.0.0/0'], '203.0.113.9', 200],
            'IPv6 in a /32' => [['2001:db8::/32'], '2001:db8:ffff::1', 200],
            'IPv6 outside' => [['2001:db8::/32'], '2001:db9::1', 403],
            'IPv4 range never takes IPv6' => [['0.0.0.0/0'], '::1', 403],
            'IPv4 through an IPv6 socket' => [['127.0.0.1'], '::ffff:127.0.0.1', 200],
            'odd prefix' => [['192.0.2.64/27'], '192.0.2.95', 200],
            'odd prefix, outside' => [['192.0.2.64/27'], '192.0.2.96', 403],
            'empty allowlist' => [[], '127.0.0.1', 403],
            'no address' => [['127.0.0.1'], '', 403],
        ];
    }

    /** @dataProvider clients */
    public function testTheAllowlist(array $allow, string $remote, int $status): void
    {
        [$got, $json] = $this->answer($allow, $remote);
        $this->assertSame($status, $got);
        if ($status === 403) {
            $this->assertSame('{"ok":false,"error":"forbidden"}', $json);
        }
    }

    public function testAForwardedForHeaderIsNotBelieved(): void
    {
        [$status] = $this->answer(['127.0.0.1'], '203.0.113.9', ['HTTP_X_FORWARDED_FOR' => '127.0.0.1']);
        $this->assertSame(403, $status);
    }

    public function testWithATokenConfiguredTheClientMustSendIt(): void
    {
        $allow = ['127.0.0.1'];
        $this->assertSame(403, $this->answer($allow, '127.0.0.1', [], self::TOKEN)[0]);
        $this->assertSame(403, $this->answer($allow, '127.0.0.1', ['HTTP_X_PUQ_DNS_TOKEN' => 'wrong'], self::TOKEN)[0]);
        $this->assertSame(200, $this->answer($allow, '127.0.0.1', ['HTTP_X_PUQ_DNS_TOKEN' => self::TOKEN], self::TOKEN)[0]);
        $this->assertSame(200, $this->answer($allow, '127.0.0.1', ['HTTP_AUTHORIZATION' => 'Bearer ' . self::TOKEN], self::TOKEN)[0]);
        // The right token from a client outside the allowlist is still refused.
        $this->assertSame(403, $this->answer($allow, '192.0.2.1', ['HTTP_X_PUQ_DNS_TOKEN' => self::TOKEN], self::TOKEN)[0]);
    }

    public function testOnlyGetIsAnswered(): void
    {
        $response = (new DnsEndpoint($this->vms, ['127.0.0.1']))->handle('POST', ['REMOTE_ADDR' => '127.0.0.1']);
        $this->assertSame([405, 'GET, HEAD'], [$response->status, $response->headers['Allow']]);
    }

    public function testABadAllowEntryOrShortTokenIsRefusedAtSetup(): void
    {
        foreach (['10.0.0.0/33', 'example.com', '2001:db8::/129', '10.0.0.0/x'] as $entry) {
            try {
                new DnsEndpoint($this->vms, [$entry]);
                $this->fail("$entry was taken");
            } catch (\InvalidArgumentException $e) {
                $this->assertSame("dns.php allow entry \"$entry\" is not an IP address or CIDR range", $e->getMessage());
            }
        }
        $this->expectExceptionMessage('the dns.php token must have at least 16 characters');
        new DnsEndpoint($this->vms, [], 'short');
    }
}
