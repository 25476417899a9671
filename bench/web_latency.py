#!/usr/bin/env python3
"""Sequential HTTP latency of a few URLs on 127.0.0.1 over one keep-alive connection:
prints p50/p99/max per URL. Usage: web_latency.py PORT REQUESTS PATH..."""
import http.client
import sys
import time


def measure(port, path, n):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    samples = []
    for _ in range(5):  # warm-up
        conn.request("GET", path)
        conn.getresponse().read()
    for _ in range(n):
        start = time.perf_counter()
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        samples.append((time.perf_counter() - start) * 1000)
        if response.status != 200:
            raise SystemExit(f"{path}: HTTP {response.status}")
    conn.close()
    samples.sort()
    pick = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))]
    return pick(0.50), pick(0.99), samples[-1]


def main():
    port, n, paths = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    print(f"{'path':<58} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for path in paths:
        p50, p99, worst = measure(port, path, n)
        print(f"{path:<58} {p50:8.2f} {p99:8.2f} {worst:8.2f}")


if __name__ == "__main__":
    main()
