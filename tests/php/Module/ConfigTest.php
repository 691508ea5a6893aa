<?php

declare(strict_types=1);

namespace PuqDns\Tests\Module;

use PHPUnit\Framework\TestCase;
use PuqDns\Module\Config;
use PuqDns\Module\ConfigFileException;
use PuqDns\Module\Store\Schema;
use PuqDns\Module\Web\TokenAuth;

/** The standalone config file: what it must hold and what it builds. */
final class ConfigTest extends TestCase
{
    private string $dir;

    protected function setUp(): void
    {
        $this->dir = sys_get_temp_dir() . '/puq-dns-config-' . getmypid() . '-' . bin2hex(random_bytes(4));
        mkdir($this->dir);
    }

    protected function tearDown(): void
    {
        exec('rm -rf ' . escapeshellarg($this->dir));
    }

    private function refusal(callable $f): string
    {
        try {
            $f();
        } catch (ConfigFileException $e) {
            return $e->getMessage();
        }
        $this->fail('no ConfigFileException was thrown');
    }

    public function testTheExampleLoadsButItsPlaceholderTokenIsRefused(): void
    {
        $config = Config::load(dirname(__DIR__, 3) . '/php/config.example.php');
        $this->assertSame(
            "admin_token is still the example's placeholder; set a long random token",
            $this->refusal(fn () => $config->adminAuth()),
        );
    }

    public function testAMissingOrWrongFileIsNamed(): void
    {
        $this->assertSame(
            "cannot read the config file {$this->dir}/none.php (copy php/config.example.php)",
            $this->refusal(fn () => Config::load($this->dir . '/none.php')),
        );
        file_put_contents($this->dir . '/bad.php', "<?php return 'x';");
        $this->assertSame("the config file {$this->dir}/bad.php must return an array", $this->refusal(fn () => Config::load($this->dir . '/bad.php')));
    }

    public function testMissingSettingsAreNamed(): void
    {
        $config = new Config([]);
        $this->assertSame("the config has no db['dsn']", $this->refusal(fn () => $config->pdo()));
        $this->assertSame('the config has no admin_token', $this->refusal(fn () => $config->adminAuth()));
        $this->assertSame(
            'the admin token must be at least 16 characters (e.g. bin2hex(random_bytes(24)))',
            $this->refusal(fn () => (new Config(['admin_token' => 'short']))->adminAuth()),
        );
        $this->assertInstanceOf(TokenAuth::class, (new Config(['admin_token' => str_repeat('t', 16)]))->adminAuth());
    }

    public function testASqliteDatabaseGetsItsPrivateDirectory(): void
    {
        $file = $this->dir . '/var/data/zones.sqlite';
        $pdo = (new Config(['db' => ['dsn' => "sqlite:$file"]]))->pdo();
        Schema::install($pdo);
        $this->assertFileExists($file);
        $this->assertSame('0700', sprintf('%04o', fileperms(dirname($file)) & 0777));
        $this->assertSame(\PDO::ERRMODE_EXCEPTION, $pdo->getAttribute(\PDO::ATTR_ERRMODE));
        $this->assertSame('5000', (string) $pdo->query('PRAGMA busy_timeout')->fetchColumn());
    }

    public function testASqliteDatabaseFileIsCreatedReadableByItsOwnerOnlyWhateverTheUmask(): void
    {
        $umask = umask(0022);
        try {
            mkdir($this->dir . '/existing');
            $file = $this->dir . '/existing/zones.sqlite';
            $pdo = (new Config(['db' => ['dsn' => "sqlite:$file"]]))->pdo();
            Schema::install($pdo);
            $this->assertSame('0600', sprintf('%04o', fileperms($file) & 0777));
            // The journal of a write is as private as its database.
            $pdo->exec('PRAGMA journal_mode = PERSIST');
            $pdo->exec("INSERT INTO puq_dns_log (created_at, level, action, message) VALUES ('2026-01-01 00:00:00', 'info', 'x', 'y')");
            $this->assertSame('0600', sprintf('%04o', fileperms("$file-journal") & 0777));
        } finally {
            umask($umask);
        }
    }
}
