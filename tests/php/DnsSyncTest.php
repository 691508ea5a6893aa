<?php

declare(strict_types=1);

namespace PuqDns\Tests;

use PHPUnit\Framework\TestCase;
use PuqDns\ConfigException;
use PuqDns\DnsException;
use PuqDns\DnsSync;
use PuqDns\DnsZoneManager;

require_once __DIR__ . '/SeenSecrets.php';

/**
 * DnsSync as hooks, cron.php and the "Set DNS records" button call it,
 * against zones whose servers are 127.0.0.1 port 1 (nothing listens):
 * every zone operation fails, and the result must say so in the shapes of
 * API.md without throwing and without any credential in it.
 */
final class DnsSyncTest extends TestCase
{
    private const RESULT_KEYS = ['ok', 'action', 'vm', 'fqdn', 'operations', 'errors', 'unmatched', 'counts', 'lines', 'stats'];
    private const OP_KEYS = ['kind', 'op', 'status', 'zone_id', 'zone', 'type', 'name', 'rrtype', 'content', 'ttl', 'error', 'attempts', 'ms'];
    private const COUNT_KEYS = ['created', 'deleted', 'unchanged', 'failed'];

    use SeenSecrets;

    protected function tearDown(): void
    {
        $this->assertNoSecretSeen(Fixtures::SECRETS);
    }

    private function sync(?array $zones = null, array $options = []): DnsSync
    {
        return new DnsSync($zones ?? Fixtures::mixedZones(), $options + Fixtures::FAST_OPTIONS);
    }

    /** Runs $f, asserts it throws ConfigException, returns the message. */
    private function configError(callable $f): string
    {
        try {
            $f();
        } catch (ConfigException $e) {
            $this->assertSame(ConfigException::class, get_class($e));
            $this->seen[] = $e->getMessage();
            return $e->getMessage();
        }
        $this->fail('no ConfigException was thrown');
    }

    /** The fields of an operation that the code fixes, without outcome details. */
    private static function planned(array $op): array
    {
        return [$op['kind'], $op['op'], $op['zone_id'], $op['zone'], $op['type'], $op['name'], $op['rrtype'], $op['content'], $op['ttl']];
    }

    /**
     * The shape every result has, and its invariants when every operation
     * failed: exact keys, counts that add up, errors and lines that follow
     * the operations, no secret anywhere.
     */
    private function assertFailedResult(array $result, string $action, int|string $vm, string $fqdn, int $operations): void
    {
        $this->seen[] = $result;
        $this->assertSame(self::RESULT_KEYS, array_keys($result));
        $this->assertFalse($result['ok']);
        $this->assertSame($action, $result['action']);
        $this->assertSame($vm, $result['vm']);
        $this->assertSame($fqdn, $result['fqdn']);
        $this->assertTrue(array_is_list($result['operations']));
        $this->assertTrue(array_is_list($result['errors']));
        $this->assertTrue(array_is_list($result['unmatched']));
        $this->assertTrue(array_is_list($result['lines']));
        $this->assertCount($operations, $result['operations']);

        foreach ($result['operations'] as $i => $op) {
            $this->assertSame(self::OP_KEYS, array_keys($op), "operation $i");
            $this->assertContains($op['kind'], ['fwd', 'rev']);
            $this->assertContains($op['op'], ['create', 'delete', 'keep']);
            $this->assertContains($op['rrtype'], ['A', 'AAAA', 'PTR']);
            $this->assertSame($op['kind'] === 'rev', $op['rrtype'] === 'PTR', "operation $i");
            $this->assertSame('error', $op['status'], "operation $i");
            $this->assertIsString($op['error'], "operation $i");
            $this->assertNotSame('', trim($op['error']), "operation $i");
            $this->assertIsString($op['name']);
            $this->assertIsString($op['content']);
            $this->assertIsInt($op['attempts']);
            $this->assertGreaterThanOrEqual(0, $op['attempts']);
            // retries => 0: at most the one try.
            $this->assertLessThanOrEqual(1, $op['attempts'], "operation $i");
            $this->assertIsInt($op['ms']);
            $this->assertGreaterThanOrEqual(0, $op['ms']);
            if ($op['zone_id'] === null) {
                $this->assertNull($op['zone']);
                $this->assertNull($op['type']);
            } else {
                $this->assertIsString($op['zone']);
                $this->assertContains($op['type'], ['cloudflare', 'hestiacp', 'powerdns']);
                $this->assertIsInt($op['ttl']);
            }

            $line = $result['lines'][$i];
            $this->assertStringStartsWith($op['kind'] . ' ERR ' . $op['op'] . ' ' . $op['rrtype'] . ' ', $line);
            $this->assertStringEndsWith(': ' . $op['error'], $line);
            if ($op['zone_id'] !== null) {
                $this->assertStringContainsString(" zone {$op['zone']} (#{$op['zone_id']}, {$op['type']})", $line);
            }
        }

        $this->assertSame($result['operations'], $result['errors']);
        $this->assertSame(self::COUNT_KEYS, array_keys($result['counts']));
        $this->assertSame(
            ['created' => 0, 'deleted' => 0, 'unchanged' => 0, 'failed' => $operations],
            $result['counts'],
        );
        $this->assertSame(count($result['operations']), array_sum($result['counts']));
        $this->assertCount($operations, $result['lines']);
    }

    // ------------------------------------------------------------------- options

    public function testConstructorAcceptsGoodOptions(): void
    {
        $this->assertInstanceOf(DnsSync::class, new DnsSync(Fixtures::mixedZones()));
        $this->assertInstanceOf(DnsSync::class, new DnsSync(Fixtures::mixedZones(), []));
        $this->assertInstanceOf(DnsSync::class, new DnsSync([], null));
        $this->assertInstanceOf(DnsSync::class, new DnsSync(Fixtures::mixedZones(), [
            'timeout' => 2.5, 'connect_timeout' => '1', 'retries' => '0', 'concurrency' => 64, 'on_progress' => null,
        ]));
        $this->assertInstanceOf(DnsSync::class, new DnsSync([], ['on_progress' => 'strlen']));
        $this->assertInstanceOf(DnsSync::class, new DnsSync([], ['on_progress' => fn (array $op) => null]));
        $this->assertInstanceOf(DnsSync::class, new DnsSync([], ['on_progress' => [new \ArrayObject(), 'append']]));
    }

    /** @return array<string, array{0: array, 1: string}> */
    public static function badOptions(): array
    {
        $known = '(use timeout, connect_timeout, retries, concurrency, cloudflare_rate_limit, cloudflare_rate_window, on_progress, heartbeat, heartbeat_interval, zone_records, reads)';
        return [
            'typo' => [['timout' => 3], 'option "timout" is not known ' . $known],
            'list entry' => [[5], 'option "0" is not known ' . $known],
            'zero timeout' => [['timeout' => 0], 'option timeout must be between 0.001 and 3600 seconds, not 0'],
            'long timeout' => [['timeout' => 3601], 'option timeout must be between 0.001 and 3600 seconds, not 3601'],
            'bool timeout' => [['timeout' => true], 'option timeout must be a number of seconds, not true'],
            'text connect_timeout' => [['connect_timeout' => 'x'], 'option connect_timeout must be a number of seconds, not "x"'],
            'negative retries' => [['retries' => -1], 'option retries must be 0 to 10, not -1'],
            'many retries' => [['retries' => 11], 'option retries must be 0 to 10, not 11'],
            'float retries' => [['retries' => 1.5], 'option retries must be a whole number, not 1.5'],
            'zero concurrency' => [['concurrency' => 0], 'option concurrency must be 1 to 64, not 0'],
            'text concurrency' => [['concurrency' => 'many'], 'option concurrency must be a whole number, not "many"'],
            'several at once' => [
                ['timout' => 3, 'retries' => -1, 'concurrency' => 'many', 'timeout' => 0],
                'option "timout" is not known ' . $known . '; retries must be 0 to 10, not -1; '
                . 'concurrency must be a whole number, not "many"; timeout must be between 0.001 and 3600 seconds, not 0',
            ],
            'on_progress string' => [['on_progress' => 'no_such_function_here'], 'option on_progress must be callable'],
            'on_progress int' => [['on_progress' => 42], 'option on_progress must be callable'],
            'on_progress array' => [['on_progress' => ['NoSuchClass', 'run']], 'option on_progress must be callable'],
            'heartbeat string' => [['heartbeat' => 'no_such_function_here'], 'option heartbeat must be callable'],
            'short heartbeat_interval' => [['heartbeat_interval' => 0.01], 'option heartbeat_interval must be between 0.05 and 3600 seconds, not 0.01'],
        ];
    }

    /** @dataProvider badOptions */
    public function testConstructorRefusesBadOptions(array $options, string $message): void
    {
        $this->assertSame($message, $this->configError(fn () => new DnsSync(Fixtures::mixedZones(), $options)));
    }

    public function testConstructorRefusesBadZonesLikeTheManager(): void
    {
        $this->assertSame(
            'zone 6 (ok.com): type "bind" is not one of cloudflare, hestiacp, powerdns, rfc2136; '
            . 'zone 3 (ok.net): api_key may hold only visible ASCII characters (no spaces)',
            $this->configError(fn () => new DnsSync([
                Fixtures::powerdns(6, 'ok.com', ['type' => 'bind']),
                Fixtures::powerdns(3, 'ok.net', ['api_key' => 'a b ' . Fixtures::PDNS_KEY]),
            ])),
        );
    }

    // -------------------------------------------------------------------- create

    public function testCreateReportsEveryZoneOperationFailed(): void
    {
        $result = $this->sync()->create(Fixtures::vm(5551, ['192.0.2.7', '2001:db8::7', '198.51.100.9']));
        $this->assertFailedResult($result, 'create', 5551, Fixtures::FQDN, 5);
        $fqdn = Fixtures::FQDN;
        $this->assertSame([
            ['fwd', 'create', 1, 'puqcloud.com', 'cloudflare', $fqdn, 'A', '192.0.2.7', 3600],
            ['fwd', 'create', 1, 'puqcloud.com', 'cloudflare', $fqdn, 'A', '198.51.100.9', 3600],
            ['fwd', 'create', 1, 'puqcloud.com', 'cloudflare', $fqdn, 'AAAA', '2001:db8::7', 3600],
            ['rev', 'create', '2', '2.0.192.in-addr.arpa', 'hestiacp', '7.2.0.192.in-addr.arpa', 'PTR', $fqdn, 3600],
            ['rev', 'create', 3, '8.b.d.0.1.0.0.2.ip6.arpa', 'powerdns',
                '7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa', 'PTR', $fqdn, 3600],
        ], array_map([self::class, 'planned'], $result['operations']));
        $this->assertSame(['9.100.51.198.in-addr.arpa'], $result['unmatched']);
        foreach ($result['lines'] as $i => $line) {
            $this->assertStringStartsWith($i < 3 ? 'fwd ERR' : 'rev ERR', $line);
        }
        // Per zone: how it was read (HestiaCP lists the whole domain), and
        // the one request each made before its server failed to answer.
        $stat = static fn (int|string $id, string $zone, string $type, string $read): array => [
            'zone_id' => $id, 'zone' => $zone, 'type' => $type, 'read' => $read,
            'read_requests' => 1, 'write_requests' => 0, 'zone_records' => null,
        ];
        $this->assertSame([
            $stat(1, 'puqcloud.com', 'cloudflare', 'names'),
            $stat('2', '2.0.192.in-addr.arpa', 'hestiacp', 'zone'),
            $stat(3, '8.b.d.0.1.0.0.2.ip6.arpa', 'powerdns', 'names'),
        ], $result['stats']);
    }

    public function testCreateOfAVmNoZoneTakesIsOkWithEveryNameUnmatched(): void
    {
        $result = $this->sync()->create(Fixtures::vm(7, ['198.51.100.9', '2001:db9::1'], ['domain' => 'example.org']));
        $this->seen[] = $result;
        $this->assertSame([
            'ok' => true,
            'action' => 'create',
            'vm' => 7,
            'fqdn' => '5551-1776530141.example.org',
            'operations' => [],
            'errors' => [],
            'unmatched' => [
                '5551-1776530141.example.org',
                '9.100.51.198.in-addr.arpa',
                '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.9.b.d.0.1.0.0.2.ip6.arpa',
            ],
            'counts' => ['created' => 0, 'deleted' => 0, 'unchanged' => 0, 'failed' => 0],
            'lines' => [],
            'stats' => [],
        ], $result);
    }

    public function testABadAddressIsAFailedOperationNotAnException(): void
    {
        $result = $this->sync()->create(Fixtures::vm('42', ['bogus', '192.0.2.7', '::ffff:192.0.2.1', 7, ['reverse' => 'x.example.com']]));
        $this->assertFailedResult($result, 'create', '42', Fixtures::FQDN, 6);
        $this->assertSame([
            'kind' => 'fwd',
            'op' => 'create',
            'status' => 'error',
            'zone_id' => null,
            'zone' => null,
            'type' => null,
            'name' => Fixtures::FQDN,
            'rrtype' => 'A',
            'content' => 'bogus',
            'ttl' => null,
            'error' => '"bogus" is not an IP address',
            'attempts' => 0,
            'ms' => 0,
        ], $result['operations'][0]);
        $this->assertSame(
            'fwd ERR create A ' . Fixtures::FQDN . ' bogus: "bogus" is not an IP address',
            $result['lines'][0],
        );
        $this->assertSame(
            [
                ['AAAA', '::ffff:192.0.2.1', '"::ffff:192.0.2.1" is an IPv4-mapped IPv6 address; give the IPv4 address 192.0.2.1 instead'],
                ['A', '7', '7 is not an IP address'],
                ['A', 'an array', 'an ips entry has no ip'],
            ],
            array_map(fn ($op) => [$op['rrtype'], $op['content'], $op['error']], array_slice($result['operations'], 1, 3)),
        );
        // The good address still goes to its zones.
        $this->assertSame(
            [
                ['fwd', 'create', 1, 'puqcloud.com', 'cloudflare', Fixtures::FQDN, 'A', '192.0.2.7', 3600],
                ['rev', 'create', '2', '2.0.192.in-addr.arpa', 'hestiacp', '7.2.0.192.in-addr.arpa', 'PTR', Fixtures::FQDN, 3600],
            ],
            array_map([self::class, 'planned'], array_values(array_filter($result['operations'], fn ($op) => $op['zone_id'] !== null && $op['content'] !== ''))),
        );
    }

    public function testCustomReverseTtlAndFqdn(): void
    {
        $result = $this->sync()->create([
            'id' => 9,
            'name' => 'ignored',
            'domain' => 'ignored.example',
            'fqdn' => 'Web.PuqCloud.com.',
            'ttl' => '300',
            'ips' => [
                ['ip' => '192.0.2.8', 'reverse' => 'Mail.Example.com'],
                ['ip' => '192.0.2.10', 'reverse' => 'bad name'],
                ['ip' => '2001:db8::8', 'reverse' => ''],
            ],
        ]);
        $this->assertFailedResult($result, 'create', 9, 'web.puqcloud.com', 6);
        $ip6ptr = '8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa';
        // The ttl of the first (rejected) operation is left out: see the
        // report; the VM's ttl should win there too.
        $this->assertSame([
            ['rev', 'create', '2', '2.0.192.in-addr.arpa', 'hestiacp', '10.2.0.192.in-addr.arpa', 'PTR', ''],
            ['fwd', 'create', 1, 'puqcloud.com', 'cloudflare', 'web.puqcloud.com', 'A', '192.0.2.8', 300],
            ['fwd', 'create', 1, 'puqcloud.com', 'cloudflare', 'web.puqcloud.com', 'A', '192.0.2.10', 300],
            ['fwd', 'create', 1, 'puqcloud.com', 'cloudflare', 'web.puqcloud.com', 'AAAA', '2001:db8::8', 300],
            ['rev', 'create', '2', '2.0.192.in-addr.arpa', 'hestiacp', '8.2.0.192.in-addr.arpa', 'PTR', 'mail.example.com', 300],
            ['rev', 'create', 3, '8.b.d.0.1.0.0.2.ip6.arpa', 'powerdns', $ip6ptr, 'PTR', 'web.puqcloud.com', 300],
        ], array_map(
            fn (array $op) => $op['content'] === '' ? array_slice(self::planned($op), 0, 8) : self::planned($op),
            $result['operations'],
        ));
        $this->assertSame(
            'the reverse name for 192.0.2.10 "bad name" contains \' \', which a DNS name cannot hold',
            $result['operations'][0]['error'],
        );
        $this->assertSame(0, $result['operations'][0]['attempts']);
    }

    public function testRfc2317ZoneTakesThePtrUnderItsOwnName(): void
    {
        $result = $this->sync([
            Fixtures::powerdns('c1', '0/26.2.0.192.in-addr.arpa'),
            Fixtures::hestiacp('c2', '64-127.2.0.192.in-addr.arpa'),
        ])->create(Fixtures::vm(1, ['192.0.2.5', '192.0.2.70', '192.0.2.200']));
        $this->assertFailedResult($result, 'create', 1, Fixtures::FQDN, 2);
        $this->assertSame([
            ['rev', 'create', 'c1', '0/26.2.0.192.in-addr.arpa', 'powerdns', '5.0/26.2.0.192.in-addr.arpa', 'PTR', Fixtures::FQDN, 3600],
            ['rev', 'create', 'c2', '64-127.2.0.192.in-addr.arpa', 'hestiacp', '70.64-127.2.0.192.in-addr.arpa', 'PTR', Fixtures::FQDN, 3600],
        ], array_map([self::class, 'planned'], $result['operations']));
        $this->assertSame([Fixtures::FQDN, '200.2.0.192.in-addr.arpa'], $result['unmatched']);
    }

    // ------------------------------------------------------------ delete, resync

    public function testDeleteReportsDeletesFailed(): void
    {
        $result = $this->sync()->delete(Fixtures::vm(5551, ['192.0.2.7', '2001:db8::7']));
        $this->assertFailedResult($result, 'delete', 5551, Fixtures::FQDN, 4);
        $this->assertSame(['delete'], array_values(array_unique(array_column($result['operations'], 'op'))));
        $this->assertSame(
            ['fwd', 'fwd', 'rev', 'rev'],
            array_column($result['operations'], 'kind'),
        );
        $this->assertSame([], $result['unmatched']);
    }

    public function testResyncReportsCreatesFailed(): void
    {
        $result = $this->sync()->resync(Fixtures::vm(5551, ['192.0.2.7', '2001:db8::7', '203.0.113.4']));
        $this->assertFailedResult($result, 'resync', 5551, Fixtures::FQDN, 5);
        $this->assertSame(['create'], array_values(array_unique(array_column($result['operations'], 'op'))));
        $this->assertSame(['4.113.0.203.in-addr.arpa'], $result['unmatched']);
    }

    public function testUpdateDeletesWhatTheOldVmHadThenResyncs(): void
    {
        $old = Fixtures::vm(5551, ['192.0.2.9']);
        $new = Fixtures::vm(5551, ['192.0.2.10']);
        $result = $this->sync()->update($old, $new);
        $this->assertFailedResult($result, 'update', 5551, Fixtures::FQDN, 3);
        $fqdn = Fixtures::FQDN;
        $this->assertSame([
            ['fwd', 'create', 1, 'puqcloud.com', 'cloudflare', $fqdn, 'A', '192.0.2.10', 3600],
            ['rev', 'delete', '2', '2.0.192.in-addr.arpa', 'hestiacp', '9.2.0.192.in-addr.arpa', 'PTR', $fqdn, 3600],
            ['rev', 'create', '2', '2.0.192.in-addr.arpa', 'hestiacp', '10.2.0.192.in-addr.arpa', 'PTR', $fqdn, 3600],
        ], array_map([self::class, 'planned'], $result['operations']));
    }

    // ---------------------------------------------------------------------- plan

    /** @return array<string, array{0: string, 1: string}> */
    public static function planActions(): array
    {
        return ['create' => ['create', 'create'], 'delete' => ['delete', 'delete'], 'resync' => ['resync', 'create']];
    }

    /** @dataProvider planActions */
    public function testPlanReportsWhatTheActionWouldDo(string $action, string $op): void
    {
        $result = $this->sync()->plan($action, Fixtures::vm(5551, ['192.0.2.7', '2001:db8::7', '198.51.100.9']));
        $this->assertFailedResult($result, 'plan', 5551, Fixtures::FQDN, 5);
        $this->assertSame(array_fill(0, 5, $op), array_column($result['operations'], 'op'));
        $this->assertSame(['9.100.51.198.in-addr.arpa'], $result['unmatched']);
    }

    public function testPlanOfAnotherActionThrows(): void
    {
        $sync = $this->sync();
        $this->assertSame(
            'plan action "bogus" is not one of create, delete, resync',
            $this->configError(fn () => $sync->plan('bogus', Fixtures::vm())),
        );
        $this->assertSame(
            'plan action "update" is not one of create, delete, resync',
            $this->configError(fn () => $sync->plan('update', Fixtures::vm())),
        );
        $this->assertSame(
            'plan action "plan" is not one of create, delete, resync',
            $this->configError(fn () => $sync->plan('plan', Fixtures::vm())),
        );
    }

    // -------------------------------------------------------------- malformed VM

    private const MALFORMED = ['name' => 'bad name', 'domain' => '', 'ips' => 'x', 'ttl' => 'soon'];
    private const MALFORMED_MESSAGE = 'VM: id is required; domain is required; name "bad name" contains \' \', which a DNS name cannot hold; '
        . 'ttl must be a whole number, not "soon"; ips must be a list of addresses, not "x"';

    public function testAMalformedVmThrowsFromEveryMethod(): void
    {
        $sync = $this->sync();
        $bad = self::MALFORMED;
        $this->assertSame(self::MALFORMED_MESSAGE, $this->configError(fn () => $sync->create($bad)));
        $this->assertSame(self::MALFORMED_MESSAGE, $this->configError(fn () => $sync->delete($bad)));
        $this->assertSame(self::MALFORMED_MESSAGE, $this->configError(fn () => $sync->resync($bad)));
        $this->assertSame(self::MALFORMED_MESSAGE, $this->configError(fn () => $sync->plan('create', $bad)));
        $this->assertSame(self::MALFORMED_MESSAGE, $this->configError(fn () => $sync->update($bad, Fixtures::vm())));
        $this->assertSame(self::MALFORMED_MESSAGE, $this->configError(fn () => $sync->update(Fixtures::vm(), $bad)));
    }

    /** @return array<string, array{0: array, 1: string}> */
    public static function malformedVms(): array
    {
        return [
            'no ips' => [['id' => 3, 'fqdn' => 'x.example.com'], 'VM 3: ips is required (a list of addresses; [] for none)'],
            'float id' => [['id' => 1.5, 'fqdn' => 'x.example.com', 'ips' => []], 'VM: id must be an int or a string, not 1.5'],
            'bad fqdn' => [['id' => 'vm-8', 'fqdn' => 'bad name', 'ips' => []], 'VM vm-8: fqdn "bad name" contains \' \', which a DNS name cannot hold'],
            'long label' => [
                ['id' => 4, 'name' => str_repeat('a', 64), 'domain' => 'example.com', 'ips' => []],
                'VM 4: name "' . str_repeat('a', 64) . '" has a label of 64 bytes ("' . str_repeat('a', 64) . '"); a label holds at most 63',
            ],
            'object' => [
                ['id' => 5, 'fqdn' => 'x.example.com', 'ips' => [new \stdClass()]],
                'vm[ips][0] is an object of class stdClass; only arrays, strings, numbers, booleans and null are accepted',
            ],
        ];
    }

    /** @dataProvider malformedVms */
    public function testMalformedVmMessages(array $vm, string $message): void
    {
        $sync = $this->sync();
        $this->assertSame($message, $this->configError(fn () => $sync->create($vm)));
    }

    // ---------------------------------------------------------------- normalizeVm

    public function testNormalizeVmGivesTheVmAsItsRecordsWouldBeWritten(): void
    {
        $vm = [
            'id' => '12',
            'name' => 'Web-1',
            'domain' => 'PuqCloud.com.',
            'ttl' => '300',
            'ips' => [' 192.0.2.7 ', ['ip' => '2001:DB8::7', 'reverse' => 'Mail.Example.com'], '192.0.2.7', ['ip' => '192.0.2.8', 'reverse' => '']],
        ];
        $this->assertSame([
            'id' => '12',
            'fqdn' => 'web-1.puqcloud.com',
            'ttl' => 300,
            'addresses' => [
                ['ip' => '192.0.2.7', 'reverse_name' => '7.2.0.192.in-addr.arpa', 'ptr' => 'web-1.puqcloud.com'],
                ['ip' => '2001:db8::7', 'reverse_name' => DnsZoneManager::reverseName('2001:db8::7'), 'ptr' => 'mail.example.com'],
                ['ip' => '192.0.2.8', 'reverse_name' => '8.2.0.192.in-addr.arpa', 'ptr' => 'web-1.puqcloud.com'],
            ],
        ], DnsSync::normalizeVm($vm));
        $this->assertSame(
            ['id' => 3, 'fqdn' => 'x.example.com', 'ttl' => null, 'addresses' => []],
            DnsSync::normalizeVm(['id' => 3, 'fqdn' => 'x.example.com', 'ips' => []]),
        );
    }

    public function testNormalizeVmRefusesWhatCreateRefusesAndEveryEntryThatCouldNotBeWritten(): void
    {
        $this->assertSame(self::MALFORMED_MESSAGE, $this->configError(fn () => DnsSync::normalizeVm(self::MALFORMED)));
        $this->assertSame(
            'VM 7: ttl 0 is out of range (1 to 2147483647)',
            $this->configError(fn () => DnsSync::normalizeVm(Fixtures::vm(7, null, ['ttl' => 0]))),
        );
        $this->assertSame(
            'VM 7: ips[1]: "10.0.0.300" is not an IP address; '
            . 'ips[2].reverse: the reverse name for 192.0.2.9 "a.example.com.\n@ IN NS ns.evil." contains \'\\n\', which a DNS name cannot hold',
            $this->configError(fn () => DnsSync::normalizeVm(Fixtures::vm(7, [
                '192.0.2.7',
                '10.0.0.300',
                ['ip' => '192.0.2.9', 'reverse' => "a.example.com.\n@ IN NS ns.evil."],
            ]))),
        );
    }

    // ---------------------------------------------------------------- resyncMany

    public function testResyncManyKeysResultsByVmIdAndIsolatesAMalformedVm(): void
    {
        $results = $this->sync()->resyncMany([
            Fixtures::vm(101, ['192.0.2.7']),
            'x' => ['id' => 'vm-8', 'fqdn' => 'bad name', 'ips' => []],
            Fixtures::vm('vm-b', ['2001:db8::b'], ['name' => 'b']),
            5 => ['name' => 'nameless'],
            Fixtures::vm('202', ['192.0.2.9'], ['name' => 'c']),
        ]);
        $this->seen[] = $results;
        $this->assertSame([101, 'vm-8', 'vm-b', 5, 202], array_keys($results));

        $this->assertFailedResult($results[101], 'resync', 101, Fixtures::FQDN, 2);
        $this->assertFailedResult($results['vm-b'], 'resync', 'vm-b', 'b.puqcloud.com', 2);
        $this->assertFailedResult($results[202], 'resync', '202', 'c.puqcloud.com', 2);
        $this->assertSame(
            [
                ['fwd', 'create', 1, 'puqcloud.com', 'cloudflare', 'b.puqcloud.com', 'AAAA', '2001:db8::b', 3600],
                ['rev', 'create', 3, '8.b.d.0.1.0.0.2.ip6.arpa', 'powerdns',
                    'b.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa', 'PTR', 'b.puqcloud.com', 3600],
            ],
            array_map([self::class, 'planned'], $results['vm-b']['operations']),
        );

        foreach (['vm-8' => ['vm-8', 'VM vm-8: fqdn "bad name" contains \' \', which a DNS name cannot hold'],
                  5 => [5, 'VM: id is required; domain is required; ips is required (a list of addresses; [] for none)']] as $key => [$id, $error]) {
            $this->assertFailedResult($results[$key], 'resync', $id, '', 1);
            $this->assertSame([
                'kind' => 'fwd',
                'op' => 'create',
                'status' => 'error',
                'zone_id' => null,
                'zone' => null,
                'type' => null,
                'name' => '',
                'rrtype' => 'A',
                'content' => '',
                'ttl' => null,
                'error' => $error,
                'attempts' => 0,
                'ms' => 0,
            ], $results[$key]['operations'][0]);
            $this->assertSame(['fwd ERR create A - -: ' . $error], $results[$key]['lines']);
            $this->assertSame([], $results[$key]['unmatched']);
        }
    }

    public function testResyncManyOfNothing(): void
    {
        $this->assertSame([], $this->sync()->resyncMany([]));
    }

    // --------------------------------------------------------------- on_progress

    public function testOnProgressIsCalledOncePerOperationWithItAndItsLine(): void
    {
        $calls = [];
        $sync = $this->sync(null, ['on_progress' => function (array $op) use (&$calls): void {
            $calls[] = $op;
        }]);
        $result = $sync->create(Fixtures::vm(5551, ['bogus', '192.0.2.7', '2001:db8::7', '198.51.100.9']));
        $this->assertFailedResult($result, 'create', 5551, Fixtures::FQDN, 6);
        $this->assertCount(6, $calls);

        // Each call gets the result's operation plus its cron line and VM.
        $expected = [];
        foreach ($result['operations'] as $i => $op) {
            $expected[] = json_encode($op + ['line' => $result['lines'][$i], 'vm' => 5551]);
        }
        $got = array_map('json_encode', $calls);
        sort($expected);
        sort($got);
        $this->assertSame($expected, $got);
        // Input errors are reported before any provider is contacted.
        $this->assertSame($result['operations'][0] + ['line' => $result['lines'][0], 'vm' => 5551], $calls[0]);
    }

    public function testOnProgressReportsAMalformedVmOfResyncMany(): void
    {
        $lines = [];
        $sync = $this->sync(null, ['on_progress' => function (array $op) use (&$lines): void {
            $lines[] = $op['line'];
        }]);
        $results = $sync->resyncMany([['id' => 1]]);
        $this->seen[] = $results;
        $this->assertSame($results[1]['lines'], $lines);
        $this->assertSame(
            'fwd ERR create A - -: VM 1: name is required; domain is required; ips is required (a list of addresses; [] for none)',
            $lines[0],
        );
    }

    public function testOnProgressInResyncManySeesTheOperationsOfEveryVm(): void
    {
        $vms = [];
        $sync = $this->sync(null, ['on_progress' => function (array $op) use (&$vms): void {
            $vms[] = $op['vm'];
        }]);
        $results = $sync->resyncMany([
            Fixtures::vm(1, ['192.0.2.7']),
            ['id' => 'broken'],
            Fixtures::vm(2, ['192.0.2.8', '2001:db8::8'], ['name' => 'two']),
        ]);
        $this->seen[] = $results;
        // Each payload names its VM: the malformed one first, then as they end.
        $this->assertSame('broken', $vms[0]);
        sort($vms);
        $this->assertSame([1, 1, 2, 2, 2, 2, 'broken'], $vms);
        $this->assertCount(2, $results[1]['operations']);
        $this->assertCount(4, $results[2]['operations']);
    }

    public function testAnExceptionFromOnProgressReachesTheCaller(): void
    {
        $sync = $this->sync(null, ['on_progress' => function (): void {
            throw new \RuntimeException('progress failed');
        }]);
        $this->expectException(\RuntimeException::class);
        $this->expectExceptionMessage('progress failed');
        $sync->create(Fixtures::vm());
    }

    public function testAfterOnProgressThrewTheSameObjectStillWorks(): void
    {
        $calls = 0;
        $sync = $this->sync(null, ['on_progress' => function () use (&$calls): void {
            $calls++;
            if ($calls === 1) {
                throw new \LogicException('first call fails');
            }
        }]);
        $caught = null;
        try {
            $sync->create(Fixtures::vm(5551, ['192.0.2.7', '2001:db8::7']));
        } catch (\LogicException $e) {
            $caught = $e;
        }
        $this->assertInstanceOf(\LogicException::class, $caught);
        $this->assertSame('first call fails', $caught->getMessage());
        // A callback that threw is not called again during that run.
        $this->assertSame(1, $calls);

        $result = $sync->resync(Fixtures::vm(5551, ['192.0.2.7', '2001:db8::7']));
        $this->assertFailedResult($result, 'resync', 5551, Fixtures::FQDN, 4);
        $this->assertSame(1 + 4, $calls);
    }

    public function testCallingPuqDnsFromOnProgressThrows(): void
    {
        $sync = null;
        $sync = $this->sync(null, ['on_progress' => function () use (&$sync): void {
            $sync->create(['id' => 1, 'fqdn' => 'x.puqcloud.com', 'ips' => []]);
        }]);
        $this->expectException(DnsException::class);
        $this->expectExceptionMessage('puq_dns cannot be called from inside an on_progress callback');
        $sync->create(Fixtures::vm());
    }

    public function testNestedCallErrorIsADnsExceptionAndTheObjectStillWorksAfter(): void
    {
        $calls = 0;
        $sync = $this->sync(null, ['on_progress' => function () use (&$calls): void {
            if (++$calls === 1) {
                // Any puq_dns call, not only the same object's.
                \PuqDns\DnsZoneManager::testZone(Fixtures::powerdns(1, 'example.com'));
            }
        }]);
        $caught = null;
        try {
            $sync->create(Fixtures::vm());
        } catch (DnsException $e) {
            $caught = $e;
        }
        $this->assertInstanceOf(DnsException::class, $caught);
        $this->assertSame(DnsException::class, get_class($caught));
        $this->assertSame('puq_dns cannot be called from inside an on_progress callback', $caught->getMessage());
        // Outside the callback the same object works again, callback included.
        $this->assertFailedResult($sync->create(Fixtures::vm()), 'create', 5551, Fixtures::FQDN, 4);
        $this->assertSame(1 + 4, $calls);
    }

    // -------------------------------------------------------------------- secrets

    public function testNoSecretInAnyResultOrMessage(): void
    {
        $sync = $this->sync();
        $vm = Fixtures::vm(5551, ['192.0.2.7', '2001:db8::7', 'bogus']);
        $this->seen[] = $sync->create($vm);
        $this->seen[] = $sync->delete($vm);
        $this->seen[] = $sync->resync($vm);
        $this->seen[] = $sync->update($vm, Fixtures::vm(5551, ['192.0.2.8']));
        $this->seen[] = $sync->plan('resync', $vm);
        $this->seen[] = $sync->resyncMany([$vm, ['id' => 2]]);
        $this->configError(fn () => $sync->create(['id' => 1]));
        $this->configError(fn () => new DnsSync([Fixtures::cloudflare(1, 'x.com', ['api_token' => Fixtures::CF_TOKEN . ' x'])]));
        $this->configError(fn () => new DnsSync([Fixtures::hestiacp(1, 'x.com', ['admin_password' => Fixtures::HESTIA_PASSWORD . "\x01"])]));
        $this->configError(fn () => new DnsSync([Fixtures::powerdns(1, 'x.com', ['server_url' => 'http://u:' . Fixtures::PDNS_KEY . '@127.0.0.1:1'])]));

        $this->assertCount(10, $this->seen);
        $json = json_encode($this->seen, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
        $this->assertIsString($json);
        foreach (Fixtures::SECRETS as $secret) {
            $this->assertStringNotContainsString($secret, $json);
        }
        // The failures are reported, just without the credentials.
        $this->assertStringContainsString('"status":"error"', $json);
    }
}
