<?php

declare(strict_types=1);

namespace PuqDns\Tests\Module;

use PuqDns\DnsZoneManager;
use PuqDns\Module\Store\Schema;
use PuqDns\Module\Store\SodiumSecretBox;
use PuqDns\Module\Store\ZoneStore;
use PuqDns\Module\Web\AdminApi;
use PuqDns\Module\Web\AdminAuth;
use PuqDns\Module\Web\Response;
use PuqDns\Module\Web\TokenAuth;
use PuqDns\Module\Web\WhmcsAdminAuth;
use PuqDns\Tests\Fixtures;
use PuqDns\Tests\PowerDnsServer;

require_once __DIR__ . '/ModuleTestCase.php';
require_once dirname(__DIR__) . '/PowerDnsServer.php';

/**
 * The zones page's JSON API on a real database and, for live tests, a real
 * PowerDNS. Every answer is kept; tearDown checks that none holds a secret,
 * a sealed value or the admin token, in its body or its headers.
 */
abstract class AdminApiContract extends ModuleTestCase
{
    protected const TOKEN = 'admin-token-Zq81-0123456789abcdef';
    protected const BEARER = ['HTTP_AUTHORIZATION' => 'Bearer ' . self::TOKEN];
    protected const NEW_KEY = 'replacement-key-Hx55-SeCrEt';

    protected static PowerDnsServer $pdns;

    protected ZoneStore $store;
    /** @var list<Response> every answer of the test */
    private array $responses = [];
    /** @var list<\Throwable> what the API reported as unexpected */
    protected array $logged = [];

    public static function setUpBeforeClass(): void
    {
        parent::setUpBeforeClass();
        self::$pdns = new PowerDnsServer();
        self::$pdns->createZone('puqcloud.com');
    }

    public static function tearDownAfterClass(): void
    {
        self::$pdns->stop();
        parent::tearDownAfterClass();
    }

    protected function setUp(): void
    {
        parent::setUp();
        Schema::install($this->pdo);
        $this->store = new ZoneStore($this->pdo, $this->box);
        $this->responses = [];
        $this->logged = [];
    }

    protected function tearDown(): void
    {
        try {
            $secrets = [...Fixtures::SECRETS, self::$pdns->key, self::NEW_KEY, self::TOKEN, 'sodium:v1:'];
            foreach ($this->responses as $i => $response) {
                $text = $response->json() . "\n" . json_encode($response->headers);
                foreach ($secrets as $secret) {
                    $this->assertStringNotContainsString($secret, $text, "response $i");
                }
                $this->assertStringNotContainsString('#0 ', $text, "response $i has no stack trace");
            }
        } finally {
            parent::tearDown();
        }
    }

    protected function api(?AdminAuth $auth = null, ?ZoneStore $store = null): AdminApi
    {
        return new AdminApi(
            $store ?? $this->store,
            $auth ?? new TokenAuth(self::TOKEN),
            function (\Throwable $e): void {
                $this->logged[] = $e;
            },
        );
    }

    /** One request through the API, kept for tearDown's secret check. */
    protected function call(string $method, array $query, array $body = [], array $server = self::BEARER, ?AdminApi $api = null): Response
    {
        $response = ($api ?? $this->api())->handle($method, $query, $body, $server);
        $this->responses[] = $response;
        // Every answer is JSON, never cached.
        $this->assertSame(Response::HEADERS, array_intersect_key($response->headers, Response::HEADERS));
        $this->assertSame($response->body, json_decode($response->json(), true));
        return $response;
    }

    protected function assertAnswer(int $status, string $json, Response $response): void
    {
        $this->assertSame([$status, $json], [$response->status, $response->json()]);
    }

    /** The live PowerDNS zone as the page's form posts it. */
    protected function pdnsForm(array $set = []): array
    {
        return array_replace([
            'action' => 'create',
            'zone' => 'PuqCloud.com.',
            'type' => 'PowerDNS',
            'server_url' => self::$pdns->url,
            'api_key' => self::$pdns->key,
            'ttl' => '',
            'verify_tls' => '1',
            'ca_cert' => '',
        ], $set);
    }

    protected function expectedPdnsZone(int $id, array $set = []): array
    {
        return array_replace([
            'id' => $id,
            'zone' => 'puqcloud.com',
            'type' => 'powerdns',
            'server_url' => self::$pdns->url,
            'api_key' => '__KEEP__',
            'server_id' => 'localhost',
            'ttl' => 3600,
            'verify_tls' => true,
            'ca_cert' => null,
            'created_at' => '<time>',
            'updated_at' => '<time>',
            'kind' => 'forward',
            'range' => null,
        ], $set);
    }

    protected function createPdnsZone(array $set = []): int
    {
        $response = $this->call('POST', [], $this->pdnsForm($set));
        $this->assertSame(201, $response->status, $response->json());
        return $response->body['zone']['id'];
    }

    // ----------------------------------------------------------- list and get

    public function testListOfNoZones(): void
    {
        $response = $this->call('GET', ['action' => 'list']);
        $this->assertAnswer(200, '{"ok":true,"zones":[]}', $response);
        $this->assertSame(Response::HEADERS, $response->headers);
    }

    public function testCreateAnswers201WithTheMaskedZoneAndSealsTheKey(): void
    {
        $response = $this->call('POST', [], $this->pdnsForm());
        $this->assertSame(201, $response->status);
        $this->assertSame(['ok', 'zone'], array_keys($response->body));
        $this->assertTrue($response->body['ok']);
        $this->assertSame($this->expectedPdnsZone(1), $this->stamped($response->body['zone']));

        $raw = $this->rawZone(1);
        $this->assertStringStartsWith('sodium:v1:', $raw['api_key']);
        $this->assertSame(self::$pdns->key, $this->box->open($raw['api_key']));
        $this->assertSame(['puqcloud.com', 'powerdns', self::$pdns->url, '3600', '1'], [$raw['zone'], $raw['type'], $raw['server_url'], $raw['ttl'], $raw['verify_tls']]);
        $this->assertSame([$raw['created_at'], $raw['updated_at']], [$response->body['zone']['created_at'], $response->body['zone']['updated_at']]);
    }

    public function testListAndGetShowMaskedZonesOfEveryProvider(): void
    {
        $this->createPdnsZone();
        $cf = $this->call('POST', ['action' => 'create'], Fixtures::without(Fixtures::cloudflare(9, '2.0.192.in-addr.arpa'), 'id'));
        $this->assertSame(201, $cf->status);
        $hestia = $this->call('POST', ['action' => 'create'], Fixtures::without(Fixtures::hestiacp(9, '8.b.d.0.1.0.0.2.ip6.arpa'), 'id'));
        $this->assertSame(201, $hestia->status);

        $list = $this->call('GET', ['action' => 'list']);
        $this->assertSame(200, $list->status);
        $this->assertSame(['ok', 'zones'], array_keys($list->body));
        $zones = array_map(fn (array $zone) => $this->stamped($zone), $list->body['zones']);
        $this->assertSame([
            $this->expectedPdnsZone(1),
            [
                'id' => 2,
                'zone' => '2.0.192.in-addr.arpa',
                'type' => 'cloudflare',
                'account_id' => 'acc0123456789abcdef',
                'zone_id' => 'zone0123456789abcdef',
                'api_token' => '__KEEP__',
                'api_url' => Fixtures::DEAD_CF_API,
                'ttl' => 3600,
                'verify_tls' => true,
                'ca_cert' => null,
                'created_at' => '<time>',
                'updated_at' => '<time>',
                'kind' => 'reverse4',
                'range' => '192.0.2.0/24',
            ],
            [
                'id' => 3,
                'zone' => '8.b.d.0.1.0.0.2.ip6.arpa',
                'type' => 'hestiacp',
                'server_url' => 'http://127.0.0.1:1/',
                'admin_user' => 'admin',
                'admin_password' => '__KEEP__',
                'user' => 'dnsuser',
                'ttl' => 3600,
                'verify_tls' => true,
                'ca_cert' => null,
                'created_at' => '<time>',
                'updated_at' => '<time>',
                'kind' => 'reverse6',
                'range' => '2001:db8::/32',
            ],
        ], $zones);

        foreach ([['GET', ['action' => 'get', 'id' => '2'], []], ['POST', [], ['action' => 'get', 'id' => 2]]] as [$method, $query, $body]) {
            $get = $this->call($method, $query, $body);
            $this->assertSame(200, $get->status);
            $this->assertSame(['ok' => true, 'zone' => $list->body['zones'][1]], $get->body);
        }
    }

    public function testUnknownMissingAndBadIds(): void
    {
        $this->createPdnsZone();
        foreach (['get', 'edit', 'delete', 'test'] as $action) {
            $method = $action === 'get' ? 'GET' : 'POST';
            $this->assertAnswer(404, '{"ok":false,"error":"no zone has the id 42"}', $this->call($method, ['action' => $action, 'id' => '42'], ['ttl' => '60']));
            $this->assertAnswer(400, '{"ok":false,"error":"id is required","field":"id"}', $this->call($method, ['action' => $action]));
            $this->assertAnswer(400, '{"ok":false,"error":"id must be a positive whole number","field":"id"}', $this->call($method, ['action' => $action, 'id' => '1 OR 1=1']));
        }
        $this->assertSame(1, $this->zoneCount());
    }

    public function testMissingAndUnknownActions(): void
    {
        $this->assertAnswer(400, '{"ok":false,"error":"action is required: list, get, create, edit, delete or test","field":"action"}', $this->call('GET', []));
        $this->assertAnswer(400, '{"ok":false,"error":"action is required: list, get, create, edit, delete or test","field":"action"}', $this->call('GET', ['action' => ['list']]));
        $this->assertAnswer(400, '{"ok":false,"error":"unknown action \"drop\"; use list, get, create, edit, delete or test","field":"action"}', $this->call('POST', ['action' => 'drop']));
    }

    // ------------------------------------------------------------------ create

    public function testARefusedZoneIs400WithTheExtensionsMessageAndField(): void
    {
        $cases = [
            [['api_key' => ''], '{"ok":false,"error":"zone new (puqcloud.com): api_key is required","field":"api_key"}'],
            [['zone' => 'bad zone.com'], '{"ok":false,"error":"zone new: zone \"bad zone.com\" contains \' \', which a DNS name cannot hold","field":"zone"}'],
            [['type' => 'route53'], '{"ok":false,"error":"zone new (puqcloud.com): type \"route53\" is not one of cloudflare, hestiacp, powerdns, rfc2136","field":"type"}'],
            [['server_url' => 'ftp://x'], '{"ok":false,"error":"zone new (puqcloud.com): server_url \"ftp://x\" must start with http:// or https://","field":"server_url"}'],
            [['ttl' => '0', 'verify_tls' => 'maybe'], '{"ok":false,"error":"zone new (puqcloud.com): ttl 0 is out of range (1 to 2147483647); verify_tls must be true or false, not \"maybe\"","field":"ttl"}'],
            [['api_key' => 'has space ' . self::NEW_KEY], '{"ok":false,"error":"zone new (puqcloud.com): api_key may hold only visible ASCII characters (no spaces)","field":"api_key"}'],
            [['api_key' => DnsZoneManager::KEEP], '{"ok":false,"error":"zone new (puqcloud.com): api_key is the __KEEP__ placeholder, not a credential; pass the stored row through merge() first","field":"api_key"}'],
        ];
        foreach ($cases as [$set, $json]) {
            $this->assertAnswer(400, $json, $this->call('POST', [], $this->pdnsForm($set)));
        }
        $this->assertSame(0, $this->zoneCount());
    }

    // -------------------------------------------------------------------- edit

    public function testEditWithAnEmptyOrKeepSecretKeepsItAndANewValueReplacesIt(): void
    {
        $id = $this->createPdnsZone();
        $form = $this->call('GET', ['action' => 'get', 'id' => (string) $id])->body['zone'];
        $form['action'] = 'edit';

        foreach (['' => '300', DnsZoneManager::KEEP => '600'] as $secret => $ttl) {
            $edit = $this->call('POST', ['id' => (string) $id], ['api_key' => $secret, 'ttl' => $ttl] + $form);
            $this->assertSame(200, $edit->status, $edit->json());
            $this->assertSame($this->expectedPdnsZone($id, ['ttl' => (int) $ttl]), $this->stamped($edit->body['zone']));
            $raw = $this->rawZone($id);
            $this->assertSame(self::$pdns->key, $this->box->open($raw['api_key']));
            $this->assertSame($ttl, $raw['ttl']);
        }
        // A missing field keeps it too.
        $edit = $this->call('POST', ['action' => 'edit', 'id' => (string) $id], ['ttl' => '900']);
        $this->assertSame(200, $edit->status);
        $this->assertSame(self::$pdns->key, $this->box->open($this->rawZone($id)['api_key']));

        $edit = $this->call('POST', ['id' => (string) $id], ['api_key' => self::NEW_KEY] + $form);
        $this->assertSame(200, $edit->status);
        $this->assertSame('__KEEP__', $edit->body['zone']['api_key']);
        $raw = $this->rawZone($id);
        $this->assertSame(self::NEW_KEY, $this->box->open($raw['api_key']));
        $this->assertStringNotContainsString(self::NEW_KEY, $raw['api_key']);
    }

    public function testEditRefusals(): void
    {
        $id = $this->createPdnsZone();
        $before = $this->rawZone($id);
        $this->assertAnswer(
            400,
            '{"ok":false,"error":"zone 1 (puqcloud.com): api_key must be entered again because server_url changed; a stored credential is only sent to the server it was saved for","field":"api_key"}',
            $this->call('POST', ['action' => 'edit', 'id' => '1'], ['server_url' => 'http://127.0.0.1:2', 'api_key' => DnsZoneManager::KEEP]),
        );
        $this->assertAnswer(
            400,
            '{"ok":false,"error":"zone 1: the submitted id 2 is not the stored zone\'s id 1","field":"id"}',
            $this->call('POST', ['action' => 'edit', 'id' => '1'], ['id' => '2', 'ttl' => '60']),
        );
        $this->assertAnswer(
            400,
            '{"ok":false,"error":"zone 1 (puqcloud.com): ttl must be a whole number, not \"soon\"","field":"ttl"}',
            $this->call('POST', ['action' => 'edit', 'id' => '1'], ['ttl' => 'soon']),
        );
        $this->assertSame($before, $this->rawZone($id));
    }

    // ------------------------------------------------------------------ delete

    public function testDelete(): void
    {
        $this->createPdnsZone();
        $this->createPdnsZone(['zone' => 'example.com']);
        $this->assertAnswer(200, '{"ok":true,"deleted":1}', $this->call('POST', ['action' => 'delete'], ['id' => '1']));
        $this->assertSame(1, $this->zoneCount());
        $this->assertAnswer(404, '{"ok":false,"error":"no zone has the id 1"}', $this->call('GET', ['action' => 'get', 'id' => '1']));
        $this->assertSame([2], array_column($this->call('GET', ['action' => 'list'])->body['zones'], 'id'));
    }

    // ---------------------------------------------------------------- methods

    public function testStateChangesNeedPost(): void
    {
        $this->createPdnsZone();
        $before = $this->rawZone(1);
        foreach (['create', 'edit', 'delete', 'test'] as $action) {
            $response = $this->call('GET', ['action' => $action, 'id' => '1', 'ttl' => '60']);
            $this->assertAnswer(405, "{\"ok\":false,\"error\":\"$action needs POST\"}", $response);
            $this->assertSame('POST', $response->headers['Allow']);
        }
        $response = $this->call('PUT', ['action' => 'list']);
        $this->assertAnswer(405, '{"ok":false,"error":"list needs GET or POST"}', $response);
        $this->assertSame('GET, POST', $response->headers['Allow']);
        $this->assertSame(405, $this->call('DELETE', ['action' => 'delete', 'id' => '1'])->status);
        $this->assertSame($before, $this->rawZone(1));
        $this->assertSame(1, $this->zoneCount());
        // The method's case does not matter.
        $this->assertSame(200, $this->call('post', ['action' => 'list'])->status);
    }

    // -------------------------------------------------------------------- test

    public function testTestOfASavedZoneAgainstARealPowerDns(): void
    {
        $id = $this->createPdnsZone();
        $this->createPdnsZone(['zone' => 'absent.example']);
        $response = $this->call('POST', ['action' => 'test', 'id' => (string) $id]);
        $this->assertSame(200, $response->status);
        $this->assertSame(['ok', 'test'], array_keys($response->body));
        $this->assertIsInt($response->body['test']['ms']);
        $this->assertSame(
            ['ok' => true, 'test' => ['ok' => true, 'id' => 1, 'zone' => 'puqcloud.com', 'type' => 'powerdns',
                'message' => 'zone puqcloud.com. found on PowerDNS server localhost (Native)', 'ms' => $response->body['test']['ms']]],
            $response->body,
        );
        $absent = $this->call('POST', ['action' => 'test'], ['id' => '2']);
        $this->assertSame(
            [200, false, 'HTTP 404: Not Found (no zone absent.example. on PowerDNS server localhost)'],
            [$absent->status, $absent->body['test']['ok'], $absent->body['test']['message']],
        );
    }

    public function testTestOfAnEditFormUsesTheStoredKeyUnlessANewOneIsTyped(): void
    {
        $id = $this->createPdnsZone(['api_key' => 'not-the-servers-key']);
        $this->call('POST', ['action' => 'edit', 'id' => (string) $id], ['api_key' => self::$pdns->key]);

        $kept = $this->call('POST', ['action' => 'test', 'id' => (string) $id], ['zone' => 'puqcloud.com', 'api_key' => DnsZoneManager::KEEP, 'ttl' => '60']);
        $this->assertSame([200, true, 1], [$kept->status, $kept->body['test']['ok'], $kept->body['test']['id']]);

        $typed = $this->call('POST', ['action' => 'test', 'id' => (string) $id], ['zone' => 'puqcloud.com', 'api_key' => self::NEW_KEY]);
        $this->assertSame([200, false, 'HTTP 401: Unauthorized'], [$typed->status, $typed->body['test']['ok'], $typed->body['test']['message']]);

        // Testing saves nothing.
        $this->assertSame(self::$pdns->key, $this->box->open($this->rawZone($id)['api_key']));
        $this->assertSame('3600', $this->rawZone($id)['ttl']);

        $this->assertAnswer(
            400,
            '{"ok":false,"error":"zone 1 (puqcloud.com): api_key must be entered again because server_url changed; a stored credential is only sent to the server it was saved for","field":"api_key"}',
            $this->call('POST', ['action' => 'test', 'id' => (string) $id], ['server_url' => 'http://127.0.0.1:2', 'api_key' => '']),
        );
    }

    public function testTestOfANewForm(): void
    {
        $form = $this->pdnsForm(['action' => 'test']);
        $response = $this->call('POST', [], $form);
        $this->assertSame(
            [200, true, 'new', 'puqcloud.com', 'zone puqcloud.com. found on PowerDNS server localhost (Native)'],
            [$response->status, $response->body['test']['ok'], $response->body['test']['id'], $response->body['test']['zone'], $response->body['test']['message']],
        );
        $this->assertAnswer(
            400,
            '{"ok":false,"error":"zone new (puqcloud.com): api_key is required","field":"api_key"}',
            $this->call('POST', [], ['api_key' => ''] + $form),
        );
        $this->assertSame(0, $this->zoneCount());
    }

    // -------------------------------------------------------------------- auth

    public function testTheAdminTokenIsRequiredAndChecked(): void
    {
        $form = $this->pdnsForm();
        $missing = '{"ok":false,"error":"an admin token is required: send Authorization: Bearer <token> or X-Puq-Dns-Token"}';
        $wrong = '{"ok":false,"error":"the admin token is wrong"}';
        $cases = [
            [[], 401, $missing],
            [['HTTP_AUTHORIZATION' => 'Basic ' . base64_encode('admin:' . self::TOKEN)], 401, $missing],
            [['HTTP_AUTHORIZATION' => 'Bearer'], 401, $missing],
            [['HTTP_AUTHORIZATION' => 'Bearer ' . self::TOKEN . 'x'], 403, $wrong],
            [['HTTP_AUTHORIZATION' => 'Bearer ' . substr(self::TOKEN, 0, -1)], 403, $wrong],
            [['HTTP_X_PUQ_DNS_TOKEN' => 'nope'], 403, $wrong],
            [['HTTP_X_PUQ_DNS_TOKEN' => ''], 401, $missing],
        ];
        foreach ($cases as [$server, $status, $json]) {
            $response = $this->call('POST', [], $form, $server);
            $this->assertAnswer($status, $json, $response);
            // The challenge goes with 401 only, as HTTP has it.
            $this->assertSame($status === 401 ? 'Bearer realm="puq_dns"' : null, $response->headers['WWW-Authenticate'] ?? null);
        }
        // Never from the query string or the body.
        $this->assertSame(401, $this->call('GET', ['action' => 'list', 'token' => self::TOKEN], [], [])->status);
        $this->assertSame(401, $this->call('POST', [], ['token' => self::TOKEN] + $form, [])->status);
        $this->assertSame(0, $this->zoneCount());

        $this->assertSame(201, $this->call('POST', [], $form, ['HTTP_X_PUQ_DNS_TOKEN' => self::TOKEN])->status);
        $this->assertSame(200, $this->call('GET', ['action' => 'list'], [], ['REDIRECT_HTTP_AUTHORIZATION' => 'bearer ' . self::TOKEN])->status);
        $this->assertSame(1, $this->zoneCount());
    }

    public function testInsideWhmcsAnAdminSessionAndItsCsrfTokenAreRequired(): void
    {
        $session = ['adminid' => '1', 'tkval' => 'tk-4b1d9e'];
        $csrf = sha1('tk-4b1d9e' . 'session-77' . ':whmcscrsf');
        $api = $this->api(WhmcsAdminAuth::fromSession($session, 'session-77'));
        $form = $this->pdnsForm();

        $login = '{"ok":false,"error":"log in to the WHMCS admin area first"}';
        foreach ([[], ['adminid' => 0], ['adminid' => ''], ['adminid' => 'x'], ['tkval' => 'tk-4b1d9e']] as $noAdmin) {
            $this->assertAnswer(401, $login, $this->call('POST', [], ['token' => $csrf] + $form, [], $this->api(WhmcsAdminAuth::fromSession($noAdmin, 'session-77'))));
        }
        $this->assertAnswer(403, '{"ok":false,"error":"the CSRF token is missing; reload the page"}', $this->call('POST', [], $form, [], $api));
        $this->assertAnswer(
            403,
            '{"ok":false,"error":"the CSRF token does not match this session; reload the page"}',
            $this->call('POST', [], ['token' => sha1('tk-4b1d9e' . 'other-session:whmcscrsf')] + $form, [], $api),
        );
        $this->assertAnswer(
            403,
            '{"ok":false,"error":"the CSRF token does not match this session; reload the page"}',
            $this->call('POST', [], ['token' => $csrf] + $form, [], $this->api(WhmcsAdminAuth::fromSession(['adminid' => 1], 'session-77'))),
        );
        // The standalone token means nothing here.
        $this->assertSame(403, $this->call('POST', [], $form, self::BEARER + ['HTTP_X_CSRF_TOKEN' => 'x'], $api)->status);
        $this->assertSame(0, $this->zoneCount());

        $created = $this->call('POST', [], ['token' => $csrf] + $form, [], $api);
        $this->assertSame(201, $created->status);
        $this->assertArrayNotHasKey('token', $created->body['zone']);
        $this->assertSame(200, $this->call('GET', ['action' => 'list', 'token' => $csrf], [], [], $api)->status);
        $this->assertSame(200, $this->call('GET', ['action' => 'get', 'id' => '1'], [], ['HTTP_X_CSRF_TOKEN' => $csrf], $api)->status);
        // An admin with the right token still cannot change state with GET.
        $this->assertAnswer(405, '{"ok":false,"error":"delete needs POST"}', $this->call('GET', ['action' => 'delete', 'id' => '1', 'token' => $csrf], [], [], $api));
        $this->assertSame(1, $this->zoneCount());
        // An explicit token from WHMCS's generate_token() works the same way.
        $this->assertSame(200, $this->call('GET', ['action' => 'list', 'token' => 'given'], [], [], $this->api(new WhmcsAdminAuth($session, 'given')))->status);
    }

    // --------------------------------------------------------------- failures

    public function testAnUnexpectedFailureIs500WithoutDetails(): void
    {
        $this->createPdnsZone();
        $this->pdo->exec('DROP TABLE ' . $this->q(Schema::ZONES));
        $this->assertAnswer(500, '{"ok":false,"error":"internal error; the server log has the details"}', $this->call('GET', ['action' => 'list']));
        $this->assertCount(1, $this->logged);
        $this->assertInstanceOf(\PDOException::class, $this->logged[0]);
    }

    public function testASecretThatCannotBeOpenedIsNamedNotShown(): void
    {
        $id = $this->createPdnsZone();
        $other = new ZoneStore($this->pdo, new SodiumSecretBox(random_bytes(32)));
        $api = $this->api(null, $other);
        $this->assertAnswer(
            500,
            '{"ok":false,"error":"zone 1: the stored api_key cannot be used (the stored value cannot be opened: it was sealed with another key or is damaged); enter it again"}',
            $this->call('POST', ['action' => 'test', 'id' => (string) $id], [], self::BEARER, $api),
        );
        // The list still works, and typing the key again repairs the zone.
        $this->assertSame(200, $this->call('GET', ['action' => 'list'], [], self::BEARER, $api)->status);
        $this->assertSame(200, $this->call('POST', ['action' => 'edit', 'id' => '1'], ['api_key' => self::$pdns->key], self::BEARER, $api)->status);
        $this->assertTrue($this->call('POST', ['action' => 'test', 'id' => '1'], [], self::BEARER, $api)->body['test']['ok']);
        $this->assertSame([], $this->logged);
    }
}
