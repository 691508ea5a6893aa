<?php

declare(strict_types=1);

namespace PuqDns\Tests\Whmcs;

use PHPUnit\Framework\TestCase;

require_once dirname(__DIR__, 2) . '/whmcs/functions.php';

/** The WHMCS stand-in itself, where its behaviour is WHMCS's and not obvious. */
final class StandInTest extends TestCase
{
    private string $db;

    protected function setUp(): void
    {
        $this->db = (string) tempnam(sys_get_temp_dir(), 'puq-dns-standin-');
        Whmcs::boot(['driver' => 'sqlite', 'database' => $this->db], sys_get_temp_dir());
    }

    protected function tearDown(): void
    {
        $_SESSION = [];
        @unlink($this->db);
    }

    public function testHooksRunLowerPrioritiesFirstAndRunHookGivesTheNonEmptyAnswers(): void
    {
        $order = [];
        add_hook('Demo', 10, function (array $vars) use (&$order): string {
            $order[] = 'ten';
            return 'late';
        });
        add_hook('Demo', -5, function (array $vars) use (&$order): string {
            $order[] = 'minus five:' . $vars['x'];
            return '';
        });
        add_hook('Demo', 1, function () use (&$order): array {
            $order[] = 'one';
            return ['early'];
        });
        $this->assertSame([['early'], 'late'], run_hook('Demo', ['x' => 'y']));
        $this->assertSame(['minus five:y', 'one', 'ten'], $order);
        $this->assertSame([], run_hook('Nothing', []));
    }

    public function testTheCsrfTokenIsWhmcssAndCheckTokenRefusesAnother(): void
    {
        $_SESSION = ['adminid' => 1, 'tkval' => 'abc'];
        $token = sha1('abc' . session_id() . ':whmcscrsf');
        $this->assertSame($token, generate_token('plain'));
        $this->assertSame("&token=$token", generate_token('link'));
        $this->assertSame('<input type="hidden" name="token" value="' . $token . '" />', generate_token());
        $this->assertTrue(check_token('WHMCS.admin.default', $token));
        $this->expectExceptionMessage('Invalid CSRF Protection Token');
        check_token('WHMCS.admin.default', 'forged');
    }

    public function testTheModuleLogWritesOnlyInDebugModeWithTheReplacementsMasked(): void
    {
        logModuleCall('puq_dns', 'DNS Create', 'key=s3cret', ['answer' => 's3cret'], 'x', ['s3cret']);
        $this->assertSame(0, \WHMCS\Database\Capsule::table('tblmodulelog')->count(), 'debug mode is off by default');
        Whmcs::setSetting('ModuleDebugMode', 'on');
        logModuleCall('puq_dns', 'DNS Create', 'key=s3cret', ['answer' => 's3cret'], 'x', ['s3cret']);
        $row = \WHMCS\Database\Capsule::table('tblmodulelog')->first();
        $this->assertSame(['puq_dns', 'dns create', 'key=******'], [$row->module, $row->action, $row->request]);
        $this->assertStringContainsString('[answer] => ******', $row->response);
    }
}
