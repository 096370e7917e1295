#!/usr/bin/env python3
"""A small HTTP/1.1 server on loopback for tests/http.bats: the answers a
client has to cope with that moto never gives (chunked bodies, close-
delimited bodies, cut answers, stalls, stale keep-alive connections...).

Usage: http_standin.py --port-file FILE --log FILE [--host H]
                       [--cert PEM --key PEM] [--parent PID]

Written by hand on raw sockets (not http.server) so that every byte on
the wire is the test's choice.  Each request is logged as one line
"CONN METHOD TARGET" (CONN numbers the connections from 1) to --log.
With --cert and --key it speaks TLS; the handshake runs in the
connection's own thread.

What the path asks for (the last path segment after the endpoint):
  /ok            200 with a JSON body and Content-Length, kept alive
  /flaky/N       503 (x-amzn-ErrorType ServiceUnavailableException) for
                 the first N requests to that path, then 200; kept alive
  /stale         the first request gets 503 kept alive; the connection
                 then reads the next request and closes unanswered;
                 requests on later connections get 200
  /closehint/N   like /flaky/N, but the 503 says Connection: close and
                 the connection stays open: only a client that honours
                 the header opens a new one
  /http10/N      like /closehint/N with an HTTP/1.0 503 (no keep-alive)
  /chunked       200, chunked, with chunk extensions and a trailer
  /close         200 with Content-Length and Connection: close
  /eof           200 without a length: the body runs to the close
  /truncated     200 with Content-Length 100 and 10 bytes, then close
  /stall         the head and nothing more, until the client goes
  /big/N         200 with Content-Length N (N bytes of "x")
  /bigeof/N      200 with N bytes of "x" and no length, then close
  /upload        reads the head only, sends FIN, then resets the
                 connection (SO_LINGER 0) over the unread body
"""

import argparse
import os
import socket
import ssl
import struct
import sys
import threading
import time

lock = threading.Lock()
counts = {}
conn_no = [0]
logf = None


def log(line):
    with lock:
        logf.write(line + "\n")
        logf.flush()


def read_head(f):
    lines = []
    while True:
        line = f.readline(65536)
        if not line:
            return None
        if line in (b"\r\n", b"\n"):
            if not lines:
                continue
            return lines
        lines.append(line.decode("latin-1").rstrip("\r\n"))


def answer(sock, status, body=b"", extra=(), length=True, version="1.1"):
    reason = {200: "OK", 503: "Service Unavailable"}.get(status, "X")
    head = "HTTP/%s %d %s\r\n" % (version, status, reason)
    head += "Date: %s\r\n" % time.strftime("%a, %d %b %Y %H:%M:%S GMT",
                                           time.gmtime())
    for h in extra:
        head += h + "\r\n"
    if length:
        head += "Content-Length: %d\r\n" % len(body)
    sock.sendall(head.encode() + b"\r\n" + body)


def serve(sock, ctx, n):
    try:
        if ctx is not None:
            sock = ctx.wrap_socket(sock, server_side=True)
        f = sock.makefile("rb")
        stale = False
        while True:
            lines = read_head(f)
            if lines is None:
                return
            method, target = lines[0].split(" ")[:2]
            log("%d %s %s" % (n, method, target))
            if stale:
                return  # read the request, answer nothing
            hdrs = {}
            for l in lines[1:]:
                k, _, v = l.partition(":")
                hdrs[k.strip().lower()] = v.strip()
            path = target.split("?")[0]
            if "/upload" in path:
                # FIN first (the client goes to CLOSE_WAIT), then a reset
                # over the unread body: the client's next send fails
                # with EPIPE, the error that raises SIGPIPE.
                sock.shutdown(socket.SHUT_WR)
                time.sleep(0.3)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                struct.pack("ii", 1, 0))
                return
            clen = int(hdrs.get("content-length", "0"))
            if clen:
                f.read(clen)
            ok = b'{"ok":true}'
            if path.endswith("/ok"):
                answer(sock, 200, ok, ["Content-Type: application/json"])
            elif "/closehint/" in path or "/http10/" in path:
                want = int(path.rsplit("/", 1)[1])
                with lock:
                    counts[path] = counts.get(path, 0) + 1
                    c = counts[path]
                if c > want:
                    answer(sock, 200, ok)
                elif "/http10/" in path:
                    answer(sock, 503, b'{"message":"busy"}', version="1.0")
                else:
                    answer(sock, 503, b'{"message":"busy"}',
                           ["Connection: close"])
            elif "/flaky/" in path:
                want = int(path.rsplit("/", 1)[1])
                with lock:
                    counts[path] = counts.get(path, 0) + 1
                    c = counts[path]
                if c <= want:
                    answer(sock, 503, b'{"message":"busy"}',
                           ["x-amzn-ErrorType: ServiceUnavailableException"])
                else:
                    answer(sock, 200, ok)
            elif path.endswith("/stale"):
                with lock:
                    counts[path] = counts.get(path, 0) + 1
                    c = counts[path]
                if c == 1:
                    answer(sock, 503, b'{"message":"busy"}',
                           ["x-amzn-ErrorType: ServiceUnavailableException"])
                    stale = True
                else:
                    answer(sock, 200, ok)
            elif path.endswith("/chunked"):
                sock.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked"
                             b"\r\n\r\n4;ext=1\r\n{\"ok\r\n7\r\n\":true}\r\n"
                             b"0\r\nX-Trailer: t\r\n\r\n")
            elif path.endswith("/close"):
                answer(sock, 200, ok, ["Connection: close"])
                return
            elif path.endswith("/eof"):
                answer(sock, 200, ok, length=False)
                if ctx is not None:
                    sock = sock.unwrap()  # close_notify ends the body
                return
            elif path.endswith("/eof-cut"):
                # Over TLS: the TCP close without close_notify, as a
                # crash or an attacker's injected FIN would end it.
                answer(sock, 200, ok, length=False)
                return
            elif path.endswith("/truncated"):
                sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n"
                             b"\r\n0123456789")
                return
            elif path.endswith("/stall"):
                sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n"
                             b"\r\n")
                sock.settimeout(60)
                f.read(1)  # until the client closes
                return
            elif "/bigeof/" in path:
                size = int(path.rsplit("/", 1)[1])
                sock.sendall(b"HTTP/1.1 200 OK\r\n\r\n")
                chunk = b"x" * 65536
                while size > 0:
                    sock.sendall(chunk[:size])
                    size -= len(chunk)
                return
            elif "/big/" in path:
                size = int(path.rsplit("/", 1)[1])
                sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n"
                             b"\r\n" % size)
                chunk = b"x" * 65536
                while size > 0:
                    sock.sendall(chunk[:size])
                    size -= len(chunk)
            else:
                answer(sock, 404, b'{"message":"no such path"}')
    except (OSError, ssl.SSLError, ValueError):
        return
    finally:
        try:
            sock.close()
        except OSError:
            pass


def main():
    global logf
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--parent", type=int)
    a = ap.parse_args()
    logf = open(a.log, "a")
    ctx = None
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
    fam = socket.AF_INET6 if ":" in a.host else socket.AF_INET
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # A small receive buffer: an upload fills it at once.
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    ls.bind((a.host, 0))
    ls.listen(64)
    with open(a.port_file + ".tmp", "w") as pf:
        pf.write("%d\n" % ls.getsockname()[1])
    os.rename(a.port_file + ".tmp", a.port_file)
    ls.settimeout(1)
    while True:
        if a.parent and not os.path.exists("/proc/%d" % a.parent):
            return
        try:
            s, _ = ls.accept()
        except socket.timeout:
            continue
        s.settimeout(None)
        with lock:
            conn_no[0] += 1
            n = conn_no[0]
        threading.Thread(target=serve, args=(s, ctx, n), daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
