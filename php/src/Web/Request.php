<?php

declare(strict_types=1);

namespace PuqDns\Module\Web;

/**
 * One admin API request as PHP received it, without touching superglobals,
 * so the API can be called from a test, a WHMCS page or a front controller.
 */
final class Request
{
    public readonly string $method;

    /**
     * @param array<string, mixed> $query  $_GET
     * @param array<string, mixed> $body   $_POST, or the decoded JSON body
     * @param array<string, mixed> $server $_SERVER (headers as HTTP_*)
     */
    public function __construct(
        string $method,
        public readonly array $query,
        public readonly array $body,
        public readonly array $server,
    ) {
        $this->method = strtoupper($method);
    }

    /** A request header, or null; `Authorization` also where Apache's CGI setups put it. */
    public function header(string $name): ?string
    {
        $key = 'HTTP_' . strtoupper(str_replace('-', '_', $name));
        $value = $this->server[$key] ?? null;
        if ($value === null && $key === 'HTTP_AUTHORIZATION') {
            $value = $this->server['REDIRECT_HTTP_AUTHORIZATION'] ?? null;
        }
        return is_string($value) ? $value : null;
    }

    /** A parameter from the body, else the query string. */
    public function param(string $name): mixed
    {
        return $this->body[$name] ?? $this->query[$name] ?? null;
    }
}
