#!/usr/bin/env python3
"""A thin wrapper around moto's WSGI app for the eksl tests.

Usage: moto_wrapper.py [--port N] [--port-file FILE] [--parent PID]
                       [--max-life SECONDS]

Serves moto (same process) on 127.0.0.1 with werkzeug's threaded server and
adds what the tests need and moto lacks.  The chosen port is printed as
"port N" and written to --port-file.  It exits when --parent is gone.

Presigned STS GETs (X-Amz-Credential=AK/DATE/REGION/sts/aws4_request,
Action=GetCallerIdentity, no Authorization header) are verified with
botocore for the real host sts.REGION.amazonaws.com (the Host on the wire
is ours) and answered by moto's STS; a bad or expired signature gets a 403
STS error.  Secrets: AKIDEXAMPLE (see DEFAULT_KEYS), keys added with POST
/_eksl/keys {"AK": "SECRET"}, and moto's IAM and AssumeRole keys.

Control endpoints (JSON):
  POST   /_eksl/faults    a rule or an array of rules:
           service  signing name ("eks", "sts", ...) or "*" (default)
           action   "DescribeCluster", ... or "*" (default)
           kind     throttle | 503 | 500 | delay | reset | skew
           count    how many matching requests it answers (default 1)
           delay_ms for delay (default 1000); on other kinds, answer late
           status, code, message   override the answer's HTTP status,
                    error code and message
           skew_s   for skew: the Date header is now + skew_s
         Errors come in the service's format: JSON with x-amzn-ErrorType
         for REST-JSON services, XML ErrorResponse (Response/Errors for
         EC2) for Query services.  reset closes the socket unanswered.
  DELETE /_eksl/faults    clear the rules; GET lists them
  POST   /_eksl/clusters/NAME  {"sequence": [cluster, ...]}: each
         DescribeCluster of NAME answers the next one (the last repeats);
         CreateCluster of NAME answers the first.  Without a sequence,
         CreateCluster's outpostConfig and a generated id are kept and
         added to moto's DescribeCluster answers.
  DELETE /_eksl/clusters/NAME
  GET    /_eksl/requests  every request since the last reset: method, path,
         query, headers (lower-case names), body, service, action, time
  DELETE /_eksl/requests  clear the log
  POST   /_eksl/reset     clear moto, rules, clusters, keys and the log
  GET    /_eksl/ready     200 once serving
"""

import argparse
import base64
import datetime
import email.utils
import hmac
import io
import json
import os
import re
import socket
import sys
import threading
import time
import uuid
from unittest import mock
from urllib.parse import parse_qsl, urlencode

os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")

import botocore.auth  # noqa: E402
import botocore.awsrequest  # noqa: E402
import botocore.credentials  # noqa: E402
import botocore.session  # noqa: E402
from moto.moto_server.werkzeug_app import (  # noqa: E402
    DomainDispatcherApplication,
    create_backend_app,
)
from werkzeug.serving import WSGIRequestHandler, make_server  # noqa: E402

def _speed_up_iam():
    """Load AWS managed policies once, for the "aws" partition only.

    With MOTO_IAM_LOAD_MANAGED_POLICIES=true moto parses ~1300 policies
    for every IAM partition backend it makes (a caller lookup makes all of
    them) and again on every reset: seconds per test.  Parse once, and
    skip the partitions the tests never use.
    """
    try:
        from moto.iam import models as iam_models
    except ImportError:
        return
    cache = {}

    def init_aws_policies(self):
        if not iam_models.load_iam_aws_managed_policies():
            return []
        if self.region_name != "aws":
            return []
        if "data" not in cache:
            parsed = json.loads(iam_models.aws_managed_policies_data)
            cache["data"] = [
                (name, d.get("DefaultVersionId"), d.get("Path"),
                 json.dumps(d.get("Document")),
                 datetime.datetime.fromisoformat(d["CreateDate"]),
                 datetime.datetime.fromisoformat(d["UpdateDate"]))
                for name, d in parsed.items()]
        return [
            iam_models.AWSManagedPolicy(
                name, account_id=self.account_id, region=self.region_name,
                default_version_id=ver, path=path, document=doc,
                create_date=cdate, update_date=udate)
            for name, ver, path, doc, cdate, udate in cache["data"]]

    iam_models.IAMBackend._init_aws_policies = init_aws_policies


_speed_up_iam()

DEFAULT_KEYS = {"AKIDEXAMPLE": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
QUERY_SERVICES = {"sts", "iam", "ec2", "autoscaling", "sqs", "sns"}
AUTH_PARAMS = {
    "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
    "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token",
}
XMLNS = {
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
}


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.faults = []
        self.canned = {}        # name -> {"sequence": [...], "next": i}
        self.extra = {}         # name -> {"outpostConfig":..., "id":...}
        self.log = []
        self.keys = dict(DEFAULT_KEYS)


STATE = State()
_ROUTES = {}


def rest_routes(service):
    """(method, regex, operation) for a REST-JSON service from botocore."""
    if service in _ROUTES:
        return _ROUTES[service]
    routes = []
    try:
        model = botocore.session.get_session().get_service_model(service)
        for op in model.operation_names:
            http = model.operation_model(op).http
            uri = http.get("requestUri", "/").split("?")[0]
            literal = len(re.sub(r"\{[^}]*\}", "", uri))
            rx = re.sub(r"\\\{[^}]*?\\\+\\\}", ".+",
                        re.escape(uri))
            rx = re.sub(r"\\\{[^}]*\\\}", "[^/]+", rx)
            routes.append((literal, http.get("method", "POST"),
                           re.compile("^" + rx + "/?$"), op))
    except Exception:
        pass
    routes.sort(key=lambda r: -r[0])
    _ROUTES[service] = routes
    return routes


def classify(environ, body):
    """The signing service and the action of a request (either may be None)."""
    service = action = None
    auth = environ.get("HTTP_AUTHORIZATION", "")
    m = re.search(r"Credential=[^/,]+/\d+/([^/,]+)/([^/,]+)/aws4_request",
                  auth)
    query = dict(parse_qsl(environ.get("QUERY_STRING", ""),
                           keep_blank_values=True))
    if m:
        service = m.group(2)
    elif "X-Amz-Credential" in query:
        parts = query["X-Amz-Credential"].split("/")
        if len(parts) == 5:
            service = parts[3]
    if "Action" in query:
        action = query["Action"]
    ctype = environ.get("CONTENT_TYPE", "")
    if action is None and ctype.startswith("application/x-www-form-urlencoded"):
        form = dict(parse_qsl(body.decode("utf-8", "replace"),
                              keep_blank_values=True))
        action = form.get("Action")
    target = environ.get("HTTP_X_AMZ_TARGET")
    if action is None and target:
        action = target.split(".")[-1]
    if action is None and service and service not in QUERY_SERVICES:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "/")
        for _, meth, rx, op in rest_routes(service):
            if meth == method and rx.match(path):
                action = op
                break
    return service, action


def response(start_response, status, body, headers=None, ctype=None):
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
        ctype = ctype or "application/json"
    if isinstance(body, str):
        body = body.encode("utf-8")
    reasons = {200: "OK", 204: "No Content", 400: "Bad Request",
               403: "Forbidden", 404: "Not Found", 429: "Too Many Requests",
               500: "Internal Server Error", 503: "Service Unavailable"}
    h = [("Content-Type", ctype or "text/plain"),
         ("Content-Length", str(len(body)))]
    h += list(headers or [])
    start_response(f"{status} {reasons.get(status, 'Status')}", h)
    return [body]


def aws_error(start_response, service, status, code, message, headers=None):
    """An error answer in the service's own format."""
    rid = str(uuid.uuid4())
    headers = list(headers or [])
    if service == "ec2":
        xml = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors>"
               f"<Error><Code>{code}</Code><Message>{xml_escape(message)}"
               f"</Message></Error></Errors><RequestID>{rid}</RequestID>"
               "</Response>")
        return response(start_response, status, xml, headers, "text/xml")
    if service in QUERY_SERVICES or service is None:
        ns = XMLNS.get(service, "https://sts.amazonaws.com/doc/2011-06-15/")
        kind = "Sender" if status < 500 else "Receiver"
        xml = (f"<ErrorResponse xmlns=\"{ns}\">\n  <Error>\n"
               f"    <Type>{kind}</Type>\n    <Code>{code}</Code>\n"
               f"    <Message>{xml_escape(message)}</Message>\n  </Error>\n"
               f"  <RequestId>{rid}</RequestId>\n</ErrorResponse>\n")
        headers.append(("x-amzn-RequestId", rid))
        return response(start_response, status, xml, headers, "text/xml")
    headers += [("x-amzn-ErrorType", code), ("x-amzn-RequestId", rid)]
    return response(start_response, status, {"message": message}, headers,
                    "application/json")


def xml_escape(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace('"', "&quot;"))


def take_fault(service, action):
    with STATE.lock:
        for f in STATE.faults:
            if f["count"] <= 0:
                continue
            if f.get("service", "*") not in ("*", service):
                continue
            if f.get("action", "*") not in ("*", action):
                continue
            f["count"] -= 1
            return dict(f)
    return None


def lookup_secret(access_key):
    with STATE.lock:
        if access_key in STATE.keys:
            return STATE.keys[access_key]
    try:
        from moto.iam.models import iam_backends
        from moto.sts.models import sts_backends
        for _, acct in list(iam_backends.items()):
            for _, be in list(acct.items()):
                key = be.access_keys.get(access_key)
                if key is not None:
                    return key.secret_access_key
        for _, acct in list(sts_backends.items()):
            for _, be in list(acct.items()):
                for role in list(be.assumed_roles):
                    if role.access_key_id == access_key:
                        return role.secret_access_key
    except Exception:
        pass
    return None


def verify_presigned(environ, query):
    """None when the presigned request verifies, else (code, message)."""
    try:
        cred = query["X-Amz-Credential"].split("/")
        access_key, region, service = cred[0], cred[2], cred[3]
        amzdate = query["X-Amz-Date"]
        expires = int(query.get("X-Amz-Expires", "0"))
        signed = query["X-Amz-SignedHeaders"].split(";")
        given = query["X-Amz-Signature"]
        when = datetime.datetime.strptime(amzdate, "%Y%m%dT%H%M%SZ")
    except (KeyError, IndexError, ValueError):
        return ("IncompleteSignature", "The request signature is incomplete")
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    if when + datetime.timedelta(seconds=expires) < now:
        return ("ExpiredToken", f"Signature expired: {amzdate} is now "
                f"earlier than {now.strftime('%Y%m%dT%H%M%SZ')}")
    if when - datetime.timedelta(minutes=15) > now:
        return ("SignatureDoesNotMatch", "Signature not yet current: "
                f"{amzdate} is still later than "
                f"{now.strftime('%Y%m%dT%H%M%SZ')}")
    secret = lookup_secret(access_key)
    if secret is None:
        return ("InvalidClientTokenId",
                "The security token included in the request is invalid.")
    headers = {}
    for name in signed:
        if name == "host":
            continue
        val = environ.get("HTTP_" + name.upper().replace("-", "_"))
        if val is None:
            return ("SignatureDoesNotMatch",
                    f"signed header {name} is missing from the request")
        headers[name] = val
    params = [(k, v) for k, v in parse_qsl(environ.get("QUERY_STRING", ""),
                                           keep_blank_values=True)
              if k not in AUTH_PARAMS]
    host = f"{service}.{region}.amazonaws.com"
    url = f"https://{host}{environ.get('PATH_INFO', '/')}"
    if params:
        url += "?" + urlencode(params)
    creds = botocore.credentials.Credentials(
        access_key, secret, query.get("X-Amz-Security-Token"))
    req = botocore.awsrequest.AWSRequest(method="GET", url=url,
                                         headers=headers)
    with mock.patch("botocore.auth.get_current_datetime",
                    return_value=when):
        botocore.auth.SigV4QueryAuth(creds, service, region,
                                     expires=expires).add_auth(req)
    mine = dict(parse_qsl(req.url.split("?", 1)[1])).get("X-Amz-Signature",
                                                          "")
    if not hmac.compare_digest(mine, given):
        return ("SignatureDoesNotMatch",
                "The request signature we calculated does not match the "
                "signature you provided.")
    return None


class Wrapper:
    def __init__(self):
        self.moto = DomainDispatcherApplication(create_backend_app)

    def call_moto(self, environ, body):
        """Run moto on environ; returns (status, headers, body bytes)."""
        env = dict(environ)
        env["wsgi.input"] = io.BytesIO(body)
        env["CONTENT_LENGTH"] = str(len(body))
        out = {}

        def sr(status, headers, exc_info=None):
            out["status"] = status
            out["headers"] = headers
        chunks = self.moto(env, sr)
        data = b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
        return int(out["status"].split()[0]), out["headers"], data

    def __call__(self, environ, start_response):
        try:
            n = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            n = 0
        body = environ["wsgi.input"].read(n) if n > 0 else b""
        path = environ.get("PATH_INFO", "/")
        if path.startswith("/_eksl/"):
            return self.control(environ, start_response, path, body)
        if path.startswith("/moto-api"):
            return self.passthru(environ, start_response, body)

        service, action = classify(environ, body)
        entry = {
            "time": time.time(),
            "method": environ.get("REQUEST_METHOD"),
            "path": path,
            "query": environ.get("QUERY_STRING", ""),
            "headers": {k[5:].replace("_", "-").lower(): v
                        for k, v in environ.items() if k.startswith("HTTP_")},
            "body": body.decode("utf-8", "replace"),
            "service": service,
            "action": action,
        }
        if environ.get("CONTENT_TYPE"):
            entry["headers"]["content-type"] = environ["CONTENT_TYPE"]
        with STATE.lock:
            STATE.log.append(entry)

        fault = take_fault(service, action)
        if fault is not None:
            ans = self.fault(environ, start_response, service, fault)
            if ans is not None:
                return ans

        query = dict(parse_qsl(environ.get("QUERY_STRING", ""),
                               keep_blank_values=True))
        if (environ.get("REQUEST_METHOD") == "GET" and service == "sts"
                and "X-Amz-Credential" in query
                and "HTTP_AUTHORIZATION" not in environ):
            return self.presigned_sts(environ, start_response, query)
        if service == "eks" and action in ("DescribeCluster",
                                           "CreateCluster"):
            return self.eks(environ, start_response, body, action)
        return self.passthru(environ, start_response, body)

    def passthru(self, environ, start_response, body):
        status, headers, data = self.call_moto(environ, body)
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(data))))
        start_response(f"{status} X", headers)
        return [data]

    def fault(self, environ, start_response, service, f):
        kind = f.get("kind")
        status = f.get("status")
        if kind == "delay":
            time.sleep(f.get("delay_ms", 1000) / 1000.0)
            return None
        if f.get("delay_ms"):
            # Any other fault may also be answered late.
            time.sleep(f["delay_ms"] / 1000.0)
        if kind == "reset":
            sock = environ.get("werkzeug.socket")
            if sock is not None:
                try:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                    b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            raise ConnectionResetError("eksl fault: connection dropped")
        if kind == "throttle":
            code = f.get("code") or {
                "ec2": "RequestLimitExceeded", "sts": "Throttling",
                "iam": "Throttling"}.get(service, "ThrottlingException")
            return aws_error(start_response, service, status or 400, code,
                             f.get("message") or "Rate exceeded")
        if kind in ("503", "500"):
            code = f.get("code") or ("ServiceUnavailable" if kind == "503"
                                     else "InternalFailure")
            if service not in QUERY_SERVICES and not f.get("code"):
                code = code + "Exception" if kind == "503" else \
                    "ServerException"
            msg = f.get("message") or (
                "Service is unavailable; try again" if kind == "503"
                else "internal error")
            return aws_error(start_response, service, status or int(kind),
                             code, msg)
        if kind == "skew":
            date = time.time() + f.get("skew_s", 0)
            amzdate = (environ.get("HTTP_X_AMZ_DATE") or "")
            msg = ("Signature expired: " + amzdate + " is now earlier than "
                   + time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(date))
                   + " (" + time.strftime("%Y%m%dT%H%M%SZ",
                                          time.gmtime(date - 300)) +
                   " - 5 min.)")
            code = f.get("code") or ("InvalidSignatureException"
                                     if service not in QUERY_SERVICES
                                     else "SignatureDoesNotMatch")
            if f.get("code") is None and service in ("ec2",):
                code = "RequestExpired"
            hdr = [("Date", email.utils.formatdate(date, usegmt=True))]
            return aws_error(start_response, service, status or 403, code,
                             f.get("message") or msg, hdr)
        return None

    def presigned_sts(self, environ, start_response, query):
        bad = verify_presigned(environ, query)
        if bad is not None:
            return aws_error(start_response, "sts", 403, bad[0], bad[1])
        if query.get("Action") != "GetCallerIdentity":
            return aws_error(start_response, "sts", 400, "InvalidAction",
                             "only GetCallerIdentity may be presigned here")
        cred = query["X-Amz-Credential"].split("/")
        env = dict(environ)
        env["REQUEST_METHOD"] = "GET"
        env["QUERY_STRING"] = urlencode({"Action": "GetCallerIdentity",
                                         "Version": query.get("Version",
                                                              "2011-06-15")})
        env["HTTP_AUTHORIZATION"] = (
            f"AWS4-HMAC-SHA256 Credential={cred[0]}/{cred[1]}/{cred[2]}/sts/"
            "aws4_request, SignedHeaders=host, Signature=0")
        env.pop("CONTENT_TYPE", None)
        return self.passthru(env, start_response, b"")

    def eks(self, environ, start_response, body, action):
        path = environ.get("PATH_INFO", "/")
        if action == "DescribeCluster":
            name = path.rstrip("/").split("/")[-1]
            with STATE.lock:
                c = STATE.canned.get(name)
                if c is not None:
                    seq = c["sequence"]
                    obj = seq[min(c["next"], len(seq) - 1)]
                    c["next"] += 1
            if c is not None:
                return response(start_response, 200, {"cluster": obj})
            status, headers, data = self.call_moto(environ, body)
            return self.augment(start_response, status, headers, data, name)
        try:
            req = json.loads(body or b"{}")
        except ValueError:
            req = {}
        name = req.get("name", "")
        status, headers, data = self.call_moto(environ, body)
        with STATE.lock:
            c = STATE.canned.get(name)
            if status == 200 and c is not None:
                obj = c["sequence"][0]
                return response(start_response, 200, {"cluster": obj})
            if status == 200:
                # A new cluster (moto refuses a second one of the name).
                extra = {"id": str(uuid.uuid4())}
                if "outpostConfig" in req:
                    extra["outpostConfig"] = req["outpostConfig"]
                STATE.extra[name] = extra
        return self.augment(start_response, status, headers, data, name)

    def augment(self, start_response, status, headers, data, name):
        with STATE.lock:
            extra = STATE.extra.get(name)
        if status == 200 and extra:
            try:
                doc = json.loads(data)
                doc["cluster"].update(extra)
                data = json.dumps(doc).encode()
            except (ValueError, KeyError, TypeError, AttributeError):
                pass
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(data))))
        start_response(f"{status} X", headers)
        return [data]

    def control(self, environ, start_response, path, body):
        method = environ.get("REQUEST_METHOD")
        try:
            doc = json.loads(body) if body else None
        except ValueError as e:
            return response(start_response, 400, {"error": f"bad JSON: {e}"})
        if path == "/_eksl/faults" and method == "POST":
            rules = doc if isinstance(doc, list) else [doc]
            for r in rules:
                if not isinstance(r, dict) or r.get("kind") not in (
                        "throttle", "503", "500", "delay", "reset", "skew"):
                    return response(start_response, 400,
                                    {"error": "bad fault rule"})
                r.setdefault("count", 1)
            with STATE.lock:
                STATE.faults.extend(rules)
            return response(start_response, 200, {"ok": True})
        if path == "/_eksl/faults" and method == "DELETE":
            with STATE.lock:
                STATE.faults = []
            return response(start_response, 200, {"ok": True})
        if path == "/_eksl/faults" and method == "GET":
            with STATE.lock:
                return response(start_response, 200, STATE.faults)
        if path.startswith("/_eksl/clusters/") and method == "POST":
            name = path[len("/_eksl/clusters/"):]
            seq = (doc or {}).get("sequence") if isinstance(doc, dict) else None
            if not name or not isinstance(seq, list) or not seq:
                return response(start_response, 400,
                                {"error": "want {\"sequence\": [...]}"})
            with STATE.lock:
                STATE.canned[name] = {"sequence": seq, "next": 0}
            return response(start_response, 200, {"ok": True})
        if path.startswith("/_eksl/clusters/") and method == "DELETE":
            with STATE.lock:
                STATE.canned.pop(path[len("/_eksl/clusters/"):], None)
            return response(start_response, 200, {"ok": True})
        if path == "/_eksl/requests" and method == "GET":
            with STATE.lock:
                return response(start_response, 200, STATE.log)
        if path == "/_eksl/requests" and method == "DELETE":
            with STATE.lock:
                STATE.log = []
            return response(start_response, 200, {"ok": True})
        if path == "/_eksl/keys" and method == "POST":
            if not isinstance(doc, dict):
                return response(start_response, 400,
                                {"error": "want {\"ACCESS_KEY\": \"SECRET\"}"})
            with STATE.lock:
                STATE.keys.update({str(k): str(v) for k, v in doc.items()})
            return response(start_response, 200, {"ok": True})
        if path == "/_eksl/reset" and method == "POST":
            env = {"REQUEST_METHOD": "POST", "PATH_INFO": "/moto-api/reset",
                   "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
                   "SERVER_PORT": environ.get("SERVER_PORT", "0"),
                   "HTTP_HOST": environ.get("HTTP_HOST", "127.0.0.1"),
                   "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
                   "wsgi.version": (1, 0), "wsgi.multithread": True,
                   "wsgi.multiprocess": False, "wsgi.run_once": False}
            self.call_moto(env, b"")
            with STATE.lock:
                STATE.reset()
            return response(start_response, 200, {"ok": True})
        if path == "/_eksl/ready":
            return response(start_response, 200, {"ok": True})
        return response(start_response, 404, {"error": "no such control"})


class QuietHandler(WSGIRequestHandler):
    def log_request(self, code="-", size="-"):
        if os.environ.get("EKSL_MOTO_QUIET") != "1":
            super().log_request(code, size)


def watchdog(parent, max_life):
    """Never outlive the test file that started us."""
    deadline = time.monotonic() + max_life
    while time.monotonic() < deadline:
        if parent > 0:
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                break
            except PermissionError:
                pass
        time.sleep(0.5)
    os._exit(0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--parent", type=int, default=0,
                    help="exit when this process is gone")
    ap.add_argument("--max-life", type=int, default=3600,
                    help="exit after this many seconds")
    args = ap.parse_args()
    threading.Thread(target=watchdog, args=(args.parent, args.max_life),
                     daemon=True).start()
    srv = make_server("127.0.0.1", args.port, Wrapper(), threaded=True,
                      request_handler=QuietHandler)
    srv.socket.listen(128)
    port = srv.server_port
    print(f"port {port}", flush=True)
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{port}\n")
        os.rename(tmp, args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
