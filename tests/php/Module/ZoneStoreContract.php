<?php

declare(strict_types=1);

namespace PuqDns\Tests\Module;

use PuqDns\DnsSync;
use PuqDns\DnsZoneManager;
use PuqDns\Module\Store\InvalidZoneException;
use PuqDns\Module\Store\Schema;
use PuqDns\Module\Store\SecretBoxException;
use PuqDns\Module\Store\SodiumSecretBox;
use PuqDns\Module\Store\ZoneNotFoundException;
use PuqDns\Module\Store\ZoneStore;
use PuqDns\Tests\Fixtures;

require_once __DIR__ . '/ModuleTestCase.php';

/**
 * ZoneStore on a real database: what is written is read back from the
 * table itself. Run against SQLite and MariaDB by the concrete classes.
 */
abstract class ZoneStoreContract extends ModuleTestCase
{
    protected const PEM = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUEXAMPLE\n-----END CERTIFICATE-----";

    protected ZoneStore $store;

    protected function setUp(): void
    {
        parent::setUp();
        Schema::install($this->pdo);
        $this->store = new ZoneStore($this->pdo, $this->box);
    }

    /** A PowerDNS reverse zone form with every optional field set, as a browser posts it. */
    protected static function powerDnsForm(array $set = []): array
    {
        return array_replace([
            'zone' => '2.0.192.IN-ADDR.ARPA.',
            'type' => 'PowerDNS',
            'server_url' => 'http://127.0.0.1:1/api/v1',
            'api_key' => Fixtures::PDNS_KEY,
            'server_id' => 'ns1',
            'ttl' => '300',
            'verify_tls' => '0',
            'ca_cert' => self::PEM,
        ], $set);
    }

    protected static function cloudflareForm(array $set = []): array
    {
        return array_replace(Fixtures::without(Fixtures::cloudflare(0, 'PuqCloud.com'), 'id'), $set);
    }

    protected static function hestiaForm(array $set = []): array
    {
        return array_replace(Fixtures::without(Fixtures::hestiacp(0, 'example.net'), 'id'), $set);
    }

    /** Asserts the sealed column is not the secret and opens to it. */
    protected function assertSealed(string $secret, ?string $column): void
    {
        $this->assertNotNull($column);
        $this->assertStringStartsWith('sodium:v1:', $column);
        $this->assertStringNotContainsString($secret, $column);
        $this->assertSame($secret, $this->box->open($column));
    }

    // ------------------------------------------------------------------ create

    public function testCreateWritesOneColumnPerFieldWithTheSecretSealed(): void
    {
        $zone = $this->store->create(self::powerDnsForm());

        $raw = $this->rawZone(1);
        $this->assertSealed(Fixtures::PDNS_KEY, $raw['api_key']);
        $this->assertSame([
            'id' => '1',
            'zone' => '2.0.192.in-addr.arpa',
            'type' => 'powerdns',
            'account_id' => null,
            'zone_id' => null,
            'api_token' => null,
            'api_url' => null,
            'server_url' => 'http://127.0.0.1:1',
            'admin_user' => null,
            'admin_password' => null,
            'user' => null,
            'api_key' => '<sealed>',
            'server_id' => 'ns1',
            'server' => null,
            'tsig_name' => null,
            'tsig_secret' => null,
            'tsig_algorithm' => null,
            'timeout' => null,
            'allow_unsigned' => null,
            'ttl' => '300',
            'verify_tls' => '0',
            'ca_cert' => self::PEM,
            'created_at' => '<time>',
            'updated_at' => '<time>',
            'zone_records' => null,
        ], $this->stamped(array_replace($raw, ['api_key' => '<sealed>'])));
        $this->assertSame($raw['created_at'], $raw['updated_at']);

        // What comes back is the masked row, as the list shows it.
        $this->assertSame([
            'id' => 1,
            'zone' => '2.0.192.in-addr.arpa',
            'type' => 'powerdns',
            'server_url' => 'http://127.0.0.1:1',
            'api_key' => '__KEEP__',
            'server_id' => 'ns1',
            'ttl' => 300,
            'verify_tls' => false,
            'ca_cert' => self::PEM,
            'created_at' => $raw['created_at'],
            'updated_at' => $raw['updated_at'],
            'kind' => 'reverse4',
            'range' => '192.0.2.0/24',
        ], $zone);
    }

    public function testCreateOfEachProviderAndRowsForTheExtension(): void
    {
        $this->store->create(self::cloudflareForm());
        $this->store->create(self::hestiaForm(['ttl' => '', 'verify_tls' => '']));
        $this->store->create(self::powerDnsForm());

        $cf = $this->rawZone(1);
        $this->assertSealed(Fixtures::CF_TOKEN, $cf['api_token']);
        $this->assertSame(
            ['puqcloud.com', 'cloudflare', 'acc0123456789abcdef', 'zone0123456789abcdef', Fixtures::DEAD_CF_API, null, null, null, null, null, '3600', '1'],
            [$cf['zone'], $cf['type'], $cf['account_id'], $cf['zone_id'], $cf['api_url'], $cf['server_url'], $cf['admin_user'],
                $cf['admin_password'], $cf['api_key'], $cf['server_id'], $cf['ttl'], $cf['verify_tls']],
        );
        $hestia = $this->rawZone(2);
        $this->assertSealed(Fixtures::HESTIA_PASSWORD, $hestia['admin_password']);
        $this->assertSame(
            ['example.net', 'hestiacp', 'http://127.0.0.1:1/', 'admin', 'dnsuser', null, null, null, '3600', '1'],
            [$hestia['zone'], $hestia['type'], $hestia['server_url'], $hestia['admin_user'], $hestia['user'],
                $hestia['api_token'], $hestia['api_key'], $hestia['account_id'], $hestia['ttl'], $hestia['verify_tls']],
        );

        // rows(): decrypted, NULL columns left out, ids as ints.
        $rows = $this->store->rows();
        $this->assertSame([1, 2, 3], array_column($rows, 'id'));
        $this->assertSame([
            'id' => 1,
            'zone' => 'puqcloud.com',
            'type' => 'cloudflare',
            'account_id' => 'acc0123456789abcdef',
            'zone_id' => 'zone0123456789abcdef',
            'api_token' => Fixtures::CF_TOKEN,
            'api_url' => Fixtures::DEAD_CF_API,
            'ttl' => 3600,
            'verify_tls' => true,
            'ca_cert' => null,
        ], Fixtures::without(DnsZoneManager::normalize($rows[0]), 'created_at', 'updated_at'));
        $this->assertSame(Fixtures::HESTIA_PASSWORD, $rows[1]['admin_password']);
        $this->assertSame(Fixtures::PDNS_KEY, $rows[2]['api_key']);
        $this->assertSame([], array_filter($rows[1], fn ($v) => $v === null));

        // ... which the extension takes as they are.
        $manager = new DnsZoneManager($rows);
        $this->assertSame([1], $manager->match('vm.puqcloud.com'));
        $this->assertSame([3], $manager->match('192.0.2.7'));
        $this->assertInstanceOf(DnsSync::class, new DnsSync($rows, Fixtures::FAST_OPTIONS));
    }

    public function testCreateIgnoresASubmittedIdTimestampsAndListKeys(): void
    {
        $zone = $this->store->create(self::powerDnsForm([
            'id' => 99, 'created_at' => '2000-01-01 00:00:00', 'kind' => 'forward', 'range' => 'x', 'error' => 'y',
        ]));
        $this->assertSame(1, $zone['id']);
        $this->assertSame('reverse4', $zone['kind']);
        $this->assertArrayNotHasKey('error', $zone);
        $this->assertNotSame('2000-01-01 00:00:00', $this->rawZone(1)['created_at']);
        $this->assertSame(2, $this->store->create(self::cloudflareForm(['id' => '1']))['id']);
    }

    public function testCreateRefusesAZoneTheExtensionRefusesAndStoresNothing(): void
    {
        $this->assertSame(
            'zone new: zone "bad zone.com" contains \' \', which a DNS name cannot hold; api_key is required',
            $this->configError(fn () => $this->store->create(self::powerDnsForm(['zone' => 'bad zone.com', 'api_key' => '']))),
        );
        $this->assertSame(
            'zone new (example.com): api_key is the __KEEP__ placeholder, not a credential; pass the stored row through merge() first',
            $this->configError(fn () => $this->store->create(self::powerDnsForm(['zone' => 'example.com', 'api_key' => DnsZoneManager::KEEP]))),
        );
        $this->assertSame(
            'zone new (puqcloud.com): ttl 30 is not accepted by Cloudflare (1 for automatic, or 60 to 86400)',
            $this->configError(fn () => $this->store->create(self::cloudflareForm(['ttl' => '30']))),
        );
        $this->assertSame(
            'zone new (example.net): server_url is required; admin_password is required',
            $this->configError(fn () => $this->store->create(self::hestiaForm(['server_url' => '', 'admin_password' => '']))),
        );
        $this->assertSame(0, $this->zoneCount());
    }

    // ----------------------------------------------------------- list and get

    public function testListForBrowserMasksEverySecretAndAddsKindAndRange(): void
    {
        $this->store->create(self::cloudflareForm());
        $this->store->create(self::hestiaForm(['zone' => '64-127.2.0.192.in-addr.arpa']));
        $this->store->create(self::powerDnsForm(['zone' => '8.b.d.0.1.0.0.2.ip6.arpa']));

        $list = array_map(fn (array $zone) => $this->stamped($zone), $this->store->listForBrowser());
        $this->assertSame([
            [
                'id' => 1,
                'zone' => 'puqcloud.com',
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
                'kind' => 'forward',
                'range' => null,
            ],
            [
                'id' => 2,
                'zone' => '64-127.2.0.192.in-addr.arpa',
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
                'kind' => 'reverse4',
                'range' => '192.0.2.64/26',
            ],
            [
                'id' => 3,
                'zone' => '8.b.d.0.1.0.0.2.ip6.arpa',
                'type' => 'powerdns',
                'server_url' => 'http://127.0.0.1:1',
                'api_key' => '__KEEP__',
                'server_id' => 'ns1',
                'ttl' => 300,
                'verify_tls' => false,
                'ca_cert' => self::PEM,
                'created_at' => '<time>',
                'updated_at' => '<time>',
                'kind' => 'reverse6',
                'range' => '2001:db8::/32',
            ],
        ], $list);
        $this->assertSame($list[1], $this->stamped($this->store->get(2)));
        $json = json_encode($this->store->listForBrowser());
        foreach (Fixtures::SECRETS as $secret) {
            $this->assertStringNotContainsString($secret, $json);
        }
        $this->assertStringNotContainsString('sodium:', $json);
    }

    public function testABrokenStoredRowIsListedWithItsErrorNextToTheOthers(): void
    {
        $this->store->create(self::powerDnsForm());
        $this->pdo->exec('INSERT INTO ' . $this->q(Schema::ZONES) . " (zone, type, api_token, created_at) VALUES ('bad zone', 'bind', 'x', '2024-01-01 00:00:00')");

        $list = $this->store->listForBrowser();
        $this->assertSame([1, 2], array_column($list, 'id'));
        $this->assertSame('reverse4', $list[0]['kind']);
        $this->assertArrayNotHasKey('error', $list[0]);
        // SQLite and MariaDB hand the flag back as int or text.
        $list[1]['verify_tls'] = (int) $list[1]['verify_tls'];
        $this->assertSame([
            'id' => 2,
            'zone' => 'bad zone',
            'type' => 'bind',
            'api_token' => '__KEEP__',
            'verify_tls' => 1,
            'created_at' => '2024-01-01 00:00:00',
            'kind' => null,
            'range' => null,
            'error' => 'zone 2: zone "bad zone" contains \' \', which a DNS name cannot hold; type "bind" is not one of cloudflare, hestiacp, powerdns, rfc2136',
        ], $list[1]);
        $this->assertSame($list[1]['error'], $this->store->get(2)['error']);
    }

    public function testListDoesNotNeedTheKeyButRowsSaysWhichSecretCannotBeOpened(): void
    {
        $this->store->create(self::cloudflareForm());
        $this->store->create(self::powerDnsForm());
        $other = new ZoneStore($this->pdo, new SodiumSecretBox(random_bytes(32)));

        $this->assertSame(array_column($this->store->listForBrowser(), 'api_token'), array_column($other->listForBrowser(), 'api_token'));
        $message = $this->thrown(SecretBoxException::class, fn () => $other->rows());
        $this->assertSame(
            'zone 1: the stored api_token cannot be used (the stored value cannot be opened: it was sealed with another key or is damaged); enter it again',
            $message,
        );
        $this->assertSame($message, $this->thrown(SecretBoxException::class, fn () => $other->test(1)));
        $this->assertSame(
            'zone 1: the stored api_token cannot be used (the stored value cannot be opened: it was sealed with another key or is damaged); enter it again',
            $this->thrown(SecretBoxException::class, fn () => $other->update(1, ['ttl' => '60', 'api_token' => DnsZoneManager::KEEP])),
        );
        // Entering the secrets again under the new key repairs the zones.
        $other->update(1, ['api_token' => 'fresh-token-111']);
        $other->update(2, ['api_key' => 'fresh-key-222']);
        $this->assertSame(['fresh-token-111', 'fresh-key-222'], [$other->rows()[0]['api_token'], $other->rows()[1]['api_key']]);
    }

    public function testTheStoresSecretColumnsAreTheOnesTheExtensionMasks(): void
    {
        $row = array_fill_keys(Schema::columns(Schema::ZONES), 'value');
        $masked = array_keys(array_diff_assoc(DnsZoneManager::mask($row), $row));
        sort($masked);
        $secrets = Schema::secretColumns();
        sort($secrets);
        $this->assertSame($secrets, $masked);
    }

    // ------------------------------------------------------------------ update

    public function testEditWithAnEmptyMissingOrKeepSecretKeepsTheStoredOne(): void
    {
        $this->store->create(self::powerDnsForm());
        $form = Fixtures::without($this->store->get(1), 'created_at', 'updated_at');
        foreach (['empty' => '', 'keep' => DnsZoneManager::KEEP, 'missing' => null, 'blank' => '   '] as $case => $value) {
            $submitted = $form;
            $submitted['ttl'] = (string) (600 + strlen($case));
            if ($value === null) {
                unset($submitted['api_key']);
            } else {
                $submitted['api_key'] = $value;
            }
            $zone = $this->store->update(1, $submitted);
            $this->assertSame('__KEEP__', $zone['api_key'], $case);
            $raw = $this->rawZone(1);
            $this->assertSealed(Fixtures::PDNS_KEY, $raw['api_key']);
            $this->assertSame((string) (600 + strlen($case)), $raw['ttl'], $case);
        }
        $this->assertSame(Fixtures::PDNS_KEY, $this->store->rows()[0]['api_key']);
    }

    public function testEditWithANewSecretReplacesTheStoredOne(): void
    {
        $this->store->create(self::hestiaForm());
        $before = $this->rawZone(1);
        $zone = $this->store->update(1, ['admin_password' => 'brand new pw 5150', 'user' => 'other']);
        $raw = $this->rawZone(1);
        $this->assertSealed('brand new pw 5150', $raw['admin_password']);
        $this->assertSame('other', $raw['user']);
        $this->assertSame($before['created_at'], $raw['created_at']);
        $this->assertMatchesRegularExpression(self::TIME, $raw['updated_at']);
        $this->assertSame('__KEEP__', $zone['admin_password']);
        $this->assertSame('brand new pw 5150', $this->store->rows()[0]['admin_password']);
    }

    public function testChangingTheTypeClearsTheOldProvidersFieldsAndSecret(): void
    {
        $this->store->create(self::cloudflareForm());
        $zone = $this->store->update(1, ['type' => 'powerdns', 'server_url' => 'http://127.0.0.1:1', 'api_key' => 'pdns-new-key-42']);
        $raw = $this->rawZone(1);
        $this->assertSame(
            [null, null, null, null],
            [$raw['api_token'], $raw['account_id'], $raw['zone_id'], $raw['api_url']],
        );
        $this->assertSealed('pdns-new-key-42', $raw['api_key']);
        $this->assertSame(['powerdns', 'localhost'], [$raw['type'], $raw['server_id']]);
        $this->assertSame('powerdns', $zone['type']);
        $this->assertArrayNotHasKey('api_token', $zone);
    }

    public function testAKeptSecretIsNeverSentToANewServer(): void
    {
        $this->store->create(self::powerDnsForm());
        $before = $this->rawZone(1);
        foreach (['' => 'empty', DnsZoneManager::KEEP => 'keep'] as $value => $case) {
            $this->assertSame(
                'zone 1 (2.0.192.in-addr.arpa): api_key must be entered again because server_url changed; a stored credential is only sent to the server it was saved for',
                $this->configError(fn () => $this->store->update(1, ['server_url' => 'http://127.0.0.2:8081', 'api_key' => $value])),
                $case,
            );
            $this->assertSame(
                'zone 1 (2.0.192.in-addr.arpa): api_key must be entered again because server_url changed; a stored credential is only sent to the server it was saved for',
                $this->configError(fn () => $this->store->testUnsaved(['id' => '1', 'server_url' => 'http://127.0.0.2:8081', 'api_key' => $value])),
                $case,
            );
        }
        $this->assertSame($before, $this->rawZone(1));

        // The same server written another way is no change.
        $this->store->update(1, ['server_url' => 'http://127.0.0.1:1/', 'api_key' => '']);
        $this->assertSealed(Fixtures::PDNS_KEY, $this->rawZone(1)['api_key']);
        // With the secret typed again, the server may change.
        $this->store->update(1, ['server_url' => 'http://127.0.0.2:8081', 'api_key' => 'retyped-key-77']);
        $this->assertSame('http://127.0.0.2:8081', $this->rawZone(1)['server_url']);
        $this->assertSealed('retyped-key-77', $this->rawZone(1)['api_key']);

        $this->store->create(self::cloudflareForm());
        $this->assertSame(
            'zone 2 (puqcloud.com): api_token must be entered again because api_url changed; a stored credential is only sent to the server it was saved for',
            $this->configError(fn () => $this->store->update(2, ['api_url' => 'https://api.example.net/client/v4'])),
        );
    }

    public function testAKeptSecretIsRefusedWhenTheCertificateCheckChanges(): void
    {
        $this->store->create(self::hestiaForm(['ca_cert' => self::PEM]));
        $again = 'zone 1 (example.net): admin_password must be entered again because %s changed; '
            . 'a stored credential is only sent to the server it was saved for';
        $before = $this->rawZone(1);
        $other = str_replace('EXAMPLE', 'OTHER', self::PEM);
        $this->assertSame(sprintf($again, 'verify_tls'), $this->configError(fn () => $this->store->update(1, ['verify_tls' => '0'])));
        $this->assertSame(sprintf($again, 'ca_cert'), $this->configError(fn () => $this->store->update(1, ['ca_cert' => $other])));
        $this->assertSame(
            sprintf($again, 'verify_tls and ca_cert'),
            $this->configError(fn () => $this->store->testUnsaved(['id' => '1', 'verify_tls' => 'off', 'ca_cert' => $other, 'admin_password' => DnsZoneManager::KEEP])),
        );
        $this->assertSame($before, $this->rawZone(1));
        // Typed again, the password may go with the new trust settings.
        $this->store->update(1, ['verify_tls' => '0', 'ca_cert' => $other, 'admin_password' => 'retyped pw 88']);
        $this->assertSame(['0', $other], [$this->rawZone(1)['verify_tls'], $this->rawZone(1)['ca_cert']]);
        // Turning the check back on keeps the password.
        $this->store->update(1, ['verify_tls' => '1']);
        $this->assertSealed('retyped pw 88', $this->rawZone(1)['admin_password']);
    }

    public function testAStoredSecretWithATrailingNewlineIsKeptOnlyForItsOwnServer(): void
    {
        // A row written by hand, or by an older module: the secret as typed
        // into a file, newline and all.
        $this->store->create(self::powerDnsForm());
        $this->pdo->prepare('UPDATE ' . $this->q(Schema::ZONES) . ' SET ' . $this->q('api_key') . ' = ?')
            ->execute([$this->box->seal(Fixtures::PDNS_KEY . "\n")]);
        $message = 'zone 1 (2.0.192.in-addr.arpa): api_key must be entered again because server_url changed; '
            . 'a stored credential is only sent to the server it was saved for';
        $this->assertSame($message, $this->configError(fn () => $this->store->testUnsaved(['id' => 1, 'server_url' => 'http://127.0.0.2:8081'])));
        $this->assertSame($message, $this->configError(fn () => $this->store->update(1, ['server_url' => 'http://127.0.0.2:8081', 'api_key' => ''])));
        $this->assertSame(Fixtures::PDNS_KEY . "\n", $this->box->open($this->rawZone(1)['api_key']));
    }

    public function testEditKeepsColumnsTheExtensionDoesNotKnow(): void
    {
        $this->pdo->exec('ALTER TABLE ' . $this->q(Schema::ZONES) . ' ADD COLUMN ' . $this->q('notes') . ' VARCHAR(255) NULL');
        $this->store = new ZoneStore($this->pdo, $this->box);
        $this->store->create(self::powerDnsForm(['notes' => 'rack 4']));
        $this->assertSame('rack 4', $this->rawZone(1)['notes']);
        $this->assertSame('rack 4', $this->store->get(1)['notes']);

        $this->store->update(1, ['ttl' => '900']);
        $this->assertSame(['rack 4', '900'], [$this->rawZone(1)['notes'], $this->rawZone(1)['ttl']]);
        $this->store->update(1, ['notes' => 'rack 5']);
        $this->assertSame('rack 5', $this->rawZone(1)['notes']);
        $this->assertSame('rack 5', $this->store->listForBrowser()[0]['notes']);
        $this->assertSame('rack 5', $this->store->rows()[0]['notes']);
        // A field the table has no column for is not stored anywhere.
        $this->store->update(1, ['colour' => 'blue']);
        $this->assertArrayNotHasKey('colour', $this->store->rows()[0]);
        $this->assertSame(
            'notes must be text or a number, not array',
            $this->thrown(InvalidZoneException::class, fn () => $this->store->update(1, ['notes' => ['a']])),
        );
    }

    public function testEditRefusesABadZoneOrAnotherZonesIdAndChangesNothing(): void
    {
        $this->store->create(self::powerDnsForm());
        $before = $this->rawZone(1);
        $this->assertSame(
            'zone 1 (2.0.192.in-addr.arpa): ttl must be a whole number, not "soon"',
            $this->configError(fn () => $this->store->update(1, ['ttl' => 'soon'])),
        );
        $this->assertSame(
            "zone 1: the submitted id 2 is not the stored zone's id 1",
            $this->configError(fn () => $this->store->update(1, ['id' => 2, 'ttl' => '60'])),
        );
        $this->assertSame($before, $this->rawZone(1));
        // The form's own id, as text, is fine.
        $this->assertSame(60, $this->store->update(1, ['id' => '1', 'ttl' => '60'])['ttl']);
    }

    // ------------------------------------------------------------ delete, ids

    public function testDeleteRemovesTheRow(): void
    {
        $this->store->create(self::powerDnsForm());
        $this->store->create(self::cloudflareForm());
        $this->store->delete(1);
        $this->assertSame(1, $this->zoneCount());
        $this->assertSame([2], array_column($this->store->rows(), 'id'));
        $this->assertSame('no zone has the id 1', $this->thrown(ZoneNotFoundException::class, fn () => $this->store->delete(1)));
    }

    public function testAnUnknownIdIsNotFoundEverywhere(): void
    {
        $this->store->create(self::powerDnsForm());
        foreach ([
            fn () => $this->store->get(42),
            fn () => $this->store->update(42, ['ttl' => '60']),
            fn () => $this->store->delete(42),
            fn () => $this->store->test(42),
            fn () => $this->store->testUnsaved(['id' => '42', 'zone' => 'example.com']),
        ] as $call) {
            $this->assertSame('no zone has the id 42', $this->thrown(ZoneNotFoundException::class, $call));
        }
        $this->assertSame(1, $this->zoneCount());
    }

    public function testIdsFromARequestMustBePositiveWholeNumbers(): void
    {
        $this->assertSame(7, ZoneStore::parseId('7'));
        $this->assertSame(7, ZoneStore::parseId(7));
        foreach (['0', '-1', '1.5', 'abc', '07', ' 7', '99999999999', 0, 1.0, null, ['7']] as $bad) {
            $this->assertSame(
                'id must be a positive whole number',
                $this->thrown(InvalidZoneException::class, fn () => ZoneStore::parseId($bad)),
                var_export($bad, true),
            );
        }
    }

    // -------------------------------------------------------------------- test

    public function testTestOfARefusedZoneReportsTheConnectionError(): void
    {
        $this->store->create(self::powerDnsForm());
        $result = $this->store->test(1);
        $this->assertSame(['ok', 'id', 'zone', 'type', 'message', 'ms'], array_keys($result));
        $this->assertSame(
            [false, 1, '2.0.192.in-addr.arpa', 'powerdns', 'cannot connect: Connection refused (os error 111)'],
            [$result['ok'], $result['id'], $result['zone'], $result['type'], $result['message']],
        );
        $this->assertIsInt($result['ms']);
    }

    public function testTestOfAnUnsavedFormIsValidatedFirst(): void
    {
        $this->assertSame(
            'zone new (example.com): api_key is required',
            $this->configError(fn () => $this->store->testUnsaved(self::powerDnsForm(['zone' => 'example.com', 'api_key' => '']))),
        );
        $this->store->create(self::powerDnsForm());
        $this->assertSame(
            'zone 1 (2.0.192.in-addr.arpa): verify_tls must be true or false, not "maybe"',
            $this->configError(fn () => $this->store->testUnsaved(['id' => 1, 'verify_tls' => 'maybe'])),
        );
        $this->assertSame(
            'id must be a positive whole number',
            $this->thrown(InvalidZoneException::class, fn () => $this->store->testUnsaved(['id' => 'x', 'zone' => 'example.com'])),
        );
    }
}
