#!/usr/bin/env python3
"""Graceful close (test_peer_graceful_close.sh): the client keeps sending pipelined requests after one
that ends the connection; the whole response must still arrive, followed by a FIN, never a RST.
Prints ok/FAIL lines. argv: host, big file size, rounds."""
import socket
import sys
import time

host, size, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
fails = 0


def check(desc, cond):
    global fails
    print(("ok   " if cond else "FAIL ") + desc, flush=True)
    fails += 0 if cond else 1


PIPELINED = b"GET /small HTTP/1.1\r\nHost: x\r\n\r\n" * 20


def scenario(name, first):
    s = socket.create_connection((host, 80), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(first + PIPELINED)
    data, how, extra_sent = b"", "open", 0
    # Keep sending while the response streams in: these bytes reach the server after it decided to close.
    s.setblocking(False)
    deadline = time.monotonic() + 10
    next_send = time.monotonic()
    while time.monotonic() < deadline:
        now = time.monotonic()
        if extra_sent < 10 and now >= next_send:
            try:
                s.send(PIPELINED)
                extra_sent += 1
            except BlockingIOError:
                pass
            except (BrokenPipeError, ConnectionResetError):
                how = "rst"
                break
            next_send = now + 0.02
        try:
            b = s.recv(1 << 16)
        except BlockingIOError:
            time.sleep(0.002)
            continue
        except ConnectionResetError:
            how = "rst"
            break
        if not b:
            how = "fin"
            break
        data += b
    head, _, body = data.partition(b"\r\n\r\n")
    want = {}
    for line in head.decode("latin-1").split("\r\n")[1:]:
        k, _, v = line.partition(":")
        want[k.strip().lower()] = v.strip()
    length = int(want.get("content-length", "-1"))
    check("%s: the whole response arrived (%d of %d body bytes) and nothing after it" % (name, len(body), length),
          data.startswith(b"HTTP/1.1 ") and len(body) == length)
    check("%s: Connection: close, then FIN (got %s), %d more writes sent after the request" % (name, how, extra_sent),
          want.get("connection") == "close" and how == "fin")
    s.close()


for i in range(rounds):
    scenario("round %d, Connection: close" % i,
             b"GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    scenario("round %d, HTTP/1.0" % i, b"GET /big HTTP/1.0\r\n\r\n")
    scenario("round %d, rejected (400, CL+TE)" % i,
             b"POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
sys.exit(1 if fails else 0)
