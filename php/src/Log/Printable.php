<?php

declare(strict_types=1);

namespace PuqDns\Module\Log;

/**
 * Text for a terminal or a log line: every control character (C0, DEL,
 * C1) written as an escape, as the extension writes its own lines. Stored
 * values (a VM's name, a zone row edited by hand, a log message) reach the
 * cron output and the CLI, where a newline would forge another line and an
 * escape sequence would drive the admin's terminal.
 */
final class Printable
{
    /** The extension's rule (PuqDns\Redact::printable), on text that is made valid UTF-8 first. */
    public static function line(string $text): string
    {
        if (!mb_check_encoding($text, 'UTF-8')) {
            $text = mb_convert_encoding($text, 'UTF-8', 'UTF-8');
        }
        return \PuqDns\Redact::printable($text);
    }
}
