<?php

declare(strict_types=1);

namespace PuqDns\Tests;

use PHPUnit\Framework\TestCase;
use PuqDns\ConfigException;
use PuqDns\DnsSync;
use PuqDns\DnsZoneManager;

require_once __DIR__ . '/HestiaServer.php';
require_once __DIR__ . '/SeenSecrets.php';

/**
 * DnsSync and DnsZoneManager as the module calls them, against HestiaCP
 * zones on the fake HestiaCP API (tests/fakes/hestia.py), at most one fake
 * per test; records and the commands the panel received are read back
 * through its control API.
 */
final class HestiaSyncTest extends TestCase
{
    use SeenSecrets;

    private const NAME = '5551-1776530141';
    private const FQDN = '5551-1776530141.puqcloud.com';
    private const FWD = 'puqcloud.com';
    private const REV4 = '2.0.192.in-addr.arpa';
    private const REV6 = '8.b.d.0.1.0.0.2.ip6.arpa';
    /** 2001:db8::7 relative to REV6. */
    private const NIBBLES6 = '7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0';
    private const PTR6 = self::NIBBLES6 . '.' . self::REV6;
    private const WRONG_PASSWORD = 'hestiaWrong-P4ss SeCrEt-5151';
    private const LAST_A = 'E_INVALID (2): Error: at least one A record should remain active';
    private const AUTH_FAILED = 'E_PASSWORD (9): Error: authentication failed';

    private ?HestiaServer $hestia = null;

    protected function tearDown(): void
    {
        $password = $this->hestia?->password ?? Fixtures::HESTIA_PASSWORD;
        $this->hestia?->stop();
        $this->hestia = null;
        $this->assertNoSecretSeen([$password, Fixtures::HESTIA_PASSWORD, self::WRONG_PASSWORD]);
    }

    /** The fake with the forward, IPv4 reverse and IPv6 reverse domains of user alice. */
    private function start(bool $tls = false, string $password = Fixtures::HESTIA_PASSWORD): HestiaServer
    {
        $this->hestia = new HestiaServer($tls, $password);
        foreach ([self::FWD, self::REV4, self::REV6] as $domain) {
            $this->hestia->domain($domain);
        }
        return $this->hestia;
    }

    /** The three zone rows: forward with a TTL of its own, both reverse zones with the default. */
    private function zones(): array
    {
        return [
            $this->hestia->row(1, self::FWD, ['ttl' => 300]),
            $this->hestia->row('2', self::REV4),
            $this->hestia->row(3, self::REV6),
        ];
    }

    private function vm(array $ips, int|string $id = 5551, string $name = self::NAME): array
    {
        return ['id' => $id, 'name' => $name, 'domain' => 'puqcloud.com', 'ips' => $ips];
    }

    /** Keeps a result for the password check. */
    /** The operation as API.md shapes it. */
    private static function op(string $kind, string $op, int|string $zoneId, string $zone, string $name, string $rrtype, string $content, int $ttl, ?string $error = null): array
    {
        return [
            'kind' => $kind, 'op' => $op, 'status' => $error === null ? 'ok' : 'error', 'zone_id' => $zoneId,
            'zone' => $zone, 'type' => 'hestiacp', 'name' => $name, 'rrtype' => $rrtype, 'content' => $content,
            'ttl' => $ttl, 'error' => $error,
        ];
    }

    /** `kind op name rrtype content [error]` of each operation. */
    private static function summary(array $result): array
    {
        return array_map(
            fn (array $op) => rtrim("{$op['kind']} {$op['op']} {$op['name']} {$op['rrtype']} {$op['content']} " . ($op['error'] ?? '')),
            $result['operations'],
        );
    }

    /** The write commands to one domain, oldest first, as `cmd arg arg …` (user and domain left out). */
    private static function writesTo(array $writes, string $domain): array
    {
        $out = [];
        foreach ($writes as $write) {
            [$cmd, $rest] = explode(' ', $write, 2) + [1 => ''];
            if (str_starts_with($rest, "$domain ")) {
                $out[] = $cmd . ' ' . substr($rest, strlen($domain) + 1);
            }
        }
        return $out;
    }

    private static function restartsIn(array $writes): int
    {
        return count(array_filter($writes, fn (string $w) => $w === 'v-restart-dns'));
    }

    public function testCreateWritesRelativeRecordsWithOneRestartPerZone(): void
    {
        $h = $this->start();
        $progress = [];
        $sync = new DnsSync($this->zones(), ['on_progress' => function (array $op) use (&$progress): void {
            $progress[] = $op;
        }]);
        $this->assertSame(self::PTR6, DnsZoneManager::reverseName('2001:db8::7'));
        $result = $this->seen($sync->create($this->vm([
            '192.0.2.7',
            '2001:db8::7',
            ['ip' => '192.0.2.8', 'reverse' => 'mail.example.com'],
            '198.51.100.1',
        ])));
        $this->seen[] = $progress;

        $this->assertSame(['ok', 'action', 'vm', 'fqdn', 'operations', 'errors', 'unmatched', 'counts', 'lines', 'stats'], array_keys($result));
        $this->assertTrue($result['ok'], json_encode($result['errors']));
        $this->assertSame('create', $result['action']);
        $this->assertSame(5551, $result['vm']);
        $this->assertSame(self::FQDN, $result['fqdn']);
        $this->assertSame([], $result['errors']);
        // No reverse zone for 198.51.100.1; its A is written all the same.
        $this->assertSame(['1.100.51.198.in-addr.arpa'], $result['unmatched']);
        $this->assertSame(['created' => 7, 'deleted' => 0, 'unchanged' => 0, 'failed' => 0], $result['counts']);
        $this->assertSame([
            self::op('fwd', 'create', 1, self::FWD, self::FQDN, 'A', '192.0.2.7', 300),
            self::op('fwd', 'create', 1, self::FWD, self::FQDN, 'A', '192.0.2.8', 300),
            self::op('fwd', 'create', 1, self::FWD, self::FQDN, 'A', '198.51.100.1', 300),
            self::op('fwd', 'create', 1, self::FWD, self::FQDN, 'AAAA', '2001:db8::7', 300),
            self::op('rev', 'create', '2', self::REV4, '7.2.0.192.in-addr.arpa', 'PTR', self::FQDN, 3600),
            self::op('rev', 'create', '2', self::REV4, '8.2.0.192.in-addr.arpa', 'PTR', 'mail.example.com', 3600),
            self::op('rev', 'create', 3, self::REV6, self::PTR6, 'PTR', self::FQDN, 3600),
        ], array_map([self::class, 'fixed'], $result['operations']));
        foreach ($result['operations'] as $op) {
            $this->assertSame(['kind', 'op', 'status', 'zone_id', 'zone', 'type', 'name', 'rrtype', 'content', 'ttl', 'error', 'attempts', 'ms'], array_keys($op));
            // At least the zone's listing and the add.
            $this->assertGreaterThanOrEqual(2, $op['attempts']);
            $this->assertIsInt($op['ms']);
        }
        $this->assertSame([
            'fwd OK create A 5551-1776530141.puqcloud.com 192.0.2.7 zone puqcloud.com (#1, hestiacp)',
            'fwd OK create A 5551-1776530141.puqcloud.com 192.0.2.8 zone puqcloud.com (#1, hestiacp)',
            'fwd OK create A 5551-1776530141.puqcloud.com 198.51.100.1 zone puqcloud.com (#1, hestiacp)',
            'fwd OK create AAAA 5551-1776530141.puqcloud.com 2001:db8::7 zone puqcloud.com (#1, hestiacp)',
            'rev OK create PTR 7.2.0.192.in-addr.arpa 5551-1776530141.puqcloud.com zone 2.0.192.in-addr.arpa (#2, hestiacp)',
            'rev OK create PTR 8.2.0.192.in-addr.arpa mail.example.com zone 2.0.192.in-addr.arpa (#2, hestiacp)',
            'rev OK create PTR ' . self::PTR6 . ' 5551-1776530141.puqcloud.com zone 8.b.d.0.1.0.0.2.ip6.arpa (#3, hestiacp)',
        ], $result['lines']);

        // on_progress: each operation of the result plus its line, once.
        $this->assertCount(7, $progress);
        foreach ($progress as $payload) {
            $this->assertSame(['line', 'vm'], array_slice(array_keys($payload), -2));
            $this->assertSame($result['vm'], $payload['vm']);
            $this->assertContains(array_diff_key($payload, ['line' => 0, 'vm' => 0]), $result['operations']);
        }
        $this->assertEqualsCanonicalizing($result['lines'], array_column($progress, 'line'));

        // Read back: names relative to the domain, PTR values absolute with the trailing dot.
        $this->assertSame([
            '5551-1776530141 A 192.0.2.7 300',
            '5551-1776530141 A 192.0.2.8 300',
            '5551-1776530141 A 198.51.100.1 300',
            '5551-1776530141 AAAA 2001:db8::7 300',
        ], $h->records(self::FWD));
        $this->assertSame([
            '7 PTR 5551-1776530141.puqcloud.com. 3600',
            '8 PTR mail.example.com. 3600',
        ], $h->records(self::REV4));
        $this->assertSame([self::NIBBLES6 . ' PTR 5551-1776530141.puqcloud.com. 3600'], $h->records(self::REV6));

        // Every add with empty PRIORITY and ID, RESTART `no` and the TTL;
        // one reload per zone, and none from the adds themselves.
        $stats = $h->stats();
        $writes = $h->writes($stats);
        $this->assertSame([
            'v-add-dns-record 5551-1776530141 A 192.0.2.7   no 300',
            'v-add-dns-record 5551-1776530141 A 192.0.2.8   no 300',
            'v-add-dns-record 5551-1776530141 A 198.51.100.1   no 300',
            'v-add-dns-record 5551-1776530141 AAAA 2001:db8::7   no 300',
        ], self::writesTo($writes, self::FWD));
        $this->assertSame([
            'v-add-dns-record 7 PTR 5551-1776530141.puqcloud.com.   no 3600',
            'v-add-dns-record 8 PTR mail.example.com.   no 3600',
        ], self::writesTo($writes, self::REV4));
        $this->assertSame([
            'v-add-dns-record ' . self::NIBBLES6 . ' PTR 5551-1776530141.puqcloud.com.   no 3600',
        ], self::writesTo($writes, self::REV6));
        foreach ($stats['commands'] as $command) {
            if ($command['cmd'] === 'v-add-dns-record') {
                $this->assertSame('alice', $command['args'][0]);
                $this->assertCount(9, $command['args']);
                $this->assertSame(['', '', 'no'], array_slice($command['args'], 5, 3));
            }
            if ($command['cmd'] === 'v-restart-dns') {
                $this->assertSame([], $command['args']);
            }
        }
        $this->assertSame(3, self::restartsIn($writes));
        $this->assertCount(7 + 3, $writes);
        $this->assertSame(3, $stats['restarts']);
        $this->assertSame([], $stats['restarts_by_domain']);
        $this->assertSame(['v-list-dns-records' => 3, 'v-add-dns-record' => 7, 'v-restart-dns' => 3], $stats['by_cmd']);
        // One writer per domain.
        foreach ([self::FWD, self::REV4, self::REV6] as $domain) {
            $this->assertSame(1, $stats['max_concurrent_by_domain']["alice/$domain"]);
        }
        $this->assertSame(0, $stats['auth_failures']);
    }

    public function testResyncReplacesWhatIsWrongThenASecondResyncKeepsEverythingAndWritesNothing(): void
    {
        $h = $this->start();
        $h->seed(self::FWD, '@', 'A', '198.51.100.1');
        $h->seed(self::FWD, self::NAME, 'A', '203.0.113.9');
        $h->seed(self::FWD, self::NAME, 'TXT', '"v=spf1 -all"');
        $h->seed(self::FWD, 'vm2', 'A', '192.0.2.50');
        $h->seed(self::REV4, '7', 'PTR', 'old-owner.example.net.');
        $h->seed(self::REV4, '8', 'PTR', 'neighbour.example.net.');
        $sync = new DnsSync($this->zones());
        $vm = $this->vm(['192.0.2.7', '2001:db8::7']);

        $first = $this->seen($sync->resync($vm));
        $this->assertTrue($first['ok'], json_encode($first['errors']));
        $this->assertSame('resync', $first['action']);
        $this->assertSame(['created' => 4, 'deleted' => 2, 'unchanged' => 0, 'failed' => 0], $first['counts']);
        $this->assertSame([
            'fwd create ' . self::FQDN . ' A 192.0.2.7',
            'fwd delete ' . self::FQDN . ' A 203.0.113.9',
            'fwd create ' . self::FQDN . ' AAAA 2001:db8::7',
            'rev create 7.2.0.192.in-addr.arpa PTR ' . self::FQDN,
            'rev delete 7.2.0.192.in-addr.arpa PTR old-owner.example.net',
            'rev create ' . self::PTR6 . ' PTR ' . self::FQDN,
        ], self::summary($first));
        $this->assertSame([
            '@ A 198.51.100.1 3600',
            '5551-1776530141 TXT "v=spf1 -all" 3600',
            'vm2 A 192.0.2.50 3600',
            '5551-1776530141 A 192.0.2.7 300',
            '5551-1776530141 AAAA 2001:db8::7 300',
        ], $h->records(self::FWD));
        $this->assertSame([
            '8 PTR neighbour.example.net. 3600',
            '7 PTR 5551-1776530141.puqcloud.com. 3600',
        ], $h->records(self::REV4));
        // Every add of the domain before any delete (by ID): a name is
        // never without its record, and the replaced A is never the last one.
        $writes = $h->writes();
        $this->assertSame([
            'v-add-dns-record 5551-1776530141 A 192.0.2.7   no 300',
            'v-add-dns-record 5551-1776530141 AAAA 2001:db8::7   no 300',
            'v-delete-dns-record 2 no',
        ], self::writesTo($writes, self::FWD));
        $this->assertSame([
            'v-add-dns-record 7 PTR 5551-1776530141.puqcloud.com.   no 3600',
            'v-delete-dns-record 1 no',
        ], self::writesTo($writes, self::REV4));
        $this->assertSame(3, self::restartsIn($writes));

        // Nothing left to change: three listings, no write, no reload.
        $h->resetStats();
        $progress = [];
        $again = $this->seen((new DnsSync($this->zones(), ['on_progress' => function (array $op) use (&$progress): void {
            $progress[] = $op['op'];
        }]))->resync($vm));
        $this->assertTrue($again['ok'], json_encode($again['errors']));
        $this->assertSame(['created' => 0, 'deleted' => 0, 'unchanged' => 4, 'failed' => 0], $again['counts']);
        $this->assertSame(['keep', 'keep', 'keep', 'keep'], array_column($again['operations'], 'op'));
        $this->assertSame(['ok', 'ok', 'ok', 'ok'], array_column($again['operations'], 'status'));
        $this->assertSame(['keep', 'keep', 'keep', 'keep'], $progress);
        $this->assertSame(
            'fwd OK keep A 5551-1776530141.puqcloud.com 192.0.2.7 zone puqcloud.com (#1, hestiacp)',
            $again['lines'][0],
        );
        $stats = $h->stats();
        $this->assertSame(['v-list-dns-records' => 3], $stats['by_cmd']);
        $this->assertSame([], $h->writes($stats));
        $this->assertSame(0, $stats['restarts']);
    }

    public function testDeletingTheDomainsLastARecordFailsThatOperationAlone(): void
    {
        $h = $this->start();
        $sync = new DnsSync($this->zones());
        $vm = $this->vm(['192.0.2.7', '2001:db8::7']);
        $this->assertTrue($this->seen($sync->create($vm))['ok']);
        $h->resetStats();

        $gone = $this->seen($sync->delete($vm));
        $this->assertFalse($gone['ok']);
        $this->assertSame('delete', $gone['action']);
        $this->assertSame(['created' => 0, 'deleted' => 3, 'unchanged' => 0, 'failed' => 1], $gone['counts']);
        $this->assertSame([
            self::op('fwd', 'delete', 1, self::FWD, self::FQDN, 'A', '192.0.2.7', 300, self::LAST_A),
            self::op('fwd', 'delete', 1, self::FWD, self::FQDN, 'AAAA', '2001:db8::7', 300),
            self::op('rev', 'delete', '2', self::REV4, '7.2.0.192.in-addr.arpa', 'PTR', self::FQDN, 3600),
            self::op('rev', 'delete', 3, self::REV6, self::PTR6, 'PTR', self::FQDN, 3600),
        ], array_map([self::class, 'fixed'], $gone['operations']));
        $this->assertSame([$gone['operations'][0]], $gone['errors']);
        $this->assertSame(
            'fwd ERR delete A 5551-1776530141.puqcloud.com 192.0.2.7 zone puqcloud.com (#1, hestiacp): ' . self::LAST_A,
            $gone['lines'][0],
        );
        $this->assertSame(['5551-1776530141 A 192.0.2.7 300'], $h->records(self::FWD));
        $this->assertSame([], $h->records(self::REV4));
        $this->assertSame([], $h->records(self::REV6));
        // The AAAA went, so the forward zone is reloaded too.
        $this->assertSame(3, $h->stats()['restarts']);

        // With another A in the domain the VM's is no longer the last one.
        $h->seed(self::FWD, 'www', 'A', '198.51.100.1');
        $again = $this->seen($sync->delete($vm));
        $this->assertTrue($again['ok'], json_encode($again['errors']));
        $this->assertSame(['created' => 0, 'deleted' => 1, 'unchanged' => 0, 'failed' => 0], $again['counts']);
        $this->assertSame(['www A 198.51.100.1 3600'], $h->records(self::FWD));
    }

    public function testResyncManyCostsOneRestartPerZoneForTheWholeRun(): void
    {
        $h = $this->start();
        // vm12 had a stale address, vm13 an old PTR owner.
        $h->seed(self::FWD, 'vm12', 'A', '198.51.100.12');
        $h->seed(self::REV4, '13', 'PTR', 'old.example.net.');
        $vms = [];
        for ($i = 10; $i < 16; $i++) {
            $vms[] = $this->vm(["192.0.2.$i", "2001:db8::$i"], "vm-$i", "vm$i");
        }
        $vms[] = ['id' => 'broken', 'ips' => 'nope'];
        $h->resetStats();

        $results = (new DnsSync($this->zones()))->resyncMany($vms);
        $this->seen[] = $results;
        $ids = array_map(fn ($i) => "vm-$i", range(10, 15));
        $this->assertSame([...$ids, 'broken'], array_keys($results));
        foreach ($ids as $id) {
            $this->assertTrue($results[$id]['ok'], json_encode($results[$id]['errors']));
            $this->assertSame('resync', $results[$id]['action']);
            $this->assertSame($id, $results[$id]['vm']);
            $this->assertSame(['ok', 'action', 'vm', 'fqdn', 'operations', 'errors', 'unmatched', 'counts', 'lines', 'stats'], array_keys($results[$id]));
        }
        $this->assertSame('vm12.puqcloud.com', $results['vm-12']['fqdn']);
        $this->assertSame(['created' => 4, 'deleted' => 1, 'unchanged' => 0, 'failed' => 0], $results['vm-12']['counts']);
        $this->assertSame(['created' => 4, 'deleted' => 1, 'unchanged' => 0, 'failed' => 0], $results['vm-13']['counts']);
        $this->assertSame(['created' => 4, 'deleted' => 0, 'unchanged' => 0, 'failed' => 0], $results['vm-15']['counts']);
        $this->assertFalse($results['broken']['ok']);
        $this->assertSame(1, $results['broken']['counts']['failed']);

        $stats = $h->stats();
        // The three zones run in parallel, so one zone's restart may come
        // before another's delete: the counts matter, not their order.
        $byCommand = $stats['by_cmd'];
        ksort($byCommand);
        $this->assertSame(['v-add-dns-record' => 24, 'v-delete-dns-record' => 2, 'v-list-dns-records' => 3, 'v-restart-dns' => 3], $byCommand);
        $this->assertSame(3, $stats['restarts']);
        $this->assertSame([], $stats['restarts_by_domain']);
        foreach ([self::FWD, self::REV4, self::REV6] as $domain) {
            $this->assertSame(1, $stats['max_concurrent_by_domain']["alice/$domain"]);
        }

        $fwd = $h->records(self::FWD);
        $rev4 = $h->records(self::REV4);
        $rev6 = $h->records(self::REV6);
        $this->assertCount(12, $fwd);
        $this->assertCount(6, $rev4);
        $this->assertCount(6, $rev6);
        for ($i = 10; $i < 16; $i++) {
            $this->assertContains("vm$i A 192.0.2.$i 300", $fwd);
            $this->assertContains("vm$i AAAA 2001:db8::$i 300", $fwd);
            $this->assertContains("$i PTR vm$i.puqcloud.com. 3600", $rev4);
            $nibbles = substr(DnsZoneManager::reverseName("2001:db8::$i"), 0, -strlen('.' . self::REV6));
            $this->assertContains("$nibbles PTR vm$i.puqcloud.com. 3600", $rev6);
        }
        // Every ID given one at a time is distinct.
        $ids = array_column($h->rawRecords(self::FWD), 'ID');
        $this->assertSame($ids, array_values(array_unique($ids)));
    }

    public function testUpdateAndPlan(): void
    {
        $h = $this->start();
        $sync = new DnsSync($this->zones());
        $old = $this->vm(['192.0.2.7', '2001:db8::7']);
        $new = $this->vm(['192.0.2.9']);
        $this->assertTrue($this->seen($sync->create($old))['ok']);
        $h->resetStats();

        $plan = $this->seen($sync->plan('resync', $new));
        $this->assertSame('plan', $plan['action']);
        $this->assertTrue($plan['ok'], json_encode($plan['errors']));
        $this->assertSame([
            'fwd create ' . self::FQDN . ' A 192.0.2.9',
            'fwd delete ' . self::FQDN . ' A 192.0.2.7',
            'fwd delete ' . self::FQDN . ' AAAA 2001:db8::7',
            'rev create 9.2.0.192.in-addr.arpa PTR ' . self::FQDN,
        ], self::summary($plan));
        $this->assertSame(['created' => 2, 'deleted' => 2, 'unchanged' => 0, 'failed' => 0], $plan['counts']);
        $stats = $h->stats();
        $this->assertSame([], $h->writes($stats), 'a plan writes nothing');
        $this->assertSame(['v-list-dns-records'], array_keys($stats['by_cmd']));

        $update = $this->seen($sync->update($old, $new));
        $this->assertTrue($update['ok'], json_encode($update['errors']));
        $this->assertSame('update', $update['action']);
        $this->assertSame(['5551-1776530141 A 192.0.2.9 300'], $h->records(self::FWD));
        $this->assertSame(['9 PTR 5551-1776530141.puqcloud.com. 3600'], $h->records(self::REV4));
        $this->assertSame([], $h->records(self::REV6));
    }

    public function testZoneTestListsTheUsersDnsDomain(): void
    {
        $h = $this->start();
        $h->seed(self::FWD, '@', 'A', '198.51.100.1');
        $h->seed(self::FWD, 'www', 'A', '198.51.100.1');
        $h->domain('example.net', 'bob');
        $manager = new DnsZoneManager([
            ...$this->zones(),
            $h->row(4, 'example.org'),
            $h->row('5', self::FWD, ['admin_password' => self::WRONG_PASSWORD]),
            $h->row(6, 'example.net'),
            $h->row(7, 'example.net', ['user' => 'carol']),
        ]);

        $ok = $this->seen($manager->test(1));
        $this->assertSame(['ok', 'id', 'zone', 'type', 'message', 'ms'], array_keys($ok));
        $this->assertSame(
            ['ok' => true, 'id' => 1, 'zone' => self::FWD, 'type' => 'hestiacp', 'message' => 'dns domain puqcloud.com of user alice found on HestiaCP (2 records)'],
            array_diff_key($ok, ['ms' => 0]),
        );
        $this->assertIsInt($ok['ms']);
        $this->assertSame(
            'dns domain 2.0.192.in-addr.arpa of user alice found on HestiaCP (0 records)',
            $this->seen($manager->test('2'))['message'],
        );
        $this->assertSame(
            ['ok' => false, 'id' => 4, 'zone' => 'example.org', 'type' => 'hestiacp', 'message' => "E_NOTEXIST (3): Error: dns domain example.org doesn't exist"],
            array_diff_key($this->seen($manager->test(4)), ['ms' => 0]),
        );
        $this->assertSame(
            ['ok' => false, 'id' => '5', 'zone' => self::FWD, 'type' => 'hestiacp', 'message' => self::AUTH_FAILED],
            array_diff_key($this->seen($manager->test(5)), ['ms' => 0]),
        );
        // The domain exists, but belongs to another user.
        $this->assertSame(
            "E_NOTEXIST (3): Error: dns domain example.net doesn't exist",
            $this->seen($manager->test(6))['message'],
        );
        $this->assertSame("E_NOTEXIST (3): Error: user carol doesn't exist", $this->seen($manager->test(7))['message']);

        // An unsaved row, as the zones page tests it before saving.
        $unsaved = $this->seen(DnsZoneManager::testZone($h->row('new', 'PuqCloud.COM.')));
        $this->assertTrue($unsaved['ok']);
        $this->assertSame(['new', self::FWD], [$unsaved['id'], $unsaved['zone']]);
        $this->assertSame(
            'dns domain example.net of user bob found on HestiaCP (0 records)',
            $this->seen(DnsZoneManager::testZone($h->row(8, 'example.net', ['user' => 'bob'])))['message'],
        );

        // A test reads and changes nothing.
        $stats = $h->stats();
        $this->assertSame([], $h->writes($stats));
        $this->assertSame(['v-list-dns-domain'], array_keys($stats['by_cmd']));
        // The refused login once: its exit code came with the text.
        $this->assertSame(1, $stats['auth_failures']);
    }

    public function testTlsWithTheServersOwnCertificateOrVerificationOff(): void
    {
        $h = $this->start(true);
        $this->assertStringStartsWith('https://127.0.0.1:', $h->url);
        $cert = (string) $h->cert;
        $row = fn (array $extra = []) => [$h->row(1, self::FWD, $extra)];

        // The usual HestiaCP install: its own self-signed certificate, pasted into ca_cert.
        $pinned = $this->seen((new DnsSync($row(['ca_cert' => $cert])))->create($this->vm(['192.0.2.7'])));
        $this->assertTrue($pinned['ok'], json_encode($pinned['errors']));
        $this->assertSame(['5551-1776530141 A 192.0.2.7 3600'], $h->records(self::FWD));
        $test = $this->seen(DnsZoneManager::testZone($h->row(1, self::FWD, ['ca_cert' => $cert])));
        $this->assertSame('dns domain puqcloud.com of user alice found on HestiaCP (1 records)', $test['message']);
        // ca_cert is not a secret: list() shows it as given.
        $this->assertSame(trim($cert), (new DnsZoneManager($row(['ca_cert' => $cert])))->list()[0]['ca_cert']);

        $unverified = $this->seen((new DnsSync($row(['verify_tls' => false])))->resync($this->vm(['192.0.2.8'])));
        $this->assertTrue($unverified['ok'], json_encode($unverified['errors']));
        $this->assertSame(['5551-1776530141 A 192.0.2.8 3600'], $h->records(self::FWD));

        // Verification is on by default: a self-signed certificate nobody
        // configured is refused before anything is sent, and not retried.
        $h->resetStats();
        $refused = $this->seen((new DnsSync($row()))->resync($this->vm(['192.0.2.9'])));
        $this->assertFalse($refused['ok']);
        $this->assertSame(['created' => 0, 'deleted' => 0, 'unchanged' => 0, 'failed' => 1], $refused['counts']);
        $this->assertCount(1, $refused['operations'], 'the zone could not be read: only the create is known');
        foreach ($refused['errors'] as $op) {
            $this->assertSame(
                "cannot connect: the server's certificate is self-signed (a CA certificate): put it in the zone's ca_cert, or turn verify_tls off",
                $op['error']
            );
            $this->assertSame(1, $op['attempts']);
        }
        $this->assertStringStartsWith('fwd ERR create A ' . self::FQDN . ' 192.0.2.9 zone puqcloud.com (#1, hestiacp): cannot connect: ', $refused['lines'][0]);
        $this->assertSame(['5551-1776530141 A 192.0.2.8 3600'], $h->records(self::FWD));
        $this->assertSame(0, $h->stats()['requests']);

        // A self-signed certificate other than the server's is not trusted either.
        $other = self::selfSignedCertificate();
        $wrong = $this->seen((new DnsSync($row(['ca_cert' => $other])))->resync($this->vm(['192.0.2.9'])));
        $this->assertFalse($wrong['ok']);
        $this->assertSame(
            "cannot connect: the server's certificate is neither the one in the zone's ca_cert nor signed by it",
            $wrong['errors'][0]['error']
        );
        $this->assertSame(['5551-1776530141 A 192.0.2.8 3600'], $h->records(self::FWD));
        $this->assertSame(0, $h->stats()['requests']);
    }

    /** A fresh self-signed, CA-flagged P-256 certificate for 127.0.0.1, as PEM. */
    private static function selfSignedCertificate(): string
    {
        $config = (string) tempnam(sys_get_temp_dir(), 'puq-dns-openssl-');
        file_put_contents($config, "[req]\ndistinguished_name = dn\n[dn]\n[ext]\nbasicConstraints = critical, CA:TRUE\nsubjectAltName = IP:127.0.0.1\n");
        try {
            $key = openssl_pkey_new(['private_key_type' => OPENSSL_KEYTYPE_EC, 'curve_name' => 'prime256v1']);
            $options = ['config' => $config, 'digest_alg' => 'sha256', 'x509_extensions' => 'ext'];
            $csr = openssl_csr_new(['commonName' => 'hestia.test'], $key, $options);
            $x509 = openssl_csr_sign($csr, null, $key, 30, $options);
            openssl_x509_export($x509, $pem);
        } finally {
            @unlink($config);
        }
        return $pem;
    }

    public function testAWrongPasswordFailsItsZoneOnlyAndTheHealthyZonesAreWritten(): void
    {
        $h = $this->start();
        $zones = $this->zones();
        $zones[1]['admin_password'] = self::WRONG_PASSWORD;
        $progress = [];
        $sync = new DnsSync($zones, ['on_progress' => function (array $op) use (&$progress): void {
            $progress[] = $op;
        }]);
        $result = $this->seen($sync->create($this->vm(['192.0.2.7', '192.0.2.8', '2001:db8::7'])));
        $this->seen[] = $progress;

        $this->assertFalse($result['ok']);
        $this->assertSame(['created' => 4, 'deleted' => 0, 'unchanged' => 0, 'failed' => 2], $result['counts']);
        $this->assertSame([
            self::op('rev', 'create', '2', self::REV4, '7.2.0.192.in-addr.arpa', 'PTR', self::FQDN, 3600, self::AUTH_FAILED),
            self::op('rev', 'create', '2', self::REV4, '8.2.0.192.in-addr.arpa', 'PTR', self::FQDN, 3600, self::AUTH_FAILED),
        ], array_map([self::class, 'fixed'], $result['errors']));
        $this->assertSame($result['errors'], array_values(array_filter($result['operations'], fn ($op) => $op['status'] === 'error')));
        $this->assertSame(
            'rev ERR create PTR 7.2.0.192.in-addr.arpa 5551-1776530141.puqcloud.com zone 2.0.192.in-addr.arpa (#2, hestiacp): ' . self::AUTH_FAILED,
            $result['lines'][3],
        );
        $this->assertCount(6, $progress);
        // In the order the operations end: the refused zone may well be first.
        $this->assertEqualsCanonicalizing(['ok', 'ok', 'ok', 'error', 'error', 'ok'], array_column($progress, 'status'));
        $this->assertEqualsCanonicalizing($result['lines'], array_column($progress, 'line'));

        // The healthy zones are written all the same; the refused one is untouched.
        $this->assertSame([
            '5551-1776530141 A 192.0.2.7 300',
            '5551-1776530141 A 192.0.2.8 300',
            '5551-1776530141 AAAA 2001:db8::7 300',
        ], $h->records(self::FWD));
        $this->assertSame([self::NIBBLES6 . ' PTR 5551-1776530141.puqcloud.com. 3600'], $h->records(self::REV6));
        $this->assertSame([], $h->records(self::REV4));
        $stats = $h->stats();
        $this->assertSame([], self::writesTo($h->writes($stats), self::REV4));
        $this->assertSame(2, self::restartsIn($h->writes($stats)));
        $this->assertGreaterThanOrEqual(1, $stats['auth_failures']);

        // Neither password is in the result, its lines or what on_progress saw (tearDown checks $seen too).
        foreach ([json_encode($result), json_encode($progress), implode("\n", $result['lines'])] as $text) {
            $this->assertStringNotContainsString(self::WRONG_PASSWORD, $text);
            $this->assertStringNotContainsString(Fixtures::HESTIA_PASSWORD, $text);
        }
    }

    public function testThePasswordNeverAppearsInListMaskErrorsOrProgress(): void
    {
        // A password that form encoding must get right.
        $password = 'Pw&user=admin+x %41;"\'ß SeCrEt-7070';
        $h = $this->start(false, $password);
        $zones = $this->zones();
        $manager = new DnsZoneManager($zones);
        $listed = $manager->list();
        $this->seen[] = $listed;
        $this->assertSame([
            'id' => 1,
            'zone' => self::FWD,
            'type' => 'hestiacp',
            'server_url' => $h->url,
            'admin_user' => 'admin',
            'admin_password' => DnsZoneManager::KEEP,
            'user' => 'alice',
            'ttl' => 300,
            'verify_tls' => true,
            'ca_cert' => null,
            'kind' => 'forward',
            'range' => null,
        ], $listed[0]);
        $this->assertSame(['forward', 'reverse4', 'reverse6'], array_column($listed, 'kind'));
        $this->assertSame([DnsZoneManager::KEEP, DnsZoneManager::KEEP, DnsZoneManager::KEEP], array_column($listed, 'admin_password'));

        $masked = DnsZoneManager::mask($zones[0]);
        $this->seen[] = $masked;
        $this->assertSame(array_replace($zones[0], ['admin_password' => DnsZoneManager::KEEP]), $masked);
        // The masked row comes back from the edit form: merge() restores the password and it still works.
        $merged = DnsZoneManager::merge($zones[0], $masked);
        $this->assertSame($password, $merged['admin_password']);
        $this->assertTrue($this->seen(DnsZoneManager::testZone($merged))['ok']);

        // The password with its &, + and space reaches the panel intact.
        $progress = [];
        $sync = new DnsSync($zones, ['on_progress' => function (array $op) use (&$progress): void {
            $progress[] = $op;
        }]);
        $created = $this->seen($sync->create($this->vm(['192.0.2.7', '2001:db8::7'])));
        $this->assertTrue($created['ok'], json_encode($created['errors']));
        $this->assertSame(0, $h->stats()['auth_failures']);

        // Errors of every kind: a command failing with its text, the last A,
        // a 502 page, a refused login. The add fails for the exit code and
        // again for the text (one zone, so no other add takes the fault).
        $h->faults(['exit_code_next' => ['count' => 2, 'code' => 13, 'text' => 'Error: disk quota exceeded', 'cmd' => 'v-add-dns-record']]);
        $failed = $this->seen((new DnsSync([$zones[0]], ['on_progress' => function (array $op) use (&$progress): void {
            $progress[] = $op;
        }]))->resync($this->vm(['192.0.2.8'])));
        $this->assertSame([
            'fwd create ' . self::FQDN . ' A 192.0.2.8 E_DISK (13): Error: disk quota exceeded',
            'fwd delete ' . self::FQDN . ' A 192.0.2.7 ' . self::LAST_A,
            'fwd delete ' . self::FQDN . ' AAAA 2001:db8::7',
        ], self::summary($failed));
        $deleted = $this->seen($sync->delete($this->vm(['192.0.2.7', '2001:db8::7'])));
        $this->assertSame([self::LAST_A], array_column($deleted['errors'], 'error'));
        $h->faults(['reset' => true, 'fail_next' => ['count' => 10, 'status' => 502]]);
        $bad = $this->seen((new DnsSync($zones, ['retries' => 1]))->create($this->vm(['192.0.2.9'])));
        $this->assertFalse($bad['ok']);
        $this->assertStringStartsWith('HTTP 502', $bad['errors'][0]['error']);
        $h->faults(['reset' => true]);
        $wrong = [['admin_password' => self::WRONG_PASSWORD] + $zones[0]];
        $refused = $this->seen((new DnsSync($wrong, ['on_progress' => function (array $op) use (&$progress): void {
            $progress[] = $op;
        }]))->resync($this->vm(['192.0.2.7'])));
        $this->assertSame([self::AUTH_FAILED], array_column($refused['errors'], 'error'));
        $this->seen(DnsZoneManager::testZone($wrong[0]));
        $this->seen[] = $progress;

        // A malformed row: the exception names the problem, not the password.
        try {
            new DnsSync([$h->row(1, self::FWD, ['verify_tls' => 'maybe', 'user' => 'a b'])]);
            $this->fail('no ConfigException');
        } catch (ConfigException $e) {
            $this->seen[] = $e->getMessage();
            $this->assertStringContainsString('zone 1 (puqcloud.com)', $e->getMessage());
        }

        $everything = (string) json_encode($this->seen, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
        $this->assertStringNotContainsString($password, $everything);
        $this->assertStringNotContainsString(rawurlencode($password), $everything);
        $this->assertStringNotContainsString(urlencode($password), $everything);
        $this->assertStringNotContainsString('SeCrEt-7070', $everything);
        $this->assertStringNotContainsString(self::WRONG_PASSWORD, $everything);
    }
}
