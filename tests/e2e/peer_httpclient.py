#!/usr/bin/env python3
"""python3 http.client against `ustack serve` (test_peer_python_httpclient.sh): keep-alive, HEAD,
Range, conditional GET (304), chunked PUT. Prints one "ok ..." or "FAIL ..." line per check."""
import http.client
import os
import sys

host, www = sys.argv[1], sys.argv[2]
fails = 0


def check(desc, cond):
    global fails
    print(("ok   " if cond else "FAIL ") + desc, flush=True)
    fails += 0 if cond else 1


def data(name):
    with open(os.path.join(www, name), "rb") as f:
        return f.read()


big = data("big.bin")
conn = http.client.HTTPConnection(host, 80, timeout=10)

# Keep-alive: several requests, one socket.
conn.request("GET", "/big.bin")
r = conn.getresponse()
body = r.read()
sock = conn.sock
check("GET /big.bin: 200, body equal", r.status == 200 and body == big)
etag, last_modified = r.getheader("ETag"), r.getheader("Last-Modified")
check("GET carries ETag and Last-Modified", bool(etag) and bool(last_modified))
check("GET: no Connection: close", (r.getheader("Connection") or "").lower() != "close")
conn.request("GET", "/small.txt")
r = conn.getresponse()
check("second GET: 200, body equal", r.status == 200 and r.read() == data("small.txt"))
check("second GET reused the socket", conn.sock is sock and sock is not None)

# HEAD: the length of the GET, no body (the next response parses cleanly only if none was sent).
conn.request("HEAD", "/big.bin")
r = conn.getresponse()
check("HEAD: 200, Content-Length %s" % r.getheader("Content-Length"),
      r.status == 200 and r.getheader("Content-Length") == str(len(big)))
check("HEAD: empty body", r.read() == b"")

# Range (RFC 9110 §14).
for spec, lo, hi in (("bytes=0-99", 0, 99), ("bytes=1000-", 1000, len(big) - 1), ("bytes=-10", len(big) - 10, len(big) - 1)):
    conn.request("GET", "/big.bin", headers={"Range": spec})
    r = conn.getresponse()
    body = r.read()
    check("Range %s: 206, Content-Range bytes %d-%d/%d, body equal" % (spec, lo, hi, len(big)),
          r.status == 206 and r.getheader("Content-Range") == "bytes %d-%d/%d" % (lo, hi, len(big))
          and body == big[lo:hi + 1])
conn.request("GET", "/big.bin", headers={"Range": "bytes=%d-" % (len(big) + 5)})
r = conn.getresponse()
r.read()
check("unsatisfiable Range: 416 with Content-Range bytes */%d" % len(big),
      r.status == 416 and r.getheader("Content-Range") == "bytes */%d" % len(big))
conn.request("GET", "/big.bin", headers={"Range": "bytes=0-9", "If-Range": '"stale"'})
r = conn.getresponse()
check("Range with a stale If-Range: the whole 200", r.status == 200 and r.read() == big)

# Conditional GET (RFC 9110 §13).
conn.request("GET", "/big.bin", headers={"If-None-Match": etag})
r = conn.getresponse()
check("If-None-Match (current ETag): 304, no body, same ETag",
      r.status == 304 and r.read() == b"" and r.getheader("ETag") == etag)
conn.request("GET", "/big.bin", headers={"If-Modified-Since": last_modified})
r = conn.getresponse()
check("If-Modified-Since (Last-Modified): 304", r.status == 304 and r.read() == b"")
conn.request("GET", "/big.bin", headers={"If-None-Match": '"other"'})
r = conn.getresponse()
check("If-None-Match (other ETag): 200 with body", r.status == 200 and r.read() == big)
conn.request("HEAD", "/big.bin", headers={"If-None-Match": "*"})
r = conn.getresponse()
check("HEAD If-None-Match *: 304", r.status == 304 and r.read() == b"")

# Chunked PUT (uploads enabled: --upload-dir is www/upload).
payload = [os.urandom(n) for n in (1, 4000, 70000, 3)]
conn.request("PUT", "/upload/put.bin", body=iter(payload), encode_chunked=True)
r = conn.getresponse()
r.read()
check("chunked PUT /upload/put.bin: 201 Created, Location /upload/put.bin",
      r.status == 201 and r.getheader("Location") == "/upload/put.bin")
check("stored file equals the chunked body", data("upload/put.bin") == b"".join(payload))
conn.request("PUT", "/upload/put.bin", body=iter([b"replaced"]), encode_chunked=True)
r = conn.getresponse()
r.read()
check("chunked PUT again: 204 (replaced)", r.status == 204 and data("upload/put.bin") == b"replaced")
conn.request("GET", "/upload/put.bin")
r = conn.getresponse()
check("GET of the uploaded file", r.status == 200 and r.read() == b"replaced")
check("all of it on one socket", conn.sock is sock)

# Connection: close from the client: the server answers and closes.
conn.request("GET", "/small.txt", headers={"Connection": "close"})
r = conn.getresponse()
check("Connection: close: 200, server says close", r.status == 200 and r.read() == data("small.txt")
      and (r.getheader("Connection") or "").lower() == "close")
conn.close()

# HTTP/1.0 without keep-alive (http.client sends 1.1; use a raw 1.0 request via _http_vsn).
c10 = http.client.HTTPConnection(host, 80, timeout=10)
c10._http_vsn, c10._http_vsn_str = 10, "HTTP/1.0"
c10.request("GET", "/small.txt")
r = c10.getresponse()
check("HTTP/1.0 GET: 200, closed by the server", r.status == 200 and r.read() == data("small.txt") and r.will_close)
c10.close()
sys.exit(1 if fails else 0)
