'use strict';
// Preloaded into the iExec SDK CLI (NODE_OPTIONS=--require) by lib/harness.mjs when the dev
// chain's clock runs ahead of the wall clock (after evm_increaseTime): the SDK decides whether a
// deal's deadline has passed with Date.now(), the hub with the block timestamp, so the two are
// aligned by shifting Date.now() by SDK_CLOCK_OFFSET_S seconds.
const offsetMs = Number(process.env.SDK_CLOCK_OFFSET_S || 0) * 1000;
if (offsetMs) {
  const realNow = Date.now;
  Date.now = () => realNow() + offsetMs;
}
