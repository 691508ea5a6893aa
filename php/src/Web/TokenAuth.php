<?php

declare(strict_types=1);

namespace PuqDns\Module\Web;

/**
 * Standalone: the configured admin token, sent as `Authorization: Bearer …`
 * or `X-Puq-Dns-Token`, compared in constant time. Never from the query
 * string, where tokens end up in access logs. A header cannot be set by
 * another site's form, so this needs no CSRF token of its own.
 */
final class TokenAuth implements AdminAuth
{
    public const MIN_LENGTH = 16;

    private const CHALLENGE = ['WWW-Authenticate' => 'Bearer realm="puq_dns"'];

    public function __construct(private readonly string $token)
    {
        if (strlen($token) < self::MIN_LENGTH) {
            throw new \InvalidArgumentException(sprintf(
                'the admin token must be at least %d characters (e.g. bin2hex(random_bytes(24)))',
                self::MIN_LENGTH,
            ));
        }
    }

    public function authorize(Request $request): void
    {
        $sent = $request->header('X-Puq-Dns-Token');
        if ($sent === null) {
            $authorization = $request->header('Authorization');
            if ($authorization !== null && preg_match('/^\s*Bearer\s+(\S+)\s*$/i', $authorization, $m)) {
                $sent = $m[1];
            }
        }
        if ($sent === null || $sent === '') {
            throw new AuthException(
                401,
                'an admin token is required: send Authorization: Bearer <token> or X-Puq-Dns-Token',
                self::CHALLENGE
            );
        }
        if (!hash_equals($this->token, $sent)) {
            throw new AuthException(403, 'the admin token is wrong');
        }
    }
}
