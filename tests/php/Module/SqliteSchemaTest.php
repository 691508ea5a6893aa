<?php

declare(strict_types=1);

namespace PuqDns\Tests\Module;

require_once __DIR__ . '/SchemaContract.php';

/** The schema on SQLite (a temporary file). */
final class SqliteSchemaTest extends SchemaContract
{
    use SqliteDatabase;

    public function testSqliteGetsItsOwnTypeNamesAndIndexes(): void
    {
        \PuqDns\Module\Store\Schema::install($this->pdo);
        $sql = $this->pdo->query("SELECT sql FROM sqlite_master WHERE name = 'puq_dns_vms'")->fetchColumn();
        $this->assertStringContainsString('"id" INTEGER PRIMARY KEY AUTOINCREMENT', $sql);
        $this->assertStringContainsString('"ttl" INTEGER NULL', $sql);
        $this->assertStringContainsString('"locked_until" TEXT NULL', $sql);
        $this->assertStringNotContainsString('AUTO_INCREMENT', $sql);
        $indexes = $this->pdo->query("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'puq_dns_%' ORDER BY name")->fetchAll(\PDO::FETCH_COLUMN);
        $this->assertSame(['puq_dns_log_created_at', 'puq_dns_log_vm_id', 'puq_dns_vms_status'], $indexes);
    }
}
