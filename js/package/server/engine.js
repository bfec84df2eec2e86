// The shipped .wasm (crates/wasm/) run on a server, over a *virtual page* made from a
// request: the same module the browser runs, so the id rule, the cookie string, the domain
// choice and the first/last-click decision are the Rust core's, with no JavaScript copy of
// them (ARCHITECTURE.md, "Server-side capture").
//
// The module reads the page through the imports its contract names
// (crates/wasm/src/contract.rs): here they answer from the request instead of `location`,
// `document.cookie` and `localStorage` — hostname, path, search and protocol from the URL,
// `document.cookie` from the Cookie header, no storage — and the cookies it writes go to a
// jar that keeps the browser's rules (a Domain must cover the host and not be a public
// suffix, by the Public Suffix List of `tldts`) and hands back what a response must carry as
// Set-Cookie. The module's domain probes thus pick the registrable domain, as they do in a
// browser.
//
// Not loader.js's `instantiate`: that one reads the real page's globals. The imports
// (`moduleImports`, over this file's READ and CHANGE tables), the option list (`optionList`)
// and the codes (contract.js, generated from the Rust enums) are shared with it;
// js/build/server-entry.mjs bundles them into pkg/server/engine.js.
//
// Which build of the module runs (the .wasm, or its wasm2js translation where a runtime
// refuses to compile WebAssembly) is chosen by runtime.js / runtime-wasm2js.js.

import { getPublicSuffix } from 'tldts';

import {
  CALL_CAPTURE,
  CALL_TRACKING_ID,
  CHANGE_REPLACE_URL,
  CHANGE_SET_COOKIE,
  CHANGE_STATE,
  CHANGE_STORAGE_REMOVE,
  CHANGE_STORAGE_SET,
  TEXT_COOKIES,
  TEXT_HASH,
  TEXT_HOSTNAME,
  TEXT_INPUT,
  TEXT_NONCE,
  TEXT_PATHNAME,
  TEXT_PROTOCOL,
  TEXT_SEARCH,
  TEXT_STATE,
  TEXT_STORAGE,
} from '../contract.js';
import { moduleImports, noteLine, optionList } from '../loader.js';

export { CALL_CAPTURE, CALL_TRACKING_ID, optionList };

/**
 * What a browser would do with the cookies of one page: starts from a Cookie header (whose
 * cookies' domains a server cannot know), applies the module's `document.cookie` writes by the
 * browser's rules, and gives back the net writes as Set-Cookie strings.
 */
export class VirtualJar {
  #host;
  #https;
  #entries; // { name, pair, level }: level undefined for a cookie of the header
  #writes = []; // { key, name, text, removal }
  #sent; // names the header had

  constructor(cookieHeader, host, https) {
    this.#host = host.toLowerCase();
    this.#https = https;
    this.#entries = [];
    for (const part of String(cookieHeader ?? '').split(';')) {
      const pair = part.trim();
      if (!pair) continue;
      const eq = pair.indexOf('=');
      this.#entries.push({ name: (eq < 0 ? '' : pair.slice(0, eq)).trim(), pair, level: undefined });
    }
    this.#sent = new Set(this.#entries.map((e) => e.name));
  }

  /** `document.cookie`: the cookies in the order a browser lists them (oldest first). */
  read() {
    return this.#entries.map((e) => e.pair).join('; ');
  }

  /**
   * `document.cookie = text`. A Domain the browser would refuse (not the host or a parent of
   * it, or a public suffix), and Secure on http, leave the jar as it was, as in a browser.
   */
  write(text) {
    const parts = String(text).split(';');
    const pair = parts[0].trim();
    const eq = pair.indexOf('=');
    if (eq < 1) return;
    const name = pair.slice(0, eq).trim();
    let level = '';
    let secure = false;
    let removal = false;
    for (const attribute of parts.slice(1)) {
      const [key, ...rest] = attribute.split('=');
      const value = rest.join('=').trim();
      switch (key.trim().toLowerCase()) {
        case 'domain':
          level = value.replace(/^\./, '').toLowerCase();
          break;
        case 'max-age':
          removal = Number(value) <= 0;
          break;
        case 'secure':
          secure = true;
          break;
        default:
      }
    }
    if (secure && !this.#https) return;
    if (level && !this.#accepts(level)) return;
    if (name.startsWith('__Secure-') && !secure) return;
    if (name.startsWith('__Host-') && (!secure || level)) return;
    // A header cookie's level is unknown. A removal on any level is taken to reach it; a write
    // is taken to be on its level only when it holds the same value, and a copy holding
    // another value to be on another level, as the core's one-copy rule counts a request's
    // copies (`visible_after_write` in crates/core/src/capture.rs): the module then sees two
    // copies and expires the other levels, so none can outlive the new id in the browser.
    const entry =
      this.#entries.find((e) => e.name === name && e.level === level) ??
      this.#entries.find((e) => e.name === name && e.level === undefined && (removal || e.pair === pair));
    if (removal) {
      if (entry) this.#entries.splice(this.#entries.indexOf(entry), 1);
    } else if (entry) {
      entry.pair = pair;
      entry.level = level;
    } else {
      this.#entries.push({ name, pair, level });
    }
    this.#writes.push({ key: `${name}\x00${level}`, name, text: String(text), removal });
  }

  /** Whether a browser on the host keeps a cookie with `Domain=domain` (RFC 6265 §5.3, PSL). */
  #accepts(domain) {
    const host = this.#host;
    if (host !== domain && !host.endsWith(`.${domain}`)) return false;
    return getPublicSuffix(domain, { allowPrivateDomains: true }) !== domain;
  }

  /**
   * The Set-Cookie strings that leave a browser's jar as this one is: the last write of each
   * cookie (name and level), without removals of names the request never sent (the module's
   * domain probes, set and removed within the call).
   */
  setCookies() {
    const last = new Map();
    for (const w of this.#writes) {
      last.delete(w.key);
      last.set(w.key, w);
    }
    return [...last.values()].filter((w) => !w.removal || this.#sent.has(w.name)).map((w) => w.text);
  }
}

/**
 * A page as the module sees it, made from a request: `url` (a URL), `cookieHeader` (the
 * Cookie header or null). Storage is absent; the address cannot be replaced.
 */
export function virtualPage(url, cookieHeader) {
  const https = url.protocol === 'https:';
  return {
    hostname: url.hostname,
    pathname: url.pathname,
    search: url.search,
    hash: url.hash,
    protocol: url.protocol,
    jar: new VirtualJar(cookieHeader, url.hostname, https),
    nonce: 0,
    warnings: [],
  };
}

/**
 * What each text code reads from a virtual page, and what each change code does to it, in
 * code order (the contract's; the tests check one entry per code of contract.js).
 * Absent (`null`) texts and throwing changes are what the module sees of a missing API.
 */
export const READ = {
  [TEXT_HOSTNAME]: (page) => page.hostname,
  [TEXT_PATHNAME]: (page) => page.pathname,
  [TEXT_SEARCH]: (page) => page.search,
  [TEXT_HASH]: (page) => page.hash,
  [TEXT_PROTOCOL]: (page) => page.protocol,
  [TEXT_COOKIES]: (page) => page.jar.read(),
  [TEXT_STORAGE]: () => null, // no localStorage on a server
  [TEXT_INPUT]: (page, call) => call.input,
  // Digits (a valid cookie name's): the probe's name; unique within the call is enough,
  // since the jar belongs to this call alone.
  [TEXT_NONCE]: (page) => String(++page.nonce),
  [TEXT_STATE]: (page, call) => call.state,
};

const refuse = () => {
  throw new Error('not on a server');
};

export const CHANGE = {
  [CHANGE_SET_COOKIE]: (page, call, a) => page.jar.write(a),
  [CHANGE_STORAGE_SET]: refuse,
  [CHANGE_STORAGE_REMOVE]: () => {},
  [CHANGE_REPLACE_URL]: refuse,
  [CHANGE_STATE]: (page, call, a) => {
    call.state = a;
  },
};

/**
 * The module, instantiated by `instantiate(imports) → exports` (the .wasm or its wasm2js
 * build), as one function: `run(page, code, input, state?) → { result, state }`, the call
 * `code` with `input` on `page`. Calls are synchronous, so one instance serves every request
 * in turn. A call that traps throws, and the next call gets a fresh instance (an instance
 * stopped mid-call keeps what its allocator had taken).
 */
export function connect(instantiate) {
  let exports = null;
  let page;
  let call;
  // loader.js's imports over this page's tables: one copy of the module's side of the contract.
  const read = {};
  for (const code in READ) read[code] = (argument) => READ[code](page, call, argument);
  const change = {};
  for (const code in CHANGE) change[code] = (a, b) => CHANGE[code](page, call, a, b);
  const imports = moduleImports(
    () => exports.memory,
    read,
    change,
    (result) => {
      call.result = result;
    },
    // debug's notes, in words (what the module said: rules.js reads them).
    (code, a, b) => {
      page.warnings.push(noteLine(code, a, b));
    },
  );
  // Compiled on the first call (a runtime that refuses compiling then says so in the error,
  // which `select` in runtime.js turns into the wasm2js build).
  const ready = () => {
    if (!exports) exports = instantiate(imports);
    return exports;
  };
  return {
    ready,
    run(onPage, code, input = '', state = '') {
      const module = ready();
      page = onPage;
      call = { input, state, result: null };
      try {
        module.call(code);
        return { result: call.result, state: call.state };
      } catch (error) {
        exports = null;
        throw error;
      } finally {
        page = null;
      }
    },
  };
}
