// Shared helper for the iExec SDK interop suite.
//
// - startChain(): spawns `$POCO_BIN chain --port 0` (the Poco protocol deployed, dev accounts
//   funded with ETH and RLC) and waits for its `Listening on http://...` line.
// - Project: a temporary project folder with its own HOME (so ~/.ethereum/keystore is private to
//   the test), a chain.json pointing at the chain, and runners for both CLIs: `iexec` (the iExec
//   SDK CLI of node_modules) and `poco` (POCO_BIN). Both run with `--raw`; their JSON is parsed.
//   After evm_increaseTime the SDK runs on the chain's clock (lib/sdk-clock.cjs).
//   lightKeystore() writes a cheap keystore for the tests that are not about keystores.
// - subsetOf(): the comparison used everywhere: every field the SDK prints, poco prints too, with
//   the same value (poco may print more).
// POCO_SDK_TIMING_LOG=FILE appends each command's duration there (to see where the time goes).

import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { encryptKeystoreJsonSync, getBytes, Interface, solidityPackedKeccak256, toUtf8Bytes, hexlify, Wallet, ZeroAddress } from 'ethers';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SUITE_ROOT = path.resolve(HERE, '..');
export const REPO_ROOT = path.resolve(SUITE_ROOT, '..', '..', '..');
const START_TIMEOUT_MS = Number(process.env.POCO_START_TIMEOUT_MS || 60000);
const COMMAND_TIMEOUT_MS = 90000;
const CLOCK_PRELOAD = path.join(HERE, 'sdk-clock.cjs');
const TIMING_LOG = process.env.POCO_SDK_TIMING_LOG;

/** The hub of `poco chain` (the same with the default mnemonic on every start). */
export const HUB = '0x9A676e781A523b5d0C0e43731313A708CB607508';
export const CHAIN_ID = '31337';
/** The password of every keystore the tests write. */
export const PASSWORD = 'interop-Passw0rd';

/**
 * Dev accounts of the standard mnemonic (test test ... junk): index -> {key, address}. Account 0
 * deployed the protocol and owns the hub; each test uses its own accounts.
 */
export const DEV = {
  0: { key: '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80', address: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266' }, // the hub's owner
  1: { key: '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d', address: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' },
  2: { key: '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a', address: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' },
  3: { key: '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6', address: '0x90F79bf6EB2c4f870365E785982E1f101E93b906' },
  4: { key: '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a', address: '0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65' },
  5: { key: '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba', address: '0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc' },
  6: { key: '0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e', address: '0x976EA74026E726554dB657fA54763abd0C3a0aa9' },
  7: { key: '0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356', address: '0x14dC79964da2C08b23698B3D3cc7Ca32193d9955' },
  8: { key: '0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97', address: '0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f' },
  9: { key: '0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6', address: '0xa0Ee7A142d267C1f36714E4a8F75612F20a79720' },
};

/** The `poco` binary: POCO_BIN (relative to the repository root) or target/debug/poco. */
export function pocoBin() {
  const bin = process.env.POCO_BIN
    ? path.resolve(REPO_ROOT, process.env.POCO_BIN)
    : path.join(REPO_ROOT, 'target', 'debug', 'poco');
  if (!fs.existsSync(bin)) {
    throw new Error(`the poco binary ${bin} does not exist (build it with \`cargo build -p poco\`, or set POCO_BIN)`);
  }
  return bin;
}

/** The iExec SDK CLI's entry script (run with this node), from node_modules/iexec's `bin`. */
let entry;
function iexecEntry() {
  if (entry) return entry;
  const dir = path.join(SUITE_ROOT, 'node_modules', 'iexec');
  const pkgFile = path.join(dir, 'package.json');
  if (!fs.existsSync(pkgFile)) {
    throw new Error(`the iExec SDK is not installed in ${SUITE_ROOT} (run \`npm ci\` there, or scripts/conformance.sh sdk)`);
  }
  const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));
  entry = path.join(dir, typeof pkg.bin === 'string' ? pkg.bin : pkg.bin.iexec);
  return entry;
}

/**
 * The script and arguments for `iexec ARGS`. The SDK's `iexec` dispatches a command group
 * (`iexec app ...`) to its own script, iexec-app.js, in a second node process (commander's
 * executable subcommands); running that script directly is the same code and saves a node start.
 */
function iexecCommand(args) {
  const main = iexecEntry();
  const sub = path.join(path.dirname(main), `iexec-${args[0]}.js`);
  if (args.length > 0 && /^[a-z]+$/.test(args[0]) && fs.existsSync(sub)) return [sub, ...args.slice(1)];
  return [main, ...args];
}

/** The environment both CLIs run with: no POCO_* settings leak in from the caller's shell. */
function cleanEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('POCO_') || k.startsWith('IEXEC_') || k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  return { ...env, NO_UPDATE_NOTIFIER: '1', ...extra };
}

/** Start `poco chain --port 0`. Returns {url, rpc(method, params), stop()}. */
export async function startChain() {
  const bin = pocoBin();
  const child = spawn(bin, ['chain', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv({}) });
  const killOnExit = () => { try { child.kill('SIGKILL'); } catch { /* gone */ } };
  process.on('exit', killOnExit);
  let stderr = '';
  child.stderr.on('data', (d) => { stderr = (stderr + d.toString()).slice(-4000); });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout });
    let seen = '';
    let found = false;
    const timer = setTimeout(() => reject(new Error(
      `${bin} chain did not print "Listening on http://..." within ${START_TIMEOUT_MS} ms\nstdout:\n${seen}\nstderr:\n${stderr}`)), START_TIMEOUT_MS);
    rl.on('line', (line) => {
      // Keep draining stdout after the match so the child never blocks on a full pipe.
      if (found) return;
      seen += line + '\n';
      const m = /Listening on (http:\/\/\S+)/.exec(line);
      if (m) {
        found = true;
        clearTimeout(timer);
        resolve(m[1].replace('://0.0.0.0', '://127.0.0.1').replace(/\/$/, ''));
      }
    });
    exited.then(({ code, signal }) => {
      if (!found) {
        clearTimeout(timer);
        reject(new Error(`${bin} chain exited (code ${code}, signal ${signal}) before listening\nstdout:\n${seen}\nstderr:\n${stderr}`));
      }
    });
  });
  let id = 1;
  const rpc = async (method, params = []) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: id++, method, params }),
    });
    const body = await res.json();
    if (body.error) throw new Error(`${method} failed: ${JSON.stringify(body.error)}`);
    return body.result;
  };
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  };
  const chain = { url, rpc, stop };
  /** The latest block's timestamp (seconds). */
  chain.now = async () => Number(BigInt((await rpc('eth_getBlockByNumber', ['latest', false])).timestamp));
  /** Move the chain's clock forward by `seconds` and mine a block. */
  chain.travel = async (seconds) => {
    await rpc('evm_increaseTime', [seconds]);
    await rpc('evm_mine', []);
  };
  /** Send a transaction from an (unlocked) dev account and wait for its receipt; returns it. */
  chain.send = async (from, to, data) => {
    const hash = await rpc('eth_sendTransaction', [{ from, to, data }]);
    for (let i = 0; i < 100; i++) {
      const receipt = await rpc('eth_getTransactionReceipt', [hash]);
      if (receipt) {
        assert.equal(receipt.status, '0x1', `transaction ${hash} reverted`);
        return receipt;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no receipt for ${hash}`);
  };
  return chain;
}

/** What a workerpool does on the hub, which neither CLI does. */
const HUB_ABI = new Interface([
  'function initialize(bytes32 dealid, uint256 idx) returns (bytes32)',
  'function contributeAndFinalize(bytes32 taskid, bytes32 resultDigest, bytes results, bytes resultsCallback, address enclaveChallenge, bytes enclaveSign, bytes authorizationSign)',
]);

/** The workerpool's scheduler (dev account `scheduler`) starts task `idx` of `dealid`. */
export async function initializeTask(chain, scheduler, dealid, idx) {
  await chain.send(DEV[scheduler].address, HUB, HUB_ABI.encodeFunctionData('initialize', [dealid, idx]));
}

/**
 * Complete an initialized task of a trust-1 deal the quick way: the workerpool owner (dev account
 * `scheduler`, also the worker) authorizes itself and calls contributeAndFinalize with `results`
 * (a JSON object, stored as its UTF-8 bytes, as iExec workers do).
 */
export async function completeTask(chain, scheduler, taskid, results) {
  const { key, address } = DEV[scheduler];
  const authorization = await new Wallet(key).signMessage(
    getBytes(solidityPackedKeccak256(['address', 'bytes32', 'address'], [address, taskid, ZeroAddress])));
  const digest = solidityPackedKeccak256(['string'], [JSON.stringify(results)]);
  const data = HUB_ABI.encodeFunctionData('contributeAndFinalize', [
    taskid, digest, hexlify(toUtf8Bytes(JSON.stringify(results))), '0x', ZeroAddress, '0x', authorization]);
  await chain.send(address, HUB, data);
  return digest;
}

/** Run a command; resolves {code, stdout, stderr} (never rejects on a non-zero exit). */
function run(file, args, { cwd, env }) {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), COMMAND_TIMEOUT_MS);
    child.once('error', (e) => { clearTimeout(timer); reject(e); });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (TIMING_LOG) {
        fs.appendFileSync(TIMING_LOG, `${Date.now() - started}\t${path.basename(file === process.execPath ? args[0] : file)} ${args.slice(file === process.execPath ? 1 : 0).join(' ')}\n`);
      }
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

/** The JSON object of a `--raw` run: its stdout's last non-empty line. */
function lastJson(text) {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  for (let i = lines.length - 1; i >= 0; i--) {
    if (lines[i].startsWith('{')) {
      try { return JSON.parse(lines[i]); } catch { /* not this one */ }
    }
  }
  return undefined;
}

/**
 * A temporary project folder (`dir`), with its own HOME (`home`) for both CLIs.
 * Create with `await Project.create(chain)`; `await project.remove()` at the end.
 */
export class Project {
  static async create(chain, { chainJson = true } = {}) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'poco-sdk-interop-'));
    const p = new Project(chain, root);
    fs.mkdirSync(p.home, { recursive: true });
    fs.mkdirSync(p.dir, { recursive: true });
    if (chainJson) p.writeChainJson();
    return p;
  }

  constructor(chain, root) {
    this.chain = chain;
    this.root = root;
    this.home = path.join(root, 'home');
    this.dir = path.join(root, 'project');
  }

  remove() {
    fs.rmSync(this.root, { recursive: true, force: true });
  }

  /** chain.json as the brief of the suite gives it: `dev`, the chain under test, as default. */
  writeChainJson() {
    this.writeJson('chain.json', {
      default: 'dev',
      chains: { dev: { host: this.chain.url, id: CHAIN_ID, hub: HUB } },
    });
  }

  /**
   * Add `dev` (the chain under test) to the chain.json the SDK or poco wrote, as its default,
   * keeping the chains already there (the SDK lists its public chains as `{}`).
   */
  addDevChain() {
    this.editJson('chain.json', (conf) => {
      conf.chains = { ...conf.chains, dev: { host: this.chain.url, id: CHAIN_ID, hub: HUB } };
      conf.default = 'dev';
    });
  }

  file(name) { return path.join(this.dir, name); }
  exists(name) { return fs.existsSync(this.file(name)); }
  readJson(name) { return JSON.parse(fs.readFileSync(this.file(name), 'utf8')); }
  writeJson(name, value) { fs.writeFileSync(this.file(name), JSON.stringify(value, null, 2)); }
  editJson(name, edit) {
    const value = this.readJson(name);
    edit(value);
    this.writeJson(name, value);
  }

  /**
   * Write dev account `index`'s key into keystore folder `dir` (relative to the project) as a
   * "light" V3 keystore (scrypt N=4096, as geth --lightkdf writes them), under geth's file name.
   * For the tests that are not about keystores: each CLI decrypts it in milliseconds instead of
   * seconds (the keystores both CLIs write use N=131072; 01-wallets uses those).
   */
  lightKeystore(dir, index) {
    const { key, address } = DEV[index];
    assert.equal(new Wallet(key).address, address, `dev key ${index}`);
    const json = encryptKeystoreJsonSync({ address, privateKey: key }, PASSWORD, { scrypt: { N: 1 << 12, r: 8, p: 1 } });
    const folder = path.resolve(this.dir, dir);
    fs.mkdirSync(folder, { recursive: true });
    const stamp = new Date().toISOString().replace(/:/g, '-').replace(/\.(\d+)Z$/, (_, ms) => `.${ms.padEnd(9, '0')}Z`);
    fs.writeFileSync(path.join(folder, `UTC--${stamp}--${address.slice(2).toLowerCase()}`), json);
  }

  /** Run the iExec SDK CLI: {code, stdout, stderr, json}. */
  async iexecRun(args) {
    const env = cleanEnv({ HOME: this.home });
    // The SDK judges deadlines with the wall clock, the hub with block time: after
    // evm_increaseTime, run the SDK on the chain's clock (lib/sdk-clock.cjs).
    const ahead = (await this.chain.now()) - Math.floor(Date.now() / 1000);
    if (ahead > 30) {
      env.NODE_OPTIONS = `--require "${CLOCK_PRELOAD}"`;
      env.SDK_CLOCK_OFFSET_S = String(ahead);
    }
    const r = await run(process.execPath, [...iexecCommand(args), '--raw'], { cwd: this.dir, env });
    return { ...r, json: lastJson(r.stdout) };
  }

  /** Run `poco`: {code, stdout, stderr, json}. */
  async pocoRun(args) {
    const r = await run(pocoBin(), [...args, '--raw'], { cwd: this.dir, env: cleanEnv({ HOME: this.home }) });
    // As the SDK: the result on stdout, a failure's JSON on stderr.
    return { ...r, json: r.code === 0 ? lastJson(r.stdout) : lastJson(r.stderr) };
  }

  /** `iexec ARGS --raw`, which must succeed: its JSON. */
  async iexec(...args) { return ok('iexec', args, await this.iexecRun(args)); }

  /** `poco ARGS --raw`, which must succeed: its JSON. */
  async poco(...args) { return ok('poco', args, await this.pocoRun(args)); }

  /** `iexec ARGS --raw`, which must fail: {code, stdout, stderr, json}. */
  async iexecFails(...args) { return failed('iexec', args, await this.iexecRun(args)); }

  /** `poco ARGS --raw`, which must fail: {code, stdout, stderr, json}. */
  async pocoFails(...args) { return failed('poco', args, await this.pocoRun(args)); }
}

function show(cli, args, r) {
  return `${cli} ${args.join(' ')} --raw\nexit ${r.code}\nstdout: ${r.stdout.trim()}\nstderr: ${r.stderr.trim().slice(-2000)}`;
}

function ok(cli, args, r) {
  if (r.code !== 0 || !r.json || r.json.ok !== true) {
    assert.fail(`expected success:\n${show(cli, args, r)}`);
  }
  return r.json;
}

function failed(cli, args, r) {
  if (r.code === 0) assert.fail(`expected a failure:\n${show(cli, args, r)}`);
  return r;
}

/** Wallet options for a keystore folder of the project. */
export function ks(dir) {
  return ['--keystoredir', dir, '--password', PASSWORD];
}

/**
 * Assert that `poco` prints every field of the SDK's output with the same value: objects
 * recursively (poco may add fields), arrays element by element, scalars strictly (a string is
 * a string: "1" is not 1, an address's case counts). `ignore` lists paths ("deal.startTime")
 * to skip.
 */
export function subsetOf(sdk, poco, { ignore = [], what = 'output' } = {}) {
  const problems = [];
  const walk = (s, p, at) => {
    if (ignore.includes(at)) return;
    if (s !== null && typeof s === 'object' && !Array.isArray(s)) {
      if (p === null || typeof p !== 'object' || Array.isArray(p)) {
        problems.push(`${at || '(top)'}: the SDK prints an object, poco ${JSON.stringify(p)}`);
        return;
      }
      for (const k of Object.keys(s)) {
        const here = at ? `${at}.${k}` : k;
        if (ignore.includes(here)) continue;
        if (!(k in p)) problems.push(`${here}: missing in poco's output (the SDK prints ${JSON.stringify(s[k])})`);
        else walk(s[k], p[k], here);
      }
    } else if (Array.isArray(s)) {
      if (!Array.isArray(p) || p.length !== s.length) {
        problems.push(`${at}: the SDK prints ${JSON.stringify(s)}, poco ${JSON.stringify(p)}`);
        return;
      }
      s.forEach((v, i) => walk(v, p[i], `${at}[${i}]`));
    } else if (s !== p) {
      problems.push(`${at}: the SDK prints ${JSON.stringify(s)}, poco ${JSON.stringify(p)}`);
    }
  };
  walk(sdk, poco, '');
  if (problems.length) {
    assert.fail(`poco's ${what} differs from the iExec SDK's:\n  ${problems.join('\n  ')}\nSDK:  ${JSON.stringify(sdk)}\npoco: ${JSON.stringify(poco)}`);
  }
}

/** The same, with addresses compared case-insensitively (for checks about values, not format). */
export function sameValuesOf(sdk, poco, opts = {}) {
  const lower = (v) => JSON.parse(JSON.stringify(v, (_, x) => (typeof x === 'string' && /^0x[0-9a-fA-F]{40}$/.test(x) ? x.toLowerCase() : x)));
  subsetOf(lower(sdk), lower(poco), opts);
}
