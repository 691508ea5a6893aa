<?php

declare(strict_types=1);

/*
 * PSR-4 autoloading of the module layer without Composer: the namespace
 * PuqDns\Module\ lives in php/src/, one class per file, one sub-namespace
 * per folder (PuqDns\Module\Store\ZoneStore is src/Store/ZoneStore.php).
 * The extension's own classes (PuqDns\DnsSync, …) come from the loaded
 * puq_dns extension.
 *
 *   require __DIR__ . '/autoload.php';
 */
spl_autoload_register(static function (string $class): void {
    $prefix = 'PuqDns\\Module\\';
    if (strncmp($class, $prefix, strlen($prefix)) !== 0) {
        return;
    }
    $file = __DIR__ . '/src/' . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
    if (is_file($file)) {
        require $file;
    }
});
