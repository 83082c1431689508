"""Parent-side cost of a hostile result frame: many tiny JSON values within the 64 MB byte cap.

Compares, in one run, parsing the frame as the jail's parent did before the value cap (`json.loads` of the whole
frame, in a child process so its peak memory is its own) with a jailed worker sending that frame now (refused
before parsing). Reports wall seconds and the peak RSS of the process that parses.

    python bench/bench_jail_frames.py              # a 64 MB frame of [[],[],...]
    python bench/bench_jail_frames.py --mb 16
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

PARSE = r'''
import json, resource, sys, time
n = int(sys.argv[1])
body = ('{"seq": 1, "kind": "ok", "value": [' + ", ".join(["[]"] * n) + "]}").encode()  # as json.dumps writes it
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
json.loads(body.decode("utf-8"))
print(json.dumps({"s": time.perf_counter() - t, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "body_rss_mb": rss0 / 1024}))
'''

NOW = r'''
import json, resource, sys, time
from hardgen.core.jail import LimitedWorker, Limits
n = int(sys.argv[1])
with LimitedWorker(Limits.untrusted(confine=False, timeout_s=120, memory_mb=4096)) as w:
    w.run(pow, 2, 2)
    t = time.perf_counter()
    out = w.run(eval, f"[[]] * {n}")
    s = time.perf_counter() - t
print(json.dumps({"s": s, "status": out.status, "error": out.error[:120],
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
'''


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=64, help="frame size in MB (at most 64, the byte cap)")
    args = ap.parse_args()
    n = (min(args.mb, 64) * 1024 * 1024 - 100) // 4  # "[], " per value
    before = json.loads(subprocess.run([sys.executable, "-c", PARSE, str(n)], capture_output=True, text=True,
                                       check=True).stdout)
    now = json.loads(subprocess.run([sys.executable, "-c", NOW, str(n)], capture_output=True, text=True,
                                    check=True).stdout)
    print(f"frame: {n} empty lists, {4 * n / 2**20:.0f} MB")
    print(f"before (parse it):   {before['s']:6.2f} s in json.loads, peak RSS {before['rss_mb']:7.0f} MB "
          f"(the frame bytes alone: {before['body_rss_mb']:.0f} MB)")
    print(f"now (value cap):     {now['s']:6.2f} s for the whole call (the worker building and sending it), "
          f"parent peak RSS {now['rss_mb']:7.0f} MB; {now['status']}: {now['error']}")


if __name__ == "__main__":
    main()
