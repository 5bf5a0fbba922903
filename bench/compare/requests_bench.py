#!/usr/bin/env python3
"""requests_bench: the Python requests load generator of bench/compare.sh (the reference design).

Usage: requests_bench.py BASE_URL CONCURRENCY REQUESTS_PER_THREAD WARMUP_PER_THREAD TOKEN

The reference design's client: one requests.Session shared by CONCURRENCY threads, with
HTTPAdapter(pool_connections=20, pool_maxsize=50, max_retries=Retry(total=3,
backoff_factor=0.5, status_forcelist=[429, 500, 502, 503, 504])) mounted for http:// and
https://, the headers an API client sends (Authorization: Bearer TOKEN, Accept) and the
body read whole (resp.content). Thread t asks for GET BASE_URL/api/v1/networks?page=t&size=2:
WARMUP_PER_THREAD unmeasured requests, a barrier, then REQUESTS_PER_THREAD measured ones.

Output: one JSON line {"client":"python-requests","requests":N,"errors":E,"wall_s":W,
"cpu_user_s":U,"cpu_sys_s":S,"p50_us":P,"p99_us":Q}. CPU is getrusage(RUSAGE_SELF) over
the measured phase only (interpreter start-up and imports are not in it), latencies per
request on time.perf_counter_ns (monotonic), percentiles exact (nearest rank over the
sorted list).
"""

import json
import math
import resource
import sys
import threading
import time

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry


def percentile(sorted_values, p):
    n = len(sorted_values)
    if n == 0:
        return 0
    rank = min(max(math.ceil(p * n), 1), n)
    return sorted_values[rank - 1]


def cpu_times():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime, ru.ru_stime


def main():
    if len(sys.argv) != 6:
        print(f"usage: {sys.argv[0]} BASE_URL CONCURRENCY REQUESTS_PER_THREAD WARMUP_PER_THREAD TOKEN",
              file=sys.stderr)
        return 2
    base = sys.argv[1].rstrip("/")
    concurrency, per_thread, warmup = (int(a) for a in sys.argv[2:5])
    token = sys.argv[5]
    if concurrency < 1 or per_thread < 1 or warmup < 0:
        print("requests_bench: CONCURRENCY and REQUESTS_PER_THREAD must be >= 1", file=sys.stderr)
        return 2

    session = requests.Session()
    retry = Retry(total=3, backoff_factor=0.5, status_forcelist=[429, 500, 502, 503, 504])
    adapter = HTTPAdapter(pool_connections=20, pool_maxsize=50, max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json"})

    lock = threading.Lock()
    errors = [0]
    lat = [None] * concurrency
    warmed = threading.Barrier(concurrency + 1)
    go = threading.Barrier(concurrency + 1)

    def one(t, url):
        try:
            resp = session.get(url, timeout=30)
            ok = resp.status_code == 200 and len(resp.content) > 0
            msg = f"status {resp.status_code}"
        except requests.RequestException as e:
            ok, msg = False, str(e)
        if not ok:
            with lock:
                if errors[0] < 3:
                    print(f"requests_bench: thread {t}: {msg}", file=sys.stderr)
                errors[0] += 1

    def run(t):
        url = f"{base}/api/v1/networks?page={t}&size=2"
        for _ in range(warmup):
            one(t, url)
        mine = [0] * per_thread
        warmed.wait()
        go.wait()
        clock = time.perf_counter_ns
        for i in range(per_thread):
            start = clock()
            one(t, url)
            mine[i] = clock() - start
        lat[t] = mine

    threads = [threading.Thread(target=run, args=(t,)) for t in range(concurrency)]
    for th in threads:
        th.start()
    warmed.wait()
    u0, s0 = cpu_times()
    t0 = time.perf_counter()
    go.wait()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    u1, s1 = cpu_times()

    all_lat = sorted(x for per in lat for x in per)
    print(json.dumps({
        "client": "python-requests",
        "requests": len(all_lat),
        "errors": errors[0],
        "wall_s": round(wall, 6),
        "cpu_user_s": round(u1 - u0, 6),
        "cpu_sys_s": round(s1 - s0, 6),
        "p50_us": round(percentile(all_lat, 0.50) / 1e3, 1),
        "p99_us": round(percentile(all_lat, 0.99) / 1e3, 1),
    }, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
