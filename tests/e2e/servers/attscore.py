#!/usr/bin/python3
"""The attribution scorecard: which process each flow's event names.

  attscore.py EVENTS EXPECT TITLE [--strict]

EVENTS: `picket log --json` output. EXPECT: one line per flow,
"scenario proto dst key pid uid path" (key: the destination port, the ICMP
echo id, sport:N for the source port, or - when the destination alone names the flow), or
"SKIP scenario reason...". An event that names the expected pid, uid and
path is right; one that names another process is wrong; "unknown", no pid,
no path, or no event at all is unknown. Prints one row per scenario; with --strict
exits 1 when any flow was attributed wrong.
"""
import json
import sys


def main():
    events_path, expect_path, title = sys.argv[1:4]
    strict = "--strict" in sys.argv[4:]
    index = {}
    with open(events_path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            e = json.loads(line)
            proto, dst = str(e.get("protocol")), e.get("dst_ip")
            keys = [(proto, dst, "-")]
            if e.get("dst_port") is not None:
                keys.append((proto, dst, str(e["dst_port"])))
            if e.get("src_port") is not None:
                keys.append((proto, dst, "sport:%s" % e["src_port"]))
            if e.get("icmp_id") is not None:
                keys.append((proto, dst, str(e["icmp_id"])))
            for k in keys:
                index.setdefault(k, e)  # the first event of a flow decides
    rows, order, skips, wrongs = {}, [], [], []
    with open(expect_path) as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            if parts[0] == "SKIP":
                skips.append((parts[1], " ".join(parts[2:])))
                continue
            scen, proto, dst, key, pid, uid, path = parts[:7]
            if scen not in rows:
                rows[scen] = [0, 0, 0]
                order.append(scen)
            e = index.get((proto, dst, key))
            # The right pid with no path (a zombie's exe is unreadable) is
            # not a name either.
            if e is None or e.get("pid") is None or e.get("process_path") in ("", "unknown"):
                rows[scen][2] += 1
                continue
            ok = (str(e.get("pid")) == pid and e.get("process_path") == path and
                  (uid == "-" or str(e.get("uid")) == uid))
            if ok:
                rows[scen][0] += 1
            else:
                rows[scen][1] += 1
                wrongs.append("%s %s %s:%s want pid %s uid %s %s, got pid %s uid %s %s" % (
                    scen, proto, dst, key, pid, uid, path, e.get("pid"), e.get("uid"),
                    e.get("process_path")))
    print("scorecard (%s)" % title)
    print("%-28s %6s %6s %8s %6s" % ("scenario", "right", "wrong", "unknown", "total"))
    for s in order:
        r, w, u = rows[s]
        print("%-28s %6d %6d %8d %6d" % (s, r, w, u, r + w + u))
    for s, why in skips:
        print("%-28s skipped: %s" % (s, why))
    for w in wrongs[:20]:
        print("WRONG " + w)
    return 1 if strict and wrongs else 0


if __name__ == "__main__":
    sys.exit(main())
