#!/usr/bin/env node
// Compare our ABIs with iExec PoCo's published ones (wire compatibility).
//
//   cd /tmp && npm pack @iexec/poco@6.1.0 && tar xzf iexec-poco-6.1.0.tgz
//   NODE_PATH=/tmp/smoke/node_modules IEXEC_ABIS=/tmp/package/abis/human-readable-abis \
//     node contracts/scripts/abi-compare.js
//
// Every function selector, event topic and error selector of theirs must be in
// ours, except the ones listed in IGNORED (legacy views we do not provide).
'use strict';
const fs = require('fs');
const path = require('path');
const { ethers } = require('ethers');

const OUT = path.join(__dirname, '..', 'out');
const THEIRS = process.env.IEXEC_ABIS;
if (!THEIRS) {
  console.error('set IEXEC_ABIS to the human-readable-abis folder of @iexec/poco 6.1.x');
  process.exit(2);
}
const IGNORED = [/ABILegacy/, /^importScore\(/, /^assertDatasetDealCompatibility\(/, /^IncompatibleDatasetOrder\(/];

const PAIRS = [
  ['contracts/IexecInterfaceToken.sol/IexecInterfaceToken.json', 'PocoHub'],
  ['contracts/Diamond.sol/Diamond.json', 'PocoHub'],
  ['contracts/registries/apps/AppRegistry.sol/AppRegistry.json', 'AppRegistry'],
  ['contracts/registries/datasets/DatasetRegistry.sol/DatasetRegistry.json', 'DatasetRegistry'],
  ['contracts/registries/workerpools/WorkerpoolRegistry.sol/WorkerpoolRegistry.json', 'WorkerpoolRegistry'],
  ['contracts/registries/apps/App.sol/App.json', 'App'],
  ['contracts/registries/datasets/Dataset.sol/Dataset.json', 'Dataset'],
  ['contracts/registries/workerpools/Workerpool.sol/Workerpool.json', 'Workerpool'],
];

function ids(iface) {
  const m = new Map();
  iface.forEachFunction((f) => m.set(`function ${f.format('sighash')}`, { id: f.selector, f }));
  iface.forEachEvent((e) => m.set(`event ${e.format('sighash')}`, { id: e.topicHash, f: e }));
  iface.forEachError((e) => m.set(`error ${e.format('sighash')}`, { id: e.selector, f: e }));
  return m;
}

let failures = 0;
for (const [theirFile, ourName] of PAIRS) {
  const theirs = ids(new ethers.Interface(JSON.parse(fs.readFileSync(path.join(THEIRS, theirFile), 'utf8'))));
  const ours = ids(new ethers.Interface(JSON.parse(fs.readFileSync(path.join(OUT, ourName + '.json'), 'utf8')).abi));
  const missing = [];
  const mismatched = [];
  let checked = 0;
  for (const [key, t] of theirs) {
    const sig = key.replace(/^\w+ /, '');
    if (IGNORED.some((r) => r.test(sig))) continue;
    checked++;
    const o = ours.get(key);
    if (!o) {
      missing.push(key);
      continue;
    }
    // Same indexed-ness for events, same outputs for functions.
    if (t.f.type === 'event') {
      const ti = t.f.inputs.map((i) => !!i.indexed).join();
      const oi = o.f.inputs.map((i) => !!i.indexed).join();
      if (ti !== oi) mismatched.push(`${key}: indexed ${ti} vs ours ${oi}`);
    }
    if (t.f.type === 'function') {
      const to = t.f.outputs.map((x) => x.format('sighash')).join();
      const oo = o.f.outputs.map((x) => x.format('sighash')).join();
      if (to !== oo) mismatched.push(`${key}: returns (${to}) vs ours (${oo})`);
      if (t.f.stateMutability !== o.f.stateMutability && !(t.f.constant && o.f.constant)) {
        mismatched.push(`${key}: ${t.f.stateMutability} vs ours ${o.f.stateMutability}`);
      }
    }
  }
  const extra = [...ours.keys()].filter((k) => !theirs.has(k));
  const status = missing.length || mismatched.length ? 'FAIL' : 'ok';
  console.log(`${status.padEnd(4)} ${ourName.padEnd(20)} vs ${path.basename(theirFile)}: ${checked} checked, ${missing.length} missing, ${mismatched.length} mismatched, ${extra.length} extra in ours`);
  for (const m of missing) console.log(`       missing: ${m}`);
  for (const m of mismatched) console.log(`       mismatch: ${m}`);
  if (process.env.VERBOSE) for (const e of extra) console.log(`       extra: ${e}`);
  if (status === 'FAIL') failures++;
}
process.exit(failures ? 1 : 0);
