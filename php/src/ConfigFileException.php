<?php

declare(strict_types=1);

namespace PuqDns\Module;

/** The standalone config file is missing, unreadable or lacks a setting. */
final class ConfigFileException extends \RuntimeException
{
}
