#!/usr/bin/env bash
# `vouch serve` under load, on loopback, against the in-process baseline measured in the same run.
#
#   bench/serve.sh                       # 10 s per row
#   SECONDS_PER_ROW=5 ALGS=ed bench/serve.sh
#   VOUCH=/path/to/other/vouch ROWS=get bench/serve.sh   # another build; only some rows
#   SERVE_FLAGS="--max-jobs 32" bench/serve.sh           # more flags of vouch serve (or SERVE_ARGS)
#   STORE=postgres bench/serve.sh   # the store in PostgreSQL (a cluster of its own, made here with
#                                   # Debian's initdb as nobody, on a unix socket), then pgbench
#                                   # writing rows of the same shape the same way, for comparison
#                                   # (the in-process baseline stays on SQLite)
#
# Rows (ROWS: a space-separated subset of `baseline put get open`; default all):
# - baseline: the store's put path without HTTP (examples/serve_bench.rs `baseline`): verify the
#   same envelope for a fresh URN (store::prepare_digest) and commit it with its audit row through
#   Store::put_batch on a synchronous=FULL connection, grouped the way the service groups puts;
#   1, 8, 32 and 128 threads, each run just before the Ed25519 PUT row with as many connections
#   (with `put`).
# - put: PUT with full verification at 1, 8, 32 and 128 connections (wrk, closed loop), Ed25519
#   and P-256 envelopes (ALGS, default "ed p256"). Every PUT is a new record (the same signed
#   card under a fresh URN), verified under an enforcing policy and committed durably.
# - get: GET latest at 8 and 32 connections, GET history (one page of 50) at 32.
# - open: open-loop PUT (examples/serve_bench.rs `open-loop`: fixed rate, latency from the
#   intended send time, 128 connections) at 50% and 80% of the highest closed-loop Ed25519 PUT
#   rate of this run (or of MAX_RATE when the put rows are skipped).
# Prints a Markdown table (req/s, p50 / p99 / p99.9 ms, non-2xx or errors, ratio to the baseline
# with as many threads) and `uptime` before each row. Server, load generator and baseline share
# the machine's cores. wrk is Debian's package (installed when missing and apt-get is available).
# Honours CARGO_TARGET_DIR. Sends traffic to 127.0.0.1 only.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
secs=${SECONDS_PER_ROW:-10}
rows=${ROWS:-baseline put get open}
algs=${ALGS:-ed p256}
serve_flags=${SERVE_FLAGS:-${SERVE_ARGS:-}}
if ! command -v wrk >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
(cd "$root" && cargo build -q --release -p vouch-cli --bin vouch --example serve_bench)
target=$(cd "$root" && cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
vouch=${VOUCH:-$target/release/vouch}
tool="$target/release/examples/serve_bench"
work=$(mktemp -d)
server=
pg=
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; fi
  if [ -n "$pg" ]; then kill "$pg" 2>/dev/null; wait "$pg" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
has() { [[ " $rows " == *" $1 "* ]]; }

store=${STORE:-sqlite}
db=store.db
if [ "$store" = postgres ]; then
  # shellcheck source=bench/pg.sh
  . "$root/bench/pg.sh"
  pg_start
  db=$(pg_db bench)
fi

# Keys, an enforcing policy trusting both, and one signed card per algorithm (≈ 1 KiB envelopes).
"$vouch" keygen --algorithm ed25519 --out ed >/dev/null 2>&1
"$vouch" keygen --algorithm ecdsa-p256 --out p256 >/dev/null 2>&1
python3 - <<'PY'
import json
issuers = [{"keyId": k, "publicKey": open(f"{k}.pub").read()} for k in ("ed", "p256")]
json.dump({"mode": "enforce", "allowedIssuers": issuers}, open("policy.json", "w"))
PY
card='bench manifest v1'
printf '%s' "$card" > card.txt
"$vouch" statement --subject card.txt --builder-id https://ci.example/bench --commit abc \
  --statement-format registry --out statement.json
for k in ed p256; do
  "$vouch" sign --key "$k.key" --keyid "$k" statement.json --out "$k.dsse.json"
done
"$vouch" serve api-key add --db "$db" --name bench --scope provenance:write \
  --scope provenance:read --format json > apikey.json
key=$(python3 -c 'import json; print(json.load(open("apikey.json"))["key"])')

load() { printf 'load %s' "$(uptime | sed 's/.*load average: //')"; }

echo "| request | clients | req/s | p50 ms | p99 ms | p99.9 ms | non-2xx or errors | × baseline | load (1/5/15 min) |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---|"
declare -A base
# The baseline with T threads, just before the service's row with as many connections (the disk
# is shared with whatever else runs, so rows far apart in time are not comparable).
baseline_row() {
  local t=$1 l
  l=$(load)
  read -r _ rps p50 p99 p999 bad < <("$tool" baseline base.db policy.json ed.dsse.json "$card" "$t" "$secs" | grep '^RESULT')
  base[$t]=$rps
  printf '| in-process put (Ed25519), threads | %d | %s | %s | %s | %s | %s | 1.00 | %s |\n' \
    "$t" "$rps" "$p50" "$p99" "$p999" "$bad" "${l#load }"
}

# shellcheck disable=SC2086 # SERVE_FLAGS: more flags of vouch serve, e.g. "--max-jobs 32"
"$vouch" serve --db "$db" --policy policy.json --listen 127.0.0.1:0 $serve_flags 2> server.log &
server=$!
for _ in $(seq 100); do
  grep -q 'listening on' server.log 2>/dev/null && break
  sleep 0.1
done
addr=$(sed -n 's/.*listening on http:\/\/\([^ ]*\).*/\1/p' server.log | head -1)
[ -n "$addr" ] || { cat server.log; exit 1; }

# wrk script: PUT the signed card under a fresh URN per request (thread id + counter).
cat > put.lua <<'LUA'
local envelope, key, counter = nil, os.getenv("API_KEY"), 0
-- A name unique to this thread's Lua state (the address of a fresh table), so that no two
-- threads send the same URN: every PUT is a new record, never a cheaper replay.
local tid = tostring({}):match("0x(%x+)") or tostring(os.clock())
function init(args)
  local f = assert(io.open(os.getenv("ENVELOPE"), "r"))
  envelope = f:read("*a"):gsub("%s+$", "")
  f:close()
end
function request()
  counter = counter + 1
  local urn = "urn:bench:" .. os.getenv("RUN") .. ":" .. tostring(tid) .. ":" .. counter
  local body = '{"urn":"' .. urn .. '","card":"bench manifest v1","provenance":' .. envelope .. '}'
  return wrk.format("PUT", "/v1/registry/" .. urn,
    {["Content-Type"] = "application/json", ["X-API-Key"] = key}, body)
end
function done(summary, latency, requests)
  io.write(string.format("RESULT %.0f %.2f %.2f %.2f %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read +
      summary.errors.write + summary.errors.timeout))
end
LUA
cat > get.lua <<'LUA'
wrk.headers["X-API-Key"] = os.getenv("API_KEY")
function done(summary, latency, requests)
  io.write(string.format("RESULT %.0f %.2f %.2f %.2f %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read +
      summary.errors.write + summary.errors.timeout))
end
LUA

ratio() { # rps clients
  local b=${base[$2]:-}
  if [ -n "$b" ] && [ "$b" != 0 ]; then
    python3 -c "print(f'{$1 / $b:.2f}')"
  else
    echo "—"
  fi
}
max_put=${MAX_RATE:-0}
row() { # label run-id connections script [path]
  local label=$1 run=$2 conns=$3 script=$4 path=${5:-/}
  local threads=$((conns < 2 ? 1 : 2))
  local l out
  l=$(load)
  out=$(RUN="$run" API_KEY="$key" ENVELOPE="$ENVELOPE" \
    wrk -t"$threads" -c"$conns" -d"${secs}s" -s "$script" "http://$addr$path" | grep '^RESULT')
  read -r _ rps p50 p99 p999 bad <<<"$out"
  local r="—"
  if [[ $label == "PUT (ed)" ]]; then r=$(ratio "$rps" "$conns"); fi
  if [[ $label == "PUT (ed)" ]] && [ "$bad" = 0 ] && [ "$rps" -gt "$max_put" ]; then
    max_put=$rps
  fi
  printf '| %s | %d | %s | %s | %s | %s | %s | %s | %s |\n' "$label" "$conns" "$rps" "$p50" \
    "$p99" "$p999" "$bad" "$r" "${l#load }"
}

if has put; then
  for alg in $algs; do
    export ENVELOPE="$work/$alg.dsse.json"
    for c in 1 8 32 128; do
      if [ "$alg" = ed ] && has baseline; then baseline_row "$c"; fi
      row "PUT ($alg)" "$alg-$c" "$c" put.lua
    done
  done
fi
export ENVELOPE="$work/ed.dsse.json"
if has get; then
  # GET latest and history of one URN, put first.
  ADDR="$addr" API_KEY="$key" python3 - <<'PY'
import os, urllib.request
env = open(os.environ["ENVELOPE"]).read()
urn = "urn:bench:get"
body = '{"urn":"%s","card":"bench manifest v1","provenance":%s}' % (urn, env)
req = urllib.request.Request(f"http://{os.environ['ADDR']}/v1/registry/{urn}", data=body.encode(),
    method="PUT", headers={"Content-Type": "application/json", "X-API-Key": os.environ["API_KEY"]})
assert urllib.request.urlopen(req).status in (200, 201)
PY
  for c in 8 32; do
    row "GET latest" "get-$c" "$c" get.lua "/v1/registry/urn:bench:get"
  done
  row "GET history" "hist-32" 32 get.lua "/v1/registry/urn:bench:get/provenance"
fi
if has open && [ "$max_put" -gt 0 ]; then
  for pct in 50 80; do
    rate=$((max_put * pct / 100))
    l=$(load)
    read -r _ rps p50 p99 p999 bad < <("$tool" open-loop "$addr" "$key" ed.dsse.json "$card" \
      "$rate" "$secs" 128 | grep '^RESULT')
    printf '| PUT (ed) open loop at %d%% of %d = %d req/s | 128 | %s | %s | %s | %s | %s | — | %s |\n' \
      "$pct" "$max_put" "$rate" "$rps" "$p50" "$p99" "$p999" "$bad" "${l#load }"
  done
fi
echo
echo "$secs s per row; vouch serve defaults${serve_flags:+ plus $serve_flags}; store: $store; $(nproc) cores shared by server, load and baseline; × baseline: req/s over the in-process put (SQLite) with as many threads as connections."

if [ "$store" = postgres ]; then
  # pgbench on the same server, the service stopped: each transaction does what one stored PUT
  # does in the database (a URN advisory lock, the existence check, the record with an envelope
  # of the same size, the audit row; synchronous_commit on), into copies of the store's tables.
  # (No ':' in the SQL text: pgbench would take ':name' inside a string for a variable.)
  kill "$server" && wait "$server" 2>/dev/null || true
  server=
  size=$(wc -c < "$work/ed.dsse.json")
  psql() { "$pgbin/psql" -q -h "$work/pg" -U vouch -d bench -v ON_ERROR_STOP=1 "$@"; }
  psql -c "CREATE TABLE pgb (LIKE provenance INCLUDING ALL);
           CREATE TABLE pgb_audit (LIKE audit_log INCLUDING ALL);
           CREATE SEQUENCE pgb_n;"
  cat > pgb.sql <<SQL
BEGIN;
SELECT pg_advisory_xact_lock(1448039747, hashtext('urn.pgb.' || nextval('pgb_n')));
SELECT seq FROM pgb WHERE urn = 'urn.pgb.' || currval('pgb_n') AND digest = 'ab';
INSERT INTO pgb (urn, payload_type, digest, issuer, committed_at, build_tool, inputs, outputs,
  recorded_at, verified, warnings, sig, policy_digest, envelope)
  VALUES ('urn.pgb.' || currval('pgb_n'), 'application/vnd.in-toto+json', 'ab',
  'https.//ci.example/bench', '2026-01-01T00.00.00Z', 'vouch', '[]', '[{"name":"card"}]',
  '2026-01-01T00.00.00Z', true, NULL, NULL, 'cd', convert_to(repeat('x', $size), 'UTF8'));
INSERT INTO pgb_audit (at, request_id, key_id, action, urn, digest, status, outcome)
  VALUES ('2026-01-01T00.00.00Z', 'r', 'k', 'put', 'urn.pgb.' || currval('pgb_n'), 'ab', 201,
  'created');
END;
SQL
  echo
  echo "| pgbench, the same rows | clients | tps |"
  echo "|---|---:|---:|"
  for c in 8 32; do
    tps=$("$pgbin/pgbench" -n -h "$work/pg" -U vouch -c "$c" -j 2 -T "$secs" -M prepared \
      -f pgb.sql bench 2>pgbench.err | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
    [ -n "$tps" ] || { cat pgbench.err; exit 1; }
    printf '| insert + audit, synchronous_commit on | %d | %.0f |\n' "$c" "$tps"
  done
fi
