// The Rust↔JS contract of the shipped .wasm: generated from crates/wasm/src/contract.rs,
// do not edit (`UPDATE_CONTRACT=1 cargo test -p taapit-wasm --test contract` writes it; the test fails when it differs).
// CALL_*: the `call` export's codes; TEXT_*, CHANGE_*: the codes the imports `t` and `w` get;
// SOURCE, STORAGE: a capture result's values by code; NOTES: the words of each
// `debug` note by code (import `g`), each `%` a detail.
export const CALL_CAPTURE = 0;
export const CALL_TRACKING_ID = 1;
export const CALL_CLEAR = 2;
export const CALL_GRANT = 3;
export const CALL_REVOKE = 4;
export const CALL_DECORATE = 5;
export const TEXT_HOSTNAME = 0;
export const TEXT_PATHNAME = 1;
export const TEXT_SEARCH = 2;
export const TEXT_HASH = 3;
export const TEXT_PROTOCOL = 4;
export const TEXT_COOKIES = 5;
export const TEXT_STORAGE = 6;
export const TEXT_INPUT = 7;
export const TEXT_NONCE = 8;
export const TEXT_STATE = 9;
export const CHANGE_SET_COOKIE = 0;
export const CHANGE_STORAGE_SET = 1;
export const CHANGE_STORAGE_REMOVE = 2;
export const CHANGE_REPLACE_URL = 3;
export const CHANGE_STATE = 4;
export const SOURCE = [null, 'search', 'hash', 'stored'];
export const STORAGE = [null, 'cookie', 'localStorage', 'memory'];
export const NOTES = [
  'ignored an id that is not valid',
  'could not remove the tracking parameter',
  'first-click: ignored %',
  'consent pending: in memory only: %',
  'SameSite=None needs https',
  'a cookie on another path shadows %',
  'refused the cookie %',
  'cookies unavailable',
  'localStorage unavailable: in memory only',
  'storageFallback off: in memory only',
  'using auto: refused Domain=%',
  'using auto: the host is not under %',
  'option %: refused "%"; using the default',
  'option %: refused (not text); using the default',
  'option %: no such option (ignored)',
  'option expiresInDays: clamped to 1-400 days',
];
