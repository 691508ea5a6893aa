<?php

declare(strict_types=1);

namespace PuqDns\Module\Web;

/**
 * Inside WHMCS: the request must come from a logged-in admin
 * (`$_SESSION['adminid']`) and carry WHMCS's CSRF token in the `token`
 * field (body or query) or an `X-CSRF-Token` header. Every action needs
 * the token, reads too, which costs the zones page nothing and keeps one
 * rule.
 *
 * The expected token is what WHMCS's generate_token('plain') returns:
 * sha1($_SESSION['tkval'] . session_id() . ':whmcscrsf').
 */
final class WhmcsAdminAuth implements AdminAuth
{
    /**
     * @param array<string, mixed> $session the admin's session ($_SESSION)
     * @param string|null $csrfToken the token WHMCS issued to this session; null when it issued none
     */
    public function __construct(
        private readonly array $session,
        private readonly ?string $csrfToken,
    ) {
    }

    /** From a session array and its id, computing the token the way WHMCS does. */
    public static function fromSession(array $session, string $sessionId): self
    {
        $tkval = $session['tkval'] ?? null;
        return new self(
            $session,
            is_string($tkval) && $tkval !== '' ? sha1($tkval . $sessionId . ':whmcscrsf') : null,
        );
    }

    /** In a WHMCS request: WHMCS's own generate_token() when loaded, else the same computation. */
    public static function fromGlobals(): self
    {
        $session = $_SESSION ?? [];
        $tkval = $session['tkval'] ?? null;
        if (function_exists('generate_token') && is_string($tkval) && $tkval !== '') {
            return new self($session, (string) \generate_token('plain'));
        }
        return self::fromSession($session, (string) session_id());
    }

    public function authorize(Request $request): void
    {
        $admin = $this->session['adminid'] ?? null;
        if (!(is_int($admin) && $admin > 0) && !(is_string($admin) && ctype_digit($admin) && (int) $admin > 0)) {
            throw new AuthException(401, 'log in to the WHMCS admin area first');
        }
        $sent = $request->param('token') ?? $request->header('X-CSRF-Token');
        if (!is_string($sent) || $sent === '') {
            throw new AuthException(403, 'the CSRF token is missing; reload the page');
        }
        if ($this->csrfToken === null || !hash_equals($this->csrfToken, $sent)) {
            throw new AuthException(403, 'the CSRF token does not match this session; reload the page');
        }
    }
}
