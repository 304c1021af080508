#!/usr/bin/python3
"""Filters `picket log --json` output (one JSON event per line) on stdin.

Arguments are filters, all of which must hold: key=value (equal, compared as
text), key!=value, key~text (text contained; a list value is joined with
spaces first). A dotted key reads nested objects: data.process.path=/usr/bin/curl. Prints the matching events; exit 0 if any matched, 1 if none,
2 if the input had a line that is not a JSON object.
"""
import json
import re
import sys


def text(v):
    if isinstance(v, list):
        return " ".join(str(x) for x in v)
    if isinstance(v, bool):
        return "true" if v else "false"
    return "" if v is None else str(v)


def get(obj, key):
    for part in key.split("."):
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def main():
    filters = []
    for a in sys.argv[1:]:
        m = re.match(r"^([A-Za-z0-9_.]+)(=|!=|~)(.*)$", a, re.S)
        if not m:
            print("evq: bad filter %r" % a, file=sys.stderr)
            return 2
        filters.append(m.groups())
    found = 0
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            ev = json.loads(line)
        except ValueError:
            print("evq: not JSON: %s" % line[:200], file=sys.stderr)
            return 2
        if not isinstance(ev, dict):
            return 2
        ok = True
        for key, op, val in filters:
            have = text(get(ev, key))
            if op == "=" and have != val:
                ok = False
            elif op == "!=" and have == val:
                ok = False
            elif op == "~" and val not in have:
                ok = False
        if ok:
            print(line)
            found += 1
    return 0 if found else 1


if __name__ == "__main__":
    sys.exit(main())
