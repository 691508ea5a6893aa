<?php

declare(strict_types=1);

/*
 * WHMCS's global functions, as the addon and the module layer use them,
 * for the WHMCS stand-in (tests/whmcs/Whmcs.php) and the module tests. Each
 * does what WHMCS 8 does for the part the addon touches (the facts and
 * their sources: tests/whmcs/README.md); the state lives in
 * PuqDns\Tests\Whmcs\Whmcs.
 */

use PuqDns\Tests\Whmcs\Whmcs;

require_once __DIR__ . '/Whmcs.php';

if (!function_exists('encrypt')) {
    /** A reversible text, as WHMCS's (keyed by cc_encryption_hash in WHMCS). */
    function encrypt(string $plain): string
    {
        return 'whmcs-enc:' . base64_encode(strrev($plain));
    }
}

if (!function_exists('decrypt')) {
    /** An empty string for anything it cannot open, as WHMCS's. */
    function decrypt(string $sealed): string
    {
        if (!str_starts_with($sealed, 'whmcs-enc:')) {
            return '';
        }
        $raw = base64_decode(substr($sealed, 10), true);
        return $raw === false ? '' : strrev($raw);
    }
}

if (!function_exists('localAPI')) {
    /** The internal API: the commands the addon calls. */
    function localAPI(string $command, array $values = [], string $adminUser = ''): array
    {
        Whmcs::$apiCalls[] = $command;
        return match (strtolower($command)) {
            'encryptpassword' => ['result' => 'success', 'password' => encrypt((string) ($values['password2'] ?? ''))],
            'decryptpassword' => ['result' => 'success', 'password' => decrypt((string) ($values['password2'] ?? ''))],
            'logactivity' => (static function () use ($values): array {
                logActivity((string) ($values['description'] ?? ''), (int) ($values['clientid'] ?? 0));
                return ['result' => 'success'];
            })(),
            default => ['result' => 'error', 'message' => "Command Not Found"],
        };
    }
}

if (!function_exists('logModuleCall')) {
    /**
     * The module log: every string of $replaceVars is replaced by as many
     * asterisks, arrays are print_r()ed, module and action lower-cased;
     * written to tblmodulelog only while ModuleDebugMode is on, as WHMCS.
     * Every call is also kept in $GLOBALS['whmcs_module_log'] for tests.
     */
    function logModuleCall(string $module, string $action, mixed $request, mixed $response, mixed $processed = '', array $replaceVars = []): void
    {
        $GLOBALS['whmcs_module_log'][] = ['module' => $module, 'action' => $action, 'request' => $request, 'response' => $response, 'processed' => $processed, 'replaceVars' => $replaceVars];
        Whmcs::logModuleCall($module, $action, $request, $response, $processed, $replaceVars);
    }
}

if (!function_exists('logActivity')) {
    function logActivity(string $description, int $userId = 0): void
    {
        $GLOBALS['whmcs_activity_log'][] = $description;
        Whmcs::logActivity($description, $userId);
    }
}

if (!function_exists('add_hook')) {
    /** Registers a hook; run_hook() runs lower priorities first. */
    function add_hook(string $hookPoint, int $priority, callable $function): void
    {
        $GLOBALS['whmcs_hooks'][$hookPoint][] = $function;
        Whmcs::$hooks[$hookPoint][] = ['priority' => $priority, 'callable' => $function];
    }
}

if (!function_exists('run_hook')) {
    /** Runs a hook point's callables with $vars; their non-empty answers. */
    function run_hook(string $hookPoint, array $vars): array
    {
        return Whmcs::runHook($hookPoint, $vars);
    }
}

if (!function_exists('generate_token')) {
    /** WHMCS's CSRF token: sha1(tkval . session id . ':whmcscrsf'), plain, as a link part or a form field. */
    function generate_token(string $type = 'form'): string
    {
        $token = sha1((string) ($_SESSION['tkval'] ?? bin2hex(random_bytes(8))) . session_id() . ':whmcscrsf');
        return match ($type) {
            'plain' => $token,
            'link' => "&token=$token",
            default => '<input type="hidden" name="token" value="' . $token . '" />',
        };
    }
}

if (!function_exists('check_token')) {
    /** The admin area's CSRF check on $_REQUEST['token']: WHMCS stops the request on a mismatch. */
    function check_token(string $namespace = 'WHMCS.default', ?string $token = null): bool
    {
        $token ??= (string) ($_REQUEST['token'] ?? '');
        if (!hash_equals(generate_token('plain'), $token)) {
            throw new \RuntimeException('Invalid CSRF Protection Token');
        }
        return true;
    }
}
