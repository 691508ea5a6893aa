<?php

declare(strict_types=1);

/*
 * WHMCS's own global functions (localAPI, encrypt/decrypt, logModuleCall,
 * add_hook, …) for the module tests: the WHMCS stand-in's, in one place
 * (tests/whmcs/functions.php).
 */

require_once dirname(__DIR__, 2) . '/whmcs/functions.php';
