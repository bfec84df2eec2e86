// The page side of the browser tests (tests/browser/main.rs binds these functions with
// `#[wasm_bindgen(module = "/tests/browser/page.js")]`): overrides a hostile or broken page
// would make, each undone by restore_page(), and readers of what the browser really kept.
// Every replaceState call of the page (these tests' and the module's), for the rate limits.
const urlChanges = [];
const replaceState = History.prototype.replaceState;
History.prototype.replaceState = function (...args) {
  urlChanges.push(performance.now());
  return replaceState.apply(this, args);
};

export function url_budget_wait_ms(needed) {
  const limit = 90;
  const span = 10500;
  const now = performance.now();
  while (urlChanges.length > 0 && urlChanges[0] <= now - span) urlChanges.shift();
  const excess = urlChanges.length + needed - limit;
  return excess <= 0 ? 0 : Math.ceil(urlChanges[Math.min(excess, urlChanges.length) - 1] + span - now);
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const fail = () => { throw new DOMException('The operation is insecure.', 'SecurityError'); };
let savedStorage;
let savedSetItem;
let savedWarn;
let warnings;

export function block_cookies(mode) {
  const accessor = mode === 'throw'
    ? { get: fail, set: fail }
    : { get: () => '', set: () => {} };
  Object.defineProperty(document, 'cookie', { configurable: true, ...accessor });
}

// As in a sandboxed frame: reading window.localStorage throws. WebKit may keep serving the
// real object to a hot call site after the property is redefined (seen once the suite has
// warmed up), so its methods fail as well: either way, there is no storage.
export function block_local_storage() {
  if (!savedStorage) {
    savedStorage = { own: Object.getOwnPropertyDescriptor(window, 'localStorage'), methods: {} };
    for (const name of ['getItem', 'setItem', 'removeItem']) {
      savedStorage.methods[name] = Storage.prototype[name];
      Storage.prototype[name] = fail;
    }
  }
  Object.defineProperty(window, 'localStorage', { configurable: true, get: fail });
}

export function fill_local_storage() {
  if (!savedSetItem) savedSetItem = Storage.prototype.setItem;
  Storage.prototype.setItem = function () {
    throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
  };
}

export function on_replace_state(callback) {
  history.replaceState = function (...args) {
    callback();
    return History.prototype.replaceState.apply(this, args);
  };
}

function saveWarn() {
  if (!savedWarn) savedWarn = Object.getOwnPropertyDescriptor(console, 'warn');
}

export function record_warnings() {
  saveWarn();
  warnings = [];
  const previous = console.warn;
  console.warn = function (...args) {
    warnings.push(args.map(String).join(' '));
    return previous.apply(this, args);
  };
}

export function recorded_warnings() {
  return (warnings || []).slice();
}

export function break_console() {
  saveWarn();
  console.warn = () => { throw new Error('console.warn is not allowed here'); };
}

// Every string the page writes to document.cookie from now on, in order; each still reaches
// the browser.
let cookieWrites;
export function record_cookie_writes() {
  cookieWrites = [];
  const own = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
  Object.defineProperty(document, 'cookie', {
    configurable: true,
    get: () => own.get.call(document),
    set: (value) => {
      cookieWrites.push(String(value));
      own.set.call(document, value);
    },
  });
}

export function recorded_cookie_writes() {
  return (cookieWrites || []).slice();
}

export function restore_page() {
  delete document.cookie;
  cookieWrites = undefined;
  if (savedStorage) {
    if (savedStorage.own) Object.defineProperty(window, 'localStorage', savedStorage.own);
    else delete window.localStorage;
    Object.assign(Storage.prototype, savedStorage.methods);
    savedStorage = undefined;
  }
  if (savedSetItem) {
    Storage.prototype.setItem = savedSetItem;
    savedSetItem = undefined;
  }
  delete history.replaceState;
  if (savedWarn) {
    Object.defineProperty(console, 'warn', savedWarn);
    savedWarn = undefined;
  }
  warnings = undefined;
}

// The browser's own document.cookie, whatever the page defined over it.
export function cookies_of_page() {
  return Object.getOwnPropertyDescriptor(Document.prototype, 'cookie').get.call(document);
}

// The shipped loader's API over a new instance of the shipped .wasm beside it, given to
// the loader as `how`: 'bytes', an ArrayBuffer; 'view', a Uint8Array over part of a larger
// buffer (as a page might hold it); 'promise', which is not bytes, so the loader throws.
export async function load_module(url, how = 'bytes') {
  const loader = await import(url);
  const response = await fetch(new URL(url.replace(/[^/]*$/, 'taapit_capture.wasm'), location.origin));
  const bytes = await response.arrayBuffer();
  if (how === 'bytes') return loader.instantiate(bytes);
  if (how === 'view') {
    const larger = new Uint8Array(bytes.byteLength + 16);
    larger.set(new Uint8Array(bytes), 8);
    return loader.instantiate(larger.subarray(8, 8 + bytes.byteLength));
  }
  return loader.instantiate(Promise.resolve(bytes));
}

// Records every taapit:change on window as "call:trackingId" (null as "null").
export function record_changes() {
  window.__changes = [];
  window.addEventListener('taapit:change', (e) => {
    window.__changes.push(e.detail.call + ':' + e.detail.trackingId + ':' + (e.detail.storage ?? '-'));
  });
}
export function recorded_changes() {
  const changes = window.__changes || [];
  window.__changes = [];
  return changes;
}

export function cookie_store() {
  return typeof cookieStore === 'undefined' ? null : cookieStore;
}

export function weird_options() {
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();
  const throwing = () => { throw new Error('hostile option'); };
  return [
    ['undefined', undefined],
    ['null', null],
    ['zero', 0],
    ['number', 42],
    ['NaN', NaN],
    ['string', 'expiresInDays=9'],
    ['empty string', ''],
    ['true', true],
    ['symbol', Symbol('options')],
    ['bigint', 10n],
    ['function', function () {}],
    ['array', ['ta_tid']],
    ['empty object', {}],
    ['null prototype', Object.create(null)],
    ['date', new Date()],
    ['map', new Map([['params', ['ta_tid']]])],
    ['frozen', Object.freeze({ expiresInDays: 3 })],
    ['symbol keys', { [Symbol('x')]: 1, debug: true }],
    ['unknown keys', { nope: 1, debug: true }],
    ['params number', { params: 5 }],
    ['params empty', { params: [] }],
    ['params junk', { params: [1, null, {}, undefined] }],
    ['params commas', { params: ' , ,, ' }],
    ['params nested', { params: [['ta_tid']] }],
    ['params sparse', { params: new Array(3) }],
    ['params huge', { params: new Array(10000).fill('p') }],
    ['cookieName space', { cookieName: 'a b' }],
    ['cookieName empty', { cookieName: '' }],
    ['cookieName long', { cookieName: 'x'.repeat(100000) }],
    ['cookieName semicolon', { cookieName: 'ta;tid' }],
    ['cookieName object', { cookieName: { toString: throwing } }],
    ['expires negative', { expiresInDays: -1 }],
    ['expires NaN', { expiresInDays: NaN }],
    ['expires Infinity', { expiresInDays: Infinity }],
    ['expires huge', { expiresInDays: 1e308 }],
    ['expires tiny', { expiresInDays: 1e-300 }],
    ['expires text', { expiresInDays: '12abc' }],
    ['expires hex text', { expiresInDays: '0x10' }],
    ['expires bigint', { expiresInDays: 10n }],
    ['expires object', { expiresInDays: { valueOf: throwing } }],
    ['domain number', { domain: 5 }],
    ['domain dots', { domain: '...' }],
    ['domain unicode', { domain: 'ünïcode.com' }],
    ['domain injection', { domain: 'a.com; Path=/x' }],
    ['domain IP', { domain: '127.0.0.1' }],
    ['domain other', { domain: 'example.com' }],
    ['domain host', { domain: 'host' }],
    ['attribution junk', { attribution: 'middle-click' }],
    ['sameSite upper', { sameSite: 'NONE' }],
    ['sameSite junk', { sameSite: 'lax; Secure' }],
    ['secure junk', { secure: 'yes' }],
    ['secure true', { secure: true }],
    ['consent number', { consent: 1 }],
    ['stripParam junk', { stripParam: 'maybe' }],
    ['storageFallback null', { storageFallback: null }],
    ['debug text', { debug: 'true' }],
    ['throwing getters', {
      get params() { throwing(); }, get debug() { throwing(); }, get expiresInDays() { throwing(); },
    }],
    ['throwing get trap', new Proxy({}, { get: throwing, has: throwing })],
    ['throwing ownKeys trap', new Proxy({}, { ownKeys: throwing })],
    ['throwing descriptor trap', new Proxy({ debug: true }, { getOwnPropertyDescriptor: throwing })],
    ['revoked proxy', revoked.proxy],
    ['params revoked proxy', { params: revoked.proxy }],
    ['params throwing array', { params: new Proxy(['ta_tid'], { get: throwing }) }],
    ['params throwing iterator', { params: Object.assign(['ta_tid'], { [Symbol.iterator]: throwing }) }],
  ];
}
