<?php

declare(strict_types=1);

namespace PuqDns\Module;

/**
 * Every form a secret can take in a log entry: as it is, and JSON-escaped
 * the ways an entry's JSON writes it (the request and context of an entry
 * are JSON, where a secret holding `"`, `\`, `/` or non-ASCII text no longer
 * reads as itself). A log that blanks only the raw form would keep those.
 */
final class SecretForms
{
    /**
     * @param list<string> $secrets
     * @return list<string> each non-empty secret and its escaped forms, longest first, once each
     */
    public static function of(array $secrets): array
    {
        $forms = [];
        foreach ($secrets as $secret) {
            if ($secret === '') {
                continue;
            }
            $forms[] = $secret;
            foreach ([JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE, 0] as $flags) {
                $json = json_encode($secret, $flags | JSON_INVALID_UTF8_SUBSTITUTE);
                if (is_string($json)) {
                    $forms[] = substr($json, 1, -1);
                }
            }
        }
        $forms = array_values(array_unique($forms));
        // A longer form first, so that a form inside it does not leave half of it.
        usort($forms, static fn (string $a, string $b): int => strlen($b) <=> strlen($a));
        return $forms;
    }
}
