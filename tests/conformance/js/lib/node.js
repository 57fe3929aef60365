'use strict';
// Shared helper for the ethers conformance suite.
//
// - Connects to the node named by POCO_RPC_URL (WebSocket: POCO_WS_URL, or the
//   same URL with ws://), or spawns `$POCO_BIN chain --port 0` and waits for
//   its `Listening on http://...` line.
// - Raw JSON-RPC helpers (fetch), artifacts, dev accounts, node flavour.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');
const ethers = require('ethers');

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const MNEMONIC = 'test test test test test test test test test test test junk';
const CHAIN_ID = 31337n;
const FIRST_ACCOUNT = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const FIRST_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const START_TIMEOUT_MS = Number(process.env.POCO_START_TIMEOUT_MS || 60000);

function defaultBin() {
  if (process.env.POCO_BIN) return path.resolve(REPO_ROOT, process.env.POCO_BIN);
  return path.join(REPO_ROOT, 'target', 'debug', 'poco');
}

// A node reachable from this machine: an unspecified bind address is
// rewritten to loopback.
function reachable(url) {
  return url.replace('://0.0.0.0', '://127.0.0.1').replace('://[::]', '://[::1]');
}

function wsFromHttp(url) {
  return url.replace(/^http(s?):\/\//, 'ws$1://');
}

/** Start (or attach to) the node under test. Returns {httpUrl, wsUrl, spawned, stop()}. */
async function startNode() {
  if (process.env.POCO_RPC_URL) {
    const httpUrl = process.env.POCO_RPC_URL;
    const wsUrl = process.env.POCO_WS_URL || wsFromHttp(httpUrl);
    return { httpUrl, wsUrl, spawned: false, stop: async () => {} };
  }
  const bin = defaultBin();
  if (!fs.existsSync(bin)) {
    throw new Error(`POCO_RPC_URL is unset and the node binary ${bin} does not exist (build it, or set POCO_BIN / POCO_RPC_URL)`);
  }
  const child = spawn(bin, ['chain', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const killOnExit = () => { try { child.kill('SIGKILL'); } catch (_) { /* gone */ } };
  process.on('exit', killOnExit);
  let stderr = '';
  child.stderr.on('data', (d) => { stderr = (stderr + d.toString()).slice(-4000); });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  const httpUrl = await new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout });
    let seen = '';
    const timer = setTimeout(() => reject(new Error(
      `${bin} chain did not print "Listening on http://..." within ${START_TIMEOUT_MS} ms\nstdout:\n${seen}\nstderr:\n${stderr}`)), START_TIMEOUT_MS);
    let found = false;
    rl.on('line', (line) => {
      // Keep draining stdout after the match so the child never blocks on a full pipe.
      if (found) return;
      seen += line + '\n';
      const m = /Listening on (http:\/\/\S+)/.exec(line);
      if (m) { found = true; clearTimeout(timer); resolve(reachable(m[1])); }
    });
    exited.then(({ code, signal }) => {
      if (!found) {
        clearTimeout(timer);
        reject(new Error(`${bin} chain exited (code ${code}, signal ${signal}) before listening\nstdout:\n${seen}\nstderr:\n${stderr}`));
      }
    });
  });
  const wsUrl = process.env.POCO_WS_URL || wsFromHttp(httpUrl);
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  };
  return { httpUrl: httpUrl.replace(/\/$/, ''), wsUrl, spawned: true, stop };
}

/** Raw JSON-RPC over HTTP: returns the parsed body (object, or array for a batch). */
async function rawPost(url, body) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: text.length ? JSON.parse(text) : undefined };
}

let nextId = 1;
/** Raw JSON-RPC call; returns the whole response object ({result} or {error}). */
async function rpcRaw(url, method, params = []) {
  const id = nextId++;
  const { json } = await rawPost(url, { jsonrpc: '2.0', id, method, params });
  return json;
}

class RpcError extends Error {
  constructor(method, params, error) {
    super(`${method} failed: ${JSON.stringify(error)} (params ${JSON.stringify(params)})`);
    this.code = error.code;
    this.data = error.data;
    this.rpcMessage = error.message;
  }
}

/** Raw JSON-RPC call; returns result or throws RpcError. */
async function rpc(url, method, params = []) {
  const res = await rpcRaw(url, method, params);
  if (res.error) throw new RpcError(method, params, res.error);
  return res.result;
}

function artifactsDir() {
  return process.env.POCO_CONFORMANCE_ARTIFACTS
    ? path.resolve(process.env.POCO_CONFORMANCE_ARTIFACTS)
    : path.join(REPO_ROOT, 'contracts', 'out');
}

function loadArtifact(name) {
  const file = path.join(artifactsDir(), `${name}.json`);
  if (!fs.existsSync(file)) throw new Error(`contract artifact ${file} is missing (build contracts/ first)`);
  const a = JSON.parse(fs.readFileSync(file, 'utf8'));
  const hex = (s) => (s.startsWith('0x') ? s : '0x' + s);
  for (const k of ['abi', 'bytecode', 'deployedBytecode']) {
    if (!(k in a)) throw new Error(`${file} has no "${k}"`);
  }
  return { abi: a.abi, bytecode: hex(a.bytecode), deployedBytecode: hex(a.deployedBytecode) };
}

/** The dev accounts' wallets (index i of the standard mnemonic), not connected. */
function devWallet(i) {
  return ethers.HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`);
}

/** 'hardhat' for Hardhat Network, else 'other' (poco chain, anvil, ...). */
async function flavour(url) {
  const v = await rpc(url, 'web3_clientVersion');
  return /^HardhatNetwork\//i.test(v) ? 'hardhat' : 'other';
}

/**
 * Everything a test file needs: node, providers, flavour. Call in before(),
 * and ctx.close() in after().
 */
async function setup() {
  const node = await startNode();
  const provider = new ethers.JsonRpcProvider(node.httpUrl, undefined, {
    cacheTimeout: -1, pollingInterval: 100,
  });
  const kind = await flavour(node.httpUrl);
  const ctx = {
    node, url: node.httpUrl, wsUrl: node.wsUrl, provider, kind,
    isHardhat: kind === 'hardhat',
    rpc: (m, p) => rpc(node.httpUrl, m, p),
    rpcRaw: (m, p) => rpcRaw(node.httpUrl, m, p),
    async close() {
      provider.destroy();
      await node.stop();
    },
  };
  return ctx;
}

/** Deploy an artifact from `signer` (JsonRpcSigner or Wallet); returns {contract, receipt, tx}. */
async function deploy(signer, name, args = [], overrides = {}) {
  const art = loadArtifact(name);
  const factory = new ethers.ContractFactory(art.abi, art.bytecode, signer);
  const contract = await factory.deploy(...args, overrides);
  const tx = contract.deploymentTransaction();
  const receipt = await tx.wait();
  return { contract, receipt, tx, artifact: art };
}

/** Wait until `pred()` is truthy, polling every `ms`, for at most `timeout` ms. */
async function waitFor(pred, { timeout = 15000, ms = 50, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, ms));
  }
}

// keccak-based 2048-bit bloom membership (yellow paper, M3:2048).
function bloomContains(bloomHex, valueHex) {
  const bloom = ethers.getBytes(bloomHex);
  const h = ethers.getBytes(ethers.keccak256(valueHex));
  for (let i = 0; i < 6; i += 2) {
    const bit = ((h[i] << 8) | h[i + 1]) & 2047;
    const byte = 255 - Math.floor(bit / 8);
    if ((bloom[byte] & (1 << (bit % 8))) === 0) return false;
  }
  return true;
}

const ZERO_BLOOM = '0x' + '00'.repeat(256);

/** Standard Error(string) revert data. */
function errorStringData(reason) {
  return ethers.concat(['0x08c379a0', ethers.AbiCoder.defaultAbiCoder().encode(['string'], [reason])]);
}

/**
 * Revert data carried by a JSON-RPC error. Standard (geth/anvil): `error.data`
 * is the hex string. Hardhat nests it as `error.data.data`; accept that only
 * for Hardhat (ctx.isHardhat).
 */
function revertDataOf(error, isHardhat) {
  if (typeof error.data === 'string') return error.data;
  if (isHardhat && error.data && typeof error.data.data === 'string') return error.data.data;
  return undefined;
}

module.exports = {
  REPO_ROOT, MNEMONIC, CHAIN_ID, FIRST_ACCOUNT, FIRST_KEY, ZERO_BLOOM,
  startNode, rawPost, rpc, rpcRaw, RpcError, loadArtifact, devWallet, flavour, setup, deploy,
  waitFor, bloomContains, errorStringData, revertDataOf, defaultBin, artifactsDir,
};

/**
 * Minimal raw JSON-RPC WebSocket client (the `ws` package): request/response
 * by id, and a queue of eth_subscription notifications.
 */
class WsClient {
  static async connect(url) {
    const WebSocket = require('ws');
    const c = new WsClient();
    c.ws = new WebSocket(url);
    c.pending = new Map();
    c.notes = [];
    c.waiters = [];
    c.nextId = 1;
    c.ws.on('message', (buf) => {
      const msg = JSON.parse(buf.toString());
      if (Array.isArray(msg)) {
        const key = msg.map((m) => m.id).sort().join(',');
        const p = c.pending.get('batch:' + key);
        if (p) { c.pending.delete('batch:' + key); p(msg); }
        return;
      }
      if (msg.method === 'eth_subscription') {
        c.notes.push(msg.params);
        c.waiters = c.waiters.filter((w) => !w());
        return;
      }
      const p = c.pending.get(msg.id);
      if (p) { c.pending.delete(msg.id); p(msg); }
    });
    await new Promise((resolve, reject) => { c.ws.once('open', resolve); c.ws.once('error', reject); });
    return c;
  }

  /** Full response object. */
  requestRaw(method, params = []) {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  }

  async request(method, params = []) {
    const res = await this.requestRaw(method, params);
    if (res.error) throw new RpcError(method, params, res.error);
    return res.result;
  }

  batch(calls) {
    const reqs = calls.map(([method, params]) => ({ jsonrpc: '2.0', id: this.nextId++, method, params }));
    const key = reqs.map((r) => r.id).sort().join(',');
    return new Promise((resolve) => {
      this.pending.set('batch:' + key, resolve);
      this.ws.send(JSON.stringify(reqs));
    });
  }

  /** Removes and returns the first `count` notifications for `subId`, waiting up to `timeout` ms. */
  take(subId, count, timeout = 15000) {
    const tryTake = () => {
      const mine = this.notes.filter((n) => n.subscription === subId);
      if (mine.length < count) return null;
      const out = mine.slice(0, count);
      this.notes = this.notes.filter((n) => !out.includes(n));
      return out.map((n) => n.result);
    };
    const now = tryTake();
    if (now) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        const have = this.notes.filter((n) => n.subscription === subId).length;
        reject(new Error(`timed out waiting for ${count} notifications on ${subId} (have ${have})`));
      }, timeout);
      const check = () => { const r = tryTake(); if (r) { clearTimeout(t); resolve(r); return true; } return false; };
      this.waiters.push(check);
    });
  }

  /** Notifications received so far for `subId` (not removed). */
  peek(subId) {
    return this.notes.filter((n) => n.subscription === subId).map((n) => n.result);
  }

  close() {
    return new Promise((resolve) => {
      if (this.ws.readyState === this.ws.CLOSED) return resolve();
      this.ws.once('close', resolve);
      this.ws.close();
    });
  }
}

module.exports.WsClient = WsClient;

/** Sleep `ms` milliseconds. */
module.exports.sleep = (ms) => new Promise((r) => setTimeout(r, ms));
