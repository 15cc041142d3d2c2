"""``make bench``: every benchmark in one run, each in its own process so peak memory is its own."""

import subprocess
import sys

BENCHMARKS = ("bench.bench_embeddings", "bench.bench_matching", "bench.bench_planner", "bench.bench_import")

if __name__ == "__main__":
    quick = ["--quick"] if "--quick" in sys.argv[1:] else []
    for module in BENCHMARKS:
        args = quick if module == "bench.bench_matching" else []
        subprocess.run([sys.executable, "-m", module, *args], check=True)
        print()
