<?php

declare(strict_types=1);

namespace PuqDns\Module\Store;

/**
 * A zone the store refuses for a reason of its own, on top of the
 * extension's validation (which throws PuqDns\ConfigException): a bad id, a
 * value no column can hold, or a stored credential that would be sent to a
 * server it was not saved for. The admin API answers 400 naming $field.
 */
final class InvalidZoneException extends \InvalidArgumentException
{
    public function __construct(string $message, public readonly ?string $field = null)
    {
        parent::__construct($message);
    }
}
