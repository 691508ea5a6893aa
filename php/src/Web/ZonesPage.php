<?php

declare(strict_types=1);

namespace PuqDns\Module\Web;

use PuqDns\DnsZoneManager;

/**
 * The DNS Zones admin page: the HTML skeleton that php/public/assets/zones.js
 * brings to life against the AdminApi JSON API.
 *
 * The markup holds no data at all: no zone, no credential, no admin token.
 * The script reads the zones from the API, builds rows with textContent (so a
 * zone name can never become markup) and never puts a stored secret into an
 * input: the API only ever hands out KEEP, and secret inputs start empty.
 *
 * Two ways to authenticate, chosen by whether a CSRF token is given:
 *
 * - inside WHMCS (fragment() with $csrfToken): the admin's WHMCS session
 *   cookie plus WHMCS's CSRF token, which the script sends with every request
 *   as the `token` field and the `X-CSRF-Token` header (WhmcsAdminAuth). The
 *   CSRF token is per session and already on every WHMCS admin form, so
 *   putting it into a data attribute adds no exposure.
 * - standalone (document(), or fragment() without a token): the page asks for
 *   the admin token (TokenAuth) and keeps it in the tab's sessionStorage only,
 *   sending it as `Authorization: Bearer …`. It never enters the HTML or a URL
 *   (URLs end up in logs, history and Referer headers).
 *
 * No inline script or style: the page works under CONTENT_SECURITY_POLICY.
 */
final class ZonesPage
{
    /** The placeholder of a secret input when editing: leaving it empty keeps the stored secret. */
    public const UNCHANGED_PLACEHOLDER = '(unchanged – enter new to replace)';

    /**
     * Same-origin only, no inline code, no framing: the standalone page needs
     * nothing else, and an injected script could not run or phone home.
     */
    public const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
        . "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    /** Headers of the standalone page. */
    public const HEADERS = [
        'Content-Type' => 'text/html; charset=utf-8',
        'Content-Security-Policy' => self::CONTENT_SECURITY_POLICY,
        'X-Content-Type-Options' => 'nosniff',
        'Referrer-Policy' => 'no-referrer',
        'X-Frame-Options' => 'DENY',
        'Cache-Control' => 'no-store',
    ];

    /**
     * The providers as the extension describes them (DnsZoneManager::providers()):
     * the Type dropdown, each provider's fields, and for the script which
     * field is the endpoint and what its default is.
     *
     * @return list<array{type: string, label: string, fields: list<array<string, mixed>>}>
     */
    public static function providers(): array
    {
        return DnsZoneManager::providers();
    }

    /**
     * The standalone page: a whole HTML document. Send HEADERS with it.
     *
     * @param string $apiUrl    URL of zones-api.php, relative to the page or absolute
     * @param string $assetsUrl URL of the folder holding zones.js and zones.css
     */
    public static function document(string $apiUrl = 'zones-api.php', string $assetsUrl = 'assets'): string
    {
        $assets = rtrim($assetsUrl, '/');
        return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            . "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            . "<meta name=\"referrer\" content=\"no-referrer\">\n"
            . "<title>DNS Zones – puq_dns</title>\n"
            . '<link rel="stylesheet" href="' . self::e($assets . '/zones.css') . "\">\n"
            . '<script src="' . self::e($assets . '/zones.js') . "\" defer></script>\n"
            . "</head>\n<body class=\"pdz-standalone\">\n<main>\n"
            . self::markup($apiUrl, null)
            . "</main>\n</body>\n</html>\n";
    }

    /**
     * The page as a fragment for a host page, e.g. the WHMCS module's admin
     * output: the stylesheet and script tags plus the markup. Inside WHMCS
     * pass WHMCS's CSRF token (generate_token('plain')); without one the
     * fragment asks for the standalone admin token.
     */
    public static function fragment(string $apiUrl, string $assetsUrl, ?string $csrfToken = null): string
    {
        $assets = rtrim($assetsUrl, '/');
        return '<link rel="stylesheet" href="' . self::e($assets . '/zones.css') . "\">\n"
            . self::markup($apiUrl, $csrfToken)
            . '<script src="' . self::e($assets . '/zones.js') . "\" defer></script>\n";
    }

    /** The page's own markup: one root element the script finds by its class. */
    private static function markup(string $apiUrl, ?string $csrfToken): string
    {
        $whmcs = $csrfToken !== null && $csrfToken !== '';
        $providers = array_map(static fn (array $p): array => [
            'type' => $p['type'],
            'label' => $p['label'],
            'tls' => $p['tls'],
            'endpoint' => array_values(
                array_filter($p['fields'], static fn (array $f): bool => $f['endpoint'])
            )[0] ?? null,
        ], self::providers());
        $data = ' data-api="' . self::e($apiUrl) . '" data-auth="' . ($whmcs ? 'whmcs' : 'token') . '"'
            . ' data-unchanged="' . self::e(self::UNCHANGED_PLACEHOLDER) . '"'
            . ' data-providers="'
            . self::e(json_encode($providers, JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR)) . '"';
        if ($whmcs) {
            $data .= ' data-csrf="' . self::e($csrfToken) . '"';
        }
        $h = '<div class="puq-dns-zones"' . $data . ">\n";

        if (!$whmcs) {
            // method="post" so that even with the script off the token is
            // never sent in a query string.
            // phpcs:disable Generic.Files.LineLength -- HTML served as written: a line break would change the page
            $h .= <<<HTML
<section class="pdz-login" hidden aria-labelledby="pdz-login-title">
<h2 id="pdz-login-title">DNS Zones – sign in</h2>
<form class="pdz-login-form" method="post" action="#" novalidate>
<div class="pdz-field">
<label for="pdz-admin-token">Admin token</label>
<input id="pdz-admin-token" name="admin_token" type="password" autocomplete="current-password" required aria-describedby="pdz-admin-token-hint pdz-login-error">
<p class="pdz-hint" id="pdz-admin-token-hint">The <code>admin_token</code> of the standalone config. It is kept in this browser tab only, until you sign out or close the tab.</p>
</div>
<p class="pdz-field-error" id="pdz-login-error" role="alert" hidden></p>
<button type="submit" class="pdz-btn pdz-btn-primary">Sign in</button>
</form>
</section>

HTML;
            // phpcs:enable Generic.Files.LineLength
        }

        $h .= <<<HTML
<section class="pdz-main" hidden aria-labelledby="pdz-title">
<div class="pdz-toolbar">
<h2 id="pdz-title">DNS Zones</h2>
<button type="button" class="pdz-btn pdz-btn-primary pdz-add">+ Add DNS Zone</button>

HTML;
        if (!$whmcs) {
            $h .= "<button type=\"button\" class=\"pdz-btn pdz-signout\">Sign out</button>\n";
        }
        $h .= <<<HTML
</div>
<p class="pdz-status" role="status" aria-live="polite"></p>

HTML;
        $h .= self::form();
        // phpcs:disable Generic.Files.LineLength -- HTML served as written: a line break would change the page
        $h .= <<<HTML
<table class="pdz-table">
<caption class="pdz-sr-only">Configured DNS zones</caption>
<thead><tr><th scope="col">ID</th><th scope="col">Zone</th><th scope="col">Type</th><th scope="col"><span class="pdz-sr-only">Actions</span></th></tr></thead>
<tbody></tbody>
</table>
<p class="pdz-empty" hidden>No DNS zones yet. Add one with “+ Add DNS Zone”.</p>
</section>
<div class="pdz-toasts" aria-live="polite"></div>
</div>

HTML;
        // phpcs:enable Generic.Files.LineLength
        return $h;
    }

    /** The add/edit form: every provider's fields, the script shows the chosen one's. */
    private static function form(): string
    {
        $h = <<<HTML
<form class="pdz-form" hidden novalidate aria-labelledby="pdz-form-title">
<h3 id="pdz-form-title">Add DNS Zone</h3>
<p class="pdz-form-error" role="alert" hidden></p>
<div class="pdz-field">
<label for="pdz-f-type">Type</label>
<select id="pdz-f-type" name="type">

HTML;
        foreach (self::providers() as $provider) {
            $h .= '<option value="' . self::e($provider['type']) . '">' . self::e($provider['label']) . "</option>\n";
        }
        $h .= "</select>\n</div>\n";
        $h .= self::field(
            'pdz-f-zone',
            'zone',
            'Zone',
            'text',
            'e.g. example.com, 130.168.192.in-addr.arpa or 0/26.2.0.192.in-addr.arpa',
            true
        );

        // Each provider's fields, the everyday ones here, the rest under
        // Advanced. A disabled fieldset's inputs are left out of the form.
        $fieldset = static function (array $provider, bool $advanced): string {
            $fields = array_filter($provider['fields'], static fn (array $f): bool => $f['advanced'] === $advanced);
            if ($fields === []) {
                return '';
            }
            $type = $provider['type'];
            $legend = $advanced
                ? '<legend class="pdz-sr-only">' . self::e($provider['label']) . ', advanced</legend>'
                : '<legend>' . self::e($provider['label']) . '</legend>';
            $h = '<fieldset class="pdz-provider" data-provider="' . self::e($type) . '" hidden disabled>'
                . ($advanced ? '' : "\n") . $legend . "\n";
            foreach ($fields as $f) {
                $h .= self::field(
                    "pdz-f-$type-{$f['name']}",
                    $f['name'],
                    $f['label'],
                    $f['kind'],
                    $f['help'],
                    $f['required'],
                    $f['default'],
                    $f['options']
                );
            }
            return $h . "</fieldset>\n";
        };
        foreach (self::providers() as $provider) {
            $h .= $fieldset($provider, false);
        }

        $h .= "<details class=\"pdz-advanced\">\n<summary>Advanced</summary>\n";
        foreach (self::providers() as $provider) {
            $h .= $fieldset($provider, true);
        }
        $h .= self::field(
            'pdz-f-ttl',
            'ttl',
            'TTL (seconds)',
            'number',
            'Leave empty for 3600; on Cloudflare 1 means automatic.',
            false
        );
        // Only for a provider that talks TLS (its `tls` in the registry);
        // the script disables the fieldset for the others, so it is not sent.
        $h .= <<<HTML
<fieldset class="pdz-tls">
<div class="pdz-field pdz-check">
<input id="pdz-f-verify_tls" name="verify_tls" type="checkbox" value="1" checked>
<label for="pdz-f-verify_tls">Verify the server's TLS certificate</label>
</div>

HTML;
        $h .= self::field(
            'pdz-f-ca_cert',
            'ca_cert',
            'CA certificate (PEM)',
            'textarea',
            'The CA that signed the server\'s certificate, or its own self-signed certificate.',
            false
        );
        $h .= "</fieldset>\n";
        $h .= "</details>\n";

        $h .= <<<HTML
<div class="pdz-form-actions">
<button type="submit" class="pdz-btn pdz-btn-primary pdz-save">Save</button>
<button type="button" class="pdz-btn pdz-form-test">Test connection</button>
<button type="button" class="pdz-btn pdz-cancel">Cancel</button>
</div>
</form>

HTML;
        return $h;
    }

    /**
     * One labelled input with its hint and an (empty) error line, tied together by aria-describedby.
     * A choice is preselected on its default and a flag is checked when its default is on, so that
     * form.reset() in the script brings a new zone back to the provider's defaults.
     *
     * @param list<string>|null $options
     */
    private static function field(
        string $id,
        string $name,
        string $label,
        string $kind,
        ?string $hint,
        bool $required,
        ?string $default = null,
        ?array $options = null,
    ): string {
        $describedBy = ($hint !== null ? "$id-hint " : '') . "$id-error";
        $attrs = 'id="' . self::e($id) . '" name="' . self::e($name) . '"'
            . ' aria-describedby="' . self::e($describedBy) . '"'
            . ($required ? ' data-required="1"' : '');
        $hintAndError = ($hint !== null
                ? '<p class="pdz-hint" id="' . self::e("$id-hint") . '">' . self::e($hint) . "</p>\n"
                : '')
            . '<p class="pdz-field-error" id="' . self::e("$id-error") . '" hidden></p>' . "\n";
        if ($kind === 'flag') {
            return '<div class="pdz-field pdz-check">' . "\n"
                . '<input ' . $attrs . ' type="checkbox" value="1"' . ($default === '1' ? ' checked' : '') . ">\n"
                . '<label for="' . self::e($id) . '">' . self::e($label) . "</label>\n"
                . $hintAndError
                . "</div>\n";
        }
        $choices = '';
        foreach ($options ?? [] as $option) {
            $choices .= '<option value="' . self::e($option) . '"' . ($option === $default ? ' selected' : '') . '>'
                . self::e($option) . "</option>\n";
        }
        $input = match ($kind) {
            'choice' => '<select ' . $attrs . ">\n" . $choices . '</select>',
            // new-password: a browser must not fill a saved login into a provider's secret.
            'secret' => '<input ' . $attrs
                . ' type="password" autocomplete="new-password" data-secret="1" spellcheck="false">',
            'url' => '<input ' . $attrs
                . ' type="text" inputmode="url" autocomplete="off" spellcheck="false" data-url="1">',
            'number' => '<input ' . $attrs . ' type="text" inputmode="numeric" autocomplete="off">',
            'textarea' => '<textarea ' . $attrs . ' rows="4" spellcheck="false"></textarea>',
            default => '<input ' . $attrs . ' type="text" autocomplete="off" spellcheck="false">',
        };
        return '<div class="pdz-field">' . "\n"
            . '<label for="' . self::e($id) . '">' . self::e($label)
            . ($required ? ' <span class="pdz-req" aria-hidden="true">*</span>' : '') . "</label>\n"
            . $input . "\n"
            . $hintAndError
            . "</div>\n";
    }

    private static function e(string $text): string
    {
        return htmlspecialchars($text, ENT_QUOTES | ENT_SUBSTITUTE | ENT_HTML5, 'UTF-8');
    }
}
