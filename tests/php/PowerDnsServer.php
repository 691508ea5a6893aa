<?php

declare(strict_types=1);

namespace PuqDns\Tests;

/**
 * A private PowerDNS server for one test class (tests/pdns/server.sh),
 * with helpers to create zones and read records back over the API and DNS.
 */
final class PowerDnsServer
{
    public readonly string $url;
    public readonly string $key;
    public readonly int $dnsPort;
    private readonly string $dir;

    public function __construct()
    {
        $this->dir = sys_get_temp_dir() . '/puq-dns-phpunit-' . getmypid() . '-' . bin2hex(random_bytes(4));
        $out = [];
        exec(escapeshellarg(self::script()) . ' start ' . escapeshellarg($this->dir) . ' 2>&1', $out, $status);
        if ($status !== 0) {
            throw new \RuntimeException("PowerDNS did not start:\n" . implode("\n", $out));
        }
        $vars = [];
        foreach ($out as $line) {
            if (preg_match('/^(PDNS_\w+)=(.*)$/', $line, $m)) {
                $vars[$m[1]] = $m[2];
            }
        }
        $this->url = $vars['PDNS_API_URL'];
        $this->key = $vars['PDNS_API_KEY'];
        $this->dnsPort = (int) $vars['PDNS_DNS_PORT'];
    }

    public function stop(): void
    {
        exec(escapeshellarg(self::script()) . ' stop ' . escapeshellarg($this->dir));
    }

    private static function script(): string
    {
        return dirname(__DIR__) . '/pdns/server.sh';
    }

    /** @return array{0: int, 1: string} status and body */
    private function call(string $method, string $path, ?array $body = null): array
    {
        $context = stream_context_create(['http' => [
            'method' => $method,
            'header' => "X-API-Key: {$this->key}\r\nContent-Type: application/json\r\n",
            'content' => $body === null ? '' : json_encode($body),
            'ignore_errors' => true,
            'timeout' => 5,
        ]]);
        $text = file_get_contents($this->url . '/api/v1/servers/localhost' . $path, false, $context);
        preg_match('{HTTP/\S+ (\d+)}', $http_response_header[0] ?? '', $m);
        return [(int) ($m[1] ?? 0), (string) $text];
    }

    public function createZone(string $zone): void
    {
        [$status, $body] = $this->call('POST', '/zones', [
            'name' => "$zone.", 'kind' => 'Native', 'nameservers' => ['ns1.example.net.'],
        ]);
        if ($status !== 201) {
            throw new \RuntimeException("cannot create $zone: $status $body");
        }
    }

    public function put(string $zone, string $name, string $type, array $contents): void
    {
        $records = array_map(fn ($c) => ['content' => $c, 'disabled' => false], $contents);
        [$status, $body] = $this->call('PATCH', '/zones/' . self::zoneId($zone), ['rrsets' => [[
            'name' => "$name.", 'type' => $type, 'ttl' => 600, 'changetype' => 'REPLACE', 'records' => $records,
        ]]]);
        if ($status !== 204) {
            throw new \RuntimeException("cannot set $name $type: $status $body");
        }
    }

    /** @return list<string> contents at a name and type, sorted, read through the API */
    public function get(string $zone, string $name, string $type): array
    {
        [, $body] = $this->call('GET', '/zones/' . self::zoneId($zone));
        $found = [];
        foreach (json_decode($body, true)['rrsets'] ?? [] as $rrset) {
            if ($rrset['name'] === "$name." && $rrset['type'] === $type) {
                foreach ($rrset['records'] as $record) {
                    $found[] = $record['content'];
                }
            }
        }
        sort($found);
        return $found;
    }

    /** @return list<string> the server's DNS answer, sorted */
    public function dig(string $name, string $type): array
    {
        return Fixtures::dig($this->dnsPort, $name, $type);
    }

    public function row(int|string $id, string $zone, array $extra = []): array
    {
        return $extra + [
            'id' => $id, 'zone' => $zone, 'type' => 'PowerDNS',
            'server_url' => $this->url, 'api_key' => $this->key,
        ];
    }

    private static function zoneId(string $zone): string
    {
        return preg_replace_callback('/[^A-Za-z0-9.-]/', fn ($m) => sprintf('=%02X', ord($m[0])), "$zone.");
    }
}
