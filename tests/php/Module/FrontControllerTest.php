<?php

declare(strict_types=1);

namespace PuqDns\Tests\Module;

use PDO;
use PHPUnit\Framework\TestCase;
use PuqDns\Module\Store\SodiumSecretBox;
use PuqDns\Tests\Fixtures;

require_once __DIR__ . '/PhpServer.php';

/**
 * php/public/zones-api.php over real HTTP: PHP's built-in web server on a
 * free loopback port, with the extension loaded and a standalone config
 * (SQLite, a sodium key file, an admin token) in a temporary directory.
 */
final class FrontControllerTest extends TestCase
{
    private const TOKEN = 'front-token-Pq42-0123456789abcdef';

    private static string $dir;
    private static PhpServer $server;

    public static function setUpBeforeClass(): void
    {
        self::$dir = sys_get_temp_dir() . '/puq-dns-front-' . getmypid() . '-' . bin2hex(random_bytes(4));
        mkdir(self::$dir);
        self::$server = new PhpServer(self::writeConfig('config.php', [
            'db' => ['dsn' => 'sqlite:' . self::$dir . '/zones.sqlite'],
            'sodium_key_file' => self::$dir . '/keys/secret.key',
            'admin_token' => self::TOKEN,
        ]), self::$dir . '/server.log');
    }

    public static function tearDownAfterClass(): void
    {
        self::$server->stop();
        exec('rm -rf ' . escapeshellarg(self::$dir));
    }

    private static function writeConfig(string $name, array $settings): string
    {
        $path = self::$dir . '/' . $name;
        file_put_contents($path, "<?php\nreturn " . var_export($settings, true) . ";\n");
        return $path;
    }

    /**
     * One HTTP request.
     *
     * @return array{0: int, 1: array<string, string>, 2: string} status, headers (lower-case names), body
     */
    private function request(string $method, string $query, array $headers = [], ?string $body = null, ?PhpServer $server = null): array
    {
        [$status, $names, $text] = ($server ?? self::$server)->request($method, '/zones-api.php' . ($query === '' ? '' : "?$query"), $headers, $body);
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
        $server = new PhpServer(self::writeConfig('short-token.php', [
            'db' => ['dsn' => 'sqlite:' . self::$dir . '/other.sqlite'],
            'sodium_key_file' => self::$dir . '/keys/other.key',
            'admin_token' => 'short',
        ]), self::$dir . '/short-token.log');
        try {
            [$status, , $body] = $this->request('GET', 'action=list', [self::BEARER], null, $server);
        } finally {
            $server->stop();
        }
        $this->assertSame([500, '{"ok":false,"error":"the zones API is not configured; the server log has the details"}'], [$status, $body]);
        $this->assertStringContainsString(
            'the admin token must be at least 16 characters',
            (string) file_get_contents(self::$dir . '/short-token.log'),
        );
    }
}
