<?php

// Stubs for puq_dns

namespace PuqDns {
    /**
     * Keeps every matching zone's A, AAAA and PTR records in step with a VM.
     *
     * Provider and network failures never throw: each operation reports its
     * own outcome and the rest carries on. Only a malformed VM array throws.
     */
    class DnsSync {
        /**
         * `$zones` are zone rows as DnsZoneManager takes them. `$options`:
         * `timeout` (15 s per request), `connect_timeout` (5 s), `retries` (3),
         * `concurrency` (8 requests in flight), `cloudflare_rate_limit` and
         * `cloudflare_rate_window` (1200 requests per 300 s per token, shared
         * by every sync in the process) and `on_progress`, a
         * `callable(array $operation): void` called on this thread as each
         * operation ends; the array is the operation of the result plus its
         * cron `line` and the `vm` id it belongs to. `heartbeat`, a
         * `callable(): void`, is called on this thread every
         * `heartbeat_interval` seconds (30) while a call runs, also while no
         * operation ends (a slow read): a cron renews its hold on the VMs with it.
         * `zone_records`, `[zone id => records]`, are zone sizes kept from the
         * `stats` of earlier results, so that a new process chooses how to read
         * each zone as well as one that has read it before.
         *
         * @throws ConfigException for a bad zone row or option
         *
         * @param array $zones
         * @param array|null $options
         */
        public function __construct(array $zones, ?array $options = null) {}

        /**
         * Deploy: an A/AAAA at the FQDN for each IP and a PTR at each IP's
         * reverse name in every matching zone.
         *
         * @throws ConfigException for a malformed VM array
         *
         * @param array $vm
         * @return array
         */
        public function create(array $vm): array {}

        /**
         * Terminate: no A/AAAA at the FQDN; no PTR at the VM's reverse names
         * that points at the VM.
         *
         * @throws ConfigException for a malformed VM array
         *
         * @param array $vm
         * @return array
         */
        public function delete(array $vm): array {}

        /**
         * The VM array checked as the module remembers VMs: refused for what
         * `create` refuses, and also for each `ips` entry that would only be a
         * failed operation (not a usable address, or a `reverse` that is not a
         * host name). Returns `['id', 'fqdn', 'ttl' (null: the zones' own),
         * 'addresses' => [['ip', 'reverse_name', 'ptr'], …]]`, addresses in
         * their canonical form, each listed once.
         *
         * @throws ConfigException naming the VM, each bad field and why
         *
         * @param array $vm
         * @return array
         */
        public static function normalizeVm(array $vm): array {}

        /**
         * Dry run of create, delete or resync: the result and counts that
         * action would give, with `action => 'plan'`, reading the providers but
         * changing nothing.
         *
         * @throws ConfigException for another action or a malformed VM array
         *
         * @param string $action
         * @param array $vm
         * @return array
         */
        public function plan(string $action, array $vm): array {}

        /**
         * Dry run of resync for many VMs at once, the reads of all VMs merged
         * per zone, changing nothing: results keyed by VM id as resyncMany
         * gives them, with `action => 'plan'`. A VM whose DNS has drifted has
         * a `create` or `delete` operation, or an error.
         *
         * @param array $vms
         * @return array
         */
        public function planMany(array $vms): array {}

        /**
         * Set DNS records: exactly what create makes, stale records gone; what
         * is already right is not touched.
         *
         * @throws ConfigException for a malformed VM array
         *
         * @param array $vm
         * @return array
         */
        public function resync(array $vm): array {}

        /**
         * The cron run: resync of each VM with the writes of all VMs merged per
         * zone. Results are keyed by VM id; a malformed VM array gets a failed
         * result of its own and never fails another VM.
         *
         * @param array $vms
         * @return array
         */
        public function resyncMany(array $vms): array {}

        /**
         * Change package: what delete($old) removes that $new no longer has,
         * then resync($new).
         *
         * @throws ConfigException for a malformed VM array
         *
         * @param array $old
         * @param array $new
         * @return array
         */
        public function update(array $old, array $new): array {}
    }

    /**
     * Validates, normalises, masks, matches and tests DNS zone rows.
     */
    class DnsZoneManager {
        /**
         * The sentinel that stands in for a stored secret in anything sent to a browser.
         */
        public const KEEP = '__KEEP__';

        /**
         * Validates and normalises every zone row.
         *
         * @throws ConfigException listing every problem of every row
         *
         * @param array $zones
         */
        public function __construct(array $zones) {}

        /**
         * Every zone, normalised, with secrets replaced by KEEP, plus its `kind`
         * (`forward`, `reverse4`, `reverse6`) and, for reverse zones, the `range`
         * of addresses it covers.
         *
         * @return array
         */
        public function list(): array {}

        /**
         * One row with its secrets replaced by KEEP. Does not validate, so even a
         * broken stored row can be shown without its secrets.
         *
         * @param array $zone
         * @return array
         */
        public static function mask(array $zone): array {}

        /**
         * Ids of every zone the DNS name falls in, as given in the rows. Case and
         * a trailing dot are ignored; an IP address stands for its reverse name.
         *
         * @throws ConfigException when the name is not a DNS name
         *
         * @param string $name
         * @return array
         */
        public function match(string $name): array {}

        /**
         * The row to save after an edit form: a secret that is missing, empty or
         * KEEP keeps its stored value, any other value replaces it; then normalised.
         *
         * @throws ConfigException when the merged row is not valid
         *
         * @param array $stored
         * @param array $submitted
         * @return array
         */
        public static function merge(array $stored, array $submitted): array {}

        /**
         * One row, validated and normalised.
         *
         * @throws ConfigException naming the zone, every bad field and why
         *
         * @param array $zone
         * @return array
         */
        public static function normalize(array $zone): array {}

        /**
         * Every provider a zone row may name, as the zones page, the module's
         * schema and its admin API render it: `[['type', 'label', 'tls' (whether
         * verify_tls and ca_cert apply), 'fields' => [['name', 'label', 'kind'
         * (text, url, secret, choice, flag), 'secret', 'required', 'default',
         * 'help', 'advanced', 'endpoint', 'options' (a choice's values, else
         * null)], …]], …]`, in the order the zones page offers them.
         *
         * @return array
         */
        public static function providers(): array {}

        /**
         * `2.0.168.192.in-addr.arpa`, or the 32-nibble `ip6.arpa` name.
         *
         * @throws ConfigException when the text is not a usable address
         *
         * @param string $ip
         * @return string
         */
        public static function reverseName(string $ip): string {}

        /**
         * Live check of the configured zone with this id (int or string):
         * `['ok' => bool, 'id', 'zone', 'type', 'message' => string, 'ms' => int]`.
         * `$options` takes `timeout` (10 s), `connect_timeout` (5 s) and
         * `retries` (1) as DnsSync does.
         *
         * @throws ConfigException when no zone has that id, or for a bad option
         *
         * @param mixed $id
         * @param array|null $options
         * @return array
         */
        public function test(mixed $id, ?array $options = null): array {}

        /**
         * The same live check for a row that is not saved yet.
         *
         * @throws ConfigException when the row or an option is not valid
         *
         * @param array $zone
         * @param array|null $options
         * @return array
         */
        public static function testZone(array $zone, ?array $options = null): array {}
    }

    /**
     * Masks credentials and escapes control characters.
     */
    class Redact {
        public function __construct() {}

        /**
         * Every form each secret may take in a log (raw, form-encoded,
         * percent-encoded, JSON-escaped), longest first, each once: the
         * replacement list of WHMCS's logModuleCall().
         *
         * @throws ConfigException when `$secrets` is not a list of strings
         *
         * @param array $secrets
         * @return array
         */
        public static function forms(array $secrets): array {}

        /**
         * The text with every control character written as its escape (`\n`,
         * `\u{1b}`), as the extension writes its own cron lines.
         *
         * @param string $text
         * @return string
         */
        public static function printable(string $text): string {}

        /**
         * The text with each secret, raw, form-encoded, percent-encoded or
         * JSON-escaped, replaced by `***` (a secret shorter than 8 characters
         * only where it stands on its own).
         *
         * @throws ConfigException when `$secrets` is not a list of strings
         *
         * @param string $text
         * @param array $secrets
         * @return string
         */
        public static function secrets(string $text, array $secrets): string {}
    }
}

namespace PuqDns {
    /**
     * Base class of every exception puq_dns throws.
     */
    class DnsException extends \Exception {}

    /**
     * A zone row, VM array, option or argument that cannot be used; the
     * message names the zone or VM, every bad field and why.
     */
    class ConfigException extends DnsException {}
}
