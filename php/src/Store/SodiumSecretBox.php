<?php

declare(strict_types=1);

namespace PuqDns\Module\Store;

/**
 * Seals with libsodium's crypto_secretbox (XSalsa20-Poly1305) under a
 * 32-byte key kept in a file outside the database, for standalone use.
 *
 * Sealed text is `sodium:v1:` + base64(nonce . ciphertext): the prefix says
 * how to open it, so a later format or key rotation can tell values apart.
 * The key file holds the key base64-encoded on one line; it is created with
 * mode 0600 when missing, atomically, so two processes starting at once end
 * up with the same key.
 */
final class SodiumSecretBox implements SecretBox
{
    public const PREFIX = 'sodium:v1:';

    private string $key;

    public function __construct(string $key)
    {
        if (strlen($key) !== SODIUM_CRYPTO_SECRETBOX_KEYBYTES) {
            throw new SecretBoxException(sprintf(
                'a sodium key is %d bytes, not %d',
                SODIUM_CRYPTO_SECRETBOX_KEYBYTES,
                strlen($key),
            ));
        }
        $this->key = $key;
    }

    public function __destruct()
    {
        sodium_memzero($this->key);
    }

    /** The box for the key in $path, creating the file (0600) with a new random key if it does not exist. */
    public static function fromKeyFile(string $path): self
    {
        if (!file_exists($path)) {
            self::createKeyFile($path);
        }
        $text = @file_get_contents($path);
        if ($text === false) {
            throw new SecretBoxException("cannot read the sodium key file $path");
        }
        $key = base64_decode(trim($text), true);
        if ($key === false || strlen($key) !== SODIUM_CRYPTO_SECRETBOX_KEYBYTES) {
            throw new SecretBoxException(sprintf(
                'the sodium key file %s does not hold a %d-byte key in base64',
                $path,
                SODIUM_CRYPTO_SECRETBOX_KEYBYTES,
            ));
        }
        return new self($key);
    }

    public function seal(string $plain): string
    {
        $nonce = random_bytes(SODIUM_CRYPTO_SECRETBOX_NONCEBYTES);
        return self::PREFIX . base64_encode($nonce . sodium_crypto_secretbox($plain, $nonce, $this->key));
    }

    public function open(string $sealed): string
    {
        if (!str_starts_with($sealed, self::PREFIX)) {
            throw new SecretBoxException('the stored value is not sealed by this module (no sodium:v1: prefix)');
        }
        $raw = base64_decode(substr($sealed, strlen(self::PREFIX)), true);
        if ($raw === false || strlen($raw) < SODIUM_CRYPTO_SECRETBOX_NONCEBYTES + SODIUM_CRYPTO_SECRETBOX_MACBYTES) {
            throw new SecretBoxException('the stored value is damaged: not a sodium:v1: sealed value');
        }
        $plain = sodium_crypto_secretbox_open(
            substr($raw, SODIUM_CRYPTO_SECRETBOX_NONCEBYTES),
            substr($raw, 0, SODIUM_CRYPTO_SECRETBOX_NONCEBYTES),
            $this->key,
        );
        if ($plain === false) {
            throw new SecretBoxException(
                'the stored value cannot be opened: it was sealed with another key or is damaged'
            );
        }
        return $plain;
    }

    /**
     * Writes a new key to a private temporary file in the same directory,
     * then links it into place: link() fails when another process won the
     * race, and then that process's key is the one used.
     */
    private static function createKeyFile(string $path): void
    {
        $dir = dirname($path);
        if (!is_dir($dir) && !@mkdir($dir, 0700, true) && !is_dir($dir)) {
            throw new SecretBoxException("cannot create the directory $dir for the sodium key file");
        }
        $temp = @tempnam($dir, '.puq-dns-key-');
        if ($temp === false || realpath(dirname($temp)) !== realpath($dir)) {
            if (is_string($temp)) {
                @unlink($temp);
            }
            throw new SecretBoxException("cannot create the sodium key file in $dir");
        }
        try {
            chmod($temp, 0600);
            $key = sodium_crypto_secretbox_keygen();
            $written = file_put_contents($temp, base64_encode($key) . "\n");
            sodium_memzero($key);
            if ($written === false) {
                throw new SecretBoxException("cannot write the sodium key file $path");
            }
            // A file system without hard links gets a plain rename, which
            // a racing process could overwrite; losing that race is rare.
            if (!@link($temp, $path) && !file_exists($path) && !@rename($temp, $path)) {
                throw new SecretBoxException("cannot create the sodium key file $path");
            }
        } finally {
            @unlink($temp);
        }
    }
}
