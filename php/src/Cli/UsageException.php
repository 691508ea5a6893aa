<?php

declare(strict_types=1);

namespace PuqDns\Module\Cli;

/** A command line the CLI cannot act on: a missing argument, bad JSON, an unknown command. */
final class UsageException extends \InvalidArgumentException
{
}
