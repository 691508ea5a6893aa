<?php

declare(strict_types=1);

namespace PuqDns\Module\Store;

/**
 * Encrypts zone credentials at rest. The zone store seals every secret
 * column before writing it and opens it only to hand rows to the extension,
 * so a database dump or backup alone never reveals a credential.
 */
interface SecretBox
{
    /** The text to store for a secret. */
    public function seal(string $plain): string;

    /**
     * The secret a sealed text stands for.
     *
     * @throws SecretBoxException when the text is not sealed by this box's
     *         key or is damaged; the message never holds the text or secret
     */
    public function open(string $sealed): string;
}
