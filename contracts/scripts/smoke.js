#!/usr/bin/env node
// End-to-end smoke test of the built contracts on Hardhat's in-process EVM.
//
//   npm install --prefix /tmp/smoke hardhat@2 ethers@6     (outside the repo)
//   NODE_PATH=/tmp/smoke/node_modules node contracts/scripts/smoke.js
//
// Deploys RLC, the registries, the facets and the diamond (the sequence in
// README.md), then: deposits, creates an app / dataset / workerpool, signs the
// four orders (EIP-712), matches, runs a trust-1 contributeAndFinalize, a
// trust-3 contribute/reveal/finalize and a claim, checking balances and the
// escrow invariant at each step, and prints the gas used.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const assert = require('assert');

// Hardhat wants a config file; give it a throwaway one.
const cfgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'poco-smoke-'));
fs.writeFileSync(
  path.join(cfgDir, 'hardhat.config.js'),
  "module.exports = { solidity: '0.8.24', networks: { hardhat: { hardfork: 'cancun', initialBaseFeePerGas: 0 } } };\n",
);
process.env.HARDHAT_CONFIG = path.join(cfgDir, 'hardhat.config.js');
process.chdir(cfgDir);
const hre = require('hardhat');
const { ethers } = require('ethers');

const OUT = process.env.POCO_OUT || path.join(__dirname, '..', 'out');
const art = (n) => JSON.parse(fs.readFileSync(path.join(OUT, n + '.json'), 'utf8'));

const provider = new ethers.BrowserProvider(hre.network.provider, undefined, { cacheTimeout: -1 });
const MNEMONIC = 'test test test test test test test test test test test junk';
const W = [...Array(10)].map((_, i) =>
  ethers.HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).connect(provider),
);
const [admin, requester, appOwner, datasetOwner, scheduler, worker1, worker2, worker3, sponsor, worker4] = W;
const RLC1 = 10n ** 9n;
const ZERO = ethers.ZeroAddress;
const ZERO32 = ethers.ZeroHash;
const gas = {};

async function send(label, txp) {
  const tx = await txp;
  const rc = await tx.wait();
  if (label) gas[label] = Number(rc.gasUsed);
  if (label && process.env.TRACE && label.startsWith(process.env.TRACE)) await profile(label, tx);
  return rc;
}

// Gas profile of a transaction by opcode (TRACE=<label prefix>).
async function profile(label, tx) {
  const data = ethers.getBytes(tx.data);
  const zeros = data.filter((b) => b === 0).length;
  const calldataGas = 16 * (data.length - zeros) + 4 * zeros;
  const trace = await hre.network.provider.send('debug_traceTransaction', [tx.hash, { disableStorage: true, disableMemory: true, disableStack: false }]);
  const by = {};
  const logs = trace.structLogs;
  for (let i = 0; i < logs.length; i++) {
    const l = logs[i];
    let cost = l.gasCost;
    if (['CALL', 'STATICCALL', 'DELEGATECALL', 'CREATE', 'CREATE2'].includes(l.op)) {
      // gasCost of a call includes the gas forwarded: count only what the caller lost net of the callee
      const next = logs[i + 1];
      if (next && next.depth > l.depth) cost = l.gas - next.gas;
    }
    const k = l.op;
    by[k] = by[k] || { n: 0, gas: 0 };
    by[k].n++;
    by[k].gas += cost;
  }
  console.log(`profile ${label}: total ${trace.gas}, calldata ${data.length} bytes = ${calldataGas} gas, intrinsic ${21000 + calldataGas}`);
  for (const [k, v] of Object.entries(by).sort((a, b) => b[1].gas - a[1].gas).slice(0, 14)) console.log(`  ${k.padEnd(14)} x${String(v.n).padStart(4)} ${String(v.gas).padStart(8)}`);
}

async function deploy(name, signer, ...args) {
  const a = art(name);
  const f = new ethers.ContractFactory(a.abi, a.bytecode, signer);
  const c = await f.deploy(...args);
  const rc = await c.deploymentTransaction().wait();
  gas[`deploy ${name}`] = Number(rc.gasUsed);
  return c;
}

function selectors(abi) {
  return new ethers.Interface(abi).fragments.filter((f) => f.type === 'function').map((f) => f.selector);
}

const FACETS = [
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
];

const TYPES = {
  AppOrder: [
    ['address', 'app'], ['uint256', 'appprice'], ['uint256', 'volume'], ['bytes32', 'tag'],
    ['address', 'datasetrestrict'], ['address', 'workerpoolrestrict'], ['address', 'requesterrestrict'], ['bytes32', 'salt'],
  ],
  DatasetOrder: [
    ['address', 'dataset'], ['uint256', 'datasetprice'], ['uint256', 'volume'], ['bytes32', 'tag'],
    ['address', 'apprestrict'], ['address', 'workerpoolrestrict'], ['address', 'requesterrestrict'], ['bytes32', 'salt'],
  ],
  WorkerpoolOrder: [
    ['address', 'workerpool'], ['uint256', 'workerpoolprice'], ['uint256', 'volume'], ['bytes32', 'tag'],
    ['uint256', 'category'], ['uint256', 'trust'], ['address', 'apprestrict'], ['address', 'datasetrestrict'],
    ['address', 'requesterrestrict'], ['bytes32', 'salt'],
  ],
  RequestOrder: [
    ['address', 'app'], ['uint256', 'appmaxprice'], ['address', 'dataset'], ['uint256', 'datasetmaxprice'],
    ['address', 'workerpool'], ['uint256', 'workerpoolmaxprice'], ['address', 'requester'], ['uint256', 'volume'],
    ['bytes32', 'tag'], ['uint256', 'category'], ['uint256', 'trust'], ['address', 'beneficiary'], ['address', 'callback'],
    ['string', 'params'], ['bytes32', 'salt'],
  ],
};
const typesFor = (t) => ({ [t]: TYPES[t].map(([type, name]) => ({ type, name })) });

async function signOrder(wallet, domain, type, order) {
  const o = { ...order };
  delete o.sign;
  o.sign = await wallet.signTypedData(domain, typesFor(type), o);
  return o;
}

const orderHash = (domain, type, order) => {
  const o = { ...order };
  delete o.sign;
  return ethers.TypedDataEncoder.hash(domain, typesFor(type), o);
};

let saltCounter = 0;
const salt = () => ethers.zeroPadValue(ethers.toBeHex(++saltCounter), 32);

async function main() {
  const chainId = (await provider.getNetwork()).chainId;

  // ---------------------------------------------------------------- deploy
  const rlc = await deploy('RLC', admin, 87_000_000n * RLC1);
  const appRegistry = await deploy('AppRegistry', admin);
  const datasetRegistry = await deploy('DatasetRegistry', admin);
  const workerpoolRegistry = await deploy('WorkerpoolRegistry', admin);
  const cuts = [];
  for (const name of FACETS) {
    const f = await deploy(name, admin);
    cuts.push({ facetAddress: await f.getAddress(), action: 0, functionSelectors: selectors(art(name).abi) });
  }
  const diamond = await deploy('Diamond', admin, cuts, { owner: admin.address, init: ZERO, initCalldata: '0x' });
  const hubAddress = await diamond.getAddress();
  const hub = new ethers.Contract(hubAddress, art('PocoHub').abi, admin);
  await send('configure', hub.configure(
    await rlc.getAddress(), 'Staked RLC', 'SRLC', 9,
    await appRegistry.getAddress(), await datasetRegistry.getAddress(), await workerpoolRegistry.getAddress(), ZERO,
  ));
  for (const [n, t] of [['XS', 300], ['S', 1200], ['M', 3600], ['L', 10800], ['XL', 36000]]) {
    await send('createCategory', hub.createCategory(n, `{}`, t));
  }
  for (const r of [appRegistry, datasetRegistry, workerpoolRegistry]) {
    await send(null, r.initialize(ZERO)); // no previous registry
  }

  assert.equal(await hub.name(), 'Staked RLC');
  assert.equal(await hub.symbol(), 'SRLC');
  assert.equal(await hub.decimals(), 9n);
  assert.equal(await hub.countCategory(), 5n);
  assert.equal((await hub.viewCategory(4)).workClockTimeRef, 36000n);
  assert.equal(await hub.owner(), admin.address);
  const dom = await hub.domain();
  assert.equal(dom.name, 'iExecODB');
  const domain = { name: 'iExecODB', version: '5.0.0', chainId, verifyingContract: hubAddress };
  assert.equal(await hub.eip712domain_separator(), ethers.TypedDataEncoder.hashDomain(domain));
  const loupeFacets = await hub.facetAddresses();
  assert.equal(loupeFacets.length, FACETS.length);
  // plain ether is refused
  await assert.rejects(admin.sendTransaction({ to: hubAddress, value: 1n }));

  // ---------------------------------------------------------------- escrow
  const rlcAs = (w) => rlc.connect(w);
  const hubAs = (w) => hub.connect(w);
  for (const w of [requester, scheduler, worker1, worker2, worker3, sponsor, worker4]) {
    await send(null, rlc.transfer(w.address, 10_000n * RLC1));
  }
  await send(null, rlcAs(requester).approve(hubAddress, 1000n * RLC1));
  await send('deposit', hubAs(requester).deposit(1000n * RLC1));
  await send('approveAndCall deposit', rlcAs(scheduler).approveAndCall(hubAddress, 1000n * RLC1, '0x'));
  for (const w of [worker1, worker2, worker3, sponsor, worker4]) {
    await send(null, rlcAs(w).approve(hubAddress, 100n * RLC1));
    await send(null, hubAs(w).deposit(100n * RLC1));
  }
  assert.equal(await hub.balanceOf(requester.address), 1000n * RLC1);
  assert.equal(await hub.balanceOf(scheduler.address), 1000n * RLC1);
  await send('withdraw', hubAs(worker3).withdraw(10n * RLC1));
  assert.equal(await hub.balanceOf(worker3.address), 90n * RLC1);
  const invariant = async (where) => {
    const held = await rlc.balanceOf(hubAddress);
    const supply = await hub.totalSupply();
    assert.equal(held, supply, `escrow invariant broken ${where}: ${held} != ${supply}`);
  };
  await invariant('after deposits');

  // ------------------------------------------------------------- registries
  const appArgs = [appOwner.address, 'my-app', 'DOCKER', ethers.toUtf8Bytes('registry/app:1.0'), ethers.id('img'), '0x'];
  const appAddr = await appRegistry.predictApp(...appArgs);
  await send('createApp', appRegistry.createApp(...appArgs));
  assert.equal(await appRegistry.isRegistered(appAddr), true);
  await assert.rejects(appRegistry.createApp(...appArgs)); // same args + owner twice
  const app = new ethers.Contract(appAddr, art('App').abi, provider);
  assert.equal(await app.owner(), appOwner.address);
  assert.equal(await app.m_appType(), 'DOCKER');
  assert.equal(await app.registry(), await appRegistry.getAddress());
  assert.equal(await appRegistry.ownerOf(BigInt(appAddr)), appOwner.address);
  assert.equal(await appRegistry.name(), 'iExec Application Registry (V5)');
  assert.equal((await hub.viewApp(appAddr)).m_appName, 'my-app');

  const dsArgs = [datasetOwner.address, 'my-data', ethers.toUtf8Bytes('ipfs://data'), ethers.id('data')];
  const dsAddr = await datasetRegistry.predictDataset(...dsArgs);
  await send('createDataset', datasetRegistry.createDataset(...dsArgs));

  const wpAddr = await workerpoolRegistry.predictWorkerpool(scheduler.address, 'my-pool');
  await send('createWorkerpool', workerpoolRegistry.createWorkerpool(scheduler.address, 'my-pool'));
  const wp = new ethers.Contract(wpAddr, art('Workerpool').abi, scheduler);
  assert.equal(await wp.m_workerStakeRatioPolicy(), 30n);
  assert.equal(await wp.m_schedulerRewardRatioPolicy(), 1n);
  await send('changePolicy', wp.changePolicy(35, 5));
  await send(null, wp.changePolicy(30, 1));
  assert.equal((await hub.viewWorkerpool(wpAddr)).m_workerpoolDescription, 'my-pool');

  // ---------------------------------------------------------------- orders
  const APP_PRICE = 2n * RLC1, DS_PRICE = 1n * RLC1, WP_PRICE = 10n * RLC1;
  const mkApp = (o = {}) => ({ app: appAddr, appprice: APP_PRICE, volume: 1000, tag: ZERO32, datasetrestrict: ZERO, workerpoolrestrict: ZERO, requesterrestrict: ZERO, salt: salt(), ...o });
  const mkDs = (o = {}) => ({ dataset: dsAddr, datasetprice: DS_PRICE, volume: 1000, tag: ZERO32, apprestrict: ZERO, workerpoolrestrict: ZERO, requesterrestrict: ZERO, salt: salt(), ...o });
  const noDs = { dataset: ZERO, datasetprice: 0, volume: 0, tag: ZERO32, apprestrict: ZERO, workerpoolrestrict: ZERO, requesterrestrict: ZERO, salt: ZERO32, sign: '0x' };
  const mkWp = (o = {}) => ({ workerpool: wpAddr, workerpoolprice: WP_PRICE, volume: 1, tag: ZERO32, category: 0, trust: 1, apprestrict: ZERO, datasetrestrict: ZERO, requesterrestrict: ZERO, salt: salt(), ...o });
  const mkReq = (o = {}) => ({ app: appAddr, appmaxprice: APP_PRICE, dataset: ZERO, datasetmaxprice: 0, workerpool: ZERO, workerpoolmaxprice: WP_PRICE, requester: requester.address, volume: 1, tag: ZERO32, category: 0, trust: 1, beneficiary: requester.address, callback: ZERO, params: '', salt: salt(), ...o });

  const stake = async (w) => {
    const a = await hub.viewAccount(w.address || w);
    return { stake: a.stake, locked: a.locked };
  };

  // A failing match: category mismatch.
  {
    const ao = await signOrder(appOwner, domain, 'AppOrder', mkApp());
    const wo = await signOrder(scheduler, domain, 'WorkerpoolOrder', mkWp({ category: 1 }));
    const ro = await signOrder(requester, domain, 'RequestOrder', mkReq());
    await assert.rejects(hub.matchOrders.staticCall(ao, noDs, wo, ro), /iExecV5-matchOrders-0x00/);
    // bad signature
    const bad = { ...ro, sign: await requester.signTypedData(domain, typesFor('RequestOrder'), { ...mkReq(), salt: salt() }) };
    await assert.rejects(hub.matchOrders.staticCall(ao, noDs, await signOrder(scheduler, domain, 'WorkerpoolOrder', mkWp()), bad), /iExecV5-matchOrders-0x50/);
  }

  // --------------------------------------------- deal 1: trust 1, fast path
  const req0 = await stake(requester), sch0 = await stake(scheduler), appo0 = await stake(appOwner);
  let ao = await signOrder(appOwner, domain, 'AppOrder', mkApp());
  let wo = await signOrder(scheduler, domain, 'WorkerpoolOrder', mkWp());
  let ro = await signOrder(requester, domain, 'RequestOrder', mkReq());
  assert.equal(await hub.computeDealVolume(ao, noDs, wo, ro), 1n);
  let rc = await send('matchOrders (no dataset, trust 1, empty params)', hub.connect(worker3).matchOrders(ao, noDs, wo, ro));
  const dealEvent = (rc) => rc.logs.map((l) => { try { return hub.interface.parseLog(l); } catch { return null; } }).find((e) => e && e.name === 'OrdersMatched');
  let ev = dealEvent(rc);
  const dealid1 = ev.args.dealid;
  assert.equal(ev.args.requestHash, orderHash(domain, 'RequestOrder', ro));
  assert.equal(ev.args.appHash, orderHash(domain, 'AppOrder', ao));
  assert.equal(ev.args.datasetHash, ZERO32);
  assert.equal(dealid1, ethers.solidityPackedKeccak256(['bytes32', 'uint256'], [ev.args.requestHash, 0]));
  const deal1 = await hub.viewDeal(dealid1);
  assert.equal(deal1.app.owner, appOwner.address);
  assert.equal(deal1.workerpool.price, WP_PRICE);
  assert.equal(deal1.trust, 1n);
  assert.equal(deal1.botSize, 1n);
  assert.equal(deal1.workerStake, WP_PRICE * 30n / 100n);
  assert.equal(deal1.schedulerRewardRatio, 1n);
  assert.equal(deal1.sponsor, requester.address);
  assert.equal(deal1.beneficiary, requester.address);
  assert.equal(await hub.viewConsumed(ev.args.requestHash), 1n);
  let r = await stake(requester);
  assert.equal(r.locked - req0.locked, APP_PRICE + WP_PRICE);
  assert.equal((await stake(scheduler)).locked - sch0.locked, WP_PRICE * 30n / 100n);
  await invariant('after match 1');

  rc = await send('initialize', hub.initialize(dealid1, 0));
  const taskid1 = ethers.solidityPackedKeccak256(['bytes32', 'uint256'], [dealid1, 0]);
  let task = await hub.viewTask(taskid1);
  assert.equal(task.status, 1n);
  assert.equal(task.finalDeadline - task.contributionDeadline, 3n * 300n);

  const authorize = (worker, taskid, enclave = ZERO) =>
    scheduler.signMessage(ethers.getBytes(ethers.solidityPackedKeccak256(['address', 'bytes32', 'address'], [worker.address, taskid, enclave])));
  const digest1 = ethers.id('result-1');
  const w1before = await stake(worker1);
  await send('contributeAndFinalize', hubAs(worker1).contributeAndFinalize(
    taskid1, digest1, ethers.toUtf8Bytes('ipfs://results-1'), '0x', ZERO, '0x', await authorize(worker1, taskid1),
  ));
  task = await hub.viewTask(taskid1);
  assert.equal(task.status, 3n);
  assert.equal(task.resultDigest, digest1);
  assert.equal(ethers.toUtf8String(task.results), 'ipfs://results-1');
  const workerShare = WP_PRICE * 99n / 100n;
  assert.equal((await stake(worker1)).stake - w1before.stake, workerShare);
  assert.equal((await stake(appOwner)).stake - appo0.stake, APP_PRICE);
  r = await stake(requester);
  assert.equal(r.locked, req0.locked);
  assert.equal(req0.stake - r.stake, APP_PRICE + WP_PRICE);
  const s1 = await stake(scheduler);
  assert.equal(s1.locked, sch0.locked);
  assert.equal(s1.stake - sch0.stake, WP_PRICE - workerShare);
  assert.equal((await hub.viewContribution(taskid1, worker1.address)).status, 2n);
  {
    // Fast-path tasks derive these instead of storing them.
    const c = await hub.viewContribution(taskid1, worker1.address);
    assert.equal(c.resultHash, ethers.solidityPackedKeccak256(['bytes32', 'bytes32'], [taskid1, digest1]));
    assert.equal(c.resultSeal, ethers.solidityPackedKeccak256(['address', 'bytes32', 'bytes32'], [worker1.address, taskid1, digest1]));
    assert.equal((await hub.viewContribution(taskid1, worker2.address)).status, 0n);
    assert.deepEqual([...task.contributors], [worker1.address]);
    assert.equal(task.consensusValue, c.resultHash);
    assert.equal(task.revealCounter, 1n);
    assert.equal(task.winnerCounter, 1n);
    assert.equal(await hub.resultFor(taskid1), '0x');
  }
  await invariant('after fast path');
  {
    // The same shape again, in steady state (hub account and order books warm).
    const rc2 = await send('matchOrders (no dataset, trust 1, empty params; 2nd)', hub.connect(worker3).matchOrders(
      await signOrder(appOwner, domain, 'AppOrder', mkApp()), noDs,
      await signOrder(scheduler, domain, 'WorkerpoolOrder', mkWp()), await signOrder(requester, domain, 'RequestOrder', mkReq())));
    const d = dealEvent(rc2).args.dealid;
    await send(null, hub.initialize(d, 0));
    const t = ethers.solidityPackedKeccak256(['bytes32', 'uint256'], [d, 0]);
    await send('contributeAndFinalize (2nd)', hubAs(worker2).contributeAndFinalize(t, ethers.id('x'), ethers.toUtf8Bytes('ipfs://QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG'), '0x', ZERO, '0x',
      await scheduler.signMessage(ethers.getBytes(ethers.solidityPackedKeccak256(['address', 'bytes32', 'address'], [worker2.address, t, ZERO])))));
  }

  // ------------------------------- deal 2: with dataset, params, trust 3
  const params = '{"iexec_result_storage_provider":"ipfs","iexec_result_storage_proxy":"https://result.example.net"}';
  ao = await signOrder(appOwner, domain, 'AppOrder', mkApp());
  let dso = await signOrder(datasetOwner, domain, 'DatasetOrder', mkDs());
  wo = await signOrder(scheduler, domain, 'WorkerpoolOrder', mkWp({ trust: 3, volume: 2 }));
  ro = await signOrder(requester, domain, 'RequestOrder', mkReq({ dataset: dsAddr, datasetmaxprice: DS_PRICE, trust: 3, volume: 2, params }));
  rc = await send('matchOrders (dataset, trust 3, 100-byte params, volume 2)', hub.matchOrders(ao, dso, wo, ro));
  const dealid2 = dealEvent(rc).args.dealid;
  const deal2 = await hub.viewDeal(dealid2);
  assert.equal(deal2.params, params);
  assert.equal(deal2.dataset.owner, datasetOwner.address);
  assert.equal(deal2.botSize, 2n);
  await send(null, hub.initialize(dealid2, 0));
  const taskid2 = ethers.solidityPackedKeccak256(['bytes32', 'uint256'], [dealid2, 0]);
  const digest2 = ethers.id('result-2');
  const resultHash = ethers.solidityPackedKeccak256(['bytes32', 'bytes32'], [taskid2, digest2]);
  const seal = (w) => ethers.solidityPackedKeccak256(['address', 'bytes32', 'bytes32'], [w.address, taskid2, digest2]);
  const before = {};
  for (const w of [worker1, worker2, worker3, worker4, scheduler, datasetOwner, appOwner, requester]) before[w.address] = await stake(w);
  await send('contribute (1st)', hubAs(worker1).contribute(taskid2, resultHash, seal(worker1), ZERO, '0x', await authorize(worker1, taskid2)));
  // a wrong result from worker3
  const badDigest = ethers.id('wrong');
  await send(null, hubAs(worker3).contribute(
    taskid2, ethers.solidityPackedKeccak256(['bytes32', 'bytes32'], [taskid2, badDigest]),
    ethers.solidityPackedKeccak256(['address', 'bytes32', 'bytes32'], [worker3.address, taskid2, badDigest]),
    ZERO, '0x', await authorize(worker3, taskid2),
  ));
  assert.equal((await hub.viewTask(taskid2)).status, 1n);
  await send(null, hubAs(worker2).contribute(taskid2, resultHash, seal(worker2), ZERO, '0x', await authorize(worker2, taskid2)));
  assert.equal((await hub.viewTask(taskid2)).status, 1n, 'no consensus yet: 4·3 <= 7·2');
  rc = await send('contribute (consensus)', hubAs(worker4).contribute(taskid2, resultHash, seal(worker4), ZERO, '0x', await authorize(worker4, taskid2)));
  task = await hub.viewTask(taskid2);
  assert.equal(task.status, 2n, 'consensus expected: 8·3 > 11·2');
  assert.equal(task.winnerCounter, 3n);
  await send('reveal', hubAs(worker1).reveal(taskid2, digest2));
  await send(null, hubAs(worker2).reveal(taskid2, digest2));
  await send(null, hubAs(worker4).reveal(taskid2, digest2));
  await assert.rejects(hubAs(worker1).finalize.staticCall(taskid2, '0x', '0x'), /iExecV5-finalize-0x00/);
  await send('finalize (4 contributors)', hubAs(scheduler).finalize(taskid2, ethers.toUtf8Bytes('ipfs://results-2'), '0x'));
  task = await hub.viewTask(taskid2);
  assert.equal(task.status, 3n);
  const ws = WP_PRICE * 30n / 100n;
  const total = WP_PRICE + ws; // price + the loser's stake
  const workersReward = total * 99n / 100n;
  const each = workersReward / 3n;
  for (const w of [worker1, worker2, worker4]) {
    const a = await stake(w);
    assert.equal(a.stake - before[w.address].stake, each, 'winner reward');
    assert.equal(a.locked, before[w.address].locked);
    assert.equal(await hub.viewScore(w.address), 1n);
  }
  const l3 = await stake(worker3);
  assert.equal(before[worker3.address].stake - l3.stake, ws, 'loser loses its stake');
  assert.equal(l3.locked, 0n);
  assert.equal((await stake(datasetOwner)).stake - before[datasetOwner.address].stake, DS_PRICE);
  const s2 = await stake(scheduler);
  assert.equal(s2.stake - before[scheduler.address].stake, total - 3n * each + ws /* pool stake for task 0 unlocked */);
  await invariant('after consensus path');

  // ------------------------------------ claim task 1 of deal 2 after expiry
  await send(null, hub.initialize(dealid2, 1));
  const taskid3 = ethers.solidityPackedKeccak256(['bytes32', 'uint256'], [dealid2, 1]);
  await send(null, hubAs(worker1).contribute(taskid3, ethers.solidityPackedKeccak256(['bytes32', 'bytes32'], [taskid3, digest2]),
    ethers.solidityPackedKeccak256(['address', 'bytes32', 'bytes32'], [worker1.address, taskid3, digest2]), ZERO, '0x', await authorize(worker1, taskid3)));
  await assert.rejects(hub.claim.staticCall(taskid3), /iExecV5-claim-0x02/);
  await hre.network.provider.send('evm_increaseTime', [10 * 300 + 1]);
  await hre.network.provider.send('evm_mine', []);
  const beforeClaim = { req: await stake(requester), w1: await stake(worker1), sch: await stake(scheduler) };
  await send('claim', hub.claim(taskid3));
  assert.equal((await hub.viewTask(taskid3)).status, 4n);
  const kitty = await hub.kitty_address();
  assert.equal(await hub.frozenOf(kitty), ws);
  const rq = await stake(requester);
  assert.equal(rq.stake - beforeClaim.req.stake, APP_PRICE + DS_PRICE + WP_PRICE);
  assert.equal(rq.locked, 0n);
  assert.equal((await stake(worker1)).locked, 0n);
  assert.equal(beforeClaim.sch.locked - (await stake(scheduler)).locked, ws);
  await invariant('after claim');

  // ------------------ sponsored deal, presigned orders, kitty payout on finalize
  await send(null, hubAs(sponsor).approve(hubAddress, 0)); // exercise approve
  ao = mkApp();
  await send('manageAppOrder (presign)', hubAs(appOwner).manageAppOrder({ order: { ...ao, sign: '0x' }, operation: 0, sign: '0x' }));
  assert.equal(await hub.viewPresigned(orderHash(domain, 'AppOrder', ao)), appOwner.address);
  wo = await signOrder(scheduler, domain, 'WorkerpoolOrder', mkWp());
  ro = await signOrder(requester, domain, 'RequestOrder', mkReq());
  const sp0 = await stake(sponsor);
  rc = await send('sponsorMatchOrders', hubAs(sponsor).sponsorMatchOrders({ ...ao, sign: '0x' }, noDs, wo, ro));
  const dealid4 = dealEvent(rc).args.dealid;
  assert.equal((await hub.viewDeal(dealid4)).sponsor, sponsor.address);
  assert.equal((await stake(sponsor)).locked - sp0.locked, APP_PRICE + WP_PRICE);
  await send(null, hub.initialize(dealid4, 0));
  const taskid4 = ethers.solidityPackedKeccak256(['bytes32', 'uint256'], [dealid4, 0]);
  const sch4 = await stake(scheduler);
  await send('contributeAndFinalize (kitty payout)', hubAs(worker2).contributeAndFinalize(taskid4, digest1, '0x', '0x', ZERO, '0x', await authorize(worker2, taskid4)));
  assert.equal(await hub.frozenOf(kitty), ws - RLC1); // kitty min payout
  assert.equal((await stake(scheduler)).stake - sch4.stake, WP_PRICE - workerShare + RLC1 + ws);
  assert.equal((await stake(sponsor)).locked, sp0.locked);
  await invariant('after sponsored deal');

  // close an order through a signed operation
  const ro2 = mkReq();
  const opTypes = { RequestOrderOperation: [{ name: 'order', type: 'RequestOrder' }, { name: 'operation', type: 'uint256' }], ...typesFor('RequestOrder') };
  const opSign = await requester.signTypedData(domain, opTypes, { order: ro2, operation: 1 });
  await send('manageRequestOrder (close, signed)', hubAs(worker3).manageRequestOrder({ order: { ...ro2, sign: '0x' }, operation: 1, sign: opSign }));
  assert.equal(await hub.viewConsumed(orderHash(domain, 'RequestOrder', ro2)), 1n);

  // ------------------------------------------------------------------ report
  console.log('gas used:');
  for (const [k, v] of Object.entries(gas)) console.log(`  ${k.padEnd(58)} ${String(v).padStart(9)}`);
  console.log('smoke: all checks passed');
}

main().then(
  () => process.exit(0),
  (e) => {
    const msg = String((e && (e.stack || e.message)) || e);
    console.error(msg.length > 4000 ? msg.slice(0, 4000) + '…' : msg);
    process.exit(1);
  },
);
