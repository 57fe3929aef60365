// The market: the iExec SDK, with `iexecGateway` pointing at `poco market`, publishes, reads,
// unpublishes and fills orders there, and reads the deals the market recorded; `poco orderbook`
// sees what the SDK published and the SDK sees what poco published, in the same form.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { startChain, Project, DEV, CHAIN_ID, ks, subsetOf, pocoBin } from '../lib/harness.mjs';

const ZERO = '0x0000000000000000000000000000000000000000';

/**
 * Start `poco market` for `chain` on a free port, its order book a SQLite file in `dir`, the
 * chain watcher polling every 0.2 s. Returns {url, stop()}.
 */
async function startMarket(chain, dir) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('POCO_') && !k.startsWith('IEXEC_') && k !== 'NODE_OPTIONS') env[k] = v;
  }
  env.HOME = dir;
  const args = ['market', '--rpc-url', chain.url, '--listen', '127.0.0.1:0',
    '--database-url', `sqlite://${path.join(dir, 'market.sqlite')}?mode=rwc`, '--poll-interval', '0.2', '--raw'];
  const child = spawn(pocoBin(), args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const killOnExit = () => { try { child.kill('SIGKILL'); } catch { /* gone */ } };
  process.on('exit', killOnExit);
  let output = '';
  child.stderr.on('data', (d) => { output = (output + d).slice(-4000); });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`poco market did not start within 60 s:\n${output}`)), 60000);
    let found = false;
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      if (found) return;
      output = (output + line + '\n').slice(-4000);
      const m = /"url":"(http:\/\/[^"]+)"/.exec(line);
      if (m) {
        found = true;
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    exited.then((code) => {
      if (!found) {
        clearTimeout(timer);
        reject(new Error(`poco market exited (${code}) before listening:\n${output}`));
      }
    });
  });
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  };
  return { url, stop };
}

/** GET `path` of the market: the JSON body (any status). */
async function api(market, pathAndQuery) {
  const res = await fetch(`${market.url}${pathAndQuery}`);
  return res.json();
}

/** Wait until `check()` is truthy (polling every 100 ms, 20 s at most); returns its value. */
async function until(what, check) {
  for (let i = 0; i < 200; i++) {
    const value = await check();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * The failure of an `iexec order show|unpublish` that fails: these commands report each order's
 * error in a `fail` list on stderr and exit 0. Returns the one error.
 */
async function sdkFailure(p, args) {
  const r = await p.iexecRun(args);
  const json = JSON.parse(r.stderr.trim().split('\n').pop());
  assert.equal(json.ok, false, `iexec ${args.join(' ')}: ${r.stderr}`);
  assert.equal(json.fail.length, 1);
  return json.fail[0];
}

describe('the market: the iExec SDK and poco share `poco market`', () => {
  let chain;
  let market;
  let marketDir;
  let p;
  let app;
  let dataset;
  let pool;
  // Hashes of orders published by the SDK (sdk*) and by poco (poco*).
  const h = {};

  before(async () => {
    chain = await startChain();
    marketDir = fs.mkdtempSync(path.join(os.tmpdir(), 'poco-sdk-market-'));
    market = await startMarket(chain, marketDir);
    p = await Project.create(chain, { chainJson: false });
    await p.poco('init', '--skip-wallet');
    p.writeChainJson();
    p.editJson('chain.json', (conf) => { conf.chains.dev.iexecGateway = market.url; });
    p.lightKeystore('./ks-assets', 1);
    p.lightKeystore('./ks-req', 2);
    p.lightKeystore('./ks-pool', 4);
    for (const kind of ['app', 'dataset']) {
      await p.poco(kind, 'init', ...ks('./ks-assets'));
      await p.poco(kind, 'deploy', ...ks('./ks-assets'), '--force');
    }
    await p.poco('workerpool', 'init', ...ks('./ks-pool'));
    await p.poco('workerpool', 'deploy', ...ks('./ks-pool'), '--force');
    const deployed = p.readJson('deployed.json');
    [app, dataset, pool] = ['app', 'dataset', 'workerpool'].map((k) => deployed[k][CHAIN_ID]);
    await p.poco('account', 'deposit', '100', ...ks('./ks-pool'), '--force');
    await p.poco('account', 'deposit', '100', ...ks('./ks-req'), '--force');
  });
  after(async () => {
    if (p) p.remove();
    if (market) await market.stop();
    if (chain) await chain.stop();
    if (marketDir) fs.rmSync(marketDir, { recursive: true, force: true });
  });

  it('`iexec app publish` lands in the market; `poco orderbook app` and `iexec orderbook app` show it alike', async () => {
    const published = await p.iexec('app', 'publish', app, '--price', '3', '--volume', '5', '--force', ...ks('./ks-assets'));
    assert.match(published.orderHash, /^0x[0-9a-f]{64}$/);
    h.sdkApp = published.orderHash;

    const pocoBook = await p.poco('orderbook', 'app', app);
    assert.equal(pocoBook.count, 1);
    assert.equal(pocoBook.appOrders[0].orderHash, h.sdkApp);
    const sdkBook = await p.iexec('orderbook', 'app', app);
    subsetOf(sdkBook, pocoBook, { what: 'orderbook app' });

    const shown = await p.iexec('order', 'show', '--app', h.sdkApp);
    assert.equal(shown.apporder.orderHash, h.sdkApp);
    assert.equal(shown.apporder.status, 'OPEN');
    assert.equal(shown.apporder.remaining, 5);
    assert.equal(shown.apporder.signer, DEV[1].address);
    assert.equal(shown.apporder.order.app, app);
  });

  it('`iexec dataset publish` and `iexec workerpool publish` land in the market; poco and the SDK list them alike', async () => {
    const ds = await p.iexec('dataset', 'publish', dataset, '--price', '2', '--volume', '4', '--force',
      '--skip-preflight-check', ...ks('./ks-assets'));
    h.sdkDataset = ds.orderHash;
    const wp = await p.iexec('workerpool', 'publish', pool, '--price', '4', '--volume', '3', '--category', '0',
      '--force', ...ks('./ks-pool'));
    h.sdkPool = wp.orderHash;

    const pocoDatasets = await p.poco('orderbook', 'dataset', dataset);
    assert.deepEqual(pocoDatasets.datasetOrders.map((o) => o.orderHash), [h.sdkDataset]);
    subsetOf(await p.iexec('orderbook', 'dataset', dataset), pocoDatasets, { what: 'orderbook dataset' });

    const pocoPools = await p.poco('orderbook', 'workerpool', '--category', '0');
    assert.deepEqual(pocoPools.workerpoolOrders.map((o) => o.orderHash), [h.sdkPool]);
    subsetOf(await p.iexec('orderbook', 'workerpool', '--category', '0'), pocoPools, { what: 'orderbook workerpool' });
    subsetOf(await p.iexec('orderbook', 'workerpool', pool), await p.poco('orderbook', 'workerpool', pool),
      { what: 'orderbook workerpool ADDRESS' });
  });

  it('a request signed by `iexec order sign` and published by `iexec order publish` is in `poco orderbook requester`', async () => {
    await p.iexec('order', 'init', '--request', ...ks('./ks-req'));
    p.editJson('iexec.json', (conf) => {
      Object.assign(conf.order.requestorder, {
        app, appmaxprice: '3', dataset: ZERO, datasetmaxprice: '0', workerpool: ZERO,
        workerpoolmaxprice: '4', volume: '2', category: '0', trust: '0',
      });
      conf.order.requestorder.params.iexec_args = 'from the market';
    });
    await p.iexec('order', 'sign', '--request', '--skip-preflight-check', ...ks('./ks-req'));
    const published = await p.iexec('order', 'publish', '--request', '--force', '--skip-preflight-check', ...ks('./ks-req'));
    h.sdkRequest = published.requestorder.orderHash;

    const pocoBook = await p.poco('orderbook', 'requester', DEV[2].address);
    assert.deepEqual(pocoBook.requestOrders.map((o) => o.orderHash), [h.sdkRequest]);
    subsetOf(await p.iexec('orderbook', 'requester', DEV[2].address), pocoBook, { what: 'orderbook requester' });
    subsetOf(await p.iexec('orderbook', 'requester', '--category', '0'), await p.poco('orderbook', 'requester', '--category', '0'),
      { what: 'orderbook requester --category' });
    const shown = await p.iexec('order', 'show', '--request', h.sdkRequest);
    assert.equal(shown.requestorder.order.requester, DEV[2].address);
    assert.equal(JSON.parse(shown.requestorder.order.params).iexec_args, 'from the market');
  });

  it('orders poco published are read by `iexec orderbook` and `iexec order show`, cheapest first', async () => {
    h.pocoApp = (await p.poco('app', 'publish', app, '--price', '1', '--volume', '2', ...ks('./ks-assets'), '--force')).orderHash;
    h.pocoPool = (await p.poco('workerpool', 'publish', pool, '--price', '2', '--volume', '1', '--category', '0',
      ...ks('./ks-pool'), '--force')).orderHash;

    const sdkApps = await p.iexec('orderbook', 'app', app);
    assert.equal(sdkApps.count, 2);
    assert.deepEqual(sdkApps.appOrders.map((o) => o.orderHash), [h.pocoApp, h.sdkApp]);
    subsetOf(sdkApps, await p.poco('orderbook', 'app', app), { what: 'orderbook app (two orders)' });
    const sdkPools = await p.iexec('orderbook', 'workerpool', '--category', '0');
    assert.deepEqual(sdkPools.workerpoolOrders.map((o) => o.orderHash), [h.pocoPool, h.sdkPool]);

    const sdkShow = await p.iexec('order', 'show', '--app', h.pocoApp);
    assert.equal(sdkShow.apporder.signer, DEV[1].address);
    assert.equal(sdkShow.apporder.remaining, 2);
    // The market answers the same object to both.
    assert.deepEqual(sdkShow.apporder, (({ ok, ...rest }) => rest)(await api(market, `/apporders/${h.pocoApp}?chainId=${CHAIN_ID}`)));
  });

  it('`iexec order unpublish` removes an order poco published, `poco dataset unpublish` one the SDK published', async () => {
    const unpublished = await p.iexec('order', 'unpublish', '--workerpool', h.pocoPool, '--force', ...ks('./ks-pool'));
    assert.equal(unpublished.workerpoolorder.orderHash, h.pocoPool);
    const pools = await p.poco('orderbook', 'workerpool', '--category', '0');
    assert.deepEqual(pools.workerpoolOrders.map((o) => o.orderHash), [h.sdkPool]);
    const gone = await sdkFailure(p, ['order', 'show', '--workerpool', h.pocoPool]);
    assert.match(gone, /^workerpoolorder: API error: no workerpoolorder 0x[0-9a-f]{64} in this market/);

    // poco's dataset unpublish takes back the SDK's dataset order (the last published).
    await p.poco('dataset', 'unpublish', dataset, ...ks('./ks-assets'), '--force');
    assert.equal((await p.iexec('orderbook', 'dataset', dataset)).count, 0);
    // Only the signer may unpublish: the pool owner cannot take back the app owner's order.
    const refused = await sdkFailure(p, ['order', 'unpublish', '--app', h.sdkApp, '--force', ...ks('./ks-pool')]);
    assert.equal(refused, `apporder: API error: only the apporder's signer (${DEV[1].address}) may unpublish it, not ${DEV[4].address}`);
    assert.equal((await p.poco('orderbook', 'app', app)).count, 2);
  });

  it('`iexec order fill` of orders fetched from the market makes a deal the market records: `iexec order show --deals`, `iexec deal show`', async () => {
    const fill = await p.iexec('order', 'fill', '--app', h.pocoApp, '--workerpool', h.sdkPool, '--request', h.sdkRequest,
      '--skip-preflight-check', ...ks('./ks-req'));
    assert.match(fill.dealid, /^0x[0-9a-f]{64}$/);
    // min(app 2, workerpool 3, request 2)
    assert.equal(fill.volume, '2');

    // The chain watcher records the deal and the volumes the match consumed.
    const deal = await until('the deal in the market', async () => {
      const d = await api(market, `/deals/${fill.dealid}?chainId=${CHAIN_ID}`);
      return d.ok && d;
    });
    assert.equal(deal.appHash, h.pocoApp);
    assert.equal(deal.workerpoolHash, h.sdkPool);
    assert.equal(deal.requestHash, h.sdkRequest);
    assert.equal(deal.volume, 2);
    await until('the orders filled', async () =>
      (await api(market, `/workerpoolorders/${h.sdkPool}?chainId=${CHAIN_ID}`)).remaining === 1
      && (await api(market, `/apporders/${h.pocoApp}?chainId=${CHAIN_ID}`)).status === 'FILLED');

    // Filled orders are still shown by hash, with their deals.
    const shown = await p.iexec('order', 'show', '--app', h.pocoApp, '--deals');
    assert.equal(shown.apporder.status, 'FILLED');
    assert.equal(shown.apporder.remaining, 0);
    assert.equal(shown.apporder.deals.count, 1);
    assert.equal(shown.apporder.deals.lastDeals[0].dealid, fill.dealid);
    const byRequest = await p.iexec('order', 'show', '--request', h.sdkRequest, '--deals');
    assert.equal(byRequest.requestorder.status, 'FILLED');
    assert.deepEqual(byRequest.requestorder.deals.lastDeals.map((d) => d.dealid), [fill.dealid]);
    const byPool = await p.iexec('order', 'show', '--workerpool', h.sdkPool, '--deals');
    assert.equal(byPool.workerpoolorder.status, 'OPEN');
    assert.equal(byPool.workerpoolorder.remaining, 1);
    assert.equal(byPool.workerpoolorder.deals.count, 1);

    // What the market recorded is what the hub holds.
    const sdkDeal = await p.iexec('deal', 'show', fill.dealid);
    assert.equal(deal.app.pointer, sdkDeal.deal.app.pointer);
    assert.equal(String(deal.app.price), sdkDeal.deal.app.price);
    assert.equal(deal.workerpool.pointer, sdkDeal.deal.workerpool.pointer);
    assert.equal(String(deal.workerpool.price), sdkDeal.deal.workerpool.price);
    assert.equal(deal.requester, sdkDeal.deal.requester);
    assert.equal(deal.params, sdkDeal.deal.params);
    assert.equal(String(deal.startTime), sdkDeal.deal.startTime);
    assert.equal(String(deal.botSize), sdkDeal.deal.botSize);
    // The books list open orders only: the filled ones are gone, the pool order has 1 task left.
    const apps = await p.poco('orderbook', 'app', app);
    assert.deepEqual(apps.appOrders.map((o) => [o.orderHash, o.remaining]), [[h.sdkApp, 5]]);
    const pools = await p.iexec('orderbook', 'workerpool', pool);
    assert.deepEqual(pools.workerpoolOrders.map((o) => [o.orderHash, o.remaining]), [[h.sdkPool, 1]]);
    assert.equal((await p.poco('orderbook', 'requester', DEV[2].address)).count, 0);
  });
});
