<?php

declare(strict_types=1);

namespace PuqDns\Tests;

use PHPUnit\Framework\TestCase;
use PuqDns\DnsSync;

require_once __DIR__ . '/PowerDnsServer.php';

/**
 * The async runtime: nothing runs at module load, and a forked process
 * (pcntl_fork, php-fpm workers) gets a runtime of its own that works.
 */
final class RuntimeTest extends TestCase
{
    private static PowerDnsServer $pdns;

    public static function setUpBeforeClass(): void
    {
        self::$pdns = new PowerDnsServer();
        self::$pdns->createZone('fork.example');
        self::$pdns->createZone('3.0.192.in-addr.arpa');
    }

    public static function tearDownAfterClass(): void
    {
        self::$pdns->stop();
    }

    private function sync(): DnsSync
    {
        return new DnsSync([
            self::$pdns->row(1, 'fork.example'),
            self::$pdns->row(2, '3.0.192.in-addr.arpa'),
        ]);
    }

    private static function vm(int $i): array
    {
        return ['id' => $i, 'name' => "vm$i", 'domain' => 'fork.example', 'ips' => ["192.0.3.$i"]];
    }

    /** Runs PHP code in a fresh process with the extension loaded. */
    private static function php(string $code): string
    {
        $so = getenv('PUQ_DNS_SO') ?: ini_get('extension');
        $cmd = sprintf('%s -n -d extension=%s -r %s 2>&1', PHP_BINARY, escapeshellarg((string) $so), escapeshellarg($code));
        return (string) shell_exec($cmd);
    }

    public function testLoadingTheModuleStartsNoThread(): void
    {
        $this->assertSame(
            '1 1',
            self::php('$before = count(glob("/proc/self/task/*"));'
                . ' new PuqDns\DnsZoneManager([]);'
                . ' echo $before, " ", count(glob("/proc/self/task/*"));'),
        );
    }

    public function testChildAndParentBothSyncAfterFork(): void
    {
        $sync = $this->sync();
        $this->assertTrue($sync->create(self::vm(1))['ok'], 'the parent syncs before the fork');

        $pid = pcntl_fork();
        $this->assertNotSame(-1, $pid);
        if ($pid === 0) {
            // The child inherits the parent's runtime and must build its own.
            $ok = $sync->create(self::vm(2))['ok'];
            posix_kill(posix_getpid(), $ok ? SIGUSR1 : SIGUSR2);
            exit(0);
        }
        pcntl_waitpid($pid, $status);
        $this->assertTrue(pcntl_wifsignaled($status));
        $this->assertSame(SIGUSR1, pcntl_wtermsig($status), 'the child synced');

        $this->assertTrue($sync->create(self::vm(3))['ok'], 'the parent still syncs after the fork');
        foreach ([1, 2, 3] as $i) {
            $this->assertSame(["192.0.3.$i"], self::$pdns->dig("vm$i.fork.example", 'A'));
        }
    }

    public function testWorkersForkedAfterLoadEachSync(): void
    {
        $children = [];
        foreach ([11, 12, 13] as $i) {
            $pid = pcntl_fork();
            if ($pid === 0) {
                $ok = $this->sync()->resync(self::vm($i))['ok'];
                posix_kill(posix_getpid(), $ok ? SIGUSR1 : SIGUSR2);
                exit(0);
            }
            $children[$i] = $pid;
        }
        foreach ($children as $i => $pid) {
            pcntl_waitpid($pid, $status);
            $this->assertSame(SIGUSR1, pcntl_wtermsig($status), "worker $i synced");
            $this->assertSame(["192.0.3.$i"], self::$pdns->dig("vm$i.fork.example", 'A'));
            $this->assertSame(["vm$i.fork.example."], self::$pdns->dig("$i.3.0.192.in-addr.arpa", 'PTR'));
        }
    }
}
