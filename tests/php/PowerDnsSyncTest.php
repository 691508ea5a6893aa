<?php

declare(strict_types=1);

namespace PuqDns\Tests;

use PHPUnit\Framework\TestCase;
use PuqDns\DnsSync;
use PuqDns\DnsZoneManager;

require_once __DIR__ . '/PowerDnsServer.php';

/**
 * DnsSync and DnsZoneManager::test() as the module calls them, against a
 * real PowerDNS server; outcomes are read back through the API and dig.
 */
final class PowerDnsSyncTest extends TestCase
{
    private const FQDN = '5551-1776530141.puqcloud.com';
    private const REV4 = '2.0.192.in-addr.arpa';
    private const REV6 = '8.b.d.0.1.0.0.2.ip6.arpa';

    private static PowerDnsServer $pdns;
    private static int $zoneCounter = 0;

    public static function setUpBeforeClass(): void
    {
        self::$pdns = new PowerDnsServer();
    }

    public static function tearDownAfterClass(): void
    {
        self::$pdns->stop();
    }

    /**
     * Fresh zones per test under a unique forward name, so tests share one
     * server without seeing each other's records.
     *
     * @return array{0: list<array>, 1: string} zone rows and the VM's domain
     */
    private function zones(): array
    {
        $domain = 'puq' . ++self::$zoneCounter . '.example';
        $rev4 = self::$zoneCounter . '.0.192.in-addr.arpa';
        $rev6 = dechex(self::$zoneCounter % 16) . '.' . self::REV6;
        foreach ([$domain, $rev4, $rev6] as $zone) {
            self::$pdns->createZone($zone);
        }
        return [[
            self::$pdns->row(1, $domain),
            self::$pdns->row('2', $rev4),
            self::$pdns->row(3, $rev6),
        ], $domain];
    }

    private function vm(string $domain, array $ips, int $id = 5551): array
    {
        return ['id' => $id, 'name' => '5551-1776530141', 'domain' => $domain, 'ips' => $ips];
    }

    public function testCreateWritesEveryMatchingZoneAndReportsLiveProgress(): void
    {
        [$zones, $domain] = $this->zones();
        $n = self::$zoneCounter;
        $lines = [];
        $sync = new DnsSync($zones, ['on_progress' => function (array $op) use (&$lines): void {
            $lines[] = $op['line'];
        }]);
        $ip6 = '2001:db8:' . dechex($n % 16) . '000::7';
        $ptr6 = DnsZoneManager::reverseName($ip6);
        $fqdn = "5551-1776530141.$domain";
        $result = $sync->create($this->vm($domain, [
            "192.0.$n.7",
            $ip6,
            ['ip' => "192.0.$n.8", 'reverse' => 'mail.example.com'],
        ]));

        $this->assertTrue($result['ok'], json_encode($result['errors']));
        $this->assertSame('create', $result['action']);
        $this->assertSame(5551, $result['vm']);
        $this->assertSame($fqdn, $result['fqdn']);
        $this->assertSame(['created' => 6, 'deleted' => 0, 'unchanged' => 0, 'failed' => 0], $result['counts']);
        $this->assertSame([], $result['errors']);
        $this->assertSame([], $result['unmatched']);
        $this->assertCount(6, $lines);
        $this->assertEqualsCanonicalizing($result['lines'], $lines);
        $this->assertStringStartsWith("fwd OK create A $fqdn 192.0.$n.7 zone $domain (#1, powerdns)", $result['lines'][0]);

        $this->assertSame(["192.0.$n.7", "192.0.$n.8"], self::$pdns->dig($fqdn, 'A'));
        $this->assertSame([$ip6], self::$pdns->dig($fqdn, 'AAAA'));
        $this->assertSame(["$fqdn."], self::$pdns->dig("7.$n.0.192.in-addr.arpa", 'PTR'));
        $this->assertSame(['mail.example.com.'], self::$pdns->dig("8.$n.0.192.in-addr.arpa", 'PTR'));
        $this->assertSame(["$fqdn."], self::$pdns->dig($ptr6, 'PTR'));

        $rev = array_values(array_filter($result['operations'], fn ($op) => $op['kind'] === 'rev' && $op['zone_id'] === '2'));
        $this->assertSame([
            'kind' => 'rev', 'op' => 'create', 'status' => 'ok', 'zone_id' => '2',
            'zone' => "$n.0.192.in-addr.arpa", 'type' => 'powerdns', 'name' => "7.$n.0.192.in-addr.arpa",
            'rrtype' => 'PTR', 'content' => $fqdn, 'ttl' => 3600, 'error' => null,
        ], array_diff_key($rev[0], ['attempts' => 0, 'ms' => 0]));
        $this->assertGreaterThanOrEqual(1, $rev[0]['attempts']);
        $this->assertIsInt($rev[0]['ms']);
    }

    public function testResyncConvergesAndLeavesWhatIsRightUntouched(): void
    {
        [$zones, $domain] = $this->zones();
        $n = self::$zoneCounter;
        $fqdn = "5551-1776530141.$domain";
        self::$pdns->put($domain, $fqdn, 'A', ["192.0.$n.7", '198.51.100.9']);
        self::$pdns->put($domain, $fqdn, 'TXT', ['"keep me"']);
        self::$pdns->put("$n.0.192.in-addr.arpa", "7.$n.0.192.in-addr.arpa", 'PTR', ['previous.example.net.']);
        $sync = new DnsSync($zones);

        $first = $sync->resync($this->vm($domain, ["192.0.$n.7"]));
        $this->assertTrue($first['ok'], json_encode($first['errors']));
        $this->assertSame(['created' => 1, 'deleted' => 2, 'unchanged' => 1, 'failed' => 0], $first['counts']);
        $this->assertSame(["192.0.$n.7"], self::$pdns->dig($fqdn, 'A'));
        $this->assertSame(['"keep me"'], self::$pdns->get($domain, $fqdn, 'TXT'));
        $this->assertSame(["$fqdn."], self::$pdns->dig("7.$n.0.192.in-addr.arpa", 'PTR'));

        $second = $sync->resync($this->vm($domain, ["192.0.$n.7"]));
        $this->assertSame(['created' => 0, 'deleted' => 0, 'unchanged' => 2, 'failed' => 0], $second['counts']);
        $this->assertSame(['keep', 'keep'], array_column($second['operations'], 'op'));
    }

    public function testDeleteAndUpdate(): void
    {
        [$zones, $domain] = $this->zones();
        $n = self::$zoneCounter;
        $fqdn = "5551-1776530141.$domain";
        $sync = new DnsSync($zones);
        $old = $this->vm($domain, ["192.0.$n.7", "192.0.$n.8"]);
        $new = $this->vm($domain, ["192.0.$n.7", "192.0.$n.9"]);
        $this->assertTrue($sync->create($old)['ok']);

        $update = $sync->update($old, $new);
        $this->assertTrue($update['ok'], json_encode($update['errors']));
        $this->assertSame('update', $update['action']);
        $this->assertSame(["192.0.$n.7", "192.0.$n.9"], self::$pdns->dig($fqdn, 'A'));
        $this->assertSame([], self::$pdns->dig("8.$n.0.192.in-addr.arpa", 'PTR'));
        $this->assertSame(["$fqdn."], self::$pdns->dig("9.$n.0.192.in-addr.arpa", 'PTR'));

        self::$pdns->put("$n.0.192.in-addr.arpa", "9.$n.0.192.in-addr.arpa", 'PTR', ['someone-else.example.net.']);
        $delete = $sync->delete($new);
        $this->assertTrue($delete['ok'], json_encode($delete['errors']));
        $this->assertSame([], self::$pdns->dig($fqdn, 'A'));
        $this->assertSame([], self::$pdns->dig("7.$n.0.192.in-addr.arpa", 'PTR'));
        $this->assertSame(['someone-else.example.net.'], self::$pdns->dig("9.$n.0.192.in-addr.arpa", 'PTR'));
    }

    public function testPlanChangesNothing(): void
    {
        [$zones, $domain] = $this->zones();
        $n = self::$zoneCounter;
        $plan = (new DnsSync($zones))->plan('create', $this->vm($domain, ["192.0.$n.7"]));
        $this->assertSame('plan', $plan['action']);
        $this->assertTrue($plan['ok']);
        $this->assertSame(['created' => 2, 'deleted' => 0, 'unchanged' => 0, 'failed' => 0], $plan['counts']);
        $this->assertSame([], self::$pdns->dig("5551-1776530141.$domain", 'A'));
        $this->assertSame([], self::$pdns->dig("7.$n.0.192.in-addr.arpa", 'PTR'));
    }

    public function testResyncManyKeysResultsByVmAndIsolatesFailures(): void
    {
        [$zones, $domain] = $this->zones();
        $n = self::$zoneCounter;
        self::$pdns->put($domain, "vm2.$domain", 'CNAME', ['elsewhere.example.net.']);
        $vms = [];
        foreach ([1, 2, 3] as $i) {
            $vms[] = ['id' => "vm-$i", 'name' => "vm$i", 'domain' => $domain, 'ips' => ["192.0.$n.$i"]];
        }
        $vms[] = ['id' => 'broken', 'ips' => 'nope'];
        $results = (new DnsSync($zones))->resyncMany($vms);

        $this->assertSame(['vm-1', 'vm-2', 'vm-3', 'broken'], array_keys($results));
        $this->assertTrue($results['vm-1']['ok']);
        $this->assertTrue($results['vm-3']['ok']);
        $this->assertFalse($results['vm-2']['ok']);
        $this->assertCount(1, $results['vm-2']['errors']);
        $this->assertStringStartsWith('HTTP 422: ', $results['vm-2']['errors'][0]['error']);
        $this->assertFalse($results['broken']['ok']);
        $this->assertSame(["192.0.$n.1"], self::$pdns->dig("vm1.$domain", 'A'));
        $this->assertSame(["192.0.$n.3"], self::$pdns->dig("vm3.$domain", 'A'));
        $this->assertSame(["vm2.$domain."], self::$pdns->dig("2.$n.0.192.in-addr.arpa", 'PTR'));
    }

    public function testResyncManyOfManyVmsReadsEachZoneWholeOnceAndSaysSo(): void
    {
        [$zones, $domain] = $this->zones();
        $n = self::$zoneCounter;
        // Another tool's record in the reverse zone, which the read sees and leaves.
        self::$pdns->put("$n.0.192.in-addr.arpa", "200.$n.0.192.in-addr.arpa", 'PTR', ['printer.example.net.']);
        $vms = [];
        for ($i = 1; $i <= 30; $i++) {
            $vms[] = ['id' => $i, 'name' => "vm$i", 'domain' => $domain, 'ips' => ["192.0.$n.$i"]];
        }
        $results = (new DnsSync($zones))->resyncMany($vms);
        $this->assertTrue($results[17]['ok'], json_encode($results[17]['errors']));
        // 30 names at 8 in flight would take 4 rounds of GETs: each zone is
        // one GET of the whole zone (SOA, NS and what is there) and one PATCH.
        $this->assertSame([
            ['zone_id' => 1, 'zone' => $domain, 'type' => 'powerdns', 'read' => 'zone', 'read_requests' => 1, 'write_requests' => 1, 'zone_records' => 2],
            ['zone_id' => '2', 'zone' => "$n.0.192.in-addr.arpa", 'type' => 'powerdns', 'read' => 'zone', 'read_requests' => 1, 'write_requests' => 1, 'zone_records' => 3],
        ], $results[17]['stats']);
        $this->assertSame($results[17]['stats'], $results[1]['stats'], 'the VMs share the zones\' read and write');
        $this->assertSame(["192.0.$n.17"], self::$pdns->dig("vm17.$domain", 'A'));
        $this->assertSame(["vm30.$domain."], self::$pdns->dig("30.$n.0.192.in-addr.arpa", 'PTR'));
        $this->assertSame(['printer.example.net.'], self::$pdns->dig("200.$n.0.192.in-addr.arpa", 'PTR'));

        // Again: every record is right, so the zones are read and not written.
        $again = (new DnsSync($zones))->resyncMany($vms);
        $this->assertSame(['created' => 0, 'deleted' => 0, 'unchanged' => 2, 'failed' => 0], $again[30]['counts']);
        $this->assertSame([[1, 'zone', 1, 0, 32], ['2', 'zone', 1, 0, 33]], array_map(
            static fn (array $z): array => [$z['zone_id'], $z['read'], $z['read_requests'], $z['write_requests'], $z['zone_records']],
            $again[30]['stats'],
        ));
    }

    public function testZoneSizesKeptFromEarlierResultsChooseTheReadOfANewProcess(): void
    {
        [$zones, $domain] = $this->zones();
        $n = self::$zoneCounter;
        $vm = ['id' => 9, 'name' => 'two', 'domain' => $domain, 'ips' => ["192.0.$n.1", "192.0.$n.2"]];
        $read = static fn (array $result): array => array_map(
            static fn (array $z): array => [$z['zone_id'], $z['read'], $z['read_requests']],
            $result['stats'],
        );
        // The two PTR names fit one round: read by name, and the size stays unknown.
        $first = (new DnsSync($zones))->resync($vm);
        $this->assertTrue($first['ok'], json_encode($first['errors']));
        $this->assertSame([[1, 'names', 1], ['2', 'names', 2]], $read($first));

        // A caller that kept the reverse zone's size (SOA, NS and the two
        // PTRs) reads it in one request.
        $again = (new DnsSync($zones, ['zone_records' => ['2' => 4]]))->resync($vm);
        $this->assertSame(['created' => 0, 'deleted' => 0, 'unchanged' => 4, 'failed' => 0], $again['counts']);
        $this->assertSame([[1, 'names', 1], ['2', 'zone', 1]], $read($again));
        $this->assertSame(4, $again['stats'][1]['zone_records']);
    }

    public function testPlanManyTellsWhichVmsDriftedAndChangesNothing(): void
    {
        [$zones, $domain] = $this->zones();
        $n = self::$zoneCounter;
        $vms = [];
        foreach ([1, 2, 3] as $i) {
            $vms[] = ['id' => $i, 'name' => "vm$i", 'domain' => $domain, 'ips' => ["192.0.$n.$i"]];
        }
        $sync = new DnsSync($zones);
        $sync->resyncMany($vms);
        // VM 2 gains a stale A record, VM 3 loses its PTR.
        self::$pdns->put($domain, "vm2.$domain", 'A', ["192.0.$n.2", '203.0.113.9']);
        self::$pdns->put("$n.0.192.in-addr.arpa", "3.$n.0.192.in-addr.arpa", 'PTR', []);
        $vms[] = ['id' => 'broken', 'ips' => 'nope'];

        $plans = $sync->planMany($vms);

        $this->assertSame([1, 2, 3, 'broken'], array_keys($plans));
        $ops = static fn (array $plan): array => array_map(static fn (array $op): string => "{$op['op']} {$op['rrtype']} {$op['content']}", $plan['operations']);
        $this->assertSame(['plan', 'plan', 'plan', 'plan'], array_column($plans, 'action'));
        $this->assertSame(['keep A 192.0.' . $n . '.1', 'keep PTR vm1.' . $domain], $ops($plans[1]));
        $this->assertContains('delete A 203.0.113.9', $ops($plans[2]));
        $this->assertContains("create PTR vm3.$domain", $ops($plans[3]));
        $this->assertSame(['created' => 0, 'deleted' => 0, 'unchanged' => 2, 'failed' => 0], $plans[1]['counts']);
        $this->assertFalse($plans['broken']['ok']);
        $this->assertSame(["192.0.$n.2", '203.0.113.9'], self::$pdns->dig("vm2.$domain", 'A'), 'nothing changed');
        $this->assertSame([], self::$pdns->dig("3.$n.0.192.in-addr.arpa", 'PTR'));
    }

    public function testAWrongKeyFailsItsZoneOnlyAndNeverLeaks(): void
    {
        [$zones, $domain] = $this->zones();
        $n = self::$zoneCounter;
        $zones[1]['api_key'] = 'wrong-secret-key';
        $result = (new DnsSync($zones, ['retries' => 0]))->create($this->vm($domain, ["192.0.$n.7"]));

        $this->assertFalse($result['ok']);
        $this->assertSame(['created' => 1, 'deleted' => 0, 'unchanged' => 0, 'failed' => 1], $result['counts']);
        $this->assertSame('HTTP 401: Unauthorized', $result['errors'][0]['error']);
        $this->assertStringStartsWith('rev ERR create PTR ', $result['lines'][1] ?? $result['lines'][0]);
        $this->assertSame(["192.0.$n.7"], self::$pdns->dig("5551-1776530141.$domain", 'A'));
        $this->assertStringNotContainsString('wrong-secret-key', json_encode($result));
        $this->assertStringNotContainsString(self::$pdns->key, json_encode($result));
    }

    public function testZoneTestReportsTheServersVerdict(): void
    {
        [$zones] = $this->zones();
        $manager = new DnsZoneManager($zones);
        $ok = $manager->test(1);
        $this->assertTrue($ok['ok']);
        $this->assertSame(['ok', 'id', 'zone', 'type', 'message', 'ms'], array_keys($ok));
        $this->assertStringStartsWith('zone ', $ok['message']);

        $bad = DnsZoneManager::testZone(['api_key' => 'nope'] + $zones[0]);
        $this->assertFalse($bad['ok']);
        $this->assertSame('HTTP 401: Unauthorized', $bad['message']);

        $missing = DnsZoneManager::testZone(self::$pdns->row(9, 'not-here.example'));
        $this->assertSame('HTTP 404: Not Found (no zone not-here.example. on PowerDNS server localhost)', $missing['message']);
    }
}
