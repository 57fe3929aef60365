// Orders, deals and tasks: orders signed by one CLI (in orders.json) are filled by the other,
// and both show the same deals and tasks, before and after the final deadline and the claims.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startChain, Project, DEV, CHAIN_ID, ks, initializeTask, completeTask, subsetOf } from '../lib/harness.mjs';

/** Set prices and the request's resources in iexec.json's order templates. */
function priceOrders(p, { app, dataset, pool, volume, args }) {
  const deployed = p.readJson('deployed.json');
  p.editJson('iexec.json', (conf) => {
    const o = conf.order;
    o.apporder.appprice = String(app);
    o.datasetorder.datasetprice = String(dataset);
    o.workerpoolorder.workerpoolprice = String(pool);
    o.workerpoolorder.volume = String(volume);
    const r = o.requestorder;
    r.app = deployed.app[CHAIN_ID];
    r.dataset = deployed.dataset[CHAIN_ID];
    r.appmaxprice = String(app);
    r.datasetmaxprice = String(dataset);
    r.workerpoolmaxprice = String(pool);
    r.volume = String(volume);
    r.params.iexec_args = args;
  });
}

/** A project with an app and a dataset (owner `assets`) and a workerpool (owner `pool`), deployed by poco. */
async function market(chain, { assets, pool, requester }) {
  const p = await Project.create(chain, { chainJson: false });
  await p.poco('init', '--skip-wallet');
  p.writeChainJson();
  p.lightKeystore('./ks-assets', assets);
  p.lightKeystore('./ks-pool', pool);
  p.lightKeystore('./ks-req', requester);
  for (const kind of ['app', 'dataset']) {
    await p.poco(kind, 'init', ...ks('./ks-assets'));
    await p.poco(kind, 'deploy', ...ks('./ks-assets'), '--force');
  }
  await p.poco('workerpool', 'init', ...ks('./ks-pool'));
  await p.poco('workerpool', 'deploy', ...ks('./ks-pool'), '--force');
  return p;
}

describe('orders, deals and tasks', () => {
  let chain;
  const projects = [];
  // Deal A: orders signed by the SDK (app, dataset, workerpool) and poco (request), filled by poco.
  let a;
  let dealA;
  // Deal B: orders signed by poco, filled by the SDK.
  let b;
  let dealB;

  before(async () => { chain = await startChain(); });
  after(async () => {
    for (const q of projects) q.remove();
    if (chain) await chain.stop();
  });

  it('orders signed by `iexec order sign` (app, dataset, workerpool) and `poco order sign --request` are filled by `poco order fill`', async () => {
    a = await market(chain, { assets: 1, pool: 4, requester: 2 });
    projects.push(a);
    await a.iexec('order', 'init', '--app', '--dataset', '--workerpool', ...ks('./ks-assets'));
    await a.poco('order', 'init', '--request', ...ks('./ks-req'));
    priceOrders(a, { app: 5, dataset: 3, pool: 10, volume: 2, args: 'from the SDK' });

    await a.iexec('account', 'deposit', '100', ...ks('./ks-pool'));
    await a.poco('account', 'deposit', '100', ...ks('./ks-req'), '--force');
    const signed = await a.iexec('order', 'sign', '--app', '--dataset', ...ks('./ks-assets'), '--skip-preflight-check');
    assert.ok(signed.apporder.sign && signed.datasetorder.sign);
    await a.iexec('order', 'sign', '--workerpool', ...ks('./ks-pool'), '--skip-preflight-check');
    await a.poco('order', 'sign', '--request', ...ks('./ks-req'), '--force');
    const orders = a.readJson('orders.json')[CHAIN_ID];
    assert.deepEqual(Object.keys(orders).sort(), ['apporder', 'datasetorder', 'requestorder', 'workerpoolorder']);

    const fill = await a.poco('order', 'fill', ...ks('./ks-req'), '--force');
    assert.match(fill.dealid, /^0x[0-9a-f]{64}$/);
    assert.equal(fill.volume, '2');
    dealA = fill.dealid;

    const sdk = await a.iexec('deal', 'show', dealA);
    const poco = await a.poco('deal', 'show', dealA);
    subsetOf(sdk, poco, { what: 'deal show' });
    const deployed = a.readJson('deployed.json');
    assert.equal(sdk.deal.app.pointer, deployed.app[CHAIN_ID]);
    assert.equal(sdk.deal.dataset.pointer, deployed.dataset[CHAIN_ID]);
    assert.equal(sdk.deal.workerpool.pointer, deployed.workerpool[CHAIN_ID]);
    assert.deepEqual([sdk.deal.app.price, sdk.deal.dataset.price, sdk.deal.workerpool.price], ['5', '3', '10']);
    assert.equal(sdk.deal.requester, DEV[2].address);
    assert.equal(sdk.deal.tasks.length, 2);
    assert.deepEqual((await a.poco('account', 'show', DEV[2].address)).balance, { stake: '64', locked: '36' });
  });

  it('orders signed by `poco order sign` are filled by `iexec order fill`', async () => {
    b = await market(chain, { assets: 3, pool: 5, requester: 6 });
    projects.push(b);
    await b.poco('order', 'init', '--app', '--dataset', '--workerpool', ...ks('./ks-assets'));
    await b.poco('order', 'init', '--request', ...ks('./ks-req'));
    priceOrders(b, { app: 7, dataset: 2, pool: 11, volume: 3, args: 'from poco' });

    await b.poco('account', 'deposit', '100', ...ks('./ks-pool'), '--force');
    await b.poco('account', 'deposit', '100', ...ks('./ks-req'), '--force');
    await b.poco('order', 'sign', '--app', '--dataset', ...ks('./ks-assets'), '--force');
    await b.poco('order', 'sign', '--workerpool', ...ks('./ks-pool'), '--force');
    await b.poco('order', 'sign', '--request', ...ks('./ks-req'), '--force');

    const fill = await b.iexec('order', 'fill', ...ks('./ks-req'), '--skip-preflight-check');
    assert.equal(fill.volume, '3');
    dealB = fill.dealid;

    const sdk = await b.iexec('deal', 'show', dealB);
    const poco = await b.poco('deal', 'show', dealB);
    subsetOf(sdk, poco, { what: 'deal show' });
    assert.equal(poco.deal.requester, DEV[6].address);
    assert.equal(poco.deal.params, b.readJson('orders.json')[CHAIN_ID].requestorder.params);
    assert.equal(poco.deal.tasks.length, 3);
    assert.equal(poco.deal.workerpool.owner, DEV[5].address);
  });

  it('`iexec task show` and `poco task show` agree on an initialized task', async () => {
    assert.ok(dealA, 'needs deal A');
    const deal = await a.poco('deal', 'show', dealA);
    // The workerpool's scheduler starts task 0 (neither CLI has a command for it).
    await initializeTask(chain, 4, dealA, 0);
    const [task0, task1] = deal.deal.tasks;
    const sdk = await a.iexec('task', 'show', task0);
    const poco = await a.poco('task', 'show', task0);
    subsetOf(sdk, poco, { what: 'task show' });
    assert.equal(sdk.task.status, 1);
    assert.equal(sdk.task.statusName, 'ACTIVE');
    assert.equal(sdk.task.dealid, dealA);
    // poco deal show lists both tasks with their statuses.
    const after = await a.poco('deal', 'show', dealA);
    assert.deepEqual(after.tasks.map((t) => [t.taskid, t.status]), [[task0, 1], [task1, 0]]);
  });

  it('a completed task: `iexec task show` and `poco task show` agree (status, consensus, results)', async () => {
    assert.ok(dealB, 'needs deal B');
    const deal = await b.poco('deal', 'show', dealB);
    const taskid = deal.deal.tasks[0];
    await initializeTask(chain, 5, dealB, 0);
    const results = { storage: 'ipfs', location: '/ipfs/QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG' };
    const digest = await completeTask(chain, 5, taskid, results);

    const sdk = await b.iexec('task', 'show', taskid);
    const poco = await b.poco('task', 'show', taskid);
    subsetOf(sdk, poco, { what: 'task show (completed)' });
    assert.equal(sdk.task.statusName, 'COMPLETED');
    assert.deepEqual(sdk.task.results, results);
    assert.equal(sdk.task.resultDigest, digest);
    assert.deepEqual(sdk.task.contributors, [DEV[5].address]);
    const pocoDeal = await b.poco('deal', 'show', dealB);
    assert.deepEqual(pocoDeal.tasks.map((t) => t.statusName), ['COMPLETED', 'UNSET', 'UNSET']);
  });

  it('an unknown task id is an error (exit 1), as in the SDK', async () => {
    const unknown = '0x' + '5a'.repeat(32);
    const sdk = await a.iexecFails('task', 'show', unknown);
    assert.equal(sdk.code, 1);
    assert.match(sdk.stderr, /ObjectNotFoundError/);
    const poco = await a.pocoRun(['task', 'show', unknown]);
    assert.equal(poco.code, 1, `poco exited ${poco.code}: ${poco.stdout}`);
  });

  // The SDK claims deal B's two tasks that were never initialized: one transaction
  // (initializeAndClaimArray). The SDK sends claimArray and initializeAndClaimArray one after
  // the other when a deal has both kinds, and on an instant-mining chain its second transaction
  // reuses the nonce ethers cached (250 ms) for the first: "nonce too low" (README).
  it('after the final deadline: `poco deal claim` and `iexec deal claim`; both show the same failed tasks', async () => {
    assert.ok(dealA && dealB, 'needs deals A and B');
    const { deal } = await b.poco('deal', 'show', dealB);
    await chain.travel(Number(deal.finalTime) - (await chain.now()) + 60);

    // poco claims deal A (task 0 initialized, task 1 not), the SDK deal B.
    const pocoClaim = await a.poco('deal', 'claim', dealA, ...ks('./ks-req'), '--force');
    assert.deepEqual(Object.keys(pocoClaim.claimed).sort(), ['0', '1']);
    const sdkClaim = await b.iexec('deal', 'claim', dealB, ...ks('./ks-req'));
    assert.deepEqual(sdkClaim.claimed, { 1: deal.tasks[1], 2: deal.tasks[2] });

    const sdkDeal = await b.iexec('deal', 'show', dealB);
    const pocoDeal = await b.poco('deal', 'show', dealB);
    subsetOf(sdkDeal, pocoDeal, { what: 'deal show (claimed)' });
    assert.equal(sdkDeal.deal.deadlineReached, true);
    assert.deepEqual(pocoDeal.tasks.map((t) => t.statusName), ['COMPLETED', 'FAILED', 'FAILED']);

    const sdkTask = await b.iexec('task', 'show', deal.tasks[1]);
    subsetOf(sdkTask, await b.poco('task', 'show', deal.tasks[1]), { what: 'task show (claimed by the SDK)' });
    assert.equal(sdkTask.task.status, 4);
    const taskA = (await a.poco('deal', 'show', dealA)).deal.tasks[0];
    const sdkTaskA = await a.iexec('task', 'show', taskA);
    subsetOf(sdkTaskA, await a.poco('task', 'show', taskA), { what: 'task show (claimed by poco)' });
    assert.equal(sdkTaskA.task.statusName, 'FAILED');

    // The requesters got back what the failed tasks had locked (deal B's task 0 was paid: 7+2+11).
    assert.deepEqual((await a.poco('account', 'show', DEV[2].address)).balance, { stake: '100', locked: '0' });
    assert.deepEqual((await b.poco('account', 'show', DEV[6].address)).balance, { stake: '80', locked: '0' });
  });

  it('cancels cross over: `poco order cancel` of an SDK-signed order, `iexec order cancel` of a poco-signed one', async () => {
    assert.ok(dealA, 'needs project A');
    // Fresh workerpool and request orders (deal A used them up), signed by poco.
    await a.poco('order', 'sign', '--workerpool', ...ks('./ks-pool'), '--force');
    await a.poco('order', 'sign', '--request', ...ks('./ks-req'), '--force');
    // poco cancels the app order the SDK signed: the SDK can no longer fill it.
    const cancel = await a.poco('order', 'cancel', '--app', ...ks('./ks-assets'), '--force');
    assert.ok(cancel.apporder && cancel.apporder.txHash, JSON.stringify(cancel));
    const shown = await a.poco('order', 'show', '--app');
    assert.equal(shown.apporder.remaining, '0');
    const sdkFill = await a.iexecFails('order', 'fill', ...ks('./ks-req'), '--skip-preflight-check');
    assert.match(sdkFill.stderr, /apporder is fully consumed/);

    // The SDK cancels the request poco signed: poco refuses to fill it.
    await a.iexec('order', 'sign', '--app', ...ks('./ks-assets'), '--skip-preflight-check');
    await a.iexec('order', 'cancel', '--request', ...ks('./ks-req'), '--force');
    const pocoFill = await a.pocoFails('order', 'fill', ...ks('./ks-req'), '--force');
    assert.match(pocoFill.json.error.message, /request order 0x[0-9a-f]{64} was cancelled/);
    assert.deepEqual((await a.poco('account', 'show', DEV[2].address)).balance, { stake: '100', locked: '0' },
      'nothing locked by the refused fills');
    assert.equal((await a.poco('order', 'show', '--request')).requestorder.remaining, '0');
  });
});
