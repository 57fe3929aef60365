#!/usr/bin/env node
// Deterministic Solidity build for Poco's contracts.
//
//   node build.js            compile src/**/*.sol into out/<ContractName>.json
//   node build.js --check    compile into a temp dir, exit 1 if out/ differs
//
// Uses solcjs (the `solc` npm package, pinned in package.json) through the
// standard-JSON interface; imports are resolved from node_modules. No other
// dependencies. Output is byte-for-byte reproducible: sorted inputs, fixed key
// order, no timestamps, no absolute paths, and no metadata hash in bytecode.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = __dirname;
const SRC = path.join(ROOT, 'src');
const OUT = path.join(ROOT, 'out');
const NODE_MODULES = path.join(ROOT, 'node_modules');

// EIP-170 (deployed code) and EIP-3860 (init code) limits.
const MAX_RUNTIME = 24576;
const MAX_INITCODE = 49152;

// Compiler settings. Changing any of these changes every artifact.
const SETTINGS = {
  evmVersion: 'cancun',
  optimizer: { enabled: true, runs: 10000 },
  viaIR: true,
  metadata: { bytecodeHash: 'none', appendCBOR: false },
  remappings: [],
  outputSelection: {
    '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] },
  },
};

// The hub's full ABI (out/PocoHub.json, no bytecode): the union of the
// diamond's and every facet's ABI, which is what clients call at the
// Diamond's address.
const HUB_ABI = {
  name: 'PocoHub',
  parts: [
    'Diamond',
    'DiamondCutFacet',
    'DiamondLoupeFacet',
    'ConfigurationFacet',
    'EscrowTokenFacet',
    'CategoryFacet',
    'OrderManagementFacet',
    'MatchOrdersFacet',
    'TaskFacet',
    'FinalizeFacet',
    'AccessorsFacet',
  ],
};

function die(msg) {
  process.stderr.write(msg.endsWith('\n') ? msg : msg + '\n');
  process.exit(1);
}

let solc;
try {
  solc = require('solc');
} catch (e) {
  die('solc is not installed: run `npm ci` in contracts/ first');
}

function listSol(dir) {
  const out = [];
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, ent.name);
    if (ent.isDirectory()) out.push(...listSol(p));
    else if (ent.isFile() && ent.name.endsWith('.sol')) out.push(p);
  }
  return out;
}

function toPosix(p) {
  return p.split(path.sep).join('/');
}

function findImports(importPath) {
  // Only package imports (e.g. @openzeppelin/...) reach here: our own sources
  // are all given up front, and relative imports are normalised by solc to
  // source-unit names that are already in the input.
  if (importPath.includes('..')) return { error: `refusing import path ${importPath}` };
  const candidates = [path.join(NODE_MODULES, importPath), path.join(ROOT, importPath)];
  for (const c of candidates) {
    if (fs.existsSync(c) && fs.statSync(c).isFile()) {
      return { contents: fs.readFileSync(c, 'utf8') };
    }
  }
  return { error: `file not found: ${importPath}` };
}

function compile() {
  if (!fs.existsSync(SRC)) die(`no source directory ${SRC}`);
  const files = listSol(SRC)
    .map((f) => toPosix(path.relative(ROOT, f)))
    .sort();
  const sources = {};
  for (const f of files) sources[f] = { content: fs.readFileSync(path.join(ROOT, f), 'utf8') };

  const input = { language: 'Solidity', sources, settings: SETTINGS };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));

  const errors = (output.errors || []).filter((e) => e.severity === 'error');
  const warnings = (output.errors || []).filter((e) => e.severity !== 'error');
  for (const w of warnings) {
    // Keep warnings visible but quiet for third-party code.
    const file = w.sourceLocation && w.sourceLocation.file;
    if (file && !file.startsWith('src/')) continue;
    process.stderr.write((w.formattedMessage || w.message) + '\n');
  }
  if (errors.length) {
    for (const e of errors) process.stderr.write((e.formattedMessage || e.message) + '\n');
    die(`compilation failed with ${errors.length} error(s)`);
  }
  return { files, sources, output };
}

function artifactsFrom(files, sources, output) {
  const artifacts = new Map(); // contractName -> artifact
  for (const sourceName of files) {
    const contracts = (output.contracts || {})[sourceName] || {};
    for (const name of Object.keys(contracts).sort()) {
      const c = contracts[name];
      const bytecode = (c.evm && c.evm.bytecode && c.evm.bytecode.object) || '';
      const deployed = (c.evm && c.evm.deployedBytecode && c.evm.deployedBytecode.object) || '';
      if (!bytecode) continue; // interfaces and abstract contracts
      // Libraries: ours are internal-only and inlined into their users, so
      // there is nothing to deploy or call.
      if (new RegExp(`\\blibrary\\s+${name}\\b`).test(sources[sourceName].content)) continue;
      if (c.abi.length === 0) continue;
      if (/__\$[0-9a-f]{34}\$__/.test(bytecode)) {
        die(`${sourceName}:${name} needs library linking, which this build does not do`);
      }
      if (artifacts.has(name)) {
        die(`duplicate contract name ${name} (${artifacts.get(name).sourceName} and ${sourceName})`);
      }
      artifacts.set(name, {
        contractName: name,
        sourceName,
        abi: c.abi,
        bytecode: '0x' + bytecode,
        deployedBytecode: '0x' + deployed,
      });
    }
  }
  artifacts.set(HUB_ABI.name, mergedAbi(artifacts));
  return artifacts;
}

function abiKey(item) {
  const sig = (xs) => (xs || []).map((x) => x.type + (x.components ? sig(x.components) : '')).join(',');
  if (item.type === 'constructor' || item.type === 'fallback' || item.type === 'receive') return item.type;
  return `${item.type} ${item.name}(${sig(item.inputs)})`;
}

function mergedAbi(artifacts) {
  const byKey = new Map();
  const sources = [];
  for (const part of HUB_ABI.parts) {
    const a = artifacts.get(part);
    if (!a) die(`hub ABI: missing contract ${part}`);
    sources.push(a.sourceName);
    for (const item of a.abi) {
      if (item.type === 'constructor') continue;
      const key = abiKey(item);
      const prev = byKey.get(key);
      if (prev && JSON.stringify(prev) !== JSON.stringify(item)) {
        if (item.type === 'function') die(`hub ABI: ${key} differs between facets`);
        continue; // same event/error declared twice with other parameter names
      }
      byKey.set(key, item);
      if (item.type === 'function' && prev) die(`hub ABI: ${key} is in two facets`);
    }
  }
  const abi = [...byKey.keys()].sort().map((k) => byKey.get(k));
  return {
    contractName: HUB_ABI.name,
    sourceName: HUB_ABI.parts.map((p) => artifacts.get(p).sourceName).join(' + '),
    abi,
    bytecode: '0x',
    deployedBytecode: '0x',
  };
}

function stable(value) {
  return JSON.stringify(value, null, 2) + '\n';
}

function writeAll(dir, files, artifacts) {
  fs.mkdirSync(dir, { recursive: true });
  for (const f of fs.readdirSync(dir)) {
    if (f.endsWith('.json')) fs.unlinkSync(path.join(dir, f));
  }
  const names = [...artifacts.keys()].sort();
  for (const name of names) {
    const a = artifacts.get(name);
    // Fixed key order.
    const obj = {
      contractName: a.contractName,
      sourceName: a.sourceName,
      abi: a.abi,
      bytecode: a.bytecode,
      deployedBytecode: a.deployedBytecode,
    };
    fs.writeFileSync(path.join(dir, name + '.json'), stable(obj));
  }
  const settings = JSON.parse(JSON.stringify(SETTINGS));
  delete settings.outputSelection;
  const compiler = {
    compiler: 'solc',
    version: solc.version(),
    settings,
    sources: files,
    contracts: names,
  };
  fs.writeFileSync(path.join(dir, 'compiler.json'), stable(compiler));
}

function sizesTable(artifacts) {
  const rows = [];
  let bad = false;
  for (const name of [...artifacts.keys()].sort()) {
    const a = artifacts.get(name);
    const runtime = (a.deployedBytecode.length - 2) / 2;
    const init = (a.bytecode.length - 2) / 2;
    if (init === 0) continue;
    const over = runtime > MAX_RUNTIME || init > MAX_INITCODE;
    if (over) bad = true;
    rows.push([name, String(runtime), String(init), String(MAX_RUNTIME - runtime), over ? 'OVER LIMIT' : '']);
  }
  const head = ['contract', 'runtime', 'initcode', 'margin', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  const lines = [fmt(head), ...rows.map(fmt)];
  process.stdout.write(lines.join('\n') + '\n');
  return !bad;
}

function diffDirs(a, b) {
  const list = (d) => (fs.existsSync(d) ? fs.readdirSync(d).filter((f) => f.endsWith('.json')).sort() : []);
  const fa = list(a);
  const fb = list(b);
  const diffs = [];
  for (const f of new Set([...fa, ...fb])) {
    const pa = path.join(a, f);
    const pb = path.join(b, f);
    if (!fs.existsSync(pa)) diffs.push(`missing in out/: ${f}`);
    else if (!fs.existsSync(pb)) diffs.push(`stale in out/ (no longer produced): ${f}`);
    else if (!fs.readFileSync(pa).equals(fs.readFileSync(pb))) diffs.push(`differs: ${f}`);
  }
  return diffs.sort();
}

function main() {
  const args = process.argv.slice(2);
  const check = args.includes('--check');
  for (const a of args) if (a !== '--check') die(`unknown argument ${a}\nusage: node build.js [--check]`);

  const t0 = Date.now();
  const { files, sources, output } = compile();
  const artifacts = artifactsFrom(files, sources, output);
  process.stderr.write(`compiled ${files.length} files with solc ${solc.version()} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  const sizesOk = sizesTable(artifacts);

  if (check) {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'poco-build-'));
    try {
      writeAll(tmp, files, artifacts);
      const diffs = diffDirs(OUT, tmp);
      if (diffs.length) {
        process.stderr.write(diffs.join('\n') + '\n');
        die('out/ is not up to date: run `node build.js` and commit out/');
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    if (!sizesOk) die('a contract exceeds the EIP-170/EIP-3860 size limit');
    process.stderr.write('out/ is up to date\n');
    return;
  }
  if (!sizesOk) die('a contract exceeds the EIP-170/EIP-3860 size limit (nothing written)');
  writeAll(OUT, files, artifacts);
  process.stderr.write(`wrote ${artifacts.size} artifacts to out/\n`);
}

main();
