<?php

declare(strict_types=1);

namespace PuqDns\Tests;

use PHPUnit\Framework\TestCase;
use PuqDns\DnsSync;
use PuqDns\DnsZoneManager;

require_once __DIR__ . '/CloudflareServer.php';
require_once __DIR__ . '/SeenSecrets.php';

/**
 * DnsSync and DnsZoneManager as the module calls them, against Cloudflare
 * zones on the fake Cloudflare API (tests/fakes/cloudflare.py), one fake per
 * test; records and request counts are read back through its control API.
 */
final class CloudflareSyncTest extends TestCase
{
    use SeenSecrets;

    private const FQDN = '5551-1776530141.puqcloud.com';
    private const FWD = 'puqcloud.com';
    private const REV4 = '2.0.192.in-addr.arpa';
    private const REV6 = '8.b.d.0.1.0.0.2.ip6.arpa';
    private const WRONG_TOKEN = 'cfWrong_K2p8_SeCrEt_6620';

    private const LIST = 'GET /zones/{id}/dns_records';
    private const BATCH = 'POST /zones/{id}/dns_records/batch';

    private CloudflareServer $cf;
    /** @var array{fwd: string, rev4: string, rev6: string} zone ids on the fake */
    private array $ids;

    protected function setUp(): void
    {
        $this->cf = new CloudflareServer(Fixtures::CF_TOKEN);
        $this->ids = [
            'fwd' => $this->cf->createZone(self::FWD),
            'rev4' => $this->cf->createZone(self::REV4),
            'rev6' => $this->cf->createZone(self::REV6),
        ];
    }

    protected function tearDown(): void
    {
        if (isset($this->cf)) {
            $this->cf->stop();
        }
        $this->assertNoSecretSeen([Fixtures::CF_TOKEN, self::WRONG_TOKEN]);
    }

    /** The three zone rows: forward with a TTL of its own, both reverse zones with the default. */
    private function zones(): array
    {
        return [
            $this->cf->row(1, self::FWD, $this->ids['fwd'], ['ttl' => 300]),
            $this->cf->row('2', self::REV4, $this->ids['rev4']),
            $this->cf->row(3, self::REV6, $this->ids['rev6']),
        ];
    }

    private function vm(array $ips, int|string $id = 5551, string $name = '5551-1776530141'): array
    {
        return ['id' => $id, 'name' => $name, 'domain' => 'puqcloud.com', 'ips' => $ips];
    }

    /** Runs a DnsSync method and keeps its result for the token check. */
    /** The operation as API.md shapes it, status ok. */
    private static function op(string $kind, string $op, int|string $zoneId, string $zone, string $name, string $rrtype, string $content, int $ttl): array
    {
        return [
            'kind' => $kind, 'op' => $op, 'status' => 'ok', 'zone_id' => $zoneId, 'zone' => $zone,
            'type' => 'cloudflare', 'name' => $name, 'rrtype' => $rrtype, 'content' => $content,
            'ttl' => $ttl, 'error' => null,
        ];
    }

    private static function rec(string $type, string $name, string $content, int $ttl): array
    {
        return ['type' => $type, 'name' => $name, 'content' => $content, 'ttl' => $ttl, 'proxied' => false];
    }

    private static function ptr6(string $ip): string
    {
        return DnsZoneManager::reverseName($ip);
    }

    public function testTheHeartbeatBeatsWhileACallWaitsOnAProvider(): void
    {
        $beats = 0;
        // The forward zone's read is held: no operation ends meanwhile.
        $this->cf->hold(self::LIST);
        $beatsWhenHeld = null;
        $sync = new DnsSync($this->zones(), ['heartbeat_interval' => 0.1, 'heartbeat' => function () use (&$beats, &$beatsWhenHeld): void {
            $beats++;
            // Still held after five beats: let it go, and remember how many there were.
            if ($beats === 5) {
                $beatsWhenHeld = $this->cf->control('GET', '/held')['waiting'];
                $this->cf->release();
            }
        }]);
        $result = $this->seen($sync->create($this->vm(['192.0.2.7'])));

        $this->assertTrue($result['ok'], json_encode($result['errors']));
        $this->assertSame(1, $beatsWhenHeld, 'the beats came while the read was held');
        $this->assertGreaterThanOrEqual(5, $beats);
        $this->assertSame([self::rec('A', self::FQDN, '192.0.2.7', 300)], $this->cf->records($this->ids['fwd'], self::FQDN));
    }

    public function testAHeartbeatThatThrowsIsNotCalledAgainAndTheSyncFinishes(): void
    {
        $beats = 0;
        $this->cf->faults(['latency_ms' => 400]);
        $sync = new DnsSync($this->zones(), ['heartbeat_interval' => 0.1, 'heartbeat' => function () use (&$beats): void {
            $beats++;
            throw new \RuntimeException('lease lost');
        }]);
        try {
            $sync->create($this->vm(['192.0.2.7']));
            $this->fail('the heartbeat exception reaches the caller');
        } catch (\RuntimeException $e) {
            $this->assertSame('lease lost', $e->getMessage());
        }
        $this->assertSame(1, $beats);
        $this->assertSame([self::rec('A', self::FQDN, '192.0.2.7', 300)], $this->cf->records($this->ids['fwd'], self::FQDN), 'the sync still finished');
    }

    public function testCreateWritesAAaaaAndPtrInEveryMatchingZone(): void
    {
        $lines = [];
        $sync = new DnsSync($this->zones(), ['on_progress' => function (array $op) use (&$lines): void {
            $lines[] = $op['line'];
        }]);
        $ptr6 = self::ptr6('2001:db8::7');
        $this->assertSame('7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa', $ptr6);
        $result = $this->seen($sync->create($this->vm([
            '192.0.2.7',
            '2001:db8::7',
            ['ip' => '192.0.2.8', 'reverse' => 'mail.example.com'],
        ])));

        $this->assertSame(['ok', 'action', 'vm', 'fqdn', 'operations', 'errors', 'unmatched', 'counts', 'lines', 'stats'], array_keys($result));
        $this->assertTrue($result['ok'], json_encode($result['errors']));
        $this->assertSame('create', $result['action']);
        $this->assertSame(5551, $result['vm']);
        $this->assertSame(self::FQDN, $result['fqdn']);
        $this->assertSame([], $result['errors']);
        $this->assertSame([], $result['unmatched']);
        $this->assertSame(['created' => 6, 'deleted' => 0, 'unchanged' => 0, 'failed' => 0], $result['counts']);
        $this->assertSame([
            self::op('fwd', 'create', 1, self::FWD, self::FQDN, 'A', '192.0.2.7', 300),
            self::op('fwd', 'create', 1, self::FWD, self::FQDN, 'A', '192.0.2.8', 300),
            self::op('fwd', 'create', 1, self::FWD, self::FQDN, 'AAAA', '2001:db8::7', 300),
            self::op('rev', 'create', '2', self::REV4, '7.2.0.192.in-addr.arpa', 'PTR', self::FQDN, 3600),
            self::op('rev', 'create', '2', self::REV4, '8.2.0.192.in-addr.arpa', 'PTR', 'mail.example.com', 3600),
            self::op('rev', 'create', 3, self::REV6, $ptr6, 'PTR', self::FQDN, 3600),
        ], array_map([self::class, 'fixed'], $result['operations']));
        foreach ($result['operations'] as $op) {
            // One read and one write.
            $this->assertSame(2, $op['attempts']);
            $this->assertIsInt($op['ms']);
        }
        $this->assertSame([
            'fwd OK create A 5551-1776530141.puqcloud.com 192.0.2.7 zone puqcloud.com (#1, cloudflare)',
            'fwd OK create A 5551-1776530141.puqcloud.com 192.0.2.8 zone puqcloud.com (#1, cloudflare)',
            'fwd OK create AAAA 5551-1776530141.puqcloud.com 2001:db8::7 zone puqcloud.com (#1, cloudflare)',
            'rev OK create PTR 7.2.0.192.in-addr.arpa 5551-1776530141.puqcloud.com zone 2.0.192.in-addr.arpa (#2, cloudflare)',
            'rev OK create PTR 8.2.0.192.in-addr.arpa mail.example.com zone 2.0.192.in-addr.arpa (#2, cloudflare)',
            "rev OK create PTR $ptr6 5551-1776530141.puqcloud.com zone 8.b.d.0.1.0.0.2.ip6.arpa (#3, cloudflare)",
        ], $result['lines']);
        $this->assertEqualsCanonicalizing($result['lines'], $lines);

        // Read back: A/AAAA at the FQDN, not proxied, with the forward zone's TTL.
        $this->assertSame([
            self::rec('A', self::FQDN, '192.0.2.7', 300),
            self::rec('A', self::FQDN, '192.0.2.8', 300),
            self::rec('AAAA', self::FQDN, '2001:db8::7', 300),
        ], $this->cf->records($this->ids['fwd']));
        $this->assertSame([
            self::rec('PTR', '7.2.0.192.in-addr.arpa', self::FQDN, 3600),
            self::rec('PTR', '8.2.0.192.in-addr.arpa', 'mail.example.com', 3600),
        ], $this->cf->records($this->ids['rev4']));
        $this->assertSame([self::rec('PTR', $ptr6, self::FQDN, 3600)], $this->cf->records($this->ids['rev6']));

        // One filtered listing per name, one batch per zone; `proxied: false` sent for A/AAAA only.
        $stats = $this->cf->stats();
        $this->assertSame([self::LIST => 4, self::BATCH => 3], $stats['by_route']);
        $posts = array_merge(...array_map(fn ($b) => $b['posts'], $stats['batches']));
        foreach ($posts as &$post) {
            ksort($post);
        }
        unset($post);
        usort($posts, fn ($a, $b) => [$a['name'], $a['type'], $a['content']] <=> [$b['name'], $b['type'], $b['content']]);
        $this->assertSame([
            ['content' => '192.0.2.7', 'name' => self::FQDN, 'proxied' => false, 'ttl' => 300, 'type' => 'A'],
            ['content' => '192.0.2.8', 'name' => self::FQDN, 'proxied' => false, 'ttl' => 300, 'type' => 'A'],
            ['content' => '2001:db8::7', 'name' => self::FQDN, 'proxied' => false, 'ttl' => 300, 'type' => 'AAAA'],
            ['content' => self::FQDN, 'name' => $ptr6, 'ttl' => 3600, 'type' => 'PTR'],
            ['content' => self::FQDN, 'name' => '7.2.0.192.in-addr.arpa', 'ttl' => 3600, 'type' => 'PTR'],
            ['content' => 'mail.example.com', 'name' => '8.2.0.192.in-addr.arpa', 'ttl' => 3600, 'type' => 'PTR'],
        ], $posts);
        foreach ($stats['batches'] as $batch) {
            $this->assertSame([], $batch['deletes']);
        }
    }

    public function testResyncConvergesThenASecondResyncKeepsEverythingAndWritesNothing(): void
    {
        $fwd = $this->ids['fwd'];
        $rev4 = $this->ids['rev4'];
        $this->cf->seed($fwd, 'A', self::FQDN, '198.51.100.9');
        $this->cf->seed($fwd, 'A', self::FQDN, '192.0.2.7', 300);
        $this->cf->seed($fwd, 'TXT', self::FQDN, 'keep me');
        $this->cf->seed($fwd, 'A', 'other.puqcloud.com', '192.0.2.77');
        $this->cf->seed($rev4, 'PTR', '7.2.0.192.in-addr.arpa', 'previous.example.net');
        $this->cf->seed($rev4, 'PTR', '9.2.0.192.in-addr.arpa', 'neighbour.example.net');
        $sync = new DnsSync($this->zones());
        $vm = $this->vm(['192.0.2.7', '2001:db8::7']);

        $first = $this->seen($sync->resync($vm));
        $this->assertTrue($first['ok'], json_encode($first['errors']));
        $this->assertSame('resync', $first['action']);
        $this->assertSame(['created' => 3, 'deleted' => 2, 'unchanged' => 1, 'failed' => 0], $first['counts']);
        $this->assertSame([
            ['fwd', 'keep', self::FQDN, 'A', '192.0.2.7'],
            ['fwd', 'delete', self::FQDN, 'A', '198.51.100.9'],
            ['fwd', 'create', self::FQDN, 'AAAA', '2001:db8::7'],
            ['rev', 'create', '7.2.0.192.in-addr.arpa', 'PTR', self::FQDN],
            ['rev', 'delete', '7.2.0.192.in-addr.arpa', 'PTR', 'previous.example.net'],
            ['rev', 'create', self::ptr6('2001:db8::7'), 'PTR', self::FQDN],
        ], array_map(fn ($op) => [$op['kind'], $op['op'], $op['name'], $op['rrtype'], $op['content']], $first['operations']));
        $this->assertSame(['A 192.0.2.7', 'AAAA 2001:db8::7', 'TXT keep me'], $this->cf->get($fwd, self::FQDN));
        $this->assertSame(['A 192.0.2.77'], $this->cf->get($fwd, 'other.puqcloud.com'));
        $this->assertSame(['PTR ' . self::FQDN], $this->cf->get($rev4, '7.2.0.192.in-addr.arpa'));
        $this->assertSame(['PTR neighbour.example.net'], $this->cf->get($rev4, '9.2.0.192.in-addr.arpa'));

        $this->cf->resetStats();
        $second = $this->seen($sync->resync($vm));
        $this->assertTrue($second['ok'], json_encode($second['errors']));
        $this->assertSame(['created' => 0, 'deleted' => 0, 'unchanged' => 4, 'failed' => 0], $second['counts']);
        $this->assertSame(['keep', 'keep', 'keep', 'keep'], array_column($second['operations'], 'op'));
        $this->assertSame(['ok', 'ok', 'ok', 'ok'], array_column($second['operations'], 'status'));
        $this->assertSame(1, $second['operations'][0]['attempts']);
        $this->assertStringStartsWith('fwd OK keep A ' . self::FQDN . ' 192.0.2.7 zone puqcloud.com (#1, cloudflare)', $second['lines'][0]);
        // Three names read, nothing written.
        $stats = $this->cf->stats();
        $this->assertSame([self::LIST => 3], $stats['by_route']);
        $this->assertSame([], $stats['batches']);

        $third = $this->seen($sync->resync($vm));
        $this->assertSame($second['counts'], $third['counts']);
        $this->assertSame([self::LIST => 6], $this->cf->stats()['by_route']);
    }

    public function testDeleteRemovesTheVmsRecordsOnly(): void
    {
        $fwd = $this->ids['fwd'];
        $rev4 = $this->ids['rev4'];
        $sync = new DnsSync($this->zones());
        $vm = $this->vm(['192.0.2.7', '192.0.2.8', '2001:db8::7']);
        $this->assertTrue($this->seen($sync->create($vm))['ok']);
        $this->cf->seed($fwd, 'TXT', self::FQDN, 'keep me');
        // 192.0.2.8 was given to someone else in the meantime.
        $this->cf->seed($rev4, 'PTR', '8.2.0.192.in-addr.arpa', 'someone-else.example.net');
        $this->cf->resetStats();

        $delete = $this->seen($sync->delete($vm));
        $this->assertTrue($delete['ok'], json_encode($delete['errors']));
        $this->assertSame('delete', $delete['action']);
        // A, A, AAAA, the two PTRs at the VM's IPv4 names and the IPv6 PTR.
        $this->assertSame(['created' => 0, 'deleted' => 6, 'unchanged' => 0, 'failed' => 0], $delete['counts']);
        $this->assertSame(['delete'], array_values(array_unique(array_column($delete['operations'], 'op'))));
        $this->assertSame([self::rec('TXT', self::FQDN, 'keep me', 1)], $this->cf->records($fwd));
        $this->assertSame([
            self::rec('PTR', '8.2.0.192.in-addr.arpa', 'someone-else.example.net', 1),
        ], $this->cf->records($rev4));
        $this->assertSame([], $this->cf->records($this->ids['rev6']));
        $stats = $this->cf->stats();
        $this->assertSame(3, $stats['by_route'][self::BATCH]);
        $this->assertSame([], array_merge(...array_map(fn ($b) => $b['posts'], $stats['batches'])));
    }

    public function testPlanReadsButWritesNothing(): void
    {
        $sync = new DnsSync($this->zones());
        $vm = $this->vm(['192.0.2.7', '2001:db8::7']);
        $this->cf->seed($this->ids['fwd'], 'A', self::FQDN, '198.51.100.9');

        $create = $this->seen($sync->plan('create', $vm));
        $this->assertSame('plan', $create['action']);
        $this->assertTrue($create['ok'], json_encode($create['errors']));
        $this->assertSame(['created' => 4, 'deleted' => 0, 'unchanged' => 0, 'failed' => 0], $create['counts']);
        $resync = $this->seen($sync->plan('resync', $vm));
        $this->assertSame(['created' => 4, 'deleted' => 1, 'unchanged' => 0, 'failed' => 0], $resync['counts']);
        $delete = $this->seen($sync->plan('delete', $vm));
        $this->assertSame(['created' => 0, 'deleted' => 1, 'unchanged' => 0, 'failed' => 0], $delete['counts']);
        $this->assertSame(
            ['fwd', 'delete', 'ok', 1, 'puqcloud.com', 'cloudflare', self::FQDN, 'A', '198.51.100.9', 300, null],
            array_values(self::fixed($delete['operations'][0])),
        );

        $this->assertSame([self::LIST => 9], $this->cf->stats()['by_route'], 'three reads each, no write');
        $this->assertSame(['A 198.51.100.9'], $this->cf->get($this->ids['fwd'], self::FQDN));
        $this->assertSame([], $this->cf->records($this->ids['rev4']));
        $this->assertSame([], $this->cf->records($this->ids['rev6']));
    }

    public function testUpdateRemovesWhatTheNewVmNoLongerHas(): void
    {
        $fwd = $this->ids['fwd'];
        $rev4 = $this->ids['rev4'];
        $sync = new DnsSync($this->zones());
        $old = $this->vm(['192.0.2.7', '192.0.2.8', '2001:db8::7']);
        $new = $this->vm(['192.0.2.7', '192.0.2.9']);
        $this->assertTrue($this->seen($sync->create($old))['ok']);

        $update = $this->seen($sync->update($old, $new));
        $this->assertTrue($update['ok'], json_encode($update['errors']));
        $this->assertSame('update', $update['action']);
        $this->assertSame(5551, $update['vm']);
        // Kept: A and PTR of .7; created: A and PTR of .9; deleted: A and PTR of .8, AAAA and PTR of ::7.
        $this->assertSame(['created' => 2, 'deleted' => 4, 'unchanged' => 2, 'failed' => 0], $update['counts']);
        $this->assertSame(['A 192.0.2.7', 'A 192.0.2.9'], $this->cf->get($fwd, self::FQDN));
        $this->assertSame(['PTR ' . self::FQDN], $this->cf->get($rev4, '7.2.0.192.in-addr.arpa'));
        $this->assertSame([], $this->cf->get($rev4, '8.2.0.192.in-addr.arpa'));
        $this->assertSame(['PTR ' . self::FQDN], $this->cf->get($rev4, '9.2.0.192.in-addr.arpa'));
        $this->assertSame([], $this->cf->records($this->ids['rev6']));
    }

    public function testResyncManyMergesTheWritesOfAllVmsIntoOneBatchPerZone(): void
    {
        $fwd = $this->ids['fwd'];
        $rev4 = $this->ids['rev4'];
        $vms = [];
        for ($i = 10; $i < 30; $i++) {
            $vms[] = $this->vm(["192.0.2.$i"], "vm-$i", "vm$i");
        }
        $vms[] = ['id' => 'broken', 'ips' => 'nope'];
        // vm12 had a stale address: its delete goes into the same batch.
        $this->cf->seed($fwd, 'A', 'vm12.puqcloud.com', '198.51.100.12');
        $this->cf->resetStats();

        $results = (new DnsSync($this->zones()))->resyncMany($vms);
        $this->seen[] = $results;
        $ids = array_map(fn ($i) => "vm-$i", range(10, 29));
        $this->assertSame([...$ids, 'broken'], array_keys($results));
        foreach ($ids as $id) {
            $this->assertTrue($results[$id]['ok'], json_encode($results[$id]['errors']));
            $this->assertSame('resync', $results[$id]['action']);
            $this->assertSame($id, $results[$id]['vm']);
        }
        $this->assertSame(['created' => 2, 'deleted' => 1, 'unchanged' => 0, 'failed' => 0], $results['vm-12']['counts']);
        $this->assertSame(['created' => 2, 'deleted' => 0, 'unchanged' => 0, 'failed' => 0], $results['vm-29']['counts']);
        $this->assertFalse($results['broken']['ok']);
        $this->assertSame(1, $results['broken']['counts']['failed']);

        // 20 names per zone would be 3 rounds of listings by name: each
        // zone is listed whole in one page instead, then written in one batch.
        $stats = $this->cf->stats();
        $this->assertSame([self::LIST => 2, self::BATCH => 2], $stats['by_route'], 'one listing and one batch per zone for 20 VMs');
        $this->assertSame(['5000000', '5000000'], array_column($stats['lists'], 'per_page'));
        $this->assertSame(
            [['zone', 1, 1], ['zone', 1, 1]],
            array_map(static fn (array $z): array => [$z['read'], $z['read_requests'], $z['write_requests']], $results['vm-12']['stats']),
        );
        $shapes = array_map(fn ($b) => [count($b['deletes']), count($b['posts'])], $stats['batches']);
        sort($shapes);
        $this->assertSame([[0, 20], [1, 20]], $shapes);

        for ($i = 10; $i < 30; $i++) {
            $this->assertSame(["A 192.0.2.$i"], $this->cf->get($fwd, "vm$i.puqcloud.com"));
            $this->assertSame(["PTR vm$i.puqcloud.com"], $this->cf->get($rev4, "$i.2.0.192.in-addr.arpa"));
        }
    }

    public function testResyncManyIsolatesARecordCloudflareRefuses(): void
    {
        $fwd = $this->ids['fwd'];
        // A CNAME at vm2's name: Cloudflare refuses an A there, and with it the whole batch.
        $this->cf->seed($fwd, 'CNAME', 'vm2.puqcloud.com', 'elsewhere.example.net');
        $vms = [];
        foreach ([1, 2, 3] as $i) {
            $vms[] = $this->vm(["192.0.2.$i"], "vm-$i", "vm$i");
        }
        $results = (new DnsSync($this->zones()))->resyncMany($vms);
        $this->seen[] = $results;

        $this->assertTrue($results['vm-1']['ok']);
        $this->assertTrue($results['vm-3']['ok']);
        $this->assertFalse($results['vm-2']['ok']);
        $this->assertSame(['created' => 1, 'deleted' => 0, 'unchanged' => 0, 'failed' => 1], $results['vm-2']['counts']);
        $this->assertCount(1, $results['vm-2']['errors']);
        $error = $results['vm-2']['errors'][0];
        $this->assertSame(['fwd', 'create', 'error', 'vm2.puqcloud.com', 'A', '192.0.2.2'], [
            $error['kind'], $error['op'], $error['status'], $error['name'], $error['rrtype'], $error['content'],
        ]);
        $this->assertMatchesRegularExpression('/^HTTP 400: 8105[34] /', $error['error']);
        $this->assertStringStartsWith('fwd ERR create A vm2.puqcloud.com 192.0.2.2 zone puqcloud.com (#1, cloudflare): HTTP 400: 8105', $results['vm-2']['lines'][0]);
        $this->assertSame(['A 192.0.2.1'], $this->cf->get($fwd, 'vm1.puqcloud.com'));
        $this->assertSame(['CNAME elsewhere.example.net'], $this->cf->get($fwd, 'vm2.puqcloud.com'));
        $this->assertSame(['A 192.0.2.3'], $this->cf->get($fwd, 'vm3.puqcloud.com'));
        $this->assertSame(['PTR vm2.puqcloud.com'], $this->cf->get($this->ids['rev4'], '2.2.0.192.in-addr.arpa'));
    }

    public function testZoneTestReportsCloudflaresVerdict(): void
    {
        $example = $this->cf->createZone('example.org');
        $manager = new DnsZoneManager([
            ...$this->zones(),
            $this->cf->row(4, 'example.com', $example),
            $this->cf->row('5', self::FWD, $this->ids['fwd'], ['api_token' => self::WRONG_TOKEN]),
        ]);

        $ok = $this->seen($manager->test(1));
        $this->assertSame(['ok', 'id', 'zone', 'type', 'message', 'ms'], array_keys($ok));
        $this->assertSame(
            ['ok' => true, 'id' => 1, 'zone' => self::FWD, 'type' => 'cloudflare', 'message' => 'zone puqcloud.com found on Cloudflare (active)'],
            array_diff_key($ok, ['ms' => 0]),
        );
        $this->assertIsInt($ok['ms']);
        $this->assertSame('zone 8.b.d.0.1.0.0.2.ip6.arpa found on Cloudflare (active)', $this->seen($manager->test(3))['message']);

        $this->assertSame(
            ['ok' => false, 'id' => 4, 'zone' => 'example.com', 'type' => 'cloudflare', 'message' => "zone id $example is example.org, not example.com"],
            array_diff_key($this->seen($manager->test(4)), ['ms' => 0]),
        );
        $this->assertSame(
            ['ok' => false, 'id' => '5', 'zone' => self::FWD, 'type' => 'cloudflare', 'message' => 'HTTP 403: 9109 Invalid access token'],
            array_diff_key($this->seen($manager->test(5)), ['ms' => 0]),
        );

        // An unsaved row, as the zones page tests it before saving.
        $unsaved = $this->seen(DnsZoneManager::testZone($this->cf->row('new', 'PuqCloud.COM.', $this->ids['fwd'])));
        $this->assertTrue($unsaved['ok']);
        $this->assertSame(['new', 'puqcloud.com'], [$unsaved['id'], $unsaved['zone']]);
        $missing = $this->seen(DnsZoneManager::testZone($this->cf->row(9, 'gone.example', str_repeat('0', 32))));
        $this->assertFalse($missing['ok']);
        $this->assertSame(
            'HTTP 404: 7003 Could not route to /zones/00000000000000000000000000000000, perhaps your object identifier is invalid?',
            $missing['message'],
        );

        // Each test is one zone read.
        $this->assertSame(['GET /zones/{id}' => 6], $this->cf->stats()['by_route']);
    }

    public function testAWrongTokenFailsItsZoneOnlyAndNeverAppears(): void
    {
        $fwd = $this->ids['fwd'];
        $zones = $this->zones();
        $zones[1]['api_token'] = self::WRONG_TOKEN;
        $lines = [];
        $sync = new DnsSync($zones, ['on_progress' => function (array $op) use (&$lines): void {
            $lines[] = $op;
        }]);
        $result = $this->seen($sync->create($this->vm(['192.0.2.7', '2001:db8::7'])));
        $this->seen[] = $lines;

        $this->assertFalse($result['ok']);
        $this->assertSame(['created' => 3, 'deleted' => 0, 'unchanged' => 0, 'failed' => 1], $result['counts']);
        $this->assertSame([
            'kind' => 'rev', 'op' => 'create', 'status' => 'error', 'zone_id' => '2', 'zone' => self::REV4,
            'type' => 'cloudflare', 'name' => '7.2.0.192.in-addr.arpa', 'rrtype' => 'PTR', 'content' => self::FQDN,
            'ttl' => 3600, 'error' => 'HTTP 403: 9109 Invalid access token',
        ], self::fixed($result['errors'][0]));
        $this->assertSame($result['errors'], array_values(array_filter($result['operations'], fn ($op) => $op['status'] === 'error')));
        $this->assertSame(
            'rev ERR create PTR 7.2.0.192.in-addr.arpa 5551-1776530141.puqcloud.com zone 2.0.192.in-addr.arpa (#2, cloudflare): HTTP 403: 9109 Invalid access token',
            $result['lines'][2],
        );
        $this->assertCount(4, $lines);

        // The healthy zones are written all the same.
        $this->assertSame(['A 192.0.2.7', 'AAAA 2001:db8::7'], $this->cf->get($fwd, self::FQDN));
        $this->assertSame(['PTR ' . self::FQDN], $this->cf->get($this->ids['rev6'], self::ptr6('2001:db8::7')));
        $this->assertSame([], $this->cf->records($this->ids['rev4']));

        // Neither token is anywhere in the result or in what on_progress saw.
        foreach ([json_encode($result), json_encode($lines), implode("\n", $result['lines'])] as $text) {
            $this->assertStringNotContainsString(self::WRONG_TOKEN, $text);
            $this->assertStringNotContainsString(Fixtures::CF_TOKEN, $text);
        }
    }

    public function testNoTokenInListMaskOrErrors(): void
    {
        $zones = $this->zones();
        $manager = new DnsZoneManager($zones);
        $listed = $manager->list();
        $this->seen[] = $listed;
        $this->assertSame([
            'id' => 1,
            'zone' => self::FWD,
            'type' => 'cloudflare',
            'account_id' => '0123456789abcdef0123456789abcdef',
            'zone_id' => $this->ids['fwd'],
            'api_token' => DnsZoneManager::KEEP,
            'api_url' => $this->cf->apiUrl,
            'ttl' => 300,
            'verify_tls' => true,
            'ca_cert' => null,
            'kind' => 'forward',
            'range' => null,
        ], $listed[0]);
        $this->assertSame(['forward', 'reverse4', 'reverse6'], array_column($listed, 'kind'));
        $this->assertSame([null, '192.0.2.0/24', '2001:db8::/32'], array_column($listed, 'range'));
        $this->assertSame([DnsZoneManager::KEEP, DnsZoneManager::KEEP, DnsZoneManager::KEEP], array_column($listed, 'api_token'));

        $masked = DnsZoneManager::mask($zones[0]);
        $this->seen[] = $masked;
        $this->assertSame(array_replace($zones[0], ['api_token' => DnsZoneManager::KEEP]), $masked);
        // The masked row comes back from the edit form: merge() restores the token and it still works.
        $merged = DnsZoneManager::merge($zones[0], $masked);
        $this->assertSame(Fixtures::CF_TOKEN, $merged['api_token']);
        $this->assertTrue($this->seen(DnsZoneManager::testZone($merged))['ok']);

        // Errors of every kind: refused token, failing server, zone id of another zone.
        $this->cf->faults(['fail_next' => ['count' => 20, 'status' => 502, 'body' => 'html']]);
        $failed = $this->seen((new DnsSync($zones, ['retries' => 1]))->create($this->vm(['192.0.2.7'])));
        $this->assertFalse($failed['ok']);
        $this->assertSame(['created' => 0, 'deleted' => 0, 'unchanged' => 0, 'failed' => 2], $failed['counts']);
        $this->assertSame([2, 2], array_column($failed['errors'], 'attempts'));
        $this->assertStringStartsWith('HTTP 502: ', $failed['errors'][0]['error']);
        $this->cf->faults(['reset' => true]);
        $wrong = [$zones[0], ['api_token' => self::WRONG_TOKEN] + $zones[1]];
        $this->seen((new DnsSync($wrong))->resync($this->vm(['192.0.2.7'])));
        $this->seen(DnsZoneManager::testZone(['zone_id' => $this->ids['rev4']] + $zones[0]));
        // tearDown checks everything seen here for either token.
    }
}
