#!/usr/bin/python3
"""Echo server for the e2e tests: TCP and UDP echo on any number of ports,
plus a raw-IP receiver, dual-stack. Every accepted connection, every chunk of
bytes and every datagram is recorded, one line each, in the record file, so a
case can prove that *nothing* reached the server:

    tcp-accept <peer-ip> <port>
    tcp-data <peer-ip> <port> <nbytes>
    udp <peer-ip> <port> <nbytes>
    raw<proto> <peer-ip> <family> <nbytes>

The line "ready" is written to the record file once every socket listens.
Bounds: at most 64 TCP clients at once, 64 KiB per read.
"""
import argparse
import os
import selectors
import socket
import sys

MAX_CLIENTS = 64


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tcp", type=int, action="append", default=[])
    ap.add_argument("--udp", type=int, action="append", default=[])
    ap.add_argument("--raw", type=int, action="append", default=[],
                    help="IP protocol number to receive on raw sockets (v4 and v6)")
    ap.add_argument("--record", required=True)
    ap.add_argument("--no-echo", action="store_true")
    args = ap.parse_args()

    rec = open(args.record, "a", buffering=1)

    def record(line):
        rec.write(line + "\n")
        rec.flush()

    sel = selectors.DefaultSelector()
    for port in args.tcp:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("::", port))
        s.listen(64)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, ("listen", port))
    for port in args.udp:
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(("::", port))
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, ("udp", port))
    for proto in args.raw:
        for fam in (socket.AF_INET, socket.AF_INET6):
            s = socket.socket(fam, socket.SOCK_RAW, proto)
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ,
                         ("raw", proto, 4 if fam == socket.AF_INET else 6))
    record("ready")

    def peer(addr):
        ip = addr[0]
        if ip.startswith("::ffff:"):
            ip = ip[7:]
        return ip

    nclients = 0
    while True:
        for key, _ in sel.select():
            s, data = key.fileobj, key.data
            kind = data[0]
            try:
                if kind == "listen":
                    c, addr = s.accept()
                    record("tcp-accept %s %d" % (peer(addr), data[1]))
                    if nclients >= MAX_CLIENTS:
                        c.close()
                        continue
                    c.setblocking(False)
                    nclients += 1
                    sel.register(c, selectors.EVENT_READ, ("conn", data[1], peer(addr)))
                elif kind == "conn":
                    try:
                        buf = s.recv(65536)
                    except (ConnectionResetError, BlockingIOError):
                        buf = b""
                    if not buf:
                        sel.unregister(s)
                        s.close()
                        nclients -= 1
                        continue
                    record("tcp-data %s %d %d" % (data[2], data[1], len(buf)))
                    if not args.no_echo:
                        s.setblocking(True)
                        s.settimeout(2)
                        try:
                            s.sendall(buf)
                        except OSError:
                            pass
                        s.setblocking(False)
                elif kind == "udp":
                    buf, addr = s.recvfrom(65536)
                    record("udp %s %d %d" % (peer(addr), data[1], len(buf)))
                    if not args.no_echo:
                        s.sendto(buf, addr)
                elif kind == "raw":
                    buf, addr = s.recvfrom(65536)
                    record("raw%d %s %d %d" % (data[1], peer(addr), data[2], len(buf)))
            except OSError as e:
                print("echo.py: %s" % e, file=sys.stderr)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
