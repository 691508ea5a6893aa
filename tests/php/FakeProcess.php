<?php

declare(strict_types=1);

namespace PuqDns\Tests;

/**
 * The life of a fake API server run as a child process: reading the lines
 * it prints at start, calling its control API, and stopping it. The using
 * class opens `$process`, `$stdout` and `$stderrFile` in its constructor
 * and says where the control API is (controlBase()).
 */
trait FakeProcess
{
    /** The control API's base URL, e.g. `http://127.0.0.1:<port>/__control`. */
    abstract private function controlBase(): string;

    /**
     * One call of the control API.
     *
     * @return mixed the decoded JSON answer
     */
    public function control(string $method, string $path, ?array $body = null): mixed
    {
        $context = stream_context_create([
            'http' => [
                'method' => $method,
                'header' => "Content-Type: application/json\r\n",
                // An empty PHP array is `[]` in JSON; the control APIs want an object.
                'content' => $body === null ? '' : json_encode($body === [] ? new \stdClass() : $body),
                'ignore_errors' => true,
                'timeout' => 10,
            ],
            // The fake HestiaCP's own self-signed certificate.
            'ssl' => ['verify_peer' => false, 'verify_peer_name' => false],
        ]);
        $text = @file_get_contents($this->controlBase() . $path, false, $context);
        preg_match('{HTTP/\S+ (\d+)}', $http_response_header[0] ?? '', $m);
        $status = (int) ($m[1] ?? 0);
        if ($status !== 200 || !is_string($text)) {
            throw new \RuntimeException("control $method $path: HTTP $status: " . var_export($text, true));
        }
        return json_decode($text, true, 512, JSON_THROW_ON_ERROR);
    }

    /**
     * What the fake counted: `requests` and per-route counts (Cloudflare's
     * `by_route`, `batches`; HestiaCP's `by_cmd`, `commands`, `restarts`,
     * `max_concurrent`, …).
     */
    public function stats(): array
    {
        return $this->control('GET', '/stats');
    }

    public function resetStats(): void
    {
        $this->control('POST', '/stats/reset', []);
    }

    /** Merges fault settings (`latency_ms`, `fail_next`, HestiaCP's `exit_code_next`, …). */
    public function faults(array $faults): array
    {
        return $this->control('POST', '/faults', $faults);
    }

    public function __destruct()
    {
        $this->stop();
    }

    /** SIGTERM, then SIGKILL if it has not ended within 5 s. Idempotent. */
    public function stop(): void
    {
        if ($this->process === null) {
            return;
        }
        proc_terminate($this->process, 15);
        $deadline = microtime(true) + 5.0;
        while (proc_get_status($this->process)['running'] && microtime(true) < $deadline) {
            usleep(20_000);
        }
        if (proc_get_status($this->process)['running']) {
            proc_terminate($this->process, 9);
        }
        if (is_resource($this->stdout)) {
            fclose($this->stdout);
        }
        proc_close($this->process);
        $this->process = null;
        $this->stdout = null;
        @unlink($this->stderrFile);
    }

    /** What the fake wrote to stderr so far. */
    public function stderr(): string
    {
        return (string) @file_get_contents($this->stderrFile);
    }

    private function readLine(float $seconds): string
    {
        $line = '';
        $deadline = microtime(true) + $seconds;
        while (!str_contains($line, "\n") && microtime(true) < $deadline) {
            $read = [$this->stdout];
            $write = $except = null;
            $left = max(0.0, $deadline - microtime(true));
            if (@stream_select($read, $write, $except, (int) $left, (int) (fmod($left, 1.0) * 1e6)) < 1) {
                continue;
            }
            $chunk = fgets($this->stdout);
            if ($chunk === false) {
                break; // the process ended
            }
            $line .= $chunk;
        }
        return $line;
    }
}
