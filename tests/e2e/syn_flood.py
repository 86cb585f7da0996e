#!/usr/bin/env python3
"""SYN flood for tests/e2e/test_syn_flood.sh: SYNs toward DST:PORT from spoofed
sources 10.0.0.3-10.0.0.254 (inside the test namespace's /24 only), built with
scapy and sent through a raw IP socket (the kernel routes them out tun0).
Usage: syn_flood.py DST PORT SECONDS RATE  -> prints "flooding" when it starts,
then the number of SYNs sent."""
import random
import socket
import sys
import time

from scapy.all import IP, TCP  # python3-scapy

dst, port, seconds, rate = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
if not dst.startswith("10.0.0."):
    sys.exit("refusing to flood outside the test subnet 10.0.0.0/24")
rng = random.Random(4987)
packets = []
for i in range(512):
    src = "10.0.0.%d" % rng.randint(3, 254)
    syn = IP(src=src, dst=dst) / TCP(sport=rng.randint(1024, 65535), dport=port, flags="S",
                                     seq=rng.getrandbits(32), window=64240,
                                     options=[("MSS", 1460), ("SAckOK", b""), ("Timestamp", (rng.getrandbits(32), 0)),
                                              ("NOP", None), ("WScale", 7)])
    packets.append(bytes(syn))
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
print("flooding", flush=True)
sent = 0
start = time.monotonic()
while time.monotonic() - start < seconds:
    for _ in range(max(1, rate // 100)):
        s.sendto(packets[sent % len(packets)], (dst, 0))
        sent += 1
    time.sleep(0.01)
print(sent)
