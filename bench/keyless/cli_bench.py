"""Whole-process side of the keyless benchmark (driven by bench/keyless-cli.sh).

usage: cli_bench.py VOUCH_BIN PEERS_DIR CASES_DIR ARTIFACTS_DIR WORK_DIR ROUNDS CASE [CASE ...]

For every case (a directory name under CASES_DIR) builds three command lines that ask the same
question -- this bundle, this trusted root, this identity and issuer, this artifact, offline:

  vouch   VOUCH_BIN verify --bundle B --trusted-root R --certificate-identity I
          --certificate-oidc-issuer S --artifact-digest ALG:HEX
  py      PEERS_DIR/venv/bin/sigstore --trust-config TC verify identity --offline --bundle B
          --cert-identity I --cert-oidc-issuer S sha256:HEX
          (TC: a ClientTrustConfig holding R, written to WORK_DIR; its signingConfig is empty:
          verification never reads it)
  js      PEERS_DIR/cli/node_modules/.bin/sigstore verify B --certificate-identity-email|-uri I
          --certificate-issuer S [--blob-file ARTIFACT] --tuf-mirror-url M --tuf-root-path ...
          --tuf-cache-path ... --tuf-force-cache
          (the CLI takes no trusted root file: R is served as the only target of a throwaway
          local TUF repository laid out as its cache, see tuf_repo.py; M is never contacted)

then checks every side's verdict (exit status: 0 for a case expected to pass, non-zero for one
expected to fail) and times the sides that gave the expected verdict: ROUNDS rounds, each running
vouch, py, js and /bin/true (the empty-process floor) in turn for every case, measuring wall time
(fork to wait) and CPU time (user + system of the child, from wait4). Prints Markdown: the
verdicts, then the medians and the ratios vouch / peer (median of the per-round ratios).
A side that cannot be asked the question is n/a with the reason; one that gives the wrong verdict
is reported as failing and not timed.
"""

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

JS_MIRROR = "http://127.0.0.1:9/vouch-bench-tuf"


def root_file(cases, case):
    # The sigstore-go examples root is byte-identical to its testing root (vector README).
    rel = case["trusted_root_source"].replace(
        "production-sigstore-go-examples", "production-sigstore-go-testing"
    )
    return (cases / ".." / rel).resolve()


def trust_config(root, work, cache):
    """A sigstore-python ClientTrustConfig around the trusted root (one file per root)."""
    if root in cache:
        return cache[root]
    doc = {
        "mediaType": "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json",
        "trustedRoot": json.loads(root.read_text()),
        "signingConfig": {
            "mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
            "caUrls": [],
            "oidcUrls": [],
            "rekorTlogUrls": [],
            "tsaUrls": [],
            "rekorTlogConfig": {"selector": "ANY"},
            "tsaConfig": {"selector": "ANY"},
        },
    }
    path = work / f"trust-config-{len(cache)}.json"
    path.write_text(json.dumps(doc))
    cache[root] = path
    return path


def tuf_repo(root, work, peers, cache):
    """The local TUF repository (initial root, cache dir) serving the trusted root."""
    if root in cache:
        return cache[root]
    out = work / f"tuf-{len(cache)}"
    subprocess.run(
        [str(peers / "venv/bin/python"), str(Path(__file__).with_name("tuf_repo.py")),
         str(root), str(out), JS_MIRROR],
        check=True, stdout=subprocess.DEVNULL,
    )
    cache[root] = (out / "root.json", out / "cache")
    return cache[root]


def commands(name, vouch, peers, cases, artifacts, work, tcs, tufs):
    d = cases / name
    case = json.loads((d / "case.json").read_text())
    bundle = d / "bundle.sigstore.json"
    root = root_file(cases, case)
    is_dsse = "dsseEnvelope" in json.loads(bundle.read_text())
    digest = case["artifact_digest"]
    artifact = artifacts / name
    identity, issuer = case.get("identity"), case.get("issuer")
    sides = {}
    if identity is None:
        v_id = ["--certificate-identity-regexp", case["identity_regexp"]]
    else:
        v_id = ["--certificate-identity", identity]
    v_iss = (["--certificate-oidc-issuer", issuer] if issuer is not None
             else ["--certificate-oidc-issuer-regexp", case["issuer_regexp"]])
    sides["vouch"] = [str(vouch), "verify", "--bundle", str(bundle), "--trusted-root", str(root),
                      *v_id, *v_iss, "--artifact-digest", digest]
    if identity is None or issuer is None:
        sides["py"] = "n/a (regexp identity: `verify identity` takes an exact one)"
        sides["js"] = "n/a (regexp identity: the CLI takes an exact one)"
        return case, sides
    if digest.startswith("sha256:"):
        py_input = digest
    elif artifact.exists():
        py_input = str(artifact)
    else:
        py_input = None
    if py_input is None:
        sides["py"] = "n/a (it takes a file or a sha256: digest; the case has a sha512 digest and no artifact file)"
    else:
        sides["py"] = [str(peers / "venv/bin/sigstore"), "--trust-config",
                       str(trust_config(root, work, tcs)), "verify", "identity", "--offline",
                       "--bundle", str(bundle), "--cert-identity", identity,
                       "--cert-oidc-issuer", issuer, py_input]
    if not is_dsse and not artifact.exists():
        sides["js"] = "n/a (a message signature needs the artifact's bytes; not shipped)"
    else:
        tuf_root, tuf_cache = tuf_repo(root, work, peers, tufs)
        id_flag = "--certificate-identity-uri" if "://" in identity else "--certificate-identity-email"
        argv = [str(peers / "cli/node_modules/.bin/sigstore"), "verify", str(bundle),
                id_flag, identity, "--certificate-issuer", issuer,
                "--tuf-mirror-url", JS_MIRROR, "--tuf-root-path", str(tuf_root),
                "--tuf-cache-path", str(tuf_cache), "--tuf-force-cache"]
        if not is_dsse:
            argv += ["--blob-file", str(artifact)]
        sides["js"] = argv
    return case, sides


def run_once(argv, capture=False):
    """(exit status, wall ns, cpu ns, stderr tail): one process, fork to reaped."""
    err = subprocess.PIPE if capture else subprocess.DEVNULL
    t = time.perf_counter_ns()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
    tail = p.stderr.read().decode(errors="replace") if capture else ""
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter_ns() - t
    p.returncode = os.waitstatus_to_exitcode(status)
    cpu = int((ru.ru_utime + ru.ru_stime) * 1e9)
    return p.returncode, wall, cpu, tail


def first_error_line(text):
    """The telling line of a failing side's stderr (sigstore-python logs through rich: a time
    prefix, a level and a source location around the message)."""
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    for l in lines:
        if "FAIL:" in l or "For detailed" in l:
            continue
        if any(w in l for w in ("Error", "ERROR", "error", "NOT verified")):
            l = re.sub(r"^\[[0-9:]+\]\s*", "", l)
            l = re.sub(r"^ERROR\s+", "", l)
            l = re.sub(r"\s+[\w.]+\.py:\d+$", "", l)
            return l[:140]
    return lines[-1][:140] if lines else "no message"


def main():
    vouch, peers, cases, artifacts, work = (Path(a) for a in sys.argv[1:6])
    rounds = int(sys.argv[6])
    names = sys.argv[7:]
    work.mkdir(parents=True, exist_ok=True)
    tcs, tufs = {}, {}
    plan = {}
    for n in names:
        plan[n] = commands(n, vouch, peers, cases, artifacts, work, tcs, tufs)
    sides = ["vouch", "py", "js"]
    label = {"vouch": "vouch", "py": "sigstore-python CLI", "js": "sigstore-js CLI"}

    # Verdicts first: a side that does not give the expected one is not timed.
    verdict = {}
    for n, (case, cmds) in plan.items():
        want_pass = case["expect"] == "pass"
        for s in sides:
            c = cmds[s]
            if isinstance(c, str):
                verdict[n, s] = (False, c)
                continue
            code, _, _, err = run_once(c, capture=True)
            ok = (code == 0) == want_pass
            text = f"exit {code}" + ("" if code == 0 else f": {first_error_line(err)}")
            verdict[n, s] = (ok, ("" if ok else "**wrong verdict** ") + text)

    print("Verdicts (exit status; a side with the wrong verdict is not timed):\n")
    print("| case | expected | " + " | ".join(label[s] for s in sides) + " |")
    print("|---|---|" + "---|" * len(sides))
    for n, (case, _) in plan.items():
        cells = [verdict[n, s][1].replace("|", "\\|") for s in sides]
        print(f"| `{n}` | {case['expect']} | " + " | ".join(cells) + " |")

    wall = {}
    cpu = {}
    for r in range(rounds):
        print(f"== round {r + 1} of {rounds}", file=sys.stderr)
        for n, (_, cmds) in plan.items():
            for s in sides + ["true"]:
                if s == "true":
                    argv = ["/bin/true"]
                elif verdict[n, s][0]:
                    argv = cmds[s]
                else:
                    continue
                _, w, c, _ = run_once(argv)
                wall.setdefault((n, s), []).append(w)
                cpu.setdefault((n, s), []).append(c)

    def ms(x):
        return f"{x / 1e6:.1f}" if x >= 1e7 else f"{x / 1e6:.2f}"

    for title, data in (("Wall time", wall), ("CPU time (user + system)", cpu)):
        print(f"\n{title}, median of {rounds} runs per side, ms; ratio = vouch / peer, "
              "median of the per-round ratios:\n")
        print("| case | vouch | sigstore-python CLI | vouch/py | sigstore-js CLI | vouch/js "
              "| `/bin/true` |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for n in plan:
            vo = data.get((n, "vouch"))
            row = [f"`{n}`", ms(statistics.median(vo)) if vo else "fails"]
            for s in ("py", "js"):
                xs = data.get((n, s))
                if xs and vo:
                    ratio = statistics.median(a / b for a, b in zip(vo, xs))
                    row += [ms(statistics.median(xs)), f"{ratio:.3f}"]
                else:
                    ok, why = verdict[n, s]
                    row += ["n/a" if why.startswith("n/a") else "fails", "–"]
            row.append(ms(statistics.median(data[n, "true"])))
            print("| " + " | ".join(row) + " |")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
