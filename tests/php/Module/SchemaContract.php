<?php

declare(strict_types=1);

namespace PuqDns\Tests\Module;

use PDO;
use PuqDns\Module\Store\Schema;
use PuqDns\Module\Store\ZoneStore;
use PuqDns\Tests\Fixtures;

require_once __DIR__ . '/ModuleTestCase.php';

/** Schema::install() on a real database. Run against SQLite and MariaDB. */
abstract class SchemaContract extends ModuleTestCase
{
    public function testInstallCreatesEveryTableWithItsColumns(): void
    {
        Schema::install($this->pdo);
        $this->assertSame([Schema::ZONES, Schema::VMS, Schema::LOG], Schema::tables());
        $this->assertSame([
            'id', 'zone', 'type', 'account_id', 'zone_id', 'api_token', 'api_url', 'server_url', 'admin_user',
            'admin_password', 'user', 'api_key', 'server_id', 'server', 'tsig_name', 'tsig_secret', 'tsig_algorithm', 'timeout',
            'allow_unsigned', 'ttl', 'verify_tls', 'ca_cert', 'created_at', 'updated_at', 'zone_records',
        ], Schema::existingColumns($this->pdo, Schema::ZONES));
        $this->assertSame(
            ['id', 'name', 'domain', 'fqdn', 'ips', 'ttl', 'status', 'previous_status', 'locked_by', 'locked_until', 'synced', 'version', 'terminated', 'requeued', 'synced_at'],
            Schema::existingColumns($this->pdo, Schema::VMS),
        );
        $this->assertSame(
            ['id', 'created_at', 'level', 'action', 'vm_id', 'zone_id', 'message', 'context'],
            Schema::existingColumns($this->pdo, Schema::LOG),
        );
        foreach (Schema::tables() as $table) {
            $this->assertSame(Schema::columns($table), Schema::existingColumns($this->pdo, $table));
        }
        $this->assertSame([], Schema::existingColumns($this->pdo, 'no_such_table'));
    }

    public function testInstallIsIdempotentAndKeepsData(): void
    {
        Schema::install($this->pdo);
        $store = new ZoneStore($this->pdo, $this->box);
        $store->create(['zone' => 'example.com', 'type' => 'powerdns', 'server_url' => 'http://127.0.0.1:1', 'api_key' => Fixtures::PDNS_KEY]);
        $before = $this->rawZone(1);
        Schema::install($this->pdo);
        Schema::install($this->pdo);
        $this->assertSame($before, $this->rawZone(1));
        $this->assertSame(Schema::columns(Schema::ZONES), Schema::existingColumns($this->pdo, Schema::ZONES));
    }

    public function testInstallUpgradesAnOlderZonesTableWithoutLosingRowsOrColumns(): void
    {
        // A zones table of an older module: fewer columns, one of its own.
        $q = fn (string $n) => $this->q($n);
        $id = $this->driver() === 'mysql' ? 'INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY' : 'INTEGER PRIMARY KEY AUTOINCREMENT';
        $this->pdo->exec('CREATE TABLE ' . $q(Schema::ZONES) . " ({$q('id')} $id, {$q('zone')} VARCHAR(255) NOT NULL,"
            . " {$q('type')} VARCHAR(32) NOT NULL, {$q('server_url')} TEXT NULL, {$q('api_key')} TEXT NULL, {$q('notes')} TEXT NOT NULL)");
        $insert = $this->pdo->prepare('INSERT INTO ' . $q(Schema::ZONES) . ' (zone, type, server_url, api_key, notes) VALUES (?, ?, ?, ?, ?)');
        $insert->execute(['puqcloud.com', 'PowerDNS', 'http://127.0.0.1:1', $this->box->seal(Fixtures::PDNS_KEY), 'legacy']);

        Schema::install($this->pdo);
        Schema::install($this->pdo);
        $this->assertSame(
            ['id', 'zone', 'type', 'server_url', 'api_key', 'notes', 'account_id', 'zone_id', 'api_token', 'api_url', 'admin_user',
                'admin_password', 'user', 'server_id', 'server', 'tsig_name', 'tsig_secret', 'tsig_algorithm', 'timeout', 'allow_unsigned',
                'ttl', 'verify_tls', 'ca_cert', 'created_at', 'updated_at', 'zone_records'],
            Schema::existingColumns($this->pdo, Schema::ZONES),
        );
        $raw = $this->rawZone(1);
        $this->assertSame(['puqcloud.com', 'PowerDNS', 'legacy', '1', null], [$raw['zone'], $raw['type'], $raw['notes'], $raw['verify_tls'], $raw['ttl']]);

        $store = new ZoneStore($this->pdo, $this->box);
        $this->assertSame(
            ['id' => 1, 'zone' => 'puqcloud.com', 'type' => 'powerdns', 'api_key' => '__KEEP__', 'notes' => 'legacy', 'kind' => 'forward'],
            array_intersect_key($store->listForBrowser()[0], array_flip(['id', 'zone', 'type', 'api_key', 'notes', 'kind'])),
        );
        $this->assertSame(Fixtures::PDNS_KEY, $store->rows()[0]['api_key']);
        $store->update(1, ['ttl' => '120']);
        $this->assertSame(['legacy', '120', 'powerdns'], [$this->rawZone(1)['notes'], $this->rawZone(1)['ttl'], $this->rawZone(1)['type']]);
        // A new zone in the old table, with a value for the column only that table has.
        $this->assertSame(2, $store->create(['zone' => 'example.com', 'type' => 'powerdns', 'server_url' => 'http://127.0.0.1:1', 'api_key' => 'k2', 'notes' => 'new'])['id']);
    }

    public function testInstallUpgradesTheVmsTableOfTheLastVersionAndItsRowsStayUsable(): void
    {
        // The VMs table as the version before it knew synced/version/terminated/requeued.
        $q = fn (string $n) => $this->q($n);
        $id = $this->driver() === 'mysql' ? 'INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY' : 'INTEGER PRIMARY KEY AUTOINCREMENT';
        $this->pdo->exec('CREATE TABLE ' . $q(Schema::VMS) . " ({$q('id')} $id, {$q('name')} VARCHAR(255) NOT NULL,"
            . " {$q('domain')} VARCHAR(255) NOT NULL, {$q('fqdn')} VARCHAR(255) NULL, {$q('ips')} TEXT NOT NULL, {$q('ttl')} INT NULL,"
            . " {$q('status')} VARCHAR(64) NOT NULL DEFAULT '', {$q('previous_status')} VARCHAR(64) NULL,"
            . " {$q('locked_by')} VARCHAR(255) NULL, {$q('locked_until')} DATETIME NULL)");
        $this->pdo->prepare('INSERT INTO ' . $q(Schema::VMS) . ' (id, name, domain, ips, status) VALUES (?, ?, ?, ?, ?)')
            ->execute([12, 'web-12', 'puqcloud.com', '["192.0.2.7"]', 'active']);

        Schema::install($this->pdo);
        Schema::install($this->pdo);

        $this->assertSame(Schema::columns(Schema::VMS), Schema::existingColumns($this->pdo, Schema::VMS));
        $vms = new \PuqDns\Module\Store\VmStore($this->pdo);
        $old = ['id' => 12, 'name' => 'web-12', 'domain' => 'puqcloud.com', 'ips' => ['192.0.2.7']];
        $this->assertSame(['vm' => $old, 'synced' => null, 'version' => 0, 'terminated' => false], $vms->state(12));
        // Its VM was the one written: a package change removes its records.
        $vms->save(['ips' => ['192.0.2.9']] + $old);
        $this->assertSame($old, $vms->state(12)['synced']);
        $this->assertSame('active', $vms->status(12));
    }

    public function testTheVmAndLogTablesHoldWhatTheCronTaskWrites(): void
    {
        Schema::install($this->pdo);
        $ips = ['192.0.2.7', ['ip' => '2001:db8::7', 'reverse' => 'mail.example.com']];
        $this->pdo->prepare('INSERT INTO ' . $this->q(Schema::VMS) . ' (id, name, domain, ips, status, previous_status, locked_until) VALUES (?, ?, ?, ?, ?, ?, ?)')
            ->execute([5551, '5551-1776530141', 'puqcloud.com', json_encode($ips), 'set_dns_records', 'active', '2026-01-01 00:05:00']);
        $vm = $this->pdo->query('SELECT * FROM ' . $this->q(Schema::VMS))->fetch(PDO::FETCH_ASSOC);
        $this->assertSame(
            ['5551', '5551-1776530141', 'puqcloud.com', null, null, 'set_dns_records', 'active', null, '2026-01-01 00:05:00'],
            array_map(fn ($v) => $v === null ? null : (string) $v, [$vm['id'], $vm['name'], $vm['domain'], $vm['fqdn'], $vm['ttl'], $vm['status'], $vm['previous_status'], $vm['locked_by'], $vm['locked_until']]),
        );
        $this->assertSame($ips, json_decode($vm['ips'], true));
        // The default status of a VM nobody queued.
        $this->pdo->exec('INSERT INTO ' . $this->q(Schema::VMS) . " (name, domain, ips) VALUES ('vm2', 'puqcloud.com', '[]')");
        $this->assertSame(
            ['5552', ''],
            array_map('strval', $this->pdo->query('SELECT id, status FROM ' . $this->q(Schema::VMS) . ' WHERE name = \'vm2\'')->fetch(PDO::FETCH_NUM)),
        );

        $message = 'fwd ERR create A 5551-1776530141.puqcloud.com in puqcloud.com: HTTP 403 — ünïcödé 🚀';
        $context = ['zone' => 'puqcloud.com', 'errors' => [['line' => $message]]];
        $this->pdo->prepare('INSERT INTO ' . $this->q(Schema::LOG) . ' (created_at, level, action, vm_id, zone_id, message, context) VALUES (?, ?, ?, ?, ?, ?, ?)')
            ->execute(['2026-01-01 00:00:00', 'error', 'resync', 5551, 1, $message, json_encode($context, JSON_UNESCAPED_UNICODE)]);
        $log = $this->pdo->query('SELECT * FROM ' . $this->q(Schema::LOG))->fetch(PDO::FETCH_ASSOC);
        $this->assertSame(
            ['1', '2026-01-01 00:00:00', 'error', 'resync', '5551', '1', $message],
            array_map('strval', [$log['id'], $log['created_at'], $log['level'], $log['action'], $log['vm_id'], $log['zone_id'], $log['message']]),
        );
        $this->assertSame($context, json_decode($log['context'], true));
    }
}
