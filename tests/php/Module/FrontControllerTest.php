<?php

declare(strict_types=1);

namespace PuqDns\Tests\Module;

use PDO;
use PHPUnit\Framework\TestCase;
use PuqDns\Module\SodiumSecretBox;
use PuqDns\Tests\Fixtures;

/**
 * php/public/zones-api.php over real HTTP: PHP's built-in web server on a
 * free loopback port, with the extension loaded and a standalone config
 * (SQLite, a sodium key file, an admin token) in a temporary directory.
 */
final class FrontControllerTest extends TestCase
{
    private const TOKEN = 'front-token-Pq42-0123456789abcdef';

    private static string $dir;
    /** @var array{0: resource, 1: string} the running server and its base URL */
    private static array $server;

    public static function setUpBeforeClass(): void
    {
        self::$dir = sys_get_temp_dir() . '/puq-dns-front-' . getmypid() . '-' . bin2hex(random_bytes(4));
        mkdir(self::$dir);
        self::$server = self::startServer(self::writeConfig('config.php', [
            'db' => ['dsn' => 'sqlite:' . self::$dir . '/zones.sqlite'],
            'sodium_key_file' => self::$dir . '/keys/secret.key',
            'admin_token' => self::TOKEN,
        ]));
    }

    public static function tearDownAfterClass(): void
    {
        self::stopServer(self::$server);
        exec('rm -rf ' . escapeshellarg(self::$dir));
    }

    private static function writeConfig(string $name, array $settings): string
    {
        $path = self::$dir . '/' . $name;
        file_put_contents($path, "<?php\nreturn " . var_export($settings, true) . ";\n");
        return $path;
    }

    /** @return array{0: resource, 1: string} */
    private static function startServer(string $config): array
    {
        $probe = stream_socket_server('tcp://127.0.0.1:0');
        $port = (int) substr(strrchr(stream_socket_get_name($probe, false), ':'), 1);
        fclose($probe);
        $so = Fixtures::soPath();
        $process = proc_open(
            [PHP_BINARY, '-d', "extension=$so", '-d', 'display_errors=0', '-d', 'log_errors=1',
                '-S', "127.0.0.1:$port", '-t', dirname(__DIR__, 3) . '/php/public'],
            [0 => ['file', '/dev/null', 'r'], 1 => ['file', self::$dir . "/server-$port.log", 'a'], 2 => ['file', self::$dir . "/server-$port.log", 'a']],
            $pipes,
            null,
            ['PUQ_DNS_CONFIG' => $config, 'PATH' => (string) getenv('PATH')],
        );
        for ($i = 0; $i < 100; $i++) {
            $socket = @stream_socket_client("tcp://127.0.0.1:$port", $errno, $error, 0.1);
            if ($socket !== false) {
                fclose($socket);
                return [$process, "http://127.0.0.1:$port/zones-api.php"];
            }
            usleep(20000);
        }
        proc_terminate($process, 9);
        throw new \RuntimeException('php -S did not start: ' . @file_get_contents(self::$dir . "/server-$port.log"));
    }

    /** @param array{0: resource, 1: string} $server */
    private static function stopServer(array $server): void
    {
        proc_terminate($server[0], 9);
        proc_close($server[0]);
    }

    /**
     * One HTTP request.
     *
     * @return array{0: int, 1: array<string, string>, 2: string} status, headers (lower-case names), body
     */
    private function request(string $method, string $query, array $headers = [], ?string $body = null, ?string $base = null): array
    {
        $context = stream_context_create(['http' => [
            'method' => $method,
            'header' => implode("\r\n", $headers),
            'content' => $body ?? '',
            'ignore_errors' => true,
            'timeout' => 10,
        ]]);
        $text = file_get_contents(($base ?? self::$server[1]) . ($query === '' ? '' : "?$query"), false, $context);
        $this->assertIsString($text);
        $status = 0;
        $names = [];
        foreach ($http_response_header as $i => $line) {
            if ($i === 0 && preg_match('{^HTTP/\S+ (\d+)}', $line, $m)) {
                $status = (int) $m[1];
            } elseif (str_contains($line, ':')) {
                [$name, $value] = explode(':', $line, 2);
                $names[strtolower($name)] = trim($value);
            }
        }
        foreach ([self::TOKEN, Fixtures::PDNS_KEY, 'sodium:v1:', '#0 ', '/tmp/'] as $secret) {
            $this->assertStringNotContainsString($secret, $text . json_encode($names));
        }
        return [$status, $names, $text];
    }

    private const JSON = 'Content-Type: application/json';
    private const BEARER = 'Authorization: Bearer ' . self::TOKEN;

    public function testWithoutTheTokenItIs401WithAChallenge(): void
    {
        [$status, $headers, $body] = $this->request('GET', 'action=list');
        $this->assertSame(401, $status);
        $this->assertSame('{"ok":false,"error":"an admin token is required: send Authorization: Bearer <token> or X-Puq-Dns-Token"}', $body);
        $this->assertSame('application/json; charset=utf-8', $headers['content-type']);
        $this->assertSame('no-store', $headers['cache-control']);
        $this->assertSame('Bearer realm="puq_dns"', $headers['www-authenticate']);
        [$status, $headers, $body] = $this->request('GET', 'action=list', ['Authorization: Bearer wrong-token']);
        $this->assertSame([403, '{"ok":false,"error":"the admin token is wrong"}'], [$status, $body]);
        $this->assertArrayNotHasKey('www-authenticate', $headers);
    }

    public function testAJsonCreateAndAFormEditAreStoredSealed(): void
    {
        $form = ['zone' => 'front.example', 'type' => 'PowerDNS', 'server_url' => 'http://127.0.0.1:1', 'api_key' => Fixtures::PDNS_KEY];
        [$status, , $body] = $this->request('POST', 'action=create', [self::BEARER, self::JSON], json_encode($form));
        $this->assertSame(201, $status, $body);
        $zone = json_decode($body, true)['zone'];
        $this->assertSame(['front.example', '__KEEP__', 'forward'], [$zone['zone'], $zone['api_key'], $zone['kind']]);

        $key = self::$dir . '/keys/secret.key';
        $this->assertSame('0600', sprintf('%04o', fileperms($key) & 0777));
        $pdo = new PDO('sqlite:' . self::$dir . '/zones.sqlite');
        $sealed = $pdo->query("SELECT api_key FROM puq_proxmox_kvm_dns_zones WHERE id = {$zone['id']}")->fetchColumn();
        $this->assertSame(Fixtures::PDNS_KEY, SodiumSecretBox::fromKeyFile($key)->open($sealed));

        [$status, , $body] = $this->request(
            'POST',
            'action=edit&id=' . $zone['id'],
            ['X-Puq-Dns-Token: ' . self::TOKEN, 'Content-Type: application/x-www-form-urlencoded'],
            http_build_query(['ttl' => '120', 'api_key' => '']),
        );
        $this->assertSame(200, $status, $body);
        $this->assertSame(120, json_decode($body, true)['zone']['ttl']);
        $sealed = $pdo->query("SELECT api_key FROM puq_proxmox_kvm_dns_zones WHERE id = {$zone['id']}")->fetchColumn();
        $this->assertSame(Fixtures::PDNS_KEY, SodiumSecretBox::fromKeyFile($key)->open($sealed));

        [$status, , $body] = $this->request('GET', 'action=list', [self::BEARER]);
        $this->assertSame(200, $status);
        $this->assertContains('front.example', array_column(json_decode($body, true)['zones'], 'zone'));
    }

    public function testABadBodyAndAWrongMethodAreRefused(): void
    {
        $this->assertSame(
            [400, '{"ok":false,"error":"the request body is not a JSON object"}'],
            array_values(array_diff_key($this->request('POST', 'action=create', [self::BEARER, self::JSON], '{"zone": '), [1 => 0])),
        );
        $this->assertSame(400, $this->request('POST', 'action=create', [self::BEARER, self::JSON], '"text"')[0]);
        [$status, $headers, $body] = $this->request('GET', 'action=create&zone=x.example', [self::BEARER]);
        $this->assertSame([405, 'POST', '{"ok":false,"error":"create needs POST"}'], [$status, $headers['allow'], $body]);
    }

    public function testAMisconfiguredServerSaysSoWithoutDetails(): void
    {
        $server = self::startServer(self::writeConfig('short-token.php', [
            'db' => ['dsn' => 'sqlite:' . self::$dir . '/other.sqlite'],
            'sodium_key_file' => self::$dir . '/keys/other.key',
            'admin_token' => 'short',
        ]));
        try {
            [$status, , $body] = $this->request('GET', 'action=list', [self::BEARER], null, $server[1]);
        } finally {
            self::stopServer($server);
        }
        $this->assertSame([500, '{"ok":false,"error":"the zones API is not configured; the server log has the details"}'], [$status, $body]);
        $this->assertStringContainsString(
            'the admin token must be at least 16 characters',
            (string) file_get_contents(self::$dir . '/server-' . parse_url($server[1], PHP_URL_PORT) . '.log'),
        );
    }
}
