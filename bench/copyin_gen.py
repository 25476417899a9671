#!/usr/bin/env python3
"""Writes a taxi-like CSV (NYC yellow trip columns of 2019) with N rows, for bench/copyin.sh.

usage: copyin_gen.py ROWS PATH
"""
import random
import sys
from datetime import datetime, timedelta

HEADER = (
    "VendorID,tpep_pickup_datetime,tpep_dropoff_datetime,passenger_count,trip_distance,"
    "RatecodeID,store_and_fwd_flag,PULocationID,DOLocationID,payment_type,fare_amount,extra,"
    "mta_tax,tip_amount,tolls_amount,improvement_surcharge,total_amount,congestion_surcharge\n"
)


def main() -> None:
    rows, path = int(sys.argv[1]), sys.argv[2]
    rnd = random.Random(42)
    start = datetime(2019, 1, 1)
    # Precomputed pools keep the generator fast; the mix still defeats trivial compression.
    stamps = [(start + timedelta(seconds=s)).strftime("%Y-%m-%d %H:%M:%S") for s in range(0, 31 * 86400, 7)]
    distances = [f"{rnd.uniform(0, 30):.2f}" for _ in range(5000)]
    money = [f"{rnd.uniform(2.5, 120):.2f}" for _ in range(5000)]
    tips = [f"{rnd.uniform(0, 20):.2f}" for _ in range(2000)]
    n_stamps = len(stamps)
    with open(path, "w", buffering=8 * 1024 * 1024) as out:
        out.write(HEADER)
        batch = []
        for i in range(rows):
            p = rnd.randrange(n_stamps - 600)
            batch.append(
                f"{1 + (i & 1)},{stamps[p]},{stamps[p + rnd.randrange(1, 600)]},{rnd.randrange(1, 7)},"
                f"{distances[i % 5000]},1,N,{rnd.randrange(1, 266)},{rnd.randrange(1, 266)},"
                f"{1 + (i % 4)},{money[i % 5000]},0.5,0.5,{tips[i % 2000]},0,0.3,"
                f"{money[(i * 7) % 5000]},2.5\n"
            )
            if len(batch) == 10000:
                out.write("".join(batch))
                batch.clear()
        out.write("".join(batch))


if __name__ == "__main__":
    main()
