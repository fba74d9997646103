"""A throwaway local TUF repository whose only target is a given trusted_root.json, for the
sigstore-js CLI side of bench/keyless-cli.sh.

usage: tuf_repo.py TRUSTED_ROOT_JSON OUT_DIR MIRROR_URL

The sigstore-js CLI (`sigstore verify`, npm @sigstore/cli) has no flag for a trusted root file:
it always reads `trusted_root.json` as a target of a TUF repository (--tuf-mirror-url,
--tuf-root-path, --tuf-cache-path, --tuf-force-cache). To give it the same trusted root as the
other sides, offline, this writes a one-key TUF repository (ed25519 key generated here and thrown
away; root, targets, snapshot and timestamp metadata valid for 7 days) whose single target is the
trusted root, and lays it out as the CLI's cache for MIRROR_URL:

  OUT_DIR/root.json                            the initial root, for --tuf-root-path
  OUT_DIR/cache/<host+path of MIRROR_URL>/     root, timestamp, snapshot, targets metadata
  OUT_DIR/cache/<...>/targets/trusted_root.json

With --tuf-force-cache and unexpired cached metadata the CLI verifies the metadata chain
(signatures, versions, expiry, the target's length and SHA-256) and reads the target from the
cache without any network access. Runs with the python-tuf and securesystemslib that
sigstore-python depends on (the bench's venv).
"""

import shutil
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote, urlparse

from securesystemslib.signer import CryptoSigner
from tuf.api.metadata import (
    Metadata,
    MetaFile,
    Root,
    Snapshot,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.api.serialization.json import JSONSerializer


def main():
    root_file, out, mirror = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    url = urlparse(mirror)
    # @sigstore/tuf names the cache directory encodeURIComponent(host + path without trailing /).
    repo_dir = out / "cache" / quote(url.netloc + url.path.rstrip("/"), safe="!'()*-._~")
    shutil.rmtree(out, ignore_errors=True)
    (repo_dir / "targets").mkdir(parents=True)

    signer = CryptoSigner.generate_ed25519()
    expires = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=7)

    root = Metadata(Root(expires=expires, consistent_snapshot=False))
    for role in ("root", "targets", "snapshot", "timestamp"):
        root.signed.add_key(signer.public_key, role)

    shutil.copyfile(root_file, repo_dir / "targets" / "trusted_root.json")
    targets = Metadata(Targets(expires=expires))
    target = TargetFile.from_file(
        "trusted_root.json", str(repo_dir / "targets" / "trusted_root.json"), ["sha256"]
    )
    targets.signed.targets[target.path] = target

    snapshot = Metadata(Snapshot(expires=expires))
    snapshot.signed.meta["targets.json"] = MetaFile(version=targets.signed.version)
    timestamp = Metadata(Timestamp(expires=expires))
    timestamp.signed.snapshot_meta = MetaFile(version=snapshot.signed.version)

    ser = JSONSerializer(compact=False)
    for name, md in (
        ("root", root),
        ("targets", targets),
        ("snapshot", snapshot),
        ("timestamp", timestamp),
    ):
        md.sign(signer)
        (repo_dir / f"{name}.json").write_bytes(md.to_bytes(ser))
    shutil.copyfile(repo_dir / "root.json", out / "root.json")
    print(repo_dir)


if __name__ == "__main__":
    main()
