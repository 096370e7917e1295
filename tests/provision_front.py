#!/usr/bin/env python3
"""Test bench for eksl-provision, beside the moto wrapper.

  provision_front.py serve --port-file FILE --state FILE

A small front server for the two things moto lacks: the Outposts API
(GET /outposts/ID/instanceTypes, answered from the state file) and the
OutpostArn of a subnet (added to EC2 DescribeSubnets answers for the
subnets the state file lists).  Every other signed request is passed to
$MOTO_URL unchanged, so the wrapper still records and faults it.  The
state file (JSON: outpostId, outpostArn, onOutpost [subnet ids], types
[instance types], placementGroups [names], freeIps [a count for every
subnet]) is read on every request.

It also sets up the bench in moto with boto3, so that a test need not
start a Python process of its own (JSON in, JSON out):

  POST /_bench/network {"cidr", "dnsHostnames"}   -> {"vpc", "subnet"}
  POST /_bench/instances {"name", "subnet", "ips"} -> {"ids"}: one instance
       per IP tagged Name=NAME-control-plane-N, and one ENI per IP
       described "Amazon EKS NAME"
  POST /_bench/role {"name"}                       -> {"arn"}
  GET  /_bench/role?name=N   -> {"trust": [services], "policies": [ARNs]}
  GET  /_bench/clusters      -> {"clusters": [names]}
"""

import argparse
import http.client
import json
import os
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


_CLIENTS = {}


def client(service):
    import boto3
    if service not in _CLIENTS:
        _CLIENTS[service] = boto3.client(
            service, endpoint_url=os.environ["MOTO_URL"],
            region_name="us-west-2", aws_access_key_id="AKIDEXAMPLE",
            aws_secret_access_key="x")
    return _CLIENTS[service]


class Front(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state_file = None

    def log_message(self, *args):
        pass

    def state(self):
        with open(self.state_file) as f:
            return json.load(f)

    def answer(self, status, body, headers=()):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        if self.path.startswith("/_bench/"):
            try:
                out = bench(self.command, self.path,
                            json.loads(body) if body else {})
            except Exception as e:  # the test shows it
                return self.answer(500, json.dumps({"error": repr(e)}),
                                   [("Content-Type", "application/json")])
            return self.answer(200, json.dumps(out),
                               [("Content-Type", "application/json")])
        auth = self.headers.get("Authorization", "")
        m = re.search(r"Credential=[^/]+/\d+/[^/]+/([^/]+)/", auth)
        service = m.group(1) if m else None
        if service == "outposts":
            return self.outposts()
        form = dict(parse_qsl(body.decode("utf-8", "replace")))
        if service == "ec2" and form.get("Action") == "DescribePlacementGroups":
            return self.placement_groups(form)
        url = urlsplit(os.environ["MOTO_URL"])
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        hdrs = {k: v for k, v in self.headers.items()
                if k.lower() not in ("host", "content-length",
                                     "connection")}
        hdrs["Host"] = self.headers.get("Host", url.netloc)
        conn.request(self.command, self.path, body, hdrs)
        r = conn.getresponse()
        data = r.read()
        headers = [(k, v) for k, v in r.getheaders()
                   if k.lower() not in ("content-length", "connection",
                                        "transfer-encoding")]
        if (service == "ec2" and form.get("Action") == "DescribeSubnets"
                and r.status == 200):
            st = self.state()
            for sid in st.get("onOutpost", []):
                data = data.replace(
                    f"<subnetId>{sid}</subnetId>".encode(),
                    f"<subnetId>{sid}</subnetId><outpostArn>"
                    f"{st['outpostArn']}</outpostArn>".encode())
            if "freeIps" in st:
                data = re.sub(
                    rb"<availableIpAddressCount>\d+</availableIpAddressCount>",
                    f"<availableIpAddressCount>{st['freeIps']}"
                    "</availableIpAddressCount>".encode(), data)
        conn.close()
        self.answer(r.status, data, headers)

    def placement_groups(self, form):
        """moto has none: answer from the state file's placementGroups."""
        want = [v for k, v in form.items()
                if re.match(r"^(GroupName\.\d+|Filter\.\d+\.Value\.\d+)$", k)]
        items = "".join(
            f"<item><groupName>{g}</groupName><strategy>spread</strategy>"
            f"<state>available</state></item>"
            for g in self.state().get("placementGroups", []) if g in want)
        xml = ('<?xml version="1.0" encoding="UTF-8"?>\n'
               '<DescribePlacementGroupsResponse xmlns="http://ec2.amazonaws.'
               'com/doc/2016-11-15/"><requestId>front</requestId>'
               f"<placementGroupSet>{items}</placementGroupSet>"
               "</DescribePlacementGroupsResponse>")
        self.answer(200, xml, [("Content-Type", "text/xml")])

    def outposts(self):
        st = self.state()
        m = re.match(r"^/outposts/([^/]+)/instanceTypes$",
                     self.path.split("?")[0])
        if self.command != "GET" or m is None:
            return self.answer(404, json.dumps({"message": "no route"}),
                               [("Content-Type", "application/json"),
                                ("x-amzn-ErrorType", "NotFoundException")])
        if m.group(1) not in (st["outpostId"], st["outpostArn"]):
            return self.answer(404, json.dumps(
                {"message": f"Outpost {m.group(1)} not found"}),
                [("Content-Type", "application/json"),
                 ("x-amzn-ErrorType", "NotFoundException")])
        body = {"InstanceTypes": [{"InstanceType": t}
                                  for t in st.get("types", [])],
                "OutpostId": st["outpostId"],
                "OutpostArn": st["outpostArn"]}
        self.answer(200, json.dumps(body),
                    [("Content-Type", "application/json")])

    do_GET = do_POST = do_DELETE = do_PUT = handle_any


def serve(args):
    Front.state_file = args.state
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Front)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{srv.server_port}\n")
    os.rename(tmp, args.port_file)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    for service in ("ec2", "iam", "eks"):   # warm up: boto3 is slow to load
        client(service)
    try:
        t.join()
    except KeyboardInterrupt:
        pass


def bench(method, path, doc):
    ec2 = client("ec2")
    route = path.split("?")[0]
    query = dict(parse_qsl(urlsplit(path).query))
    if route == "/_bench/network":
        cidr = doc.get("cidr", "127.0.0.0/24")
        vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
        if doc.get("dnsHostnames", True):
            ec2.modify_vpc_attribute(VpcId=vpc,
                                     EnableDnsHostnames={"Value": True})
        sub = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr)["Subnet"]
        return {"vpc": vpc, "subnet": sub["SubnetId"]}
    if route == "/_bench/instances":
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
    if route == "/_bench/role" and method == "POST":
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": "*"},
            "Action": "sts:AssumeRole"}]}
        r = client("iam").create_role(RoleName=doc["name"],
                                      AssumeRolePolicyDocument=json.dumps(
                                          trust))
        return {"arn": r["Role"]["Arn"]}
    if route == "/_bench/role":
        iam = client("iam")
        r = iam.get_role(RoleName=query["name"])["Role"]
        doc = r["AssumeRolePolicyDocument"]
        if isinstance(doc, str):
            doc = json.loads(doc)
        trust = [s["Principal"].get("Service") for s in doc["Statement"]]
        pols = iam.list_attached_role_policies(RoleName=query["name"])
        return {"trust": trust,
                "policies": [p["PolicyArn"]
                             for p in pols["AttachedPolicies"]]}
    if route == "/_bench/clusters":
        return {"clusters": client("eks").list_clusters()["clusters"]}
    raise ValueError(f"no bench route {route}")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("serve")
    p.add_argument("--port-file", required=True)
    p.add_argument("--state", required=True)
    p.set_defaults(fn=serve)
    args = ap.parse_args()
    args.fn(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
