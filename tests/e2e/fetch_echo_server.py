#!/usr/bin/env python3
"""Kernel-side HTTP/1.1 helper for test_fetch_features.sh (stdlib only), on ADDR:PORT:
/echo     answers any method with the request body; X-Method, X-Content-Type and X-Content-Length
          report what arrived
/chunked  a SEED-derived body of SIZE bytes (query ?size=N) in chunks of varying size
/close    SIZE bytes without Content-Length, ended by closing the connection (HTTP/1.0 style)
/slow     the head, then 10 bytes and a 20 s stall (for --max-time)
/truncated  Content-Length: SIZE, then only the first half of the body and a close
The body of /chunked and /close is bytes(i % 251 for i in range(size)), so the test can compare."""
import http.server
import socketserver
import sys
import time
import urllib.parse


def pattern(n):
    return bytes(i % 251 for i in range(n))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.client_address[1], fmt % args))
        sys.stderr.flush()

    def size(self):
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        return int(q.get("size", ["100000"])[0])

    def echo(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n) if n else b""
        self.send_response(200)
        self.send_header("X-Method", self.command)
        self.send_header("X-Content-Type", self.headers.get("Content-Type", "-"))
        self.send_header("X-Content-Length", self.headers.get("Content-Length", "-"))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = urllib.parse.urlsplit(self.path).path
        if path == "/echo":
            return self.echo()
        if path == "/chunked":
            data = pattern(self.size())
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            i, step = 0, 1
            while i < len(data):
                piece = data[i:i + step]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                i += len(piece)
                step = step * 3 + 7 if step < 60000 else 1
            self.wfile.write(b"0\r\n\r\n")
            return
        if path == "/close":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(pattern(self.size()))
            self.wfile.flush()
            self.close_connection = True
            return
        if path == "/truncated":
            n = self.size()
            self.send_response(200)
            self.send_header("Content-Length", str(n))
            self.end_headers()
            self.wfile.write(pattern(n // 2))
            self.wfile.flush()
            self.close_connection = True
            return
        if path == "/slow":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"x" * 10)
            self.wfile.flush()
            time.sleep(20)
            return
        self.send_error(404)

    do_POST = echo
    do_PUT = echo


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


if __name__ == "__main__":
    addr, port = sys.argv[1], int(sys.argv[2])
    srv = Server((addr, port), Handler)
    print("listening", flush=True)
    srv.serve_forever()
