#!/usr/bin/env bash
# Whole-process start-up of `vouch verify` on the shipped example (1 KiB P-256 envelope, policy and
# artifact): the default release build and a static non-PIE build of the same commit, against
# `/bin/true`, timed alternately in one loop (each command in turn, RUNS times; medians of wall
# time), then CPU time and page faults with `perf stat -r 200` when perf is installed.
#
#   bench/startup.sh              # RUNS=300; builds the static variant in target/startup-static
#
# The static build: RUSTFLAGS="-C target-feature=+crt-static -C relocation-model=static" with an
# explicit --target (so that proc-macros still build for the host). Results: docs/BENCHMARKS.md,
# "Whole process: where the 1 KiB start-up goes".
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
runs=${RUNS:-300}
target=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
cargo build -q --release -p vouch-cli --bin vouch
RUSTFLAGS="-C target-feature=+crt-static -C relocation-model=static" \
  CARGO_TARGET_DIR="$target/startup-static" \
  cargo build -q --release -p vouch-cli --bin vouch --target x86_64-unknown-linux-gnu
dynamic="$target/release/vouch"
static="$target/startup-static/x86_64-unknown-linux-gnu/release/vouch"
args=(verify examples/hello/envelope.json --policy examples/hello/policy.json
  --artifact examples/hello/hello.txt)
echo "load $(cut -d' ' -f1-3 /proc/loadavg), $runs runs each"
python3 - "$runs" "$dynamic" "$static" "${args[@]}" <<'PY'
import statistics, subprocess, sys, time
runs, dynamic, static, args = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
cmds = {"default (dynamic PIE)": [dynamic] + args, "static non-PIE": [static] + args,
        "/bin/true": ["/bin/true"]}
for c in cmds.values():
    subprocess.run(c, check=True, stdout=subprocess.DEVNULL)
wall = {k: [] for k in cmds}
for _ in range(runs):
    for k, c in cmds.items():
        t = time.perf_counter_ns()
        subprocess.run(c, check=True, stdout=subprocess.DEVNULL)
        wall[k].append(time.perf_counter_ns() - t)
base = statistics.median(wall["/bin/true"])
print("| binary | wall (median) | × /bin/true |")
print("|---|---:|---:|")
for k, v in wall.items():
    m = statistics.median(v)
    print(f"| {k} | {m / 1e6:.3f} ms | {m / base:.2f}× |")
PY
if command -v perf >/dev/null 2>&1; then
  for b in "$dynamic" "$static"; do
    echo "== perf stat: $b"
    perf stat -r 200 -e task-clock,page-faults "$b" "${args[@]}" 2>&1 >/dev/null |
      grep -E 'task-clock|page-faults|elapsed'
  done
  echo "== perf stat: /bin/true"
  perf stat -r 200 -e task-clock,page-faults /bin/true 2>&1 | grep -E 'task-clock|page-faults|elapsed'
fi
