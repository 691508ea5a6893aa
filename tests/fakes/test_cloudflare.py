"""Tests of the fake Cloudflare API (tests/fakes/cloudflare.py).

Run from the repository root:
    python3 -m unittest discover -s tests/fakes -p 'test_*.py'
Each test starts the fake as a subprocess on a free 127.0.0.1 port.
"""
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import unittest
import urllib.error
import urllib.request

FAKE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cloudflare.py")
ZONE = "0123456789abcdef0123456789abcdef"
OTHER = "fedcba9876543210fedcba9876543210"
REV = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"


class FakeCloudflareTest(unittest.TestCase):
    def setUp(self):
        self.proc = subprocess.Popen([sys.executable, FAKE], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        self.assertTrue(line.startswith("PORT="), line)
        self.base = "http://127.0.0.1:%s" % line.split("=", 1)[1]
        self.api = self.base + "/client/v4"
        self.control("POST", "/zones", {"id": ZONE, "name": "example.com", "account_id": "acc1"})
        self.control("POST", "/zones", {"id": OTHER, "name": "example.org"})
        self.control("POST", "/zones", {"id": REV, "name": "100.51.198.in-addr.arpa"})
        self.control("POST", "/tokens", {"token": "all", "zones": "*"})
        self.control("POST", "/tokens", {"token": "only-com", "zones": [ZONE]})

    def tearDown(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=5)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self.proc.stdout.close()
            self.proc.stderr.close()

    # --- helpers -------------------------------------------------------------
    def request(self, method, url, body=None, headers=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                raw, status, hdrs = resp.read(), resp.status, resp.headers
        except urllib.error.HTTPError as err:
            raw, status, hdrs = err.read(), err.code, err.headers
        try:
            return status, json.loads(raw), hdrs
        except ValueError:
            return status, raw, hdrs

    def call(self, method, path, body=None, token="all", auth=None):
        headers = {"Authorization": auth if auth is not None else "Bearer " + token}
        if auth == "":
            headers = {}
        return self.request(method, self.api + path, body, headers)

    def control(self, method, path, body=None):
        status, obj, _ = self.request(method, self.base + "/__control" + path, body)
        return status, obj

    def seed(self, zone=ZONE, **rec):
        status, obj = self.control("POST", "/zones/%s/records" % zone, rec)
        self.assertEqual(status, 200, obj)
        return obj

    def records(self, zone=ZONE):
        return self.control("GET", "/zones/%s/records" % zone)[1]

    def assertError(self, answer, status, code):
        st, body, _ = answer
        self.assertEqual(st, status, body)
        self.assertFalse(body["success"])
        self.assertIsNone(body["result"])
        self.assertEqual(body["errors"][0]["code"], code, body)
        return body["errors"][0]

    # --- envelope and auth ---------------------------------------------------
    def test_envelope_shape(self):
        st, body, hdrs = self.call("GET", "/zones/" + ZONE)
        self.assertEqual(st, 200)
        self.assertTrue(hdrs["Content-Type"].startswith("application/json"))
        self.assertEqual(set(body), {"success", "errors", "messages", "result"})
        self.assertTrue(body["success"])
        self.assertEqual(body["errors"], [])
        zone = body["result"]
        self.assertEqual((zone["id"], zone["name"], zone["status"]), (ZONE, "example.com", "active"))
        self.assertEqual(zone["account"]["id"], "acc1")
        self.assertTrue(zone["name_servers"])
        st, body, _ = self.call("GET", "/zones/%s/dns_records" % ZONE)
        self.assertEqual(body["result"], [])
        self.assertEqual(body["result_info"], {"page": 1, "per_page": 100, "count": 0,
                                               "total_count": 0, "total_pages": 0})

    def test_malformed_authorization_header(self):
        for auth in ("", "Token all", "Bearer", "Bearer a b", "bearer all"):
            err = self.assertError(self.call("GET", "/zones/" + ZONE, auth=auth), 400, 6003)
            self.assertEqual(err["message"], "Invalid request headers")
            self.assertEqual(err["error_chain"],
                             [{"code": 6111, "message": "Invalid format for Authorization header"}])

    def test_unknown_token(self):
        err = self.assertError(self.call("GET", "/zones/" + ZONE, token="nope"), 403, 9109)
        self.assertEqual(err["message"], "Invalid access token")
        self.assertError(self.call("GET", "/user/tokens/verify", token="nope"), 401, 1000)
        st, body, _ = self.call("GET", "/user/tokens/verify", token="all")
        self.assertEqual((st, body["result"]["status"]), (200, "active"))

    def test_token_without_that_zone(self):
        self.assertEqual(self.call("GET", "/zones/" + ZONE, token="only-com")[0], 200)
        err = self.assertError(self.call("GET", "/zones/%s/dns_records" % OTHER, token="only-com"), 403, 10000)
        self.assertEqual(err["message"], "Authentication error")
        # a zone that does not exist at all looks the same to a scoped token
        self.assertError(self.call("GET", "/zones/" + "b" * 32, token="only-com"), 403, 10000)

    def test_unknown_zone_with_wildcard_token(self):
        err = self.assertError(self.call("GET", "/zones/%s/dns_records" % ("c" * 32)), 404, 7003)
        self.assertEqual(err["message"], "Could not route to /zones/%s/dns_records, "
                         "perhaps your object identifier is invalid?" % ("c" * 32))

    def test_unknown_route_and_method(self):
        self.assertError(self.call("GET", "/nothing/here"), 404, 7000)
        self.assertError(self.request("GET", self.base + "/elsewhere"), 404, 7000)
        self.assertError(self.call("DELETE", "/zones/" + ZONE), 405, 7001)

    def test_control_zone_exists(self):
        self.assertEqual(self.control("POST", "/zones", {"id": ZONE, "name": "x.com"})[0], 409)

    # --- listing -------------------------------------------------------------
    def test_pagination_over_250_records(self):
        for i in range(250):
            self.seed(type="A", name="h%03d" % i, content="192.0.2.%d" % (i % 250 + 1), ttl=300)
        seen = []
        for page, count in ((1, 100), (2, 100), (3, 50)):
            st, body, _ = self.call("GET", "/zones/%s/dns_records?page=%d" % (ZONE, page))
            self.assertEqual(st, 200)
            self.assertEqual(body["result_info"], {"page": page, "per_page": 100, "count": count,
                                                   "total_count": 250, "total_pages": 3})
            seen += [r["name"] for r in body["result"]]
        self.assertEqual(seen, sorted(seen))   # ordered by type, then name
        self.assertEqual(len(set(seen)), 250)
        st, body, _ = self.call("GET", "/zones/%s/dns_records?page=4" % ZONE)
        self.assertEqual((body["result"], body["result_info"]["count"]), ([], 0))
        st, body, _ = self.call("GET", "/zones/%s/dns_records?per_page=5000" % ZONE)
        self.assertEqual(body["result_info"]["total_pages"], 1)
        for bad in ("per_page=5000001", "per_page=0", "page=0", "page=x"):
            self.assertEqual(self.call("GET", "/zones/%s/dns_records?%s" % (ZONE, bad))[0], 400, bad)

    def test_per_page_up_to_the_documented_maximum(self):
        for i in range(3):
            self.seed(type="A", name="h%d" % i, content="192.0.2.%d" % (i + 1))
        st, body, _ = self.call("GET", "/zones/%s/dns_records?per_page=5000000" % ZONE)
        self.assertEqual(st, 200, body)
        self.assertEqual(body["result_info"], {"page": 1, "per_page": 5000000, "count": 3,
                                               "total_count": 3, "total_pages": 1})
        err = self.assertError(self.call("GET", "/zones/%s/dns_records?per_page=5000001" % ZONE), 400, 6008)
        self.assertEqual(err, {"code": 6008, "message": "Invalid request parameters", "error_chain": [
            {"code": 11000, "message": "per_page variable must be a number between 1 and 5000000"}]})
        err = self.assertError(self.call("GET", "/zones/%s/dns_records?page=0" % ZONE), 400, 6008)
        self.assertEqual(err["error_chain"][0]["code"], 11000)

    def test_page_cap_serves_smaller_pages_than_asked(self):
        for i in range(25):
            self.seed(type="PTR", name="%d" % i, content="h%d.example.net" % i, zone=REV)
        self.control("POST", "/faults", {"page_cap": 10})
        seen = []
        for page, count in ((1, 10), (2, 10), (3, 5)):
            st, body, _ = self.call("GET", "/zones/%s/dns_records?per_page=5000000&page=%d" % (REV, page))
            self.assertEqual(body["result_info"], {"page": page, "per_page": 10, "count": count,
                                                   "total_count": 25, "total_pages": 3})
            seen += [r["id"] for r in body["result"]]
        self.assertEqual(len(set(seen)), 25)
        # A smaller per_page than the cap is served as asked.
        st, body, _ = self.call("GET", "/zones/%s/dns_records?per_page=4" % REV)
        self.assertEqual((body["result_info"]["per_page"], body["result_info"]["total_pages"]), (4, 7))
        self.control("POST", "/faults", {"reset": True})
        st, body, _ = self.call("GET", "/zones/%s/dns_records?per_page=5000000" % REV)
        self.assertEqual(body["result_info"]["count"], 25)

    def test_filters(self):
        self.seed(type="A", name="vm1", content="192.0.2.1")
        self.seed(type="AAAA", name="vm1", content="2001:db8::1")
        self.seed(type="A", name="vm2", content="192.0.2.2")
        self.seed(type="A", name="vm10", content="192.0.2.1")

        def names(query):
            st, body, _ = self.call("GET", "/zones/%s/dns_records?%s" % (ZONE, query))
            self.assertEqual(st, 200, body)
            return sorted((r["type"], r["name"]) for r in body["result"])
        self.assertEqual(names("name=vm1.example.com"),
                         [("A", "vm1.example.com"), ("AAAA", "vm1.example.com")])
        self.assertEqual(names("name.exact=VM1.example.com."),
                         [("A", "vm1.example.com"), ("AAAA", "vm1.example.com")])
        self.assertEqual(names("name=vm1.example.com&type=AAAA"), [("AAAA", "vm1.example.com")])
        self.assertEqual(names("type=A&content=192.0.2.1"), [("A", "vm1.example.com"), ("A", "vm10.example.com")])
        self.assertEqual(names("name=vm2.example.com&type=AAAA&match=any"),
                         [("A", "vm2.example.com"), ("AAAA", "vm1.example.com")])
        self.assertEqual(names("name=vm3.example.com"), [])
        st, body, _ = self.call("GET", "/zones/%s/dns_records?name=vm1.example.com&type=A" % ZONE)
        rec = body["result"][0]
        for key in ("id", "zone_id", "zone_name", "name", "type", "content", "proxiable", "proxied",
                    "ttl", "comment", "tags", "created_on", "modified_on", "meta"):
            self.assertIn(key, rec)
        self.assertEqual(len(rec["id"]), 32)
        self.assertEqual((rec["zone_id"], rec["zone_name"]), (ZONE, "example.com"))

    # --- single-record writes ------------------------------------------------
    def test_create_identical_delete_missing(self):
        path = "/zones/%s/dns_records" % ZONE
        st, body, _ = self.call("POST", path, {"type": "A", "name": "VM1", "content": "192.0.2.1",
                                               "ttl": 3600, "proxied": False, "comment": "vm 1"})
        self.assertEqual(st, 200, body)
        rec = body["result"]
        self.assertEqual((rec["name"], rec["ttl"], rec["comment"]), ("vm1.example.com", 3600, "vm 1"))
        st, body, _ = self.call("POST", path, {"type": "A", "name": "@", "content": "192.0.2.9", "ttl": 1})
        self.assertEqual(body["result"]["name"], "example.com")
        err = self.assertError(self.call("POST", path, {"type": "A", "name": "vm1.example.com.",
                                                        "content": "192.0.2.1", "ttl": 300}), 400, 81058)
        self.assertEqual(err["message"], "An identical record already exists.")
        st, body, _ = self.call("DELETE", "%s/%s" % (path, rec["id"]))
        self.assertEqual((st, body["result"]), (200, {"id": rec["id"]}))
        err = self.assertError(self.call("DELETE", "%s/%s" % (path, rec["id"])), 404, 81044)
        self.assertEqual(err["message"], "Record does not exist.")
        self.assertEqual([r["name"] for r in self.records()], ["example.com"])

    def test_create_validation(self):
        path = "/zones/%s/dns_records" % ZONE
        cases = [({"type": "A", "name": "a", "content": "192.0.2.300"}, 9005),
                 ({"type": "A", "name": "a", "content": "2001:db8::1"}, 9005),
                 ({"type": "AAAA", "name": "a", "content": "192.0.2.1"}, 9006),
                 ({"type": "A", "name": "a", "content": "192.0.2.1", "ttl": 30}, 9021),
                 ({"type": "A", "name": "a", "content": "192.0.2.1", "ttl": 86401}, 9021),
                 ({"type": "SRV", "name": "a", "content": "x"}, 9020),
                 ({"type": "TXT", "name": "a", "content": "x", "proxied": True}, 9004),
                 ({"type": "A", "name": "a.example.org.", "content": "192.0.2.1"}, 1004)]
        for body, code in cases:
            self.assertError(self.call("POST", path, body), 400, code)
        self.assertEqual(self.records(), [])
        st, body, _ = self.call("POST", path, {"type": "AAAA", "name": "v6", "content": "2001:DB8:0:0::1"})
        self.assertEqual(body["result"]["content"], "2001:db8::1")
        # CNAME conflicts with A/AAAA at the same name, both ways
        self.call("POST", path, {"type": "CNAME", "name": "alias", "content": "target.example.net."})
        self.assertError(self.call("POST", path, {"type": "A", "name": "alias", "content": "192.0.2.1"}), 400, 81054)
        self.assertError(self.call("POST", path, {"type": "CNAME", "name": "v6", "content": "x.example.net"}),
                         400, 81053)
        # PTR in a reverse zone: content is a hostname, name made fully qualified
        st, body, _ = self.call("POST", "/zones/%s/dns_records" % REV,
                                {"type": "PTR", "name": "7", "content": "vm7.example.com.", "ttl": 3600})
        self.assertEqual(st, 200, body)
        self.assertEqual((body["result"]["name"], body["result"]["content"]),
                         ("7.100.51.198.in-addr.arpa", "vm7.example.com"))

    def test_names_outside_the_zone(self):
        path = "/zones/%s/dns_records" % ZONE
        st, body, _ = self.call("POST", path, {"type": "A", "name": "www.example.org", "content": "192.0.2.1"})
        self.assertEqual(body["result"]["name"], "www.example.org.example.com")   # taken as relative
        self.assertError(self.call("POST", path, {"type": "A", "name": "www.example.org.",
                                                  "content": "192.0.2.1"}), 400, 1004)
        self.control("POST", "/zones", {"id": "1" * 32, "name": "strict.test", "out_of_zone": "reject"})
        self.assertError(self.call("POST", "/zones/%s/dns_records" % ("1" * 32),
                                   {"type": "A", "name": "www.example.org", "content": "192.0.2.1"}), 400, 1004)

    def test_keep_alive_and_chunked_body(self):
        conn = http.client.HTTPConnection(self.base[len("http://"):], timeout=10)
        try:
            hdrs = {"Authorization": "Bearer all", "Content-Type": "application/json"}
            body = iter([b'{"type": "A", "name": "ch", ', b'"content": "192.0.2.7"}'])
            conn.request("POST", "/client/v4/zones/%s/dns_records" % ZONE, body=body,
                         headers=dict(hdrs, **{"Transfer-Encoding": "chunked"}), encode_chunked=True)
            resp = conn.getresponse()
            self.assertEqual((resp.status, json.loads(resp.read())["result"]["name"]), (200, "ch.example.com"))
            for _ in range(3):   # same connection
                conn.request("GET", "/client/v4/zones/%s/dns_records?name=ch.example.com" % ZONE, headers=hdrs)
                resp = conn.getresponse()
                self.assertEqual(json.loads(resp.read())["result_info"]["count"], 1)
        finally:
            conn.close()

    def test_concurrent_creates(self):
        codes = []

        def create(i):
            try:
                codes.append(self.call("POST", "/zones/%s/dns_records" % ZONE,
                                       {"type": "A", "name": "c%d" % (i % 10), "content": "192.0.2.1"})[0])
            except Exception as exc:   # noqa: BLE001 - reported by the assertion below
                codes.append(repr(exc))
        threads = [threading.Thread(target=create, args=(i,)) for i in range(30)]   # 10 names x 3
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual((codes.count(200), codes.count(400)), (10, 20), codes)
        self.assertEqual(len(self.records()), 10)

    def test_wrapped_validation_errors_and_bad_json(self):
        self.control("POST", "/faults", {"wrap_validation_errors": True})
        err = self.assertError(self.call("POST", "/zones/%s/dns_records" % ZONE,
                                         {"type": "A", "name": "a", "content": "x"}), 400, 1004)
        self.assertEqual(err["error_chain"][0]["code"], 9005)
        req = urllib.request.Request(self.api + "/zones/%s/dns_records" % ZONE, data=b"{nope",
                                     method="POST", headers={"Authorization": "Bearer all"})
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(req, timeout=10)
        self.assertEqual(json.loads(cm.exception.read())["errors"][0]["code"], 6007)
        cm.exception.close()

    def test_patch_and_put(self):
        rec = self.seed(type="A", name="vm1", content="192.0.2.1", ttl=300)
        path = "/zones/%s/dns_records/%s" % (ZONE, rec["id"])
        st, body, _ = self.call("PATCH", path, {"content": "192.0.2.2"})
        self.assertEqual((st, body["result"]["content"], body["result"]["ttl"]), (200, "192.0.2.2", 300))
        st, body, _ = self.call("PUT", path, {"type": "A", "name": "vm1", "content": "192.0.2.3"})
        self.assertEqual((body["result"]["content"], body["result"]["ttl"]), ("192.0.2.3", 1))
        self.assertEqual(body["result"]["id"], rec["id"])
        self.assertError(self.call("PATCH", "/zones/%s/dns_records/%s" % (ZONE, "d" * 32), {"ttl": 60}), 404, 81044)

    # --- batch ---------------------------------------------------------------
    def batch(self, body, zone=ZONE):
        return self.call("POST", "/zones/%s/dns_records/batch" % zone, body)

    def test_batch_runs_deletes_before_posts(self):
        old = self.seed(type="A", name="vm1", content="192.0.2.1", ttl=300)
        keep = self.seed(type="A", name="vm2", content="192.0.2.2", ttl=300)
        st, body, _ = self.batch({
            "posts": [{"type": "A", "name": "vm1.example.com", "content": "192.0.2.1", "ttl": 600},
                      {"type": "AAAA", "name": "vm1.example.com", "content": "2001:db8::1", "ttl": 600}],
            "patches": [{"id": keep["id"], "comment": "patched"}],
            "deletes": [{"id": old["id"]}]})
        self.assertEqual(st, 200, body)
        res = body["result"]
        self.assertEqual([r["id"] for r in res["deletes"]], [old["id"]])
        self.assertEqual(res["deletes"][0]["content"], "192.0.2.1")
        self.assertEqual(res["patches"][0]["comment"], "patched")
        self.assertEqual(res["puts"], [])
        self.assertEqual([r["type"] for r in res["posts"]], ["A", "AAAA"])
        now = {(r["type"], r["name"], r["content"], r["ttl"]) for r in self.records()}
        self.assertEqual(now, {("A", "vm1.example.com", "192.0.2.1", 600), ("AAAA", "vm1.example.com", "2001:db8::1", 600),
                               ("A", "vm2.example.com", "192.0.2.2", 300)})

    def test_batch_is_all_or_nothing(self):
        old = self.seed(type="A", name="vm1", content="192.0.2.1", ttl=300)
        before = self.records()
        err = self.assertError(self.batch({
            "deletes": [{"id": old["id"]}],
            "posts": [{"type": "A", "name": "vm1", "content": "192.0.2.5"},
                      {"type": "A", "name": "vm1", "content": "not-an-ip"}]}), 400, 9005)
        self.assertIn("IPv4", err["message"])
        self.assertEqual(self.records(), before)
        # a missing id in deletes sinks the posts too
        self.assertError(self.batch({"deletes": [{"id": "e" * 32}],
                                     "posts": [{"type": "A", "name": "vm9", "content": "192.0.2.9"}]}), 400, 81044)
        # two identical posts in one batch: the second is refused, nothing lands
        post = {"type": "A", "name": "vm5", "content": "192.0.2.5"}
        self.assertError(self.batch({"posts": [post, post]}), 400, 81058)
        self.assertEqual(self.records(), before)

    def test_batch_limit_200_per_list(self):
        posts = [{"type": "A", "name": "h%d" % i, "content": "192.0.2.1"} for i in range(201)]
        st, body, _ = self.batch({"posts": posts})
        self.assertEqual(st, 400)
        self.assertFalse(body["success"])
        self.assertIn("200", body["errors"][0]["message"])
        self.assertEqual(self.records(), [])
        st, body, _ = self.batch({"posts": posts[:200]})
        self.assertEqual((st, len(body["result"]["posts"])), (200, 200))
        self.assertEqual(len(self.records()), 200)

    def test_batch_limit_total_scope(self):
        self.control("POST", "/faults", {"batch_limit_scope": "total", "batch_limit": 3})
        rec = self.seed(type="A", name="x", content="192.0.2.1")
        posts = [{"type": "A", "name": "h%d" % i, "content": "192.0.2.1"} for i in range(3)]
        self.assertEqual(self.batch({"deletes": [{"id": rec["id"]}], "posts": posts})[0], 400)
        self.assertEqual(self.batch({"deletes": [{"id": rec["id"]}], "posts": posts[:2]})[0], 200)

    # --- faults --------------------------------------------------------------
    def test_rate_limit_then_success(self):
        self.control("POST", "/faults", {"rate_limit_next": {"count": 2, "retry_after": 3}})
        for _ in range(2):
            st, body, hdrs = self.call("GET", "/zones/" + ZONE)
            self.assertEqual(st, 429)
            self.assertEqual(body["errors"], [{"code": 971, "message":
                                               "Please wait and consider throttling your request speed"}])
            self.assertEqual(hdrs["Retry-After"], "3")
            self.assertEqual(hdrs["X-RateLimit-Remaining"], "0")
            self.assertIn("X-RateLimit-Limit", hdrs)
        self.assertEqual(self.call("GET", "/zones/" + ZONE)[0], 200)

    def test_rate_limit_window(self):
        self.control("POST", "/faults", {"rate_limit": {"limit": 3, "window_s": 60, "retry_after": 1}})
        self.assertEqual([self.call("GET", "/zones/" + ZONE)[0] for _ in range(5)], [200, 200, 200, 429, 429])
        self.control("POST", "/faults", {"reset": True})
        self.assertEqual(self.call("GET", "/zones/" + ZONE)[0], 200)

    def test_injected_5xx(self):
        self.control("POST", "/faults", {"fail_next": {"count": 2, "status": 500}})
        self.assertError(self.call("GET", "/zones/" + ZONE), 500, 10000)
        self.assertError(self.call("GET", "/zones/" + ZONE), 500, 10000)
        self.assertEqual(self.call("GET", "/zones/" + ZONE)[0], 200)
        self.control("POST", "/faults", {"fail_next": {"count": 1, "status": 502, "body": "html"}})
        st, raw, hdrs = self.call("GET", "/zones/" + ZONE)
        self.assertEqual((st, hdrs["Content-Type"]), (502, "text/html"))
        self.assertEqual(self.call("GET", "/zones/" + ZONE)[0], 200)

    def test_hold_keeps_requests_of_a_route_until_released(self):
        route = "GET /zones/{id}/dns_records"
        self.control("POST", "/faults", {"hold": {"route": route, "count": 1}})
        answers = []
        t = threading.Thread(target=lambda: answers.append(self.call("GET", "/zones/%s/dns_records" % ZONE)))
        t.start()
        deadline = time.monotonic() + 5
        while self.control("GET", "/held")[1]["waiting"] == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertEqual(self.control("GET", "/held")[1], {"waiting": 1, "to_hold": 0})
        # Other routes, and the same route once the count is used, go on.
        self.assertEqual(self.call("GET", "/zones/" + ZONE)[0], 200)
        self.assertEqual(self.call("GET", "/zones/%s/dns_records" % ZONE)[0], 200)
        self.assertEqual(answers, [])
        self.assertEqual(self.control("POST", "/release")[1], {"waiting": 1, "to_hold": 0})
        t.join(timeout=5)
        self.assertEqual(answers[0][0], 200)
        self.assertEqual(self.control("GET", "/held")[1], {"waiting": 0, "to_hold": 0})

    def test_hold_can_skip_requests_and_keep_to_one_zone(self):
        route = "GET /zones/{id}/dns_records"
        self.control("POST", "/faults", {"hold": {"route": route, "zone": REV, "skip": 1, "count": 1}})
        # Another zone's listings, and the first of REV's, go on.
        self.assertEqual(self.call("GET", "/zones/%s/dns_records" % ZONE)[0], 200)
        self.assertEqual(self.call("GET", "/zones/%s/dns_records?page=1" % REV)[0], 200)
        answers = []
        t = threading.Thread(target=lambda: answers.append(
            self.call("GET", "/zones/%s/dns_records?page=2" % REV)))
        t.start()
        deadline = time.monotonic() + 5
        while self.control("GET", "/held")[1]["waiting"] == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertEqual(self.control("GET", "/held")[1], {"waiting": 1, "to_hold": 0})
        self.seed(type="PTR", name="1", content="added.example.net", zone=REV)
        self.control("POST", "/release")
        t.join(timeout=5)
        # The held request is answered with the zone as it is when released.
        st, body, _ = answers[0]
        self.assertEqual((st, body["result_info"]["total_count"]), (200, 1))

    def test_latency(self):
        self.control("POST", "/faults", {"latency_ms": 300})
        t0 = time.monotonic()
        self.assertEqual(self.call("GET", "/zones/" + ZONE)[0], 200)
        self.assertGreaterEqual(time.monotonic() - t0, 0.3)
        t0 = time.monotonic()
        self.control("GET", "/stats")   # control calls are never delayed
        self.assertLess(time.monotonic() - t0, 0.3)

    def test_stats(self):
        self.call("GET", "/zones/" + ZONE)
        self.call("GET", "/zones/%s/dns_records?name=a.example.com" % ZONE)
        self.call("GET", "/zones/%s/dns_records?page=2&per_page=5000000" % ZONE)
        body = {"posts": [{"type": "A", "name": "a", "content": "192.0.2.1"}]}
        self.batch(body)
        self.call("GET", "/zones/" + ZONE, token="nope")   # refused requests count too
        self.call("GET", "/zones/%s/dns_records?per_page=0" % REV)
        st, stats = self.control("GET", "/stats")
        self.assertEqual(stats["requests"], 6)
        self.assertEqual(stats["by_route"], {"GET /zones/{id}": 2, "GET /zones/{id}/dns_records": 3,
                                             "POST /zones/{id}/dns_records/batch": 1})
        self.assertEqual(stats["batches"], [body])
        self.assertEqual(stats["lists"], [
            {"zone": ZONE, "name": "a.example.com"},
            {"zone": ZONE, "page": "2", "per_page": "5000000"},
            {"zone": REV, "per_page": "0"},
        ])
        self.control("POST", "/stats/reset")
        self.assertEqual(self.control("GET", "/stats")[1],
                         {"requests": 0, "by_route": {}, "batches": [], "lists": []})

    def test_sigterm_stops_cleanly(self):
        self.proc.send_signal(signal.SIGTERM)
        self.assertEqual(self.proc.wait(timeout=5), 0)


if __name__ == "__main__":
    unittest.main()
