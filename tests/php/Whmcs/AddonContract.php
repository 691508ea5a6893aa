<?php

declare(strict_types=1);

namespace PuqDns\Tests\Whmcs;

use PuqDns\Module\Store\Schema;
use PuqDns\Module\Store\VmStore;
use PuqDns\Module\Store\WhmcsSecretBox;
use PuqDns\Module\Store\ZoneStore;
use PuqDns\Tests\Fixtures;
use PuqDns\Tests\Module\ModuleTestCase;
use PuqDns\Tests\PowerDnsServer;
use WHMCS\Database\Capsule;

require_once dirname(__DIR__) . '/Module/ModuleTestCase.php';
require_once dirname(__DIR__) . '/PowerDnsServer.php';
require_once dirname(__DIR__, 2) . '/whmcs/functions.php';

/**
 * The puq_dns addon as WHMCS runs it: the folder build/addon.sh makes,
 * copied into a WHMCS root of the stand-in (tests/whmcs), activated,
 * configured and used through WHMCS's own tables, hooks and admin page,
 * against a real PowerDNS; on SQLite and MariaDB.
 */
abstract class AddonContract extends ModuleTestCase
{
    private static ?PowerDnsServer $pdns = null;
    private static int $counter = 0;

    protected string $root;
    protected string $domain;
    protected string $rev4;
    protected int $product;

    public static function setUpBeforeClass(): void
    {
        parent::setUpBeforeClass();
        self::$pdns = new PowerDnsServer();
    }

    public static function tearDownAfterClass(): void
    {
        self::$pdns?->stop();
        self::$pdns = null;
        parent::tearDownAfterClass();
    }

    protected function setUp(): void
    {
        parent::setUp();
        $this->root = self::whmcsRoot();
        Whmcs::boot($this->capsuleConnection(), $this->root);
        Whmcs::loginAdmin();

        $n = ++self::$counter;
        $this->domain = "whmcs$n-" . strtolower(substr(static::class, strrpos(static::class, '\\') + 1, 6)) . '.example';
        $this->rev4 = (150 + $n) . '.51.198.in-addr.arpa';
        self::$pdns->createZone($this->domain);
        self::$pdns->createZone($this->rev4);
        $this->product = Whmcs::addProduct('VPS S', 'puqProxmoxKVM', [5 => $this->domain]);
    }

    protected function tearDown(): void
    {
        // No secret in anything WHMCS keeps, nor in what the addon handed
        // logModuleCall() (but its replacement list, which is for that).
        $dump = json_encode([
            Capsule::table('tblmodulelog')->get()->all(),
            Capsule::table('tblactivitylog')->get()->all(),
            Capsule::schema()->hasTable(Schema::LOG) ? Capsule::table(Schema::LOG)->get()->all() : [],
            array_map(static fn (array $call): array => array_diff_key($call, ['replaceVars' => 1]), $GLOBALS['whmcs_module_log'] ?? []),
        ]);
        $this->assertStringNotContainsString(self::$pdns->key, (string) $dump);
        $_SESSION = [];
        parent::tearDown();
    }

    /**
     * One WHMCS root per test process, with the addon folder as build/addon.sh
     * makes it: PHP includes an addon's file once, as WHMCS does per request.
     */
    private static function whmcsRoot(): string
    {
        static $root = null;
        if ($root === null) {
            $root = sys_get_temp_dir() . '/puq-dns-whmcs-' . getmypid();
            exec(escapeshellarg(dirname(__DIR__, 3) . '/build/addon.sh') . ' ' . escapeshellarg($root) . ' 2>&1', $out, $status);
            if ($status !== 0) {
                throw new \RuntimeException('build/addon.sh failed: ' . implode("\n", $out));
            }
            register_shutdown_function(static fn () => exec('rm -rf ' . escapeshellarg($root)));
        }
        return $root;
    }

    /** The test's database as an Illuminate connection, which Capsule and so the addon use. */
    private function capsuleConnection(): array
    {
        $db = $this->databaseConfig();
        if (str_starts_with($db['dsn'], 'sqlite:')) {
            return ['driver' => 'sqlite', 'database' => substr($db['dsn'], 7)];
        }
        preg_match('/host=([^;]+);port=(\d+).*dbname=([^;]+)/', $db['dsn'], $m);
        return ['driver' => 'mysql', 'host' => $m[1], 'port' => (int) $m[2], 'database' => $m[3], 'username' => $db['user'], 'password' => $db['password']];
    }

    /** Activated and configured as an admin does: main domain from the product's configoption5. */
    protected function activate(array $settings = []): void
    {
        $this->assertSame('success', Whmcs::activateAddon('puq_dns')['status']);
        Whmcs::saveAddonSettings('puq_dns', $settings + ['main_domain_option' => '5', 'name_pattern' => '{serviceid}-{regdate}', 'retries' => '0', 'timeout' => '5']);
        Whmcs::loadHooks();
        $zones = new ZoneStore(Capsule::connection()->getPdo(), new WhmcsSecretBox());
        $zones->create(['type' => 'powerdns', 'zone' => $this->domain, 'server_url' => self::$pdns->url, 'api_key' => self::$pdns->key]);
        $zones->create(['type' => 'powerdns', 'zone' => $this->rev4, 'server_url' => self::$pdns->url, 'api_key' => self::$pdns->key]);
    }

    protected function ip(int $last): string
    {
        return '198.51.' . explode('.', $this->rev4)[0] . ".$last";
    }

    protected function a(string $fqdn): array
    {
        return self::$pdns->get($this->domain, $fqdn, 'A');
    }

    protected function ptr(int $last): array
    {
        return self::$pdns->get($this->rev4, "$last." . implode('.', array_slice(explode('.', $this->rev4), 0, 3)) . '.in-addr.arpa', 'PTR');
    }

    /** What dig asks the server itself, on its DNS port. */
    protected function dig(string $name, string $type): string
    {
        return trim((string) shell_exec(sprintf('dig +short +time=2 +tries=1 @127.0.0.1 -p %d %s %s', self::$pdns->dnsPort, escapeshellarg($name), escapeshellarg($type))));
    }

    protected function puqLog(): array
    {
        return array_map(
            static fn (object $r): array => [$r->level, $r->action, $r->vm_id === null ? null : (int) $r->vm_id, $r->message],
            Capsule::table(Schema::LOG)->orderBy('id')->get()->all(),
        );
    }

    // ------------------------------------------------------------ activate, upgrade, deactivate

    public function testActivationCreatesTheTablesAndPicksUpTheHooks(): void
    {
        $config = Whmcs::addonConfig('puq_dns');
        $this->assertSame(['name', 'description', 'version', 'author', 'language', 'fields'], array_keys($config));
        $this->assertSame(['FriendlyName', 'Type', 'Size', 'Default', 'Description'], array_keys($config['fields']['server_modules']));

        $result = Whmcs::activateAddon('puq_dns');

        $this->assertSame('success', $result['status']);
        $this->assertStringContainsString('puq_dns is active', $result['description']);
        foreach (Schema::tables() as $table) {
            $this->assertTrue(Capsule::schema()->hasTable($table), $table);
        }
        // As WHMCS: only the version row until the settings are first saved.
        $this->assertSame(['version' => '1.0.0'], Whmcs::addonVars('puq_dns'));
        $this->assertSame('puq_dns', Whmcs::setting('ActiveAddonModules'));
        $this->assertSame('puq_dns', Whmcs::setting('AddonModulesHooks'));
        Whmcs::loadHooks();
        $this->assertSame(
            ['AfterModuleCreate', 'AfterModuleChangePackage', 'AfterModuleTerminate', 'AfterCronJob', 'AdminClientServicesTabFields', 'AdminClientServicesTabFieldsSave'],
            array_keys(Whmcs::$hooks),
        );
    }

    public function testActivationWithoutTheExtensionSaysWhatToDo(): void
    {
        // The same WHMCS, in a PHP that has not loaded the extension.
        $script = sprintf(
            'require %s; PuqDns\Tests\Whmcs\Whmcs::boot(json_decode(%s, true), %s); echo json_encode(PuqDns\Tests\Whmcs\Whmcs::activateAddon("puq_dns"));',
            var_export(dirname(__DIR__, 2) . '/whmcs/functions.php', true),
            var_export(json_encode($this->capsuleConnection()), true),
            var_export($this->root, true),
        );
        // No php.ini at all (-n), so an installed puq_dns cannot be loaded either.
        $extensions = ' -n -d extension=pdo -d extension=pdo_sqlite -d extension=mysqlnd -d extension=pdo_mysql -d extension=mbstring';
        $printed = (string) shell_exec(escapeshellarg(PHP_BINARY) . $extensions . ' -r ' . escapeshellarg($script) . ' 2>&1');
        $answer = json_decode($printed, true);

        $this->assertSame('error', $answer['status'] ?? null, $printed);
        $this->assertSame(
            'The puq_dns PHP extension is not loaded in the PHP that runs WHMCS (PHP ' . PHP_VERSION . ', php.ini: none). Copy libpuq_dns.so into '
            . ini_get('extension_dir') . ', add the line "extension=puq_dns" to that PHP\'s php.ini (and to the one your WHMCS cron uses), '
            . 'restart PHP-FPM or the web server, then activate again.',
            $answer['description'],
        );
        $this->assertSame('', Whmcs::setting('ActiveAddonModules'), 'not activated');
    }

    public function testDeactivationKeepsTheDataUnlessAskedToDeleteIt(): void
    {
        $this->activate();
        $this->assertSame('success', Whmcs::deactivateAddon('puq_dns')['status']);
        $this->assertTrue(Capsule::schema()->hasTable(Schema::ZONES));
        $this->assertSame(2, Capsule::table(Schema::ZONES)->count(), 'the zones are kept');
        $this->assertSame([], Whmcs::addonVars('puq_dns'));

        $this->activate(['delete_data' => 'on']);
        $result = Whmcs::deactivateAddon('puq_dns');
        $this->assertSame(['success', 'puq_dns is deactivated and its zones, VMs and log are deleted.'], [$result['status'], $result['description']]);
        foreach (Schema::tables() as $table) {
            $this->assertFalse(Capsule::schema()->hasTable($table), $table);
        }
    }

    public function testAnUpgradeBringsTheTablesToThisVersion(): void
    {
        $this->activate();
        // The files of a newer version over an install of 0.9, whose VMs table lacked today's columns.
        Capsule::table('tbladdonmodules')->where('module', 'puq_dns')->where('setting', 'version')->update(['value' => '0.9.0']);
        Capsule::schema()->drop(Schema::VMS);
        Capsule::schema()->create(Schema::VMS, static function ($t): void {
            $t->increments('id');
            $t->string('name');
            $t->string('domain');
            $t->string('fqdn')->nullable();
            $t->text('ips');
            $t->integer('ttl')->nullable();
            $t->string('status', 64)->default('');
            $t->string('previous_status', 64)->nullable();
            $t->string('locked_by')->nullable();
            $t->dateTime('locked_until')->nullable();
        });

        Whmcs::addonPage('puq_dns');

        $this->assertSame('1.0.0', Whmcs::addonVars('puq_dns')['version']);
        $this->assertSame(Schema::columns(Schema::VMS), Schema::existingColumns(Capsule::connection()->getPdo(), Schema::VMS));
    }

    // ------------------------------------------------------------ the hooks

    public function testAServiceOfTheChosenModuleGetsItsRecordsThroughItsLifecycle(): void
    {
        $this->activate();
        $id = Whmcs::addService($this->product, ['dedicatedip' => $this->ip(7), 'assignedips' => $this->ip(8) . "\r\n" . $this->ip(9) . "\n"]);
        $fqdn = "$id-20260418.{$this->domain}";

        Whmcs::moduleCall('Create', $id);
        $this->assertSame([$this->ip(7), $this->ip(8), $this->ip(9)], $this->a($fqdn));
        $this->assertSame([$fqdn . '.'], $this->ptr(8));
        // And what the server answers on port 53's stand-in, as a resolver sees it.
        $this->assertSame("$fqdn.", $this->dig(implode('.', array_reverse(explode('.', $this->ip(9)))) . '.in-addr.arpa', 'PTR'));
        $answers = explode("\n", $this->dig($fqdn, 'A'));
        sort($answers);
        $this->assertSame([$this->ip(7), $this->ip(8), $this->ip(9)], $answers);

        // Change package: an address goes, another comes.
        Whmcs::updateService($id, ['assignedips' => $this->ip(10)]);
        Whmcs::moduleCall('ChangePackage', $id);
        $this->assertSame([$this->ip(10), $this->ip(7)], $this->a($fqdn), 'sorted as text');
        $this->assertSame([], $this->ptr(8), "the old address's PTR is gone");
        $this->assertSame([], $this->ptr(9));
        $this->assertSame([$fqdn . '.'], $this->ptr(10));

        Whmcs::moduleCall('Terminate', $id);
        $this->assertSame([], $this->a($fqdn));
        $this->assertSame([], $this->ptr(7));
        $this->assertSame([], $this->ptr(10));
        $this->assertNull((new VmStore(Capsule::connection()->getPdo()))->find($id));
        $this->assertSame([], $this->puqLog(), 'nothing failed');
    }

    public function testServicesOfOtherModulesAreLeftAlone(): void
    {
        $this->activate();
        $cpanel = Whmcs::addProduct('Shared', 'cpanel', [5 => $this->domain]);
        $id = Whmcs::addService($cpanel, ['dedicatedip' => $this->ip(7)]);
        Whmcs::moduleCall('Create', $id);
        Whmcs::moduleCall('Terminate', $id);

        $this->assertSame([], $this->a("$id-20260418.{$this->domain}"));
        $this->assertSame([], $this->ptr(7));
        $this->assertSame(0, Capsule::table(Schema::VMS)->count());
        $this->assertSame([], $this->puqLog());
    }

    public function testAServiceWhoseDataMakesNoVmIsOneLogLineAndTheProvisioningGoesOn(): void
    {
        $this->activate(['name_source' => 'custom_field', 'name_field' => 'Internal name']);
        $field = Whmcs::addCustomField($this->product, 'Internal name|Internal VM name');
        $empty = Whmcs::addService($this->product, ['dedicatedip' => $this->ip(7)], [$field => '']);
        $spaced = Whmcs::addService($this->product, ['dedicatedip' => $this->ip(8)], [$field => 'web 1']);
        $badIp = Whmcs::addService($this->product, ['dedicatedip' => '198.51.100.300'], [$field => 'web-3']);

        foreach ([$empty, $spaced, $badIp] as $id) {
            Whmcs::moduleCall('Create', $id);   // never throws into WHMCS
        }

        $this->assertSame([
            ['error', 'create', $empty, "service $empty is left out of DNS: service $empty (product {$this->product}, puqProxmoxKVM): the custom field \"Internal name\" is empty, so the VM has no internal name"],
            ['error', 'create', $spaced, "service $spaced is left out of DNS: service $spaced (product {$this->product}, puqProxmoxKVM): VM $spaced: name \"web 1\" contains ' ', which a DNS name cannot hold (the name is the custom field \"Internal name\")"],
            ['error', 'create', $badIp, "service $badIp is left out of DNS: service $badIp (product {$this->product}, puqProxmoxKVM): VM $badIp: ips[0]: \"198.51.100.300\" is not an IP address (the addresses are the service's Dedicated IP and Assigned IPs)"],
        ], $this->puqLog());
        $this->assertSame(0, Capsule::table(Schema::VMS)->count());
        $this->assertSame([], $this->ptr(7));
    }

    /** @return array<string, array{0: array<string, string>, 1: string}> */
    public static function nameSources(): array
    {
        return [
            'a pattern' => [['name_source' => 'pattern', 'name_pattern' => 'vm{serviceid}-{customfield:Rack}'], 'vm%d-r7'],
            'a custom field' => [['name_source' => 'custom_field', 'name_field' => 'Internal name'], '5551-1776530141'],
            "the service's domain" => [['name_source' => 'domain'], 'web1'],
        ];
    }

    /** @dataProvider nameSources */
    public function testTheVmIsBuiltFromEachNameSource(array $settings, string $name): void
    {
        $this->activate($settings + ['rdns_field' => 'rDNS']);
        $internal = Whmcs::addCustomField($this->product, 'Internal name');
        $rack = Whmcs::addCustomField($this->product, 'Rack|Rack position');
        $rdns = Whmcs::addCustomField($this->product, 'rDNS');
        $id = Whmcs::addService(
            $this->product,
            ['domain' => 'web1', 'dedicatedip' => $this->ip(7), 'assignedips' => "{$this->ip(8)}\n{$this->ip(7)}"],
            [$internal => '5551-1776530141', $rack => 'r7', $rdns => "{$this->ip(8)} mail.example.com\n"],
        );
        Whmcs::moduleCall('Create', $id);

        $fqdn = sprintf($name, $id) . '.' . $this->domain;
        $this->assertSame([
            'id' => $id,
            'name' => sprintf($name, $id),
            'domain' => $this->domain,
            'ips' => [$this->ip(7), ['ip' => $this->ip(8), 'reverse' => 'mail.example.com']],
        ], (new VmStore(Capsule::connection()->getPdo()))->get($id));
        $this->assertSame([$this->ip(7), $this->ip(8)], $this->a($fqdn));
        $this->assertSame(['mail.example.com.'], $this->ptr(8));
        $this->assertSame([$fqdn . '.'], $this->ptr(7));
    }

    public function testAFixedMainDomainWinsOverTheProductSetting(): void
    {
        $other = 'other-' . $this->domain;
        self::$pdns->createZone($other);
        $this->activate(['main_domain' => $other]);
        (new ZoneStore(Capsule::connection()->getPdo(), new WhmcsSecretBox()))
            ->create(['type' => 'powerdns', 'zone' => $other, 'server_url' => self::$pdns->url, 'api_key' => self::$pdns->key]);
        $id = Whmcs::addService($this->product, ['dedicatedip' => $this->ip(7)]);
        Whmcs::moduleCall('Create', $id);
        $this->assertSame([$this->ip(7)], self::$pdns->get($other, "$id-20260418.$other", 'A'));
    }

    // ------------------------------------------------------------ the service panel

    public function testTheServicePanelShowsWhatIsThereAgainstWhatShouldBe(): void
    {
        $this->activate();
        $id = Whmcs::addService($this->product, ['dedicatedip' => $this->ip(7), 'assignedips' => $this->ip(8)]);
        Whmcs::moduleCall('Create', $id);
        $fqdn = "$id-20260418.{$this->domain}";
        // Drift: a stale A record, a lost PTR.
        self::$pdns->put($this->domain, $fqdn, 'A', [$this->ip(7), $this->ip(8), '203.0.113.66']);
        self::$pdns->put($this->rev4, "8." . implode('.', array_slice(explode('.', $this->rev4), 0, 3)) . '.in-addr.arpa', 'PTR', []);

        $tab = Whmcs::serviceTab($id);

        $this->assertSame(['DNS'], array_keys($tab));
        $html = $tab['DNS'];
        $this->assertStringContainsString("<strong>$fqdn</strong> · drifted: Set DNS records repairs it", $html);
        $rev = implode('.', array_slice(explode('.', $this->rev4), 0, 3)) . '.in-addr.arpa';
        $this->assertStringContainsString("<tr><td>{$this->ip(8)}</td><td>8.$rev</td><td>$fqdn</td></tr>", $html);
        $this->assertStringContainsString("<td>$fqdn A {$this->ip(7)}</td><td>right</td>", $html);
        $this->assertStringContainsString("<td>$fqdn A 203.0.113.66</td><td>stale: to be deleted</td>", $html);
        $this->assertStringContainsString("<td>8.$rev PTR $fqdn</td><td>missing</td>", $html);
        $this->assertMatchesRegularExpression('/Records last written \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\./', $html);
        $this->assertStringContainsString('<button type="submit" name="puq_dns_set_dns_records" value="1"', $html);
        $this->assertSame([$this->ip(7), $this->ip(8), '203.0.113.66'], $this->a($fqdn), 'the panel changes nothing');
        $this->assertStringNotContainsString(self::$pdns->key, $html);

        // Set DNS records: saved with WHMCS's token, queued, written by the next cron run.
        Whmcs::saveServiceTab($id, ['token' => generate_token('plain'), 'puq_dns_set_dns_records' => '1']);
        $this->assertStringContainsString('queued: the next cron run sets its DNS records', Whmcs::serviceTab($id)['DNS']);
        Whmcs::cron();
        $this->assertSame([$this->ip(7), $this->ip(8)], $this->a($fqdn));
        $this->assertSame([$fqdn . '.'], $this->ptr(8));
        $after = Whmcs::serviceTab($id)['DNS'];
        $this->assertStringContainsString("<strong>$fqdn</strong> · synced", $after);
        $this->assertStringNotContainsString('stale', $after);
        $this->assertStringNotContainsString('missing', $after);
        $this->assertContains("puq_dns: Set DNS records queued for service $id", $GLOBALS['whmcs_activity_log']);
    }

    public function testThePanelIsOnlyOnServicesOfTheChosenModulesAndSaysWhatIsWrong(): void
    {
        $this->activate(['name_source' => 'custom_field', 'name_field' => 'Internal name']);
        $cpanel = Whmcs::addService(Whmcs::addProduct('Shared', 'cpanel'), ['dedicatedip' => $this->ip(7)]);
        $this->assertSame([], Whmcs::serviceTab($cpanel));
        Whmcs::addCustomField($this->product, 'Internal name');
        $id = Whmcs::addService($this->product, ['dedicatedip' => $this->ip(7)]);
        $this->assertSame(
            ['DNS' => '<div class="puq-dns-panel"><p class="text-danger">service ' . $id . ' (product ' . $this->product . ', puqProxmoxKVM): the custom field &quot;Internal name&quot; is empty, so the VM has no internal name</p></div>'],
            Whmcs::serviceTab($id),
        );
        // Saving the service without pressing the button queues nothing.
        Whmcs::saveServiceTab($cpanel, ['token' => generate_token('plain')]);
        $this->assertSame(0, Capsule::table(Schema::VMS)->count());
    }

    // ------------------------------------------------------------ cron, page, logs

    public function testSetDnsRecordsFromTheVmsTabIsDoneByTheNextCronRun(): void
    {
        $this->activate();
        $id = Whmcs::addService($this->product, ['dedicatedip' => $this->ip(7)]);
        Whmcs::moduleCall('Create', $id);
        $fqdn = "$id-20260418.{$this->domain}";
        self::$pdns->put($this->domain, $fqdn, 'A', [$this->ip(7), '203.0.113.66']);

        $page = Whmcs::addonPage('puq_dns', ['tab' => 'vms']);
        $this->assertStringContainsString('<td>' . $fqdn . '</td><td>' . $this->ip(7) . '</td><td class="puq-dns-status">synced</td>', $page['output']);
        // A form without the session's token is refused.
        $forged = Whmcs::addonPage('puq_dns', ['tab' => 'vms'], ['puq_dns_action' => 'queue', 'vm' => (string) $id, 'token' => 'forged']);
        $this->assertStringContainsString('the CSRF token does not match this session; reload the page', $forged['output']);
        $this->assertSame('', (new VmStore(Capsule::connection()->getPdo()))->status($id));

        $pressed = Whmcs::addonPage('puq_dns', ['tab' => 'vms'], ['puq_dns_action' => 'queue', 'vm' => (string) $id, 'token' => generate_token('plain')]);
        $this->assertStringContainsString("VM $id is queued: the next cron run sets its DNS records.", $pressed['output']);
        $this->assertStringContainsString('<td class="puq-dns-status">queued</td>', $pressed['output']);
        $this->assertSame([$this->ip(7), '203.0.113.66'], $this->a($fqdn), 'nothing done before the cron');
        $this->assertContains("puq_dns: Set DNS records queued for VM $id", $GLOBALS['whmcs_activity_log']);

        Whmcs::cron();

        $this->assertSame([$this->ip(7)], $this->a($fqdn), 'the drift is repaired');
        $this->assertSame('', (new VmStore(Capsule::connection()->getPdo()))->status($id));
    }

    public function testCheckMarksTheVmsWhoseDnsDrifted(): void
    {
        $this->activate();
        $right = Whmcs::addService($this->product, ['dedicatedip' => $this->ip(7)]);
        $drifted = Whmcs::addService($this->product, ['dedicatedip' => $this->ip(8)]);
        Whmcs::moduleCall('Create', $right);
        Whmcs::moduleCall('Create', $drifted);
        self::$pdns->put($this->domain, "$drifted-20260418.{$this->domain}", 'A', [$this->ip(8), '203.0.113.66']);

        $page = Whmcs::addonPage('puq_dns', ['tab' => 'vms'], ['puq_dns_action' => 'check', 'vm' => 'all', 'token' => generate_token('plain')])['output'];

        $this->assertStringContainsString("Checked 2 VM(s): 1 drifted or could not be read ($drifted); Set DNS records repairs them.", $page);
        $this->assertMatchesRegularExpression("~<tr data-vm=\"$right\">.*?<td class=\"puq-dns-status\">synced</td>~", $page);
        $this->assertMatchesRegularExpression("~<tr data-vm=\"$drifted\">.*?<td class=\"puq-dns-status\">drifted</td>~", $page);
        $this->assertSame([$this->ip(8), '203.0.113.66'], $this->a("$drifted-20260418.{$this->domain}"), 'a check changes nothing');
    }

    public function testAdoptingExistingServicesQueuesThoseWhoseDnsIsMissingOrWrong(): void
    {
        // A WHMCS with services from before puq_dns: one whose records were made by hand,
        // one without any, one whose data makes no VM, one terminated, one of another module.
        $done = Whmcs::addService($this->product, ['dedicatedip' => $this->ip(7), 'domainstatus' => 'Active']);
        $missing = Whmcs::addService($this->product, ['dedicatedip' => $this->ip(8), 'domainstatus' => 'Suspended']);
        $bad = Whmcs::addService($this->product, ['dedicatedip' => 'not-an-ip', 'domainstatus' => 'Active']);
        Whmcs::addService($this->product, ['dedicatedip' => $this->ip(9), 'domainstatus' => 'Terminated']);
        Whmcs::addService(Whmcs::addProduct('Shared', 'cpanel', [5 => $this->domain]), ['dedicatedip' => $this->ip(10), 'domainstatus' => 'Active']);
        $this->activate();
        $fqdn = fn (int $id): string => "$id-20260418.{$this->domain}";
        self::$pdns->put($this->domain, $fqdn($done), 'A', [$this->ip(7)]);
        self::$pdns->put($this->rev4, '7.' . implode('.', array_slice(explode('.', $this->rev4), 0, 3)) . '.in-addr.arpa', 'PTR', [$fqdn($done) . '.']);

        $offer = Whmcs::addonPage('puq_dns', ['tab' => 'vms'], ['puq_dns_action' => 'adopt', 'token' => generate_token('plain')])['output'];

        $this->assertStringContainsString('3 active service(s) of puqProxmoxKVM: 1 with DNS as it should be, 1 with DNS missing or wrong, 1 whose data makes no VM.', $offer);
        $this->assertStringContainsString("service $bad (product {$this->product}, puqProxmoxKVM): VM $bad: ips[0]: &quot;not-an-ip&quot; is not an IP address", $offer);
        $this->assertStringContainsString('<input type="hidden" name="services" value="' . $missing . '">', $offer);
        $this->assertStringContainsString('Queue these 1 service(s)', $offer);
        $this->assertSame(0, Capsule::table(Schema::VMS)->count(), 'an offer only');

        $queued = Whmcs::addonPage('puq_dns', ['tab' => 'vms'], ['puq_dns_action' => 'adopt-queue', 'services' => (string) $missing, 'token' => generate_token('plain')])['output'];
        $this->assertStringContainsString('1 service(s) queued: the next cron run sets their DNS records.', $queued);
        Whmcs::cron();
        $this->assertSame([$this->ip(8)], $this->a($fqdn($missing)));
        $this->assertSame([$fqdn($missing) . '.'], $this->ptr(8));
        $this->assertSame([], $this->a("$bad-20260418.{$this->domain}"));
        $this->assertSame([], $this->ptr(9), 'the terminated service is not adopted');
        $this->assertContains('puq_dns: adopted 1 existing service(s) into the Set DNS records queue', $GLOBALS['whmcs_activity_log']);
    }

    public function testFailuresGoToTheAddonsLogAndToWhmcsModuleLogWithoutSecrets(): void
    {
        $this->activate();
        Whmcs::setSetting('ModuleDebugMode', 'on');
        $deadKey = 'dead-server-key-0123456789';
        (new ZoneStore(Capsule::connection()->getPdo(), new WhmcsSecretBox()))
            ->create(['type' => 'powerdns', 'zone' => "sub.{$this->domain}", 'server_url' => Fixtures::DEAD_URL, 'api_key' => $deadKey]);
        Whmcs::saveAddonSettings('puq_dns', ['main_domain' => "sub.{$this->domain}", 'retries' => '0', 'timeout' => '2']);
        $id = Whmcs::addService($this->product, ['dedicatedip' => $this->ip(7)]);

        Whmcs::moduleCall('Create', $id);

        $fqdn = "$id.sub.{$this->domain}";
        $this->assertSame([$fqdn . '.'], $this->ptr(7), 'the healthy zones are written');
        $this->assertSame([$this->ip(7)], $this->a($fqdn));
        $error = "fwd ERR create A $fqdn {$this->ip(7)} zone sub.{$this->domain} (#3, powerdns): cannot connect: Connection refused (os error 111)";
        $this->assertSame([
            ['error', 'create', $id, $error],
            ['error', 'create', $id, "create of VM $id ($fqdn): 1 of 3 operations failed"],
        ], $this->puqLog());
        $logged = Capsule::table('tblmodulelog')->orderBy('id')->get()->all();
        $this->assertCount(2, $logged);
        $this->assertSame(['puq_dns', 'dns create', $error], [$logged[0]->module, $logged[0]->action, $logged[0]->response]);
        $this->assertStringNotContainsString($deadKey, json_encode($logged));
    }

    public function testThePageHasItsTabsAndTheZonesPageRunsOnWhmcsCsrfToken(): void
    {
        $this->activate();
        $page = Whmcs::addonPage('puq_dns');

        foreach (['DNS Zones', 'VMs', 'Log', 'Settings help'] as $tab) {
            $this->assertStringContainsString('>' . $tab . '</a>', $page['output']);
            $this->assertStringContainsString('>' . $tab . '</a>', $page['sidebar']);
        }
        $this->assertStringContainsString('data-api="addonmodules.php?module=puq_dns&amp;puq_dns_api=1" data-auth="whmcs"', $page['output']);
        $this->assertStringContainsString('data-csrf="' . generate_token('plain') . '"', $page['output']);
        $this->assertStringContainsString('<script src="../modules/addons/puq_dns/assets/zones.js" defer></script>', $page['output']);
        $this->assertFileExists($this->root . '/modules/addons/puq_dns/assets/zones.js');

        $help = Whmcs::addonPage('puq_dns', ['tab' => 'help'])['output'];
        $this->assertStringContainsString('<code>extension=puq_dns</code>', $help);
        $this->assertStringContainsString("api=yes\napi-key=&lt;your-key-here&gt;\nwebserver=yes", $help);

        // The page's API answers the admin session with WHMCS's token only.
        $api = new \PuqDns\Module\Whmcs\AdminPage(Capsule::connection()->getPdo(), 'addonmodules.php?module=puq_dns');
        $auth = \PuqDns\Module\Web\WhmcsAdminAuth::fromSession($_SESSION, (string) session_id());
        $listed = $api->api(['action' => 'list', 'token' => generate_token('plain')], [], ['REQUEST_METHOD' => 'GET'], $auth);
        $this->assertSame(200, $listed->status);
        $this->assertSame([$this->domain, $this->rev4], array_column($listed->body['zones'], 'zone'));
        $this->assertSame(['__KEEP__', '__KEEP__'], array_column($listed->body['zones'], 'api_key'));
        $this->assertSame(403, $api->api(['action' => 'list', 'token' => 'forged'], [], ['REQUEST_METHOD' => 'GET'], $auth)->status);
        // What the admin changes there is an activity-log line; the secret is not in it.
        $post = ['REQUEST_METHOD' => 'POST'];
        $added = $api->api([], ['action' => 'create', 'token' => generate_token('plain'), 'type' => 'powerdns', 'zone' => 'more.example', 'server_url' => self::$pdns->url, 'api_key' => self::$pdns->key], $post, $auth);
        $this->assertSame(201, $added->status);
        $api->api(['id' => '3'], ['action' => 'edit', 'token' => generate_token('plain'), 'ttl' => '600'], $post, $auth);
        $api->api(['id' => '3'], ['action' => 'delete', 'token' => generate_token('plain')], $post, $auth);
        $this->assertSame([
            'puq_dns: DNS zone 3 (more.example, powerdns) added',
            'puq_dns: DNS zone 3 (more.example, powerdns) saved',
            'puq_dns: DNS zone 3 deleted',
        ], array_values(array_filter(
            Capsule::table('tblactivitylog')->orderBy('id')->pluck('description')->all(),
            static fn (string $d): bool => str_starts_with($d, 'puq_dns:'),
        )));
        foreach ([$page['output'], $help, $listed->json()] as $shown) {
            $this->assertStringNotContainsString(self::$pdns->key, $shown);
        }
        // An admin role without access gets nothing.
        Whmcs::loginAdmin(2, 'support');
        $this->assertSame('Access Denied', Whmcs::addonPage('puq_dns')['output']);
    }
}
