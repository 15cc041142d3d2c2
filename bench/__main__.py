"""``make bench``: every benchmark in one run, each in its own process so peak memory is its own."""

import subprocess
import sys

BENCHMARKS = ("bench.bench_embeddings", "bench.bench_matching", "bench.bench_planner", "bench.bench_import")

if __name__ == "__main__":
    for module in BENCHMARKS:
        subprocess.run([sys.executable, "-m", module], check=True)
        print()
