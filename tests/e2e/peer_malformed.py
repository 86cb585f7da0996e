#!/usr/bin/env python3
"""Malformed and ambiguous requests over a raw kernel TCP socket against `ustack serve`
(test_peer_malformed.sh). Each rejected request must get exactly one response with its status and
"Connection: close", then a clean close (FIN, no RST); no request smuggled inside another one's bytes
(a full "GET /secret" in a body or after a bad head) may ever be answered. Prints ok/FAIL lines."""
import socket
import sys
import time

host = sys.argv[1]
SECRET = b"SECRET-CONTENT"
SMUGGLED = b"GET /secret HTTP/1.1\r\nHost: x\r\n\r\n"
fails = 0


def check(desc, cond):
    global fails
    print(("ok   " if cond else "FAIL ") + desc, flush=True)
    fails += 0 if cond else 1


def parse_responses(data):
    """[(status, {lower-name: value}, body)] of complete responses; the rest is returned too."""
    out = []
    while True:
        end = data.find(b"\r\n\r\n")
        if end < 0:
            return out, data
        lines = data[:end].decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        fields = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            fields[name.strip().lower()] = value.strip()
        n = int(fields.get("content-length", "0")) if status not in (204, 304) and status >= 200 else 0
        if len(data) < end + 4 + n:
            return out, data
        out.append((status, fields, data[end + 4:end + 4 + n]))
        data = data[end + 4 + n:]


def exchange(payload, shut_write=False, wait=5.0):
    """Sends payload, reads until the server closes (or `wait` passes). Returns (data, how) where how is
    'fin', 'rst' or 'open'."""
    s = socket.create_connection((host, 80), timeout=wait)
    try:
        s.sendall(payload)
    except (ConnectionResetError, BrokenPipeError):
        return b"", "rst"
    if shut_write:
        s.shutdown(socket.SHUT_WR)
    data, how = b"", "open"
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            s.settimeout(max(0.05, deadline - time.monotonic()))
            b = s.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            how = "rst"
            break
        if not b:
            how = "fin"
            break
        data += b
    s.close()
    return data, how


def rejected(name, payload, status):
    data, how = exchange(payload)
    responses, rest = parse_responses(data)
    got = [r[0] for r in responses]
    check("%s: one response %d (got %s%s)" % (name, status, got, ", trailing bytes" if rest else ""),
          got == [status] and not rest)
    check("%s: Connection: close, then FIN (got %s)" % (name, how),
          bool(responses) and responses[0][1].get("connection") == "close" and how == "fin")
    check("%s: /secret never served" % name, SECRET not in data)


def req(head, body=b""):
    return head.encode("latin-1") + body


chunked_secret = b"%x\r\n%s\r\n0\r\n\r\n" % (len(SMUGGLED), SMUGGLED)
cases = [
    # Content-Length and Transfer-Encoding together (RFC 9112 §6.3 rule 3): the classic CL.TE / TE.CL.
    ("CL+TE", req("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
                  b"0\r\n\r\n" + SMUGGLED), 400),
    ("TE+CL", req("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: %d\r\n\r\n"
                  % len(chunked_secret), chunked_secret), 400),
    ("TE Chunked (case) + CL 0", req("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nTransfer-Encoding: Chunked\r\n\r\n",
                                     chunked_secret), 400),
    # Duplicate / malformed Content-Length (§6.3 rule 5).
    ("CL 0 then CL n", req("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: %d\r\n\r\n"
                           % len(SMUGGLED), SMUGGLED), 400),
    ("CL list 0, n", req("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0, %d\r\n\r\n" % len(SMUGGLED), SMUGGLED), 400),
    ("CL +5", req("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello", SMUGGLED), 400),
    ("CL -1", req("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", SMUGGLED), 400),
    ("CL 0x10", req("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0x10\r\n\r\n", SMUGGLED), 400),
    ("CL 1 0", req("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1 0\r\n\r\n", SMUGGLED), 400),
    ("CL overflow", req("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n", SMUGGLED), 400),
    ("CL empty", req("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\n", SMUGGLED), 400),
    # Bad chunk sizes and framing (§7.1).
    ("chunk size zz", req("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", b"zz\r\n" + SMUGGLED), 400),
    ("chunk size -1", req("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", b"-1\r\n" + SMUGGLED), 400),
    ("chunk size 0x5", req("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", b"0x5\r\nhello\r\n0\r\n\r\n" + SMUGGLED), 400),
    ("chunk size overflow", req("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
                                b"1" + b"0" * 20 + b"\r\n" + SMUGGLED), 400),
    ("chunk data too long", req("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
                                b"3\r\nabcdef\r\n0\r\n\r\n" + SMUGGLED), 400),
    ("chunked twice", req("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", chunked_secret), 400),
    ("TE in HTTP/1.0", req("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", chunked_secret), 400),
    ("TE gzip", req("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", SMUGGLED), 501),
    ("TE chunked, gzip", req("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", chunked_secret), 400),
    # Line endings, folding, characters (§2.2, §5).
    ("bare CR in field", req("GET / HTTP/1.1\r\nHost: x\r\nX: a\rTransfer-Encoding: chunked\r\n\r\n", SMUGGLED), 400),
    ("bare CR in request line", req("GET /\r HTTP/1.1\r\nHost: x\r\n\r\n", SMUGGLED), 400),
    ("bare LF", req("GET / HTTP/1.1\nHost: x\n\n", SMUGGLED), 400),
    ("obs-fold", req("GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n Transfer-Encoding: chunked\r\n\r\n", SMUGGLED), 400),
    ("obs-fold tab", req("GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n\tb\r\n\r\n", SMUGGLED), 400),
    ("space before colon", req("POST / HTTP/1.1\r\nHost: x\r\nContent-Length : %d\r\n\r\n" % len(SMUGGLED), SMUGGLED), 400),
    ("space in field name", req("GET / HTTP/1.1\r\nHost: x\r\nX Y: 1\r\n\r\n", SMUGGLED), 400),
    ("@ in field name", req("GET / HTTP/1.1\r\nHost: x\r\nX@Y: 1\r\n\r\n", SMUGGLED), 400),
    ("empty field name", req("GET / HTTP/1.1\r\nHost: x\r\n: 1\r\n\r\n", SMUGGLED), 400),
    ("line without colon", req("GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n", SMUGGLED), 400),
    ("NUL in value", req("GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n", SMUGGLED), 400),
    ("\\x01 in value", req("GET / HTTP/1.1\r\nHost: x\r\nX: a\x01b\r\n\r\n", SMUGGLED), 400),
    ("DEL in value", req("GET / HTTP/1.1\r\nHost: x\r\nX: a\x7fb\r\n\r\n", SMUGGLED), 400),
    ("whitespace before first field", req("GET / HTTP/1.1\r\n Host: x\r\n\r\n", SMUGGLED), 400),
    ("space in target", req("GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", SMUGGLED), 400),
    ("double space in request line", req("GET  / HTTP/1.1\r\nHost: x\r\n\r\n", SMUGGLED), 400),
    # Limits: 414 request line, 431 header section.
    ("request line 9000", req("GET /" + "a" * 9000 + " HTTP/1.1\r\nHost: x\r\n\r\n", SMUGGLED), 414),
    ("request line 300000", req("GET /" + "a" * 300000 + " HTTP/1.1\r\nHost: x\r\n\r\n", SMUGGLED), 414),
    ("101 fields", req("GET / HTTP/1.1\r\nHost: x\r\n" + "".join("X-%d: v\r\n" % i for i in range(101)) + "\r\n",
                       SMUGGLED), 431),
    ("17000-byte field", req("GET / HTTP/1.1\r\nHost: x\r\nX: " + "b" * 17000 + "\r\n\r\n", SMUGGLED), 431),
    # Versions and methods.
    ("HTTP/2.0", req("GET / HTTP/2.0\r\nHost: x\r\n\r\n", SMUGGLED), 505),
    ("HTTP/3.1", req("GET / HTTP/3.1\r\nHost: x\r\n\r\n", SMUGGLED), 505),
    ("HTTP/1.10", req("GET / HTTP/1.10\r\nHost: x\r\n\r\n", SMUGGLED), 400),
    ("http/1.1 lower-case", req("GET / http/1.1\r\nHost: x\r\n\r\n", SMUGGLED), 400),
    ("unknown method FROB", req("FROB / HTTP/1.1\r\nHost: x\r\n\r\n", SMUGGLED), 501),
    ("invalid method G(T", req("G(T / HTTP/1.1\r\nHost: x\r\n\r\n", SMUGGLED), 400),
    # Host (RFC 9112 §3.2).
    ("no Host in 1.1", req("GET / HTTP/1.1\r\n\r\n", SMUGGLED), 400),
    ("two Hosts", req("GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", SMUGGLED), 400),
    # Body too large (413) and a body without length for PUT (411 with uploads off is 405; here 413).
    ("CL beyond max_body", req("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n", SMUGGLED), 413),
]
for name, payload, status in cases:
    rejected(name, payload, status)

# A well-framed body that contains a complete request is a body, not a request: one answer, the
# connection stays usable, and after our FIN the server closes without answering anything else.
for name, payload in (
        ("CL body holding GET /secret", req("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(SMUGGLED), SMUGGLED)),
        ("chunked body holding GET /secret", req("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", chunked_secret)),
        ("OPTIONS with body holding GET /secret", req("OPTIONS * HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(SMUGGLED), SMUGGLED))):
    data, how = exchange(payload, shut_write=True)
    responses, rest = parse_responses(data)
    check("%s: exactly one response (got %s)" % (name, [r[0] for r in responses]), len(responses) == 1 and not rest)
    check("%s: /secret never served, closed with FIN after ours (got %s)" % (name, how), SECRET not in data and how == "fin")

# Control: the same connection-level handling answers a well-formed pipelined pair, so the checks above
# would see a second response if there were one.
data, how = exchange(req("GET /secret HTTP/1.1\r\nHost: x\r\n\r\nGET /secret HTTP/1.1\r\nHost: x\r\n\r\n"), shut_write=True)
responses, _ = parse_responses(data)
check("control: two pipelined GET /secret get two 200s (got %s)" % [r[0] for r in responses],
      [r[0] for r in responses] == [200, 200] and SECRET in data)
sys.exit(1 if fails else 0)
