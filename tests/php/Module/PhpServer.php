<?php

declare(strict_types=1);

namespace PuqDns\Tests\Module;

use PuqDns\Tests\Fixtures;

/**
 * PHP's built-in web server serving php/public on a free loopback port,
 * with the extension loaded and PUQ_DNS_CONFIG pointing at a config.
 */
final class PhpServer
{
    public readonly string $base;
    /** @var resource */
    private $process;

    public function __construct(string $config, private readonly string $logFile)
    {
        $probe = stream_socket_server('tcp://127.0.0.1:0');
        $port = (int) substr(strrchr(stream_socket_get_name($probe, false), ':'), 1);
        fclose($probe);
        $so = Fixtures::soPath();
        $this->process = proc_open(
            [PHP_BINARY, '-d', "extension=$so", '-d', 'display_errors=0', '-d', 'log_errors=1',
                '-S', "127.0.0.1:$port", '-t', dirname(__DIR__, 3) . '/php/public'],
            [0 => ['file', '/dev/null', 'r'], 1 => ['file', $logFile, 'a'], 2 => ['file', $logFile, 'a']],
            $pipes,
            null,
            ['PUQ_DNS_CONFIG' => $config, 'PATH' => (string) getenv('PATH')],
        );
        $this->base = "http://127.0.0.1:$port";
        for ($i = 0; $i < 100; $i++) {
            $socket = @stream_socket_client("tcp://127.0.0.1:$port", $errno, $error, 0.1);
            if ($socket !== false) {
                fclose($socket);
                return;
            }
            usleep(20000);
        }
        $this->stop();
        throw new \RuntimeException('php -S did not start: ' . @file_get_contents($logFile));
    }

    public function stop(): void
    {
        if (is_resource($this->process)) {
            proc_terminate($this->process, 9);
            proc_close($this->process);
        }
    }

    /**
     * One HTTP request.
     *
     * @param list<string> $headers
     * @return array{0: int, 1: array<string, string>, 2: string} status, headers (lower-case names), body
     */
    public function request(string $method, string $path, array $headers = [], ?string $body = null): array
    {
        $context = stream_context_create(['http' => [
            'method' => $method,
            'header' => implode("\r\n", $headers),
            'content' => $body ?? '',
            'ignore_errors' => true,
            'timeout' => 10,
        ]]);
        $text = (string) @file_get_contents($this->base . $path, false, $context);
        $status = 0;
        $names = [];
        foreach ($http_response_header ?? [] as $i => $line) {
            if ($i === 0 && preg_match('{^HTTP/\S+ (\d+)}', $line, $m)) {
                $status = (int) $m[1];
            } elseif (str_contains($line, ':')) {
                [$name, $value] = explode(':', $line, 2);
                $names[strtolower($name)] = trim($value);
            }
        }
        return [$status, $names, $text];
    }
}
