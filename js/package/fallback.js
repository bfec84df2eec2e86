// When WebAssembly cannot run — a Content-Security-Policy without 'wasm-unsafe-eval', or a
// browser without WebAssembly (iOS Lockdown Mode, some locked-down enterprise browsers) —
// compiling the .wasm throws, and the same module built as plain JavaScript by wasm2js
// (taapit_capture.fallback.js, made by js/build/fallback.mjs) runs the same rules instead. It is
// fetched only then: the normal path never asks for it.
//
// The fallback file is a script that defines `self.__taapitWasm2js(imports) → exports`; the
// npm entry loads it with `import()` (bundlers emit it as a chunk of its own), the script tag
// with a <script> element beside its own (`fallbackScript`). Either way `takeFallback()` then
// hands the function to loader.js's `instantiate`.

var NAME = '__taapitWasm2js';

/** The wasm2js module's factory the fallback script defined (removed from `self`), or null. */
export function takeFallback() {
  try {
    var made = self[NAME];
    delete self[NAME];
    return typeof made == 'function' ? made : null;
  } catch (_) {
    return null;
  }
}

/**
 * Loads the fallback script from `src` with a <script> element and runs `done(factory)` once
 * it ran, `done(null)` when it could not load. Never throws. With `integrity`, the element
 * carries it and `crossOrigin` (the script tag's own, when the page pinned the tag with
 * `integrity`): a fallback file that is not the build's is refused by the browser, as the
 * tag itself would be.
 */
export function fallbackScript(src, done, integrity, crossOrigin) {
  try {
    var script = document.createElement('script');
    if (integrity) {
      script.integrity = integrity;
      script.crossOrigin = crossOrigin;
    }
    script.src = src;
    script.onload = () => done(takeFallback());
    script.onerror = () => done(null);
    (document.head || document.documentElement).appendChild(script);
  } catch (_) {
    done(null);
  }
}
