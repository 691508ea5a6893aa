<?php

declare(strict_types=1);

namespace PuqDns\Tests;

/**
 * The life of a fake API server run as a child process: reading the lines
 * it prints at start, and stopping it. The using class opens `$process`,
 * `$stdout` and `$stderrFile` in its constructor.
 */
trait FakeProcess
{
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
