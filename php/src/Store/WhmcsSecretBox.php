<?php

declare(strict_types=1);

namespace PuqDns\Module\Store;

/**
 * Seals with WHMCS's own encryption (keyed by the installation's
 * cc_encryption_hash), the way WHMCS stores its own server passwords, so
 * the module needs no key file of its own inside WHMCS.
 *
 * The documented way is the internal API, localAPI('EncryptPassword') and
 * localAPI('DecryptPassword'); the bare encrypt()/decrypt() functions they
 * wrap are undocumented and used only where localAPI() is not there.
 */
final class WhmcsSecretBox implements SecretBox
{
    /** True inside WHMCS: localAPI(), or else its encrypt() and decrypt(). */
    public static function available(): bool
    {
        return function_exists('localAPI') || (function_exists('encrypt') && function_exists('decrypt'));
    }

    public function __construct()
    {
        if (!self::available()) {
            throw new SecretBoxException(
                'WHMCS localAPI() (or encrypt()/decrypt()) is not available: this is not running inside WHMCS'
            );
        }
    }

    public function seal(string $plain): string
    {
        $sealed = function_exists('localAPI') ? self::api('EncryptPassword', $plain) : \encrypt($plain);
        if (!is_string($sealed) || ($sealed === '' && $plain !== '')) {
            throw new SecretBoxException('WHMCS EncryptPassword returned nothing');
        }
        return $sealed;
    }

    public function open(string $sealed): string
    {
        $plain = function_exists('localAPI') ? self::api('DecryptPassword', $sealed) : \decrypt($sealed);
        // Decryption answers an empty string for text it cannot open (a
        // value from another installation, or damaged); nothing stored is
        // ever an empty secret, so that is the failure.
        if (!is_string($plain) || ($plain === '' && $sealed !== '')) {
            throw new SecretBoxException(
                'WHMCS DecryptPassword cannot open the stored value: it was encrypted by another WHMCS installation'
                . ' (another cc_encryption_hash) or is damaged'
            );
        }
        return $plain;
    }

    /** The `password` of an EncryptPassword / DecryptPassword answer; never the value in an error. */
    private static function api(string $command, string $value): ?string
    {
        $answer = \localAPI($command, ['password2' => $value]);
        if (!is_array($answer) || ($answer['result'] ?? null) !== 'success') {
            $why = is_array($answer) && is_string($answer['message'] ?? null) ? ': ' . $answer['message'] : '';
            throw new SecretBoxException("WHMCS $command failed$why");
        }
        $password = $answer['password'] ?? null;
        return is_string($password) ? $password : null;
    }
}
