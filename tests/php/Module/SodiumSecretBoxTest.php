<?php

declare(strict_types=1);

namespace PuqDns\Tests\Module;

use PHPUnit\Framework\TestCase;
use PuqDns\Module\Store\SecretBoxException;
use PuqDns\Module\Store\SecretBoxFactory;
use PuqDns\Module\Store\SodiumSecretBox;
use PuqDns\Tests\Fixtures;

/** Standalone secret sealing: libsodium secretbox under a key file. */
final class SodiumSecretBoxTest extends TestCase
{
    private string $dir;

    protected function setUp(): void
    {
        $this->dir = sys_get_temp_dir() . '/puq-dns-box-' . getmypid() . '-' . bin2hex(random_bytes(4));
        mkdir($this->dir);
    }

    protected function tearDown(): void
    {
        exec('rm -rf ' . escapeshellarg($this->dir));
    }

    /** Runs $f, asserts it throws SecretBoxException, returns the message. */
    private function refusal(callable $f): string
    {
        try {
            $f();
        } catch (SecretBoxException $e) {
            return $e->getMessage();
        }
        $this->fail('no SecretBoxException was thrown');
    }

    public function testAMissingKeyFileIsCreatedPrivateWithA32ByteKey(): void
    {
        $path = $this->dir . '/keys/secret.key';
        SodiumSecretBox::fromKeyFile($path);
        $this->assertFileExists($path);
        $this->assertSame('0600', sprintf('%04o', fileperms($path) & 0777));
        $this->assertSame('0700', sprintf('%04o', fileperms(dirname($path)) & 0777));
        $text = file_get_contents($path);
        $this->assertMatchesRegularExpression('{^[A-Za-z0-9+/]{43}=\n$}', $text);
        $this->assertSame(32, strlen(base64_decode(trim($text), true)));
        // No temporary file is left next to it.
        $this->assertSame(['secret.key'], array_values(array_diff(scandir(dirname($path)), ['.', '..'])));
    }

    public function testSealedTextIsVersionedAndOpensToTheSecret(): void
    {
        $box = SodiumSecretBox::fromKeyFile($this->dir . '/secret.key');
        foreach (Fixtures::SECRETS as $secret) {
            $sealed = $box->seal($secret);
            $this->assertMatchesRegularExpression('{^sodium:v1:[A-Za-z0-9+/]+={0,2}$}', $sealed);
            $this->assertStringNotContainsString($secret, $sealed);
            $this->assertStringNotContainsString(base64_encode($secret), $sealed);
            // nonce (24) + MAC (16) + the secret's own length
            $this->assertSame(24 + 16 + strlen($secret), strlen(base64_decode(substr($sealed, 10), true)));
            $this->assertSame($secret, $box->open($sealed));
        }
        // A fresh nonce each time: the same secret never seals the same twice.
        $this->assertNotSame($box->seal(Fixtures::PDNS_KEY), $box->seal(Fixtures::PDNS_KEY));
        $this->assertSame("multi\nline ünïcode", $box->open($box->seal("multi\nline ünïcode")));
    }

    public function testTheKeyFileIsReusedByTheNextProcess(): void
    {
        $path = $this->dir . '/secret.key';
        $sealed = SodiumSecretBox::fromKeyFile($path)->seal(Fixtures::CF_TOKEN);
        $key = file_get_contents($path);
        $this->assertSame(Fixtures::CF_TOKEN, SodiumSecretBox::fromKeyFile($path)->open($sealed));
        $this->assertSame($key, file_get_contents($path));
        $this->assertSame(Fixtures::CF_TOKEN, SecretBoxFactory::create($path, false)->open($sealed));
    }

    public function testAValueSealedWithAnotherKeyIsRefusedWithoutTheSecret(): void
    {
        $sealed = SodiumSecretBox::fromKeyFile($this->dir . '/a.key')->seal(Fixtures::HESTIA_PASSWORD);
        $other = SodiumSecretBox::fromKeyFile($this->dir . '/b.key');
        $message = $this->refusal(fn () => $other->open($sealed));
        $this->assertSame('the stored value cannot be opened: it was sealed with another key or is damaged', $message);
        $this->assertStringNotContainsString(Fixtures::HESTIA_PASSWORD, $message);
        $this->assertStringNotContainsString($sealed, $message);
    }

    public function testDamagedAndForeignValuesAreRefused(): void
    {
        $box = SodiumSecretBox::fromKeyFile($this->dir . '/secret.key');
        $sealed = $box->seal(Fixtures::PDNS_KEY);
        $raw = base64_decode(substr($sealed, 10), true);
        $raw[30] = chr(ord($raw[30]) ^ 1);
        $cases = [
            'sodium:v1:' . base64_encode($raw) => 'the stored value cannot be opened: it was sealed with another key or is damaged',
            Fixtures::PDNS_KEY => 'the stored value is not sealed by this module (no sodium:v1: prefix)',
            '' => 'the stored value is not sealed by this module (no sodium:v1: prefix)',
            'sodium:v2:' . substr($sealed, 10) => 'the stored value is not sealed by this module (no sodium:v1: prefix)',
            'sodium:v1:not base64!' => 'the stored value is damaged: not a sodium:v1: sealed value',
            'sodium:v1:' . base64_encode('short') => 'the stored value is damaged: not a sodium:v1: sealed value',
        ];
        foreach ($cases as $value => $expected) {
            $this->assertSame($expected, $this->refusal(fn () => $box->open((string) $value)), (string) $value);
        }
    }

    public function testAKeyFileWithoutAKeyIsRefused(): void
    {
        $path = $this->dir . '/bad.key';
        foreach (['', "not a key\n", base64_encode(random_bytes(16)), random_bytes(32)] as $content) {
            file_put_contents($path, $content);
            $this->assertSame(
                "the sodium key file $path does not hold a 32-byte key in base64",
                $this->refusal(fn () => SodiumSecretBox::fromKeyFile($path)),
            );
        }
        $this->assertSame('a sodium key is 32 bytes, not 31', $this->refusal(fn () => new SodiumSecretBox(str_repeat('k', 31))));
    }

    public function testAnUnwritableKeyDirectoryIsReported(): void
    {
        if (posix_geteuid() === 0) {
            // root writes anywhere; a path under a regular file cannot be created by anyone.
            file_put_contents($this->dir . '/file', 'x');
            $path = $this->dir . '/file/secret.key';
            $this->assertSame(
                'cannot create the directory ' . $this->dir . '/file for the sodium key file',
                $this->refusal(fn () => SodiumSecretBox::fromKeyFile($path)),
            );
            return;
        }
        chmod($this->dir, 0500);
        $this->assertSame(
            'cannot create the sodium key file in ' . $this->dir,
            $this->refusal(fn () => SodiumSecretBox::fromKeyFile($this->dir . '/secret.key')),
        );
        chmod($this->dir, 0700);
    }

    public function testTheFactoryWithoutWhmcsNeedsAKeyFile(): void
    {
        $this->assertSame(
            'no way to seal secrets: WHMCS encrypt()/decrypt() are not available and no sodium key file is configured',
            $this->refusal(fn () => SecretBoxFactory::create(null, false)),
        );
        $this->assertInstanceOf(SodiumSecretBox::class, SecretBoxFactory::create($this->dir . '/secret.key', false));
    }
}
