<?php

declare(strict_types=1);

namespace PuqDns\Module\Store;

/** No stored zone has the id asked for (the admin API answers 404). */
final class ZoneNotFoundException extends \RuntimeException
{
    public function __construct(public readonly int $id)
    {
        parent::__construct("no zone has the id $id");
    }
}
