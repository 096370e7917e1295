#!/usr/bin/env python3
"""A stand-in for the Kubernetes API server of an EKS local cluster.

No kube-apiserver can be installed on the test machines, so this server
speaks the subset of the API that eksl and the tests use, shaped like the
real one: the same paths, the same Status JSON bodies and codes, the same
authentication rules.

One process serves every control-plane address (127.0.0.11-13 by default)
on one shared port and keeps one shared state (CSRs, ClusterRoleBindings),
as the real control plane keeps one etcd.  A plain-HTTP control listener on
127.0.0.1 lets a test stop or hang one address, make the next CSR be
denied, or reset the state (see Control below).

Authentication, in the order kube-apiserver tries it:
  - x.509 client certificate signed by the cluster CA: CN is the user, each
    O a group.  (Deviation: Python's ssl cannot accept a certificate it
    cannot verify, so a certificate from another CA, or an expired one,
    fails the TLS handshake with an alert instead of the real server's
    401.  The connection is then closed gracefully, so that the client
    always reads the alert; see linger_close.)
  - Bearer token "k8s-aws-v1.<base64url presigned URL>", checked as
    aws-iam-authenticator checks it: decode; https; host sts.amazonaws.com
    or sts.REGION.amazonaws.com(.cn); path "/"; only the known query
    parameters, each once; Action=GetCallerIdentity; Version=2011-06-15;
    X-Amz-Expires present; X-Amz-Date not older than 15 minutes;
    x-k8s-aws-id among X-Amz-SignedHeaders.  Then the URL is redeemed: its
    scheme and host are replaced by $MOTO_URL (the moto wrapper's STS) and
    it is fetched with the header x-k8s-aws-id: CLUSTER_ID.  The wrapper
    verifies the presigned signature with that header, so a token made
    for another cluster id is refused as STS refuses it.  The ARN from GetCallerIdentity is
    mapped like EKS's cluster creator: the creator ARN (--creator-arn, an
    assumed-role ARN matching by role too) is "kubernetes-admin" in
    "system:masters"; any other ARN is 401, as the authenticator refuses
    an unmapped identity.  When STS cannot be reached the answer is 401:
    exactly what kubectl sees during a disconnect.
  - otherwise system:anonymous, allowed /version, /healthz, /livez,
    /readyz only.

Authorization: system:masters may do anything; ClusterRoleBindings grant
cluster-admin (anything), admin/edit (anything but RBAC), view (get, list,
watch) to their User and Group subjects; every authenticated user may
create SelfSubjectReviews and read discovery.  Otherwise 403 with the real
message shape.

Control (plain HTTP on 127.0.0.1:CTL_PORT, POST):
  /stop?addr=IP      close that address's listener and connections
  /start?addr=IP     listen there again
  /hang?addr=IP      accept but never answer (a blackholed address)
  /deny-next-csr     the next CSR created is denied at once
  /reset             forget CSRs and bindings, clear hooks
  GET /state         JSON summary (for debugging tests)

Usage: k8s_standin.py --cert CRT --key KEY --ca CA.crt --ca-key CA.key
         --cluster-id ID [--addr IP]... [--port N] [--ctl-port N]
         [--creator-arn ARN] [--sign-delay S] [--token-cache-ttl S]
         [--ready-file FILE] [-v]
"""

import argparse
import base64
import datetime
import json
import os
import re
import socket
import ssl
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

K8S_VERSION = {
    "major": "1",
    "minor": "32",
    "gitVersion": "v1.32.3-eks-4096722",
    "gitCommit": "1c6b1c6b2d4a0c4e8f0f1b7e5c2f0a3b5d6e7f80",
    "gitTreeState": "clean",
    "buildDate": "2025-03-19T20:18:34Z",
    "goVersion": "go1.23.6",
    "compiler": "gc",
    "platform": "linux/amd64",
}
TOKEN_PREFIX = "k8s-aws-v1."
TOKEN_MAX = 4 * 1024
PRESIGN_MAX_AGE = 15 * 60
STS_HOST_RE = re.compile(r"^sts(\.[a-z0-9-]+)?\.amazonaws\.com(\.cn)?$")
ALLOWED_PARAMS = {
    "action", "version", "x-amz-algorithm", "x-amz-credential",
    "x-amz-date", "x-amz-expires", "x-amz-security-token",
    "x-amz-signature", "x-amz-signedheaders",
}
MIN_EXPIRATION = 600
MAX_DURATION = 365 * 24 * 3600  # kube-controller-manager's default cap
TAINT = "node-role.eks-local.amazonaws.com/control-plane"


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc)


def ts(t=None):
    return (t or now_utc()).strftime("%Y-%m-%dT%H:%M:%SZ")


def status_body(code, reason, message, details=None):
    b = {"kind": "Status", "apiVersion": "v1", "metadata": {},
         "status": "Failure", "message": message, "reason": reason,
         "code": code}
    if details is not None:
        b["details"] = details
    return b


class ApiError(Exception):
    def __init__(self, code, reason, message, details=None):
        super().__init__(message)
        self.code = code
        self.body = status_body(code, reason, message, details)


def not_found(kind, name, group=""):
    res = kind + ("." + group if group else "")
    d = {"name": name, "kind": kind}
    if group:
        d["group"] = group
    return ApiError(404, "NotFound", '%s "%s" not found' % (res, name), d)


def forbidden(user, verb, resource, group, name=None, ns=None, path=None):
    if path is not None:
        return ApiError(403, "Forbidden",
                        'forbidden: User "%s" cannot %s path "%s"'
                        % (user, verb, path), {})
    res = resource + ("." + group if group else "")
    head = '%s "%s"' % (res, name) if name else res
    where = ('in the namespace "%s"' % ns) if ns else "at the cluster scope"
    d = {"kind": resource}
    if name:
        d["name"] = name
    if group:
        d["group"] = group
    return ApiError(403, "Forbidden",
                    '%s is forbidden: User "%s" cannot %s resource "%s" '
                    'in API group "%s" %s'
                    % (head, user, verb, resource, group, where), d)


def invalid(kind, group, name, causes):
    msg = '%s.%s "%s" is invalid: %s' % (
        kind, group, name, ", ".join("%s: %s" % (f, m) for f, m in causes))
    return ApiError(422, "Invalid", msg, {
        "name": name, "group": group, "kind": kind,
        "causes": [{"reason": "FieldValueInvalid", "message": m, "field": f}
                   for f, m in causes]})


class State:
    def __init__(self, args, ca_cert, ca_key):
        self.lock = threading.Lock()
        self.args = args
        self.ca_cert = ca_cert
        self.ca_key = ca_key
        self.reset()

    def reset(self):
        self.csrs = {}
        self.crbs = {}
        self.deny_next = False
        self.rv = 1000
        self.hung = set()
        self.token_cache = {}

    def next_rv(self):
        self.rv += 1
        return str(self.rv)

    # -- authentication

    def map_arn(self, arn):
        creator = self.args.creator_arn
        if arn == creator:
            return "kubernetes-admin", ["system:masters"]
        # An assumed-role session maps by its role, as EKS maps roles.
        m = re.match(r"^arn:(aws[a-z-]*):sts::(\d+):assumed-role/([^/]+)/",
                     arn)
        if m and creator == "arn:%s:iam::%s:role/%s" % m.groups():
            return "kubernetes-admin", ["system:masters"]
        return None, None

    def token_user(self, token):
        """(user, groups) or raise ApiError 401.  Successes are cached
        for --token-cache-ttl seconds, as kube-apiserver caches webhook
        answers (2 minutes by default); failures are not."""
        now = time.monotonic()
        with self.lock:
            hit = self.token_cache.get(token)
        if hit is not None and hit[0] > now:
            return hit[1]
        got = self.token_user_uncached(token)
        with self.lock:
            if len(self.token_cache) > 1000:
                self.token_cache.clear()
            self.token_cache[token] = (now + self.args.token_cache_ttl, got)
        return got

    def token_user_uncached(self, token):
        unauth = ApiError(401, "Unauthorized", "Unauthorized")

        def why(msg):
            if self.args.verbose:
                print("standin: token refused: %s" % msg, file=sys.stderr)
            return unauth

        if not token.startswith(TOKEN_PREFIX) or len(token) > TOKEN_MAX:
            raise why("not an EKS token")
        b = token[len(TOKEN_PREFIX):]
        try:
            raw = base64.urlsafe_b64decode(b + "=" * (-len(b) % 4))
            url = urllib.parse.urlsplit(raw.decode())
        except Exception:
            raise why("bad base64")
        if url.scheme != "https":
            raise why("unexpected scheme")
        if not STS_HOST_RE.match(url.hostname or "") or url.port:
            raise why("unexpected hostname %r" % url.hostname)
        if url.path != "/":
            raise why("unexpected path")
        pairs = urllib.parse.parse_qsl(url.query, keep_blank_values=True)
        lower = {}
        for k, v in pairs:
            kl = k.lower()
            if kl not in ALLOWED_PARAMS:
                raise why("non-allowlisted query parameter %s" % k)
            if kl in lower:
                raise why("query parameter with multiple values")
            lower[kl] = v
        if lower.get("action") != "GetCallerIdentity":
            raise why("unexpected action parameter")
        if lower.get("version") != "2011-06-15":
            raise why("unexpected version parameter")
        if "x-amz-expires" not in lower:
            raise why("X-Amz-Expires missing")
        if "x-k8s-aws-id" not in lower.get("x-amz-signedheaders",
                                           "").split(";"):
            raise why("x-k8s-aws-id not signed")
        try:
            d = datetime.datetime.strptime(lower.get("x-amz-date", ""),
                                           "%Y%m%dT%H%M%SZ")
            d = d.replace(tzinfo=datetime.timezone.utc)
        except ValueError:
            raise why("bad X-Amz-Date")
        if (now_utc() - d).total_seconds() > PRESIGN_MAX_AGE:
            raise why("X-Amz-Date parameter is expired")
        moto = os.environ.get("MOTO_URL", "")
        if not moto:
            raise why("no MOTO_URL")
        target = moto.rstrip("/") + "/?" + url.query
        req = urllib.request.Request(target, headers={
            "x-k8s-aws-id": self.args.cluster_id,
            "Accept": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                body = r.read(1 << 20)
        except urllib.error.HTTPError as e:
            raise why("sts: %s: %s" % (e, e.read(2048)[:300]))
        except (urllib.error.URLError, OSError) as e:
            raise why("sts: %s" % e)
        arn = None
        try:
            j = json.loads(body)
            arn = (j["GetCallerIdentityResponse"]
                   ["GetCallerIdentityResult"]["Arn"])
        except Exception:
            try:
                for el in ET.fromstring(body).iter():
                    if el.tag.endswith("Arn"):
                        arn = (el.text or "").strip()
            except ET.ParseError:
                pass
        if not arn:
            raise why("no ARN in STS answer")
        user, groups = self.map_arn(arn)
        if user is None:
            raise why("ARN not mapped: %s" % arn)
        return user, groups + ["system:authenticated"]

    # -- authorization

    def allowed(self, user, groups, verb, group):
        if "system:masters" in groups:
            return True
        with self.lock:
            crbs = list(self.crbs.values())
        for b in crbs:
            role = b.get("roleRef", {}).get("name")
            for s in b.get("subjects") or []:
                hit = ((s.get("kind") == "User" and s.get("name") == user) or
                       (s.get("kind") == "Group" and s.get("name") in groups))
                if not hit:
                    continue
                if role == "cluster-admin":
                    return True
                if role in ("admin", "edit") and \
                        group != "rbac.authorization.k8s.io":
                    return True
                if role == "view" and verb in ("get", "list", "watch"):
                    return True
        return False

    # -- CSR signing

    def sign(self, csr_obj):
        spec = csr_obj["spec"]
        req = x509.load_pem_x509_csr(base64.b64decode(spec["request"]))
        secs = spec.get("expirationSeconds") or MAX_DURATION
        secs = min(secs, MAX_DURATION)
        now = now_utc()
        not_after = min(now + datetime.timedelta(seconds=secs),
                        self.ca_cert.not_valid_after_utc)
        pub = req.public_key()
        ku = x509.KeyUsage(digital_signature=True,
                           key_encipherment=isinstance(pub, rsa.RSAPublicKey),
                           content_commitment=False, data_encipherment=False,
                           key_agreement=False, key_cert_sign=False,
                           crl_sign=False, encipher_only=False,
                           decipher_only=False)
        cert = (x509.CertificateBuilder()
                .subject_name(req.subject)
                .issuer_name(self.ca_cert.subject)
                .public_key(pub)
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(minutes=5))
                .not_valid_after(not_after)
                .add_extension(ku, critical=True)
                .add_extension(x509.ExtendedKeyUsage(
                    [ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
                .add_extension(x509.BasicConstraints(ca=False,
                                                     path_length=None),
                               critical=True)
                .add_extension(
                    x509.AuthorityKeyIdentifier.from_issuer_public_key(
                        self.ca_cert.public_key()), critical=False)
                .sign(self.ca_key, hashes.SHA256()))
        pem = cert.public_bytes(serialization.Encoding.PEM)
        return base64.b64encode(pem).decode()


CSR_GROUP = "certificates.k8s.io"
RBAC_GROUP = "rbac.authorization.k8s.io"
CSR_PATH = "/apis/certificates.k8s.io/v1/certificatesigningrequests"
CRB_PATH = "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"
SSR_PATH = "/apis/authentication.k8s.io/v1/selfsubjectreviews"
PUBLIC_PATHS = ("/version", "/healthz", "/livez", "/readyz")


def service_kubernetes():
    return {
        "kind": "Service", "apiVersion": "v1",
        "metadata": {"name": "kubernetes", "namespace": "default",
                     "uid": "7c0e2b55-5d1c-4b8e-9a31-2f6f3b0c6a11",
                     "resourceVersion": "198",
                     "creationTimestamp": "2026-01-05T10:00:00Z",
                     "labels": {"component": "apiserver",
                                "provider": "kubernetes"}},
        "spec": {"clusterIP": "10.100.0.1", "clusterIPs": ["10.100.0.1"],
                 "type": "ClusterIP", "sessionAffinity": "None",
                 "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
                 "internalTrafficPolicy": "Cluster",
                 "ports": [{"name": "https", "protocol": "TCP",
                            "port": 443, "targetPort": 443}]},
        "status": {"loadBalancer": {}},
    }


def service_kube_dns():
    return {
        "kind": "Service", "apiVersion": "v1",
        "metadata": {"name": "kube-dns", "namespace": "kube-system",
                     "uid": "2b7f9d0e-0e55-4a8e-8f3c-0d5e1a2b3c44",
                     "resourceVersion": "260",
                     "creationTimestamp": "2026-01-05T10:00:05Z",
                     "labels": {"k8s-app": "kube-dns",
                                "kubernetes.io/name": "CoreDNS"}},
        "spec": {"clusterIP": "10.100.0.10", "clusterIPs": ["10.100.0.10"],
                 "type": "ClusterIP", "selector": {"k8s-app": "kube-dns"},
                 "ports": [{"name": "dns", "protocol": "UDP", "port": 53,
                            "targetPort": 53},
                           {"name": "dns-tcp", "protocol": "TCP", "port": 53,
                            "targetPort": 53}]},
        "status": {"loadBalancer": {}},
    }


def deployment_coredns():
    return {
        "kind": "Deployment", "apiVersion": "apps/v1",
        "metadata": {"name": "coredns", "namespace": "kube-system",
                     "uid": "5a3c1e77-6b2d-4f0a-b1c9-8e7d6c5b4a39",
                     "resourceVersion": "812", "generation": 1,
                     "creationTimestamp": "2026-01-05T10:00:05Z",
                     "labels": {"eks.amazonaws.com/component": "coredns",
                                "k8s-app": "kube-dns"}},
        "spec": {"replicas": 2,
                 "selector": {"matchLabels": {"k8s-app": "kube-dns"}}},
        "status": {"observedGeneration": 1, "replicas": 2,
                   "updatedReplicas": 2, "readyReplicas": 2,
                   "availableReplicas": 2},
    }


def nodes(addrs):
    items = []
    for i, a in enumerate(addrs):
        name = "ip-10-0-1-%d.us-west-2.compute.internal" % (10 + i)
        items.append({
            "metadata": {"name": name,
                         "uid": str(uuid.UUID(int=0x4e0de + i)),
                         "resourceVersion": str(900 + i),
                         "creationTimestamp": "2026-01-05T10:00:00Z",
                         "labels": {"kubernetes.io/hostname": name,
                                    "kubernetes.io/os": "linux",
                                    "node-role.kubernetes.io/control-plane":
                                        ""}},
            "spec": {"taints": [{"key": TAINT, "effect": "NoSchedule"}]},
            "status": {"addresses": [{"type": "InternalIP",
                                      "address": "10.0.1.%d" % (10 + i)}],
                       "conditions": [{"type": "Ready", "status": "True"}]},
        })
    return {"kind": "NodeList", "apiVersion": "v1",
            "metadata": {"resourceVersion": "1000"}, "items": items}


API_V1_RESOURCES = {
    "kind": "APIResourceList", "groupVersion": "v1",
    "resources": [
        {"name": "namespaces", "singularName": "namespace", "namespaced":
         False, "kind": "Namespace", "verbs": ["get", "list"],
         "shortNames": ["ns"]},
        {"name": "nodes", "singularName": "node", "namespaced": False,
         "kind": "Node", "verbs": ["get", "list"], "shortNames": ["no"]},
        {"name": "services", "singularName": "service", "namespaced": True,
         "kind": "Service", "verbs": ["get", "list"],
         "shortNames": ["svc"]},
    ],
}


def resource(name, kind, namespaced, verbs, short=None, singular=None):
    r = {"name": name, "singularName": singular or kind.lower(),
         "namespaced": namespaced, "kind": kind, "verbs": verbs}
    if short:
        r["shortNames"] = short
    return r


GROUP_RESOURCES = {
    "apps/v1": [resource("deployments", "Deployment", True,
                         ["get", "list"], ["deploy"])],
    "authentication.k8s.io/v1": [resource("selfsubjectreviews",
                                          "SelfSubjectReview", False,
                                          ["create"])],
    "certificates.k8s.io/v1": [
        resource("certificatesigningrequests", "CertificateSigningRequest",
                 False, ["create", "get", "list"], ["csr"]),
        resource("certificatesigningrequests/approval",
                 "CertificateSigningRequest", False, ["get", "update"],
                 singular=""),
    ],
    "rbac.authorization.k8s.io/v1": [
        resource("clusterrolebindings", "ClusterRoleBinding", False,
                 ["create", "get"]),
    ],
}


def group_entry(name, version):
    gv = {"groupVersion": "%s/%s" % (name, version), "version": version}
    return {"name": name, "versions": [gv], "preferredVersion": gv}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = ""
    sys_version = ""

    def log_message(self, fmt, *a):
        if self.server.state.args.verbose:
            sys.stderr.write("standin %s: %s\n" % (self.server.addr,
                                                    fmt % a))

    def send_raw(self, code, ctype, data):
        # One write for status, headers and body: split writes cost a
        # thread switch (and up to a delayed ACK) per answer.
        self.log_request(code)
        head = ("HTTP/1.1 %d %s\r\n"
                "Content-Type: %s\r\n"
                "Cache-Control: no-cache, private\r\n"
                "Audit-Id: %s\r\n"
                "Date: %s\r\n"
                "Content-Length: %d\r\n"
                "%s\r\n") % (
                    code, self.responses.get(code, ("",))[0], ctype,
                    uuid.uuid4(), self.date_time_string(), len(data),
                    "Connection: close\r\n" if self.close_connection
                    else "")
        self.wfile.write(head.encode() + data)

    def send_json(self, code, obj):
        data = (json.dumps(obj, separators=(",", ":")) + "\n").encode()
        self.send_raw(code, "application/json", data)

    def read_chunked(self):
        data = b""
        while True:
            line = self.rfile.readline(1024)
            n = int(line.split(b";")[0].strip() or b"0", 16)
            if n == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n",
                                                        b""):
                    pass
                return data
            if len(data) + n > (3 << 20):
                self.close_connection = True
                raise ApiError(413, "RequestEntityTooLarge",
                               "Request entity too large")
            data += self.rfile.read(n)
            self.rfile.readline(16)

    def read_raw(self):
        """Consume the whole request body, so that the next request on
        the connection starts where it should."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self.read_chunked()
        n = int(self.headers.get("Content-Length") or 0)
        if n > (3 << 20):
            self.close_connection = True
            raise ApiError(413, "RequestEntityTooLarge",
                           "Request entity too large")
        return self.rfile.read(n) if n else b""

    def read_body(self):
        data = self.raw_body
        ctype = self.headers.get("Content-Type", "application/json")
        if data and "json" not in ctype:
            # The real server also takes protobuf and CBOR; the stand-in
            # speaks JSON only.
            raise ApiError(415, "UnsupportedMediaType",
                           'the body of the request was in an unknown '
                           'format - accepted media types include: '
                           'application/json', {})
        try:
            return json.loads(data or b"null")
        except ValueError as e:
            raise ApiError(400, "BadRequest",
                           "the object provided is unrecognized: %s" % e)

    def authenticate(self):
        st = self.server.state
        cert = self.connection.getpeercert()
        if cert:
            user, groups = None, []
            for rdn in cert.get("subject", ()):
                for k, v in rdn:
                    if k == "commonName":
                        user = v
                    elif k == "organizationName":
                        groups.append(v)
            if user:
                return user, groups + ["system:authenticated"]
        auth = self.headers.get("Authorization", "")
        if auth:
            if not auth.lower().startswith("bearer "):
                raise ApiError(401, "Unauthorized", "Unauthorized")
            return st.token_user(auth[7:].strip())
        return "system:anonymous", ["system:unauthenticated"]

    def dispatch(self, method):
        st = self.server.state
        path = urllib.parse.urlsplit(self.path).path.rstrip("/") or "/"
        user, groups = self.authenticate()
        anon = user == "system:anonymous"
        if path in PUBLIC_PATHS and method == "GET":
            if path == "/version":
                return 200, K8S_VERSION
            return 200, "ok"
        if anon:
            raise forbidden(user, method.lower(), None, None, path=path)

        def need(verb, resource, group, name=None, ns=None):
            if not st.allowed(user, groups, verb, group):
                raise forbidden(user, verb, resource, group, name, ns)

        if method == "GET" and path == "/api":
            return 200, {"kind": "APIVersions", "versions": ["v1"],
                         "serverAddressByClientCIDRs": [{
                             "clientCIDR": "0.0.0.0/0",
                             "serverAddress": "10.0.1.10:443"}]}
        if method == "GET" and path == "/api/v1":
            return 200, API_V1_RESOURCES
        if method == "GET" and path == "/apis":
            return 200, {"kind": "APIGroupList", "apiVersion": "v1",
                         "groups": [group_entry("apps", "v1"),
                                    group_entry("authentication.k8s.io",
                                                "v1"),
                                    group_entry(CSR_GROUP, "v1"),
                                    group_entry(RBAC_GROUP, "v1")]}
        m = re.match(r"^/apis/([^/]+/v1)$", path)
        if method == "GET" and m and m.group(1) in GROUP_RESOURCES:
            return 200, {"kind": "APIResourceList", "apiVersion": "v1",
                         "groupVersion": m.group(1),
                         "resources": GROUP_RESOURCES[m.group(1)]}
        if method == "POST" and path == SSR_PATH:
            return 201, {"kind": "SelfSubjectReview",
                         "apiVersion": "authentication.k8s.io/v1",
                         "metadata": {"creationTimestamp": None},
                         "status": {"userInfo": {"username": user,
                                                 "groups": groups}}}
        m = re.match(r"^/api/v1/namespaces/([^/]+)/services(?:/([^/]+))?$",
                     path)
        if method == "GET" and m:
            ns, name = m.groups()
            need("get" if name else "list", "services", "", name, ns)
            svcs = {("default", "kubernetes"): service_kubernetes(),
                    ("kube-system", "kube-dns"): service_kube_dns()}
            if name:
                if (ns, name) not in svcs:
                    raise not_found("services", name)
                return 200, svcs[(ns, name)]
            items = [v for (n, _), v in sorted(svcs.items()) if n == ns]
            return 200, {"kind": "ServiceList", "apiVersion": "v1",
                         "metadata": {"resourceVersion": "1000"},
                         "items": [{k: v for k, v in i.items()
                                    if k not in ("kind", "apiVersion")}
                                   for i in items]}
        m = re.match(r"^/apis/apps/v1/namespaces/([^/]+)/deployments/"
                     r"([^/]+)$", path)
        if method == "GET" and m:
            ns, name = m.groups()
            need("get", "deployments", "apps", name, ns)
            if (ns, name) != ("kube-system", "coredns"):
                raise not_found("deployments", name, "apps")
            return 200, deployment_coredns()
        if method == "GET" and path == "/api/v1/nodes":
            need("list", "nodes", "")
            return 200, nodes(st.args.addr)
        if path == CRB_PATH and method == "POST":
            need("create", "clusterrolebindings", RBAC_GROUP)
            return self.create_crb(self.read_body())
        m = re.match("^" + re.escape(CRB_PATH) + r"/([^/]+)$", path)
        if m and method == "GET":
            need("get", "clusterrolebindings", RBAC_GROUP, m.group(1))
            with st.lock:
                b = st.crbs.get(m.group(1))
            if b is None:
                raise not_found("clusterrolebindings", m.group(1),
                                RBAC_GROUP)
            return 200, b
        if path == CSR_PATH and method == "POST":
            need("create", "certificatesigningrequests", CSR_GROUP)
            return self.create_csr(self.read_body(), user, groups)
        m = re.match("^" + re.escape(CSR_PATH) + r"/([^/]+)(/approval)?$",
                     path)
        if m and method == "GET" and not m.group(2):
            need("get", "certificatesigningrequests", CSR_GROUP, m.group(1))
            with st.lock:
                c = st.csrs.get(m.group(1))
                c = json.loads(json.dumps(c))
            if c is None:
                raise not_found("certificatesigningrequests", m.group(1),
                                CSR_GROUP)
            return 200, c
        if m and method == "PUT" and m.group(2):
            need("update", "certificatesigningrequests/approval", CSR_GROUP,
                 m.group(1))
            return self.approve_csr(m.group(1), self.read_body())
        if method in ("GET", "POST", "PUT", "DELETE", "PATCH"):
            raise ApiError(404, "NotFound",
                           "the server could not find the requested "
                           "resource", {})
        raise ApiError(405, "MethodNotAllowed",
                       "the server does not allow this method on the "
                       "requested resource", {})

    def create_crb(self, body):
        st = self.server.state
        if not isinstance(body, dict) or \
                body.get("kind") not in (None, "ClusterRoleBinding"):
            raise ApiError(400, "BadRequest", "the object provided is "
                           "unrecognized (must be of type "
                           "ClusterRoleBinding)")
        name = (body.get("metadata") or {}).get("name") or ""
        rr = body.get("roleRef") or {}
        causes = []
        if not name:
            causes.append(("metadata.name", "Required value: name or "
                           "generateName is required"))
        if rr.get("kind") != "ClusterRole" or not rr.get("name"):
            causes.append(("roleRef.kind", 'Unsupported value: "%s": '
                           'supported values: "ClusterRole"'
                           % rr.get("kind", "")))
        if causes:
            raise invalid("ClusterRoleBinding", RBAC_GROUP, name, causes)
        with st.lock:
            if name in st.crbs:
                raise ApiError(409, "AlreadyExists",
                               'clusterrolebindings.%s "%s" already exists'
                               % (RBAC_GROUP, name),
                               {"name": name, "group": RBAC_GROUP,
                                "kind": "clusterrolebindings"})
            obj = {"kind": "ClusterRoleBinding",
                   "apiVersion": RBAC_GROUP + "/v1",
                   "metadata": {"name": name, "uid": str(uuid.uuid4()),
                                "resourceVersion": st.next_rv(),
                                "creationTimestamp": ts()},
                   "roleRef": rr, "subjects": body.get("subjects") or []}
            st.crbs[name] = obj
        return 201, obj

    def create_csr(self, body, user, groups):
        st = self.server.state
        if not isinstance(body, dict):
            raise ApiError(400, "BadRequest", "the object provided is "
                           "unrecognized")
        meta = body.get("metadata") or {}
        name = meta.get("name") or ""
        if not name and meta.get("generateName"):
            name = meta["generateName"] + uuid.uuid4().hex[:5]
        spec = body.get("spec") or {}
        causes = []
        if not name:
            causes.append(("metadata.name", "Required value: name or "
                           "generateName is required"))
        try:
            req = x509.load_pem_x509_csr(base64.b64decode(
                spec.get("request", ""), validate=True))
            if not req.is_signature_valid:
                causes.append(("spec.request", "Invalid value: []byte{...}: "
                               "invalid signature"))
        except Exception as e:
            req = None
            causes.append(("spec.request", "Invalid value: []byte{...}: "
                           "%s" % e))
        signer = spec.get("signerName") or ""
        if not signer:
            causes.append(("spec.signerName", "Required value"))
        usages = spec.get("usages") or []
        if signer == "kubernetes.io/kube-apiserver-client":
            bad = [u for u in usages if u not in
                   ("digital signature", "key encipherment", "client auth")]
            if "client auth" not in usages or bad:
                causes.append(("spec.usages", "Unsupported value: %s"
                               % json.dumps(usages)))
        exp = spec.get("expirationSeconds")
        if exp is not None and (not isinstance(exp, int) or
                                exp < MIN_EXPIRATION):
            causes.append(("spec.expirationSeconds", "Invalid value: %s: "
                           "may not specify a duration less than 600 "
                           "seconds (10 minutes)" % exp))
        if causes:
            raise invalid("CertificateSigningRequest", CSR_GROUP, name,
                          causes)
        with st.lock:
            if name in st.csrs:
                raise ApiError(409, "AlreadyExists",
                               'certificatesigningrequests.%s "%s" already '
                               'exists' % (CSR_GROUP, name),
                               {"name": name, "group": CSR_GROUP,
                                "kind": "certificatesigningrequests"})
            spec = dict(spec)
            spec["username"] = user
            spec["groups"] = [g for g in groups]
            obj = {"kind": "CertificateSigningRequest",
                   "apiVersion": CSR_GROUP + "/v1",
                   "metadata": {"name": name, "uid": str(uuid.uuid4()),
                                "resourceVersion": st.next_rv(),
                                "creationTimestamp": ts()},
                   "spec": spec, "status": {}}
            if st.deny_next:
                st.deny_next = False
                obj["status"]["conditions"] = [{
                    "type": "Denied", "status": "True",
                    "reason": "DeniedByPolicy",
                    "message": "denied by the test hook",
                    "lastUpdateTime": ts(), "lastTransitionTime": ts()}]
            st.csrs[name] = obj
            out = json.loads(json.dumps(obj))
        return 201, out

    def approve_csr(self, name, body):
        st = self.server.state
        if not isinstance(body, dict):
            raise ApiError(400, "BadRequest", "the object provided is "
                           "unrecognized")
        if (body.get("metadata") or {}).get("name") != name:
            raise ApiError(400, "BadRequest", "the name of the object (%s) "
                           "does not match the name on the URL (%s)"
                           % ((body.get("metadata") or {}).get("name"),
                              name))
        new = ((body.get("status") or {}).get("conditions")) or []
        types = [c.get("type") for c in new]
        with st.lock:
            cur = st.csrs.get(name)
            if cur is None:
                raise not_found("certificatesigningrequests", name,
                                CSR_GROUP)
            old = [c.get("type") for c in
                   cur["status"].get("conditions") or []]
            causes = []
            for t in ("Approved", "Denied"):
                if t in old and t not in types:
                    causes.append(("status.conditions", "Forbidden: updates "
                                   "may not remove a condition of type "
                                   '"%s"' % t))
            if "Approved" in types and "Denied" in types:
                causes.append(("status.conditions[%d].type"
                               % types.index("Denied"), 'Invalid value: '
                               '"Denied": Approved and Denied conditions '
                               'are mutually exclusive'))
            for i, t in enumerate(types):
                if t not in ("Approved", "Denied", "Failed"):
                    causes.append(("status.conditions[%d].type" % i,
                                   'Unsupported value: "%s"' % t))
            if causes:
                raise invalid("CertificateSigningRequest", CSR_GROUP, name,
                              causes)
            conds = []
            for c in new:
                c = dict(c)
                c.setdefault("status", "True")
                c.setdefault("lastUpdateTime", ts())
                c.setdefault("lastTransitionTime", ts())
                conds.append(c)
            cur["status"]["conditions"] = conds
            cur["metadata"]["resourceVersion"] = st.next_rv()
            out = json.loads(json.dumps(cur))
            approve = "Approved" in types and \
                "certificate" not in cur["status"]
        if approve:
            t = threading.Timer(st.args.sign_delay, self.sign_later,
                                (st, name))
            t.daemon = True
            t.start()
        return 200, out

    @staticmethod
    def sign_later(st, name):
        with st.lock:
            cur = st.csrs.get(name)
            if cur is None:
                return
            if cur["spec"].get("signerName") != \
                    "kubernetes.io/kube-apiserver-client":
                return
            try:
                cur["status"]["certificate"] = st.sign(cur)
            except Exception as e:
                cur["status"].setdefault("conditions", []).append({
                    "type": "Failed", "status": "True",
                    "reason": "SignerValidationFailure", "message": str(e),
                    "lastUpdateTime": ts(), "lastTransitionTime": ts()})
            cur["metadata"]["resourceVersion"] = st.next_rv()

    def handle_method(self, method):
        try:
            self.raw_body = self.read_raw()
            code, obj = self.dispatch(method)
        except ApiError as e:
            code, obj = e.code, e.body
        if isinstance(obj, str):
            self.send_raw(code, "text/plain; charset=utf-8", obj.encode())
            return
        self.send_json(code, obj)

    def do_GET(self):
        self.handle_method("GET")

    def do_POST(self):
        self.handle_method("POST")

    def do_PUT(self):
        self.handle_method("PUT")

    def do_DELETE(self):
        self.handle_method("DELETE")

    def do_PATCH(self):
        self.handle_method("PATCH")


def linger_close(sock, wait=5.0):
    """Close after a refused handshake so that the client reads the alert.

    In TLS 1.3 the client has finished its side of the handshake, and may
    already be sending its request, when the server refuses its
    certificate.  Closing with that request unread makes the kernel answer
    with a reset, which can overtake the alert: the client then reports a
    broken pipe or EOF instead of "unknown certificate authority".  As Go's
    net/http does when it closes a connection, send FIN after the alert and
    read what the client still sends until it closes (or WAIT seconds).
    """
    with sock:
        try:
            sock.shutdown(socket.SHUT_WR)
            sock.settimeout(wait)
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and sock.recv(4096):
                pass
        except OSError:
            pass


class ApiServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True

    def __init__(self, addr, port, ctx, state):
        self.addr = addr
        self.ctx = ctx
        self.state = state
        self.conns = set()
        self.conns_lock = threading.Lock()
        super().__init__((addr, port), Handler)

    def finish_request(self, request, client_address):
        # The TLS handshake runs here, in the connection's own thread: an
        # idle client must never block accept().
        with self.conns_lock:
            self.conns.add(request)
        try:
            if self.addr in self.state.hung:
                request.settimeout(60)
                try:
                    while request.recv(4096):
                        pass
                except OSError:
                    pass
                return
            request.settimeout(30)
            # Headers and body go out in separate writes: without this,
            # Nagle and the client's delayed ACK add 40 ms per answer.
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            # The handshake is run by hand: wrap_socket would close the
            # socket at once when it fails (see linger_close).
            tls = self.ctx.wrap_socket(request, server_side=True,
                                       do_handshake_on_connect=False)
            try:
                tls.do_handshake()
            except (ssl.SSLError, OSError) as e:
                if self.state.args.verbose:
                    print("standin %s: handshake: %s" % (self.addr, e),
                          file=sys.stderr)
                linger_close(socket.socket(fileno=tls.detach()))
                return
            with self.conns_lock:
                self.conns.add(tls)
            try:
                super().finish_request(tls, client_address)
            finally:
                with self.conns_lock:
                    self.conns.discard(tls)
                try:
                    tls.close()
                except OSError:
                    pass
        finally:
            with self.conns_lock:
                self.conns.discard(request)

    def close_all(self):
        with self.conns_lock:
            conns = list(self.conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class Control(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def reply(self, code, obj):
        data = (json.dumps(obj, separators=(",", ":")) + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        st = self.server.state
        with st.lock:
            self.reply(200, {"running": sorted(self.server.apis),
                             "hung": sorted(st.hung),
                             "csrs": sorted(st.csrs),
                             "clusterrolebindings": sorted(st.crbs)})

    def do_POST(self):
        u = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(u.query))
        st = self.server.state
        addr = q.get("addr", "")
        ok = True
        if u.path == "/stop":
            ok = self.server.stop(addr)
        elif u.path == "/start":
            ok = self.server.start(addr)
        elif u.path == "/hang":
            st.hung.add(addr)
        elif u.path == "/deny-next-csr":
            st.deny_next = True
        elif u.path == "/reset":
            with st.lock:
                st.reset()
        else:
            ok = False
        self.reply(200 if ok else 400, {"ok": ok})


class ControlServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port, ctx, state, api_port):
        self.ctx = ctx
        self.state = state
        self.port = api_port
        self.apis = {}
        self.apis_lock = threading.Lock()
        super().__init__(("127.0.0.1", port), Control)

    def start(self, addr):
        with self.apis_lock:
            if addr in self.apis:
                return True
            s = ApiServer(addr, self.port, self.ctx, self.state)
            self.apis[addr] = s
        self.state.hung.discard(addr)
        t = threading.Thread(target=s.serve_forever, daemon=True)
        t.start()
        return True

    def stop(self, addr):
        with self.apis_lock:
            s = self.apis.pop(addr, None)
        if s is None:
            return False
        s.shutdown()
        s.server_close()
        s.close_all()
        return True


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--ca", required=True)
    p.add_argument("--ca-key", required=True)
    p.add_argument("--cluster-id", required=True)
    p.add_argument("--addr", action="append")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--ctl-port", type=int, default=0)
    p.add_argument("--creator-arn",
                   default="arn:aws:sts::123456789012:user/moto")
    p.add_argument("--sign-delay", type=float, default=0.2)
    p.add_argument("--token-cache-ttl", type=float, default=120)
    p.add_argument("--ready-file")
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args()
    if not args.addr:
        args.addr = ["127.0.0.11", "127.0.0.12", "127.0.0.13"]

    with open(args.ca, "rb") as f:
        ca_cert = x509.load_pem_x509_certificate(f.read())
    with open(args.ca_key, "rb") as f:
        ca_key = serialization.load_pem_private_key(f.read(), None)
    state = State(args, ca_cert, ca_key)

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(args.cert, args.key)
    ctx.load_verify_locations(args.ca)
    ctx.verify_mode = ssl.CERT_OPTIONAL
    ctx.set_alpn_protocols(["http/1.1"])

    # The first address picks the port (0: any free one); the others share
    # it, as the control-plane instances all listen on 443.
    port = args.port
    first = ApiServer(args.addr[0], port, ctx, state)
    port = first.server_address[1]
    ctl = ControlServer(args.ctl_port, ctx, state, port)
    ctl.apis[args.addr[0]] = first
    threading.Thread(target=first.serve_forever, daemon=True).start()
    for a in args.addr[1:]:
        ctl.start(a)
    if args.ready_file:
        tmp = args.ready_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"port": port, "ctl_port": ctl.server_address[1],
                       "pid": os.getpid()}, f)
        os.rename(tmp, args.ready_file)
    try:
        ctl.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
