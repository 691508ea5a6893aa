#!/usr/bin/env python3
"""A fake of the Cloudflare API v4 subset that puq_dns uses, for tests.

Standard library only. ``python3 tests/fakes/cloudflare.py [--port N]
[--host 127.0.0.1] [--verbose]`` binds 127.0.0.1 only, prints ``PORT=<n>`` as
its first stdout line and serves the API under ``/client/v4`` (a zone row's
``api_url`` is ``http://127.0.0.1:<n>/client/v4``) until SIGTERM/SIGINT.
Zones, tokens, records and faults are set through the unauthenticated control
API under ``/__control`` (``Handler.CONTROL_ROUTES``, tests/fakes/README.md).

Where the behaviour comes from
  * developers.cloudflare.com: the envelope and result_info, bearer tokens,
    the batch endpoint (deletes -> patches -> puts -> posts in one database
    transaction) and its Free-plan limit of 200; List DNS Records
    (/api/resources/dns/subresources/records/methods/list/): ``per_page``
    "Number of DNS records per page", minimum 1, maximum 5000000, default 100.
  * Real answers quoted in public code: 6003 "Invalid request headers" with
    error_chain 6111 "Invalid format for Authorization header"; 7003 "Could not
    route to <path>, perhaps your object identifier is invalid?"; 7000 "No
    route for that URI"; 9005 "Content for A record must be a valid IPv4
    address." (older answers wrap it as 1004 "DNS Validation Error" with an
    error_chain: fault ``wrap_validation_errors``); 81053/81054 CNAME clashes;
    81058 "An identical record already exists."; 429 with 971 "Please wait and
    consider throttling your request speed"; 6008 "Invalid request parameters"
    with error_chain 11000 "per_page variable must be a number between 1 and
    1000" (quoted in cloudflare-go PR #129 for /user/billing/history: the
    shape of an out-of-range ``per_page`` or ``page`` here, with this
    endpoint's bounds; its HTTP status, 400, is assumed).
  * ../shared/PROVIDERS.md: 9109, 10000, 81044, 1000 (/user/tokens/verify),
    TTL 1 or 60..86400, retry-after and x-ratelimit-* headers.

Assumed or simplified (not confirmed against the real API)
  * Codes 9000 (name), 9006 (AAAA content), 9007 (other content), 9020 (type),
    9021 (TTL), 9004 (not proxiable), 9207 (body shape), 6007 (bad JSON), 7001
    (wrong method), 1004 for bad match/order and batch arguments; 5xx bodies.
  * Fault ``page_cap`` (a listing page holds at most that many records, and
    result_info.per_page says so, whatever ``per_page`` asked) is a test
    device for paging, not documented Cloudflare behaviour.
  * A name without a trailing dot outside the zone is taken as relative and
    gets the zone appended (``www.example.org`` in example.com becomes
    ``www.example.org.example.com``); with a trailing dot it is refused (1004).
    A zone created with ``"out_of_zone": "reject"`` refuses both.
  * A failed batch always answers HTTP 400 with the failing item's error.
  * Listing order: type, name, content. AAAA content is stored compressed; a
    trailing dot is dropped from hostname content. Proxied records get ttl 1.
  * Types A/AAAA/PTR/CNAME/TXT/MX/NS only; MX priority defaults to 0.
"""
import argparse
import ipaddress
import json
import re
import secrets
import signal
import sys
import threading
import time
from collections import deque
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PREFIX = "/client/v4"
RECORD_TYPES = ("A", "AAAA", "PTR", "CNAME", "TXT", "MX", "NS")
PROXIABLE = ("A", "AAAA", "CNAME")
HOSTNAME_CONTENT = ("PTR", "CNAME", "NS", "MX")
# GET /zones/{id}/dns_records: per_page 1..5000000 (developers.cloudflare.com,
# List DNS Records); the retired api.cloudflare.com reference said 5..100.
MAX_PER_PAGE = 5000000
NAME_RE = re.compile(r"^[a-z0-9_*/-]+(\.[a-z0-9_*/-]+)*$")
DEFAULT_FAULTS = {
    "latency_ms": 0,
    "fail_next": {"count": 0, "status": 500, "body": "json"},   # body "html": an edge error page
    "rate_limit_next": {"count": 0, "retry_after": 1},
    # {"limit": L, "window_s": W, "retry_after": S}: more than L requests within
    # W seconds -> 429 for every request in the next S seconds (real: 1200/300 s).
    "rate_limit": None,
    # A listing page holds at most this many records whatever per_page asks
    # (result_info.per_page says how many), so that paging can be tested
    # without millions of records; null: per_page as asked.
    "page_cap": None,
    "wrap_validation_errors": False,
    "batch_limit": 200,
    "batch_limit_scope": "list",   # "list": per action list; "total": whole batch
    # The next `count` API requests of `route` (a stats key such as
    # "GET /zones/{id}/dns_records"; null: any) to `zone` (a zone id; null:
    # any), after the first `skip` of them, wait before anything else is
    # done with them until POST /__control/release (or `timeout_s`), so a
    # test can act while a client is in the middle of a call.
    "hold": {"route": None, "zone": None, "skip": 0, "count": 0, "timeout_s": 60},
}


class ApiError(Exception):
    """An error answer: HTTP status plus one Cloudflare error object."""

    def __init__(self, status, code, message, chain=None, headers=None, validation=False):
        super().__init__(message)
        self.status, self.code, self.message, self.chain = status, code, message, chain
        self.headers, self.validation, self.html = headers or {}, validation, False

    def error_obj(self):
        err = {"code": self.code, "message": self.message}
        if self.chain:
            err["error_chain"] = self.chain
        return err


def invalid(code, message):
    """A DNS validation error (code 9xxx), wrapped in 1004 if so configured."""
    return ApiError(400, code, message, validation=True)


def now_iso():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_id():
    return secrets.token_hex(16)


def envelope(result=None, errors=None, result_info=None):
    body = {"success": not errors, "errors": errors or [], "messages": [], "result": result}
    if result_info is not None:
        body["result_info"] = result_info
    return body


def fqdn(name, zone_name, mode="append"):
    """Lower-case, fully qualified, no trailing dot; "@" is the apex."""
    if not isinstance(name, str) or not name.strip():
        raise invalid(9000, "DNS name is invalid.")
    name = name.strip().lower()
    absolute, name = name.endswith("."), name.rstrip(".")
    if name in ("@", ""):
        return zone_name
    if name != zone_name and not name.endswith("." + zone_name):
        if absolute or mode == "reject":
            raise ApiError(400, 1004, "DNS Validation Error", chain=[
                {"code": 9000, "message": "DNS name %s is not in zone %s." % (name, zone_name)}])
        name = name + "." + zone_name
    if len(name) > 253 or not NAME_RE.match(name) or any(len(l) > 63 for l in name.split(".")):
        raise invalid(9000, "DNS name is invalid.")
    return name


def make_record(zone, f, old=None):
    ts = now_iso()
    rec = {"id": f["id"], "zone_id": zone["id"], "zone_name": zone["name"], "name": f["name"],
           "type": f["type"], "content": f["content"], "proxiable": f["type"] in PROXIABLE,
           "proxied": f["proxied"], "ttl": f["ttl"], "locked": False, "settings": {},
           "meta": {"auto_added": False, "source": "primary"}, "comment": f.get("comment"),
           "tags": f.get("tags") or [], "created_on": old["created_on"] if old else ts,
           "modified_on": ts}
    if f["type"] == "MX":
        rec["priority"] = f.get("priority") or 0
    return rec


def validate_fields(entry, body, old=None, partial=False):
    """Check a record body as POST (no old), PUT or PATCH (partial) would.

    Returns the normalised fields; raises ApiError for the first problem."""
    if not isinstance(body, dict):
        raise ApiError(400, 9207, "Request body is invalid.")
    src = dict(old) if (old and partial) else {}
    src.update({k: v for k, v in body.items() if k != "id"})
    rtype = src.get("type")
    if not isinstance(rtype, str) or rtype.upper() not in RECORD_TYPES:
        raise invalid(9020, "Invalid DNS record type")
    rtype = rtype.upper()
    name = fqdn(src.get("name"), entry["zone"]["name"], entry["out_of_zone"])
    content = src.get("content")
    bad_content = invalid(9007, "Content for %s record is invalid." % rtype)
    if rtype in ("A", "AAAA"):
        cls, code, ver = ((ipaddress.IPv4Address, 9005, "IPv4") if rtype == "A"
                          else (ipaddress.IPv6Address, 9006, "IPv6"))
        try:
            content = cls(content if isinstance(content, str) else "").compressed
        except ValueError:
            raise invalid(code, "Content for %s record must be a valid %s address." % (rtype, ver))
    elif not isinstance(content, str) or not content:
        raise bad_content
    elif rtype in HOSTNAME_CONTENT:
        content = content.strip().rstrip(".")
        if not NAME_RE.match(content.lower()):
            raise bad_content
    ttl = src.get("ttl", 1)
    if isinstance(ttl, bool) or not isinstance(ttl, int) or not (ttl == 1 or 60 <= ttl <= 86400):
        raise invalid(9021, "Invalid TTL. Must be between 60 and 86400 seconds, or 1 for Automatic.")
    proxied = src.get("proxied", False)
    if not isinstance(proxied, bool):
        raise invalid(9003, "Invalid 'proxied' value, must be a boolean")
    if proxied and rtype not in PROXIABLE:
        raise invalid(9004, "This record type cannot be proxied.")
    comment = src.get("comment")
    if comment is not None and not isinstance(comment, str):
        raise invalid(9101, "Invalid comment")
    return {"id": old["id"] if old else new_id(), "type": rtype, "name": name,
            "content": content, "ttl": 1 if proxied else ttl, "proxied": proxied,
            "comment": comment or None, "tags": src.get("tags") or [], "priority": src.get("priority")}


def check_conflicts(records, f, skip_id=None):
    """81058 for an identical record (type, name, content); 81053/81054 for CNAME clashes."""
    fold = (lambda c: c.lower()) if f["type"] in HOSTNAME_CONTENT else (lambda c: c)
    for r in records.values():
        if r["id"] == skip_id or r["name"] != f["name"]:
            continue
        if r["type"] == f["type"] and fold(r["content"]) == fold(f["content"]):
            raise ApiError(400, 81058, "An identical record already exists.")
        if f["type"] == "CNAME" and r["type"] in ("A", "AAAA", "CNAME"):
            raise ApiError(400, 81053, "An A, AAAA, or CNAME record with that host already exists.")
        if r["type"] == "CNAME" and f["type"] in ("A", "AAAA"):
            raise ApiError(400, 81054, "A CNAME record with that host already exists.")


# The three write operations work on a records dict (the zone's, or a batch's
# copy); edits store a new dict so that a copy never shares a changed record.
def op_create(entry, records, body):
    f = validate_fields(entry, body)
    check_conflicts(records, f)
    rec = records[f["id"]] = make_record(entry["zone"], f)
    return rec


def op_edit(entry, records, rid, body, partial):
    old = records.get(rid)
    if old is None:
        raise ApiError(404, 81044, "Record does not exist.")
    f = validate_fields(entry, body, old=old, partial=partial)
    check_conflicts(records, f, skip_id=rid)
    rec = records[rid] = make_record(entry["zone"], f, old=old)
    return rec


def op_delete(records, rid):
    if rid not in records:
        raise ApiError(404, 81044, "Record does not exist.")
    return records.pop(rid)


class Store:
    """All state of the fake, guarded by one lock."""

    def __init__(self):
        self.lock = threading.RLock()
        self.zones = {}    # zone id -> {"zone": zone object, "records": {id: record}, "out_of_zone": mode}
        self.tokens = {}   # token -> "*" or a set of zone ids
        self.gate = threading.Event()   # set: held requests go on
        self.waiting = 0                # held requests waiting on the gate now
        self.reset_faults()
        self.reset_stats()

    def reset_faults(self):
        with self.lock:
            self.faults = json.loads(json.dumps(DEFAULT_FAULTS))
            self.window, self.blocked_until = deque(), 0.0
            self.gate.set()

    def reset_stats(self):
        with self.lock:
            # lists: the query of every dns_records listing, with its zone.
            self.stats = {"requests": 0, "by_route": {}, "batches": [], "lists": []}

    def add_zone(self, body):
        zid, name = body.get("id") or new_id(), str(body.get("name", "")).lower().rstrip(".")
        if not name:
            raise ApiError(400, 1000, "zone name required")
        ts = now_iso()
        zone = {"id": zid, "name": name, "status": "active", "paused": False, "type": "full",
                "development_mode": 0, "name_servers": ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"],
                "original_name_servers": None, "original_registrar": None,
                "account": {"id": body.get("account_id") or new_id(),
                            "name": body.get("account_name", "Fake account")},
                "plan": {"id": "0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee", "name": "Free Website"},
                "permissions": [], "meta": {}, "created_on": ts, "modified_on": ts, "activated_on": ts}
        with self.lock:
            if zid in self.zones:
                raise ApiError(409, 1061, "zone %s already exists" % zid)
            self.zones[zid] = {"zone": zone, "records": {}, "out_of_zone": body.get("out_of_zone", "append")}
        return zone

    def add_token(self, body):
        token, zones = body.get("token"), body.get("zones", "*")
        if not token:
            raise ApiError(400, 1000, "token required")
        with self.lock:
            self.tokens[token] = "*" if zones == "*" else set(zones)
        return {"token": token, "zones": zones}

    def entry(self, zid):
        if zid not in self.zones:
            raise ApiError(404, 1001, "no zone %s" % zid)
        return self.zones[zid]

    def seed_record(self, zid, body):
        """Insert a record as given: no validation beyond qualifying the name."""
        with self.lock:
            z = self.entry(zid)
            rec = make_record(z["zone"], {
                "id": body.get("id") or new_id(), "type": str(body.get("type", "A")).upper(),
                "name": fqdn(body.get("name", "@"), z["zone"]["name"]), "content": body.get("content", ""),
                "ttl": body.get("ttl", 1), "proxied": bool(body.get("proxied", False)),
                "comment": body.get("comment"), "tags": body.get("tags"), "priority": body.get("priority")})
            z["records"][rec["id"]] = rec
            return rec

    def set_faults(self, body):
        """Merge a faults body: omitted keys stay, {"reset": true} clears first."""
        if body.get("reset"):
            self.reset_faults()
        with self.lock:
            for key, val in body.items():
                if key == "reset":
                    continue
                if key not in DEFAULT_FAULTS:
                    raise ApiError(400, 1000, "unknown fault key %s" % key)
                if isinstance(self.faults[key], dict) and isinstance(val, dict):
                    self.faults[key].update(val)
                else:
                    self.faults[key] = val
                if key == "rate_limit":
                    self.window, self.blocked_until = deque(), 0.0
                if key == "hold" and self.faults["hold"]["count"] > 0:
                    self.gate.clear()
            return self.faults

    def held(self):
        with self.lock:
            return {"waiting": self.waiting, "to_hold": self.faults["hold"]["count"]}

    def release(self):
        """Lets every held request go on, and holds no more."""
        with self.lock:
            self.faults["hold"]["count"] = 0
            self.gate.set()
            return self.held()


def int_param(q, key, default, low, high):
    raw = q.get(key, [""])[0]
    if raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ApiError(400, 6008, "Invalid request parameters", chain=[
            {"code": 11000, "message": "%s variable must be a number between %d and %d" % (key, low, high)}])
    return int(raw)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, the body waits
    # ~40 ms for the client's delayed ACK on every answer.
    disable_nagle_algorithm = True
    # (method, path pattern under /client/v4, handler); a "zone" group is authorised per token
    API_ROUTES = [
        ("GET", r"/user/tokens/verify", "h_verify"),
        ("GET", r"/zones/(?P<zone>[^/]+)", "h_zone"),
        ("GET", r"/zones/(?P<zone>[^/]+)/dns_records", "h_list"),
        ("POST", r"/zones/(?P<zone>[^/]+)/dns_records", "h_create"),
        ("POST", r"/zones/(?P<zone>[^/]+)/dns_records/batch", "h_batch"),
        ("GET", r"/zones/(?P<zone>[^/]+)/dns_records/(?P<rid>[^/]+)", "h_get"),
        ("PATCH", r"/zones/(?P<zone>[^/]+)/dns_records/(?P<rid>[^/]+)", "h_patch"),
        ("PUT", r"/zones/(?P<zone>[^/]+)/dns_records/(?P<rid>[^/]+)", "h_put"),
        ("DELETE", r"/zones/(?P<zone>[^/]+)/dns_records/(?P<rid>[^/]+)", "h_delete"),
    ]
    # (method, path pattern under /__control, fn(store, body, **groups) -> JSON answer)
    CONTROL_ROUTES = [
        ("POST", r"/zones", lambda s, b: s.add_zone(b)),
        ("POST", r"/tokens", lambda s, b: s.add_token(b)),
        ("POST", r"/zones/(?P<zone>[^/]+)/records", lambda s, b, zone: s.seed_record(zone, b)),
        ("GET", r"/zones/(?P<zone>[^/]+)/records", lambda s, b, zone: list(s.entry(zone)["records"].values())),
        ("GET", r"/faults", lambda s, b: s.faults),
        ("POST", r"/faults", lambda s, b: s.set_faults(b)),
        ("GET", r"/stats", lambda s, b: s.stats),
        ("POST", r"/stats/reset", lambda s, b: s.reset_stats() or {"ok": True}),
        ("GET", r"/held", lambda s, b: s.held()),
        ("POST", r"/release", lambda s, b: s.release()),
    ]

    def version_string(self):
        return "cloudflare"   # the real API's Server header

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("%s %s\n" % (self.log_date_time_string(), fmt % args))

    def do_GET(self):
        self.dispatch(self.command)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    # --- plumbing ------------------------------------------------------------
    @property
    def store(self):
        return self.server.store

    def send_json(self, status, obj, headers=None, html=None):
        data = html if html is not None else json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html" if html is not None else "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.end_headers()
        self.wfile.write(data)

    def send_error_env(self, err):
        if err.html:
            page = b"<html><body><h1>%d Server Error</h1></body></html>" % err.status
            return self.send_json(err.status, None, html=page)
        obj = err.error_obj()
        if err.validation and self.store.faults["wrap_validation_errors"]:
            obj = {"code": 1004, "message": "DNS Validation Error", "error_chain": [obj]}
        self.send_json(err.status, envelope(errors=[obj]), err.headers)

    def read_body(self):
        """Read the whole body (Content-Length or chunked) so keep-alive stays in step."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                chunk = self.rfile.read(size + 2)   # the chunk and its CRLF
                if size == 0:
                    return data
                data += chunk[:-2]
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def json_body(self):
        try:
            return json.loads(self.raw_body) if self.raw_body else {}
        except ValueError:
            raise ApiError(400, 6007, "Malformed JSON in request body")

    @staticmethod
    def match(routes, method, path):
        """-> (handler, groups, route key such as "GET /zones/{id}"); else 405 or 404."""
        path_hit = False
        for m, pattern, handler in routes:
            hit = re.fullmatch(pattern, path)
            path_hit = path_hit or bool(hit)
            if hit and m == method:
                key = re.sub(r"\(\?P<(\w+)>[^)]*\)",
                             lambda g: "{id}" if g.group(1) == "zone" else "{record_id}", pattern)
                return handler, hit.groupdict(), "%s %s" % (m, key)
        if path_hit:
            raise ApiError(405, 7001, "Method %s not allowed for api route" % method)
        raise ApiError(404, 7000, "No route for that URI")

    def dispatch(self, method):
        url = urlsplit(self.path)
        self.query = parse_qs(url.query, keep_blank_values=True)
        self.raw_body = self.read_body()
        try:
            if url.path.startswith("/__control/"):
                handler, groups, _ = self.match(self.CONTROL_ROUTES, method,
                                                url.path[len("/__control"):].rstrip("/"))
                body = self.json_body()
                with self.store.lock:
                    answer = json.loads(json.dumps(handler(self.store, body, **groups), default=sorted))
                return self.send_json(200, answer)
            if url.path == PREFIX or url.path.startswith(PREFIX + "/"):
                return self.api(method, url.path[len(PREFIX):].rstrip("/") or "/")
            raise ApiError(404, 7000, "No route for that URI")
        except ApiError as err:
            self.send_error_env(err)

    # --- API -----------------------------------------------------------------
    def api(self, method, path):
        """Count, delay, inject faults, route, authenticate, then handle."""
        try:
            name, groups, key = self.match(self.API_ROUTES, method, path)
        except ApiError:
            name, groups, key = None, {}, "%s <unrouted>" % method
        s = self.store
        with s.lock:
            s.stats["requests"] += 1
            s.stats["by_route"][key] = s.stats["by_route"].get(key, 0) + 1
            if name == "h_batch":
                try:
                    s.stats["batches"].append(json.loads(self.raw_body or b"{}"))
                except ValueError:
                    s.stats["batches"].append(self.raw_body.decode("utf-8", "replace"))
            if name == "h_list":
                listed = {k: v[0] for k, v in self.query.items()}
                listed["zone"] = groups.get("zone")
                s.stats["lists"].append(listed)
            latency = s.faults["latency_ms"]
            hold = s.faults["hold"]
            held = (hold["count"] > 0 and hold["route"] in (None, key)
                    and hold.get("zone") in (None, groups.get("zone")))
            if held and hold.get("skip", 0) > 0:
                hold["skip"] -= 1
                held = False
            elif held:
                hold["count"] -= 1
                s.waiting += 1
        if held:
            s.gate.wait(timeout=hold["timeout_s"])
            with s.lock:
                s.waiting -= 1
        if latency:
            time.sleep(latency / 1000.0)
        self.check_faults()
        if name is None:
            self.match(self.API_ROUTES, method, path)   # raises the 404 or 405
        token = self.authenticate(verify=name == "h_verify")
        if "zone" in groups:
            self.authorize(token, groups["zone"], path)
        getattr(self, name)(**groups)

    def check_faults(self):
        """Rate limits first (Cloudflare's edge answers them), then injected 5xx."""
        s, now = self.store, time.time()
        with s.lock:
            f, rl, retry = s.faults, s.faults["rate_limit"], None
            if f["rate_limit_next"]["count"] > 0:
                f["rate_limit_next"]["count"] -= 1
                retry = f["rate_limit_next"]["retry_after"]
            elif rl:
                s.window.append(now)
                while s.window and s.window[0] <= now - rl["window_s"]:
                    s.window.popleft()
                if now < s.blocked_until:
                    retry = max(1, int(s.blocked_until - now + 0.999))
                elif len(s.window) > rl["limit"]:
                    s.blocked_until, retry = now + rl["retry_after"], rl["retry_after"]
            if retry is not None:
                raise ApiError(429, 971, "Please wait and consider throttling your request speed",
                               headers={"Retry-After": retry, "X-RateLimit-Limit": rl["limit"] if rl else 1200,
                                        "X-RateLimit-Remaining": 0, "X-RateLimit-Reset": retry})
            fail = f["fail_next"]
            if fail["count"] <= 0:
                return
            fail["count"] -= 1
            err = (ApiError(503, 10001, "Service unavailable") if fail["status"] == 503
                   else ApiError(fail["status"], 10000, "Internal server error"))
            err.html = fail.get("body") == "html"
            raise err

    def authenticate(self, verify=False):
        """As the real API: 400 6003/6111 for a malformed header, then 403 9109 (401 1000 on verify)."""
        parts = (self.headers.get("Authorization") or "").split(" ")
        if len(parts) != 2 or parts[0] != "Bearer" or not parts[1]:
            raise ApiError(400, 6003, "Invalid request headers",
                           chain=[{"code": 6111, "message": "Invalid format for Authorization header"}])
        with self.store.lock:
            if parts[1] not in self.store.tokens:
                raise ApiError(401, 1000, "Invalid API Token") if verify else \
                    ApiError(403, 9109, "Invalid access token")
        return parts[1]

    def authorize(self, token, zid, path):
        """A scoped token sees 10000 for any other zone; a "*" token sees 7003 for a missing one."""
        with self.store.lock:
            scope = self.store.tokens[token]
            if scope != "*" and zid not in scope:
                raise ApiError(403, 10000, "Authentication error")
            if zid not in self.store.zones:
                raise ApiError(404, 7003, "Could not route to %s, perhaps your object identifier is invalid?" % path)

    def ok(self, result, result_info=None):
        self.send_json(200, envelope(result, result_info=result_info))

    def h_verify(self):
        self.ok({"id": new_id(), "status": "active"})

    def h_zone(self, zone):
        self.ok(self.store.zones[zone]["zone"])

    def h_list(self, zone):
        """Filters name/name.exact/.contains/.startswith/.endswith, type, content; match; order."""
        q = self.query
        page = int_param(q, "page", 1, 1, 10 ** 9)
        per_page = int_param(q, "per_page", 100, 1, MAX_PER_PAGE)
        match, order = q.get("match", ["all"])[0], q.get("order", ["type"])[0]
        if match not in ("all", "any") or order not in ("type", "name", "content", "ttl", "proxied"):
            raise ApiError(400, 1004, "Invalid match or order argument")
        tests = []
        for key, vals in q.items():
            field, _, op = key.partition(".")
            op = op or "exact"
            if field in ("name", "type", "content") and op in ("exact", "contains", "startswith", "endswith"):
                for v in vals:
                    if field == "name":
                        v = v.lower().rstrip(".") if op == "exact" else v.lower()
                    tests.append((field, op, v.upper() if field == "type" else v))

        def hit(rec, field, op, v):
            val = rec[field].lower() if field == "name" else rec[field]
            return {"exact": val == v, "contains": v in val,
                    "startswith": val.startswith(v), "endswith": val.endswith(v)}[op]
        with self.store.lock:
            recs = list(self.store.zones[zone]["records"].values())
        combine = all if match == "all" else any
        recs = [r for r in recs if not tests or combine(hit(r, *t) for t in tests)]
        keys = [order] + [k for k in ("type", "name", "content") if k != order]
        recs.sort(key=lambda r: tuple(r[k] for k in keys), reverse=q.get("direction", ["asc"])[0] == "desc")
        cap = self.store.faults["page_cap"]
        if cap:
            per_page = min(per_page, cap)
        chunk = recs[(page - 1) * per_page: page * per_page]
        self.ok(chunk, {"page": page, "per_page": per_page, "count": len(chunk),
                        "total_count": len(recs), "total_pages": (len(recs) + per_page - 1) // per_page})

    def h_get(self, zone, rid):
        rec = self.store.zones[zone]["records"].get(rid)
        if rec is None:
            raise ApiError(404, 81044, "Record does not exist.")
        self.ok(rec)

    def h_create(self, zone):
        body = self.json_body()
        with self.store.lock:
            entry = self.store.zones[zone]
            self.ok(op_create(entry, entry["records"], body))

    def h_patch(self, zone, rid, partial=True):
        body = self.json_body()
        with self.store.lock:
            entry = self.store.zones[zone]
            self.ok(op_edit(entry, entry["records"], rid, body, partial))

    def h_put(self, zone, rid):
        self.h_patch(zone, rid, partial=False)

    def h_delete(self, zone, rid):
        with self.store.lock:
            op_delete(self.store.zones[zone]["records"], rid)
        self.ok({"id": rid})

    def h_batch(self, zone):
        """One transaction: apply to a copy and swap it in only when every item succeeded."""
        body = self.json_body()
        lists = {k: (body.get(k) or []) if isinstance(body, dict) else None
                 for k in ("deletes", "patches", "puts", "posts")}
        if any(not isinstance(v, list) for v in lists.values()):
            raise ApiError(400, 9207, "Request body is invalid: deletes, patches, puts and posts must be arrays.")
        with self.store.lock:
            limit, scope = self.store.faults["batch_limit"], self.store.faults["batch_limit_scope"]
            total = sum(len(v) for v in lists.values())
            if scope == "total" and total > limit:
                raise ApiError(400, 1004, "Batch contains %d operations; the limit is %d." % (total, limit))
            for k, v in lists.items():
                if len(v) > limit:
                    raise ApiError(400, 1004, "Batch contains %d %s; the limit is %d per list." % (len(v), k, limit))
            entry = self.store.zones[zone]
            work, result = dict(entry["records"]), {k: [] for k in lists}
            rid = lambda item: item.get("id") if isinstance(item, dict) else None
            try:
                result["deletes"] = [op_delete(work, rid(item)) for item in lists["deletes"]]
                result["patches"] = [op_edit(entry, work, rid(i), i, True) for i in lists["patches"]]
                result["puts"] = [op_edit(entry, work, rid(i), i, False) for i in lists["puts"]]
                result["posts"] = [op_create(entry, work, i) for i in lists["posts"]]
            except ApiError as err:
                err.status = 400
                raise
            entry["records"] = work
        self.ok(result)


class FakeServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128   # the default 5 drops bursts of parallel connections

    def __init__(self, port=0, verbose=False):
        super().__init__(("127.0.0.1", port), Handler)
        self.store, self.verbose = Store(), verbose


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--verbose", action="store_true", help="log each request to stderr")
    args = ap.parse_args(argv)
    if args.host not in ("127.0.0.1", "localhost"):
        ap.error("this fake only binds 127.0.0.1")
    server = FakeServer(args.port, args.verbose)
    print("PORT=%d" % server.server_address[1], flush=True)

    def stop(signum, frame):   # shutdown() waits for serve_forever, so not from this thread
        threading.Thread(target=server.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
