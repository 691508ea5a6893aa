<?php

/*
 * The router of `puq-dns serve` (php -S … -t php/public this-file): lets
 * through only what ServeRouter allows; PUQ_DNS_SERVE_PORT is the port.
 */

declare(strict_types=1);

require dirname(__DIR__) . '/autoload.php';

$answer = (new PuqDns\Module\Web\ServeRouter((int) getenv('PUQ_DNS_SERVE_PORT')))->route($_SERVER);
if ($answer === null) {
    return false;
}
$answer->send();
return true;
