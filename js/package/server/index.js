// taapit-capture/server: the backend half for JavaScript servers (Node >= 20 and edge
// runtimes): the Taapit client, the request's tracking id, and the id rule itself.
// Types: index.d.ts beside this file.

export { Taapit, DEFAULT_BASE_URL, retryDecision, parseRetryAfter } from './client.js';
export { findTrackingId } from './lookup.js';
export { isValidTrackingId } from './rules.js';
export { captureTrackingId, captureTrackingIdNode } from './capture.js';
