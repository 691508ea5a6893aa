<?php

declare(strict_types=1);

namespace PuqDns\Module\Cli;

use PuqDns\ConfigException;
use PuqDns\DnsSync;
use PuqDns\DnsZoneManager;
use PuqDns\Module\Config;
use PuqDns\Module\ConfigFileException;
use PuqDns\Module\Log\Printable;
use PuqDns\Module\Log\TableModuleLog;
use PuqDns\Module\Store\InvalidVmException;
use PuqDns\Module\Store\InvalidZoneException;
use PuqDns\Module\Store\Schema;
use PuqDns\Module\Store\SecretBoxException;
use PuqDns\Module\Store\VmNotFoundException;
use PuqDns\Module\Store\VmStore;
use PuqDns\Module\Store\ZoneNotFoundException;
use PuqDns\Module\Store\ZoneStore;
use PuqDns\Module\Sync\DnsService;

/**
 * The `puq-dns` command line: the standalone mode's zones, VMs, queue and
 * cron task on the configured store, and a zones-file mode (`--zones FILE`)
 * that runs DnsSync on a JSON list of rows without any database.
 *
 * Exit status: 0 all done, 1 some DNS operation or zone test failed, 2 bad
 * input or setup.
 */
final class Cli
{
    public const USAGE = <<<'TXT'
usage: puq-dns [--config FILE] COMMAND [ARGS]
       puq-dns --zones FILE COMMAND [ARGS]

With the config (--config, else $PUQ_DNS_CONFIG, else php/config.php):
  zones                       list the zones: id, name, type, kind, range (no secrets)
  zones add FIELD=VALUE...    add a zone, e.g. type=powerdns zone=example.com
                              server_url=http://127.0.0.1:8081 api_key=@/root/pdns.key
  zones edit ID FIELD=VALUE...  change fields; a secret left out is kept
  zones test ID               live check of a saved zone
  zones delete ID             remove a zone
  vms                         the VMs known here, with their status
  deploy VM                   remember the VM, create its records
  change VM                   change package: drop what the VM had, resync it
  terminate ID|VM             delete the VM's records, forget it
  resync ID|VM                set DNS records now
  plan ACTION ID|VM           what create, delete or resync would do; changes nothing
  queue ID                    "Set DNS records": queue the VM for the next cron run
  cron [--lease S]            run the queue: resync every queued VM, live lines;
                              the VMs are held for S seconds (3600), renewed while it runs
  log [--vm ID] [--limit N]   the newest module log entries
  serve [--port N]            the DNS Zones page and its API on http://127.0.0.1:N/zones.php

With --zones FILE (a JSON list of zone rows, no database):
  zones | test ID | match NAME|IP | create VM | delete VM | resync VM
  update OLD NEW | plan ACTION VM | resync-many VMS

VM is JSON text or @FILE: {"id":1,"name":"…","domain":"…","ips":[…]}.
A FIELD=VALUE secret may be @FILE (read from the file) or - (read from stdin),
so that it stays out of the shell history. Options: --timeout S --retries N
--concurrency N override the config's sync options.
Exit status: 0 all done, 1 some operation failed, 2 bad input.

TXT;

    /** @var resource */
    private $stdout;
    /** @var resource */
    private $stderr;
    /** @var resource */
    private $stdin;

    /**
     * @param resource|null $stdout
     * @param resource|null $stderr
     * @param resource|null $stdin
     */
    public function __construct($stdout = null, $stderr = null, $stdin = null)
    {
        $this->stdout = $stdout ?? STDOUT;
        $this->stderr = $stderr ?? STDERR;
        $this->stdin = $stdin ?? STDIN;
    }

    /** @param list<string> $argv */
    public function run(array $argv): int
    {
        try {
            [$args, $flags] = self::parse(array_slice($argv, 1));
            $command = array_shift($args) ?? '';
            if ($command === 'help' || isset($flags['help'])) {
                fwrite($this->stdout, self::USAGE);
                return 0;
            }
            if ($command === '') {
                fwrite($this->stderr, self::USAGE);
                return 2;
            }
            if (!extension_loaded('puq_dns')) {
                throw new UsageException(
                    'the puq_dns extension is not loaded; run with php -d extension=/path/to/libpuq_dns.so'
                );
            }
            return isset($flags['zones']) || getenv('PUQ_DNS_ZONES')
                ? $this->fileMode($command, $args, $flags)
                : $this->storeMode($command, $args, $flags);
        } catch (
            UsageException | ConfigException | ConfigFileException | InvalidZoneException | InvalidVmException
            | ZoneNotFoundException | VmNotFoundException | SecretBoxException $e
        ) {
            fwrite($this->stderr, 'puq-dns: ' . Printable::line($e->getMessage()) . "\n");
            return 2;
        } catch (\Throwable $e) {
            // A database that is down, a full disk: said in one line. No
            // stack trace, whose arguments could hold the database password.
            fwrite($this->stderr, 'puq-dns: ' . get_class($e) . ': ' . Printable::line($e->getMessage()) . "\n");
            return 2;
        }
    }

    // ------------------------------------------------------------ the store

    /** @param list<string> $args @param array<string, string> $flags */
    private function storeMode(string $command, array $args, array $flags): int
    {
        $configFile = $flags['config'] ?? (getenv('PUQ_DNS_CONFIG') ?: dirname(__DIR__, 2) . '/config.php');
        $config = Config::load($configFile);
        if ($command === 'serve') {
            return $this->serve($config, realpath($configFile) ?: $configFile, $flags['port'] ?? '8080');
        }
        $pdo = $config->pdo();
        Schema::install($pdo);
        $zones = new ZoneStore($pdo, $config->secretBox());
        $vms = new VmStore($pdo);
        $log = new TableModuleLog($pdo);
        $dns = new DnsService($zones, $vms, $log, $this->options($config->syncOptions(), $flags));
        $out = fn (string $line) => $this->say($line);

        switch ($command) {
            case 'zones':
                return $this->zones($zones, $args);
            case 'vms':
                foreach ($vms->all() as $row) {
                    $this->say(sprintf(
                        '%-6d %-40s %-16s %s%s',
                        $row['vm']['id'],
                        VmStore::fqdnOf($row['vm']),
                        $row['status'] === '' ? '-' : $row['status'],
                        is_array($row['vm']['ips'])
                            ? json_encode($row['vm']['ips'], JSON_UNESCAPED_SLASHES)
                            : 'ips unreadable',
                        $row['locked_by'] === null
                            ? ''
                            : " (held by {$row['locked_by']} until {$row['locked_until']} UTC)",
                    ));
                }
                return 0;
            case 'deploy':
                return self::status($dns->deploy($this->vmArg($args[0] ?? null, 'deploy'), $out));
            case 'change':
                return self::status($dns->changePackage($this->vmArg($args[0] ?? null, 'change'), null, $out));
            case 'terminate':
                return self::status($dns->terminate($this->vmOrId($args[0] ?? null, 'terminate'), $out));
            case 'resync':
                return self::status($dns->resync($this->vmOrId($args[0] ?? null, 'resync'), $out));
            case 'plan':
                $action = self::arg($args, 0, 'plan needs an action: create, delete or resync');
                $result = $dns->plan($action, $this->vmOrId($args[1] ?? null, 'plan'));
                foreach ($result['lines'] as $line) {
                    $this->say($line);
                }
                $this->printStats($result);
                return $this->printResult($result);
            case 'queue':
                $id = self::id($args[0] ?? null, 'queue');
                $dns->setDnsRecords($id);
                $this->say("VM $id queued: the next cron run sets its DNS records");
                return 0;
            case 'cron':
                $lease = isset($flags['lease']) ? self::id($flags['lease'], '--lease') : null;
                $run = $dns->runQueue($out, null, $lease);
                $this->say(sprintf(
                    'cron: %d VM(s) taken, %d OK, %d with errors%s',
                    count($run['vms']),
                    count($run['ok']),
                    count($run['failed']),
                    $run['error'] === null ? '' : "; stopped: {$run['error']}",
                ));
                return $run['failed'] === [] && $run['error'] === null ? 0 : 1;
            case 'log':
                $limit = isset($flags['limit']) ? self::id($flags['limit'], '--limit') : 50;
                $vm = isset($flags['vm']) ? self::id($flags['vm'], '--vm') : null;
                foreach (array_reverse($log->recent($limit, $vm)) as $entry) {
                    $this->say(sprintf(
                        '%s %-7s %-8s %s',
                        $entry['created_at'],
                        $entry['level'],
                        $entry['action'],
                        $entry['message']
                    ));
                }
                return 0;
            case 'match':
                $name = self::arg($args, 0, 'match needs a name or address');
                foreach ((new DnsZoneManager($zones->usableRows()[0]))->match($name) as $id) {
                    $this->say((string) $id);
                }
                return 0;
            default:
                throw new UsageException("unknown command $command (puq-dns help lists them)");
        }
    }

    /** @param list<string> $args */
    private function zones(ZoneStore $zones, array $args): int
    {
        $sub = array_shift($args) ?? 'list';
        switch ($sub) {
            case 'list':
                foreach ($zones->listForBrowser() as $zone) {
                    $this->say(rtrim(sprintf(
                        '%-6s %-40s %-10s %-8s %s',
                        $zone['id'],
                        $zone['zone'],
                        $zone['type'],
                        $zone['kind'] ?? '-',
                        $zone['range'] ?? ($zone['error'] ?? ''),
                    )));
                }
                return 0;
            case 'add':
                $zone = $zones->create($this->fields($args));
                $this->say("zone {$zone['id']} added: {$zone['zone']} ({$zone['type']}, {$zone['kind']})");
                return 0;
            case 'edit':
                $id = self::id(array_shift($args), 'zones edit');
                $zone = $zones->update($id, $this->fields($args));
                $this->say("zone {$zone['id']} saved: {$zone['zone']} ({$zone['type']})");
                return 0;
            case 'test':
                $r = $zones->test(self::id($args[0] ?? null, 'zones test'));
                return $this->sayTested($r);
            case 'delete':
                $id = self::id($args[0] ?? null, 'zones delete');
                $zones->delete($id);
                $this->say("zone $id deleted");
                return 0;
            default:
                throw new UsageException("unknown zones command $sub: use list, add, edit, test or delete");
        }
    }

    /**
     * Serves php/public with PHP's built-in web server on the loopback only
     * (the admin reaches it over an SSH tunnel, or from the same machine):
     * the page at /zones.php, its API at /zones-api.php. The process becomes
     * the web server, so stopping it stops the server.
     */
    private function serve(Config $config, string $configFile, string $port): int
    {
        if (!ctype_digit($port) || (int) $port < 1 || (int) $port > 65535) {
            throw new UsageException("--port must be a port number, not \"$port\"");
        }
        // Refuse now what the API would refuse on every request.
        $config->adminAuth();
        Schema::install($config->pdo());
        $command = [PHP_BINARY];
        $extension = self::loadedExtensionFile();
        if ($extension !== null) {
            $command[] = '-d';
            $command[] = "extension=$extension";
        }
        // The router serves the page, its API and assets only (no dns.php),
        // and only to requests for this server's own host name.
        array_push(
            $command,
            '-S',
            "127.0.0.1:$port",
            '-t',
            dirname(__DIR__, 2) . '/public',
            dirname(__DIR__, 2) . '/bin/serve-router.php'
        );
        $this->say(
            "DNS Zones page: http://127.0.0.1:$port/zones.php"
            . " (sign in with the admin_token of $configFile); Ctrl-C stops it"
        );
        putenv("PUQ_DNS_CONFIG=$configFile");
        putenv("PUQ_DNS_SERVE_PORT=$port");
        if (function_exists('pcntl_exec')) {
            pcntl_exec($command[0], array_slice($command, 1));
        }
        $server = proc_open($command, [STDIN, STDOUT, STDERR], $pipes);
        return $server === false ? 2 : proc_close($server);
    }

    /** Where the running PHP loaded puq_dns from, so the server loads the same build. */
    private static function loadedExtensionFile(): ?string
    {
        foreach (@file('/proc/self/maps', FILE_IGNORE_NEW_LINES) ?: [] as $line) {
            if (preg_match('{\s(/\S*libpuq_dns\.so)$}', $line, $m)) {
                return $m[1];
            }
        }
        return null;
    }

    // ------------------------------------------------------------ a zones file

    /** @param list<string> $args @param array<string, string> $flags */
    private function fileMode(string $command, array $args, array $flags): int
    {
        $file = $flags['zones'] ?? (string) getenv('PUQ_DNS_ZONES');
        $zones = $this->json('@' . $file, 'zones');
        $sync = fn (): DnsSync => new DnsSync($zones, $this->options([], $flags) + [
            'on_progress' => fn (array $op) => $this->say($op['line']),
        ]);
        switch ($command) {
            case 'zones':
                foreach ((new DnsZoneManager($zones))->list() as $zone) {
                    $this->say(rtrim(sprintf(
                        '%-6s %-40s %-10s %-8s %s',
                        $zone['id'],
                        $zone['zone'],
                        $zone['type'],
                        $zone['kind'],
                        $zone['range'] ?? ''
                    )));
                }
                return 0;
            case 'test':
                $id = self::arg($args, 0, 'test needs a zone id');
                $r = (new DnsZoneManager($zones))->test(ctype_digit($id) ? (int) $id : $id);
                return $this->sayTested($r);
            case 'match':
                $name = self::arg($args, 0, 'match needs a name or address');
                foreach ((new DnsZoneManager($zones))->match($name) as $id) {
                    $this->say((string) $id);
                }
                return 0;
            case 'create':
            case 'delete':
            case 'resync':
                return $this->printResult(
                    $sync()->$command($this->json(self::arg($args, 0, "$command needs a VM"), 'VM'))
                );
            case 'update':
                $old = $this->json(self::arg($args, 0, 'update needs OLD and NEW'), 'OLD');
                $new = $this->json(self::arg($args, 1, 'update needs OLD and NEW'), 'NEW');
                return $this->printResult($sync()->update($old, $new));
            case 'plan':
                $action = self::arg($args, 0, 'plan needs an action: create, delete or resync');
                $result = $sync()->plan($action, $this->json(self::arg($args, 1, 'plan needs a VM'), 'VM'));
                $this->printStats($result);
                return $this->printResult($result);
            case 'resync-many':
                $status = 0;
                foreach (
                    $sync()->resyncMany(
                        $this->json(self::arg($args, 0, 'resync-many needs a JSON list of VMs'), 'VMS')
                    ) as $result
                ) {
                    $status = max($status, $this->printResult($result));
                }
                return $status;
            default:
                throw new UsageException("unknown command $command with --zones (puq-dns help lists them)");
        }
    }

    // ------------------------------------------------------------ helpers

    /** @return array{0: list<string>, 1: array<string, string>} */
    private static function parse(array $argv): array
    {
        $positional = [];
        $flags = [];
        for ($i = 0; $i < count($argv); $i++) {
            $arg = $argv[$i];
            if (str_starts_with($arg, '--') && strlen($arg) > 2) {
                $name = substr($arg, 2);
                if (str_contains($name, '=')) {
                    [$name, $value] = explode('=', $name, 2);
                } elseif ($name === 'help') {
                    $value = '1';
                } else {
                    $value = $argv[++$i] ?? throw new UsageException("--$name needs a value");
                }
                $flags[$name] = $value;
            } else {
                $positional[] = $arg;
            }
        }
        return [$positional, $flags];
    }

    /** The config's sync options with the command line's on top. */
    private function options(array $options, array $flags): array
    {
        foreach (['timeout', 'connect_timeout', 'retries', 'concurrency'] as $name) {
            if (isset($flags[$name])) {
                $options[$name] = is_numeric($flags[$name]) ? $flags[$name] + 0 : $flags[$name];
            }
        }
        return $options;
    }

    /**
     * FIELD=VALUE arguments as a form; a secret's value may be @FILE or -.
     *
     * @param list<string> $args
     * @return array<string, string>
     */
    private function fields(array $args): array
    {
        if ($args === []) {
            throw new UsageException('give the zone fields as FIELD=VALUE, e.g. type=powerdns zone=example.com');
        }
        $form = [];
        foreach ($args as $arg) {
            if (!preg_match('/^([a-z_]+)=(.*)$/s', $arg, $m)) {
                throw new UsageException("\"$arg\" is not FIELD=VALUE");
            }
            [, $field, $value] = $m;
            if (in_array($field, Schema::secretColumns(), true)) {
                $value = $this->secretValue($field, $value);
            }
            $form[$field] = $value;
        }
        return $form;
    }

    private function secretValue(string $field, string $value): string
    {
        if ($value === '-') {
            return trim((string) stream_get_contents($this->stdin));
        }
        if (str_starts_with($value, '@')) {
            $text = @file_get_contents(substr($value, 1));
            if ($text === false) {
                throw new UsageException("cannot read $field from " . substr($value, 1));
            }
            return trim($text);
        }
        return $value;
    }

    /**
     * The argument at $index, or a usage error saying $usage. (A helper, not
     * `$args[$index] ?? throw …` inside the switch cases, whose throw
     * PHP_CodeSniffer 3.7 takes for the end of the case.)
     *
     * @param list<string> $args
     */
    private static function arg(array $args, int $index, string $usage): string
    {
        return $args[$index] ?? throw new UsageException($usage);
    }

    private function vmArg(?string $text, string $command): array
    {
        return $this->json($text ?? throw new UsageException("$command needs a VM (JSON text or @FILE)"), 'VM');
    }

    private function vmOrId(?string $text, string $command): array|int
    {
        $text ?? throw new UsageException("$command needs a VM id, or a VM as JSON text or @FILE");
        return ctype_digit($text) ? self::id($text, $command) : $this->json($text, 'VM');
    }

    private function json(string $text, string $what): array
    {
        if (str_starts_with($text, '@')) {
            $file = substr($text, 1);
            $read = @file_get_contents($file);
            if ($read === false) {
                throw new UsageException("cannot read $what file $file");
            }
            $text = $read;
        }
        try {
            $value = json_decode($text, true, 64, JSON_THROW_ON_ERROR);
        } catch (\JsonException $e) {
            throw new UsageException("$what is not valid JSON: {$e->getMessage()}");
        }
        if (!is_array($value)) {
            throw new UsageException("$what must be a JSON object or list");
        }
        return $value;
    }

    private static function id(?string $text, string $what): int
    {
        if ($text === null || !preg_match('/^[1-9][0-9]{0,9}$/', $text)) {
            throw new UsageException(
                "$what needs an id (a whole number), not " . ($text === null ? 'nothing' : "\"$text\"")
            );
        }
        return (int) $text;
    }

    /** Exit status of a lifecycle call: null means it could not run (already said and logged). */
    private static function status(?array $result): int
    {
        return $result === null ? 1 : ($result['ok'] ? 0 : 1);
    }

    private function printResult(array $result): int
    {
        $c = $result['counts'];
        $this->say(sprintf(
            '%s %s: %s (%d created, %d deleted, %d unchanged, %d failed)',
            $result['action'],
            $result['fqdn'] !== '' ? $result['fqdn'] : "VM {$result['vm']}",
            $result['ok'] ? 'OK' : 'ERRORS',
            $c['created'],
            $c['deleted'],
            $c['unchanged'],
            $c['failed'],
        ));
        foreach ($result['unmatched'] as $name) {
            $this->say("  no zone takes $name");
        }
        return $result['ok'] ? 0 : 1;
    }

    /**
     * Per zone, how it was read and what that cost: `zone 2.0.192.in-addr.arpa
     * (#2, powerdns): read whole in 1 request (202 records), 0 write requests`.
     */
    private function printStats(array $result): void
    {
        foreach ($result['stats'] ?? [] as $zone) {
            $requests = static fn (int $n): string => $n === 1 ? '1 request' : "$n requests";
            $read = $zone['read'] === 'zone'
                ? 'read whole in ' . $requests($zone['read_requests'])
                    . ($zone['zone_records'] !== null ? " ({$zone['zone_records']} records)" : '')
                : 'read by name in ' . $requests($zone['read_requests']);
            $this->say(sprintf(
                'zone %s (#%s, %s): %s, %s to write',
                $zone['zone'],
                $zone['zone_id'],
                $zone['type'],
                $read,
                $requests($zone['write_requests']),
            ));
        }
    }

    /** One line on stdout; stored values in it never bring control characters to the terminal. */
    /**
     * Prints a zone test's result as one line; its exit status.
     *
     * @param array{ok: bool, zone: string, type: string, id: int|string, ms: int, message: string} $r
     */
    private function sayTested(array $r): int
    {
        $this->say(sprintf(
            '%s zone %s (%s, #%s) in %d ms: %s',
            $r['ok'] ? 'OK' : 'ERR',
            $r['zone'],
            $r['type'],
            $r['id'],
            $r['ms'],
            $r['message']
        ));
        return $r['ok'] ? 0 : 1;
    }

    private function say(string $line): void
    {
        fwrite($this->stdout, Printable::line($line) . "\n");
    }
}
