<?php

declare(strict_types=1);

namespace PuqDns\Tests\Module;

use PHPUnit\Framework\TestCase;
use PuqDns\Module\Store\SecretBoxException;
use PuqDns\Module\Store\SecretBoxFactory;
use PuqDns\Module\Store\WhmcsSecretBox;
use PuqDns\Tests\Fixtures;

require_once __DIR__ . '/WhmcsStandIns.php';

/** Inside WHMCS, secrets are sealed through WHMCS's localAPI EncryptPassword / DecryptPassword. */
final class WhmcsSecretBoxTest extends TestCase
{
    public function testSealsWithEncryptPasswordAndOpensWithDecryptPassword(): void
    {
        \PuqDns\Tests\Whmcs\Whmcs::$apiCalls = [];
        $this->assertTrue(WhmcsSecretBox::available());
        $box = new WhmcsSecretBox();
        $sealed = $box->seal(Fixtures::CF_TOKEN);
        $this->assertSame(\localAPI('EncryptPassword', ['password2' => Fixtures::CF_TOKEN])['password'], $sealed);
        $this->assertStringNotContainsString(Fixtures::CF_TOKEN, $sealed);
        $this->assertSame(Fixtures::CF_TOKEN, $box->open($sealed));
        $this->assertSame(['EncryptPassword', 'EncryptPassword', 'DecryptPassword'], \PuqDns\Tests\Whmcs\Whmcs::$apiCalls, 'the documented API, not the bare functions');
    }

    public function testWhatDecryptCannotOpenIsRefused(): void
    {
        try {
            (new WhmcsSecretBox())->open('sodium:v1:AAAA');
            $this->fail('no SecretBoxException was thrown');
        } catch (SecretBoxException $e) {
            $this->assertSame(
                'WHMCS DecryptPassword cannot open the stored value: it was encrypted by another WHMCS installation (another cc_encryption_hash) or is damaged',
                $e->getMessage(),
            );
        }
    }

    public function testTheFactoryPrefersWhmcsWhenItsFunctionsAreLoaded(): void
    {
        $this->assertInstanceOf(WhmcsSecretBox::class, SecretBoxFactory::create(null));
        $this->assertInstanceOf(WhmcsSecretBox::class, SecretBoxFactory::create('/nonexistent/dir/secret.key'));
        $this->assertFileDoesNotExist('/nonexistent/dir/secret.key');
    }
}
