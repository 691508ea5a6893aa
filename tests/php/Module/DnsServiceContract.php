<?php

declare(strict_types=1);

namespace PuqDns\Tests\Module;

use PuqDns\Module\Log\TableModuleLog;
use PuqDns\Module\Log\WhmcsModuleLog;
use PuqDns\Module\Store\Schema;
use PuqDns\Module\Store\VmStore;
use PuqDns\Module\Store\WhmcsSecretBox;
use PuqDns\Module\Store\ZoneStore;
use PuqDns\Module\Sync\DnsService;
use PuqDns\Module\Whmcs\WhmcsHooks;
use PuqDns\Tests\CloudflareServer;
use PuqDns\Tests\Fixtures;
use PuqDns\Tests\PowerDnsServer;

require_once __DIR__ . '/ModuleTestCase.php';
require_once __DIR__ . '/WhmcsStandIns.php';
require_once dirname(__DIR__) . '/PowerDnsServer.php';
require_once dirname(__DIR__) . '/CloudflareServer.php';

/**
 * What the provisioning module calls (deploy, change package, terminate,
 * Set DNS records and its cron task) on a real database and a real
 * PowerDNS: records are read back from the server, log entries from the
 * log table, queue state from the VMs table.
 */
abstract class DnsServiceContract extends ModuleTestCase
{
    private const NAME = '5551-1776530141';

    private static ?PowerDnsServer $pdns = null;
    /** For the races: a provider that can hold a request open. */
    private static ?CloudflareServer $cf = null;
    private static int $counter = 0;

    protected ZoneStore $zones;
    protected VmStore $vms;
    protected TableModuleLog $log;
    protected DnsService $dns;
    /** The forward zone of this test, and its reverse zone. */
    protected string $domain;
    protected string $rev4;
    /** @var list<string> lines said by the last calls */
    protected array $lines = [];

    public static function setUpBeforeClass(): void
    {
        parent::setUpBeforeClass();
        self::$pdns = new PowerDnsServer();
    }

    public static function tearDownAfterClass(): void
    {
        self::$pdns?->stop();
        self::$pdns = null;
        self::$cf?->stop();
        self::$cf = null;
        parent::tearDownAfterClass();
    }

    protected function setUp(): void
    {
        parent::setUp();
        Schema::install($this->pdo);
        // Fresh zones per test, so tests share one server without seeing each other.
        $n = ++self::$counter;
        $this->domain = "svc$n-" . strtolower(substr(static::class, strrpos(static::class, '\\') + 1, 6)) . '.example';
        $this->rev4 = (100 + $n) . '.51.198.in-addr.arpa';
        self::$pdns->createZone($this->domain);
        self::$pdns->createZone($this->rev4);
        $this->zones = new ZoneStore($this->pdo, $this->box);
        $this->zones->create(['type' => 'powerdns', 'zone' => $this->domain, 'server_url' => self::$pdns->url, 'api_key' => self::$pdns->key]);
        $this->zones->create(['type' => 'powerdns', 'zone' => $this->rev4, 'server_url' => self::$pdns->url, 'api_key' => self::$pdns->key]);
        $this->vms = new VmStore($this->pdo);
        $this->log = new TableModuleLog($this->pdo);
        $this->dns = new DnsService($this->zones, $this->vms, $this->log, ['retries' => 0, 'timeout' => 5, 'connect_timeout' => 2]);
        $this->lines = [];
    }

    protected function out(): \Closure
    {
        return function (string $line): void {
            $this->lines[] = $line;
        };
    }

    protected function vm(array $ips, int $id = 5551): array
    {
        return ['id' => $id, 'name' => self::NAME . ($id === 5551 ? '' : "-$id"), 'domain' => $this->domain, 'ips' => $ips];
    }

    protected function fqdn(int $id = 5551): string
    {
        return self::NAME . ($id === 5551 ? '' : "-$id") . '.' . $this->domain;
    }

    protected function a(int $id = 5551): array
    {
        return self::$pdns->get($this->domain, $this->fqdn($id), 'A');
    }

    protected function ptr(string $lastOctet): array
    {
        $n = explode('.', $this->rev4)[0];
        return self::$pdns->get($this->rev4, "$lastOctet.$n.51.198.in-addr.arpa", 'PTR');
    }

    protected function ip(string $lastOctet): string
    {
        return '198.51.' . explode('.', $this->rev4)[0] . ".$lastOctet";
    }

    /** Every log entry, oldest first, with the volatile fields dropped. */
    protected function logged(): array
    {
        return array_map(
            static fn (array $e): array => [$e['level'], $e['action'], $e['vm_id'], $e['zone_id'], $e['message']],
            array_reverse($this->log->recent(100)),
        );
    }

    /** The whole database as text: no secret may be in it unsealed. */
    protected function assertNoSecretStoredOrSaid(): void
    {
        $dump = json_encode([$this->log->recent(1000), $this->vms->all(), $this->lines]);
        $this->assertStringNotContainsString(self::$pdns->key, $dump);
    }

    // ------------------------------------------------------------ lifecycle

    public function testDeployCreatesTheRecordsSaysEachLineAndRemembersTheVm(): void
    {
        $vm = $this->vm([$this->ip('7'), $this->ip('8')]);
        $result = $this->dns->deploy($vm, $this->out());

        $this->assertTrue($result['ok']);
        $this->assertSame([$this->ip('7'), $this->ip('8')], $this->a());
        $this->assertSame([$this->fqdn() . '.'], $this->ptr('7'));
        $this->assertSame($vm, $this->vms->get(5551));
        $lines = $this->lines;
        $this->assertSame("VM 5551: create OK (4 created, 0 deleted, 0 unchanged, 0 failed)", array_pop($lines));
        sort($lines);
        $n = explode('.', $this->rev4)[0];
        $this->assertSame([
            "VM 5551: fwd OK create A {$this->fqdn()} {$this->ip('7')} zone {$this->domain} (#1, powerdns)",
            "VM 5551: fwd OK create A {$this->fqdn()} {$this->ip('8')} zone {$this->domain} (#1, powerdns)",
            "VM 5551: rev OK create PTR 7.$n.51.198.in-addr.arpa {$this->fqdn()} zone {$this->rev4} (#2, powerdns)",
            "VM 5551: rev OK create PTR 8.$n.51.198.in-addr.arpa {$this->fqdn()} zone {$this->rev4} (#2, powerdns)",
        ], $lines);
        $this->assertSame([], $this->logged(), 'nothing failed: nothing logged');
    }

    public function testTheSizeOfAZoneReadWholeIsKeptForTheNextProcess(): void
    {
        // 30 PTR names take four rounds by name: the reverse zone is read whole.
        $ips = array_map(fn (int $i): string => $this->ip((string) $i), range(1, 30));
        $result = $this->dns->deploy($this->vm($ips));
        $this->assertTrue($result['ok'], json_encode($result['errors']));
        $this->assertSame(['zone', 1, 2], [$result['stats'][1]['read'], $result['stats'][1]['read_requests'], $result['stats'][1]['zone_records']]);
        // SOA and NS, as the read saw the zone before writing.
        $this->assertSame([2 => 2], $this->zones->sizes());
        $this->assertArrayNotHasKey('zone_records', $this->zones->get(2), 'a size is not a field of the zone');
        $this->assertArrayNotHasKey('zone_records', $this->zones->rows()[1]);
    }

    public function testKeptSizesChooseTheReadOfANewProcess(): void
    {
        // A size kept by an earlier process (this process never read the zone).
        $this->zones->rememberSizes([['stats' => [['zone_id' => 2, 'zone_records' => 2]]]]);
        $result = $this->dns->deploy($this->vm([$this->ip('7'), $this->ip('8')]));
        $this->assertTrue($result['ok'], json_encode($result['errors']));
        // Two PTR names in a zone known to be small: one read instead of two.
        $this->assertSame(
            [[1, 'names', 1], [2, 'zone', 1]],
            array_map(static fn (array $z): array => [$z['zone_id'], $z['read'], $z['read_requests']], $result['stats']),
        );
        $this->assertSame([$this->fqdn() . '.'], $this->ptr('8'));
    }

    public function testChangePackageDropsWhatTheRememberedVmHadAndTheNewOneHasNot(): void
    {
        $this->dns->deploy($this->vm([$this->ip('7'), $this->ip('8')]));
        $result = $this->dns->changePackage($this->vm([$this->ip('7'), $this->ip('9')]));

        $this->assertTrue($result['ok']);
        $this->assertSame('update', $result['action']);
        $this->assertSame([$this->ip('7'), $this->ip('9')], $this->a());
        $this->assertSame([], $this->ptr('8'), "the old address's PTR is gone");
        $this->assertSame([$this->fqdn() . '.'], $this->ptr('9'));
        $this->assertSame([$this->ip('7'), $this->ip('9')], $this->vms->get(5551)['ips']);
    }

    public function testTerminateByIdDeletesTheRecordsAndForgetsTheVm(): void
    {
        $this->dns->deploy($this->vm([$this->ip('7')]));
        $result = $this->dns->terminate(5551, $this->out());

        $this->assertTrue($result['ok']);
        $this->assertSame([], $this->a());
        $this->assertSame([], $this->ptr('7'));
        $this->assertNull($this->vms->find(5551));
        $this->assertSame('VM 5551: delete OK (0 created, 2 deleted, 0 unchanged, 0 failed)', end($this->lines));
    }

    public function testAFailedZoneIsLoggedPerOperationWithASummaryAndTheRestIsWritten(): void
    {
        // A third zone, on a server that is down, also takes the VM's name.
        $deadKey = 'dead-server-key-0123456789';
        $this->zones->create(['type' => 'powerdns', 'zone' => "sub.{$this->domain}", 'server_url' => Fixtures::DEAD_URL, 'api_key' => $deadKey]);
        $fqdn = "web.sub.{$this->domain}";
        $vm = ['fqdn' => $fqdn] + $this->vm([$this->ip('7')]);
        $result = $this->dns->deploy($vm, $this->out());

        $this->assertFalse($result['ok']);
        $this->assertSame(['created' => 2, 'deleted' => 0, 'unchanged' => 0, 'failed' => 1], $result['counts']);
        $this->assertSame([$this->ip('7')], self::$pdns->get($this->domain, $fqdn, 'A'), 'the healthy zones are written');
        $this->assertSame([$fqdn . '.'], $this->ptr('7'));

        $error = "fwd ERR create A $fqdn {$this->ip('7')} zone sub.{$this->domain} (#3, powerdns): cannot connect: Connection refused (os error 111)";
        $this->assertContains("VM 5551: $error", $this->lines);
        $this->assertSame('VM 5551: create ERR (2 created, 0 deleted, 0 unchanged, 1 failed)', end($this->lines));
        $this->assertSame([
            ['error', 'create', 5551, 3, $error],
            ['error', 'create', 5551, null, "create of VM 5551 ($fqdn): 1 of 3 operations failed"],
        ], $this->logged());
        [$summary, $entry] = $this->log->recent(2);
        $this->assertSame($result['errors'][0], $entry['context']['operation']);
        $this->assertSame(['summary' => true, 'counts' => $result['counts'], 'errors' => [$error], 'unmatched' => []], $summary['context']);

        $dump = json_encode([$this->log->recent(1000), $this->lines]);
        $this->assertStringNotContainsString($deadKey, $dump);
        $this->assertNoSecretStoredOrSaid();
    }

    public function testAZoneWhoseSecretCannotBeOpenedIsLeftOutAndLoggedAndTheOthersAreWritten(): void
    {
        $this->pdo->exec('UPDATE ' . $this->q(Schema::ZONES) . ' SET ' . $this->q('api_key') . " = 'sodium:v1:garbage' WHERE " . $this->q('id') . ' = 2');
        $result = $this->dns->deploy($this->vm([$this->ip('7')]), $this->out());

        $this->assertTrue($result['ok'], 'zone 2 is not part of the sync');
        $this->assertSame([$this->ip('7')], $this->a());
        $this->assertSame([$this->rev4PtrName('7')], $result['unmatched']);
        $reason = 'zone 2: the stored api_key cannot be used (the stored value is damaged: not a sodium:v1: sealed value); enter it again';
        $this->assertSame("zone 2 left out: $reason", $this->lines[0]);
        $this->assertSame([['warning', 'zones', null, 2, "zone 2 is left out of DNS syncs: $reason"]], $this->logged());
    }

    private function rev4PtrName(string $lastOctet): string
    {
        return "$lastOctet." . implode('.', array_slice(explode('.', $this->rev4), 0, 3)) . '.in-addr.arpa';
    }

    public function testNothingThrowsOutOfTheLifecycleCalls(): void
    {
        $this->assertNull($this->dns->deploy(['id' => 12, 'name' => 'x', 'domain' => $this->domain], $this->out()));
        $this->assertNull($this->dns->terminate(99, $this->out()));
        $this->assertNull($this->dns->changePackage(['id' => 'twelve'], null, $this->out()));
        // The database loses the VMs table under the module's feet.
        $this->pdo->exec('DROP TABLE ' . $this->q(Schema::VMS));
        $this->assertNull($this->dns->deploy($this->vm([$this->ip('7')])));

        $logged = $this->logged();
        $this->assertSame([
            ['error', 'create', 12, null, 'create of VM 12 did not run: VM 12: ips must be a list of addresses, not nothing'],
            ['error', 'delete', 99, null, 'delete of VM 99 did not run: no VM has the id 99'],
            ['error', 'update', null, null, 'update of VM ? did not run: VM id must be a whole number from 1 to 4294967295, not "twelve"'],
        ], array_slice($logged, 0, 3));
        $this->assertSame(['error', 'create', 5551, null], array_slice($logged[3], 0, 4));
        $this->assertStringStartsWith('create of VM 5551 did not run: SQLSTATE', $logged[3][4]);
        $this->assertSame([
            'ERR create of VM 12 did not run: VM 12: ips must be a list of addresses, not nothing',
            'ERR delete of VM 99 did not run: no VM has the id 99',
            'ERR update of VM ? did not run: VM id must be a whole number from 1 to 4294967295, not "twelve"',
        ], $this->lines);
    }

    public function testALogThatCannotBeWrittenStopsNothing(): void
    {
        $broken = new class () implements \PuqDns\Module\Log\ModuleLog {
            public int $tries = 0;

            public function write(\PuqDns\Module\Log\LogEntry $entry, array $secrets): void
            {
                $this->tries++;
                throw new \RuntimeException('the log table is full');
            }
        };
        $this->zones->create(['type' => 'powerdns', 'zone' => "sub.{$this->domain}", 'server_url' => Fixtures::DEAD_URL, 'api_key' => 'dead-server-key-0123456789']);
        $dns = new DnsService($this->zones, $this->vms, $broken, ['retries' => 0]);
        $errorLog = tempnam(sys_get_temp_dir(), 'puq-dns-error-log-');
        $previous = ini_set('error_log', $errorLog);
        try {
            $result = $dns->deploy(['fqdn' => "web.sub.{$this->domain}"] + $this->vm([$this->ip('7')]));
        } finally {
            ini_set('error_log', (string) $previous);
        }

        $this->assertSame(['created' => 2, 'deleted' => 0, 'unchanged' => 0, 'failed' => 1], $result['counts']);
        $this->assertSame(2, $broken->tries, 'the error and the summary were both tried');
        $said = (string) file_get_contents($errorLog);
        unlink($errorLog);
        $this->assertStringContainsString('puq_dns: cannot write the module log (the log table is full): fwd ERR create A web.sub.', $said);
        $this->assertStringNotContainsString('dead-server-key-0123456789', $said);
    }

    // ------------------------------------------------------------ Set DNS records

    public function testSetDnsRecordsQueuesAndTheCronRunResyncsWithLiveLinesAndRestoresTheStatus(): void
    {
        $this->dns->deploy($this->vm([$this->ip('7')]));
        $this->dns->deploy($this->vm([$this->ip('20')], 20));
        $this->vms->setStatus(5551, 'running');
        $this->vms->setStatus(20, 'stopped');
        // A stale A record appears at the VM's name.
        self::$pdns->put($this->domain, $this->fqdn(), 'A', [$this->ip('7'), '203.0.113.66']);

        $this->dns->setDnsRecords(5551);
        $this->dns->setDnsRecords(20);
        $this->assertSame(VmStore::QUEUED, $this->vms->status(5551));
        $this->assertSame([$this->ip('7'), '203.0.113.66'], $this->a(), 'queued: nothing done yet');

        $run = $this->dns->runQueue($this->out(), 'cron-test');

        $this->assertSame(['owner' => 'cron-test', 'vms' => [20, 5551], 'ok' => [20, 5551], 'failed' => [], 'skipped_zones' => [], 'error' => null], $run);
        $this->assertSame([$this->ip('7')], $this->a(), 'the stale record is gone');
        $this->assertSame(['running', 'stopped'], [$this->vms->status(5551), $this->vms->status(20)]);
        $n = explode('.', $this->rev4)[0];
        $this->assertSame([
            "VM 20: set DNS records for {$this->fqdn(20)}",
            "VM 5551: set DNS records for {$this->fqdn()}",
        ], array_slice($this->lines, 0, 2));
        $live = array_slice($this->lines, 2, -2);
        sort($live);
        $this->assertSame([
            "VM 20: fwd OK keep A {$this->fqdn(20)} {$this->ip('20')} zone {$this->domain} (#1, powerdns)",
            "VM 20: rev OK keep PTR 20.$n.51.198.in-addr.arpa {$this->fqdn(20)} zone {$this->rev4} (#2, powerdns)",
            "VM 5551: fwd OK delete A {$this->fqdn()} 203.0.113.66 zone {$this->domain} (#1, powerdns)",
            "VM 5551: fwd OK keep A {$this->fqdn()} {$this->ip('7')} zone {$this->domain} (#1, powerdns)",
            "VM 5551: rev OK keep PTR 7.$n.51.198.in-addr.arpa {$this->fqdn()} zone {$this->rev4} (#2, powerdns)",
        ], $live);
        $this->assertSame([
            'VM 20: resync OK (0 created, 0 deleted, 2 unchanged, 0 failed)',
            'VM 5551: resync OK (0 created, 1 deleted, 2 unchanged, 0 failed)',
        ], array_slice($this->lines, -2));

        $this->lines = [];
        $this->assertSame([], $this->dns->runQueue($this->out(), 'cron-again')['vms'], 'nothing left in the queue');
        $this->assertSame([], $this->lines);
    }

    public function testSetDnsRecordsWithTheVmArrayTakesAVmNeverDeployedHere(): void
    {
        // A VM from before puq_dns was installed: its records were made by hand.
        self::$pdns->put($this->domain, $this->fqdn(), 'A', ['203.0.113.66']);
        $this->dns->setDnsRecords($this->vm([$this->ip('7')]));
        $this->assertSame(VmStore::QUEUED, $this->vms->status(5551));

        $run = $this->dns->runQueue(null, 'cron-test');

        $this->assertSame([5551], $run['ok']);
        $this->assertSame([$this->ip('7')], $this->a());
        $this->assertSame([$this->fqdn() . '.'], $this->ptr('7'));
        $this->assertSame('', $this->vms->status(5551));
    }

    public function testTheCronRunReportsAMalformedStoredVmAndStillResyncsTheOthers(): void
    {
        $this->dns->deploy($this->vm([$this->ip('7')]));
        $this->dns->deploy($this->vm([$this->ip('8')], 8));
        $this->pdo->exec('UPDATE ' . $this->q(Schema::VMS) . ' SET ' . $this->q('ips') . " = 'oops' WHERE " . $this->q('id') . ' = 8');
        $this->dns->setDnsRecords(5551);
        $this->dns->setDnsRecords(8);

        $run = $this->dns->runQueue($this->out(), 'cron-test');

        $this->assertSame([8, 5551], $run['vms']);
        $this->assertSame([5551], $run['ok']);
        $this->assertSame([8], $run['failed']);
        $this->assertSame(['', ''], [$this->vms->status(8), $this->vms->status(5551)], 'both released');
        $this->assertContains('VM 8: resync ERR (0 created, 0 deleted, 0 unchanged, 1 failed)', $this->lines);
        $this->assertSame(
            ['error', 'resync', 8, null, 'fwd ERR create A - -: VM 8: ips must be a list of addresses, not "oops"'],
            $this->logged()[0],
        );
    }

    public function testTwoCronRunsAtOnceNeverResyncTheSameVm(): void
    {
        foreach ([1, 2, 3] as $id) {
            $this->dns->deploy($this->vm([$this->ip((string) $id)], $id));
            $this->dns->setDnsRecords($id);
        }
        // The first run holds the VMs (it is still running) when the second starts.
        $held = $this->vms->claim('first-run', 600);
        $second = $this->dns->runQueue($this->out(), 'second-run');

        $this->assertSame([1, 2, 3], array_keys($held));
        $this->assertSame([], $second['vms']);
        $this->assertSame([VmStore::QUEUED, VmStore::QUEUED, VmStore::QUEUED], array_map(fn ($id) => $this->vms->status($id), [1, 2, 3]));
    }

    // ------------------------------------------------------------ races

    /** The Cloudflare listing route: held to stop a cron run in the middle of its reads. */
    private const LIST = 'GET /zones/{id}/dns_records';
    private const BATCH = 'POST /zones/{id}/dns_records/batch';

    /** Moves the forward zone to the fake Cloudflare, whose requests a test can hold; gives its zone id there. */
    private function forwardOnCloudflare(): string
    {
        self::$cf ??= new CloudflareServer();
        $zoneId = self::$cf->createZone($this->domain);
        $this->zones->delete(1);
        $this->zones->create(Fixtures::without(self::$cf->row(0, $this->domain, $zoneId), 'id'));
        return $zoneId;
    }

    /** `A content` at the VM's name on the fake Cloudflare. */
    private function cfA(string $zoneId, int $id = 5551): array
    {
        return self::$cf->get($zoneId, $this->fqdn($id));
    }

    /**
     * `puq-dns cron` in a process of its own, on this test's database and key.
     *
     * @return array{0: resource, 1: array<int, resource>}
     */
    private function startCron(string ...$args)
    {
        $config = sys_get_temp_dir() . '/puq-dns-race-' . getmypid() . '-' . bin2hex(random_bytes(4)) . '.php';
        file_put_contents($config, "<?php\nreturn " . var_export([
            'db' => $this->databaseConfig(),
            'sodium_key_file' => $this->keyFile,
            'sync' => ['retries' => 0, 'timeout' => 30, 'connect_timeout' => 2],
        ], true) . ";\n");
        $this->cronConfigs[] = $config;
        $process = proc_open(
            [PHP_BINARY, '-d', 'extension=' . Fixtures::soPath(), dirname(__DIR__, 3) . '/php/bin/puq-dns', '--config', $config, 'cron', ...$args],
            [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']],
            $pipes,
        );
        $this->assertIsResource($process);
        return [$process, $pipes];
    }

    /** @var list<string> */
    private array $cronConfigs = [];

    /** @return array{0: int, 1: string} exit status and everything printed */
    private function finishCron(array $cron): array
    {
        [$process, $pipes] = $cron;
        $printed = stream_get_contents($pipes[1]) . stream_get_contents($pipes[2]);
        $status = proc_close($process);
        foreach ($this->cronConfigs as $config) {
            @unlink($config);
        }
        return [$status, $printed];
    }

    /** A DnsService that leaves its change to the holder at once instead of waiting for it. */
    private function impatient(): DnsService
    {
        return new DnsService($this->zones, $this->vms, $this->log, ['retries' => 0, 'timeout' => 5], 0.0);
    }

    public function testATerminateDuringACronRunIsNotUndoneByIt(): void
    {
        $zoneId = $this->forwardOnCloudflare();
        $vm = $this->vm([$this->ip('7')]);
        $this->assertTrue($this->dns->deploy($vm)['ok']);
        $this->dns->setDnsRecords(5551);
        self::$cf->hold(self::LIST);
        $cron = $this->startCron();
        $this->assertTrue(self::$cf->waitHeld(), 'the cron run is reading the forward zone');

        // The VM is terminated while the run that resyncs it waits on its read.
        $this->assertNull($this->impatient()->terminate(5551, $this->out()));
        $this->assertMatchesRegularExpression('/^VM 5551 is held by \S+:\d+:cron:[0-9a-f]+: its delete is left to that holder, which applies it when its own sync ends$/', $this->lines[0]);
        $this->assertSame(['A ' . $this->ip('7')], $this->cfA($zoneId), 'nothing written meanwhile');
        self::$cf->release();
        [$status, $printed] = $this->finishCron($cron);

        $this->assertSame(0, $status, $printed);
        $this->assertStringContainsString('VM 5551: resync OK (0 created, 0 deleted, 2 unchanged, 0 failed)', $printed);
        // Then, still holding the VM, the run syncs what is wanted now.
        $this->assertMatchesRegularExpression(
            '/\nVM 5551 changed while it was synced: syncing it again\n(VM 5551: (fwd|rev) OK delete .*\n){2}VM 5551: delete OK \(0 created, 2 deleted, 0 unchanged, 0 failed\)\n/',
            $printed,
        );
        $this->assertSame([], $this->cfA($zoneId), 'the run did not write the A record back');
        $this->assertSame([], $this->ptr('7'));
        $this->assertNull($this->vms->find(5551), 'forgotten once its records are gone');
    }

    public function testAPackageChangeDuringACronRunIsNotRevertedByIt(): void
    {
        $zoneId = $this->forwardOnCloudflare();
        $this->dns->deploy($this->vm([$this->ip('7')]));
        $this->vms->setStatus(5551, 'active');
        $this->dns->setDnsRecords(5551);
        self::$cf->hold(self::LIST);
        $cron = $this->startCron();
        $this->assertTrue(self::$cf->waitHeld());

        $new = $this->vm([$this->ip('9')]);
        $this->assertNull($this->impatient()->changePackage($new, null, $this->out()));
        $this->assertSame($new, $this->vms->get(5551), 'the change is remembered at once');
        self::$cf->release();
        [$status, $printed] = $this->finishCron($cron);

        $this->assertSame(0, $status, $printed);
        $this->assertStringContainsString('VM 5551: update OK (2 created, 2 deleted, 0 unchanged, 0 failed)', $printed);
        $this->assertSame(['A ' . $this->ip('9')], $this->cfA($zoneId));
        $this->assertSame([], $this->ptr('7'), "the old address's PTR is gone");
        $this->assertSame([$this->fqdn() . '.'], $this->ptr('9'));
        $this->assertSame(['vm' => $new, 'synced' => $new], array_intersect_key($this->vms->state(5551), ['vm' => 1, 'synced' => 1]));
        $this->assertSame('active', $this->vms->status(5551));
    }

    public function testALifecycleCallWaitsForAShortHolderInsteadOfLeavingItsChange(): void
    {
        $this->dns->deploy($this->vm([$this->ip('7')]));
        $other = VmStore::newOwner('update');
        $this->assertNull($this->vms->lock(5551, $other, 600));
        // The other holder lets go after 300 ms, within the lock wait.
        $pid = pcntl_fork();
        if ($pid === 0) {
            // A connection of its own: the parent's stays the parent's.
            $db = $this->databaseConfig();
            usleep(300_000);
            (new VmStore(new \PDO($db['dsn'], $db['user'], $db['password'])))->release(5551, $other);
            posix_kill(getmypid(), SIGKILL);   // no PHPUnit shutdown in the child
        }
        $result = (new DnsService($this->zones, $this->vms, $this->log, ['retries' => 0], 5.0))->terminate(5551, $this->out());
        pcntl_waitpid($pid, $status);

        $this->assertTrue($result['ok'] ?? false, json_encode($this->lines));
        $this->assertSame([], $this->a());
        $this->assertNull($this->vms->find(5551));
    }

    public function testPressingSetDnsRecordsDuringTheRunKeepsTheVmQueuedForTheNextRun(): void
    {
        $zoneId = $this->forwardOnCloudflare();
        $this->dns->deploy($this->vm([$this->ip('7')]));
        $this->vms->setStatus(5551, 'active');
        $this->dns->setDnsRecords(5551);
        self::$cf->hold(self::LIST);
        $cron = $this->startCron();
        $this->assertTrue(self::$cf->waitHeld());
        $this->dns->setDnsRecords(5551);   // pressed again: someone changed DNS by hand meanwhile
        self::$cf->seed($zoneId, 'A', $this->fqdn(), '203.0.113.66', 300);
        self::$cf->release();
        [$status, $printed] = $this->finishCron($cron);

        $this->assertSame(0, $status, $printed);
        $this->assertSame(VmStore::QUEUED, $this->vms->status(5551), 'the press is kept for the next run');
        $run = $this->dns->runQueue($this->out(), 'next-run');
        $this->assertSame([5551], $run['ok']);
        $this->assertSame(['A ' . $this->ip('7')], $this->cfA($zoneId));
        $this->assertSame('active', $this->vms->status(5551));
    }

    public function testALongRunRenewsItsHoldSoNoSecondRunTakesItsVms(): void
    {
        $this->forwardOnCloudflare();
        $this->dns->deploy($this->vm([$this->ip('7')]));
        $this->dns->setDnsRecords(5551);
        self::$cf->hold(self::LIST);
        $cron = $this->startCron('--lease', '2');
        $this->assertTrue(self::$cf->waitHeld());
        // Longer than the lease: only its renewal keeps the VM the run's.
        sleep(3);
        $second = $this->dns->runQueue($this->out(), 'second-run');
        $held = $this->vms->all()[0];
        self::$cf->release();
        [$status, $printed] = $this->finishCron($cron);

        $this->assertSame([], $second['vms'], 'the second run took nothing');
        $this->assertMatchesRegularExpression('/:\d+:cron:[0-9a-f]+$/', (string) $held['locked_by']);
        $this->assertGreaterThanOrEqual(gmdate('Y-m-d H:i:s'), $held['locked_until']);
        $this->assertSame(0, $status, $printed);
        $this->assertSame('', $this->vms->status(5551));
    }

    public function testACronRunKilledInTheMiddleIsFinishedByTheNextRun(): void
    {
        $zoneId = $this->forwardOnCloudflare();
        foreach ([1, 2, 3] as $id) {
            $this->dns->deploy($this->vm([$this->ip((string) $id)], $id));
            $this->vms->setStatus($id, 'active');
        }
        // Drift for the run to repair: a stale A record, a lost PTR.
        self::$cf->seed($zoneId, 'A', $this->fqdn(1), '203.0.113.66', 300);
        self::$pdns->put($this->rev4, $this->rev4PtrName('2'), 'PTR', []);
        foreach ([1, 2, 3] as $id) {
            $this->dns->setDnsRecords($id);
        }
        // Killed while its write to the forward zone is on the wire.
        self::$cf->hold(self::BATCH);
        $cron = $this->startCron();
        $this->assertTrue(self::$cf->waitHeld());
        proc_terminate($cron[0], 9);
        [$status] = $this->finishCron($cron);
        $this->assertNotSame(0, $status);
        foreach ([1, 2, 3] as $id) {
            $this->assertSame(VmStore::QUEUED, $this->vms->status($id), "VM $id is still queued");
        }
        self::$cf->release();

        // The next run takes the dead run's VMs at once, not after its lease.
        $run = $this->dns->runQueue($this->out());
        $this->assertSame([1, 2, 3], $run['ok'], implode("\n", $this->lines));
        foreach ([1, 2, 3] as $id) {
            $this->assertSame(['A ' . $this->ip((string) $id)], $this->cfA($zoneId, $id), "VM $id");
            $this->assertSame([$this->fqdn($id) . '.'], $this->ptr((string) $id), "VM $id");
            $this->assertSame('active', $this->vms->status($id));
        }
    }

    // ------------------------------------------------------------ bad VM arrays

    public function testAVmArrayTheExtensionRefusesNeverReplacesTheRememberedOne(): void
    {
        $good = $this->vm([$this->ip('7')]);
        $this->dns->deploy($good);
        $this->assertNull($this->dns->changePackage(['name' => 'web 1'] + $this->vm([$this->ip('9')]), null, $this->out()));
        $this->assertNull($this->dns->changePackage(['ttl' => 0] + $this->vm([$this->ip('9')]), null, $this->out()));
        $this->assertNull($this->dns->deploy($this->vm([['ip' => $this->ip('9'), 'reverse' => "a.example.com.\n@ IN NS ns.evil."]]), $this->out()));
        $this->assertSame([
            'ERR update of VM 5551 did not run: VM 5551: name "web 1" contains \' \', which a DNS name cannot hold',
            'ERR update of VM 5551 did not run: VM 5551: ttl 0 is out of range (1 to 2147483647)',
            'ERR create of VM 5551 did not run: VM 5551: ips[0].reverse: the reverse name for ' . $this->ip('9')
                . ' "a.example.com.\\n@ IN NS ns.evil." contains \'\\n\', which a DNS name cannot hold',
        ], $this->lines);
        $this->assertSame(array_map(static fn (string $line): array => ['error', str_contains($line, 'create') ? 'create' : 'update', 5551, null, substr($line, 4)], $this->lines), $this->logged());
        $this->assertSame($good, $this->vms->get(5551));
        $this->assertSame([$this->ip('7')], $this->a(), 'DNS untouched');

        // Terminate by id still finds the VM and its records.
        $this->assertTrue($this->dns->terminate(5551)['ok']);
        $this->assertSame([], $this->a());
        $this->assertSame([], $this->ptr('7'));
    }

    public function testAPackageChangeOfAVmNeverWrittenHereRemovesWhatTheOldVmHad(): void
    {
        // Deployed before puq_dns was installed: only the hook knows the old VM.
        self::$pdns->put($this->rev4, $this->rev4PtrName('7'), 'PTR', [$this->fqdn() . '.']);
        $result = $this->dns->changePackage($this->vm([$this->ip('9')]), $this->vm([$this->ip('7')]));
        $this->assertSame('update', $result['action']);
        $this->assertSame([], $this->ptr('7'));
        $this->assertSame([$this->fqdn() . '.'], $this->ptr('9'));

        // An old VM the extension refuses is left out; the new one is still written.
        $result = $this->dns->changePackage($this->vm([$this->ip('10')], 77), ['name' => 'bad name'] + $this->vm([$this->ip('7')], 77), $this->out());
        $this->assertTrue($result['ok']);
        $this->assertSame('VM 77: the old VM given is refused and left out; the remembered one stands for it', $this->lines[0]);
        $this->assertSame([$this->ip('10')], $this->a(77));
    }

    public function testATerminateWithARefusedArrayDeletesTheRememberedVm(): void
    {
        $this->dns->deploy($this->vm([$this->ip('7')]));
        $result = $this->dns->terminate(['name' => 'web 1'] + $this->vm([]), $this->out());

        $this->assertTrue($result['ok']);
        $warning = 'VM 5551: the VM given to terminate is refused (VM 5551: name "web 1" contains \' \', which a DNS name cannot hold); the remembered VM is terminated';
        $this->assertSame($warning, $this->lines[0]);
        $this->assertSame([['warning', 'delete', 5551, null, $warning]], $this->logged());
        $this->assertSame([], $this->a());
        $this->assertSame([], $this->ptr('7'));
        $this->assertNull($this->vms->find(5551));
    }

    public function testLinesCarryNoControlCharactersFromStoredValues(): void
    {
        $this->dns->deploy($this->vm([$this->ip('7')]));
        // A row edited by hand.
        $this->pdo->prepare('UPDATE ' . $this->q(Schema::VMS) . ' SET ' . $this->q('name') . ' = ?')->execute(["evil\n\e[2Jname"]);
        $this->dns->setDnsRecords(5551);
        $this->dns->runQueue($this->out(), 'cron-test');
        foreach ($this->lines as $line) {
            $this->assertDoesNotMatchRegularExpression('/[\x00-\x1f\x7f]/', $line);
        }
        $this->assertSame('VM 5551: set DNS records for evil\n\u{1b}[2Jname.' . $this->domain, $this->lines[0]);
    }

    // ------------------------------------------------------------ WHMCS

    public function testWhmcsModuleLogGetsTheSecretsInItsReplacementList(): void
    {
        $GLOBALS['whmcs_module_log'] = [];
        // A key with characters that JSON escapes: the request is JSON, so
        // WHMCS must blank its escaped forms too.
        $deadKey = 'dead/"server\\key-0123456789';
        $this->zones->create(['type' => 'powerdns', 'zone' => "sub.{$this->domain}", 'server_url' => Fixtures::DEAD_URL, 'api_key' => $deadKey]);
        $dns = new DnsService($this->zones, $this->vms, new WhmcsModuleLog(), ['retries' => 0]);
        $dns->deploy(['fqdn' => "web.sub.{$this->domain}"] + $this->vm([$this->ip('7')]));

        $calls = $GLOBALS['whmcs_module_log'];
        $this->assertCount(2, $calls);
        foreach ($calls as $call) {
            $this->assertSame('puqProxmoxKVM', $call['module']);
            $this->assertSame('DNS create', $call['action']);
            $this->assertEqualsCanonicalizing(
                // Raw, JSON-escaped (the request is JSON) and form/percent-encoded: the extension's forms.
                [self::$pdns->key, $deadKey, 'dead/\\"server\\\\key-0123456789', 'dead%2F%22server%5Ckey-0123456789'],
                $call['replaceVars'],
            );
        }
        $request = json_decode($calls[0]['request'], true);
        $this->assertSame(['error', 5551, 3], [$request['level'], $request['vm'], $request['zone']]);
        $this->assertSame('error', $request['operation']['status']);
        $this->assertStringEndsWith('cannot connect: Connection refused (os error 111)', $calls[0]['response']);
        $this->assertStringEndsWith('1 of 3 operations failed', $calls[1]['response']);
    }

    public function testInWhmcsTheCredentialsAreSealedWithWhmcsEncryptAndFailuresGoToItsLog(): void
    {
        $GLOBALS['whmcs_module_log'] = [];
        $this->pdo->exec('DELETE FROM ' . $this->q(Schema::ZONES));
        $whmcsZones = new ZoneStore($this->pdo, new WhmcsSecretBox());
        $forward = $whmcsZones->create(['type' => 'powerdns', 'zone' => $this->domain, 'server_url' => self::$pdns->url, 'api_key' => self::$pdns->key]);
        $stored = $this->pdo->query('SELECT ' . $this->q('api_key') . ' FROM ' . $this->q(Schema::ZONES))->fetchColumn();
        $this->assertStringStartsWith('whmcs-enc:', $stored);

        $result = DnsService::inWhmcs($this->pdo, ['retries' => 0])->deploy($this->vm([$this->ip('7')]));

        $this->assertTrue($result['ok']);
        $this->assertSame([$this->ip('7')], $this->a());
        $this->assertSame([$forward['id']], array_unique(array_column($result['operations'], 'zone_id')));
        $this->assertSame([], $GLOBALS['whmcs_module_log'], 'nothing failed');
    }

    public function testWhmcsHooksFollowCreateChangeAndTerminateAndNeverThrow(): void
    {
        $GLOBALS['whmcs_hooks'] = [];
        $errors = [];
        WhmcsHooks::register(
            $this->dns,
            function (array $vars): ?array {
                if (($vars['params']['moduletype'] ?? '') !== 'puqProxmoxKVM') {
                    return null;
                }
                if ($vars['params']['serviceid'] === 666) {
                    throw new \RuntimeException('the module cannot read service 666');
                }
                return $this->vm($vars['params']['ips'], $vars['params']['serviceid']);
            },
            function (\Throwable $e) use (&$errors): void {
                $errors[] = $e->getMessage();
            },
        );
        $this->assertSame(['AfterModuleCreate', 'AfterModuleChangePackage', 'AfterModuleTerminate'], array_keys($GLOBALS['whmcs_hooks']));
        $fire = function (string $hook, array $params): void {
            foreach ($GLOBALS['whmcs_hooks'][$hook] as $callback) {
                $callback(['params' => $params]);
            }
        };

        $fire('AfterModuleCreate', ['moduletype' => 'puqProxmoxKVM', 'serviceid' => 5551, 'ips' => [$this->ip('7')]]);
        $this->assertSame([$this->ip('7')], $this->a());
        $fire('AfterModuleChangePackage', ['moduletype' => 'puqProxmoxKVM', 'serviceid' => 5551, 'ips' => [$this->ip('9')]]);
        $this->assertSame([$this->ip('9')], $this->a());
        $this->assertSame([], $this->ptr('7'));
        $fire('AfterModuleCreate', ['moduletype' => 'cpanel', 'serviceid' => 7]);
        $fire('AfterModuleCreate', ['moduletype' => 'puqProxmoxKVM', 'serviceid' => 666, 'ips' => []]);
        $this->assertSame(['the module cannot read service 666'], $errors);
        $fire('AfterModuleTerminate', ['moduletype' => 'puqProxmoxKVM', 'serviceid' => 5551, 'ips' => [$this->ip('9')]]);
        $this->assertSame([], $this->a());
        $this->assertSame([], $this->ptr('9'));
        $this->assertNull($this->vms->find(5551));
    }
}
