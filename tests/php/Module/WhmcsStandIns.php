<?php

declare(strict_types=1);

/*
 * Stand-ins for WHMCS's own global functions, the only things the module
 * tests define instead of using the real part (issue 7). Shared by every
 * module test that needs them, hence the function_exists() guards.
 *
 * encrypt()/decrypt() behave like WHMCS's: a reversible text, and an empty
 * string from decrypt() for anything it cannot open.
 */

if (!function_exists('encrypt')) {
    function encrypt(string $plain): string
    {
        return 'whmcs-enc:' . base64_encode(strrev($plain));
    }
}

if (!function_exists('decrypt')) {
    function decrypt(string $sealed): string
    {
        if (!str_starts_with($sealed, 'whmcs-enc:')) {
            return '';
        }
        $raw = base64_decode(substr($sealed, 10), true);
        return $raw === false ? '' : strrev($raw);
    }
}

/*
 * logModuleCall() and add_hook() record what they are given, for the tests
 * to read back; WHMCS stores the first and runs the callbacks of the second.
 */

if (!function_exists('logModuleCall')) {
    function logModuleCall(string $module, string $action, mixed $request, mixed $response, mixed $processed = '', array $replaceVars = []): void
    {
        $GLOBALS['whmcs_module_log'][] = compact('module', 'action', 'request', 'response', 'processed', 'replaceVars');
    }
}

if (!function_exists('add_hook')) {
    function add_hook(string $hookPoint, int $priority, callable $function): void
    {
        $GLOBALS['whmcs_hooks'][$hookPoint][] = $function;
    }
}
