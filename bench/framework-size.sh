#!/usr/bin/env bash
# What the `leptos` and `yew` features add to an app's .wasm, and what serde-wasm-bindgen and
# gloo-utils would add for reading the `taapit:change` detail: builds copies of the example
# apps (into target/framework-size/) exactly as scripts/build-examples.sh builds the apps
# (release, wasm-bindgen --target web, wasm-opt -Oz), and prints the sizes next to the apps'.
#   bare       the example with `<Analytics />`, `use_tracking_id` and `clear` replaced by
#              do-nothing stand-ins: the app without taapit-capture
#   +swb       bare Yew app + reading `{ trackingId }` from a JsValue with serde-wasm-bindgen
#   +gloo      bare Yew app + the same with gloo-utils' JsValueSerdeExt (JSON round trip)
# Builds the apps first (scripts/build-examples.sh, incremental) and shares target/ with them.
# Writes its section of BENCHMARKS.md (between the framework-size markers; bench/run.mjs keeps
# it).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C link-arg=-zstack-size=1048576"
root=$PWD
work=target/framework-size

# The apps' signup request (examples/signup), at the same relative path from the copies.
rm -rf "$work/signup"
mkdir -p "$work"
cp -r examples/signup "$work/signup"

# Copies example $1 into $work/$2 as a crate of its own (no taapit-capture), then runs $3 on it.
copy() {
  rm -rf "$work/$2"
  mkdir -p "$work/$2"
  cp -r "examples/$1/src" "examples/$1/Cargo.toml" "$work/$2/"
  cp Cargo.lock "$work/$2/"
  sed -i '/^taapit-capture = /d; s/"taapit-capture\/leptos-ssr", //; s/^name = "taapit-\(.*\)-example"/name = "size-\1"/' "$work/$2/Cargo.toml"
  printf '\n[workspace]\n\n[profile.release]\nopt-level = "z"\nlto = true\ncodegen-units = 1\npanic = "abort"\n' >> "$work/$2/Cargo.toml"
}

# Builds crate dir $1 (lib name $2, features $3) and prints its wasm-opt'd size.
size() {
  (cd "$work/$1" && cargo build --release --target wasm32-unknown-unknown --lib --quiet \
    --target-dir "$root/target" --features "$3")
  local out=$work/$1/pkg
  wasm-bindgen --target web --no-typescript --out-dir "$out" "target/wasm32-unknown-unknown/release/$2.wasm"
  node_modules/.bin/wasm-opt -Oz --strip-debug --strip-producers --enable-bulk-memory \
    --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
    --enable-reference-types --enable-multivalue "$out/${2}_bg.wasm" -o "$out/${2}_bg.wasm"
  report "$1" "$out/${2}_bg.wasm"
}

declare -A raw gz
report() {
  raw[$1]=$(wc -c < "$2")
  gz[$1]=$(gzip -9 -c "$2" | wc -c)
  printf '%-14s %8d B  gzip %7d B\n' "$1" "${raw[$1]}" "${gz[$1]}"
}

bash scripts/build-examples.sh leptos-wasm
bash scripts/build-examples.sh yew

# --- Leptos ---
copy leptos leptos-bare
python3 - "$work/leptos-bare/src/app.rs" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
s = s.replace("use taapit_capture::leptos::{clear, use_tracking_id, Analytics};", """
fn use_tracking_id() -> Signal<Option<String>> { Signal::derive(|| None) }
fn clear() {}
#[component]
fn Analytics(#[prop(optional, into)] capture_on: Option<Signal<String>>) -> impl IntoView {
    let _ = capture_on;
}
""")
open(p, "w").write(s)
PY
rm -f "$work/leptos-bare/src/main.rs"
sed -i '/^\[\[bin\]\]/,/^required-features/d' "$work/leptos-bare/Cargo.toml"
report leptos www/examples/leptos/pkg/taapit_leptos_example_bg.wasm
size leptos-bare size_leptos hydrate

# --- Yew ---
copy yew yew-bare
python3 - "$work/yew-bare/src/lib.rs" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
s = s.replace("use taapit_capture::yew::{clear, use_tracking_id, Analytics};", "")
s = s.replace("use yew::prelude::*;", """use yew::prelude::*;

#[hook]
fn use_tracking_id() -> Option<String> { None }
fn clear() {}
#[derive(Properties, PartialEq)]
struct AnalyticsProps {
    #[prop_or_default]
    capture_on: Option<String>,
}
#[function_component]
fn Analytics(props: &AnalyticsProps) -> Html {
    let _ = &props.capture_on;
    Html::default()
}
""", 1)
open(p, "w").write(s)
PY
report yew www/examples/yew/pkg/taapit_yew_example_bg.wasm
size yew-bare size_yew ""

# The event detail read with each package, in the bare Yew app.
detail_reader() { # dir, dependency line, function body
  copy yew "$1"
  cp "$work/yew-bare/src/lib.rs" "$work/$1/src/lib.rs"
  sed -i "s|^\[dependencies\]|[dependencies]\nserde = { version = \"1\", features = [\"derive\"] }\n$2|" "$work/$1/Cargo.toml"
  cat >> "$work/$1/src/lib.rs" <<RS

#[derive(serde::Deserialize)]
struct Detail {
    #[serde(rename = "trackingId")]
    tracking_id: Option<String>,
}

/// Reads \`detail.trackingId\`, as the hooks do.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn read_detail(detail: wasm_bindgen::JsValue) -> Option<String> {
    $3
}
RS
  size "$1" "size_yew" ""
}
detail_reader yew-swb 'serde-wasm-bindgen = "0.6"' \
  'serde_wasm_bindgen::from_value::<Detail>(detail).ok()?.tracking_id'
detail_reader yew-gloo 'gloo-utils = { version = "0.2", features = ["serde"] }' \
  'use gloo_utils::format::JsValueSerdeExt; detail.into_serde::<Detail>().ok()?.tracking_id'

# The section of BENCHMARKS.md.
row() { # label, with, without
  printf '| %s | %s B (%s gzip) | %s B (%s gzip) | %s B (**%s gzip**) |\n' "$1" \
    "${raw[$2]}" "${gz[$2]}" "${raw[$3]}" "${gz[$3]}" \
    "$((raw[$2] - raw[$3]))" "$((gz[$2] - gz[$3]))"
}
rustc_version=$(rustc --version | cut -d' ' -f2)
wb_version=$(wasm-bindgen --version | cut -d' ' -f2)
section=$(cat <<MD
<!-- framework-size:start -->
## The Leptos and Yew features: what they add to an app

Command: \`bash bench/framework-size.sh\` · date: $(date -u +%Y-%m-%dT%H:%M:%SZ) · rustc $rustc_version, wasm-bindgen $wb_version

Each example app's \`.wasm\` as scripts/build-examples.sh builds it (release profile of the
workspace: \`opt-level = "z"\`, \`lto = true\`, \`codegen-units = 1\`, \`panic = "abort"\`; then
\`wasm-bindgen --target web\` and \`wasm-opt -Oz --strip-debug --strip-producers\`), beside the
same app with \`<Analytics />\`, \`use_tracking_id\` and \`clear\` replaced by do-nothing
stand-ins. Target: a share of at most 8,192 B gzip each (issue 22). Each step that moved the
shares: [bench/SIZE_STEPS.md](bench/SIZE_STEPS.md), "The Rust apps' share".

| app | with the feature | without | the feature adds |
| --- | ---: | ---: | ---: |
$(row 'examples/leptos (`hydrate`)' leptos leptos-bare)
$(row 'examples/yew (`csr`)' yew yew-bare)

Reading \`{ trackingId }\` from the event's \`detail\` with a serde crate instead of
\`Reflect.get\`, in the bare Yew app:

| reader | the app | it adds |
| --- | ---: | ---: |
$(printf '| serde-wasm-bindgen | %s B (%s gzip) | %s B (%s gzip) |' "${raw[yew-swb]}" "${gz[yew-swb]}" "$((raw[yew-swb] - raw[yew-bare]))" "$((gz[yew-swb] - gz[yew-bare]))")
$(printf '| gloo-utils (JSON round trip) | %s B (%s gzip) | %s B (%s gzip) |' "${raw[yew-gloo]}" "${gz[yew-gloo]}" "$((raw[yew-gloo] - raw[yew-bare]))" "$((gz[yew-gloo] - gz[yew-bare]))")
<!-- framework-size:end -->
MD
)
echo "$section"
node -e '
const fs = require("fs");
const [file, section] = [process.argv[1], process.argv[2]];
const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "# Benchmarks\n";
const re = /<!-- framework-size:start -->[\s\S]*<!-- framework-size:end -->\n?/;
fs.writeFileSync(file, re.test(text) ? text.replace(re, `${section}\n`) : `${text.trimEnd()}\n\n${section}\n`);
' BENCHMARKS.md "$section"
echo "[framework-size] BENCHMARKS.md updated"
