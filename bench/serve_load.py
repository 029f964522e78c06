#!/usr/bin/env python3
"""Loads `colony serve` the way issue 9's finding 12 did, and prints the server's memory.

    bench/serve_load.py target/release/colony            # 300 WebSocket clients that never read
    bench/serve_load.py target/release/colony --partial  # 500 connections that send half a header

The first runs 16 games of 2048x2048 (the API's largest trial), opens the clients, keeps them for
`--hold` seconds without reading a byte, closes them and reports the server's resident memory
(VmRSS, /proc/PID/status) before, at its peak, and after. The second opens the connections, sends
a partial request head on each and reports how many are still open as time passes, and whether an
ordinary request is answered meanwhile. Only the standard library is used.
"""

import argparse
import json
import re
import resource
import socket
import subprocess
import sys
import time


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def request(port, method, path, body=None, timeout=5.0):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    data = json.dumps(body).encode() if body is not None else b""
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n"
    if body is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
    s.sendall(head.encode() + b"\r\n" + data)
    reply = b""
    try:
        while chunk := s.recv(65536):
            reply += chunk
    except OSError:
        pass
    s.close()
    return reply.split(b"\r\n", 1)[0].decode(errors="replace")


def ws_client(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(
        (
            f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    # Read the status line only (a few bytes); after that the client never reads again.
    status = s.recv(12)
    return s, status


def start(colony):
    server = subprocess.Popen(
        [colony, "serve", "--bind", "127.0.0.1:0", "--workers", "2"],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = server.stdout.readline()
    port = int(re.search(r":(\d+)/", line).group(1))
    return server, port


def websockets(args):
    server, port = start(args.colony)
    try:
        status = request(port, "POST", "/api/trials", {"games": 16, "size": 2048, "steps": 10**9, "pause": 0.02})
        print(f"trial: {status}")
        time.sleep(3)
        before = rss_mib(server.pid)
        clients, refused = [], 0
        for _ in range(args.clients):
            try:
                s, status = ws_client(port)
                if status.startswith(b"HTTP/1.1 101"):
                    clients.append(s)
                else:
                    refused += 1
                    s.close()
            except OSError:
                refused += 1
        peak = rss_mib(server.pid)
        deadline = time.time() + args.hold
        while time.time() < deadline:
            peak = max(peak, rss_mib(server.pid))
            time.sleep(0.25)
        during = rss_mib(server.pid)
        for s in clients:
            s.close()
        time.sleep(args.settle)
        after = rss_mib(server.pid)
        print(
            f"{len(clients)} WebSocket clients upgraded, {refused} refused; server RSS MiB: "
            f"before {before:.0f}, peak {peak:.0f}, at the end of {args.hold}s {during:.0f}, "
            f"{args.settle}s after they left {after:.0f}"
        )
        print(f"an ordinary request afterwards: {request(port, 'GET', '/api/trial')}")
    finally:
        server.kill()


def partial(args):
    server, port = start(args.colony)
    try:
        conns, failed = [], 0
        for _ in range(args.clients):
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=5)
                s.sendall(f"GET /api/trial HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Slow: ".encode())
                s.setblocking(False)
                conns.append(s)
            except OSError:
                failed += 1
        print(f"{len(conns)} partial-header connections opened ({failed} failed)")
        t0 = time.time()
        try:
            answered = request(port, "GET", "/api/trial", timeout=5)
        except OSError as e:
            answered = f"no answer ({e})"
        print(f"an ordinary request meanwhile: {answered!r} after {time.time() - t0:.2f}s")
        for wait in args.checks:
            time.sleep(max(0.0, t0 + wait - time.time()))
            open_ = 0
            for s in conns:
                try:
                    s.recv(1, socket.MSG_PEEK)  # an answer (408) or end of stream: closed by the server
                except BlockingIOError:
                    open_ += 1  # nothing to read yet: still held open
                except OSError:
                    pass
            print(f"after {wait:>4.0f}s: {open_} of {len(conns)} still open, server RSS {rss_mib(server.pid):.0f} MiB")
        for s in conns:
            s.close()
    finally:
        server.kill()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("colony")
    p.add_argument("--partial", action="store_true", help="partial request heads instead of WebSockets")
    p.add_argument("--clients", type=int, help="connections to open [300 WebSockets / 500 partial]")
    p.add_argument("--hold", type=float, default=20.0, help="seconds the WebSocket clients stay")
    p.add_argument("--settle", type=float, default=5.0, help="seconds to wait after they leave")
    p.add_argument("--checks", type=float, nargs="*", default=[1, 5, 15, 45], help="seconds to look at open connections")
    args = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.partial:
        args.clients = args.clients or 500
        partial(args)
    else:
        args.clients = args.clients or 300
        websockets(args)


if __name__ == "__main__":
    sys.exit(main())
