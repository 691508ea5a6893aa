<?php

declare(strict_types=1);

namespace PuqDns\Module\Store;

/**
 * A secret cannot be sealed or opened: a damaged value, another key, an
 * unreadable or malformed key file. Messages say which and never hold a
 * secret or a sealed value.
 */
final class SecretBoxException extends \RuntimeException
{
}
