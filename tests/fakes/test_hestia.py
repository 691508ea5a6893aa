"""Tests of the fake HestiaCP API (tests/fakes/hestia.py).

Run from the repository root:
    python3 -m unittest discover -s tests/fakes -p 'test_*.py'
Each test starts the fake as a subprocess on a free 127.0.0.1 port.
"""
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE = os.path.join(HERE, "hestia.py")
DOCS = "https://hestiacp.com/docs/server-administration/rest-api.html"
USAGE_ADD = "Usage: v-add-dns-record USER DOMAIN RECORD TYPE VALUE [PRIORITY] [ID] [RESTART] [TTL]\n"


class FakeProcess:
    """The fake as a subprocess; reads PORT= (and CERT=) from its stdout."""

    def __init__(self, *extra):
        self.proc = subprocess.Popen([sys.executable, FAKE] + list(extra), stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("PORT="):
            raise AssertionError("first line %r, stderr %r" % (line, self.proc.stderr.read()))
        self.port = int(line.split("=", 1)[1])
        self.cert = None
        if "--tls" in extra or "--cert" in extra:
            line = self.proc.stdout.readline().strip()
            if not line.startswith("CERT="):
                raise AssertionError("second line %r" % line)
            self.cert = line.split("=", 1)[1]

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=5)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self.proc.stdout.close()
            self.proc.stderr.close()


class HestiaTestCase(unittest.TestCase):
    EXTRA = ()
    SCHEME = "http"

    def setUp(self):
        self.fake = FakeProcess(*self.EXTRA)
        self.base = "%s://127.0.0.1:%d" % (self.SCHEME, self.fake.port)
        self.context = ssl.create_default_context(cafile=self.fake.cert) if self.fake.cert else None
        self.control("POST", "/domains", {"user": "alice", "domain": "example.com", "ttl": 3600})

    def tearDown(self):
        self.assertEqual(self.fake.stop(), 0)

    # --- helpers -------------------------------------------------------------
    def request(self, method, path, data=None, headers=None, context=None):
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=10, context=context or self.context) as resp:
                return resp.status, resp.read().decode(), resp.headers
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode(), err.headers

    def control(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        status, text, _ = self.request(method, "/__control" + path, data, {"Content-Type": "application/json"})
        return status, json.loads(text)

    def post(self, fields, path="/api/"):
        """POST form fields: a list of (name, value) pairs, sent in that order."""
        data = urllib.parse.urlencode(fields).encode()
        return self.request("POST", path, data, {"Content-Type": "application/x-www-form-urlencoded"})

    def call(self, cmd, *args, returncode=None, user="admin", password="secret", fields=None):
        """A legacy API call; args become arg1..argN (None leaves that argN out)."""
        form = [("user", user)] if user is not None else []
        if password is not None:
            form.append(("password", password))
        if returncode is not None:
            form.append(("returncode", returncode))
        if cmd is not None:
            form.append(("cmd", cmd))
        form += [("arg%d" % i, a) for i, a in enumerate(args, 1) if a is not None]
        form += fields or []
        return self.post(form)

    def ok(self, cmd, *args):
        status, body, _ = self.call(cmd, *args)
        self.assertEqual((status, body), (200, "OK"), (cmd, args))

    def fails(self, code, text, cmd, *args):
        """The command fails with exit code `code` and prints `text` (both answer forms)."""
        self.assertEqual(self.call(cmd, *args, returncode="yes")[:2], (200, str(code)), (cmd, args))
        status, body, _ = self.call(cmd, *args)
        self.assertEqual((status, body), (200, text + "\n"), (cmd, args))

    def records(self, user="alice", domain="example.com"):
        status, body, _ = self.call("v-list-dns-records", user, domain, "json")
        self.assertEqual(status, 200, body)
        return json.loads(body)

    def seed(self, user="alice", domain="example.com", **rec):
        status, obj = self.control("POST", "/domains/%s/%s/records" % (user, domain), rec)
        self.assertEqual(status, 200, obj)
        return obj

    def stats(self):
        return self.control("GET", "/stats")[1]


class FakeHestiaTest(HestiaTestCase):
    # --- transport, request data and authentication -------------------------
    def test_paths_and_content_type(self):
        self.seed(record="@", type="A", value="192.0.2.1")
        st, body, hdrs = self.call("v-list-dns-domain", "alice", "example.com", "json")
        self.assertEqual(st, 200)
        self.assertEqual(hdrs["Content-Type"], "text/html; charset=UTF-8")
        st2, body2, _ = self.post([("user", "admin"), ("password", "secret"), ("cmd", "v-list-dns-domain"),
                                   ("arg1", "alice"), ("arg2", "example.com"), ("arg3", "json")],
                                  path="/api/index.php")
        self.assertEqual((st2, body2), (st, body))
        self.assertEqual(self.post([("user", "admin")], path="/api")[0], 404)
        self.assertEqual(self.request("GET", "/elsewhere")[0], 404)

    def test_no_request_data_is_405(self):
        msg = "Error: data received is null or invalid, check " + DOCS
        for data, ctype in ((b"", "application/x-www-form-urlencoded"), (b"cmd=v-restart-dns",
                            "application/x-www-form-urlencoded"), (b"{}", "application/json"),
                            (b"[1]", "application/json"), (b"not json", "text/plain")):
            st, body, hdrs = self.request("POST", "/api/", data, {"Content-Type": ctype})
            self.assertEqual((st, body, hdrs["Hestia-Exit-Code"]), (405, msg, "405"), data)
        self.assertEqual(self.request("GET", "/api/")[:2], (405, msg))

    def test_json_body(self):
        body = {"user": "admin", "password": "secret", "returncode": "no", "cmd": "v-add-dns-record",
                "arg1": "alice", "arg2": "example.com", "arg3": "vm1", "arg4": "A", "arg5": "192.0.2.7",
                "arg6": None, "arg7": 42, "arg8": "no", "arg9": 300}
        st, text, _ = self.request("POST", "/api/", json.dumps(body).encode(), {"Content-Type": "application/json"})
        # arg6 null is left out, so 42 is PRIORITY and "no" the ID
        self.assertEqual((st, text), (200, "Error: invalid id format :: no\n"))
        self.assertEqual(self.records(), {})
        body.update(arg6="", arg7="", returncode="yes")
        st, text, _ = self.request("POST", "/api/", json.dumps(body).encode(), {"Content-Type": "application/json"})
        self.assertEqual((st, text), (200, "0"))
        self.assertEqual(self.records()["1"]["TTL"], "300")

    def test_wrong_password_and_non_admin(self):
        for kwargs, code in (({"password": "nope"}, 9), ({"password": None}, 9), ({"password": ""}, 9),
                             ({"user": "alice"}, 10), ({"user": "Admin"}, 10)):
            for rc, body in (("yes", str(code)), ("no", "Error: authentication failed"), (None, None)):
                st, text, hdrs = self.call("v-restart-dns", returncode=rc, **kwargs)
                self.assertEqual(st, 401, kwargs)
                self.assertEqual(hdrs["Hestia-Exit-Code"], str(code))
                self.assertEqual(text, body or "Error: authentication failed", (kwargs, rc))
        stats = self.stats()
        self.assertEqual(stats["auth_failures"], 15)
        self.assertEqual(stats["restarts"], 0)
        self.assertNotIn("nope", json.dumps(stats))
        self.assertNotIn("secret", json.dumps(stats))

    def test_change_admin_password(self):
        self.assertEqual(self.control("POST", "/admin", {"password": "n3w pass"})[0], 200)
        self.assertEqual(self.call("v-restart-dns", returncode="yes")[:2], (401, "9"))
        self.assertEqual(self.call("v-restart-dns", returncode="yes", password="n3w pass")[:2], (200, "0"))

    def test_keys_are_not_configured(self):
        st, text, hdrs = self.call("v-restart-dns", user=None, password=None, fields=[("hash", "abc")])
        self.assertEqual((st, text, hdrs["Hestia-Exit-Code"]), (401, "Error: authentication failed", "9"))
        ak, sk = "A" * 20, "s" * 40
        st, text, _ = self.call("v-restart-dns", user=None, password=None,
                                fields=[("access_key", ak), ("secret_key", sk)])
        self.assertEqual((st, text), (401, "Error: Access key %s doesn't exist" % ak))
        st, text, _ = self.call("v-restart-dns", user=None, password=None, returncode="yes",
                                fields=[("hash", ak + ":" + sk)])
        self.assertEqual((st, text), (401, "9"))

    def test_api_disabled(self):
        self.control("POST", "/admin", {"api": False})
        st, text, hdrs = self.call("v-restart-dns")
        self.assertEqual((st, text, hdrs["Hestia-Exit-Code"]),
                         (400, "Error: API has been disabledError: API Disabled", "11"))
        self.assertEqual(self.call("v-restart-dns", returncode="yes")[:2], (400, "Error: API has been disabled11"))

    def test_cmd_format(self):
        st, text, hdrs = self.call("")
        self.assertEqual((st, text, hdrs["Hestia-Exit-Code"]), (422, "Error: Command not provided", "2"))
        self.assertEqual(self.call(None, returncode="yes")[:2], (422, "2"))
        self.assertEqual(self.call("v-list-users;id")[:2], (422, "Error: v-list-users;id command invalid"))
        self.assertEqual(self.call("  v-restart-dns  ", returncode="yes")[:2], (200, "0"))

    def test_unknown_command(self):
        self.assertEqual(self.call("v-list-sys-config", "json", returncode="yes")[:2], (200, "1"))
        # stdout is empty, and index.php answers OK whatever the exit code
        self.assertEqual(self.call("v-list-sys-config", "json")[:2], (200, "OK"))

    # --- listing -------------------------------------------------------------
    def test_list_dns_domain(self):
        self.seed(record="@", type="A", value="192.0.2.1")
        st, body, _ = self.call("v-list-dns-domain", "alice", "example.com", "json")
        self.assertEqual(st, 200)
        self.assertTrue(body.endswith("}\n"))
        dom = json.loads(body)
        self.assertEqual(list(dom), ["example.com"])
        d = dom["example.com"]
        self.assertEqual(list(d), ["IP", "TPL", "TTL", "EXP", "SOA", "SERIAL", "SRC", "RECORDS", "DNSSEC",
                                   "KEY", "SUSPENDED", "TIME", "DATE"])
        self.assertTrue(all(isinstance(v, str) for v in d.values()))
        self.assertEqual((d["TTL"], d["RECORDS"], d["TPL"], d["SUSPENDED"]), ("3600", "1", "default", "no"))
        self.assertRegex(d["SERIAL"], r"^\d{8}01$")
        self.fails(3, "Error: user bob doesn't exist", "v-list-dns-domain", "bob", "example.com", "json")
        self.fails(3, "Error: dns domain example.org doesn't exist",
                   "v-list-dns-domain", "alice", "example.org", "json")
        self.control("POST", "/domains", {"user": "carol", "domain": "example.net"})
        self.fails(3, "Error: dns domain example.net doesn't exist",
                   "v-list-dns-domain", "alice", "example.net", "json")
        self.fails(1, "Usage: v-list-dns-domain USER DOMAIN [FORMAT]", "v-list-dns-domain", "alice")
        self.fails(2, "Error: invalid domain format :: 0/26.2.0.192.in-addr.arpa",
                   "v-list-dns-domain", "alice", "0/26.2.0.192.in-addr.arpa", "json")

    def test_list_dns_records(self):
        self.assertEqual(self.call("v-list-dns-records", "alice", "example.com", "json")[:2], (200, "{\n}\n"))
        self.assertEqual(self.records(), {})
        self.seed(id=10, record="mail", type="MX", value="mx.example.com.", priority=10)
        self.seed(id=2, record="www", type="A", value="192.0.2.2", ttl=300)
        self.seed(id=1, record="@", type="A", value="192.0.2.1")
        recs = self.records()
        self.assertEqual(list(recs), ["1", "2", "10"])
        self.assertEqual(recs["1"], {"RECORD": "@", "TYPE": "A", "PRIORITY": "", "VALUE": "192.0.2.1", "ID": "1",
                                     "SUSPENDED": "no", "TIME": recs["1"]["TIME"], "DATE": recs["1"]["DATE"],
                                     "TTL": "3600"})
        self.assertEqual((recs["2"]["TTL"], recs["10"]["PRIORITY"]), ("300", "10"))
        self.assertTrue(all(isinstance(v, str) for r in recs.values() for v in r.values()))
        self.assertRegex(recs["1"]["TIME"], r"^\d\d:\d\d:\d\d$")
        self.assertRegex(recs["1"]["DATE"], r"^\d{4}-\d\d-\d\d$")
        self.fails(3, "Error: dns domain nope.com doesn't exist", "v-list-dns-records", "alice", "nope.com", "json")
        self.fails(3, "Error: user bob doesn't exist", "v-list-dns-records", "bob", "example.com", "json")
        self.fails(2, "Error: invalid user format :: bad user", "v-list-dns-records", "bad user", "example.com")
        st, body, _ = self.call("v-list-dns-records", "alice", "example.com", "plain")
        self.assertEqual(len(body.strip("\n").split("\n")), 3)

    # --- adding --------------------------------------------------------------
    def test_add_record(self):
        self.ok("v-add-dns-record", "alice", "example.com", "@", "A", "192.0.2.1")
        self.assertEqual(self.call("v-add-dns-record", "alice", "Example.COM.", "VM1", "a", "192.0.2.5",
                                   returncode="yes")[:2], (200, "0"))
        recs = self.records()
        self.assertEqual(list(recs), ["1", "2"])
        self.assertEqual({k: recs["2"][k] for k in ("RECORD", "TYPE", "VALUE", "PRIORITY", "TTL", "SUSPENDED")},
                         {"RECORD": "vm1", "TYPE": "A", "VALUE": "192.0.2.5", "PRIORITY": "", "TTL": "3600",
                          "SUSPENDED": "no"})
        # no duplicate check
        self.ok("v-add-dns-record", "alice", "example.com", "vm1", "A", "192.0.2.5")
        self.assertEqual(len(self.records()), 3)
        # TTL after empty PRIORITY and ID; RESTART "no"
        self.ok("v-add-dns-record", "alice", "example.com", "vm2", "A", "192.0.2.6", "", "", "no", "120")
        self.assertEqual(self.records()["4"]["TTL"], "120")
        dom = json.loads(self.call("v-list-dns-domain", "alice", "example.com", "json")[1])["example.com"]
        self.assertEqual((dom["RECORDS"], dom["SERIAL"][8:]), ("4", "05"))

    def test_missing_args_shift_left(self):
        self.seed(record="@", type="A", value="192.0.2.1")
        # arg6 and arg7 left out: RESTART "no" becomes PRIORITY, TTL "300" the ID, and RESTART is empty
        st, body, _ = self.post([("user", "admin"), ("password", "secret"), ("cmd", "v-add-dns-record"),
                                 ("arg1", "alice"), ("arg2", "example.com"), ("arg3", "vm1"), ("arg4", "A"),
                                 ("arg5", "192.0.2.5"), ("arg8", "no"), ("arg9", "300")])
        self.assertEqual((st, body), (200, "OK"))
        rec = self.records()["300"]
        self.assertEqual((rec["RECORD"], rec["TTL"], rec["PRIORITY"]), ("vm1", "3600", ""))
        stats = self.stats()
        self.assertEqual(stats["commands"][-2]["args"], ["alice", "example.com", "vm1", "A", "192.0.2.5", "no", "300"])
        self.assertEqual((stats["restarts"], stats["restarts_by_domain"]), (1, {"alice/example.com": 1}))
        # with arg6 and arg7 sent empty, everything stays in place
        self.ok("v-add-dns-record", "alice", "example.com", "vm2", "A", "192.0.2.6", "", "", "no", "300")
        rec = self.records()["301"]
        self.assertEqual((rec["RECORD"], rec["TTL"]), ("vm2", "300"))
        self.assertEqual(self.stats()["restarts"], 1)
        # a gap anywhere shifts: arg3 missing makes the type the record name
        self.fails(2, "Error: invalid dns record type format :: 192.0.2.7",
                   "v-add-dns-record", "alice", "example.com", None, "A", "192.0.2.7", "10")

    def test_id_is_max_plus_one(self):
        for name in ("vm1", "vm2", "vm3"):
            self.ok("v-add-dns-record", "alice", "example.com", name, "A", "192.0.2.1")
        self.ok("v-delete-dns-record", "alice", "example.com", "3")
        self.ok("v-add-dns-record", "alice", "example.com", "vm4", "A", "192.0.2.4")
        self.assertEqual(self.records()["3"]["RECORD"], "vm4")
        self.ok("v-delete-dns-record", "alice", "example.com", "2")
        self.ok("v-add-dns-record", "alice", "example.com", "vm5", "A", "192.0.2.5")
        self.assertEqual(list(self.records()), ["1", "3", "4"])
        self.ok("v-add-dns-record", "alice", "example.com", "vm6", "A", "192.0.2.6", "", "2")
        self.assertEqual(list(self.records()), ["1", "2", "3", "4"])
        self.fails(4, "Error: ID=1 already exists", "v-add-dns-record", "alice", "example.com", "x", "A",
                   "192.0.2.9", "", "1")
        self.fails(2, "Error: invalid id format :: x1", "v-add-dns-record", "alice", "example.com", "x", "A",
                   "192.0.2.9", "", "x1")

    def test_value_formatting(self):
        add = lambda *a: self.ok("v-add-dns-record", "alice", "example.com", *a)
        add("www", "CNAME", "target.example.net")
        add("@", "MX", "mx.example.net")
        add("@", "MX", "mx2.example.net.", "20")
        add("@", "TXT", "v=spf1 a -all")
        add("q", "TXT", '"quoted"')
        add("_sip._tcp", "SRV", "5 5060 sip.example.net")
        add("@", "CAA", '0 issue "letsencrypt.org"')
        add("k", "DNSKEY", "257 3 13 AAAA")
        add("*.wild", "A", "192.0.2.9")
        add("v6", "aaaa", "2001:db8::1")
        got = [(r["RECORD"], r["TYPE"], r["PRIORITY"], r["VALUE"]) for r in self.records().values()]
        self.assertEqual(got, [
            ("www", "CNAME", "", "target.example.net."),
            ("@", "MX", "10", "mx.example.net."),
            ("@", "MX", "20", "mx2.example.net."),
            ("@", "TXT", "", '"v=spf1 a -all"'),
            ("q", "TXT", "", "quoted"),
            ("_sip._tcp", "SRV", "10", "5 5060 sip.example.net."),
            ("@", "CAA", "", '0 issue "letsencrypt.org"'),
            ("k", "DNSKEY", "", '"257 3 13 AAAA."'),   # DNSKEY matches NS|CNAME|MX|PTR|SRV
            ("*.wild", "A", "", "192.0.2.9"),
            ("v6", "AAAA", "", "2001:db8::1"),
        ])

    def test_validation(self):
        add = ("v-add-dns-record", "alice", "example.com")
        cases = [
            (2, "Error: invalid dns record type format :: BOGUS", ("x", "bogus", "1.2.3.4")),
            (2, "Error: invalid ip format :: 300.1.1.1", ("x", "A", "300.1.1.1")),
            (2, "Error: invalid ip format :: 192.0.2.1/33", ("x", "A", "192.0.2.1/33")),
            (2, 'Error: invalid ip format :: "192.0.2.1 x"', ("x", "A", "192.0.2.1 x")),
            (2, "Error: invalid record format :: bad name", ("bad name", "A", "192.0.2.1")),
            (2, "Error: invalid record format :: a..b", ("a..b", "A", "192.0.2.1")),
            (2, "Error: invalid record format :: -x", ("-x", "A", "192.0.2.1")),
            (2, "Error: invalid record format :: x-", ("x-", "A", "192.0.2.1")),
            (2, "Error: invalid record format :: @x", ("@x", "A", "192.0.2.1")),
            (2, "Error: invalid record format :: xn--bcher-kva", ("xn--bcher-kva", "A", "192.0.2.1")),
            (2, "Error: invalid ns_record format :: ns_1.example.net", ("@", "NS", "ns_1.example.net")),
            (2, "Error: NS record ns1.example should be a fully qualified domain name (FQDN)",
             ("@", "NS", "ns1.example")),
            (2, "Error: CNAME record target should be a fully qualified domain name (FQDN)",
             ("x", "CNAME", "target")),
            (2, "Error: PTR record host should be a fully qualified domain name (FQDN)", ("5", "PTR", "host.")),
            (2, "Error: invalid priority_record format :: high", ("@", "MX", "mx.example.net", "high")),
            (2, "Error: invalid mx_record format :: mx:example.net", ("@", "MX", "mx:example.net")),
            (2, "Error: invalid ttl format :: 1h", ("x", "A", "192.0.2.1", "", "", "no", "1h")),
            (1, USAGE_ADD.rstrip("\n"), ("x", "A")),
        ]
        for code, text, args in cases:
            self.fails(code, text, *(add + args))
        self.fails(2, "Error: invalid user format :: al ice", "v-add-dns-record", "al ice", "example.com", "x", "A",
                   "192.0.2.1")
        self.fails(3, "Error: user bob doesn't exist", "v-add-dns-record", "bob", "example.com", "x", "A",
                   "192.0.2.1")
        self.fails(3, "Error: dns domain example.org doesn't exist", "v-add-dns-record", "alice", "example.org",
                   "x", "A", "192.0.2.1")
        self.fails(2, "Error: invalid domain format :: 0/26.2.0.192.in-addr.arpa", "v-add-dns-record", "alice",
                   "0/26.2.0.192.in-addr.arpa", "5", "PTR", "vm5.example.com")
        self.assertEqual(self.records(), {})
        # AAAA values are not checked by the shell scripts; strict_aaaa mimics the newer validator
        self.ok("v-add-dns-record", "alice", "example.com", "v6", "AAAA", "not-an-ip")
        self.control("POST", "/config", {"strict_aaaa": True})
        self.fails(2, "Error: invalid AAAA record format", "v-add-dns-record", "alice", "example.com", "v6",
                   "AAAA", "not-an-ip")
        self.ok("v-add-dns-record", "alice", "example.com", "v6", "AAAA", "2001:db8::2")

    def test_in_zone_nameserver_needs_its_a_record(self):
        self.fails(3, "Error: IN A ns3.example.com does not exist", "v-add-dns-record", "alice", "example.com",
                   "@", "NS", "ns3.example.com")
        self.ok("v-add-dns-record", "alice", "example.com", "ns3", "A", "192.0.2.53")
        self.ok("v-add-dns-record", "alice", "example.com", "@", "NS", "ns3.example.com")
        self.ok("v-add-dns-record", "alice", "example.com", "@", "NS", "ns1.example.net")

    def test_reverse_zones(self):
        self.control("POST", "/domains", {"user": "alice", "domain": "2.0.192.in-addr.arpa"})
        nibble = "8.b.d.0.1.0.0.2.ip6.arpa"
        self.control("POST", "/domains", {"user": "alice", "domain": nibble})
        self.ok("v-add-dns-record", "alice", "2.0.192.IN-ADDR.ARPA.", "5", "PTR", "vm5.example.com")
        self.ok("v-add-dns-record", "alice", nibble, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0", "PTR",
                "vm5.example.com.")
        self.assertEqual(self.records(domain="2.0.192.in-addr.arpa")["1"]["VALUE"], "vm5.example.com.")
        self.assertEqual(self.records(domain=nibble)["1"]["TYPE"], "PTR")

    # --- deleting and restarting ---------------------------------------------
    def test_delete_record(self):
        self.seed(record="@", type="NS", value="ns1.example.net.")
        self.seed(record="@", type="A", value="192.0.2.1")
        self.seed(record="www", type="A", value="192.0.2.1")
        self.seed(record="@", type="TXT", value="hello")
        self.fails(3, "Error: example.com id 99 doesn't exist", "v-delete-dns-record", "alice", "example.com", "99")
        self.fails(2, "Error: invalid id format :: x", "v-delete-dns-record", "alice", "example.com", "x")
        self.fails(1, "Usage: v-delete-dns-record USER DOMAIN ID [RESTART]", "v-delete-dns-record", "alice",
                   "example.com")
        self.fails(2, "Error: at least one NS record should remain active", "v-delete-dns-record", "alice",
                   "example.com", "1")
        self.ok("v-delete-dns-record", "alice", "example.com", "4", "no")
        self.assertEqual(self.stats()["restarts"], 0)
        self.ok("v-delete-dns-record", "alice", "Example.com", "2")
        self.fails(2, "Error: at least one A record should remain active", "v-delete-dns-record", "alice",
                   "example.com", "3", "no")
        self.assertEqual(list(self.records()), ["1", "3"])
        stats = self.stats()
        self.assertEqual((stats["restarts"], stats["restarts_by_domain"]), (1, {"alice/example.com": 1}))

    def test_restart_dns(self):
        self.ok("v-restart-dns")
        self.ok("v-restart-dns", "no")
        self.ok("v-restart-dns", "yes")
        self.ok("v-add-dns-record", "alice", "example.com", "vm1", "A", "192.0.2.1", "", "", "yes")
        self.ok("v-add-dns-record", "alice", "example.com", "vm2", "A", "192.0.2.1", "", "", "no")
        stats = self.stats()
        self.assertEqual((stats["restarts"], stats["restarts_by_domain"]), (3, {"alice/example.com": 1}))

    # --- faults, stats, control ----------------------------------------------
    def test_faults(self):
        self.assertEqual(self.control("GET", "/faults")[1]["latency_ms"], 0)
        self.control("POST", "/faults", {"fail_next": {"count": 2, "status": 502}})
        for _ in range(2):
            st, body, hdrs = self.call("v-restart-dns")
            self.assertEqual(st, 502)
            self.assertIn("502 Bad Gateway", body)
        self.assertEqual(self.call("v-restart-dns")[:2], (200, "OK"))
        self.control("POST", "/faults", {"exit_code_next": {"count": 2, "code": 14, "text": "Error: LA is too high",
                                                            "cmd": "v-add-dns-record"}})
        self.assertEqual(self.call("v-restart-dns", returncode="yes")[:2], (200, "0"))   # other command
        args = ("alice", "example.com", "vm1", "A", "192.0.2.1")
        self.assertEqual(self.call("v-add-dns-record", *args, returncode="yes")[:2], (200, "14"))
        self.assertEqual(self.call("v-add-dns-record", *args)[:2], (200, "Error: LA is too high\n"))
        self.assertEqual(self.records(), {})   # not executed
        self.ok("v-add-dns-record", *args)
        self.control("POST", "/faults", {"latency_ms": 200})
        t0 = time.monotonic()
        self.call("v-restart-dns")
        self.assertGreaterEqual(time.monotonic() - t0, 0.2)
        self.control("POST", "/faults", {"reset": True, "exit_code_next": {"count": 1, "text": ""}})
        faults = self.control("GET", "/faults")[1]
        self.assertEqual((faults["latency_ms"], faults["exit_code_next"]["code"]), (0, 14))
        self.assertEqual(self.call("v-restart-dns")[:2], (200, "OK"))   # empty stdout -> OK, as Hestia
        self.assertEqual(self.control("POST", "/faults", {"nope": 1})[0], 400)

    def test_stats(self):
        self.control("POST", "/stats/reset")
        self.call("v-list-dns-records", "alice", "example.com", "json")
        self.call("v-add-dns-record", "alice", "example.com", "vm1", "A", "192.0.2.1", returncode="yes")
        self.call("v-restart-dns", password="wrong")
        self.control("GET", "/domains/alice/example.com/records")
        stats = self.stats()
        self.assertEqual(stats["requests"], 3)
        self.assertEqual(stats["by_cmd"], {"v-list-dns-records": 1, "v-add-dns-record": 1, "v-restart-dns": 1})
        self.assertEqual(stats["commands"], [
            {"cmd": "v-list-dns-records", "args": ["alice", "example.com", "json"], "returncode": "no"},
            {"cmd": "v-add-dns-record", "args": ["alice", "example.com", "vm1", "A", "192.0.2.1"],
             "returncode": "yes"},
            {"cmd": "v-restart-dns", "args": [], "returncode": "no"},
        ])
        self.assertEqual((stats["auth_failures"], stats["restarts"]), (1, 1))
        self.assertNotIn("secret", json.dumps(stats))
        self.assertNotIn("wrong", json.dumps(stats))
        self.control("POST", "/stats/reset")
        stats = self.stats()
        self.assertEqual((stats["requests"], stats["commands"], stats["restarts"]), (0, [], 0))

    def test_concurrency_per_domain(self):
        self.control("POST", "/domains", {"user": "alice", "domain": "example.org"})
        self.control("POST", "/faults", {"latency_ms": 300})
        threads = [threading.Thread(target=self.call, args=("v-list-dns-records", "alice", d, "json"))
                   for d in ("example.com", "Example.com.", "example.org")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.call("v-list-dns-records", "alice", "example.org", "json")
        stats = self.stats()
        self.assertEqual(stats["max_concurrent_by_domain"], {"alice/example.com": 2, "alice/example.org": 1})
        self.assertEqual(stats["max_concurrent"], 3)

    def test_control(self):
        self.assertEqual(self.control("POST", "/domains", {"user": "bob", "domain": "EXAMPLE.com."})[0], 409)
        self.assertEqual(self.control("POST", "/users", {"user": "alice"})[0], 409)
        self.assertEqual(self.control("POST", "/users", {"user": "dave"})[0], 200)
        self.fails(3, "Error: dns domain example.com doesn't exist", "v-list-dns-records", "dave", "example.com")
        self.assertEqual(self.control("GET", "/domains/alice/nope.com/records")[0], 404)
        self.assertEqual(self.control("GET", "/nothing")[0], 404)
        st, dom = self.control("POST", "/domains", {"user": "erin", "domain": "example.net", "defaults": True,
                                                    "ip": "198.51.100.7"})
        self.assertEqual((st, dom["example.net"]["RECORDS"]), (200, "4"))
        recs = self.control("GET", "/domains/erin/example.net/records")[1]
        self.assertEqual([(r["ID"], r["RECORD"], r["TYPE"], r["VALUE"]) for r in recs], [
            ("1", "@", "NS", "ns1.hestia.test."), ("2", "@", "NS", "ns2.hestia.test."),
            ("3", "@", "A", "198.51.100.7"), ("4", "www", "A", "198.51.100.7")])
        seeded = self.seed(user="erin", domain="example.net", record="Odd Name", type="TXT", value="x")
        self.assertEqual(seeded["ID"], "5")
        self.assertEqual(self.control("POST", "/reset")[0], 200)
        self.assertEqual(self.control("GET", "/domains/erin/example.net")[0], 404)


class FakeHestiaTlsTest(HestiaTestCase):
    EXTRA = ("--tls",)
    SCHEME = "https"

    def test_https_with_the_printed_certificate(self):
        self.assertTrue(os.path.isfile(self.fake.cert))
        self.ok("v-add-dns-record", "alice", "example.com", "@", "A", "192.0.2.1")
        self.assertEqual(list(self.records()), ["1"])
        text = subprocess.run(["openssl", "x509", "-in", self.fake.cert, "-noout", "-text"],
                              capture_output=True, text=True, check=True).stdout
        self.assertIn("CA:TRUE", text)   # as a default Hestia install's self-signed certificate
        self.assertIn("IP Address:127.0.0.1", text)
        with self.assertRaises(urllib.error.URLError) as err:
            self.request("GET", "/api/", context=ssl.create_default_context())
        self.assertIsInstance(err.exception.reason, ssl.SSLCertVerificationError)

    def test_temp_dir_is_removed_at_exit(self):
        directory = os.path.dirname(self.fake.cert)
        self.assertEqual(self.fake.stop(), 0)
        self.assertFalse(os.path.exists(directory))
        self.fake = FakeProcess(*self.EXTRA)   # for tearDown


class FakeHestiaGivenCertTest(unittest.TestCase):
    def test_cert_and_key_files(self):
        sys.path.insert(0, HERE)
        import hestia
        directory = tempfile.mkdtemp()
        try:
            cert, key = hestia.make_certificate(directory)
            fake = FakeProcess("--cert", cert, "--key", key)
            try:
                self.assertEqual(fake.cert, cert)
                ctx = ssl.create_default_context(cafile=cert)
                url = "https://127.0.0.1:%d/__control/stats" % fake.port
                with urllib.request.urlopen(url, timeout=10, context=ctx) as resp:
                    self.assertEqual(json.loads(resp.read())["requests"], 0)
            finally:
                self.assertEqual(fake.stop(), 0)
            self.assertTrue(os.path.isfile(cert))   # given files are left alone
        finally:
            shutil.rmtree(directory)


if __name__ == "__main__":
    unittest.main()
