<?php

declare(strict_types=1);

namespace PuqDns\Module\Web;

use PuqDns\Module\Store\VmStore;

/**
 * The legacy read-only dns.php: every VM address as
 * `[{"forward", "ip", "reverse"}, …]`, for external DNS scripts.
 *
 * Access control is here, in PHP, because the `.htaccess` the old docs
 * suggested is ignored by nginx and most php-fpm setups: the client's
 * address (REMOTE_ADDR only; a forwarded-for header is whatever the client
 * says) must be in the allowlist, and when a token is configured it must
 * come in `Authorization: Bearer …` or `X-Puq-Dns-Token`. A request from
 * the loopback that carries Forwarded, X-Forwarded-For or X-Real-IP came
 * through a proxy on this host, which makes every client look local: it is
 * refused. Anything else gets 403. An empty allowlist allows nobody.
 */
final class DnsEndpoint
{
    /** @var list<array{0: string, 1: int}> packed network address and prefix length */
    private readonly array $networks;

    /**
     * @param list<string> $allow addresses and CIDR ranges (`192.0.2.10`, `10.0.0.0/8`, `2001:db8::/32`)
     * @throws \InvalidArgumentException naming an entry that is neither
     */
    public function __construct(
        private readonly VmStore $vms,
        array $allow,
        private readonly ?string $token = null,
    ) {
        $networks = [];
        foreach ($allow as $entry) {
            $networks[] = self::network((string) $entry);
        }
        $this->networks = $networks;
        if ($token !== null && strlen($token) < TokenAuth::MIN_LENGTH) {
            throw new \InvalidArgumentException(
                sprintf('the dns.php token must have at least %d characters', TokenAuth::MIN_LENGTH)
            );
        }
    }

    /** @param array<string, mixed> $server $_SERVER */
    public function handle(string $method, array $server): Response
    {
        $request = new Request($method, [], [], $server);
        if (!in_array($request->method, ['GET', 'HEAD'], true)) {
            return Response::error(405, 'dns.php answers GET only', null, ['Allow' => 'GET, HEAD']);
        }
        $client = (string) ($server['REMOTE_ADDR'] ?? '');
        if (!$this->allowed($client)) {
            return Response::error(403, 'forbidden');
        }
        if (self::isLoopback($client) && self::forwardedBy($request) !== null) {
            // A reverse proxy on this host makes every client 127.0.0.1 or
            // ::1; the header naming the real client is whatever that client
            // wrote, so such a request cannot be judged here.
            return Response::error(403, sprintf(
                'forbidden: a request from the loopback that carries %s came through a proxy on this host;'
                . ' dns.php decides by the client address alone, so call it directly or allow the clients in the proxy',
                self::forwardedBy($request),
            ));
        }
        if ($this->token !== null && !hash_equals($this->token, self::tokenOf($request) ?? '')) {
            return Response::error(403, 'forbidden');
        }
        return new Response(200, $this->vms->dnsMap());
    }

    /** The headers a proxy names the real client in. */
    private const FORWARDED_HEADERS = ['Forwarded', 'X-Forwarded-For', 'X-Real-IP'];

    private static function forwardedBy(Request $request): ?string
    {
        foreach (self::FORWARDED_HEADERS as $header) {
            if ($request->header($header) !== null) {
                return $header;
            }
        }
        return null;
    }

    private static function isLoopback(string $address): bool
    {
        $packed = self::packed($address);
        return $packed !== null
            && ($packed === str_repeat("\0", 15) . "\1" || (strlen($packed) === 4 && $packed[0] === "\x7f"));
    }

    /** The address as bytes, an IPv4 client seen through an IPv6 socket (::ffff:192.0.2.1) as IPv4. */
    private static function packed(string $address): ?string
    {
        $packed = @inet_pton($address);
        if ($packed === false) {
            return null;
        }
        if (strlen($packed) === 16 && str_starts_with($packed, str_repeat("\0", 10) . "\xff\xff")) {
            $packed = substr($packed, 12);
        }
        return $packed;
    }

    private function allowed(string $address): bool
    {
        $packed = self::packed($address);
        if ($packed === null) {
            return false;
        }
        foreach ($this->networks as [$network, $bits]) {
            if (strlen($network) === strlen($packed) && self::prefix($packed, $bits) === $network) {
                return true;
            }
        }
        return false;
    }

    /** @return array{0: string, 1: int} */
    private static function network(string $entry): array
    {
        [$address, $bits] = str_contains($entry, '/') ? explode('/', $entry, 2) : [$entry, null];
        $packed = @inet_pton(trim($address));
        $max = $packed === false ? 0 : strlen($packed) * 8;
        if ($bits === null) {
            $bits = (string) $max;
        }
        if ($packed === false || !ctype_digit($bits) || (int) $bits > $max) {
            throw new \InvalidArgumentException("dns.php allow entry \"$entry\" is not an IP address or CIDR range");
        }
        return [self::prefix($packed, (int) $bits), (int) $bits];
    }

    /** The address with every bit after the first $bits set to zero. */
    private static function prefix(string $packed, int $bits): string
    {
        $out = '';
        foreach (str_split($packed) as $i => $byte) {
            $keep = max(0, min(8, $bits - 8 * $i));
            $out .= chr(ord($byte) & (0xff << (8 - $keep)) & 0xff);
        }
        return $out;
    }

    private static function tokenOf(Request $request): ?string
    {
        $bearer = $request->header('Authorization');
        if ($bearer !== null && preg_match('/^Bearer\s+(\S+)$/i', $bearer, $m)) {
            return $m[1];
        }
        return $request->header('X-Puq-Dns-Token');
    }
}
