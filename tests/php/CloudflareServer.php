<?php

declare(strict_types=1);

namespace PuqDns\Tests;

require_once __DIR__ . '/FakeProcess.php';

/**
 * The fake Cloudflare API (tests/fakes/cloudflare.py) as a subprocess on a
 * free port of 127.0.0.1, with helpers to create zones and tokens, seed
 * records and read records and request counts back through its control API
 * (tests/fakes/README.md). Stopped by stop() or, failing that, when the
 * object is destroyed.
 */
final class CloudflareServer
{
    use FakeProcess;

    public readonly int $port;
    /** `api_url` of a zone row: `http://127.0.0.1:<port>/client/v4`. */
    public readonly string $apiUrl;
    /** A token that may use every zone of the fake. */
    public readonly string $token;

    /** @var resource|null */
    private $process;
    /** @var resource|null */
    private $stdout;
    private readonly string $stderrFile;

    public function __construct(string $token = Fixtures::CF_TOKEN)
    {
        $script = dirname(__DIR__) . '/fakes/cloudflare.py';
        $this->stderrFile = (string) tempnam(sys_get_temp_dir(), 'puq-dns-cf-');
        // An argument list, not a shell line: the process is python itself,
        // so stop() signals the server and not a shell around it.
        $process = proc_open(['python3', $script], [
            0 => ['file', '/dev/null', 'r'],
            1 => ['pipe', 'w'],
            2 => ['file', $this->stderrFile, 'w'],
        ], $pipes);
        if (!is_resource($process)) {
            throw new \RuntimeException("cannot start python3 $script");
        }
        $this->process = $process;
        $this->stdout = $pipes[1];

        $line = $this->readLine(10.0);
        if (!preg_match('/^PORT=(\d+)$/', trim($line), $m)) {
            $this->stop();
            throw new \RuntimeException(
                "the fake Cloudflare did not print PORT=<n>; it printed " . json_encode($line)
                . "\n" . $this->stderr()
            );
        }
        $this->port = (int) $m[1];
        $this->apiUrl = "http://127.0.0.1:{$this->port}/client/v4";
        $this->token = $token;
        $this->addToken($token, '*');
    }

    /** Where the control API is: the trait's control() calls it. */
    private function controlBase(): string
    {
        return "http://127.0.0.1:{$this->port}/__control";
    }

    /** Holds the next $count requests of $route (e.g. `GET /zones/{id}/dns_records`) until release(). */
    public function hold(string $route, int $count = 1): void
    {
        $this->faults(['hold' => ['route' => $route, 'count' => $count]]);
    }

    /** Waits until $count requests are held; false after $seconds. */
    public function waitHeld(int $count = 1, float $seconds = 10.0): bool
    {
        $deadline = microtime(true) + $seconds;
        while ($this->control('GET', '/held')['waiting'] < $count) {
            if (microtime(true) > $deadline) {
                return false;
            }
            usleep(20_000);
        }
        return true;
    }

    /** Lets every held request go on, and holds no more. */
    public function release(): void
    {
        $this->control('POST', '/release');
    }

    /**
     * A zone; its id is 32 hex digits, as Cloudflare's are.
     *
     * @return string the zone id
     */
    public function createZone(string $name, ?string $id = null): string
    {
        $id ??= md5($name . random_bytes(8));
        $this->control('POST', '/zones', ['id' => $id, 'name' => $name, 'account_id' => $this->accountId()]);
        return $id;
    }

    /** @param list<string>|'*' $zones zone ids the token may use */
    public function addToken(string $token, array|string $zones): void
    {
        $this->control('POST', '/tokens', ['token' => $token, 'zones' => $zones]);
    }

    /** A record as given, unvalidated (the control API's seed). */
    public function seed(string $zoneId, string $type, string $name, string $content, int $ttl = 1): array
    {
        return $this->control('POST', "/zones/$zoneId/records", [
            'type' => $type, 'name' => $name, 'content' => $content, 'ttl' => $ttl,
        ]);
    }

    /**
     * The records of a zone at one name (every name when null), each as
     * `type, name, content, ttl, proxied`, sorted by type and content.
     *
     * @return list<array{type: string, name: string, content: string, ttl: int, proxied: bool}>
     */
    public function records(string $zoneId, ?string $name = null): array
    {
        $found = [];
        foreach ($this->control('GET', "/zones/$zoneId/records") as $r) {
            if ($name === null || $r['name'] === $name) {
                $found[] = [
                    'type' => $r['type'], 'name' => $r['name'], 'content' => $r['content'],
                    'ttl' => $r['ttl'], 'proxied' => $r['proxied'],
                ];
            }
        }
        usort($found, fn ($a, $b) => [$a['name'], $a['type'], $a['content']] <=> [$b['name'], $b['type'], $b['content']]);
        return $found;
    }

    /** @return list<string> `TYPE content` of every record at a name, sorted */
    public function get(string $zoneId, string $name): array
    {
        $found = array_map(fn ($r) => "{$r['type']} {$r['content']}", $this->records($zoneId, $name));
        sort($found);
        return $found;
    }

    private function accountId(): string
    {
        return '0123456789abcdef0123456789abcdef';
    }

    /** A zone row as the module stores it, pointing at this fake. */
    public function row(int|string $id, string $zone, string $zoneId, array $extra = []): array
    {
        return $extra + [
            'id' => $id, 'zone' => $zone, 'type' => 'Cloudflare',
            'account_id' => $this->accountId(), 'zone_id' => $zoneId,
            'api_token' => $this->token, 'api_url' => $this->apiUrl,
        ];
    }
}
