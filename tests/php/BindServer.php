<?php

declare(strict_types=1);

namespace PuqDns\Tests;

/**
 * A private BIND 9 for one test class (tests/bind/server.sh): the zones
 * given, updatable with its hmac-sha256 key unless marked `:noupdate`.
 */
final class BindServer
{
    public readonly int $port;
    public readonly string $keyName;
    public readonly string $keySecret;
    private readonly string $dir;

    /** @param list<string> $zones as tests/bind/server.sh takes them */
    public function __construct(array $zones)
    {
        $this->dir = sys_get_temp_dir() . '/puq-dns-phpunit-bind-' . getmypid() . '-' . bin2hex(random_bytes(4));
        $out = [];
        $args = implode(' ', array_map('escapeshellarg', $zones));
        exec(escapeshellarg(self::script()) . ' start ' . escapeshellarg($this->dir) . " $args 2>&1", $out, $status);
        if ($status !== 0) {
            throw new \RuntimeException("BIND did not start:\n" . implode("\n", $out));
        }
        $vars = [];
        foreach ($out as $line) {
            if (preg_match('/^(BIND_\w+)=(.*)$/', $line, $m)) {
                $vars[$m[1]] = $m[2];
            }
        }
        $this->port = (int) $vars['BIND_PORT'];
        $this->keyName = $vars['BIND_KEY_256_NAME'];
        $this->keySecret = $vars['BIND_KEY_256_SECRET'];
    }

    public function stop(): void
    {
        exec(escapeshellarg(self::script()) . ' stop ' . escapeshellarg($this->dir));
    }

    private static function script(): string
    {
        return dirname(__DIR__) . '/bind/server.sh';
    }

    /** @return list<string> the set at NAME TYPE as `dig +short` prints it, sorted */
    public function dig(string $name, string $type): array
    {
        return Fixtures::dig($this->port, $name, $type);
    }

    /** Adds records the way another tool would, signed with the same key. */
    public function put(string $zone, string $name, string $type, string $content): void
    {
        $script = sprintf(
            "server 127.0.0.1 %d\nzone %s\nupdate add %s 600 %s %s\nsend\n",
            $this->port,
            $zone,
            $name,
            $type,
            $content,
        );
        $process = proc_open(
            ['nsupdate', '-y', "hmac-sha256:{$this->keyName}:{$this->keySecret}"],
            [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']],
            $pipes,
        );
        if (!is_resource($process)) {
            throw new \RuntimeException('nsupdate did not start');
        }
        fwrite($pipes[0], $script);
        fclose($pipes[0]);
        $errors = stream_get_contents($pipes[2]);
        fclose($pipes[1]);
        fclose($pipes[2]);
        if (proc_close($process) !== 0) {
            throw new \RuntimeException("nsupdate failed: $errors");
        }
    }

    public function row(int|string $id, string $zone, array $extra = []): array
    {
        return $extra + [
            'id' => $id, 'zone' => $zone, 'type' => 'rfc2136',
            'server' => "127.0.0.1:{$this->port}", 'tsig_name' => $this->keyName, 'tsig_secret' => $this->keySecret,
        ];
    }
}
