// @sigstore/verify side of bench/keyless.sh: offline, in-process verification of the real
// Sigstore cases (tests/vectors/sigstore/cases) against the trusted root each case names.
//
// usage: node peer.cjs ARTIFACTS_DIR CASE_DIR [CASE_DIR ...]
//   (KEYLESS_BENCH_VERDICT_ONLY=1 skips the timing; NODE_PATH names the node_modules that
//   bench/keyless.sh installed outside the repository)
//
// Prints one tab-separated line per case: name, verdict (pass / fail / n/a), detail, median ns
// of one verification (bundle bytes -> verdict; the trust material is built once from the
// trusted root file with toTrustMaterial(TrustedRoot.fromJSON(...)), no network). A message
// signature needs the artifact's bytes (the API verifies over them, not over a digest):
// ARTIFACTS_DIR/<case name> when shipped, else n/a. DSSE bundles are verified without the
// artifact, then the in-toto subject is matched against the case's digest here, as a caller of
// Verifier.verify must.
'use strict';
const fs = require('fs');
const path = require('path');
const { Verifier, toTrustMaterial, toSignedEntity } = require('@sigstore/verify');
const { TrustedRoot } = require('@sigstore/protobuf-specs');
const { bundleFromJSON } = require('@sigstore/bundle');

// Median time of one call: batches sized to about 20 ms, 15 batches (as the Rust bench).
function medianNs(f) {
  const start = process.hrtime.bigint();
  let n = 0;
  while (process.hrtime.bigint() - start < 20000000n || n < 2) {
    f();
    n += 1;
  }
  const samples = [];
  for (let b = 0; b < 15; b++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) f();
    samples.push(Number(process.hrtime.bigint() - t) / n);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

function oneLine(e) {
  return `${e.name}: ${e.code ? e.code + ' ' : ''}${e.message}`.replace(/\s+/g, ' ').slice(0, 160);
}

const verdictOnly = !!process.env.KEYLESS_BENCH_VERDICT_ONLY;
const [artifactsDir, ...caseDirs] = process.argv.slice(2);
const verifiers = new Map();
for (const dir of caseDirs) {
  const name = path.basename(path.resolve(dir));
  const c = JSON.parse(fs.readFileSync(path.join(dir, 'case.json'), 'utf8'));
  const raw = fs.readFileSync(path.join(dir, 'bundle.sigstore.json'));
  const rootFile = path.resolve(
    dir,
    '../..',
    c.trusted_root_source.replace('production-sigstore-go-examples', 'production-sigstore-go-testing')
  );
  let verifier;
  try {
    if (!verifiers.has(rootFile)) {
      const root = TrustedRoot.fromJSON(JSON.parse(fs.readFileSync(rootFile, 'utf8')));
      verifiers.set(rootFile, new Verifier(toTrustMaterial(root)));
    }
    verifier = verifiers.get(rootFile);
  } catch (e) {
    console.log(`${name}\tfail\ttrusted root: ${oneLine(e)}\t-`);
    continue;
  }
  if (c.identity === null) {
    console.log(`${name}\tn/a\tregexp identity policy: the API takes an exact identity\t-`);
    continue;
  }
  const policy = { subjectAlternativeName: c.identity, extensions: { issuer: c.issuer } };
  const [alg, hex] = c.artifact_digest.split(':');
  const isDsse = 'dsseEnvelope' in JSON.parse(raw.toString('utf8'));
  let artifact;
  if (!isDsse) {
    const f = path.join(artifactsDir, name);
    if (!fs.existsSync(f)) {
      console.log(`${name}\tn/a\tmessage signature: the API needs the artifact's bytes (not shipped)\t-`);
      continue;
    }
    artifact = fs.readFileSync(f);
  }
  const check = () => {
    const bundle = bundleFromJSON(JSON.parse(raw.toString('utf8')));
    verifier.verify(toSignedEntity(bundle, artifact), policy);
    if (isDsse) {
      const env = bundle.content.dsseEnvelope;
      if (env.payloadType !== 'application/vnd.in-toto+json') throw new Error(`payload type ${env.payloadType}`);
      const stmt = JSON.parse(env.payload.toString('utf8'));
      if (!(stmt.subject || []).some((s) => s.digest && s.digest[alg] === hex)) {
        throw new Error('artifact digest is not a subject of the statement');
      }
    }
  };
  try {
    check();
  } catch (e) {
    console.log(`${name}\tfail\t${oneLine(e)}\t-`);
    continue;
  }
  console.log(`${name}\tpass\t-\t${verdictOnly ? '-' : medianNs(check).toFixed(0)}`);
}
