<?php

declare(strict_types=1);

namespace PuqDns\Module\Store;

/** No stored VM has the id asked for. */
final class VmNotFoundException extends \RuntimeException
{
    public function __construct(public readonly int $id)
    {
        parent::__construct("no VM has the id $id");
    }
}
