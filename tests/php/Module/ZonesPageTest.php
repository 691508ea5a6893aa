<?php

declare(strict_types=1);

namespace PuqDns\Tests\Module;

use PHPUnit\Framework\TestCase;
use PuqDns\DnsZoneManager;
use PuqDns\Module\Web\ZonesPage;

/**
 * The DNS Zones page's markup (ZonesPage): what it embeds, how it escapes,
 * that it keeps to its Content-Security-Policy and labels every input.
 * Its behaviour in a browser is tests/browser/zones.test.mjs.
 */
final class ZonesPageTest extends TestCase
{
    private static function dom(string $html): \DOMDocument
    {
        $dom = new \DOMDocument();
        $previous = libxml_use_internal_errors(true); // HTML5 tags libxml does not know
        $dom->loadHTML('<?xml encoding="utf-8"?>' . $html);
        libxml_clear_errors();
        libxml_use_internal_errors($previous);
        return $dom;
    }

    private static function root(\DOMDocument $dom): \DOMElement
    {
        $roots = (new \DOMXPath($dom))->query('//div[@class="puq-dns-zones"]');
        self::assertSame(1, $roots->length);
        return $roots->item(0);
    }

    public function testTheStandalonePageAsksForTheTokenAndHoldsNoData(): void
    {
        $html = ZonesPage::document();
        $root = self::root(self::dom($html));
        $this->assertSame('zones-api.php', $root->getAttribute('data-api'));
        $this->assertSame('token', $root->getAttribute('data-auth'));
        $this->assertFalse($root->hasAttribute('data-csrf'));
        $this->assertSame(ZonesPage::UNCHANGED_PLACEHOLDER, $root->getAttribute('data-unchanged'));
        $this->assertStringContainsString('<input id="pdz-admin-token" name="admin_token" type="password"', $html);
        $this->assertStringContainsString('<script src="assets/zones.js" defer></script>', $html);
        $this->assertStringContainsString('<link rel="stylesheet" href="assets/zones.css">', $html);
        // Nothing is rendered into an input: the token is typed, zones come from the API.
        $valued = (new \DOMXPath(self::dom($html)))->query('//input[@value][not(@type="checkbox")] | //textarea[normalize-space()]');
        $this->assertSame(0, $valued->length);
    }

    public function testInsideWhmcsItCarriesTheCsrfTokenAndNoSignIn(): void
    {
        $token = sha1('tkval' . 'sid' . ':whmcscrsf');
        $html = ZonesPage::fragment('addonmodules.php?module=puq_dns&puq_dns_api=1', '../modules/addons/puq_dns/assets/', $token);
        $root = self::root(self::dom($html));
        $this->assertSame('whmcs', $root->getAttribute('data-auth'));
        $this->assertSame($token, $root->getAttribute('data-csrf'));
        $this->assertSame('addonmodules.php?module=puq_dns&puq_dns_api=1', $root->getAttribute('data-api'));
        $this->assertStringContainsString('data-api="addonmodules.php?module=puq_dns&amp;puq_dns_api=1"', $html);
        $this->assertStringContainsString('src="../modules/addons/puq_dns/assets/zones.js"', $html);
        $this->assertStringNotContainsString('pdz-login', $html);
        $this->assertStringNotContainsString('pdz-signout', $html);
        $this->assertStringNotContainsString('<html', $html, 'a fragment for the WHMCS admin template');
    }

    public function testEverythingGivenIsEscaped(): void
    {
        $evil = '"><script>alert(1)</script><x a=\'';
        $html = ZonesPage::fragment($evil, $evil, $evil);
        $this->assertStringNotContainsString('<script>', $html);
        $root = self::root(self::dom($html));
        $this->assertSame($evil, $root->getAttribute('data-api'));
        $this->assertSame($evil, $root->getAttribute('data-csrf'));
    }

    public function testItNeedsNoInlineScriptOrStyle(): void
    {
        foreach ([ZonesPage::document(), ZonesPage::fragment('api', 'assets', 'token'), ZonesPage::fragment('api', 'assets')] as $html) {
            $this->assertDoesNotMatchRegularExpression('/<script(?![^>]*\bsrc=)[^>]*>/i', $html, 'inline script');
            $this->assertDoesNotMatchRegularExpression('/<style\b|\sstyle=/i', $html, 'inline style');
            $this->assertDoesNotMatchRegularExpression('/\son[a-z]+=/i', $html, 'inline event handler');
            $this->assertDoesNotMatchRegularExpression('/\bhttps?:\/\/(?!api\.cloudflare\.com|hestia\.example\.com|pdns\.example\.com)/', $html, 'an external asset');
        }
        $this->assertStringContainsString("script-src 'self'", ZonesPage::CONTENT_SECURITY_POLICY);
        $this->assertStringNotContainsString('unsafe-inline', ZonesPage::CONTENT_SECURITY_POLICY);
        $this->assertSame(ZonesPage::CONTENT_SECURITY_POLICY, ZonesPage::HEADERS['Content-Security-Policy']);
    }

    public function testEveryInputHasALabelAndEachProviderItsFields(): void
    {
        $dom = self::dom(ZonesPage::document());
        $xpath = new \DOMXPath($dom);
        $ids = [];
        foreach ($xpath->query('//input | //select | //textarea') as $input) {
            $id = $input->getAttribute('id');
            $this->assertNotSame('', $id);
            $ids[] = $id;
            $this->assertSame(1, $xpath->query("//label[@for='$id']")->length, "label for $id");
            foreach (array_filter(explode(' ', $input->getAttribute('aria-describedby'))) as $described) {
                $this->assertSame(1, $xpath->query("//*[@id='$described']")->length, "$id is described by $described");
            }
        }
        $this->assertSame($ids, array_unique($ids), 'ids are unique');

        $fields = [];
        foreach ($xpath->query('//fieldset[@data-provider]') as $fieldset) {
            foreach ($xpath->query('.//input | .//select | .//textarea', $fieldset) as $input) {
                $fields[$fieldset->getAttribute('data-provider')][] = $input->getAttribute('name');
            }
        }
        $this->assertSame([
            'cloudflare' => ['account_id', 'zone_id', 'api_token', 'api_url'],
            'hestiacp' => ['server_url', 'admin_user', 'admin_password', 'user'],
            'powerdns' => ['server_url', 'api_key', 'server_id'],
            'rfc2136' => ['server', 'tsig_name', 'tsig_secret', 'tsig_algorithm', 'timeout', 'allow_unsigned'],
        ], $fields);
        // The form is the extension's registry: every provider's fields, nothing else.
        $registry = [];
        foreach (DnsZoneManager::providers() as $provider) {
            $registry[$provider['type']] = array_column($provider['fields'], 'name');
        }
        $this->assertSame($registry, $fields);

        $secrets = [];
        foreach ($xpath->query('//input[@data-secret]') as $input) {
            $secrets[] = $input->getAttribute('name');
            $this->assertSame('password', $input->getAttribute('type'));
            $this->assertSame('new-password', $input->getAttribute('autocomplete'));
        }
        $this->assertSame(['api_token', 'admin_password', 'api_key', 'tsig_secret'], $secrets);
        $options = [];
        foreach ($xpath->query('//select[@name="type"]/option') as $option) {
            $options[$option->getAttribute('value')] = $option->textContent;
        }
        $this->assertSame(['cloudflare' => 'Cloudflare', 'hestiacp' => 'HestiaCP', 'powerdns' => 'PowerDNS', 'rfc2136' => 'RFC 2136 (BIND, Knot)'], $options);
        $this->assertSame(array_column(DnsZoneManager::providers(), 'label', 'type'), $options);
        // What the script reads: each provider's label and the field its credential follows.
        $root = $xpath->query('//*[@data-providers]')->item(0);
        $script = json_decode($root->getAttribute('data-providers'), true);
        $this->assertSame(['cloudflare', 'hestiacp', 'powerdns', 'rfc2136'], array_column($script, 'type'));
        $this->assertSame(['api_url', 'server_url', 'server_url', 'server'], array_map(static fn (array $p): string => $p['endpoint']['name'], $script));
        $this->assertSame(['https://api.cloudflare.com/client/v4', null, null, null], array_map(static fn (array $p): ?string => $p['endpoint']['default'], $script));
        // verify_tls and ca_cert are in the fieldset the script shows only for a provider that talks TLS.
        $this->assertSame([true, true, true, false], array_column($script, 'tls'));
        $this->assertSame(array_column(DnsZoneManager::providers(), 'tls'), array_column($script, 'tls'));
        foreach (['verify_tls', 'ca_cert'] as $name) {
            $this->assertSame(1, $xpath->query("//fieldset[@class='pdz-tls']//*[@name='$name']")->length, $name);
        }

        // A choice is a select on its default, a flag a checkbox off by default.
        $algorithm = $xpath->query('//select[@name="tsig_algorithm"]')->item(0);
        $choices = [];
        foreach ($xpath->query('./option', $algorithm) as $option) {
            $choices[$option->getAttribute('value')] = $option->hasAttribute('selected');
        }
        $this->assertSame(['hmac-sha256' => true, 'hmac-sha384' => false, 'hmac-sha512' => false], $choices);
        $this->assertSame('rfc2136', $xpath->query('ancestor::fieldset[1]', $algorithm)->item(0)->getAttribute('data-provider'));
        $this->assertSame(1, $xpath->query('ancestor::details[@class="pdz-advanced"]', $algorithm)->length);
        $unsigned = $xpath->query('//input[@name="allow_unsigned"]')->item(0);
        $this->assertSame(['checkbox', '1', false], [$unsigned->getAttribute('type'), $unsigned->getAttribute('value'), $unsigned->hasAttribute('checked')]);
        // The key's parts are each optional to the form: which are needed depends on allow_unsigned, which the extension checks.
        foreach (['tsig_name', 'tsig_secret'] as $name) {
            $this->assertFalse($xpath->query("//input[@name='$name']")->item(0)->hasAttribute('data-required'), $name);
        }
        $this->assertSame('1', $xpath->query('//input[@name="server"]')->item(0)->getAttribute('data-required'));
    }
}
