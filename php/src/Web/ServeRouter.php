<?php

declare(strict_types=1);

namespace PuqDns\Module\Web;

use PuqDns\Module\Log\Printable;

/**
 * What `puq-dns serve` lets through PHP's built-in server: the DNS Zones
 * page, its API and its two assets, asked for by the name the server was
 * started on. Anything else in php/public (dns.php, whose allowlist a
 * loopback server would turn into "everyone on this host") is not served,
 * and a request whose Host is not this server's own (a DNS rebinding page
 * in the admin's browser that points its name at 127.0.0.1) is refused.
 */
final class ServeRouter
{
    /** The paths served, as php -S finds them under php/public. */
    public const PATHS = ['/zones.php', '/zones-api.php', '/assets/zones.js', '/assets/zones.css'];

    public function __construct(private readonly int $port)
    {
    }

    /**
     * null: php -S serves the path itself; else the answer to send.
     *
     * @param array<string, mixed> $server $_SERVER
     */
    public function route(array $server): ?Response
    {
        $host = strtolower((string) ($server['HTTP_HOST'] ?? ''));
        $own = ["127.0.0.1:{$this->port}", "localhost:{$this->port}", "[::1]:{$this->port}"];
        if (!in_array($host, $own, true)) {
            return Response::error(
                403,
                "this server answers only to http://127.0.0.1:{$this->port}/ (the request asked for host \""
                . Printable::line(mb_strimwidth($host, 0, 80, '…')) . '")'
            );
        }
        $path = (string) parse_url((string) ($server['REQUEST_URI'] ?? '/'), PHP_URL_PATH);
        if ($path === '/') {
            return new Response(302, [], ['Location' => '/zones.php'] + Response::HEADERS);
        }
        if (!in_array($path, self::PATHS, true)) {
            return Response::error(404, 'not found: puq-dns serve serves the DNS Zones page only (/zones.php)');
        }
        return null;
    }
}
