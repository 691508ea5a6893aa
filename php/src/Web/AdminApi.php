<?php

declare(strict_types=1);

namespace PuqDns\Module\Web;

use PuqDns\ConfigException;
use PuqDns\DnsZoneManager;
use PuqDns\Module\Store\InvalidZoneException;
use PuqDns\Module\Store\SecretBoxException;
use PuqDns\Module\Store\ZoneNotFoundException;
use PuqDns\Module\Store\ZoneStore;

/**
 * The JSON API behind the DNS zones page: list, get, create, edit, delete
 * and test, on a ZoneStore, behind an AdminAuth.
 *
 * The action comes from `action` (body or query), the zone id from `id`
 * (query, else body); the zone's fields are the request body (a form or a
 * JSON object) without `action` and `token`. Reads (list, get) take GET or
 * POST; create, edit, delete and test take POST only: test sends stored
 * credentials to the provider, which no cross-site GET may trigger.
 *
 * Answers (Response::json()):
 *
 *     list    200 {"ok": true, "zones": [zone, …]}
 *     get     200 {"ok": true, "zone": zone}
 *     create  201 {"ok": true, "zone": zone}
 *     edit    200 {"ok": true, "zone": zone}
 *     delete  200 {"ok": true, "deleted": id}
 *     test    200 {"ok": true, "test": {"ok", "id", "zone", "type", "message", "ms"}}
 *     error   4xx/5xx {"ok": false, "error": "…", "field": "…"}   (field when one is to blame)
 *
 * `zone` is a row as DnsZoneManager::list() gives it: every secret is KEEP.
 * For test, the top-level `ok` says the call worked; `test.ok` says whether
 * the provider answered. Without zone fields, test checks the saved zone
 * `id`; with them it checks the form, merged with zone `id` when given.
 *
 * Errors: 400 for a zone the extension refuses (its ConfigException text,
 * which names the zone, the field and why) or a bad request, 401/403 from
 * the AdminAuth, 404 for an unknown id, 405 for a wrong method, 500 with a
 * generic text for anything unexpected (details go to the error log). No
 * answer ever holds a stack trace or a secret.
 */
final class AdminApi
{
    /** Each action and the methods it accepts. */
    private const ACTIONS = [
        'list' => ['GET', 'POST'],
        'get' => ['GET', 'POST'],
        'create' => ['POST'],
        'edit' => ['POST'],
        'delete' => ['POST'],
        'test' => ['POST'],
    ];

    /** Request fields that steer the API and are not zone fields. */
    private const CONTROL_FIELDS = ['action', 'token'];

    /** Zone fields every provider's rows have; the providers add their own (zoneFields()). */
    private const COMMON_ZONE_FIELDS = ['id', 'zone', 'type', 'ttl', 'verify_tls', 'ca_cert'];

    /** @var \Closure(\Throwable): void */
    private readonly \Closure $logError;

    /** @param (\Closure(\Throwable): void)|null $logError where unexpected failures are reported; error_log() by default */
    public function __construct(
        private readonly ZoneStore $zones,
        private readonly AdminAuth $auth,
        ?\Closure $logError = null,
    ) {
        $this->logError = $logError ?? static function (\Throwable $e): void {
            error_log(sprintf(
                'puq_dns zones API: %s: %s at %s:%d',
                get_class($e),
                $e->getMessage(),
                $e->getFile(),
                $e->getLine()
            ));
        };
    }

    /**
     * @param array<string, mixed> $query  $_GET
     * @param array<string, mixed> $body   $_POST or the decoded JSON body
     * @param array<string, mixed> $server $_SERVER
     */
    public function handle(string $method, array $query, array $body, array $server): Response
    {
        $request = new Request($method, $query, $body, $server);
        try {
            $this->auth->authorize($request);
            return $this->route($request);
        } catch (AuthException $e) {
            return Response::error($e->status, $e->getMessage(), null, $e->headers);
        } catch (ConfigException $e) {
            return Response::error(400, $e->getMessage(), self::blamedField($e->getMessage()));
        } catch (InvalidZoneException $e) {
            return Response::error(400, $e->getMessage(), $e->field);
        } catch (ZoneNotFoundException $e) {
            return Response::error(404, $e->getMessage());
        } catch (SecretBoxException $e) {
            // Our own text: which zone and column, never the value.
            return Response::error(500, $e->getMessage());
        } catch (\Throwable $e) {
            ($this->logError)($e);
            return Response::error(500, 'internal error; the server log has the details');
        }
    }

    private function route(Request $request): Response
    {
        $action = $request->param('action');
        if (!is_string($action) || $action === '') {
            return Response::error(400, 'action is required: ' . self::actionList(), 'action');
        }
        if (!isset(self::ACTIONS[$action])) {
            return Response::error(
                400,
                sprintf('unknown action "%s"; use %s', mb_strimwidth($action, 0, 40, '…'), self::actionList()),
                'action'
            );
        }
        if (!in_array($request->method, self::ACTIONS[$action], true)) {
            return Response::error(
                405,
                "$action needs " . implode(' or ', self::ACTIONS[$action]),
                null,
                ['Allow' => implode(', ', self::ACTIONS[$action])],
            );
        }
        return match ($action) {
            'list' => Response::ok(['zones' => $this->zones->listForBrowser()]),
            'get' => Response::ok(['zone' => $this->zones->get(self::id($request))]),
            'create' => Response::ok(['zone' => $this->zones->create(self::zoneFields($request))], 201),
            'edit' => Response::ok(['zone' => $this->zones->update(self::id($request), self::zoneFields($request))]),
            'delete' => $this->delete(self::id($request)),
            'test' => $this->test($request),
        };
    }

    private function delete(int $id): Response
    {
        $this->zones->delete($id);
        return Response::ok(['deleted' => $id]);
    }

    private function test(Request $request): Response
    {
        $fields = self::zoneFields($request);
        unset($fields['id']);
        if ($fields === []) {
            return Response::ok(['test' => $this->zones->test(self::id($request))]);
        }
        $id = $request->query['id'] ?? $request->body['id'] ?? null;
        if ($id !== null && $id !== '') {
            $fields['id'] = self::id($request);
        }
        return Response::ok(['test' => $this->zones->testUnsaved($fields)]);
    }

    /** The zone id: the query's `id`, else the body's. */
    private static function id(Request $request): int
    {
        $id = $request->query['id'] ?? $request->body['id'] ?? null;
        if ($id === null || $id === '') {
            throw new InvalidZoneException('id is required', 'id');
        }
        return ZoneStore::parseId($id);
    }

    /** @return array<string, mixed> the submitted zone: the body without control fields */
    private static function zoneFields(Request $request): array
    {
        $fields = $request->body;
        foreach (self::CONTROL_FIELDS as $key) {
            unset($fields[$key]);
        }
        return $fields;
    }

    /**
     * The field the extension's message blames first. Its messages read
     * `zone ID (NAME): FIELD …; FIELD …`, so the first zone field named in
     * the first problem is the one the form should highlight.
     */
    private static function blamedField(string $message): ?string
    {
        if (!preg_match('/^zone (?:row|at index \d+|\S+)(?: \([^)]*\))?: (.*)$/s', $message, $m)) {
            return null;
        }
        $first = explode('; ', $m[1], 2)[0];
        preg_match_all('/[a-z_]+/', $first, $words);
        $fields = self::COMMON_ZONE_FIELDS;
        foreach (DnsZoneManager::providers() as $provider) {
            array_push($fields, ...array_column($provider['fields'], 'name'));
        }
        foreach ($words[0] as $word) {
            if (in_array($word, $fields, true)) {
                return $word;
            }
        }
        return null;
    }

    private static function actionList(): string
    {
        $actions = array_keys(self::ACTIONS);
        return implode(', ', array_slice($actions, 0, -1)) . ' or ' . end($actions);
    }
}
