<?php

declare(strict_types=1);

namespace PuqDns\Tests;

require_once __DIR__ . '/FakeProcess.php';

/**
 * The fake HestiaCP API (tests/fakes/hestia.py) as a subprocess on a free
 * port of 127.0.0.1, plain HTTP or, with $tls, HTTPS with its self-signed
 * CA-flagged certificate. Helpers set the admin password, create users and
 * DNS domains, seed records and read records and stats back through its
 * control API (tests/fakes/README.md, section "hestia.py"). Stopped by
 * stop() or, failing that, when the object is destroyed.
 */
final class HestiaServer
{
    use FakeProcess;

    public const ADMIN = 'admin';
    public const USER = 'alice';

    public readonly int $port;
    /** `server_url` of a zone row: `http(s)://127.0.0.1:<port>/`. */
    public readonly string $url;
    /** PEM text of the server's certificate (with $tls), else null. */
    public readonly ?string $cert;
    /** The admin password the fake accepts. */
    public readonly string $password;

    /** @var resource|null */
    private $process;
    /** @var resource|null */
    private $stdout;
    private readonly string $stderrFile;

    public function __construct(bool $tls = false, string $password = Fixtures::HESTIA_PASSWORD)
    {
        $script = dirname(__DIR__) . '/fakes/hestia.py';
        $this->stderrFile = (string) tempnam(sys_get_temp_dir(), 'puq-dns-hestia-');
        // An argument list, not a shell line: the process is python itself,
        // so stop() signals the server and not a shell around it.
        $command = ['python3', $script];
        if ($tls) {
            $command[] = '--tls';
        }
        $process = proc_open($command, [
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
            $this->fail('PORT=<n>', $line);
        }
        $this->port = (int) $m[1];
        $cert = null;
        if ($tls) {
            // openssl makes the certificate first: allow it a while.
            $line = $this->readLine(20.0);
            if (!preg_match('/^CERT=(.+)$/', trim($line), $m)) {
                $this->fail('CERT=<path>', $line);
            }
            // Read now: the fake removes the file when it stops.
            $cert = @file_get_contents($m[1]);
            if (!is_string($cert) || !str_contains($cert, '-----BEGIN CERTIFICATE-----')) {
                $this->fail('a readable PEM certificate', $m[1]);
            }
        }
        $this->cert = $cert;
        $this->url = ($tls ? 'https' : 'http') . "://127.0.0.1:{$this->port}/";
        $this->password = $password;
        $this->control('POST', '/admin', ['user' => self::ADMIN, 'password' => $password]);
    }

    private function fail(string $wanted, string $got): never
    {
        $stderr = $this->stderr();
        $this->stop();
        throw new \RuntimeException("the fake HestiaCP did not print $wanted; it printed " . json_encode($got) . "\n$stderr");
    }

    /** Where the control API is: the trait's control() calls it. */
    private function controlBase(): string
    {
        return "{$this->url}__control";
    }

    /** A user of the panel (the admin always exists). */
    public function user(string $user): void
    {
        $this->control('POST', '/users', ['user' => $user]);
    }

    /** A DNS domain of the user, with no records; the user is created if needed. */
    public function domain(string $domain, string $user = self::USER, int $ttl = 3600): void
    {
        $this->control('POST', '/domains', ['user' => $user, 'domain' => $domain, 'ttl' => $ttl]);
    }

    /** A record as an admin would have made it (relative name; unvalidated). */
    public function seed(string $domain, string $record, string $type, string $value, string $user = self::USER): array
    {
        return $this->control('POST', "/domains/$user/$domain/records", [
            'record' => $record, 'type' => $type, 'value' => $value,
        ]);
    }

    /**
     * Every record of the domain as the fake holds it, in ID order.
     *
     * @return list<array{RECORD: string, TYPE: string, PRIORITY: string, VALUE: string, ID: string, SUSPENDED: string, TIME: string, DATE: string, TTL: string}>
     */
    public function rawRecords(string $domain, string $user = self::USER): array
    {
        return $this->control('GET', "/domains/$user/$domain/records");
    }

    /** @return list<string> `RECORD TYPE VALUE TTL` of every record of the domain, in ID order */
    public function records(string $domain, string $user = self::USER): array
    {
        return array_map(
            fn (array $r) => "{$r['RECORD']} {$r['TYPE']} {$r['VALUE']} {$r['TTL']}",
            $this->rawRecords($domain, $user),
        );
    }

    /** What `v-list-dns-domain USER DOMAIN json` shows. */
    public function domainView(string $domain, string $user = self::USER): array
    {
        return $this->control('GET', "/domains/$user/$domain");
    }

    /**
     * The commands that change something (every command but `v-list-*`), as
     * `cmd DOMAIN arg arg …`: the user left out, the domain kept, empty
     * arguments kept as empty words. Oldest first.
     *
     * @return list<string>
     */
    public function writes(?array $stats = null): array
    {
        $out = [];
        foreach (($stats ?? $this->stats())['commands'] as $command) {
            if (str_starts_with($command['cmd'], 'v-list-')) {
                continue;
            }
            $out[] = rtrim(implode(' ', [$command['cmd'], ...array_slice($command['args'], 1)]));
        }
        return $out;
    }

    /** A zone row as the module stores it, pointing at this fake. */
    public function row(int|string $id, string $zone, array $extra = []): array
    {
        return $extra + [
            'id' => $id, 'zone' => $zone, 'type' => 'HestiaCP',
            'server_url' => $this->url, 'admin_user' => self::ADMIN,
            'admin_password' => $this->password, 'user' => self::USER,
        ];
    }
}
