#!/usr/bin/env python3
"""Differential test of lib/sigv4 against botocore.

Generates requests deterministically (seeded): methods, odd paths (dot
segments, double slashes, already percent-encoded bytes, raw UTF-8,
reserved characters), repeated and encoded query keys, empty values,
headers with folded whitespace and duplicates, bodies, session tokens.
Each request is signed by botocore (SigV4Auth, or SigV4QueryAuth with
--mode query) at a fixed time, by patching botocore.auth.get_current_datetime,
and by tests/tools/sigv4tool; canonical request, string to sign and
signature must match byte for byte (and the Authorization header or the
presigned query parameters).

usage: sigv4_diff.py --tool PATH [--mode header|query] [--count N] [--seed S]
Prints "N requests, M mismatches" and the first mismatch; exits 1 on any.
"""
import argparse
import datetime
import hashlib
import json
import random
import subprocess
import sys
from unittest import mock
from urllib.parse import quote

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SEGMENTS = [
    "a", "b", "example", "..", ".", "", "~user", "a-b_c.d", "%20", "%2F",
    "%41", "%7E", "%25", "%2520", "sp%20ace", "caf%C3%A9", "\u00fcml",
    "\u1234", "!$&'()*+,;=:@", "x=y", "odd%zz", "%", "with space",
]
KEYS = [
    "Action", "Version", "a", "b", "A", "Param1", "Param-3", "\u1234",
    "a b", "x/y", "k=", "~tilde", "plus+", "MaxResults", "empty",
]
VALUES = [
    "", "1", "value", "with space", "a/b", "+", "=", "&", "\u00e9t\u00e9",
    "%41", "a~b-c_d.e", "*", "1 2 3",
]
HEADER_NAMES = [
    "Content-Type", "X-Custom", "x-custom", "X-Amz-Meta-Foo", "Accept",
    "My-Header1", "ZZZ", "x-k8s-aws-id", "X-Dup", "x-dup",
]
HEADER_VALUES = [
    "value", "  leading", "trailing  ", "in   ner   spaces", "tab\there",
    "folded\n  line", "multi\n\tfold\n   again", "\"a   b   c\"", "",
    "application/json", "VALUE1", "a,b", "  ",
]
REGIONS = ["us-east-1", "us-west-2", "eu-central-1", "cn-north-1",
           "us-gov-west-1"]
SERVICES = ["eks", "ec2", "sts", "iam", "outposts", "service"]
TOKEN = ("IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLXdlc3QtMiJHMEUCIQD+"
         "example/token==")


def enc(s):
    return quote(s, safe="-_.~")


def gen(rnd, mode, i):
    method = rnd.choice(["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"])
    if mode == "query":
        method = rnd.choice(["GET", "GET", "PUT", "DELETE"])
    nseg = rnd.randint(0, 5)
    path = "/" + "/".join(rnd.choice(SEGMENTS) for _ in range(nseg))
    if nseg and rnd.random() < 0.3:
        path += "/"
    if rnd.random() < 0.1:
        path = path.replace("/", "//", 1)
    pairs = []
    used = set()
    for _ in range(rnd.randint(0, 5)):
        k = rnd.choice(KEYS)
        if mode == "query" and k in used:
            continue
        used.add(k)
        pairs.append((k, rnd.choice(VALUES)))
        if mode == "header" and rnd.random() < 0.2:
            pairs.append((k, rnd.choice(VALUES)))
    parts = []
    for k, v in pairs:
        if v == "" and rnd.random() < 0.3:
            parts.append(enc(k))
        else:
            parts.append(enc(k) + "=" + enc(v))
    query = "&".join(parts)
    region = rnd.choice(REGIONS)
    service = rnd.choice(SERVICES)
    host = "%s.%s.amazonaws.com" % (service, region)
    headers = [["Host", host]]
    for _ in range(rnd.randint(0, 4)):
        headers.append([rnd.choice(HEADER_NAMES), rnd.choice(HEADER_VALUES)])
    rnd.shuffle(headers)
    body = b""
    if mode == "header" and method in ("POST", "PUT", "PATCH"):
        body = bytes(rnd.randrange(256) for _ in range(rnd.randint(0, 64)))
        if rnd.random() < 0.5:
            body = b"Action=GetCallerIdentity&Version=2011-06-15"
    return {
        "mode": mode,
        "method": method,
        "path": path,
        "query": query,
        "headers": headers,
        "body_hex": body.hex(),
        "region": region,
        "service": service,
        "time": 1700000000 + rnd.randrange(200000000),
        "ak": "AKIA%016d" % i,
        "sk": "secret/%d+%s" % (i, "k" * rnd.randint(1, 40)),
        "token": TOKEN if rnd.random() < 0.3 else None,
        "sign_body": mode == "header" and rnd.random() < 0.2,
        "omit": False,
        "expires": rnd.randint(1, 604800),
        "normalize": True,
    }


def botocore_sign(r):
    when = datetime.datetime.fromtimestamp(r["time"], datetime.timezone.utc)
    when = when.replace(tzinfo=None)
    path = r["path"]
    url = "https://" + [v for n, v in r["headers"] if n == "Host"][0] + path
    if r["query"]:
        url += "?" + r["query"]
    body = bytes.fromhex(r["body_hex"])
    req = AWSRequest(method=r["method"], url=url, data=body)
    for n, v in r["headers"]:
        req.headers[n] = v
    if r["sign_body"]:
        req.headers["X-Amz-Content-SHA256"] = hashlib.sha256(body).hexdigest()
    creds = Credentials(r["ak"], r["sk"], r["token"])
    if r["mode"] == "query":
        auth = botocore.auth.SigV4QueryAuth(creds, r["service"], r["region"],
                                            expires=r["expires"])
    else:
        auth = botocore.auth.SigV4Auth(creds, r["service"], r["region"])
    seen = {}
    orig_cr, orig_sts = auth.canonical_request, auth.string_to_sign

    def cr(rq):
        seen["creq"] = orig_cr(rq)
        return seen["creq"]

    def sts(rq, c):
        seen["sts"] = orig_sts(rq, c)
        return seen["sts"]

    auth.canonical_request = cr
    auth.string_to_sign = sts
    with mock.patch.object(botocore.auth, "get_current_datetime",
                           lambda: when):
        auth.add_auth(req)
    out = {"creq": seen["creq"], "sts": seen["sts"]}
    if r["mode"] == "query":
        q = req.url.split("?", 1)[1]
        out["sig"] = q.rsplit("X-Amz-Signature=", 1)[1]
        out["params"] = sorted(q.split("&"))
    else:
        out["authz"] = req.headers["Authorization"]
        out["sig"] = out["authz"].rsplit("Signature=", 1)[1]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    ap.add_argument("--mode", choices=["header", "query"], default="header")
    ap.add_argument("--count", type=int, default=250)
    ap.add_argument("--seed", type=int, default=20261128)
    a = ap.parse_args()
    rnd = random.Random("%s:%d" % (a.mode, a.seed))
    reqs = [gen(rnd, a.mode, i) for i in range(a.count)]
    inp = "".join(json.dumps(r) + "\n" for r in reqs)
    p = subprocess.run([a.tool], input=inp.encode(), capture_output=True,
                       check=False)
    if p.returncode != 0:
        sys.stdout.write(p.stderr.decode(errors="replace"))
        print("sigv4tool exited %d" % p.returncode)
        return 1
    lines = p.stdout.decode().splitlines()
    if len(lines) != len(reqs):
        print("sigv4tool answered %d of %d requests" % (len(lines), len(reqs)))
        return 1
    bad = 0
    for r, line in zip(reqs, lines):
        got = json.loads(line)
        want = botocore_sign(r)
        if "error" in got:
            diff = [("error", got["error"], "")]
        else:
            diff = [(k, got.get(k), want[k])
                    for k in ("creq", "sts", "sig", "authz") if k in want
                    and got.get(k) != want[k]]
            if "params" in want:
                # botocore rewrites a bare key "b" as "b="; eksl keeps
                # the caller's query as sent.  Both sign "b=".
                gp = sorted(x if "=" in x else x + "="
                            for x in got["query"].split("&"))
                if gp != want["params"]:
                    diff.append(("params", gp, want["params"]))
        if diff:
            bad += 1
            if bad == 1:
                print("first mismatch, request:")
                print(json.dumps(r, indent=1))
                for k, g, w in diff:
                    print("%s:\n  eksl:     %r\n  botocore: %r" % (k, g, w))
    print("%d requests, %d mismatches (%s mode)" % (len(reqs), bad, a.mode))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
