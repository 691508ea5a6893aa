<?php

declare(strict_types=1);

namespace PuqDns\Tests\Module;

use PDO;
use PuqDns\Module\Store\Schema;

require_once __DIR__ . '/SchemaContract.php';

/** The schema on a private MariaDB server. */
final class MariaDbSchemaTest extends SchemaContract
{
    use MariaDbDatabase;

    public function testTablesAreInnoDbUtf8mb4EvenOnALatin1Server(): void
    {
        $this->assertSame('latin1', $this->pdo->query('SELECT @@character_set_server')->fetchColumn());
        Schema::install($this->pdo);
        $tables = $this->pdo->query(
            'SELECT TABLE_NAME, ENGINE, TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME'
        )->fetchAll(PDO::FETCH_NUM);
        $this->assertSame([
            ['puq_dns_log', 'InnoDB', 'utf8mb4_unicode_ci'],
            ['puq_dns_vms', 'InnoDB', 'utf8mb4_unicode_ci'],
            ['puq_proxmox_kvm_dns_zones', 'InnoDB', 'utf8mb4_unicode_ci'],
        ], $tables);
        $charsets = $this->pdo->query(
            'SELECT DISTINCT CHARACTER_SET_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND CHARACTER_SET_NAME IS NOT NULL'
        )->fetchAll(PDO::FETCH_COLUMN);
        $this->assertSame(['utf8mb4'], $charsets);
        $indexes = $this->pdo->query(
            "SELECT CONCAT(TABLE_NAME, '.', INDEX_NAME) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1"
        )->fetchAll(PDO::FETCH_COLUMN);
        $this->assertSame(
            ['puq_dns_log.created_at', 'puq_dns_log.PRIMARY', 'puq_dns_log.vm_id', 'puq_dns_vms.PRIMARY', 'puq_dns_vms.status', 'puq_proxmox_kvm_dns_zones.PRIMARY'],
            $indexes,
        );
    }

    public function testConfigConnectsOverTcpInUtf8mb4(): void
    {
        $name = $this->pdo->query('SELECT DATABASE()')->fetchColumn();
        $pdo = (new \PuqDns\Module\Config(['db' => [
            'dsn' => 'mysql:host=127.0.0.1;port=' . self::$mariadb->port . ";dbname=$name",
            'user' => self::$mariadb->user,
            'password' => self::$mariadb->password,
        ]]))->pdo();
        $this->assertSame(
            ['utf8mb4', 'utf8mb4_unicode_ci', $name],
            $pdo->query('SELECT @@character_set_connection, @@collation_connection, DATABASE()')->fetch(PDO::FETCH_NUM),
        );
        $this->assertSame(PDO::ERRMODE_EXCEPTION, $pdo->getAttribute(PDO::ATTR_ERRMODE));
    }

    public function testAnOlderVmTableGetsItsMissingIndex(): void
    {
        $this->pdo->exec('CREATE TABLE puq_dns_vms (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, name VARCHAR(255) NOT NULL, status VARCHAR(64) NOT NULL DEFAULT \'\')');
        Schema::install($this->pdo);
        Schema::install($this->pdo);
        $this->assertSame(
            ['PRIMARY', 'status'],
            $this->pdo->query("SELECT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'puq_dns_vms' ORDER BY 1")->fetchAll(PDO::FETCH_COLUMN),
        );
    }
}
