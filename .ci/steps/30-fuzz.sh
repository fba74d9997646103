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

# The fuzz workspace is built from its committed lock file, and that file pins every shared
# crate at the version the main workspace ships: the fuzzers test the code users get, and a
# crate released since the last commit cannot change what CI builds.
if ! cargo metadata --locked --format-version 1 >/dev/null; then
  echo "fuzz/Cargo.lock is out of date: copy ../Cargo.lock over it and run 'cargo metadata' in fuzz/" >&2
  exit 1
fi
python3 - <<'PY'
import sys, tomllib
def versions(path):
    out = {}
    for p in tomllib.load(open(path, "rb"))["package"]:
        out.setdefault(p["name"], set()).add(p["version"])
    return out
main, fuzz = versions("../Cargo.lock"), versions("Cargo.lock")
drift = [f"{n}: main {sorted(main[n])}, fuzz {sorted(v)}"
         for n, v in sorted(fuzz.items()) if n in main and not v <= main[n]]
if drift:
    print("fuzz/Cargo.lock pins other versions than Cargo.lock:", *drift, sep="\n  ", file=sys.stderr)
    sys.exit(1)
PY
targets=()
for f in fuzz_targets/*.rs; do
  targets+=("$(basename "$f" .rs)")
done

# The whole build log is kept; on failure its end (the compiler's or cargo's own error, not
# only cargo-fuzz's backtrace) and the free disk space are printed.
build_log="$(mktemp)"
if ! cargo "${tc[@]}" fuzz build >"$build_log" 2>&1; then
  grep -E '^(error|warning: build failed)|No space left' "$build_log" | head -n 40 >&2 || true
  tail -n 80 "$build_log" >&2
  df -h . /tmp >&2 || true
  echo "cargo fuzz build failed" >&2
  exit 1
fi
tail -n 3 "$build_log"
rm -f "$build_log"

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
