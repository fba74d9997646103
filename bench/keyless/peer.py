"""sigstore-python side of bench/keyless.sh: offline, in-process verification of the real
Sigstore cases (tests/vectors/sigstore/cases) against the trusted root each case names.

usage: peer.py CASE_DIR [CASE_DIR ...]   (KEYLESS_BENCH_VERDICT_ONLY=1 skips the timing)

Prints one tab-separated line per case: name, verdict (pass / fail / n/a), detail, median ns of
one verification (bundle bytes -> verdict; the Verifier is built once from the trusted root
file, no network). Message signatures are checked with the case's prehashed artifact digest
(the same input vouch gets); DSSE bundles with verify_dsse, then the in-toto subject is matched
against the case's digest here, as a caller of verify_dsse must.
"""

import json
import os
import sys
import time
from pathlib import Path

from sigstore.hashes import Hashed
from sigstore.models import Bundle, TrustedRoot
from sigstore.verify import Verifier
from sigstore.verify.policy import Identity
from sigstore_models.common.v1 import HashAlgorithm


def median_ns(f):
    """Median time of one call: batches sized to about 20 ms, 15 batches (as the Rust bench)."""
    start = time.perf_counter()
    n = 0
    while time.perf_counter() - start < 0.02 or n < 2:
        f()
        n += 1
    samples = []
    for _ in range(15):
        t = time.perf_counter_ns()
        for _ in range(n):
            f()
        samples.append((time.perf_counter_ns() - t) / n)
    samples.sort()
    return samples[len(samples) // 2]


def root_path(case_dir, case):
    rel = case["trusted_root_source"].replace(
        "production-sigstore-go-examples", "production-sigstore-go-testing"
    )
    return case_dir / ".." / ".." / rel


def make_check(case, verifier, raw):
    if case.get("identity") is None:
        return None, "regexp identity policy: the API takes an exact identity"
    policy = Identity(identity=case["identity"], issuer=case["issuer"])
    alg, hexdigest = case["artifact_digest"].split(":", 1)
    digest = bytes.fromhex(hexdigest)
    is_dsse = "dsseEnvelope" in json.loads(raw)

    if is_dsse:

        def check():
            bundle = Bundle.from_json(raw)
            ptype, payload = verifier.verify_dsse(bundle, policy)
            if ptype != "application/vnd.in-toto+json":
                raise ValueError(f"payload type {ptype}")
            stmt = json.loads(payload)
            if not any(s.get("digest", {}).get(alg) == hexdigest for s in stmt.get("subject", [])):
                raise ValueError("artifact digest is not a subject of the statement")

    else:
        if alg != "sha256":
            return None, f"message digest {alg}"
        hashed = Hashed(algorithm=HashAlgorithm.SHA2_256, digest=digest)

        def check():
            bundle = Bundle.from_json(raw)
            verifier.verify_artifact(hashed, bundle, policy)

    return check, None


def main():
    verdict_only = bool(os.environ.get("KEYLESS_BENCH_VERDICT_ONLY"))
    roots = {}
    for arg in sys.argv[1:]:
        case_dir = Path(arg)
        name = case_dir.name
        case = json.loads((case_dir / "case.json").read_text())
        raw = (case_dir / "bundle.sigstore.json").read_bytes()
        rp = str(root_path(case_dir, case).resolve())
        try:
            if rp not in roots:
                roots[rp] = Verifier(trusted_root=TrustedRoot.from_file(rp))
            verifier = roots[rp]
        except Exception as e:  # noqa: BLE001 - the verdict is the report
            print(f"{name}\tfail\ttrusted root: {type(e).__name__}: {e}\t-".replace("\n", " "))
            continue
        check, why = make_check(case, verifier, raw)
        if check is None:
            print(f"{name}\tn/a\t{why}\t-")
            continue
        try:
            check()
        except Exception as e:  # noqa: BLE001 - the verdict is the report
            msg = f"{type(e).__name__}: {e}".replace("\n", " ").replace("\t", " ")[:160]
            print(f"{name}\tfail\t{msg}\t-")
            continue
        if verdict_only:
            print(f"{name}\tpass\t-\t-")
        else:
            print(f"{name}\tpass\t-\t{median_ns(check):.0f}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
