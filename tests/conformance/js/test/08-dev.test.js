'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const ethers = require('ethers');
const h = require('../lib/node');

describe('dev methods: snapshots, time, mining, balances', () => {
  let ctx;
  let signer;
  let conf;
  let confAddr;

  before(async () => {
    ctx = await h.setup();
    signer = await ctx.provider.getSigner(0);
    ({ contract: conf } = await h.deploy(signer, 'Conformance'));
    confAddr = await conf.getAddress();
  });
  after(async () => {
    if (!ctx) return;
    try { await ctx.rpc('evm_setAutomine', [true]); } catch (_) { /* best effort */ }
    await ctx.close();
  });

  const block = (tag) => ctx.rpc('eth_getBlockByNumber', [tag, false]);
  // Setters answer true (Hardhat) or null (anvil); both are in use.
  const okResult = (v, what) => assert.ok(v === true || v === null, `${what} result ${JSON.stringify(v)}`);

  it('evm_snapshot / evm_revert restore state, balances, nonces and height', async () => {
    const key = BigInt(Date.now());
    await (await conf.store(key, 1n)).wait();
    const stranger = ethers.Wallet.createRandom().address;
    const height = await ctx.provider.getBlockNumber();
    const nonce = await ctx.provider.getTransactionCount(signer.address);
    const id = await ctx.rpc('evm_snapshot');
    assert.match(id, /^0x[0-9a-f]+$/i, 'snapshot id is a quantity');
    const r = await (await conf.store(key, 2n)).wait();
    await (await signer.sendTransaction({ to: stranger, value: 5n })).wait();
    assert.equal(await conf.get(key), 2n);
    assert.equal(await ctx.provider.getBalance(stranger), 5n);
    assert.equal(await ctx.provider.getBlockNumber(), height + 2);
    assert.equal(await ctx.rpc('evm_revert', [id]), true);
    assert.equal(await conf.get(key), 1n);
    assert.equal(await ctx.provider.getBalance(stranger), 0n);
    assert.equal(await ctx.provider.getBlockNumber(), height);
    assert.equal(await ctx.provider.getTransactionCount(signer.address), nonce);
    assert.equal(await ctx.rpc('eth_getTransactionReceipt', [r.hash]), null, 'reverted transaction is gone');
    assert.equal(await ctx.rpc('eth_getBlockByNumber', [ethers.toQuantity(height + 1), false]), null, 'reverted block is gone');
    assert.equal(await ctx.rpc('evm_revert', [id]), false, 'a snapshot can be reverted to only once');
    // Chain continues normally after the revert; the same nonce is reused.
    const r2 = await (await conf.store(key, 3n)).wait();
    assert.equal(r2.blockNumber, height + 1);
    assert.equal((await ctx.provider.getTransaction(r2.hash)).nonce, nonce);
    const b = await block(ethers.toQuantity(height + 1));
    assert.equal(b.parentHash, (await block(ethers.toQuantity(height))).hash);
  });

  it('nested snapshots: reverting to the outer one discards the inner', async () => {
    const key = BigInt(Date.now()) + 1n;
    const outer = await ctx.rpc('evm_snapshot');
    await (await conf.store(key, 10n)).wait();
    const inner = await ctx.rpc('evm_snapshot');
    assert.notEqual(inner, outer);
    await (await conf.store(key, 20n)).wait();
    assert.equal(await ctx.rpc('evm_revert', [inner]), true);
    assert.equal(await conf.get(key), 10n);
    assert.equal(await ctx.rpc('evm_revert', [outer]), true);
    assert.equal(await conf.get(key), 0n);
  });

  it('evm_increaseTime + evm_mine advance the next block timestamp', async () => {
    const before = await block('latest');
    const inc = await ctx.rpc('evm_increaseTime', [3600]);
    assert.ok(inc !== undefined);
    const mined = await ctx.rpc('evm_mine');
    assert.ok(mined === '0x0' || mined === 0 || mined === null || typeof mined === 'string', `evm_mine result ${JSON.stringify(mined)}`);
    const after_ = await block('latest');
    assert.equal(BigInt(after_.number), BigInt(before.number) + 1n, 'evm_mine mines exactly one block');
    assert.deepEqual(after_.transactions, []);
    assert.equal(after_.parentHash, before.hash);
    assert.ok(BigInt(after_.timestamp) >= BigInt(before.timestamp) + 3600n, `timestamp ${after_.timestamp} >= ${before.timestamp} + 3600`);
    assert.ok(BigInt(after_.timestamp) < BigInt(before.timestamp) + 3600n + 120n, 'and not much more');
    // Later blocks keep the offset (time does not go back).
    await (await signer.sendTransaction({ to: h.devWallet(2).address, value: 1n })).wait();
    const later = await block('latest');
    assert.ok(BigInt(later.timestamp) >= BigInt(after_.timestamp));
    // Hex quantity is accepted too.
    await ctx.rpc('evm_increaseTime', ['0x3c']);
    await ctx.rpc('evm_mine');
    const l2 = await block('latest');
    assert.ok(BigInt(l2.timestamp) >= BigInt(later.timestamp) + 60n);
  });

  it('evm_setNextBlockTimestamp fixes the next block timestamp', async () => {
    const latest = await block('latest');
    const t = Number(BigInt(latest.timestamp)) + 10000;
    await ctx.rpc('evm_setNextBlockTimestamp', [t]);
    await ctx.rpc('evm_mine');
    assert.equal(BigInt((await block('latest')).timestamp), BigInt(t));
  });

  it('evm_setAutomine(false): transactions stay pending until evm_mine, then share one block', async () => {
    const key = BigInt(Date.now()) + 7n;
    const height = await ctx.provider.getBlockNumber();
    const nonce = await ctx.provider.getTransactionCount(signer.address, 'latest');
    okResult(await ctx.rpc('evm_setAutomine', [false]), 'evm_setAutomine');
    try {
      const data = (v) => conf.interface.encodeFunctionData('store', [key, v]);
      const h1 = await ctx.rpc('eth_sendTransaction', [{ from: signer.address, to: confAddr, data: data(1n), gas: '0x30000' }]);
      const h2 = await ctx.rpc('eth_sendTransaction', [{ from: signer.address, to: confAddr, data: data(2n), gas: '0x30000' }]);
      const other = h.devWallet(1).address;
      const h3 = await ctx.rpc('eth_sendTransaction', [{ from: other, to: confAddr, data: data(3n), gas: '0x30000' }]);
      assert.equal(new Set([h1, h2, h3]).size, 3);
      await h.sleep(300);
      assert.equal(await ctx.provider.getBlockNumber(), height, 'nothing mined');
      for (const x of [h1, h2, h3]) assert.equal(await ctx.rpc('eth_getTransactionReceipt', [x]), null, 'no receipt while pending');
      const p1 = await ctx.rpc('eth_getTransactionByHash', [h1]);
      assert.ok(p1, 'pending transaction is visible');
      assert.equal(p1.blockHash, null);
      assert.equal(p1.blockNumber, null);
      assert.equal(BigInt(p1.nonce), BigInt(nonce));
      assert.equal(BigInt((await ctx.rpc('eth_getTransactionByHash', [h2])).nonce), BigInt(nonce + 1), 'second tx gets the next (pending) nonce');
      assert.equal(await ctx.provider.getTransactionCount(signer.address, 'latest'), nonce);
      assert.equal(await ctx.provider.getTransactionCount(signer.address, 'pending'), nonce + 2);
      assert.equal(await conf.get(key), 0n, 'state unchanged at latest');
      await ctx.rpc('evm_mine');
      assert.equal(await ctx.provider.getBlockNumber(), height + 1);
      const rs = [];
      for (const x of [h1, h2, h3]) rs.push(await ctx.rpc('eth_getTransactionReceipt', [x]));
      const b = await block('latest');
      assert.deepEqual([...b.transactions].sort(), [h1, h2, h3].sort());
      for (const r of rs) {
        assert.equal(r.status, '0x1');
        assert.equal(r.blockHash, b.hash);
      }
      // Within the block: indices, cumulative gas, and log indices are consistent.
      const ordered = [...rs].sort((x, y) => Number(BigInt(x.transactionIndex) - BigInt(y.transactionIndex)));
      assert.deepEqual(ordered.map((r) => Number(BigInt(r.transactionIndex))), [0, 1, 2]);
      let cum = 0n;
      ordered.forEach((r, i) => {
        cum += BigInt(r.gasUsed);
        assert.equal(BigInt(r.cumulativeGasUsed), cum, `cumulativeGasUsed of tx ${i}`);
        assert.equal(r.logs.length, 1);
        assert.equal(BigInt(r.logs[0].logIndex), BigInt(i), 'logIndex is block-wide');
        assert.equal(r.logs[0].transactionIndex, r.transactionIndex);
      });
      assert.equal(BigInt(b.gasUsed), cum);
      const blockLogs = await ctx.rpc('eth_getLogs', [{ blockHash: b.hash }]);
      assert.deepEqual(blockLogs.map((l) => Number(BigInt(l.logIndex))), [0, 1, 2]);
      // h1 precedes h2 (same sender, nonce order), so the value ends as 2 or 3 depending on h3's position.
      const rank = (x) => ordered.findIndex((r) => r.transactionHash === x);
      assert.ok(rank(h1) < rank(h2));
      const last = ordered[2].transactionHash === h3 ? 3n : 2n;
      assert.equal(await conf.get(key), last);
      // ethers: a signed tx waits until mined.
      const wallet = new ethers.Wallet(h.devWallet(1).privateKey, ctx.provider);
      const tx = await wallet.sendTransaction({ to: h.devWallet(2).address, value: 1n, gasLimit: 21000n });
      let mined = false;
      const waiting = tx.wait().then((r) => { mined = true; return r; });
      await h.sleep(400);
      assert.equal(mined, false, 'tx.wait() does not resolve before evm_mine');
      await ctx.rpc('evm_mine');
      const r = await waiting;
      assert.equal(r.status, 1);
    } finally {
      okResult(await ctx.rpc('evm_setAutomine', [true]), 'evm_setAutomine');
    }
    // Back to instant mining.
    const r = await (await conf.store(key, 9n)).wait();
    assert.equal(r.status, 1);
  });

  it('hardhat_setBalance (and anvil_setBalance where supported)', async () => {
    const who = ethers.Wallet.createRandom().address;
    const amount = ethers.parseEther('123.456');
    okResult(await ctx.rpc('hardhat_setBalance', [who, ethers.toQuantity(amount)]), 'hardhat_setBalance');
    assert.equal(await ctx.provider.getBalance(who), amount);
    if (!ctx.isHardhat) {
      const a2 = ethers.parseEther('7');
      okResult(await ctx.rpc('anvil_setBalance', [who, ethers.toQuantity(a2)]), 'anvil_setBalance');
      assert.equal(await ctx.provider.getBalance(who), a2);
    }
    // The balance is spendable by a locally signed transaction.
    const w = ethers.Wallet.createRandom().connect(ctx.provider);
    await ctx.rpc('hardhat_setBalance', [w.address, ethers.toQuantity(ethers.parseEther('1'))]);
    const r = await (await w.sendTransaction({ to: who, value: ethers.parseEther('0.5') })).wait();
    assert.equal(r.status, 1);
    assert.equal(await ctx.provider.getBalance(w.address), ethers.parseEther('0.5') - r.gasUsed * r.gasPrice);
  });
});
