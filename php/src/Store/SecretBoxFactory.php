<?php

declare(strict_types=1);

namespace PuqDns\Module\Store;

/**
 * Picks how secrets are sealed: WHMCS's encrypt()/decrypt() inside WHMCS,
 * libsodium with a key file standalone. One rule in one place, so the admin
 * API, the cron task and the CLI always open what the others sealed.
 */
final class SecretBoxFactory
{
    /**
     * @param string|null $sodiumKeyFile the key file for standalone use
     * @param bool|null $inWhmcs whether WHMCS's functions are to be used;
     *        null detects them (tests pass it explicitly)
     */
    public static function create(?string $sodiumKeyFile, ?bool $inWhmcs = null): SecretBox
    {
        if ($inWhmcs ?? WhmcsSecretBox::available()) {
            return new WhmcsSecretBox();
        }
        if ($sodiumKeyFile === null || $sodiumKeyFile === '') {
            throw new SecretBoxException(
                'no way to seal secrets: WHMCS encrypt()/decrypt() are not available'
                . ' and no sodium key file is configured'
            );
        }
        return SodiumSecretBox::fromKeyFile($sodiumKeyFile);
    }
}
