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
           kind     throttle | 503 | 500 | delay | reset | skew | body
           count    how many matching requests it answers (default 1)
           delay_ms for delay (default 1000); on other kinds, answer late
           status, code, message   override the answer's HTTP status,
                    error code and message
           skew_s   for skew: the Date header is now + skew_s
           body     for body: the answer's text (status default 200,
                    Content-Type text/xml), e.g. XML the client must refuse
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
  POST   /_eksl/reset     clear moto, rules, clusters, keys, the log and the
         Outpost
  GET    /_eksl/ready     200 once serving

What moto lacks for eksl-provision, canned but stateful (kept until a
reset; the Outpost is set with a control call):
  POST   /_eksl/outpost   the Outpost: {"outpostId", "outpostArn",
         "availabilityZone" (default us-west-2a), "availabilityZoneId",
         "types": [instance types], "placementGroups": [names],
         "onOutpost": [subnet ids moto made without it], "freeIps": N (every
         subnet's availableIpAddressCount), "localGateway": {"id",
         "routeTableId"} or absent (no local gateway)}
  POST   /_eksl/versions  {"versions": [ClusterVersionInformation, ...]}
         answers EKS DescribeClusterVersions; {"versions": null} leaves it
         to moto (which has no such route: a 404)
  Outposts  GetOutpost, GetOutpostInstanceTypes (from the Outpost)
  EC2  DescribePlacementGroups (from the Outpost); CreateSubnet with
       OutpostArn (checked against the Outpost and its zone, then kept:
       DescribeSubnets answers carry outpostArn); DescribeLocalGatewayRoute
       Tables; Create/Describe/DeleteLocalGatewayRouteTableVpcAssociation
       (with tags and tag filters); CreateRoute with LocalGatewayId (needs
       the VPC associated with the local gateway's route table; Describe
       RouteTables answers carry localGatewayId); DeleteVpc refuses a VPC
       still associated with a local gateway route table
  EKS  DescribeClusterVersions; CreateCluster keeps a generated
       clusterSecurityGroupId, added to DescribeCluster answers

Test bench set-up through boto3 against this server (JSON in, JSON out):
  POST /_eksl/bench/network {"cidr", "dnsHostnames"} -> {"vpc", "subnet"}
  POST /_eksl/bench/instances {"name", "subnet", "ips"} -> {"ids"}: one
       instance per IP tagged Name=NAME-control-plane-N, and one ENI per
       IP described "Amazon EKS NAME"
  POST /_eksl/bench/role {"name"} -> {"arn"}
  GET  /_eksl/bench/role?name=N -> {"trust": [services], "policies": [ARNs]}
  GET  /_eksl/bench/clusters -> {"clusters": [names]}
  GET  /_eksl/bench/ec2 -> {"vpcs", "subnets", "routeTables",
       "lgwAssociations"}: what exists now, with tags
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
import xml.etree.ElementTree as ET
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


def _speed_up_dispatch():
    """Work out once what moto works out again for every request.

    For each request moto's dispatcher lists its package directory and
    stats each of ~180 entries (backends.list_of_moto_modules), and its
    responses look up the handler class's methods with inspect
    (method_names_from_class): together about 1.7 ms of a 2.3 ms EC2
    call here.  Neither answer can change while the server runs.  The
    answers themselves are moto's, untouched.
    """
    try:
        from moto import backends as moto_backends
        from moto.core import responses as moto_responses
        slow = moto_responses.method_names_from_class
        mods = tuple(moto_backends.list_of_moto_modules())
    except (ImportError, AttributeError):
        return  # another moto: run it as it is
    moto_backends.list_of_moto_modules = lambda: mods
    names = {}

    def method_names_from_class(clazz):
        if clazz not in names:
            names[clazz] = tuple(slow(clazz))
        return list(names[clazz])
    moto_responses.method_names_from_class = method_names_from_class


_speed_up_dispatch()

DEFAULT_KEYS = {"AKIDEXAMPLE": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
QUERY_SERVICES = {"sts", "iam", "ec2", "autoscaling", "sqs", "sns"}
AUTH_PARAMS = {
    "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
    "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token",
}
EC2_NS = "http://ec2.amazonaws.com/doc/2016-11-15/"
DEFAULT_VERSIONS = [
    {"clusterVersion": v, "clusterType": "eks", "defaultVersion": d,
     "defaultPlatformVersion": "eks.1", "status": st.lower().replace("_", "-"),
     "versionStatus": st, "kubernetesPatchVersion": v + ".0"}
    for v, d, st in (("1.30", True, "STANDARD_SUPPORT"),
                     ("1.29", False, "STANDARD_SUPPORT"),
                     ("1.28", False, "EXTENDED_SUPPORT"))]
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
        self.outpost = None     # the Outpost (POST /_eksl/outpost)
        self.versions = list(DEFAULT_VERSIONS)
        self.subnet_outpost = {}    # subnet id -> Outpost ARN
        self.lgw_assocs = {}    # association id -> association
        self.lgw_routes = {}    # (route table id, CIDR) -> local gateway


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


# ---- what moto lacks for eksl-provision ------------------------------------

ACCOUNT = "123456789012"
BENCH_AGENT = "eksl-bench"
SELF = {"url": None}
_CLIENTS = {}


def bench_client(service):
    """A boto3 client for this very server; its requests are not logged."""
    import boto3
    import botocore.config
    if service not in _CLIENTS:
        _CLIENTS[service] = boto3.client(
            service, endpoint_url=SELF["url"], region_name="us-west-2",
            aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="x",
            config=botocore.config.Config(user_agent_extra=BENCH_AGENT,
                                          retries={"max_attempts": 1}))
    return _CLIENTS[service]


def form_of(environ, body):
    form = dict(parse_qsl(body.decode("utf-8", "replace"),
                          keep_blank_values=True))
    form.update(parse_qsl(environ.get("QUERY_STRING", ""),
                          keep_blank_values=True))
    return form


def indexed(form, prefix):
    """The values of PREFIX.1, PREFIX.2, ... in order."""
    out = []
    for k, v in form.items():
        m = re.match(r"^" + re.escape(prefix) + r"\.(\d+)$", k)
        if m:
            out.append((int(m.group(1)), v))
    return [v for _, v in sorted(out)]


def filters_of(form):
    """{name: [values]} from Filter.N.Name / Filter.N.Value.M."""
    out = {}
    for k, v in form.items():
        m = re.match(r"^Filter\.(\d+)\.Name$", k)
        if m:
            out[v] = indexed(form, f"Filter.{m.group(1)}.Value")
    return out


def tags_of(form, rtype):
    """[(key, value)] of the TagSpecification for resource type rtype."""
    out = []
    for k, v in form.items():
        m = re.match(r"^TagSpecification\.(\d+)\.ResourceType$", k)
        if m and v == rtype:
            n = m.group(1)
            i = 1
            while f"TagSpecification.{n}.Tag.{i}.Key" in form:
                out.append((form[f"TagSpecification.{n}.Tag.{i}.Key"],
                            form.get(f"TagSpecification.{n}.Tag.{i}.Value",
                                     "")))
                i += 1
    return out


def tag_filter_ok(tags, filters):
    for name, values in filters.items():
        if name.startswith("tag:"):
            if not any(k == name[4:] and v in values for k, v in tags):
                return False
        elif name == "tag-key":
            if not any(k in values for k, _ in tags):
                return False
    return True


def ec2_answer(start_response, action, inner):
    xml = ('<?xml version="1.0" encoding="UTF-8"?>\n'
           f'<{action}Response xmlns="{EC2_NS}"><requestId>'
           f"{uuid.uuid4()}</requestId>{inner}</{action}Response>")
    return response(start_response, 200, xml, ctype="text/xml")


def tagset(tags):
    return "<tagSet>" + "".join(
        f"<item><key>{xml_escape(k)}</key><value>{xml_escape(v)}</value>"
        "</item>" for k, v in tags) + "</tagSet>"


def assoc_xml(a):
    return (f"<localGatewayRouteTableVpcAssociationId>{a['id']}"
            "</localGatewayRouteTableVpcAssociationId>"
            f"<localGatewayRouteTableId>{a['routeTableId']}"
            "</localGatewayRouteTableId>"
            "<localGatewayRouteTableArn>arn:aws:ec2:us-west-2:"
            f"{ACCOUNT}:local-gateway-route-table/{a['routeTableId']}"
            "</localGatewayRouteTableArn>"
            f"<localGatewayId>{a['localGatewayId']}</localGatewayId>"
            f"<vpcId>{a['vpcId']}</vpcId><ownerId>{ACCOUNT}</ownerId>"
            f"<state>{a['state']}</state>" + tagset(a["tags"]))


def moto_route_table_vpc(region, rtb):
    try:
        from moto.ec2.models import ec2_backends
        return ec2_backends[ACCOUNT][region].route_tables[rtb].vpc_id
    except Exception:
        return None


def moto_subnet_vpc(region, subnet):
    try:
        from moto.ec2.models import ec2_backends
        return ec2_backends[ACCOUNT][region].get_subnet(subnet).vpc_id
    except Exception:
        return None


def region_of(environ):
    m = re.search(r"Credential=[^/,]+/\d+/([^/,]+)/",
                  environ.get("HTTP_AUTHORIZATION", ""))
    return m.group(1) if m else "us-west-2"


def rewrite_xml(data, fn):
    """Parse an EC2 answer, let fn(root, ns) change it, serialise it."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        return data
    ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    fn(root, ns)
    ET.register_namespace("", ns)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


def q(ns, name):
    return f"{{{ns}}}{name}" if ns else name


def add_outpost_arns(root, ns):
    with STATE.lock:
        op = STATE.outpost or {}
        known = dict(STATE.subnet_outpost)
    for sid in op.get("onOutpost", []):
        known.setdefault(sid, op.get("outpostArn"))
    for parent in root.iter():
        sid = parent.find(q(ns, "subnetId"))
        if sid is None or parent.find(q(ns, "cidrBlock")) is None:
            continue
        if sid.text in known and parent.find(q(ns, "outpostArn")) is None:
            ET.SubElement(parent, q(ns, "outpostArn")).text = known[sid.text]
        if "freeIps" in op:
            c = parent.find(q(ns, "availableIpAddressCount"))
            if c is not None:
                c.text = str(op["freeIps"])


def add_lgw_routes(root, ns):
    with STATE.lock:
        routes = dict(STATE.lgw_routes)
    for rt in root.iter():
        rid = rt.find(q(ns, "routeTableId"))
        rset = rt.find(q(ns, "routeSet"))
        if rid is None or rset is None:
            continue
        for r in rset.findall(q(ns, "item")):
            cidr = r.find(q(ns, "destinationCidrBlock"))
            lgw = routes.get((rid.text, cidr.text if cidr is not None
                              else None))
            if lgw and r.find(q(ns, "localGatewayId")) is None:
                ET.SubElement(r, q(ns, "localGatewayId")).text = lgw


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
        bench = BENCH_AGENT in environ.get("HTTP_USER_AGENT", "")
        if not bench:
            with STATE.lock:
                STATE.log.append(entry)

        fault = None if bench else take_fault(service, action)
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
        if service == "eks" and action == "DescribeClusterVersions":
            ans = self.versions(environ, start_response)
            if ans is not None:
                return ans
        if service == "outposts":
            return self.outposts(environ, start_response, action)
        if service == "ec2":
            return self.ec2(environ, start_response, body, action)
        return self.passthru(environ, start_response, body)

    def versions(self, environ, start_response):
        with STATE.lock:
            vs = STATE.versions
        if vs is None:
            return None
        query = {}
        for k, v in parse_qsl(environ.get("QUERY_STRING", "")):
            query.setdefault(k, []).append(v)
        out = list(vs)
        if query.get("defaultOnly") == ["true"]:
            out = [v for v in out if v.get("defaultVersion")]
        if "clusterVersions" in query:
            out = [v for v in out
                   if v["clusterVersion"] in query["clusterVersions"]]
        if "versionStatus" in query:
            out = [v for v in out
                   if v.get("versionStatus") in query["versionStatus"]]
        return response(start_response, 200, {"clusterVersions": out})

    def outposts(self, environ, start_response, action):
        with STATE.lock:
            op = STATE.outpost
        path = environ.get("PATH_INFO", "/")
        m = re.match(r"^/outposts/([^/]+)(/instanceTypes)?/?$", path)
        if (environ.get("REQUEST_METHOD") != "GET" or m is None
                or action not in ("GetOutpost", "GetOutpostInstanceTypes")):
            return aws_error(start_response, "outposts", 404,
                             "NotFoundException", "no route")
        if op is None or m.group(1) not in (op["outpostId"],
                                            op["outpostArn"]):
            return aws_error(start_response, "outposts", 404,
                             "NotFoundException",
                             f"Outpost {m.group(1)} not found")
        if action == "GetOutpostInstanceTypes":
            return response(start_response, 200, {
                "InstanceTypes": [{"InstanceType": t}
                                  for t in op.get("types", [])],
                "OutpostId": op["outpostId"],
                "OutpostArn": op["outpostArn"]})
        return response(start_response, 200, {"Outpost": {
            "OutpostId": op["outpostId"], "OwnerId": ACCOUNT,
            "OutpostArn": op["outpostArn"], "SiteId": "os-0123456789abcdef0",
            "Name": "bench", "LifeCycleStatus": "ACTIVE",
            "AvailabilityZone": op.get("availabilityZone", "us-west-2a"),
            "AvailabilityZoneId": op.get("availabilityZoneId", "usw2-az1"),
            "SupportedHardwareType": "RACK", "Tags": {}}})

    def ec2(self, environ, start_response, body, action):
        form = form_of(environ, body)
        with STATE.lock:
            op = STATE.outpost or {}
        lgw = op.get("localGateway") or {}
        if action == "DescribePlacementGroups":
            want = (indexed(form, "GroupName") +
                    [v for vs in filters_of(form).values() for v in vs])
            items = "".join(
                f"<item><groupName>{g}</groupName><strategy>spread"
                "</strategy><state>available</state></item>"
                for g in op.get("placementGroups", []) if g in want)
            return ec2_answer(start_response, action,
                              f"<placementGroupSet>{items}"
                              "</placementGroupSet>")
        if action == "DescribeLocalGatewayRouteTables":
            f = filters_of(form)
            ids = indexed(form, "LocalGatewayRouteTableId")
            items = ""
            if lgw and (not ids or lgw["routeTableId"] in ids) and all(
                    {"outpost-arn": op.get("outpostArn"),
                     "local-gateway-id": lgw["id"],
                     "local-gateway-route-table-id": lgw["routeTableId"]
                     }.get(k) in v for k, v in f.items()):
                items = (
                    f"<item><localGatewayRouteTableId>{lgw['routeTableId']}"
                    "</localGatewayRouteTableId><localGatewayRouteTableArn>"
                    f"arn:aws:ec2:us-west-2:{ACCOUNT}:local-gateway-route-"
                    f"table/{lgw['routeTableId']}</localGatewayRouteTableArn>"
                    f"<localGatewayId>{lgw['id']}</localGatewayId>"
                    f"<outpostArn>{op['outpostArn']}</outpostArn>"
                    f"<ownerId>{ACCOUNT}</ownerId><state>available</state>"
                    "<mode>direct-vpc-routing</mode><tagSet/></item>")
            return ec2_answer(start_response, action,
                              f"<localGatewayRouteTableSet>{items}"
                              "</localGatewayRouteTableSet>")
        if action == "CreateLocalGatewayRouteTableVpcAssociation":
            rtb, vpc = form.get("LocalGatewayRouteTableId"), form.get("VpcId")
            if not lgw or rtb != lgw["routeTableId"]:
                return aws_error(start_response, "ec2", 400,
                                 "InvalidLocalGatewayRouteTableID.NotFound",
                                 f"The localGatewayRouteTable ID '{rtb}' "
                                 "does not exist")
            with STATE.lock:
                for a in STATE.lgw_assocs.values():
                    if (a["vpcId"] == vpc and a["routeTableId"] == rtb
                            and a["state"] == "associated"):
                        return aws_error(
                            start_response, "ec2", 400,
                            "LocalGatewayRouteTableVpcAssociation"
                            ".AlreadyExists", f"{vpc} is already associated "
                            f"with {rtb} ({a['id']})")
                a = {"id": "lgw-vpc-assoc-" + uuid.uuid4().hex[:17],
                     "routeTableId": rtb, "localGatewayId": lgw["id"],
                     "vpcId": vpc, "state": "associated",
                     "tags": tags_of(form, "local-gateway-route-table-vpc-"
                                     "association")}
                STATE.lgw_assocs[a["id"]] = a
            return ec2_answer(start_response, action,
                              "<localGatewayRouteTableVpcAssociation>" +
                              assoc_xml(a) +
                              "</localGatewayRouteTableVpcAssociation>")
        if action == "DescribeLocalGatewayRouteTableVpcAssociations":
            f = filters_of(form)
            ids = indexed(form, "LocalGatewayRouteTableVpcAssociationId")
            with STATE.lock:
                found = [a for a in STATE.lgw_assocs.values()
                         if (not ids or a["id"] in ids)
                         and tag_filter_ok(a["tags"], f)
                         and all({"vpc-id": a["vpcId"],
                                  "local-gateway-route-table-id":
                                  a["routeTableId"],
                                  "local-gateway-id": a["localGatewayId"],
                                  "state": a["state"]}.get(k) in v
                                 for k, v in f.items()
                                 if not k.startswith("tag"))]
            items = "".join(f"<item>{assoc_xml(a)}</item>" for a in found)
            return ec2_answer(start_response, action,
                              "<localGatewayRouteTableVpcAssociationSet>"
                              f"{items}"
                              "</localGatewayRouteTableVpcAssociationSet>")
        if action == "DeleteLocalGatewayRouteTableVpcAssociation":
            aid = form.get("LocalGatewayRouteTableVpcAssociationId")
            with STATE.lock:
                a = STATE.lgw_assocs.get(aid)
                if a is None or a["state"] != "associated":
                    a = None
                else:
                    # Gone at once; later answers say "disassociated".
                    a["state"] = "disassociated"
                    shown = dict(a, state="disassociating")
            if a is None:
                return aws_error(start_response, "ec2", 400,
                                 "InvalidLocalGatewayRouteTableVpcAssociation"
                                 "ID.NotFound", f"The association ID "
                                 f"'{aid}' does not exist")
            return ec2_answer(start_response, action,
                              "<localGatewayRouteTableVpcAssociation>" +
                              assoc_xml(shown) +
                              "</localGatewayRouteTableVpcAssociation>")
        if action == "CreateSubnet" and form.get("OutpostArn"):
            arn = form["OutpostArn"]
            az = form.get("AvailabilityZone")
            azid = form.get("AvailabilityZoneId")
            if not op or arn != op.get("outpostArn"):
                return aws_error(start_response, "ec2", 400,
                                 "InvalidParameterValue",
                                 f"Outpost {arn} does not exist")
            if (az or azid) is None or (
                    az and az != op.get("availabilityZone", "us-west-2a")) \
                    or (azid and azid != op.get("availabilityZoneId",
                                                "usw2-az1")):
                return aws_error(start_response, "ec2", 400,
                                 "InvalidParameterValue",
                                 f"Outpost {arn} is in availability zone "
                                 f"{op.get('availabilityZone', 'us-west-2a')}"
                                 f", not {az or azid}")
        if action == "CreateRoute" and form.get("LocalGatewayId"):
            rtb = form.get("RouteTableId")
            vpc = moto_route_table_vpc(region_of(environ), rtb)
            if not lgw or form["LocalGatewayId"] != lgw["id"]:
                return aws_error(start_response, "ec2", 400,
                                 "InvalidLocalGatewayID.NotFound",
                                 f"The local gateway ID "
                                 f"'{form['LocalGatewayId']}' does not exist")
            with STATE.lock:
                ok = any(a["vpcId"] == vpc and a["state"] == "associated"
                         for a in STATE.lgw_assocs.values())
            if vpc is not None and not ok:
                return aws_error(start_response, "ec2", 400,
                                 "InvalidParameterValue",
                                 f"{vpc} is not associated with a local "
                                 "gateway route table")
        if action == "DeleteVpc":
            with STATE.lock:
                busy = [a["id"] for a in STATE.lgw_assocs.values()
                        if a["vpcId"] == form.get("VpcId")
                        and a["state"] == "associated"]
            if busy:
                return aws_error(start_response, "ec2", 400,
                                 "DependencyViolation",
                                 f"The vpc '{form.get('VpcId')}' has "
                                 f"dependencies and cannot be deleted "
                                 f"({busy[0]})")

        status, headers, data = self.call_moto(environ, body)
        if status == 200 and action == "CreateSubnet" and form.get(
                "OutpostArn"):
            m = re.search(rb"<subnetId>([^<]+)</subnetId>", data)
            if m:
                with STATE.lock:
                    STATE.subnet_outpost[m.group(1).decode()] = \
                        form["OutpostArn"]
        if status == 200 and action == "CreateRoute" and form.get(
                "LocalGatewayId"):
            with STATE.lock:
                STATE.lgw_routes[(form.get("RouteTableId"),
                                  form.get("DestinationCidrBlock"))] = \
                    form["LocalGatewayId"]
        if status == 200 and action == "DeleteRoute":
            with STATE.lock:
                STATE.lgw_routes.pop((form.get("RouteTableId"),
                                      form.get("DestinationCidrBlock")), None)
        if status == 200 and action in ("CreateSubnet", "DescribeSubnets"):
            data = rewrite_xml(data, add_outpost_arns)
        if status == 200 and action in ("DescribeRouteTables",
                                        "CreateRouteTable"):
            data = rewrite_xml(data, add_lgw_routes)
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(data))))
        start_response(f"{status} X", headers)
        return [data]

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
        if kind == "body":
            return response(start_response, status or 200,
                            f.get("body", ""), ctype="text/xml")
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
                extra = {"id": str(uuid.uuid4()),
                         "clusterSecurityGroupId":
                         "sg-" + uuid.uuid4().hex[:17]}
                sids = (req.get("resourcesVpcConfig") or {}).get(
                    "subnetIds") or [None]
                vpc = moto_subnet_vpc(region_of(environ), sids[0])
                if vpc:
                    extra["vpcId"] = vpc
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
                extra = dict(extra)
                vc = {k: extra.pop(k) for k in ("clusterSecurityGroupId",
                                                 "vpcId") if k in extra}
                doc["cluster"].update(extra)
                if vc:
                    doc["cluster"].setdefault("resourcesVpcConfig",
                                              {}).update(vc)
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
                        "throttle", "503", "500", "delay", "reset", "skew",
                        "body"):
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
        if path == "/_eksl/outpost" and method == "POST":
            if not isinstance(doc, dict) or not doc.get("outpostArn") or \
                    not doc.get("outpostId"):
                return response(start_response, 400, {
                    "error": "want {\"outpostId\", \"outpostArn\", ...}"})
            with STATE.lock:
                STATE.outpost = doc
            return response(start_response, 200, {"ok": True})
        if path == "/_eksl/versions" and method == "POST":
            if not isinstance(doc, dict) or "versions" not in doc:
                return response(start_response, 400,
                                {"error": "want {\"versions\": [...]}"})
            with STATE.lock:
                STATE.versions = doc["versions"]
            return response(start_response, 200, {"ok": True})
        if path.startswith("/_eksl/bench/"):
            try:
                out = bench(method, path[len("/_eksl/bench/"):],
                            environ.get("QUERY_STRING", ""), doc or {})
            except Exception as e:  # the test shows it
                return response(start_response, 500, {"error": repr(e)})
            return response(start_response, 200, out)
        return response(start_response, 404, {"error": "no such control"})


def bench(method, route, query, doc):
    """Set up the test bench in moto through boto3 (see the top)."""
    ec2 = bench_client("ec2")
    query = dict(parse_qsl(query))
    if route == "network":
        cidr = doc.get("cidr", "127.0.0.0/24")
        vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
        if doc.get("dnsHostnames", True):
            ec2.modify_vpc_attribute(VpcId=vpc,
                                     EnableDnsHostnames={"Value": True})
        sub = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr)["Subnet"]
        return {"vpc": vpc, "subnet": sub["SubnetId"]}
    if route == "instances":
        ids = []
        for i, ip in enumerate(doc["ips"], 1):
            r = ec2.run_instances(
                ImageId="ami-12c6146b", MinCount=1, MaxCount=1,
                InstanceType="m5d.large", SubnetId=doc["subnet"],
                PrivateIpAddress=ip,
                TagSpecifications=[{"ResourceType": "instance", "Tags": [
                    {"Key": "Name",
                     "Value": f"{doc['name']}-control-plane-{i}"}]}])
            ids.append(r["Instances"][0]["InstanceId"])
            ec2.create_network_interface(
                SubnetId=doc["subnet"], PrivateIpAddress=ip,
                Description=f"Amazon EKS {doc['name']}")
        return {"ids": ids}
    if route == "role" and method == "POST":
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": "*"},
            "Action": "sts:AssumeRole"}]}
        r = bench_client("iam").create_role(
            RoleName=doc["name"], AssumeRolePolicyDocument=json.dumps(trust))
        return {"arn": r["Role"]["Arn"]}
    if route == "role":
        iam = bench_client("iam")
        r = iam.get_role(RoleName=query["name"])["Role"]
        pol = r["AssumeRolePolicyDocument"]
        if isinstance(pol, str):
            pol = json.loads(pol)
        trust = [s["Principal"].get("Service") for s in pol["Statement"]]
        pols = iam.list_attached_role_policies(RoleName=query["name"])
        return {"trust": trust,
                "policies": [p["PolicyArn"]
                             for p in pols["AttachedPolicies"]]}
    if route == "clusters":
        return {"clusters": bench_client("eks").list_clusters()["clusters"]}
    if route == "ec2":
        def tags(x):
            return {t["Key"]: t["Value"] for t in x.get("Tags", [])}
        subnets = ec2.describe_subnets()["Subnets"]
        with STATE.lock:
            where = dict(STATE.subnet_outpost)
            assocs = [dict(a, tags=dict(a["tags"]))
                      for a in STATE.lgw_assocs.values()]
            routes = dict(STATE.lgw_routes)
        return {
            "vpcs": [{"id": v["VpcId"], "cidr": v["CidrBlock"],
                      "tags": tags(v)}
                     for v in ec2.describe_vpcs()["Vpcs"]],
            "subnets": [{"id": s["SubnetId"], "vpc": s["VpcId"],
                         "cidr": s["CidrBlock"],
                         "az": s["AvailabilityZone"],
                         "outpostArn": where.get(s["SubnetId"]),
                         "tags": tags(s)} for s in subnets],
            "routeTables": [{
                "id": r["RouteTableId"], "vpc": r["VpcId"], "tags": tags(r),
                "subnets": [a["SubnetId"] for a in r["Associations"]
                            if a.get("SubnetId")],
                "routes": [{"cidr": x.get("DestinationCidrBlock"),
                            "localGatewayId": routes.get(
                                (r["RouteTableId"],
                                 x.get("DestinationCidrBlock")))}
                           for x in r["Routes"]]}
                for r in ec2.describe_route_tables()["RouteTables"]],
            "lgwAssociations": assocs,
        }
    raise ValueError(f"no bench route {route}")


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
    SELF["url"] = f"http://127.0.0.1:{port}"
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
