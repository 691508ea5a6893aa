#!/usr/bin/env python3
"""A fake of the HestiaCP API subset that puq_dns uses, for tests.

Standard library only (plus the ``openssl`` command for ``--tls``).
``python3 tests/fakes/hestia.py [--port N] [--verbose] [--tls [--cert F --key F]]``
binds 127.0.0.1 only, prints ``PORT=<n>`` as its first stdout line (with
``--tls`` also ``CERT=<PEM file of its certificate>`` as the second) and serves
``POST /api/`` (and ``/api/index.php``) until SIGTERM/SIGINT (exit code 0).
Users, DNS domains, records, the admin password and faults are set through the
unauthenticated control API under ``/__control`` (``Handler.CONTROL_ROUTES``,
tests/fakes/README.md). It never contacts any other address.

Where the behaviour comes from (hestiacp/hestiacp sources: web/api/index.php,
web/inc/helpers.php, func/main.sh, func/domain.sh, bin/v-add-dns-record,
bin/v-delete-dns-record, bin/v-list-dns-records, bin/v-list-dns-domain,
bin/v-restart-dns)
  * index.php: form fields when ``user``/``hash``/``access_key`` is among the
    POST fields, else a JSON body; neither -> HTTP 405 "Error: data received is
    null or invalid, check https://hestiacp.com/docs/server-administration/
    rest-api.html". Only the ``argN`` (1..13) that are present are passed on, in
    order and trimmed, so a missing arg6 shifts arg7 one place left.
  * index.php api_error(): errors found by index.php itself carry the header
    ``Hestia-Exit-Code`` and an HTTP status from exit_code_to_http_code()
    (helpers.php): 1->400, 2->422, 5/6/9/10->401, 11->400, else 400. The body
    is the code (``returncode=yes``) or "Error: <text>". So: user other than
    "admin" -> 10, no password -> 9, wrong password -> 9 (all HTTP 401,
    "Error: authentication failed"); empty cmd -> 2 "Error: Command not
    provided"; cmd not matching ^[a-zA-Z0-9_-]+$ -> 2 "Error: <cmd> command
    invalid" (HTTP 422); API disabled -> 11 (HTTP 400), whose body carries
    "Error: API has been disabled" before api_error's own text (a real quirk).
  * index.php legacy answer of a command that ran: HTTP 200; ``returncode=yes``
    -> the exit code; else the command's stdout lines joined with "\\n" plus a
    final "\\n", or "OK" when stdout is empty -- whatever the exit code (it
    tests the login check's status, not the command's). Hence an unknown
    command answers "OK" with returncode=no and 1 with returncode=yes (sudo's
    exit code for a missing command; the 1 is sudo's documented behaviour).
  * main.sh: check_result prints "Error: <text>" on stdout; check_args prints
    "Usage: <script> <options>" (exit 1) only when too FEW args are given;
    is_object_valid -> 3 "user U doesn't exist", "dns domain D doesn't
    exist", "<domain> id <ID> doesn't exist"; is_object_new -> 4 "ID=<id>
    already exists"; is_format_valid checks only non-empty values:
    user, domain ("invalid domain format :: D": no _ / * , : etc., not all
    digits, no "..", not "www"), record (is_common_format_valid: "invalid record
    format :: R"), rtype ("invalid dns record type format :: T", known: A AAAA
    NS CNAME MX TXT SRV DNSKEY KEY IPSECKEY PTR SPF TLSA CAA DS), dvalue
    (A: "invalid ip format :: V"; NS/MX: "invalid ns_record/mx_record format
    :: V" without the trailing dot; MX priority: "invalid priority_record
    format :: P"), id / ttl ("invalid id format :: X", "invalid ttl format ::
    X"), a newline in a value ("invalid value :: V"). format_domain lower-cases
    DOMAIN, drops a leading "www." and leading/trailing dots.
  * v-add-dns-record: RECORD lower-cased, TYPE upper-cased; PRIORITY defaults
    to 10 and is emptied for types other than MX/SRV; a trailing dot is added
    to the value of any type matching NS|CNAME|MX|PTR|SRV (unanchored, so
    DNSKEY too); double quotes are stripped (not for CAA) and a value with a
    space or ";" is wrapped in double quotes (not for SRV); the new ID is the
    highest ID + 1 (1 in an empty zone); records stay sorted by ID; is_dns_fqnd:
    NS/SRV values need 3 dots, CNAME/MX/PTR 2 ("<T> record <V> should be a
    fully qualified domain name (FQDN)", 2); an NS inside the zone needs its A
    record (3 "IN A <name>.<domain> does not exist"); prints nothing on
    success; TTL is stored only when given; then ``v-restart-dns $RESTART``.
  * v-delete-dns-record: the last A or the last NS record of a zone cannot be
    deleted (2 "at least one A record should remain active").
  * v-restart-dns: "no" -> nothing; otherwise the DNS server is reloaded.
  * update_domain_serial: SERIAL becomes YYYYMMDD01, or +1 on the same day.

Assumed or simplified (not confirmed against the real API)
  * The JSON shapes of v-list-dns-domain (with DNSSEC and KEY) and of
    v-list-dns-records (with TTL; a record without its own TTL shows the
    zone's) follow ../shared/PROVIDERS.md; the stored scripts found were older.
    JSON is printed with json.dumps(indent=4); an empty zone prints "{\\n}".
  * v-list-dns-domain and v-list-dns-records do not format DOMAIN (no
    lower-casing), but both check the user and domain formats.
  * AAAA values are not checked (as in the shell scripts found); the newer
    PHP validator's "invalid AAAA record format" is available with
    ``POST /__control/config {"strict_aaaa": true}`` (exit 2).
  * RESTART "scheduled" (and "" with SCHEDULED_RESTART=yes) queues the reload
    for cron on the real server; the fake counts every RESTART other than
    "no" as an immediate reload. The reload never fails.
  * No IDN conversion; no package limits, suspension, DNS cluster or demo mode.
  * Access keys (``access_key``+``secret_key``, or ``hash`` "ACCESS:SECRET"
    of 20+40 characters) are never configured: 9 "Error: Access key <id>
    doesn't exist" (HTTP 401); a legacy ``hash`` -> 9 "Error: authentication
    failed". API_ALLOWED_IP is allow-all.
  * Content-Type of every API answer: "text/html; charset=UTF-8" (PHP's
    default); other paths: an nginx-like 404 page.
"""
import argparse
import ipaddress
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

API_PATHS = ("/api/", "/api/index.php")
DOCS_URL = "https://hestiacp.com/docs/server-administration/rest-api.html"
E_ARGS, E_INVALID, E_NOTEXIST, E_EXISTS = 1, 2, 3, 4
E_PASSWORD, E_FORBIDDEN, E_DISABLED = 9, 10, 11
KNOWN_DNSTYPE = "A,AAAA,NS,CNAME,MX,TXT,SRV,DNSKEY,KEY,IPSECKEY,PTR,SPF,TLSA,CAA,DS"
DNS_COMMANDS = ("v-list-dns-domain", "v-list-dns-records", "v-add-dns-record", "v-delete-dns-record")
PHP_TRIM = " \t\n\r\0\x0b"
DEFAULT_ADMIN = {"user": "admin", "password": "secret"}
DEFAULT_CONFIG = {"api": True, "strict_aaaa": False}
DEFAULT_FAULTS = {
    "latency_ms": 0,
    "fail_next": {"count": 0, "status": 500},
    # the next n commands (optionally only those named "cmd") exit with "code",
    # printing "text" (an empty text answers "OK" with returncode=no, as Hestia would)
    "exit_code_next": {"count": 0, "code": 14, "text": "Error: fault injected by the fake", "cmd": None},
}


def http_code(exit_code):
    """exit_code_to_http_code() of web/inc/helpers.php."""
    return {0: 200, 1: 400, 2: 422, 5: 401, 6: 401, 9: 401, 10: 401, 11: 400}.get(exit_code, 400)


class CmdExit(Exception):
    """A Hestia script ending: exit code plus the lines it printed on stdout."""

    def __init__(self, code, lines):
        super().__init__(code)
        self.code, self.lines = code, lines


def check_result(code, text):
    raise CmdExit(code, ["Error: " + text])


class ApiError(Exception):
    """web/api/index.php api_error(): its own HTTP status and Hestia-Exit-Code."""

    def __init__(self, exit_code, message, hst_return, prefix=""):
        super().__init__(message)
        self.exit_code, self.message, self.hst_return, self.prefix = exit_code, message, hst_return, prefix

    def body(self):
        if self.hst_return == "code":
            return self.prefix + str(self.exit_code)
        msg = self.message.strip()
        return self.prefix + (msg if msg.startswith("Error:") else "Error: " + msg)


class ControlError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status, self.message = status, message


# --- func/main.sh validators ----------------------------------------------
def no_new_line(value):
    if "\n" in value:
        check_result(E_INVALID, "invalid value :: %s" % value)


def is_user_format_valid(value, name="user"):
    if len(value) == 1:
        ok = re.fullmatch(r"[A-Za-z0-9]", value)
    else:
        ok = re.fullmatch(r"[A-Za-z0-9][-|._A-Za-z0-9]{0,28}[A-Za-z0-9]", value)
    if not ok or not value.isascii():
        check_result(E_INVALID, "invalid %s format :: %s" % (name, value))


def is_domain_format_valid(value, name="domain"):
    if (re.search(r"[!|@#$^&*()+={}:,<>?_/\\\"';%` ]", value) or re.fullmatch(r"[0-9]+", value)
            or ".." in value or "\t" in value or value == "www"):
        check_result(E_INVALID, "invalid %s format :: %s" % (name, value))
    no_new_line(value)


def is_common_format_valid(value, name):
    bad = (re.search(r"[!|#$^&()+={}:<>?/\\\"';%` ]", value) or len(value) >= 400
           or ("@" in value and len(value) > 1)
           or ("*" in value and "*." not in value and value != "*")
           or re.match(r"[^a-zA-Z0-9_*@.]", value[-1:]) or ".." in value
           or re.match(r"[^a-zA-Z0-9_*@]", value[:1]) or "--" in value or "__" in value)
    if bad:
        check_result(E_INVALID, "invalid %s format :: %s" % (name, value))
    no_new_line(value)


def is_int_format_valid(value, name):
    if not re.fullmatch(r"[0-9]+", value):
        check_result(E_INVALID, "invalid %s format :: %s" % (name, value))


def is_ip_format_valid(value, name="ip"):
    octet = r"([1-9]?[0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])"
    clean = value.rsplit("/", 1)[0] if "/" in value else value
    if not re.fullmatch(r"\.".join([octet] * 4), clean):
        check_result(E_INVALID, "invalid %s format :: %s" % (name, value))
    if value != clean:
        cidr = value[len(clean) + 1:]
        if (cidr.isdigit() and int(cidr) > 32) or (not cidr.isdigit() and set(cidr) & set(":alnum")):
            check_result(E_INVALID, "invalid %s format :: %s" % (name, value))


def is_dns_type_format_valid(rtype):
    # echo $known_dnstype | grep -w $1
    if not rtype or not re.search(r"(?<!\w)%s(?!\w)" % re.escape(rtype), KNOWN_DNSTYPE):
        check_result(E_INVALID, "invalid dns record type format :: %s" % rtype)


def format_domain(domain):
    """func/main.sh format_domain (ASCII only)."""
    domain = domain.lower()
    if domain.startswith("www."):
        domain = domain[4:]
    return domain.strip(".").strip(" \t")


def check_args(n, args, script, usage):
    if n > len(args):
        raise CmdExit(E_ARGS, ["Usage: %s %s" % (script, usage)])


def today():
    return time.strftime("%Y-%m-%d")


def now_time():
    return time.strftime("%H:%M:%S")


def id_key(rec):
    try:
        return (0, int(rec["ID"]), "")
    except ValueError:
        return (1, 0, rec["ID"])


class Store:
    """All state of the fake, guarded by one lock."""

    def __init__(self):
        self.lock = threading.RLock()
        self.reset_all()

    def reset_all(self):
        with self.lock:
            self.admin = dict(DEFAULT_ADMIN)
            self.config = dict(DEFAULT_CONFIG)
            self.users = {"admin": {}}   # user -> {domain: {"domain": {...}, "records": [...]}}
            self.inflight, self.inflight_total = {}, 0
            self.reset_faults()
            self.reset_stats()

    def reset_faults(self):
        with self.lock:
            self.faults = json.loads(json.dumps(DEFAULT_FAULTS))

    def reset_stats(self):
        with self.lock:
            self.stats = {"requests": 0, "by_cmd": {}, "commands": [], "auth_failures": 0,
                          "restarts": 0, "restarts_by_domain": {},
                          "max_concurrent": 0, "max_concurrent_by_domain": {}}

    # --- control ---------------------------------------------------------
    def add_user(self, body):
        user = str(body.get("user") or "")
        if not user:
            raise ControlError(400, "user required")
        with self.lock:
            if user in self.users:
                raise ControlError(409, "user %s already exists" % user)
            self.users[user] = {}
        return {"user": user}

    def set_admin(self, body):
        with self.lock:
            for key in ("user", "password"):
                if key in body:
                    self.admin[key] = str(body[key])
            if "api" in body:
                self.config["api"] = bool(body["api"])
            return {"user": self.admin["user"], "api": self.config["api"]}

    def set_config(self, body):
        with self.lock:
            for key, val in body.items():
                if key not in DEFAULT_CONFIG:
                    raise ControlError(400, "unknown config key %s" % key)
                self.config[key] = bool(val)
            return dict(self.config)

    def add_domain(self, body):
        user = str(body.get("user") or "")
        name = str(body.get("domain") or "").lower().rstrip(".")
        if not user or not name:
            raise ControlError(400, "user and domain required")
        ip = str(body.get("ip", "192.0.2.10"))
        ns = [str(body.get("ns1", "ns1.hestia.test")), str(body.get("ns2", "ns2.hestia.test"))]
        with self.lock:
            if any(name in doms for doms in self.users.values()):
                raise ControlError(409, "dns domain %s already exists" % name)
            self.users.setdefault(user, {})
            d, t = today(), now_time()
            dom = {"IP": ip, "TPL": str(body.get("tpl", "default")), "TTL": str(body.get("ttl", 14400)),
                   "EXP": (date.today() + timedelta(days=365)).isoformat(),
                   "SOA": str(body.get("soa", ns[0])), "SERIAL": date.today().strftime("%Y%m%d") + "01",
                   "SRC": "", "DNSSEC": "no", "KEY": "", "SUSPENDED": "no", "TIME": t, "DATE": d}
            entry = self.users[user][name] = {"domain": dom, "records": []}
            if body.get("defaults"):
                for rid, (rec, rtype, val) in enumerate(
                        [("@", "NS", ns[0] + "."), ("@", "NS", ns[1] + "."), ("@", "A", ip), ("www", "A", ip)], 1):
                    entry["records"].append(self.make_record(rid, rec, rtype, "", val, ""))
            return self.domain_view(user, name)

    @staticmethod
    def make_record(rid, record, rtype, priority, value, ttl, suspended="no"):
        return {"ID": str(rid), "RECORD": record, "TYPE": rtype, "PRIORITY": priority, "VALUE": value,
                "SUSPENDED": suspended, "TIME": now_time(), "DATE": today(), "TTL": ttl}

    def entry(self, user, domain):
        if user not in self.users or domain not in self.users[user]:
            raise ControlError(404, "no dns domain %s of user %s" % (domain, user))
        return self.users[user][domain]

    def domain_view(self, user, domain):
        e = self.entry(user, domain)
        dom = dict(e["domain"], RECORDS=str(len(e["records"])))
        order = ("IP", "TPL", "TTL", "EXP", "SOA", "SERIAL", "SRC", "RECORDS", "DNSSEC", "KEY",
                 "SUSPENDED", "TIME", "DATE")
        return {domain: {k: dom[k] for k in order}}

    def records_view(self, user, domain):
        e = self.entry(user, domain)
        ttl = e["domain"]["TTL"]
        out = []
        for r in e["records"]:
            out.append({"RECORD": r["RECORD"], "TYPE": r["TYPE"], "PRIORITY": r["PRIORITY"],
                        "VALUE": r["VALUE"], "ID": r["ID"], "SUSPENDED": r["SUSPENDED"],
                        "TIME": r["TIME"], "DATE": r["DATE"], "TTL": r["TTL"] or ttl})
        return out

    def seed_record(self, user, domain, body):
        """Insert a record as given (no validation); the ID defaults to max + 1."""
        with self.lock:
            e = self.entry(user, domain)
            rid = body.get("id")
            if rid is None or rid == "":
                rid = self.next_id(e["records"])
            rec = self.make_record(rid, str(body.get("record", "@")), str(body.get("type", "A")),
                                   str(body.get("priority", "") if body.get("priority") is not None else ""),
                                   str(body.get("value", "")),
                                   str(body.get("ttl")) if body.get("ttl") not in (None, "") else "",
                                   "yes" if body.get("suspended") else "no")
            e["records"] = sorted([r for r in e["records"] if r["ID"] != rec["ID"]] + [rec], key=id_key)
            return dict(rec)

    @staticmethod
    def next_id(records):
        nums = [int(r["ID"]) for r in records if re.fullmatch(r"[0-9]+", r["ID"])]
        return (max(nums) if nums else 0) + 1

    def set_faults(self, body):
        if body.get("reset"):
            self.reset_faults()
        with self.lock:
            for key, val in body.items():
                if key == "reset":
                    continue
                if key not in DEFAULT_FAULTS:
                    raise ControlError(400, "unknown fault key %s" % key)
                if isinstance(self.faults[key], dict) and isinstance(val, dict):
                    self.faults[key].update(val)
                else:
                    self.faults[key] = val
            return self.faults

    # --- the scripts -------------------------------------------------------
    def run(self, cmd, args):
        """Run one command -> (exit code, stdout lines)."""
        handler = COMMANDS.get(cmd)
        if handler is None:
            return 1, []   # sudo: .../bin/<cmd>: command not found (on stderr), exit 1
        try:
            with self.lock:
                lines = handler(self, args) or []
            return 0, lines
        except CmdExit as done:
            return done.code, done.lines

    def user_domain(self, user, domain):
        if not os.path.basename(user) == user or user not in self.users:
            check_result(E_NOTEXIST, "user %s doesn't exist" % user)
        if domain not in self.users[user]:
            check_result(E_NOTEXIST, "dns domain %s doesn't exist" % domain)
        return self.users[user][domain]

    def restart(self, user, domain, restart):
        """v-restart-dns $restart after a change: anything but "no" reloads."""
        if restart != "no":
            key = "%s/%s" % (user, domain)
            self.stats["restarts"] += 1
            self.stats["restarts_by_domain"][key] = self.stats["restarts_by_domain"].get(key, 0) + 1

    @staticmethod
    def bump_serial(entry):
        dom, day = entry["domain"], date.today().strftime("%Y%m%d")
        serial = dom.get("SERIAL", "")
        if serial[:8] == day and serial[8:].isdigit():
            dom["SERIAL"] = day + "%02d" % (int(serial[8:]) + 1)
        else:
            dom["SERIAL"] = day + "01"

    def cmd_list_domain(self, args):
        check_args(2, args, "v-list-dns-domain", "USER DOMAIN [FORMAT]")
        user, domain = args[0], args[1]
        fmt = args[2] if len(args) > 2 else "shell"
        self.validate(user=user, domain=domain)
        self.user_domain(user, domain)
        obj = self.domain_view(user, domain)[domain]
        if fmt == "json":
            return json.dumps({domain: obj}, indent=4).split("\n")
        fields = ["DOMAIN"] + list(obj)
        values = [domain] + list(obj.values())
        if fmt == "plain":
            return ["\t".join(values)]
        if fmt == "csv":
            return [",".join(fields), ",".join(values)]
        if fmt == "shell":
            return ["%-16s%s" % (k + ":", v) for k, v in zip(fields, values)]
        return []

    def cmd_list_records(self, args):
        check_args(2, args, "v-list-dns-records", "USER DOMAIN [FORMAT]")
        user, domain = args[0], args[1]
        fmt = args[2] if len(args) > 2 else "shell"
        self.validate(user=user, domain=domain)
        self.user_domain(user, domain)
        recs = self.records_view(user, domain)
        if fmt == "json":
            if not recs:
                return ["{", "}"]
            return json.dumps({r["ID"]: r for r in recs}, indent=4).split("\n")
        keys = ("ID", "RECORD", "TYPE", "PRIORITY", "VALUE", "SUSPENDED", "TIME", "DATE", "TTL")
        if fmt == "plain":
            return ["\t".join(r[k] for k in keys) for r in recs]
        if fmt == "csv":
            return [",".join(keys)] + [",".join('"%s"' % r[k] if k == "VALUE" else r[k] for k in keys)
                                       for r in recs]
        if fmt == "shell":
            return ["ID RECORD TYPE VALUE DATE", "-- ------ ---- ----- ----"] + [
                " ".join((r["ID"], r["RECORD"], r["TYPE"], r["VALUE"][:30], r["DATE"])) for r in recs]
        return []

    def validate(self, **values):
        """is_format_valid for the given names, in the order given (empty values skipped)."""
        for name, value in values.items():
            if not value:
                continue
            if name == "user":
                is_user_format_valid(value)
            elif name == "domain":
                is_domain_format_valid(value)
            elif name == "record":
                is_common_format_valid(value, "record")
            elif name == "rtype":
                is_dns_type_format_valid(value)
            elif name in ("id", "ttl"):
                is_int_format_valid(value, name)

    def cmd_add_record(self, args):
        a = list(args) + [""] * (9 - len(args))
        user, domain, record, rtype, dvalue, priority, rid, restart, ttl = a[:9]
        domain = format_domain(domain)
        record, rtype = record.lower(), rtype.upper()
        priority = priority or "10"
        if rtype not in ("MX", "SRV"):
            priority = ""
        if re.search("NS|CNAME|MX|PTR|SRV", rtype) and not dvalue.endswith("."):
            dvalue += "."
        if rtype != "CAA":
            dvalue = dvalue.replace('"', "")
            if rtype != "SRV" and re.search(r"[;\s]", dvalue):
                dvalue = '"%s"' % dvalue
        check_args(5, args, "v-add-dns-record", "USER DOMAIN RECORD TYPE VALUE [PRIORITY] [ID] [RESTART] [TTL]")
        self.validate(user=user, domain=domain, record=record, rtype=rtype)
        if dvalue:   # is_dns_record_format_valid
            if rtype == "A":
                is_ip_format_valid(dvalue)
            if rtype == "NS":
                is_domain_format_valid(dvalue[:-1], "ns_record")
            if rtype == "MX":
                is_domain_format_valid(dvalue[:-1], "mx_record")
                is_int_format_valid(priority, "priority_record")
            if rtype == "AAAA" and self.config["strict_aaaa"]:
                try:
                    ipaddress.IPv6Address(dvalue)
                except ValueError:
                    check_result(E_INVALID, "invalid AAAA record format")
            no_new_line(dvalue)
        entry = self.user_domain(user, domain)
        records = entry["records"]
        if not rid:
            rid = str(self.next_id(records))
        self.validate(id=rid)
        if any(r["ID"] == rid for r in records):
            check_result(E_EXISTS, "ID=%s already exists" % rid)
        if re.search(r"^NS|CNAME|MX|PTR|SRV", rtype):   # is_dns_fqnd
            need = 2 if rtype in ("CNAME", "MX", "PTR") else 3
            if dvalue.count(".") < need:
                check_result(E_INVALID, "%s record %s should be a fully qualified domain name (FQDN)"
                             % (rtype, re.sub(r"\.$", "", dvalue)))
        if rtype == "NS" and re.search("." + domain + ".$", dvalue):   # is_dns_nameserver_valid
            suffix = "." + domain + "."
            a_record = dvalue[:-len(suffix)] if dvalue.endswith(suffix) else dvalue
            if not any(r["RECORD"] == a_record and r["TYPE"] == "A" for r in records):
                check_result(E_NOTEXIST, "IN A %s.%s does not exist" % (a_record, domain))
        self.validate(ttl=ttl)
        records.append(self.make_record(rid, record, rtype, priority, dvalue, ttl))
        records.sort(key=id_key)
        self.bump_serial(entry)
        self.restart(user, domain, restart)
        return []

    def cmd_delete_record(self, args):
        a = list(args) + [""] * (4 - len(args))
        user, domain, rid, restart = a[:4]
        domain = format_domain(domain)
        check_args(3, args, "v-delete-dns-record", "USER DOMAIN ID [RESTART]")
        self.validate(user=user, domain=domain, id=rid)
        entry = self.user_domain(user, domain)
        rec = next((r for r in entry["records"] if r["ID"] == rid), None)
        if rec is None:
            check_result(E_NOTEXIST, "%s id %s doesn't exist" % (domain, rid))
        if rec["TYPE"] in ("A", "NS") and sum(r["TYPE"] == rec["TYPE"] for r in entry["records"]) <= 1:
            check_result(E_INVALID, "at least one %s record should remain active" % rec["TYPE"])
        entry["records"].remove(rec)
        self.bump_serial(entry)
        self.restart(user, domain, restart)
        return []

    def cmd_restart_dns(self, args):
        if not args or args[0] != "no":
            self.stats["restarts"] += 1
        return []


COMMANDS = {
    "v-list-dns-domain": Store.cmd_list_domain,
    "v-list-dns-records": Store.cmd_list_records,
    "v-add-dns-record": Store.cmd_add_record,
    "v-delete-dns-record": Store.cmd_delete_record,
    "v-restart-dns": Store.cmd_restart_dns,
}

HTML_PAGE = ("<html>\r\n<head><title>{s} {r}</title></head>\r\n<body>\r\n<center><h1>{s} {r}</h1></center>\r\n"
             "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
REASONS = {404: "Not Found", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Temporarily Unavailable",
           504: "Gateway Time-out"}


def php_string(value):
    """A JSON value as PHP's trim() sees it; None -> not set."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, the body waits
    # ~40 ms for the client's delayed ACK on every answer.
    disable_nagle_algorithm = True
    # (method, path pattern under /__control, fn(store, body, **groups) -> JSON answer)
    CONTROL_ROUTES = [
        ("POST", r"/users", lambda s, b: s.add_user(b)),
        ("POST", r"/admin", lambda s, b: s.set_admin(b)),
        ("GET", r"/config", lambda s, b: s.config),
        ("POST", r"/config", lambda s, b: s.set_config(b)),
        ("POST", r"/domains", lambda s, b: s.add_domain(b)),
        ("GET", r"/domains/(?P<user>[^/]+)/(?P<domain>[^/]+)", lambda s, b, user, domain: s.domain_view(user, domain)),
        ("POST", r"/domains/(?P<user>[^/]+)/(?P<domain>[^/]+)/records",
         lambda s, b, user, domain: s.seed_record(user, domain, b)),
        ("GET", r"/domains/(?P<user>[^/]+)/(?P<domain>[^/]+)/records",
         lambda s, b, user, domain: s.records_view(user, domain)),
        ("GET", r"/faults", lambda s, b: s.faults),
        ("POST", r"/faults", lambda s, b: s.set_faults(b)),
        ("GET", r"/stats", lambda s, b: s.stats),
        ("POST", r"/stats/reset", lambda s, b: s.reset_stats() or {"ok": True}),
        ("POST", r"/reset", lambda s, b: s.reset_all() or {"ok": True}),
    ]

    def version_string(self):
        return "nginx"

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("%s %s\n" % (self.log_date_time_string(), fmt % args))

    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    @property
    def store(self):
        return self.server.store

    def send(self, status, body, ctype="text/html; charset=UTF-8", headers=None):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def read_body(self):
        """Read the whole body (Content-Length or chunked) so keep-alive stays in step."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                chunk = self.rfile.read(size + 2)
                if size == 0:
                    return data
                data += chunk[:-2]
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def dispatch(self):
        path = urlsplit(self.path).path
        self.raw_body = self.read_body()
        if path.startswith("/__control/"):
            return self.control(path[len("/__control"):].rstrip("/"))
        self.api(path)

    def control(self, path):
        try:
            for method, pattern, fn in self.CONTROL_ROUTES:
                hit = re.fullmatch(pattern, path)
                if hit and method == self.command:
                    try:
                        body = json.loads(self.raw_body) if self.raw_body else {}
                    except ValueError:
                        raise ControlError(400, "malformed JSON")
                    if not isinstance(body, dict):
                        raise ControlError(400, "body must be a JSON object")
                    with self.store.lock:
                        answer = json.loads(json.dumps(fn(self.store, body, **hit.groupdict())))
                    return self.send(200, json.dumps(answer), "application/json")
            raise ControlError(404, "no control route %s %s" % (self.command, path))
        except ControlError as err:
            self.send(err.status, json.dumps({"error": err.message}), "application/json")

    # --- API -----------------------------------------------------------------
    def request_data(self):
        """$_POST when it holds user/hash/access_key, else the JSON body (None if neither)."""
        form = {}
        if self.command == "POST" and "application/x-www-form-urlencoded" in self.headers.get("Content-Type", ""):
            form = dict(parse_qsl(self.raw_body.decode("utf-8", "replace"), keep_blank_values=True))
        if any(k in form for k in ("access_key", "user", "hash")):
            return form
        try:
            data = json.loads(self.raw_body.decode("utf-8")) if self.raw_body else None
        except ValueError:
            data = None
        if not isinstance(data, dict) or not data:
            return None
        return {k: php_string(v) for k, v in data.items() if v is not None}

    @staticmethod
    def positional(data):
        return [data["arg%d" % i].strip(PHP_TRIM) for i in range(1, 14) if data.get("arg%d" % i) is not None]

    def api(self, path):
        s = self.store
        data = self.request_data() if path in API_PATHS else None
        cmd = (data.get("cmd") or "").strip(PHP_TRIM) if data else None
        args = self.positional(data) if data else []
        key = None
        if cmd in DNS_COMMANDS and len(args) >= 2:
            key = "%s/%s" % (args[0], format_domain(args[1]))
        with s.lock:
            st = s.stats
            st["requests"] += 1
            if data is not None and "cmd" in data:
                st["by_cmd"][cmd] = st["by_cmd"].get(cmd, 0) + 1
                st["commands"].append({"cmd": cmd, "args": args, "returncode": data.get("returncode") or "no"})
            s.inflight_total += 1
            st["max_concurrent"] = max(st["max_concurrent"], s.inflight_total)
            if key:
                s.inflight[key] = s.inflight.get(key, 0) + 1
                st["max_concurrent_by_domain"][key] = max(st["max_concurrent_by_domain"].get(key, 0),
                                                          s.inflight[key])
            latency = s.faults["latency_ms"]
        # A request is in flight until its answer is made, not until it is
        # sent: the client may send its next request as soon as it has read
        # the answer, before this thread would get to count this one done.
        headers = {}
        try:
            if latency:
                time.sleep(latency / 1000.0)
            with s.lock:
                fail = s.faults["fail_next"]
                failing = fail["count"] > 0
                if failing:
                    fail["count"] -= 1
                    status = int(fail["status"])
            if failing:
                body = HTML_PAGE.format(s=status, r=REASONS.get(status, "Error"))
            elif path not in API_PATHS:
                status, body = 404, HTML_PAGE.format(s=404, r="Not Found")
            else:
                try:
                    status, body = 200, self.answer(data)
                except ApiError as err:
                    status, body = (err.exit_code if err.exit_code >= 100 else http_code(err.exit_code)), err.body()
                    headers = {"Hestia-Exit-Code": err.exit_code}
                    if err.exit_code in (E_PASSWORD, E_FORBIDDEN):
                        with s.lock:
                            s.stats["auth_failures"] += 1
        finally:
            with s.lock:
                s.inflight_total -= 1
                if key:
                    s.inflight[key] -= 1
        self.send(status, body, headers=headers)

    def answer(self, data):
        """web/api/index.php from 'Get request data' on; returns the body of an HTTP 200."""
        if data is None:
            raise ApiError(405, "Error: data received is null or invalid, check " + DOCS_URL, "")
        hash_ = data.get("hash")
        if data.get("access_key") is None and hash_ is not None and hash_.count(":") == 1:
            access, secret = hash_.split(":")
            if len(access) == 20 and len(secret) == 40:
                data = dict(data, access_key=access, secret_key=secret)
                data.pop("hash")
        ret = "code" if data.get("returncode") == "yes" else "data"
        if data.get("access_key") is not None and data.get("secret_key") is not None:
            return self.api_connection(data, ret)
        if data.get("user") is not None or data.get("hash") is not None:
            return self.api_legacy(data, ret)
        raise ApiError(405, "Error: data received is null or invalid, check " + DOCS_URL, "")

    @staticmethod
    def check_cmd(cmd, ret):
        if not cmd:
            raise ApiError(E_INVALID, "Command not provided", ret)
        if not re.fullmatch(r"[a-zA-Z0-9_-]+", cmd):
            raise ApiError(E_INVALID, "%s command invalid" % cmd, ret)

    def api_connection(self, data, ret):
        cmd = data.get("cmd", "").strip(PHP_TRIM)
        self.check_cmd(cmd, ret)
        access = data["access_key"].strip(PHP_TRIM)
        if not access or not data["secret_key"].strip(PHP_TRIM):
            raise ApiError(E_PASSWORD, "Authentication failed", ret)
        raise ApiError(E_PASSWORD, "Error: Access key %s doesn't exist" % os.path.basename(access), ret)

    def api_legacy(self, data, ret):
        s = self.store
        with s.lock:
            admin, api_on = dict(s.admin), s.config["api"]
        if not api_on:
            raise ApiError(E_DISABLED, "Error: API Disabled", ret, prefix="Error: API has been disabled")
        if data.get("hash") in (None, "", "0"):   # PHP empty()
            if data.get("user") != admin["user"]:
                raise ApiError(E_FORBIDDEN, "Error: authentication failed", ret)
            if data.get("password") is None:
                raise ApiError(E_PASSWORD, "Error: authentication failed", ret)
            if data["password"] != admin["password"]:
                raise ApiError(E_PASSWORD, "Error: authentication failed", ret)
        else:
            raise ApiError(E_PASSWORD, "Error: authentication failed", ret)   # no API keys configured
        cmd = data.get("cmd", "").strip(PHP_TRIM)
        self.check_cmd(cmd, ret)
        args = self.positional(data)
        with s.lock:
            inject = s.faults["exit_code_next"]
            if inject["count"] > 0 and inject.get("cmd") in (None, "", cmd):
                inject["count"] -= 1
                code, text = int(inject["code"]), inject.get("text") or ""
                lines = text.split("\n") if text else []
            else:
                code, lines = s.run(cmd, args)
        if ret == "code":
            return str(code)
        return "\n".join(lines) + "\n" if lines else "OK"


class FakeServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, port=0, verbose=False, ssl_context=None):
        super().__init__(("127.0.0.1", port), Handler)
        self.store, self.verbose, self.ssl_context = Store(), verbose, ssl_context

    def finish_request(self, request, client_address):
        """With TLS the handshake happens here, in the connection's own thread."""
        if self.ssl_context is None:
            return super().finish_request(request, client_address)
        request.settimeout(30)
        try:
            conn = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as err:
            if self.verbose:
                sys.stderr.write("TLS handshake failed: %s\n" % err)
            return
        try:
            self.RequestHandlerClass(conn, client_address, self)
        finally:
            conn.close()

    def handle_error(self, request, client_address):
        if self.verbose:
            super().handle_error(request, client_address)


OPENSSL_CNF = """[req]
distinguished_name = dn
x509_extensions = v3_ca
[dn]
[v3_ca]
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always,issuer
basicConstraints = critical, CA:true
"""


def make_certificate(directory):
    """A fresh self-signed P-256 certificate marked as a CA, like a default Hestia install's."""
    cnf, cert, key = (os.path.join(directory, n) for n in ("openssl.cnf", "cert.pem", "key.pem"))
    with open(cnf, "w") as f:
        f.write(OPENSSL_CNF)
    subprocess.run(["openssl", "req", "-x509", "-config", cnf, "-newkey", "ec",
                    "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                    "-subj", "/CN=hestia.test", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return cert, key


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--verbose", action="store_true", help="log each request to stderr")
    ap.add_argument("--tls", action="store_true", help="serve HTTPS with a fresh self-signed certificate")
    ap.add_argument("--cert", help="PEM certificate to serve (implies --tls; needs --key)")
    ap.add_argument("--key", help="PEM private key of --cert")
    args = ap.parse_args(argv)
    if args.host not in ("127.0.0.1", "localhost"):
        ap.error("this fake only binds 127.0.0.1")
    if bool(args.cert) != bool(args.key):
        ap.error("--cert and --key go together")
    tmpdir, ctx, cert, holder = None, None, None, {"server": None, "stop": False}

    def stop(signum, frame):   # shutdown() waits for serve_forever, so not from this thread
        holder["stop"] = True
        if holder["server"] is not None:
            threading.Thread(target=holder["server"].shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)   # before anything else: a stop during start-up also exits 0
    signal.signal(signal.SIGINT, stop)
    try:
        if args.tls or args.cert:
            if args.cert:
                cert, key = args.cert, args.key
            else:
                tmpdir = tempfile.mkdtemp(prefix="hestia-fake-")
                cert, key = make_certificate(tmpdir)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(cert, key)
        server = holder["server"] = FakeServer(args.port, args.verbose, ctx)
        print("PORT=%d" % server.server_address[1], flush=True)
        if cert:
            print("CERT=%s" % os.path.abspath(cert), flush=True)
        try:
            if not holder["stop"]:
                server.serve_forever(poll_interval=0.2)
        finally:
            server.server_close()
    finally:
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
