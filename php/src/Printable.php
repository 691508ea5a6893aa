<?php

declare(strict_types=1);

namespace PuqDns\Module;

/**
 * Text for a terminal or a log line: every control character (C0, DEL,
 * C1) written as an escape, as the extension writes its own lines. Stored
 * values (a VM's name, a zone row edited by hand, a log message) reach the
 * cron output and the CLI, where a newline would forge another line and an
 * escape sequence would drive the admin's terminal.
 */
final class Printable
{
    public static function line(string $text): string
    {
        if (!mb_check_encoding($text, 'UTF-8')) {
            $text = mb_convert_encoding($text, 'UTF-8', 'UTF-8');
        }
        return (string) preg_replace_callback(
            '/[\x00-\x1f\x7f\x{80}-\x{9f}]/u',
            static fn (array $m): string => match ($m[0]) {
                "\n" => '\n',
                "\r" => '\r',
                "\t" => '\t',
                default => sprintf('\u{%x}', mb_ord($m[0], 'UTF-8')),
            },
            $text,
        );
    }
}
