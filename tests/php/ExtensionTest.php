<?php

declare(strict_types=1);

namespace PuqDns\Tests;

use PHPUnit\Framework\TestCase;
use PuqDns\ConfigException;
use PuqDns\DnsException;
use PuqDns\DnsSync;
use PuqDns\DnsZoneManager;
use PuqDns\Redact;
use ReflectionClass;
use ReflectionMethod;

/**
 * The extension as PHP sees it: loaded, versioned, and exposing exactly the
 * classes, methods and constant of API.md under their PHP names.
 */
final class ExtensionTest extends TestCase
{
    public function testTheExtensionIsLoaded(): void
    {
        $this->assertTrue(extension_loaded('puq_dns'));
        $this->assertContains('puq_dns', get_loaded_extensions());
    }

    public function testVersionIsTheCrateVersion(): void
    {
        $version = Fixtures::cargoVersion();
        $this->assertNotNull($version, 'no version in [workspace.package] of Cargo.toml');
        $this->assertMatchesRegularExpression('/^\d+\.\d+\.\d+/', $version);
        $this->assertSame($version, phpversion('puq_dns'));
    }

    public function testTheFourClassesExist(): void
    {
        foreach ([DnsZoneManager::class, DnsSync::class, Redact::class, DnsException::class, ConfigException::class] as $class) {
            $this->assertTrue(class_exists($class), "$class is missing");
            $this->assertSame('puq_dns', (new ReflectionClass($class))->getExtensionName(), $class);
        }
    }

    public function testExceptionHierarchy(): void
    {
        $dns = new ReflectionClass(DnsException::class);
        $config = new ReflectionClass(ConfigException::class);
        $this->assertSame(\Exception::class, $dns->getParentClass()->getName());
        $this->assertSame(DnsException::class, $config->getParentClass()->getName());
        $this->assertTrue(is_subclass_of(ConfigException::class, \Exception::class));
        $this->assertTrue(is_subclass_of(ConfigException::class, \Throwable::class));
        $this->assertFalse($dns->isFinal());
        $this->assertFalse($config->isFinal());
    }

    public function testExceptionsArePlainPhpExceptions(): void
    {
        $previous = new \RuntimeException('cause');
        $e = new ConfigException('m', 3, $previous);
        $this->assertSame('m', $e->getMessage());
        $this->assertSame(3, $e->getCode());
        $this->assertSame($previous, $e->getPrevious());
        $this->assertInstanceOf(DnsException::class, $e);

        $d = new DnsException('other', 7);
        $this->assertSame('other', $d->getMessage());
        $this->assertSame(7, $d->getCode());
        $this->assertNotInstanceOf(ConfigException::class, $d);

        // A PHP subclass can be thrown and caught as the base class.
        $sub = new class ('sub', 9) extends ConfigException {
        };
        try {
            throw $sub;
        } catch (DnsException $caught) {
            $this->assertSame('sub', $caught->getMessage());
            $this->assertSame(9, $caught->getCode());
        }
    }

    /** @return array<string, array{0: class-string, 1: list<string>, 2: list<string>}> */
    public static function classShapes(): array
    {
        return [
            'DnsZoneManager' => [
                DnsZoneManager::class,
                ['__construct', 'list', 'match', 'test'],
                ['mask', 'merge', 'normalize', 'providers', 'reverseName', 'testZone'],
            ],
            'Redact' => [Redact::class, ['__construct'], ['forms', 'printable', 'secrets']],
            'DnsSync' => [
                DnsSync::class,
                ['__construct', 'create', 'delete', 'plan', 'planMany', 'resync', 'resyncMany', 'update'],
                ['normalizeVm'],
            ],
        ];
    }

    /**
     * @dataProvider classShapes
     * @param list<string> $instance
     * @param list<string> $static
     */
    public function testMethodsHaveTheApiNamesAndStaticness(string $class, array $instance, array $static): void
    {
        $rc = new ReflectionClass($class);
        $public = array_map(fn (ReflectionMethod $m) => $m->getName(), $rc->getMethods(ReflectionMethod::IS_PUBLIC));
        $statics = array_map(fn (ReflectionMethod $m) => $m->getName(), $rc->getMethods(ReflectionMethod::IS_STATIC));
        $instances = array_values(array_diff($public, $statics));
        sort($instances);
        sort($statics);
        $this->assertSame($instance, $instances);
        // getMethods() gives the declared names, so this also checks their case
        // (PHP itself would resolve a call to any case).
        $this->assertSame($static, $statics);
    }

    /** @return array<string, array{0: class-string, 1: string, 2: list<string>}> */
    public static function signatures(): array
    {
        return [
            'DnsZoneManager::__construct' => [DnsZoneManager::class, '__construct', ['array $zones']],
            'DnsZoneManager::normalize' => [DnsZoneManager::class, 'normalize', ['array $zone']],
            'DnsZoneManager::list' => [DnsZoneManager::class, 'list', []],
            'DnsZoneManager::mask' => [DnsZoneManager::class, 'mask', ['array $zone']],
            'DnsZoneManager::merge' => [DnsZoneManager::class, 'merge', ['array $stored', 'array $submitted']],
            'DnsZoneManager::test' => [DnsZoneManager::class, 'test', ['mixed $id', '?array $options = null']],
            'DnsZoneManager::testZone' => [DnsZoneManager::class, 'testZone', ['array $zone', '?array $options = null']],
            'DnsZoneManager::match' => [DnsZoneManager::class, 'match', ['string $name']],
            'DnsZoneManager::reverseName' => [DnsZoneManager::class, 'reverseName', ['string $ip']],
            'DnsZoneManager::providers' => [DnsZoneManager::class, 'providers', []],
            'Redact::secrets' => [Redact::class, 'secrets', ['string $text', 'array $secrets']],
            'Redact::forms' => [Redact::class, 'forms', ['array $secrets']],
            'Redact::printable' => [Redact::class, 'printable', ['string $text']],
            'DnsSync::__construct' => [DnsSync::class, '__construct', ['array $zones', '?array $options = null']],
            'DnsSync::create' => [DnsSync::class, 'create', ['array $vm']],
            'DnsSync::delete' => [DnsSync::class, 'delete', ['array $vm']],
            'DnsSync::resync' => [DnsSync::class, 'resync', ['array $vm']],
            'DnsSync::update' => [DnsSync::class, 'update', ['array $old', 'array $new']],
            'DnsSync::resyncMany' => [DnsSync::class, 'resyncMany', ['array $vms']],
            'DnsSync::planMany' => [DnsSync::class, 'planMany', ['array $vms']],
            'DnsSync::plan' => [DnsSync::class, 'plan', ['string $action', 'array $vm']],
            'DnsSync::normalizeVm' => [DnsSync::class, 'normalizeVm', ['array $vm']],
        ];
    }

    /**
     * @dataProvider signatures
     * @param list<string> $params
     */
    public function testParameters(string $class, string $method, array $params): void
    {
        $m = new ReflectionMethod($class, $method);
        $shown = array_map(function (\ReflectionParameter $p): string {
            $text = $p->getType() . ' $' . $p->getName();
            if ($p->isOptional()) {
                $text .= ' = ' . var_export($p->getDefaultValue(), true);
                $text = str_replace('NULL', 'null', $text);
            }
            return $text;
        }, $m->getParameters());
        $this->assertSame($params, $shown);
        if ($method !== '__construct') {
            $this->assertSame(
                in_array($method, ['reverseName', 'secrets', 'printable'], true) ? 'string' : 'array',
                (string) $m->getReturnType(),
            );
        }
    }

    public function testRedactMasksEveryFormOfASecretAndEscapesControlCharacters(): void
    {
        $secret = 'p@ss w+rd/"1*';
        $this->assertSame(
            'echo: password=***&x=1 url /*** json "***" raw ***',
            Redact::secrets('echo: password=p%40ss+w%2Brd%2F%221*&x=1 url /p%40ss%20w%2Brd%2F%221%2A json "p@ss w+rd/\\"1*" raw p@ss w+rd/"1*', [$secret, '']),
        );
        // A short secret only where it stands alone.
        $this->assertSame('***: table key=***&x', Redact::secrets('ab: table key=ab&x', ['ab']));
        $this->assertSame(
            ['p%40ss%20w%2Brd%2F%221%2A', 'p%40ss+w%2Brd%2F%221*', 'p@ss w+rd/\\"1*', 'p@ss w+rd/"1*'],
            Redact::forms([$secret]),
        );
        $this->assertSame('a\\nb\\u{1b}[2J c', Redact::printable("a\nb\e[2J c"));
        try {
            Redact::secrets('x', ['ok', ['nested']]);
            $this->fail('a secret that is not a string is refused');
        } catch (ConfigException $e) {
            $this->assertSame('secrets[1] must be a string, not array', $e->getMessage());
        }
    }

    public function testKeepConstant(): void
    {
        $this->assertSame('__KEEP__', DnsZoneManager::KEEP);
        $this->assertSame(['KEEP' => '__KEEP__'], (new ReflectionClass(DnsZoneManager::class))->getConstants());
    }

    public function testPhpReListsTheClasses(): void
    {
        $so = Fixtures::soPath();
        $this->assertNotNull($so, 'set PUQ_DNS_SO to the path of libpuq_dns.so');
        $this->assertFileExists($so);
        $out = (string) shell_exec(sprintf(
            '%s -n -d extension=%s --re puq_dns 2>&1',
            escapeshellarg(PHP_BINARY),
            escapeshellarg($so),
        ));
        $this->assertStringContainsString('Extension [ <persistent> extension #', $out);
        $this->assertStringContainsString('puq_dns version ' . phpversion('puq_dns'), $out);
        $this->assertStringContainsString('class PuqDns\\DnsException extends Exception', $out);
        $this->assertStringContainsString('class PuqDns\\ConfigException extends PuqDns\\DnsException', $out);
        $this->assertStringContainsString('class PuqDns\\DnsZoneManager ]', $out);
        $this->assertStringContainsString('class PuqDns\\DnsSync ]', $out);
        $this->assertStringContainsString('Constant [ public string KEEP ] { __KEEP__ }', $out);
        $this->assertStringContainsString('- Classes [5] {', $out);
    }

    public function testPhpRiShowsTheVersion(): void
    {
        $so = Fixtures::soPath();
        $this->assertNotNull($so, 'set PUQ_DNS_SO to the path of libpuq_dns.so');
        $out = (string) shell_exec(sprintf(
            '%s -n -d extension=%s --ri puq_dns 2>&1',
            escapeshellarg(PHP_BINARY),
            escapeshellarg($so),
        ));
        $this->assertStringContainsString('puq_dns support => enabled', $out);
        $this->assertStringContainsString('version => ' . Fixtures::cargoVersion(), $out);
    }

    public function testPhpRiShowsTheBuildAndWhereTheRuntimeStands(): void
    {
        $so = Fixtures::soPath();
        $this->assertNotNull($so, 'set PUQ_DNS_SO to the path of libpuq_dns.so');
        $info = static function (string $code) use ($so): array {
            $out = (string) shell_exec(sprintf(
                '%s -n -d extension=%s -r %s 2>&1',
                escapeshellarg(PHP_BINARY),
                escapeshellarg($so),
                escapeshellarg($code . ' (new ReflectionExtension("puq_dns"))->info(); echo "pid ", getmypid();'),
            ));
            $rows = [];
            foreach (explode("\n", $out) as $line) {
                if (preg_match('/^(.+?) => (.*)$/', $line, $m) === 1) {
                    $rows[$m[1]] = $m[2];
                }
            }
            preg_match('/^pid (\d+)$/m', $out, $pid);
            return [$rows, $pid[1] ?? ''];
        };

        [$idle] = $info('');
        // The API this PHP loads extensions for, as `php -i` says it.
        preg_match('/^PHP Extension => (\d+)$/m', (string) shell_exec(escapeshellarg(PHP_BINARY) . ' -n -i'), $api);
        $zts = PHP_ZTS ? 'ZTS' : 'NTS';
        $this->assertSame('PHP API ' . ($api[1] ?? '?') . ', ' . $zts, $idle['built for']);
        $this->assertMatchesRegularExpression('/^rustc \d+\.\d+\.\d+/', $idle['built with']);
        $this->assertMatchesRegularExpression('/^rustls \d+\.\d+\.\d+$/', $idle['TLS']);
        $this->assertSame('not started (it starts on the first sync)', $idle['runtime']);
        $this->assertSame('cloudflare, hestiacp, powerdns, rfc2136', $idle['providers']);

        // A sync with no zones still starts the runtime.
        [$busy, $pid] = $info('(new PuqDns\\DnsSync([]))->resync(["id" => 1, "name" => "x", "domain" => "example.com", "ips" => []]);');
        $this->assertSame("started (pid {$pid})", $busy['runtime']);
    }
}
