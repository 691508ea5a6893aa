<?php

declare(strict_types=1);

namespace PuqDns\Module\Web;

/**
 * Who may use the admin API: inside WHMCS a logged-in admin with the
 * session's CSRF token (WhmcsAdminAuth), standalone the configured admin
 * token (TokenAuth).
 */
interface AdminAuth
{
    /**
     * Returns when the request may proceed.
     *
     * @throws AuthException 401 without credentials, 403 with wrong ones
     */
    public function authorize(Request $request): void;
}
