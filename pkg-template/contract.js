// The Rust↔JS contract of the standalone .wasm: generated from src/standalone/contract.rs,
// do not edit (`UPDATE_CONTRACT=1 cargo test --test contract` writes it; the test fails when it differs).
// CALL: the `call` export's codes. TEXT, CHANGE: the names of the codes the imports `t` and `w` get,
// in code order. SOURCE, STORAGE: a capture result's values by code.
export var CALL = { capture: 0, trackingId: 1, clear: 2, grant: 3, revoke: 4, decorate: 5 };
export var TEXT = ['hostname', 'pathname', 'search', 'hash', 'protocol', 'cookies', 'storage', 'input', 'nonce'];
export var CHANGE = ['setCookie', 'storageSet', 'storageRemove', 'replaceUrl', 'warn'];
export var SOURCE = [null, 'search', 'hash', 'stored'];
export var STORAGE = [null, 'cookie', 'localStorage', 'memory'];
