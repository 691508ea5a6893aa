<?php

declare(strict_types=1);

namespace PuqDns\Tests\Whmcs;

use Illuminate\Database\Schema\Blueprint;
use WHMCS\Database\Capsule;

require_once __DIR__ . '/Capsule.php';

/**
 * A stand-in for WHMCS, for what the puq_dns addon touches and nothing
 * more: the real Illuminate Capsule on SQLite or MariaDB, WHMCS's tables
 * with their real column names, the way WHMCS loads, activates, configures,
 * upgrades and shows an addon, includes its hooks.php, runs the module
 * hooks of a service's create / change package / terminate and the cron's
 * AfterCronJob, and the admin session. The facts it follows, with their
 * sources, are in tests/whmcs/README.md.
 */
final class Whmcs
{
    /** @var array<string, list<array{priority: int, callable: callable}>> */
    public static array $hooks = [];

    /** @var list<string> the localAPI commands called */
    public static array $apiCalls = [];

    private static ?Capsule $capsule = null;
    private static string $root = '';

    /**
     * Boots the database (an Illuminate connection config: sqlite with
     * `database` the file, or mysql with host, port, database, username,
     * password) and makes WHMCS's tables. $root is the WHMCS root, where
     * modules/addons/NAME/ live.
     */
    public static function boot(array $connection, string $root): void
    {
        if (!defined('WHMCS')) {
            define('WHMCS', true);
        }
        self::$root = rtrim($root, '/');
        self::$hooks = [];
        self::$apiCalls = [];
        $GLOBALS['whmcs_hooks'] = [];
        $GLOBALS['whmcs_module_log'] = [];
        $GLOBALS['whmcs_activity_log'] = [];
        $capsule = new Capsule();
        $capsule->addConnection($connection + ['charset' => 'utf8mb4', 'collation' => 'utf8mb4_unicode_ci', 'prefix' => '']);
        $capsule->setAsGlobal();
        self::$capsule = $capsule;
        self::createTables();
    }

    public static function booted(): bool
    {
        return self::$capsule !== null;
    }

    /** WHMCS's tables, the columns WHMCS 8 has (those the addon reads, and their neighbours). */
    private static function createTables(): void
    {
        $schema = Capsule::schema();
        $make = static function (string $table, \Closure $columns) use ($schema): void {
            if (!$schema->hasTable($table)) {
                $schema->create($table, $columns);
            }
        };
        $make('tblconfiguration', static function (Blueprint $t): void {
            $t->increments('id');
            $t->string('setting', 64)->unique();
            $t->text('value');
            $t->timestamps();
        });
        $make('tbladdonmodules', static function (Blueprint $t): void {
            $t->increments('id');
            $t->text('module');
            $t->text('setting');
            $t->text('value');
        });
        $make('tbladmins', static function (Blueprint $t): void {
            $t->increments('id');
            $t->integer('roleid');
            $t->text('username');
            $t->text('firstname');
            $t->text('lastname');
            $t->text('email');
            $t->integer('disabled')->default(0);
            $t->timestamps();
        });
        $make('tblproducts', static function (Blueprint $t): void {
            $t->increments('id');
            $t->text('type');
            $t->integer('gid');
            $t->text('name');
            $t->text('servertype');
            $t->integer('servergroup')->default(0);
            for ($n = 1; $n <= 24; $n++) {
                $t->text("configoption$n")->default('');
            }
            $t->timestamps();
        });
        $make('tblhosting', static function (Blueprint $t): void {
            $t->increments('id');
            $t->integer('userid');
            $t->integer('orderid')->default(0);
            $t->integer('packageid');
            $t->integer('server')->default(0);
            $t->date('regdate');
            $t->text('domain');
            $t->text('paymentmethod')->default('');
            $t->text('billingcycle')->default('Monthly');
            $t->date('nextduedate')->nullable();
            $t->enum('domainstatus', ['Pending', 'Active', 'Suspended', 'Terminated', 'Cancelled', 'Fraud', 'Completed'])->default('Pending');
            $t->text('username')->default('');
            $t->text('password')->default('');
            $t->text('notes')->default('');
            $t->text('dedicatedip')->default('');
            $t->text('assignedips')->default('');
            $t->timestamps();
        });
        $make('tblcustomfields', static function (Blueprint $t): void {
            $t->increments('id');
            $t->text('type');
            $t->integer('relid')->default(0);
            $t->text('fieldname');
            $t->text('fieldtype')->default('text');
            $t->text('description')->default('');
            $t->text('fieldoptions')->default('');
            $t->text('regexpr')->default('');
            $t->text('adminonly')->default('');
            $t->text('required')->default('');
            $t->text('showorder')->default('');
            $t->text('showinvoice')->default('');
            $t->integer('sortorder')->default(0);
            $t->timestamps();
        });
        $make('tblcustomfieldsvalues', static function (Blueprint $t): void {
            $t->increments('id');
            $t->integer('fieldid');
            $t->integer('relid');
            $t->text('value');
            $t->timestamps();
        });
        $make('tblmodulelog', static function (Blueprint $t): void {
            $t->increments('id');
            $t->dateTime('date');
            $t->text('module');
            $t->text('action');
            $t->mediumText('request');
            $t->mediumText('response');
            $t->mediumText('arrdata');
        });
        $make('tblactivitylog', static function (Blueprint $t): void {
            $t->increments('id');
            $t->dateTime('date');
            $t->text('description');
            $t->text('user');
            $t->unsignedInteger('userid')->default(0);
            $t->unsignedInteger('user_id')->default(0);
            $t->unsignedInteger('admin_id')->default(0);
            $t->text('ipaddr');
        });
    }

    // ------------------------------------------------------------ configuration

    public static function setting(string $name): string
    {
        return (string) (Capsule::table('tblconfiguration')->where('setting', $name)->value('value') ?? '');
    }

    public static function setSetting(string $name, string $value): void
    {
        Capsule::table('tblconfiguration')->updateOrInsert(['setting' => $name], ['value' => $value]);
    }

    /** @return list<string> */
    private static function listSetting(string $name): array
    {
        return array_values(array_filter(explode(',', self::setting($name))));
    }

    // ------------------------------------------------------------ addons

    /** The addon's main file, included as WHMCS's addon pages do. */
    public static function loadAddon(string $module): void
    {
        require_once self::$root . "/modules/addons/$module/$module.php";
    }

    /** @return array<string, mixed> the addon's NAME_config() */
    public static function addonConfig(string $module): array
    {
        self::loadAddon($module);
        return ("{$module}_config")();
    }

    /**
     * Setup → Addon Modules → Activate: NAME_activate(); unless it answers
     * `error`, the addon is active, its version row is written (and nothing
     * else: settings and access rows come with the first save), and the
     * listing page that follows picks up its hooks.php.
     *
     * @return array{status: string, description: string}
     */
    public static function activateAddon(string $module): array
    {
        $config = self::addonConfig($module);
        $result = function_exists("{$module}_activate") ? ("{$module}_activate")() : [];
        $status = is_array($result) ? ($result['status'] ?? 'success') : 'success';
        if ($status !== 'success' && $status !== 'info') {
            return ['status' => (string) $status, 'description' => (string) ($result['description'] ?? '')];
        }
        $active = self::listSetting('ActiveAddonModules');
        $active[] = $module;
        $active = array_values(array_unique($active));
        sort($active);
        self::setSetting('ActiveAddonModules', implode(',', $active));
        Capsule::table('tbladdonmodules')->insert(['module' => $module, 'setting' => 'version', 'value' => (string) $config['version']]);
        self::listAddons();
        return ['status' => (string) $status, 'description' => (string) ($result['description'] ?? '')];
    }

    /**
     * The Addon Modules listing page: every addon's _config() is read, the
     * addons whose version changed are upgraded, and AddonModulesHooks is
     * rebuilt from the active addons that have a hooks.php.
     */
    public static function listAddons(): void
    {
        $withHooks = [];
        foreach (self::listSetting('ActiveAddonModules') as $module) {
            self::upgradeIfNeeded($module, []);
            if (is_file(self::$root . "/modules/addons/$module/hooks.php")) {
                $withHooks[] = $module;
            }
        }
        self::setSetting('AddonModulesHooks', implode(',', $withHooks));
    }

    /**
     * Configure → Save Changes: the access row (the admin role ids) and one
     * row per field, posted value or, for one not posted, '' for a yesno and
     * the Default otherwise; a yesno is stored as 'on' or ''.
     *
     * @param array<string, string> $posted
     * @param list<int> $roles
     */
    public static function saveAddonSettings(string $module, array $posted, array $roles = [1]): void
    {
        $config = self::addonConfig($module);
        Capsule::table('tbladdonmodules')->where('module', $module)->where('setting', 'access')->delete();
        Capsule::table('tbladdonmodules')->insert(['module' => $module, 'setting' => 'access', 'value' => implode(',', $roles)]);
        foreach ($config['fields'] as $key => $field) {
            if (array_key_exists($key, $posted)) {
                $value = trim($posted[$key]);
            } else {
                $value = $field['Type'] === 'yesno' ? '' : (string) ($field['Default'] ?? '');
            }
            if ($field['Type'] === 'yesno') {
                $value = $value !== '' && !in_array(strtolower($value), ['off', 'disabled'], true) ? 'on' : '';
            }
            Capsule::table('tbladdonmodules')->updateOrInsert(['module' => $module, 'setting' => $key], ['value' => $value]);
        }
    }

    /** @return array{status: string, description: string} */
    public static function deactivateAddon(string $module): array
    {
        self::loadAddon($module);
        $result = function_exists("{$module}_deactivate") ? ("{$module}_deactivate")() : [];
        $status = is_array($result) ? ($result['status'] ?? 'success') : 'success';
        if ($status !== 'success' && $status !== 'info') {
            return ['status' => (string) $status, 'description' => (string) ($result['description'] ?? '')];
        }
        Capsule::table('tbladdonmodules')->where('module', $module)->delete();
        self::setSetting('ActiveAddonModules', implode(',', array_diff(self::listSetting('ActiveAddonModules'), [$module])));
        self::setSetting('AddonModulesHooks', implode(',', array_diff(self::listSetting('AddonModulesHooks'), [$module])));
        return ['status' => (string) $status, 'description' => (string) ($result['description'] ?? '')];
    }

    /** A new version of the addon's files: NAME_upgrade($vars) with the old version, then the new one is stored. */
    private static function upgradeIfNeeded(string $module, array $extra): void
    {
        $config = self::addonConfig($module);
        $vars = self::addonVars($module) + $extra;
        $stored = $vars['version'] ?? null;
        if ($stored !== null && (string) $stored !== (string) $config['version']) {
            if (function_exists("{$module}_upgrade")) {
                ("{$module}_upgrade")($vars);
            }
            Capsule::table('tbladdonmodules')->where('module', $module)->where('setting', 'version')->update(['value' => (string) $config['version']]);
        }
    }

    /** @return array<string, string> every tbladdonmodules row of the module */
    public static function addonVars(string $module): array
    {
        return Capsule::table('tbladdonmodules')->where('module', $module)->pluck('value', 'setting')->all();
    }

    /**
     * addonmodules.php?module=NAME: the access check, the upgrade check,
     * NAME_sidebar() and NAME_output() with $vars (module, modulelink and
     * every setting); the echoed output is captured.
     *
     * @param array<string, string> $get   the query ($_GET)
     * @param array<string, string> $post  a submitted form ($_POST)
     * @return array{sidebar: string, output: string}
     */
    public static function addonPage(string $module, array $get = [], array $post = []): array
    {
        if (!in_array($module, self::listSetting('ActiveAddonModules'), true)) {
            return ['sidebar' => '', 'output' => 'Invalid Module Name'];
        }
        $role = (int) Capsule::table('tbladmins')->where('id', (int) ($_SESSION['adminid'] ?? 0))->value('roleid');
        $access = array_map('intval', array_filter(explode(',', self::addonVars($module)['access'] ?? '')));
        if (!in_array($role, $access, true)) {
            return ['sidebar' => '', 'output' => 'Access Denied'];
        }
        $link = "addonmodules.php?module=$module";
        self::upgradeIfNeeded($module, ['module' => $module, 'modulelink' => $link]);
        $vars = ['module' => $module, 'modulelink' => $link] + self::addonVars($module);
        $_GET = ['module' => $module] + $get;
        $_POST = $post;
        $_REQUEST = $_GET + $_POST;
        $_SERVER['REQUEST_METHOD'] = $post === [] ? 'GET' : 'POST';
        $sidebar = function_exists("{$module}_sidebar") ? (string) ("{$module}_sidebar")($vars) : '';
        ob_start();
        try {
            ("{$module}_output")($vars);
        } finally {
            $output = (string) ob_get_clean();
        }
        return ['sidebar' => $sidebar, 'output' => $output];
    }

    // ------------------------------------------------------------ hooks

    /**
     * A request's start: WHMCS forgets nothing between requests but its
     * hooks, which every request loads again, for each addon in
     * AddonModulesHooks.
     */
    public static function loadHooks(): void
    {
        self::$hooks = [];
        $GLOBALS['whmcs_hooks'] = [];
        foreach (self::listSetting('AddonModulesHooks') as $module) {
            include self::$root . "/modules/addons/$module/hooks.php";
        }
    }

    /**
     * run_hook(): each callable with $vars, lower priorities first (WHMCS's
     * own comparator, which orders equal priorities no stable way); the
     * answers that are not empty.
     */
    public static function runHook(string $hookPoint, array $vars): array
    {
        $hooks = self::$hooks[$hookPoint] ?? [];
        uasort($hooks, static fn (array $a, array $b): int => $a['priority'] < $b['priority'] ? -1 : 1);
        $answers = [];
        foreach ($hooks as $hook) {
            $answer = ($hook['callable'])($vars);
            if (!empty($answer)) {
                $answers[] = $answer;
            }
        }
        return $answers;
    }

    /**
     * What WHMCS does after a server module's CreateAccount, ChangePackage
     * or TerminateAccount answered "success": the service's status, then
     * AfterModule<Fn> with ['params' => the module parameters].
     */
    public static function moduleCall(string $function, int $serviceId): void
    {
        $status = ['Create' => 'Active', 'Terminate' => 'Terminated'][$function] ?? null;
        if ($status !== null) {
            Capsule::table('tblhosting')->where('id', $serviceId)->update(['domainstatus' => $status]);
        }
        run_hook("AfterModule$function", ['params' => self::moduleParams($serviceId)]);
        logActivity("Module $function Successful - Service ID: $serviceId");
    }

    /**
     * A service's module parameters as WHMCS builds them: serviceid, userid,
     * domain, username, pid, moduletype, configoption1..24, customfields by
     * their name before `|`, and the service's row as `model` (dedicatedip
     * and assignedips are only there).
     */
    public static function moduleParams(int $serviceId): array
    {
        $service = Capsule::table('tblhosting')->where('id', $serviceId)->first();
        $product = Capsule::table('tblproducts')->where('id', $service->packageid)->first();
        $params = [
            'serviceid' => (int) $service->id,
            'accountid' => (int) $service->id,
            'userid' => (int) $service->userid,
            'domain' => (string) $service->domain,
            'username' => (string) $service->username,
            'password' => decrypt((string) $service->password),
            'packageid' => (int) $service->packageid,
            'pid' => (int) $service->packageid,
            'serverid' => (int) $service->server,
            'status' => (string) $service->domainstatus,
            'type' => (string) $product->type,
            'producttype' => (string) $product->type,
            'moduletype' => (string) $product->servertype,
        ];
        for ($n = 1; $n <= 24; $n++) {
            $params["configoption$n"] = (string) $product->{"configoption$n"};
        }
        $params['customfields'] = [];
        foreach (Capsule::table('tblcustomfields')->where('type', 'product')->where('relid', $product->id)->orderBy('sortorder')->orderBy('id')->get() as $field) {
            $value = Capsule::table('tblcustomfieldsvalues')->where('fieldid', $field->id)->where('relid', $serviceId)->value('value');
            $params['customfields'][trim(explode('|', (string) $field->fieldname)[0])] = htmlspecialchars((string) $value);
        }
        $params['configoptions'] = [];
        $params['model'] = $service;
        return $params;
    }

    /** The system cron's end: AfterCronJob with no parameters. */
    public static function cron(): void
    {
        run_hook('AfterCronJob', []);
    }

    /**
     * clientsservices.php?id=N: the rows the AdminClientServicesTabFields
     * hooks add, label => HTML.
     *
     * @return array<string, string>
     */
    public static function serviceTab(int $serviceId): array
    {
        $rows = [];
        foreach (run_hook('AdminClientServicesTabFields', ['id' => $serviceId]) as $answer) {
            foreach ((array) $answer as $label => $html) {
                $rows[(string) $label] = (string) $html;
            }
        }
        return $rows;
    }

    /**
     * The service form's Save: WHMCS checks the token, saves tblhosting
     * (the posted columns), then runs AdminClientServicesTabFieldsSave with
     * the whole request.
     *
     * @param array<string, string> $request the posted form, with `token`
     * @param array<string, string> $columns tblhosting columns the form changed
     */
    public static function saveServiceTab(int $serviceId, array $request, array $columns = []): void
    {
        check_token('WHMCS.admin.default', (string) ($request['token'] ?? ''));
        if ($columns !== []) {
            self::updateService($serviceId, $columns);
        }
        $userId = (int) Capsule::table('tblhosting')->where('id', $serviceId)->value('userid');
        run_hook('AdminClientServicesTabFieldsSave', ['userid' => (string) $userId, 'id' => (string) $serviceId] + $request + $columns);
    }

    // ------------------------------------------------------------ the admin

    /** An admin logged in: $_SESSION['adminid'] and the session's token value. */
    public static function loginAdmin(int $roleId = 1, string $username = 'admin'): int
    {
        $id = (int) Capsule::table('tbladmins')->insertGetId([
            'roleid' => $roleId, 'username' => $username, 'firstname' => 'A', 'lastname' => 'Dmin', 'email' => "$username@example.com",
        ]);
        $_SESSION = ['adminid' => $id, 'tkval' => bin2hex(random_bytes(16))];
        return $id;
    }

    // ------------------------------------------------------------ services

    /** A product of a server module, with its module settings (configoption N => value). */
    public static function addProduct(string $name, string $module, array $configOptions = []): int
    {
        $row = ['type' => 'server', 'gid' => 1, 'name' => $name, 'servertype' => $module];
        foreach ($configOptions as $n => $value) {
            $row["configoption$n"] = $value;
        }
        return (int) Capsule::table('tblproducts')->insertGetId($row);
    }

    /** A product custom field ("name" or "name|Display"). */
    public static function addCustomField(int $productId, string $fieldName): int
    {
        return (int) Capsule::table('tblcustomfields')->insertGetId(['type' => 'product', 'relid' => $productId, 'fieldname' => $fieldName]);
    }

    /**
     * A service of a product, Pending until its module create.
     *
     * @param array<string, mixed> $columns tblhosting columns (domain, dedicatedip, assignedips, …)
     * @param array<int, string> $customFields field id => value
     */
    public static function addService(int $productId, array $columns = [], array $customFields = []): int
    {
        $id = (int) Capsule::table('tblhosting')->insertGetId($columns + [
            'userid' => 1, 'packageid' => $productId, 'regdate' => '2026-04-18', 'domain' => '', 'domainstatus' => 'Pending',
        ]);
        foreach ($customFields as $fieldId => $value) {
            Capsule::table('tblcustomfieldsvalues')->insert(['fieldid' => $fieldId, 'relid' => $id, 'value' => $value]);
        }
        return $id;
    }

    public static function updateService(int $serviceId, array $columns): void
    {
        Capsule::table('tblhosting')->where('id', $serviceId)->update($columns);
    }

    // ------------------------------------------------------------ logs

    /** logModuleCall(): written only while ModuleDebugMode is on, as WHMCS does. */
    public static function logModuleCall(string $module, string $action, mixed $request, mixed $response, mixed $processed, array $replaceVars): void
    {
        if (!self::booted() || self::setting('ModuleDebugMode') === '' || $module === '') {
            return;
        }
        $text = static function (mixed $value) use ($replaceVars): string {
            $value = is_array($value) || is_object($value) ? print_r($value, true) : (string) $value;
            foreach ($replaceVars as $secret) {
                if ((string) $secret !== '') {
                    $value = str_replace((string) $secret, str_repeat('*', strlen((string) $secret)), $value);
                }
            }
            return $value;
        };
        Capsule::table('tblmodulelog')->insert([
            'date' => gmdate('Y-m-d H:i:s'),
            'module' => strtolower($module),
            'action' => strtolower($action === '' ? 'Unknown' : $action),
            'request' => $text($request),
            'response' => $text($response),
            'arrdata' => $text($processed),
        ]);
    }

    public static function logActivity(string $description, int $userId): void
    {
        if (!self::booted()) {
            return;
        }
        $admin = isset($_SESSION['adminid']) ? Capsule::table('tbladmins')->where('id', (int) $_SESSION['adminid'])->value('username') : null;
        Capsule::table('tblactivitylog')->insert([
            'date' => gmdate('Y-m-d H:i:s'),
            'description' => $description,
            'user' => $admin ?? 'System',
            'userid' => $userId,
            'admin_id' => (int) ($_SESSION['adminid'] ?? 0),
            'ipaddr' => '',
        ]);
    }
}
