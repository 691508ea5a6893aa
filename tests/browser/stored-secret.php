<?php

/*
 * Prints one stored secret of the zones table, decrypted: what the browser
 * test reads back to prove that an edit kept or replaced a credential.
 *
 *   php tests/browser/stored-secret.php DB.sqlite KEY_FILE ZONE_ID COLUMN
 *
 * Prints the secret, or `<null>` when the column is NULL, or `<no zone>`.
 */

declare(strict_types=1);

use PuqDns\Module\Store\Schema;
use PuqDns\Module\Store\SodiumSecretBox;

require dirname(__DIR__, 2) . '/php/autoload.php';

[, $db, $keyFile, $id, $column] = $argv + [null, null, null, null, null];
if (!is_string($column) || !in_array($column, Schema::secretColumns(), true)) {
    fwrite(STDERR, "usage: stored-secret.php DB KEY_FILE ID COLUMN (one of " . implode(', ', Schema::secretColumns()) . ")\n");
    exit(2);
}
$pdo = new PDO('sqlite:' . $db, null, null, [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]);
$statement = $pdo->prepare("SELECT \"$column\" FROM " . Schema::ZONES . ' WHERE id = ?');
$statement->execute([(int) $id]);
$sealed = $statement->fetchColumn();
if ($sealed === false) {
    echo '<no zone>';
} elseif ($sealed === null) {
    echo '<null>';
} else {
    echo SodiumSecretBox::fromKeyFile($keyFile)->open((string) $sealed);
}
