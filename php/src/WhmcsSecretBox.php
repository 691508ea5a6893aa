<?php

declare(strict_types=1);

namespace PuqDns\Module;

/**
 * Seals with WHMCS's own encrypt()/decrypt() (keyed by the installation's
 * cc_encryption_hash), the way WHMCS stores its own server passwords, so the
 * module needs no key file of its own inside WHMCS.
 */
final class WhmcsSecretBox implements SecretBox
{
    /** True when WHMCS's global encrypt() and decrypt() are loaded. */
    public static function available(): bool
    {
        return function_exists('encrypt') && function_exists('decrypt');
    }

    public function __construct()
    {
        if (!self::available()) {
            throw new SecretBoxException('WHMCS encrypt()/decrypt() are not available: this is not running inside WHMCS');
        }
    }

    public function seal(string $plain): string
    {
        $sealed = \encrypt($plain);
        if (!is_string($sealed) || ($sealed === '' && $plain !== '')) {
            throw new SecretBoxException('WHMCS encrypt() returned nothing');
        }
        return $sealed;
    }

    public function open(string $sealed): string
    {
        $plain = \decrypt($sealed);
        // decrypt() answers an empty string for text it cannot open (a
        // value from another installation, or damaged); nothing stored is
        // ever an empty secret, so that is the failure.
        if (!is_string($plain) || ($plain === '' && $sealed !== '')) {
            throw new SecretBoxException(
                'WHMCS decrypt() cannot open the stored value: it was encrypted by another WHMCS installation (another cc_encryption_hash) or is damaged'
            );
        }
        return $plain;
    }
}
