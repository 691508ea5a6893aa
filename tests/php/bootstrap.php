<?php

declare(strict_types=1);

// PHPUnit bootstrap: the tests call the built extension, so without it
// loaded nothing here means anything. Fail loudly instead of erroring in
// every test.
if (!extension_loaded('puq_dns')) {
    fwrite(
        STDERR,
        "puq_dns tests: the extension puq_dns is not loaded.\n"
        . "Build it (cargo build --release) and run, from the repository root:\n"
        . "  PUQ_DNS_SO=\$PWD/target/release/libpuq_dns.so \\\n"
        . "    php -d extension=\$PWD/target/release/libpuq_dns.so /usr/bin/phpunit -c phpunit.xml.dist\n"
    );
    exit(1);
}

require_once __DIR__ . '/Fixtures.php';
// The module layer (php/src, namespace PuqDns\Module) for tests/php/Module.
require_once dirname(__DIR__, 2) . '/php/autoload.php';
