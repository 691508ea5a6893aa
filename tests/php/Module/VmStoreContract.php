<?php

declare(strict_types=1);

namespace PuqDns\Tests\Module;

use PuqDns\Module\InvalidVmException;
use PuqDns\Module\Schema;
use PuqDns\Module\VmNotFoundException;
use PuqDns\Module\VmStore;

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
        $this->assertSame([12 => self::vm()], $claimed);
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

    public function testRemoveForgetsTheVm(): void
    {
        $this->vms->save(self::vm());
        $this->vms->remove(12);
        $this->assertNull($this->vms->find(12));
        $this->vms->remove(12);   // twice: nothing to do
        $this->assertSame([], $this->vms->all());
    }
}
