<?php

declare(strict_types=1);

namespace PuqDns\Module\Web;

/**
 * An admin API answer: status, a JSON-able body, headers. Building it is
 * the API's job and sending it the front controller's (send()), so tests
 * inspect exactly what a browser would get.
 */
final class Response
{
    /** Sent with every answer: JSON, never cached (it lists credentials' owners), never sniffed. */
    public const HEADERS = [
        'Content-Type' => 'application/json; charset=utf-8',
        'Cache-Control' => 'no-store',
        'X-Content-Type-Options' => 'nosniff',
    ];

    /**
     * @param array<string, mixed> $body
     * @param array<string, string> $headers
     */
    public function __construct(
        public readonly int $status,
        public readonly array $body,
        public readonly array $headers = self::HEADERS,
    ) {
    }

    /** @param array<string, mixed> $body */
    public static function ok(array $body, int $status = 200): self
    {
        return new self($status, ['ok' => true] + $body);
    }

    /** @param array<string, string> $headers extra headers */
    public static function error(int $status, string $message, ?string $field = null, array $headers = []): self
    {
        $body = ['ok' => false, 'error' => $message];
        if ($field !== null) {
            $body['field'] = $field;
        }
        return new self($status, $body, self::HEADERS + $headers);
    }

    /** The body as sent: JSON with slashes and Unicode left readable. */
    public function json(): string
    {
        return json_encode(
            $this->body,
            JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE | JSON_THROW_ON_ERROR,
        );
    }

    /** Emits the response through PHP's SAPI. */
    public function send(): void
    {
        $json = $this->json();
        foreach ($this->headers as $name => $value) {
            header("$name: $value");
        }
        // After the headers: PHP turns any answer with WWW-Authenticate into a 401.
        http_response_code($this->status);
        echo $json;
    }
}
