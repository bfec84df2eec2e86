#!/usr/bin/env bash
# The release check: everything `cargo publish` and `npm publish` would do, without uploading.
# Run by scripts/test.sh; needs pkg/ built (scripts/build.sh). Fails with a message naming
# what is wrong:
#   1. one version: the workspace's, the npm package's and the crates' requirements agree;
#   2. each publishable crate packages only what users need (sources, README, LICENSE);
#   3. `cargo publish --dry-run --workspace`: every publishable crate packaged and built from
#      its package alone, in dependency order (taapit-core, taapit-capture, taapit-server);
#   4. `npm publish --dry-run` of pkg/, with exactly the files the package needs;
#   5. the Subresource Integrity hash the build wrote for taapit.js, recomputed;
#   6. the docs of every crate and feature set, warnings denied.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

fail() {
  printf '[release-check] FAIL: %s\n' "$*" >&2
  exit 1
}
say() { printf '[release-check] %s\n' "$*"; }

[ -f pkg/package.json ] || fail "pkg/ is not built: run bash scripts/build.sh first"

# --- 1. One version -------------------------------------------------------------------------
version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)
[ -n "$version" ] || fail "no version in Cargo.toml's [workspace.package] (the one place it is set)"
npm_version=$(node -p "require('./pkg/package.json').version")
[ "$npm_version" = "$version" ] \
  || fail "pkg/package.json has version $npm_version, the workspace $version (scripts/build.sh writes it)"
# The crates ask for each other with caret requirements (no exact pin users inherit): each
# one the workspace's major.minor (0.x: the first two numbers are the compatible range).
for crate in taapit-core taapit-capture; do
  requirement=$(sed -n "s/^$crate = .*version = \"\([^\"]*\)\".*/\1/p" Cargo.toml)
  [ "$requirement" = "${version%.*}" ] \
    || fail "[workspace.dependencies] $crate asks for version '$requirement', the workspace is $version (want '${version%.*}')"
done
say "version $version everywhere"

# --- 2. What each crate ships ---------------------------------------------------------------
metadata=$(cargo metadata --no-deps --format-version 1)
# name<TAB>readme path relative to the package, for every crate meant for crates.io.
publishable=$(printf '%s' "$metadata" | node -e '
  const path = require("path");
  const m = JSON.parse(require("fs").readFileSync(0, "utf8"));
  for (const p of m.packages) {
    if (p.publish !== null && !p.publish.length) continue;
    const dir = path.dirname(p.manifest_path);
    console.log(`${p.name}\t${p.readme ? path.relative(dir, path.resolve(dir, p.readme)) : ""}`);
  }')
[ -n "$publishable" ] || fail "cargo metadata lists no publishable crate"
while IFS=$'\t' read -r crate readme; do
  [ -n "$readme" ] || fail "$crate declares no readme"
  list=$(cargo package --list --allow-dirty -p "$crate" 2>/dev/null) \
    || fail "cargo package --list -p $crate failed: run it to see why"
  # Sources, the crate's README and LICENSE, and what cargo adds itself.
  extra=$(printf '%s\n' "$list" | grep -Fxv "$readme" \
    | grep -Ev '^(src/.*\.rs|LICENSE|Cargo\.toml|Cargo\.toml\.orig|Cargo\.lock|\.cargo_vcs_info\.json)$' || true)
  [ -z "$extra" ] || fail "the $crate package holds files users do not need (Cargo.toml 'include'):
$extra"
  for needed in "$readme" LICENSE Cargo.toml src/lib.rs; do
    printf '%s\n' "$list" | grep -qxF "$needed" || fail "the $crate package lacks $needed"
  done
  say "$crate packages $(printf '%s\n' "$list" | wc -l) files"
done <<< "$publishable"

# The capture crate's crates.io README shows the main README's examples, not copies that
# drift: every code block of it is in README.md, verbatim. (The npm README is generated from
# README.md by js/build/package-readme.mjs; the server crate's README is its own, fuller guide.)
node -e '
  const fs = require("fs");
  const blocks = (text) => [...text.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((m) => m[1]);
  const main = fs.readFileSync("README.md", "utf8");
  let bad = 0;
  for (const file of process.argv.slice(1)) {
    for (const block of blocks(fs.readFileSync(file, "utf8"))) {
      if (!main.includes(block)) {
        console.error(`[release-check] FAIL: a code block of ${file} is not in README.md:\n${block}`);
        bad++;
      }
    }
  }
  process.exit(bad ? 1 : 0);
' docs/crate-taapit-capture.md \
  || fail "docs/crate-taapit-capture.md has an example README.md lacks (fix one of the two)"

# --- 3. cargo publish --dry-run ------------------------------------------------------------------
cargo publish --dry-run --workspace --allow-dirty --quiet \
  || fail "cargo publish --dry-run --workspace failed (output above)"
say "cargo publish --dry-run: ok"

# --- 4. npm publish --dry-run --------------------------------------------------------------
packed=$(cd pkg && npm pack --dry-run --json 2>/dev/null) || fail "npm pack --dry-run failed in pkg/"
node -e '
  const [packed] = JSON.parse(process.argv[1]);
  const manifest = require("./pkg/package.json");
  const files = packed.files.map((f) => f.path).sort();
  const wanted = [...manifest.files, "package.json"].sort();
  const missing = wanted.filter((f) => !files.includes(f));
  const extra = files.filter((f) => !wanted.includes(f));
  if (missing.length || extra.length) {
    console.error(`[release-check] FAIL: npm package files: missing ${missing}, unexpected ${extra}`);
    process.exit(1);
  }
  // Every file a shipped module asks for by a relative name (an import, a dynamic import, a
  // `new URL(…, import.meta.url)` asset) is shipped too: pkg/ holds files outside the package
  // (the unbundled loader for the browser tests), so a build that still imported one of them
  // would pass every test here and break for users.
  const fs = require("fs");
  for (const file of wanted.filter((f) => f.endsWith(".js"))) {
    const text = fs.readFileSync(`pkg/${file}`, "utf8");
    for (const [, relative] of text.matchAll(/(?:from|import\(|new URL\()\s*[\x22\x27](\.\.?\/[^\x22\x27]+)[\x22\x27]/g)) {
      // Relative to the asking file (server/capture.js asks for ./rules.js: server/rules.js).
      const name = require("path").posix.join(require("path").posix.dirname(file), relative);
      if (!wanted.includes(name)) {
        console.error(`[release-check] FAIL: pkg/${file} asks for ${relative} (${name}), which the package does not ship`);
        process.exit(1);
      }
    }
  }
  for (const field of ["license", "engines", "version", "exports", "types"]) {
    if (!manifest[field]) {
      console.error(`[release-check] FAIL: pkg/package.json has no "${field}"`);
      process.exit(1);
    }
  }
' "$packed"
(cd pkg && npm publish --dry-run --loglevel=error >/dev/null 2>&1) || fail "npm publish --dry-run failed in pkg/"
say "npm publish --dry-run: ok ($(printf '%s' "$packed" | node -p 'JSON.parse(require("fs").readFileSync(0,"utf8"))[0].entryCount') files)"

# --- 5. Subresource Integrity of the script tag -----------------------------------------------
[ -f pkg/taapit.js.sri ] || fail "pkg/taapit.js.sri is missing (scripts/build.sh writes it)"
computed="sha384-$(openssl dgst -sha384 -binary pkg/taapit.js | openssl base64 -A)"
written=$(cat pkg/taapit.js.sri)
[ "$computed" = "$written" ] || fail "pkg/taapit.js.sri says $written, taapit.js hashes to $computed"
grep -qF "integrity=\"$computed\"" pkg/README.md || fail "pkg/README.md's script-tag snippet lacks integrity=\"$computed\""
say "SRI $computed"

# --- 6. Docs, warnings denied -----------------------------------------------------------------
export RUSTDOCFLAGS="-D warnings"
# The capture crate's API is the browser's: docs.rs documents it for wasm32 (its
# [package.metadata.docs.rs]); natively its calls do nothing, and the docs still build.
cargo doc --no-deps --quiet -p taapit-capture \
  || fail "cargo doc (taapit-capture, native) has warnings"
cargo doc --no-deps --quiet -p taapit-capture --target wasm32-unknown-unknown --features "$(
  sed -n '/^\[package.metadata.docs.rs\]/,/^\[/s/^features = \[\(.*\)\]/\1/p' Cargo.toml | tr -d '" ')" \
  || fail "cargo doc (taapit-capture, wasm32, every docs.rs feature) has warnings"
cargo doc --no-deps --quiet -p taapit-core || fail "cargo doc (taapit-core) has warnings"
cargo doc --no-deps --quiet -p taapit-server --all-features || fail "cargo doc (taapit-server, all features) has warnings"
say "docs: ok"
say "ready to publish $version"
