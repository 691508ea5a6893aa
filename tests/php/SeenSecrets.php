<?php

declare(strict_types=1);

namespace PuqDns\Tests;

/**
 * Every result, message and payload a test saw, kept so that tearDown can
 * check none of them holds a credential, as it is or URL- or form-encoded
 * (a HestiaCP password travels in a POST body).
 */
trait SeenSecrets
{
    /** @var list<mixed> */
    private array $seen = [];

    /** Keeps $result for the secret check and gives it back. */
    private function seen(array $result): array
    {
        $this->seen[] = $result;
        return $result;
    }

    /** An operation without the fields that vary from run to run. */
    private static function fixed(array $op): array
    {
        return array_diff_key($op, ['attempts' => 0, 'ms' => 0]);
    }

    /**
     * Asserts nothing seen holds any of $secrets, then forgets what was seen.
     *
     * @param list<string> $secrets
     */
    private function assertNoSecretSeen(array $secrets): void
    {
        $json = (string) json_encode($this->seen, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PARTIAL_OUTPUT_ON_ERROR);
        $this->seen = [];
        foreach ($secrets as $secret) {
            foreach (array_unique([$secret, rawurlencode($secret), urlencode($secret)]) as $form) {
                $this->assertStringNotContainsString($form, $json);
            }
        }
    }
}
