<?php

declare(strict_types=1);

namespace PuqDns\Tests\Module;

use PHPUnit\Framework\TestCase;
use PuqDns\Module\Cli\Cli;
use PuqDns\Tests\BindServer;
use PuqDns\Tests\Fixtures;
use PuqDns\Tests\PowerDnsServer;

require_once dirname(__DIR__) . '/BindServer.php';
require_once dirname(__DIR__) . '/PowerDnsServer.php';
require_once __DIR__ . '/PhpServer.php';

/**
 * php/bin/puq-dns as an admin runs it, in its own processes, on a
 * standalone config (SQLite, a sodium key) and a private PowerDNS; and
 * php/public/dns.php over HTTP on the same database. Records are read back
 * from PowerDNS; no output of any command may hold the API key.
 */
final class CliTest extends TestCase
{
    private static PowerDnsServer $pdns;
    private static int $counter = 0;

    private string $dir;
    private string $config;
    private string $domain;
    private string $rev4;
    /** @var list<string> everything every command printed, for the secret check */
    private array $printed = [];

    public static function setUpBeforeClass(): void
    {
        self::$pdns = new PowerDnsServer();
    }

    public static function tearDownAfterClass(): void
    {
        self::$pdns->stop();
    }

    protected function setUp(): void
    {
        $this->dir = sys_get_temp_dir() . '/puq-dns-cli-' . getmypid() . '-' . bin2hex(random_bytes(4));
        mkdir($this->dir);
        $this->config = $this->writeConfig([]);
        $n = ++self::$counter;
        $this->domain = "cli$n.example";
        $this->rev4 = (10 + $n) . '.0.203.in-addr.arpa';
        self::$pdns->createZone($this->domain);
        self::$pdns->createZone($this->rev4);
        file_put_contents("$this->dir/pdns.key", self::$pdns->key . "\n");
    }

    protected function tearDown(): void
    {
        $all = implode("\n", $this->printed);
        $this->assertStringNotContainsString(self::$pdns->key, $all, 'a command printed the API key');
        exec('rm -rf ' . escapeshellarg($this->dir));
    }

    private function writeConfig(array $extra, string $name = 'config.php'): string
    {
        $path = "$this->dir/$name";
        file_put_contents($path, "<?php\nreturn " . var_export($extra + [
            'db' => ['dsn' => "sqlite:$this->dir/puq-dns.sqlite"],
            'sodium_key_file' => "$this->dir/secret.key",
            'admin_token' => 'cli-admin-token-0123456789',
            'sync' => ['retries' => 0, 'timeout' => 5],
        ], true) . ";\n");
        return $path;
    }

    /**
     * Starts puq-dns with the arguments.
     *
     * @return array{0: resource, 1: array<int, resource>}
     */
    private function start(array $args, string $stdin = '')
    {
        return $this->php([dirname(__DIR__, 3) . '/php/bin/puq-dns', '--config', $this->config, ...$args], $stdin);
    }

    /**
     * Starts a PHP script with the extension loaded.
     *
     * @param list<string> $command the script and its arguments
     * @return array{0: resource, 1: array<int, resource>}
     */
    private function php(array $command, string $stdin = '')
    {
        $process = proc_open(
            [PHP_BINARY, '-d', 'extension=' . Fixtures::soPath(), ...$command],
            [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']],
            $pipes,
        );
        fwrite($pipes[0], $stdin);
        fclose($pipes[0]);
        return [$process, $pipes];
    }

    /** @return array{0: int, 1: string, 2: string} exit status, stdout, stderr */
    private function finish(array $started): array
    {
        [$process, $pipes] = $started;
        $out = (string) stream_get_contents($pipes[1]);
        $err = (string) stream_get_contents($pipes[2]);
        $status = proc_close($process);
        $this->printed[] = $out . $err;
        return [$status, $out, $err];
    }

    private function cli(string ...$args): array
    {
        return $this->finish($this->start($args));
    }

    private function addZones(): void
    {
        $this->assertSame(
            [0, "zone 1 added: {$this->domain} (powerdns, forward)\n", ''],
            $this->cli('zones', 'add', 'type=PowerDNS', "zone={$this->domain}.", 'server_url=' . self::$pdns->url, "api_key=@$this->dir/pdns.key"),
        );
        // The key from stdin: it stays out of the process list and history.
        $this->assertSame(
            [0, "zone 2 added: {$this->rev4} (powerdns, reverse4)\n", ''],
            $this->finish($this->start(['zones', 'add', 'type=powerdns', "zone={$this->rev4}", 'server_url=' . self::$pdns->url, 'api_key=-'], self::$pdns->key)),
        );
    }

    private function vmJson(int $id, array $ips): string
    {
        return json_encode(['id' => $id, 'name' => "vm$id", 'domain' => $this->domain, 'ips' => $ips]);
    }

    private function ip(int $last): string
    {
        return '203.0.' . explode('.', $this->rev4)[0] . ".$last";
    }

    public function testZonesAreAddedListedTestedAndDeleted(): void
    {
        $this->addZones();
        $range = '203.0.' . explode('.', $this->rev4)[0] . '.0/24';
        $this->assertSame([0, sprintf("%-6s %-40s %-10s %s\n%-6s %-40s %-10s %-8s %s\n", 1, $this->domain, 'powerdns', 'forward', 2, $this->rev4, 'powerdns', 'reverse4', $range), ''], $this->cli('zones'));

        [$status, $out] = $this->cli('zones', 'test', '1');
        $this->assertSame(0, $status);
        $this->assertMatchesRegularExpression("/^OK zone {$this->domain} \\(powerdns, #1\\) in \\d+ ms: .+\\n$/", $out);

        // A wrong key: the provider's own refusal, exit status 1.
        file_put_contents("$this->dir/wrong.key", 'not-the-key-0123456789');
        $this->assertSame(0, $this->cli('zones', 'edit', '2', "api_key=@$this->dir/wrong.key")[0]);
        [$status, $out] = $this->cli('zones', 'test', '2');
        $this->assertSame(1, $status);
        $this->assertMatchesRegularExpression("/^ERR zone {$this->rev4} \\(powerdns, #2\\) in \\d+ ms: HTTP 401: .+\\n$/", $out);

        $this->assertSame([0, "zone 2 deleted\n", ''], $this->cli('zones', 'delete', '2'));
        $this->assertSame([2, '', "puq-dns: no zone has the id 2\n"], $this->cli('zones', 'test', '2'));
        // The stored key is sealed, never in the database as it is.
        $this->assertStringNotContainsString(self::$pdns->key, (string) file_get_contents("$this->dir/puq-dns.sqlite"));
    }

    public function testAnRfc2136ZoneIsAddedTestedAndWrittenLikeAnyOther(): void
    {
        $bind = new BindServer(['rfc.example']);
        try {
            $server = "127.0.0.1:{$bind->port}";
            $this->assertSame(
                [0, "zone 1 added: rfc.example (rfc2136, forward)\n", ''],
                $this->finish($this->start(['zones', 'add', 'type=rfc2136', 'zone=rfc.example', "server=$server", "tsig_name={$bind->keyName}", 'tsig_secret=-'], $bind->keySecret)),
            );
            [$status, $out] = $this->cli('zones', 'test', '1');
            $this->assertSame(0, $status, $out);
            $this->assertMatchesRegularExpression(
                '/^OK zone rfc\.example \(rfc2136, #1\) in \d+ ms: zone rfc\.example\. \(serial \d+\) found on ' . preg_quote($server, '/')
                    . ', which takes updates signed with ' . preg_quote($bind->keyName, '/') . ' \(hmac-sha256\)\n$/',
                $out,
            );

            [$status, $out] = $this->cli('deploy', json_encode(['id' => 31, 'name' => 'vm31', 'domain' => 'rfc.example', 'ips' => ['192.0.2.31']]));
            $this->assertSame(0, $status, $out);
            $this->assertStringContainsString('fwd OK create A vm31.rfc.example 192.0.2.31 zone rfc.example (#1, rfc2136)', $out);
            $this->assertSame(['192.0.2.31'], $bind->dig('vm31.rfc.example', 'A'));

            $this->assertStringNotContainsString($bind->keySecret, implode("\n", $this->printed));
            $this->assertStringNotContainsString($bind->keySecret, (string) file_get_contents("$this->dir/puq-dns.sqlite"));
        } finally {
            $bind->stop();
        }
    }

    public function testAQueuedVmIsResyncedByTheNextCronRunWithLiveLines(): void
    {
        $this->addZones();
        $vm = $this->vmJson(7, [$this->ip(7)]);
        [$status, $out] = $this->cli('deploy', $vm);
        $this->assertSame(0, $status, $out);
        $this->assertSame([$this->ip(7)], self::$pdns->get($this->domain, "vm7.{$this->domain}", 'A'));
        // Someone adds a stale record; Set DNS records clears it.
        self::$pdns->put($this->domain, "vm7.{$this->domain}", 'A', [$this->ip(7), '198.51.100.66']);

        $this->assertSame([0, "VM 7 queued: the next cron run sets its DNS records\n", ''], $this->cli('queue', '7'));
        [, $out] = $this->cli('vms');
        $this->assertStringContainsString('set_dns_records', $out);

        [$status, $out, $err] = $this->cli('cron');
        $this->assertSame([0, ''], [$status, $err]);
        $n = explode('.', $this->rev4)[0];
        $lines = explode("\n", rtrim($out));
        $this->assertSame("VM 7: set DNS records for vm7.{$this->domain}", $lines[0]);
        $live = array_slice($lines, 1, 3);
        sort($live);
        $this->assertSame([
            "VM 7: fwd OK delete A vm7.{$this->domain} 198.51.100.66 zone {$this->domain} (#1, powerdns)",
            "VM 7: fwd OK keep A vm7.{$this->domain} {$this->ip(7)} zone {$this->domain} (#1, powerdns)",
            "VM 7: rev OK keep PTR 7.$n.0.203.in-addr.arpa vm7.{$this->domain} zone {$this->rev4} (#2, powerdns)",
        ], $live);
        $this->assertSame([
            'VM 7: resync OK (0 created, 1 deleted, 2 unchanged, 0 failed)',
            'cron: 1 VM(s) taken, 1 OK, 0 with errors',
        ], array_slice($lines, 4));
        $this->assertSame([$this->ip(7)], self::$pdns->get($this->domain, "vm7.{$this->domain}", 'A'));
        [, $out] = $this->cli('vms');
        $this->assertStringNotContainsString('set_dns_records', $out, 'the status is restored');

        $this->assertSame([0, "cron: 0 VM(s) taken, 0 OK, 0 with errors\n", ''], $this->cli('cron'));
        // The same task as the module's cron.php runs it.
        $this->cli('queue', '7');
        [$status, $out] = $this->finish($this->php([dirname(__DIR__, 3) . '/php/cron.php', '--run-task=set_dns_records', '--config', $this->config]));
        $this->assertSame(0, $status, $out);
        $this->assertStringEndsWith("VM 7: resync OK (0 created, 0 deleted, 2 unchanged, 0 failed)\ncron: 1 VM(s) taken, 1 OK, 0 with errors\n", $out);
        $this->assertSame([2, '', "usage: cron.php --run-task=set_dns_records [--config FILE]\n"], $this->finish($this->php([dirname(__DIR__, 3) . '/php/cron.php', '--run-task=nothing'])));
        [$status, $out] = $this->cli('terminate', '7');
        $this->assertSame(0, $status, $out);
        $this->assertSame([], self::$pdns->get($this->domain, "vm7.{$this->domain}", 'A'));
    }

    public function testPlanSaysWhatWouldChangeAndHowEachZoneWasRead(): void
    {
        $this->addZones();
        $this->assertSame(0, $this->cli('deploy', $this->vmJson(8, [$this->ip(8)]))[0]);
        self::$pdns->put($this->domain, "vm8.{$this->domain}", 'A', [$this->ip(8), '198.51.100.66']);

        [$status, $out, $err] = $this->cli('plan', 'resync', '8');
        $this->assertSame([0, ''], [$status, $err]);
        $n = explode('.', $this->rev4)[0];
        $this->assertSame([
            "fwd OK keep A vm8.{$this->domain} {$this->ip(8)} zone {$this->domain} (#1, powerdns)",
            "fwd OK delete A vm8.{$this->domain} 198.51.100.66 zone {$this->domain} (#1, powerdns)",
            "rev OK keep PTR 8.$n.0.203.in-addr.arpa vm8.{$this->domain} zone {$this->rev4} (#2, powerdns)",
            "zone {$this->domain} (#1, powerdns): read by name in 1 request, 0 requests to write",
            "zone {$this->rev4} (#2, powerdns): read by name in 1 request, 0 requests to write",
            "plan vm8.{$this->domain}: OK (0 created, 1 deleted, 2 unchanged, 0 failed)",
        ], explode("\n", rtrim($out)));
        $this->assertSame(['198.51.100.66', $this->ip(8)], self::$pdns->get($this->domain, "vm8.{$this->domain}", 'A'), 'a plan writes nothing');
    }

    public function testTwoCronRunsAtOnceTakeEachVmOnce(): void
    {
        $this->addZones();
        $ids = range(21, 28);
        foreach ($ids as $id) {
            $this->assertSame(0, $this->cli('deploy', $this->vmJson($id, [$this->ip($id)]))[0]);
            $this->assertSame(0, $this->cli('queue', (string) $id)[0]);
        }
        $a = $this->start(['cron']);
        $b = $this->start(['cron']);
        [$statusA, $outA] = $this->finish($a);
        [$statusB, $outB] = $this->finish($b);

        $this->assertSame([0, 0], [$statusA, $statusB]);
        preg_match_all('/^VM (\d+): set DNS records for/m', $outA . $outB, $m);
        $taken = array_map('intval', $m[1]);
        sort($taken);
        $this->assertSame($ids, $taken, "every VM exactly once:\n$outA\n$outB");
    }

    public function testFailuresGoToTheLogAndTheExitStatus(): void
    {
        $this->addZones();
        $this->cli('zones', 'add', 'type=powerdns', "zone=down.{$this->domain}", 'server_url=' . Fixtures::DEAD_URL, 'api_key=down-key-0123456789');
        [$status, $out] = $this->cli('deploy', json_encode(['id' => 9, 'name' => 'web', 'domain' => "down.{$this->domain}", 'ips' => [$this->ip(9)]]));
        $this->assertSame(1, $status);
        $this->assertStringContainsString("VM 9: fwd ERR create A web.down.{$this->domain} {$this->ip(9)} zone down.{$this->domain} (#3, powerdns): cannot connect: Connection refused (os error 111)", $out);
        $this->assertStringEndsWith("VM 9: create ERR (2 created, 0 deleted, 0 unchanged, 1 failed)\n", $out);

        [, $log] = $this->cli('log', '--vm', '9');
        $lines = explode("\n", rtrim($log));
        $this->assertCount(2, $lines);
        $this->assertMatchesRegularExpression('/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d error   create   fwd ERR create A web\.down\./', $lines[0]);
        $this->assertStringEndsWith("create of VM 9 (web.down.{$this->domain}): 1 of 3 operations failed", $lines[1]);
    }

    public function testHelpIsAnAnswerNotAnError(): void
    {
        foreach (['--help', 'help'] as $ask) {
            [$status, $out, $err] = $this->finish($this->php([dirname(__DIR__, 3) . '/php/bin/puq-dns', $ask]));
            $this->assertSame([0, Cli::USAGE, ''], [$status, $out, $err], $ask);
        }
        $this->assertSame([0, Cli::USAGE, ''], $this->cli('cron', '--help'));
        // Nothing at all is a usage error.
        $this->assertSame([2, '', Cli::USAGE], $this->finish($this->php([dirname(__DIR__, 3) . '/php/bin/puq-dns'])));
    }

    public function testStoredValuesReachTheTerminalWithoutControlCharacters(): void
    {
        $this->addZones();
        // A zone row and a log entry edited by hand.
        $pdo = new \PDO("sqlite:$this->dir/puq-dns.sqlite");
        $pdo->exec("UPDATE puq_proxmox_kvm_dns_zones SET zone = 'bad' || char(10) || 'ZONE injected' || char(27) || '[2J' WHERE id = 1");
        $pdo->exec("INSERT INTO puq_dns_log (created_at, level, action, message) VALUES ('2026-01-01 00:00:00', 'error', 'x', 'one' || char(13) || char(10) || 'two')");
        [$status, $zones] = $this->cli('zones');
        [, $log] = $this->cli('log');
        $this->assertSame(0, $status);
        $this->assertStringContainsString('bad\nZONE injected\u{1b}[2J', $zones);
        $this->assertStringContainsString("error   x        one\\r\\ntwo\n", $log);
        $this->assertDoesNotMatchRegularExpression('/[\x00-\x09\x0b-\x1f\x7f]/', $zones . $log);
        $this->assertSame(substr_count($zones, "\n"), 2, 'one line per zone');
    }

    public function testBadInputIsSaidWithExitStatus2(): void
    {
        $this->assertSame([2, '', "puq-dns: queue needs an id (a whole number), not nothing\n"], $this->cli('queue'));
        $this->assertSame([2, '', "puq-dns: no VM has the id 5\n"], $this->cli('queue', '5'));
        $this->assertSame([2, '', "puq-dns: VM is not valid JSON: Syntax error\n"], $this->cli('deploy', '{nope'));
        $this->assertSame([2, '', "puq-dns: \"zone\" is not FIELD=VALUE\n"], $this->cli('zones', 'add', 'zone'));
        $this->assertSame([2, '', "puq-dns: unknown command frobnicate (puq-dns help lists them)\n"], $this->cli('frobnicate'));
        [$status, , $err] = $this->cli('zones', 'add', 'type=powerdns', 'zone=bad name.example', 'server_url=ftp://x', 'api_key=k');
        $this->assertSame([2, 'puq-dns: zone new: zone "bad name.example" contains \' \', which a DNS name cannot hold; server_url "ftp://x" must start with http:// or https://' . "\n"], [$status, $err]);
        // A database that cannot be opened: one line, no trace, no password.
        $this->config = $this->writeConfig(['db' => ['dsn' => 'mysql:host=127.0.0.1;port=1;dbname=x', 'user' => 'puq', 'password' => 'db-password-0123456789']], 'nodb.php');
        [$status, $out, $err] = $this->cli('zones');
        $this->assertSame([2, ''], [$status, $out]);
        $this->assertMatchesRegularExpression('/^puq-dns: PDOException: SQLSTATE\[HY000\] \[2002\] Connection refused\n$/', $err);
        $this->config = "$this->dir/config.php";
        // A deploy that cannot run says so, logs it and exits 1: hooks never stop on DNS.
        [$status, $out] = $this->cli('deploy', '{"id": 3, "name": "x", "domain": "y"}');
        $this->assertSame([1, "ERR create of VM 3 did not run: VM 3: ips must be a list of addresses, not nothing\n"], [$status, $out]);
    }

    public function testServeGivesThePageAndItsApiOnTheLoopback(): void
    {
        $this->addZones();
        $probe = stream_socket_server('tcp://127.0.0.1:0');
        $port = (int) substr(strrchr(stream_socket_get_name($probe, false), ':'), 1);
        fclose($probe);
        [$process, $pipes] = $this->start(['serve', '--port', (string) $port]);
        try {
            $said = (string) fgets($pipes[1]);
            $this->assertSame("DNS Zones page: http://127.0.0.1:$port/zones.php (sign in with the admin_token of $this->config); Ctrl-C stops it\n", $said);
            for ($i = 0; $i < 100 && @stream_socket_client("tcp://127.0.0.1:$port", $errno, $error, 0.1) === false; $i++) {
                usleep(20000);
            }
            $get = fn (string $path, string $headers = '') => (string) @file_get_contents(
                "http://127.0.0.1:$port$path",
                false,
                stream_context_create(['http' => ['header' => $headers, 'ignore_errors' => true, 'timeout' => 5]]),
            );
            $this->assertStringContainsString('DNS Zones', $get('/zones.php'));
            $list = json_decode($get('/zones-api.php?action=list', 'Authorization: Bearer cli-admin-token-0123456789'), true);
            $this->assertSame([$this->domain, $this->rev4], array_column($list['zones'], 'zone'));
            $this->assertSame(['__KEEP__', '__KEEP__'], array_column($list['zones'], 'api_key'));
            $this->assertStringContainsString('.puq-dns-zones', $get('/assets/zones.css'));
            $status = function (string $path, string $headers = '') use ($port): string {
                $context = stream_context_create(['http' => ['header' => $headers, 'ignore_errors' => true, 'timeout' => 5, 'follow_location' => 0]]);
                $body = (string) @file_get_contents("http://127.0.0.1:$port$path", false, $context);
                return $http_response_header[0] . ' ' . $body;
            };
            // dns.php (allowlisted for the loopback in many configs) is not served here, nor anything else in php/public.
            $this->assertSame('HTTP/1.1 404 Not Found {"ok":false,"error":"not found: puq-dns serve serves the DNS Zones page only (/zones.php)"}', $status('/dns.php'));
            $this->assertStringStartsWith('HTTP/1.1 404 Not Found', $status('/zones.php/../dns.php'));
            $this->assertStringStartsWith('HTTP/1.1 404 Not Found', $status('/DNS.php'));
            $this->assertStringStartsWith('HTTP/1.1 302 Found', $status('/'));
            // A page whose name was rebound to 127.0.0.1 sends its own Host.
            $this->assertSame(
                'HTTP/1.1 403 Forbidden {"ok":false,"error":"this server answers only to http://127.0.0.1:' . $port . '/ (the request asked for host \"evil.example\")"}',
                $status('/zones-api.php?action=list', "Host: evil.example\r\nAuthorization: Bearer cli-admin-token-0123456789"),
            );
            $this->assertStringStartsWith('HTTP/1.1 200 OK', $status('/zones.php', "Host: localhost:$port"));
        } finally {
            proc_terminate($process, 9);
            proc_close($process);
        }
        $this->assertSame([2, '', "puq-dns: --port must be a port number, not \"http\"\n"], $this->cli('serve', '--port', 'http'));
    }

    public function testDnsPhpAnswersAllowedClientsOnlyOverHttp(): void
    {
        $this->addZones();
        $this->cli('deploy', json_encode(['id' => 4779, 'name' => 'vlan-1-4779', 'domain' => $this->domain, 'ips' => [['ip' => $this->ip(2), 'reverse' => 'mail.uuq.pl']]]));
        $open = new PhpServer($this->writeConfig(['dns_php' => ['allow' => ['127.0.0.0/8']]], 'open.php'), "$this->dir/open.log");
        $closed = new PhpServer($this->writeConfig(['dns_php' => ['allow' => ['10.0.0.0/8', '2001:db8::/32']]], 'closed.php'), "$this->dir/closed.log");
        $token = 'dns-php-token-0123456789';
        $withToken = new PhpServer($this->writeConfig(['dns_php' => ['allow' => ['127.0.0.1'], 'token' => $token]], 'token.php'), "$this->dir/token.log");
        try {
            [$status, $headers, $body] = $open->request('GET', '/dns.php');
            $this->assertSame(200, $status, $body);
            $this->assertSame('application/json; charset=utf-8', $headers['content-type']);
            $this->assertSame([['forward' => "vlan-1-4779.{$this->domain}", 'ip' => $this->ip(2), 'reverse' => 'mail.uuq.pl']], json_decode($body, true));

            $this->assertSame([403, '{"ok":false,"error":"forbidden"}'], [$closed->request('GET', '/dns.php')[0], $closed->request('GET', '/dns.php')[2]]);
            $this->assertSame(403, $withToken->request('GET', '/dns.php')[0]);
            $this->assertSame(200, $withToken->request('GET', '/dns.php', ["Authorization: Bearer $token"])[0]);
            $this->assertSame(405, $open->request('POST', '/dns.php')[0]);
        } finally {
            $open->stop();
            $closed->stop();
            $withToken->stop();
        }
    }
}
