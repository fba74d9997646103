#!/usr/bin/env bash
# Fuzzing: every cargo-fuzz target in fuzz/ runs for a bounded time (FUZZ_SECONDS, default 25)
# from the committed seeds; any crash, panic, leak, timeout or OOM fails CI. Crash inputs are
# left in fuzz/artifacts/<target>/ (see fuzz/README.md to turn one into a regression file).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${FUZZ_SECONDS:-25}"

# Nightly if present (cargo-fuzz needs -Z flags), else stable with RUSTC_BOOTSTRAP=1.
if rustup run nightly rustc --version >/dev/null 2>&1; then
  tc=(+nightly)
else
  tc=()
  export RUSTC_BOOTSTRAP=1
fi
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  cargo install --locked cargo-fuzz
fi
# libFuzzer is C++, built by libfuzzer-sys.
if ! command -v c++ >/dev/null 2>&1; then
  apt-get update && apt-get install -y g++
fi

cd fuzz
fuzz_dir="$PWD"
targets=()
for f in fuzz_targets/*.rs; do
  targets+=("$(basename "$f" .rs)")
done

cargo "${tc[@]}" fuzz build 2>&1 | tail -n 3

for t in "${targets[@]}"; do
  mkdir -p "corpus-local/$t" "regressions/$t"
  extra=()
  case "$t" in
    envelope_parse | statement_parse | json_differential | key_parse | trusted_root_parse | bundle_parse) extra=(-dict="$fuzz_dir/json.dict") ;;
  esac
  echo "--- fuzz $t for ${seconds}s"
  # -timeout: any single input slower than 10 s is a failure; leaks fail through ASan.
  log="$(mktemp)"
  set +e
  cargo "${tc[@]}" fuzz run "$t" "corpus-local/$t" "seeds/$t" "regressions/$t" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    "${extra[@]}" >"$log" 2>&1
  rc=$?
  set -e
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)|^#[0-9]+ +DONE' "$log" || true
  if [ "$rc" -ne 0 ] || compgen -G "artifacts/$t/*" >/dev/null; then
    tail -n 60 "$log" >&2
    echo "fuzz target $t failed (exit $rc); failing inputs, if any, are in fuzz/artifacts/$t/" >&2
    exit 1
  fi
  rm -f "$log"
done
echo "all ${#targets[@]} fuzz targets ran ${seconds}s each without a finding"
