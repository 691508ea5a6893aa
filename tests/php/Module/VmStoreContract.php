<?php

declare(strict_types=1);

namespace PuqDns\Tests\Module;

use PuqDns\Module\Store\InvalidVmException;
use PuqDns\Module\Store\Schema;
use PuqDns\Module\Store\VmNotFoundException;
use PuqDns\Module\Store\VmStore;

require_once __DIR__ . '/ModuleTestCase.php';

/**
 * VmStore on a real database: the VMs as last written, and the queue of
 * "Set DNS records" with its claims. Run on SQLite and MariaDB.
 */
abstract class VmStoreContract extends ModuleTestCase
{
    protected VmStore $vms;

    protected function setUp(): void
    {
        parent::setUp();
        Schema::install($this->pdo);
        $this->vms = new VmStore($this->pdo);
    }

    protected static function vm(int $id = 12, array $set = []): array
    {
        return array_replace([
            'id' => $id,
            'name' => "$id-1776530141",
            'domain' => 'puqcloud.com',
            'ips' => ['192.0.2.7', ['ip' => '2001:db8::7', 'reverse' => 'mail.example.com']],
        ], $set);
    }

    /** The row as the table holds it, as text. */
    private function rawVm(int $id): array
    {
        $statement = $this->pdo->prepare('SELECT * FROM ' . $this->q(Schema::VMS) . ' WHERE ' . $this->q('id') . ' = ?');
        $statement->execute([$id]);
        $row = $statement->fetch(\PDO::FETCH_ASSOC);
        $this->assertIsArray($row, "VM $id is in the table");
        return array_map(fn ($v) => $v === null ? null : (string) $v, $row);
    }

    public function testSaveAndGetGiveTheVmArrayBack(): void
    {
        $this->vms->save(self::vm());
        $this->vms->save(self::vm(13, ['id' => '13', 'fqdn' => 'web.example.com', 'ttl' => '300', 'ips' => []]));

        $this->assertSame(self::vm(), $this->vms->get(12));
        $this->assertSame(
            ['id' => 13, 'name' => '13-1776530141', 'domain' => 'puqcloud.com', 'ips' => [], 'fqdn' => 'web.example.com', 'ttl' => 300],
            $this->vms->get(13),
        );
        $this->assertSame('["192.0.2.7",{"ip":"2001:db8::7","reverse":"mail.example.com"}]', $this->rawVm(12)['ips']);
        $this->assertSame('', $this->rawVm(12)['status']);
        $this->assertNull($this->vms->find(99));
        $this->assertSame('no VM has the id 99', $this->thrown(VmNotFoundException::class, fn () => $this->vms->get(99)));
    }

    public function testSavingAgainReplacesTheVmAndKeepsItsQueueState(): void
    {
        $this->vms->save(self::vm());
        $this->vms->setStatus(12, 'active');
        $this->vms->queue(12);
        $this->vms->save(self::vm(12, ['ips' => ['192.0.2.9']]));

        $this->assertSame(['192.0.2.9'], $this->vms->get(12)['ips']);
        $this->assertSame(VmStore::QUEUED, $this->vms->status(12));
        $this->assertSame('active', $this->rawVm(12)['previous_status']);
    }

    /** @return array<string, array{0: array, 1: string}> */
    public static function badVms(): array
    {
        return [
            'no id' => [['name' => 'a', 'domain' => 'b', 'ips' => []], 'VM id must be a whole number from 1 to 4294967295, not nothing'],
            'id zero' => [self::vm(12, ['id' => 0]), 'VM id must be a whole number from 1 to 4294967295, not 0'],
            'id text' => [self::vm(12, ['id' => 'vm-12']), 'VM id must be a whole number from 1 to 4294967295, not "vm-12"'],
            'no name' => [self::vm(12, ['name' => '']), 'VM 12: name must be a text of 1 to 255 characters, not ""'],
            'domain list' => [self::vm(12, ['domain' => ['x']]), 'VM 12: domain must be a text of 1 to 255 characters, not array'],
            'ips text' => [self::vm(12, ['ips' => '192.0.2.7']), 'VM 12: ips must be a list of addresses, not "192.0.2.7"'],
            'ips map' => [self::vm(12, ['ips' => ['a' => '192.0.2.7']]), 'VM 12: ips must be a list of addresses, not array'],
            'ip number' => [self::vm(12, ['ips' => ['192.0.2.7', 7]]), 'VM 12: ips[1] must be an address or {ip, reverse}, not 7'],
            'ttl negative' => [self::vm(12, ['ttl' => -1]), 'VM 12: ttl must be a whole number, not -1'],
        ];
    }

    /** @dataProvider badVms */
    public function testABadVmIsRefusedWithItsReasonAndNothingIsWritten(array $vm, string $message): void
    {
        $this->assertSame($message, $this->thrown(InvalidVmException::class, fn () => $this->vms->save($vm)));
        $this->assertSame([], $this->vms->all());
    }

    /** @return array<string, array{0: array, 1: string}> */
    public static function vmsTheExtensionRefuses(): array
    {
        return [
            'name with a space' => [self::vm(12, ['name' => 'web 1']), 'VM 12: name "web 1" contains \' \', which a DNS name cannot hold'],
            'ttl zero' => [self::vm(12, ['ttl' => 0]), 'VM 12: ttl 0 is out of range (1 to 2147483647)'],
            'client rDNS with a zone file line' => [
                self::vm(12, ['ips' => ['192.0.2.7', ['ip' => '192.0.2.8', 'reverse' => "a.example.com.\n@ IN NS ns.evil."]]]),
                'VM 12: ips[1].reverse: the reverse name for 192.0.2.8 "a.example.com.\\n@ IN NS ns.evil." contains \'\\n\', which a DNS name cannot hold',
            ],
            'not an address' => [self::vm(12, ['ips' => ['192.0.2.300']]), 'VM 12: ips[0]: "192.0.2.300" is not an IP address'],
            'option-like label' => [self::vm(12, ['domain' => '-o.example.com']), 'VM 12: domain "-o.example.com" has a label that starts with \'-\' ("-o"), which no host name may have'],
        ];
    }

    /** @dataProvider vmsTheExtensionRefuses */
    public function testAVmTheExtensionRefusesNeverReplacesTheRememberedOne(array $vm, string $message): void
    {
        $this->vms->save(self::vm());
        $before = $this->rawVm(12);
        $this->assertSame($message, $this->thrown(InvalidVmException::class, fn () => $this->vms->save($vm)));
        $this->assertSame($before, $this->rawVm(12));
    }

    public function testSavingCountsTheVersionAndKeepsWhatDnsMayHold(): void
    {
        // A package change of a VM never written here: its old VM is what DNS may hold.
        $old = self::vm(12, ['ips' => ['192.0.2.5']]);
        $this->vms->save(self::vm(), $old);
        $this->assertSame(['vm' => self::vm(), 'synced' => $old, 'version' => 0, 'terminated' => false], $this->vms->state(12));
        $this->vms->save(self::vm(13));
        $this->assertNull($this->vms->state(13)['synced']);

        // A row of an older version, without `synced`: the VM wanted until
        // now is what was written, and is kept as such on the next save.
        $this->vms->save(self::vm(13, ['ips' => ['192.0.2.9']]));
        $this->assertSame(['vm' => self::vm(13, ['ips' => ['192.0.2.9']]), 'synced' => self::vm(13), 'version' => 1, 'terminated' => false], $this->vms->state(13));

        $this->vms->terminate(13);
        $this->assertSame([2, true], [$this->vms->state(13)['version'], $this->vms->state(13)['terminated']]);
        // Deployed again: wanted again.
        $this->vms->save(self::vm(13));
        $this->assertSame([3, false], [$this->vms->state(13)['version'], $this->vms->state(13)['terminated']]);
        $this->assertSame('no VM has the id 99', $this->thrown(VmNotFoundException::class, fn () => $this->vms->terminate(99)));
    }

    public function testOneHolderAtATimeAndAnEndedLeaseOrAGoneHolderIsTakenOver(): void
    {
        $this->vms->save(self::vm(1));
        $this->assertNull($this->vms->lock(1, 'call-a', 600));
        $this->assertSame('call-a', $this->vms->lock(1, 'call-b', 600));
        $this->vms->release(1, 'call-b');   // not its own: nothing happens
        $this->assertSame('call-a', $this->rawVm(1)['locked_by']);
        $this->vms->release(1, 'call-a');
        $this->assertNull($this->vms->lock(1, 'call-b', 600));

        // An ended lease.
        $this->pdo->exec('UPDATE ' . $this->q(Schema::VMS) . ' SET ' . $this->q('locked_until') . " = '2000-01-01 00:00:00'");
        $this->assertNull($this->vms->lock(1, 'call-c', 600));
        $this->assertSame('call-c', $this->rawVm(1)['locked_by']);

        // A holder of this host whose process is gone is taken over at once;
        // one that still runs (this process) is not.
        $gone = VmStore::newOwner('cron');
        $this->assertFalse(VmStore::isGone($gone), 'this process runs');
        $dead = self::ownerOfAnEndedProcess();
        $this->assertTrue(VmStore::isGone($dead));
        $this->assertFalse(VmStore::isGone('otherhost:1:cron:abcd1234'), 'another host: only its lease tells');
        $this->pdo->prepare('UPDATE ' . $this->q(Schema::VMS) . ' SET ' . $this->q('locked_by') . ' = ?, ' . $this->q('locked_until') . ' = ?')
            ->execute([$dead, gmdate('Y-m-d H:i:s', time() + 3600)]);
        $this->assertNull($this->vms->lock(1, $gone, 600));
        $this->assertSame($gone, $this->rawVm(1)['locked_by']);
        $this->assertSame($gone, $this->vms->lock(1, VmStore::newOwner('cron'), 600));
    }

    /** The name a holder in a process that has ended would have had. */
    private static function ownerOfAnEndedProcess(): string
    {
        $process = proc_open([PHP_BINARY, '-r', 'echo getmypid();'], [1 => ['pipe', 'w']], $pipes);
        $pid = (int) stream_get_contents($pipes[1]);
        proc_close($process);
        return sprintf('%s:%d:cron:%s', gethostname(), $pid, bin2hex(random_bytes(4)));
    }

    public function testFinishLetsGoOnlyTheVersionItSynced(): void
    {
        $this->vms->save(self::vm());
        $this->vms->setStatus(12, 'active');
        $this->vms->queue(12);
        $this->assertNull($this->vms->lock(12, 'run-a', 600));
        $version = $this->vms->state(12)['version'];
        $this->vms->wrote(12, 'run-a', self::vm());
        $this->vms->wrote(12, 'run-b', self::vm(12, ['ips' => []]));   // not its holder: ignored
        $this->assertSame(self::vm(), $this->vms->state(12)['synced']);

        // A change while held: the holder must sync again.
        $this->vms->save(self::vm(12, ['ips' => ['192.0.2.9']]));
        $this->assertSame(VmStore::CHANGED, $this->vms->finish(12, 'run-a', $version));
        $this->assertSame('run-a', $this->rawVm(12)['locked_by']);
        $this->assertSame(VmStore::RELEASED, $this->vms->finish(12, 'run-a', $version + 1));
        $raw = $this->rawVm(12);
        $this->assertSame(['active', null, null], [$raw['status'], $raw['locked_by'], $raw['locked_until']]);
        $this->assertSame(VmStore::LOST, $this->vms->finish(12, 'run-a', $version + 1));

        // A terminated VM whose records are gone is forgotten, for its version only.
        $this->vms->terminate(12);
        $this->assertNull($this->vms->lock(12, 'run-c', 600));
        $this->vms->save(self::vm());   // deployed again meanwhile
        $this->assertSame(VmStore::CHANGED, $this->vms->finish(12, 'run-c', $version + 2, true));
        $this->assertNotNull($this->vms->find(12));
        $this->vms->terminate(12);
        $this->assertSame(VmStore::RELEASED, $this->vms->finish(12, 'run-c', $version + 4, true));
        $this->assertNull($this->vms->find(12));
    }

    public function testAPressWhileHeldStaysQueuedForTheNextRun(): void
    {
        $this->vms->save(self::vm());
        $this->vms->setStatus(12, 'active');
        $this->vms->queue(12);
        $this->assertSame([12], array_keys($this->vms->claim('run-a', 600)));
        $this->vms->queue(12);   // pressed again while run-a writes
        $this->assertSame('1', $this->rawVm(12)['requeued']);
        $this->vms->release(12, 'run-a');
        $raw = $this->rawVm(12);
        $this->assertSame([VmStore::QUEUED, 'active', '0', null], [$raw['status'], $raw['previous_status'], $raw['requeued'], $raw['locked_by']]);
        $this->assertSame([12], array_keys($this->vms->claim('run-b', 600)));
        $this->vms->release(12, 'run-b');
        $this->assertSame('active', $this->vms->status(12));

        // A change that waits for the holder queues the VM only in case the
        // holder stops: the holder's release puts the status back.
        $this->assertNull($this->vms->lock(12, 'call-a', 600));
        $this->vms->queue(12, false);
        $this->vms->release(12, 'call-a');
        $this->assertSame('active', $this->vms->status(12));
    }

    public function testRenewExtendsEveryLeaseOfTheHolder(): void
    {
        foreach ([1, 2, 3] as $id) {
            $this->vms->save(self::vm($id));
            $this->vms->queue($id);
        }
        $this->vms->save(self::vm(4));
        $this->assertNull($this->vms->lock(4, 'call-b', 5));
        $this->assertSame([1, 2, 3], array_keys($this->vms->claim('run-a', 5)));
        $soon = gmdate('Y-m-d H:i:s', time() + 10);
        $this->assertLessThan($soon, $this->rawVm(1)['locked_until']);

        $this->vms->renew('run-a', 600);
        $later = gmdate('Y-m-d H:i:s', time() + 590);
        foreach ([1, 2, 3] as $id) {
            $this->assertGreaterThan($later, $this->rawVm($id)['locked_until'], "VM $id");
        }
        $this->assertLessThan($soon, $this->rawVm(4)['locked_until'], "another holder's lease is its own");
    }

    public function testARowWhoseIpsAreNoLongerJsonIsGivenWithTheRawText(): void
    {
        $this->vms->save(self::vm());
        $this->pdo->exec('UPDATE ' . $this->q(Schema::VMS) . " SET " . $this->q('ips') . " = '192.0.2.7, oops'");
        // DnsSync then reports this VM as malformed; nothing is dropped.
        $this->assertSame('192.0.2.7, oops', $this->vms->get(12)['ips']);
        $this->assertSame([], $this->vms->dnsMap());
    }

    public function testQueueRemembersTheStatusAndReleaseRestoresIt(): void
    {
        $this->vms->save(self::vm());
        $this->vms->setStatus(12, 'running');
        $this->vms->queue(12);
        $this->vms->queue(12);   // twice: still restores `running`
        $this->assertSame(VmStore::QUEUED, $this->vms->status(12));

        $claimed = $this->vms->claim('run-a', 600);
        $this->assertSame([12 => ['vm' => self::vm(), 'synced' => null, 'version' => 0, 'terminated' => false]], $claimed);
        $raw = $this->rawVm(12);
        $this->assertSame('run-a', $raw['locked_by']);
        $this->assertMatchesRegularExpression(self::TIME, (string) $raw['locked_until']);
        $this->assertGreaterThan(gmdate('Y-m-d H:i:s', time() + 590), $raw['locked_until']);

        $this->vms->release(12, 'run-a');
        $raw = $this->rawVm(12);
        $this->assertSame(['running', null, null, null], [$raw['status'], $raw['previous_status'], $raw['locked_by'], $raw['locked_until']]);
        $this->assertSame([], $this->vms->claim('run-b', 600), 'released: not queued any more');
    }

    public function testTwoRunsNeverTakeTheSameVm(): void
    {
        foreach ([1, 2, 3] as $id) {
            $this->vms->save(self::vm($id));
            $this->vms->queue($id);
        }
        $this->vms->save(self::vm(4));   // not queued

        $a = $this->vms->claim('run-a', 600);
        $b = $this->vms->claim('run-b', 600);
        $this->assertSame([1, 2, 3], array_keys($a));
        $this->assertSame([], $b);

        // Another run's release does nothing to run-a's VMs.
        $this->vms->release(1, 'run-b');
        $this->assertSame('run-a', $this->rawVm(1)['locked_by']);
        $this->assertSame(VmStore::QUEUED, $this->vms->status(1));
    }

    public function testAVmWhoseLeaseEndedIsTakenByTheNextRun(): void
    {
        $this->vms->save(self::vm(1));
        $this->vms->queue(1);
        $this->vms->save(self::vm(2));
        $this->vms->queue(2);
        $this->assertSame([1, 2], array_keys($this->vms->claim('dead-run', 600)));
        // The dead run's lease of VM 1 ran out; VM 2's has not.
        $this->pdo->exec('UPDATE ' . $this->q(Schema::VMS) . ' SET ' . $this->q('locked_until') . " = '2000-01-01 00:00:00' WHERE " . $this->q('id') . ' = 1');

        $this->assertSame([1], array_keys($this->vms->claim('next-run', 600)));
        $this->assertSame('next-run', $this->rawVm(1)['locked_by']);
        $this->assertSame('dead-run', $this->rawVm(2)['locked_by']);
        // The dead run cannot release what is no longer its own.
        $this->vms->release(1, 'dead-run');
        $this->assertSame('next-run', $this->rawVm(1)['locked_by']);
    }

    public function testQueueOfAnUnknownVmThrows(): void
    {
        $this->assertSame('no VM has the id 7', $this->thrown(VmNotFoundException::class, fn () => $this->vms->queue(7)));
    }

    public function testDnsMapListsEveryAddressWithItsPtrTarget(): void
    {
        $this->vms->save(self::vm(12));
        $this->vms->save(self::vm(13, ['fqdn' => 'web.example.com', 'ips' => ['198.51.100.3']]));
        $this->assertSame([
            ['forward' => '12-1776530141.puqcloud.com', 'ip' => '192.0.2.7', 'reverse' => '12-1776530141.puqcloud.com'],
            ['forward' => '12-1776530141.puqcloud.com', 'ip' => '2001:db8::7', 'reverse' => 'mail.example.com'],
            ['forward' => 'web.example.com', 'ip' => '198.51.100.3', 'reverse' => 'web.example.com'],
        ], $this->vms->dnsMap());
    }

    public function testDnsMapGivesOnlyValidNamesAndAddressesWhateverTheTableHolds(): void
    {
        $this->vms->save(self::vm(12, ['name' => 'Web-12', 'ips' => ['192.0.2.7', '192.0.2.8']]));
        $this->vms->save(self::vm(14, ['ips' => ['192.0.2.14']]));
        $this->vms->save(self::vm(15, ['ips' => ['192.0.2.15']]));
        $this->vms->terminate(15);   // its records are on their way out
        // Rows written by hand or by an older version, which no save takes now.
        $ips = json_encode([
            '192.0.2.7',
            ['ip' => '192.0.2.9', 'reverse' => "a.example.com.\n@ IN NS ns.evil."],
            '10.0.0.300',
            ['ip' => ' 2001:DB8::9 ', 'reverse' => 'Mail.Example.com'],
        ]);
        $this->pdo->prepare('UPDATE ' . $this->q(Schema::VMS) . ' SET ' . $this->q('ips') . ' = ? WHERE ' . $this->q('id') . ' = 12')->execute([$ips]);
        $this->pdo->exec('UPDATE ' . $this->q(Schema::VMS) . ' SET ' . $this->q('name') . " = 'bad name' WHERE " . $this->q('id') . ' = 14');

        $this->assertSame([
            ['forward' => 'web-12.puqcloud.com', 'ip' => '192.0.2.7', 'reverse' => 'web-12.puqcloud.com'],
            ['forward' => 'web-12.puqcloud.com', 'ip' => '2001:db8::9', 'reverse' => 'mail.example.com'],
        ], $this->vms->dnsMap());
    }

    public function testRemoveForgetsTheVm(): void
    {
        $this->vms->save(self::vm());
        $this->vms->remove(12);
        $this->assertNull($this->vms->find(12));
        $this->vms->remove(12);   // twice: nothing to do
        $this->assertSame([], $this->vms->all());
    }
}
