<?php
/**
 * Helpers of the soak and load scripts: this process's resources, plain
 * JSON over HTTP to 127.0.0.1, and the records each server holds, read
 * back through its own API (PowerDNS) or the fakes' control API.
 */

declare(strict_types=1);

/**
 * VmRSS and VmHWM (kB) from /proc/self/status, open fds from /proc/self/fd
 * (less the one scandir() holds open while it reads) and how many of them
 * are sockets, threads from /proc/self/task, and the PHP heap in use (kB).
 */
function process_sample(): array
{
    $status = (string) file_get_contents('/proc/self/status');
    $field = function (string $name) use ($status): int {
        return preg_match('/^' . $name . ':\s+(\d+)/m', $status, $m) ? (int) $m[1] : -1;
    };
    $fds = scandir('/proc/self/fd');
    $tasks = scandir('/proc/self/task');
    $sockets = 0;
    foreach ($fds ?: [] as $fd) {
        $sockets += str_starts_with((string) @readlink("/proc/self/fd/$fd"), 'socket:') ? 1 : 0;
    }
    return [
        'rss_kb' => $field('VmRSS'),
        'hwm_kb' => $field('VmHWM'),
        'threads' => $tasks === false ? -1 : count($tasks) - 2,
        'fds' => $fds === false ? -1 : count($fds) - 3,
        'sockets' => $sockets,
        'php_kb' => intdiv(memory_get_usage(), 1024),
    ];
}

/** What each open fd is: "3 anon_inode:[eventpoll]", "7 socket → 127.0.0.1:8081". */
function open_fds(): array
{
    $peers = [];
    foreach (['/proc/self/net/tcp', '/proc/self/net/tcp6'] as $table) {
        foreach (array_slice(file($table) ?: [], 1) as $line) {
            $f = preg_split('/\s+/', trim($line));
            [$ip, $port] = explode(':', $f[2]);
            $addr = strlen($ip) === 8 ? long2ip((int) hexdec(implode('', array_reverse(str_split($ip, 2))))) : $ip;
            $peers[$f[9]] = $addr . ':' . hexdec($port);
        }
    }
    $out = [];
    foreach (scandir('/proc/self/fd') ?: [] as $fd) {
        $target = @readlink("/proc/self/fd/$fd");
        if ($target === false || $fd === '.' || $fd === '..') {
            continue;
        }
        if (preg_match('/^socket:\[(\d+)\]$/', $target, $m) && isset($peers[$m[1]])) {
            $target = "socket to {$peers[$m[1]]}";
        }
        $out[] = "$fd $target";
    }
    return $out;
}

/** One JSON request; throws unless the answer is 2xx JSON. */
function http_json(string $method, string $url, array $headers = [], array|object|null $body = null): mixed
{
    $context = stream_context_create(['http' => [
        'method' => $method,
        'header' => implode("\r\n", [...$headers, 'Content-Type: application/json']) . "\r\n",
        'content' => $body === null ? '' : json_encode($body),
        'ignore_errors' => true,
        'timeout' => 30,
    ]]);
    $text = @file_get_contents($url, false, $context);
    preg_match('{HTTP/\S+ (\d+)}', $http_response_header[0] ?? '', $m);
    $status = (int) ($m[1] ?? 0);
    if ($status < 200 || $status > 299 || !is_string($text)) {
        throw new RuntimeException("$method $url: HTTP $status: " . substr(var_export($text, true), 0, 300));
    }
    return json_decode($text, true, 512, JSON_THROW_ON_ERROR);
}

/** A name or hostname content without case or trailing dot; an address in its canonical form. */
function canonical(string $type, string $content): string
{
    $content = strtolower(rtrim(trim($content), '.'));
    if ($type === 'AAAA' || $type === 'A') {
        $packed = @inet_pton($content);
        return $packed === false ? $content : (string) inet_ntop($packed);
    }
    return $content;
}

/**
 * The A, AAAA and PTR records of some zones as ["name TYPE" => [content, …]].
 *
 * @param list<string> $zones
 */
function read_powerdns(string $url, string $key, array $zones): array
{
    $found = [];
    foreach ($zones as $zone) {
        $data = http_json('GET', "$url/api/v1/servers/localhost/zones/$zone.", ["X-API-Key: $key"]);
        foreach ($data['rrsets'] as $set) {
            if (!in_array($set['type'], ['A', 'AAAA', 'PTR'], true)) {
                continue;
            }
            foreach ($set['records'] as $r) {
                $found[canonical('', $set['name']) . " {$set['type']}"][] = canonical($set['type'], $r['content']);
            }
        }
    }
    return $found;
}

/** @param array<string, string> $zones zone name => zone id */
function read_cloudflare(string $control, array $zones): array
{
    $found = [];
    foreach ($zones as $zoneId) {
        foreach (http_json('GET', "$control/zones/$zoneId/records") as $r) {
            if (in_array($r['type'], ['A', 'AAAA', 'PTR'], true)) {
                $found[canonical('', $r['name']) . " {$r['type']}"][] = canonical($r['type'], $r['content']);
            }
        }
    }
    return $found;
}

/** @param list<string> $domains */
function read_hestia(string $control, string $user, array $domains): array
{
    $found = [];
    foreach ($domains as $domain) {
        foreach (http_json('GET', "$control/domains/$user/$domain/records") as $r) {
            // Hestia's own field names: RECORD (relative, or @), TYPE, VALUE.
            if (!in_array($r['TYPE'], ['A', 'AAAA', 'PTR'], true)) {
                continue;
            }
            $name = $r['RECORD'] === '@' ? $domain : "{$r['RECORD']}.$domain";
            $found[canonical('', $name) . " {$r['TYPE']}"][] = canonical($r['TYPE'], $r['VALUE']);
        }
    }
    return $found;
}
