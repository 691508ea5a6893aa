<?php

declare(strict_types=1);

namespace PuqDns\Module\Store;

/**
 * A VM array the VM store cannot keep (no usable id, a name that no column
 * can hold, ips that are not a list). Deeper checks (is each address an
 * address) are the extension's, which reports them per operation.
 */
final class InvalidVmException extends \InvalidArgumentException
{
}
