#!/usr/bin/env python3
"""Forward TCP connections from one address to another, port for port.

  tcpfwd.py LISTEN_ADDR TARGET_ADDR READY_FILE PORT...

The moto wrapper listens on 127.0.0.1 only.  In the e2e drill it runs in
the "cloud" network namespace and must be reached from the other
namespaces, so this listens on the cloud's veth address and passes every
connection to the same port on 127.0.0.1.  READY_FILE is
written once every port listens.
"""

import os
import socket
import sys
import threading


def pipe(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def serve(conn, target):
    try:
        up = socket.create_connection(target, timeout=30)
        up.settimeout(None)
    except OSError:
        conn.close()
        return
    back = threading.Thread(target=pipe, args=(up, conn), daemon=True)
    back.start()
    pipe(conn, up)
    back.join()
    conn.close()
    up.close()


def accept(lsock, target):
    while True:
        conn, _ = lsock.accept()
        threading.Thread(target=serve, args=(conn, target),
                         daemon=True).start()


def main():
    if len(sys.argv) < 5:
        print("usage: tcpfwd.py LISTEN_ADDR TARGET_ADDR READY_FILE PORT...",
              file=sys.stderr)
        return 2
    listen, target, ready = sys.argv[1:4]
    threads = []
    for port in (int(p) for p in sys.argv[4:]):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((listen, port))
        s.listen(128)
        t = threading.Thread(target=accept, args=(s, (target, port)),
                             daemon=True)
        t.start()
        threads.append(t)
    with open(ready + ".tmp", "w") as f:
        f.write("ready\n")
    os.rename(ready + ".tmp", ready)
    for t in threads:
        t.join()
    return 0


if __name__ == "__main__":
    sys.exit(main())
