'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const ethers = require('ethers');
const h = require('../lib/node');

describe('chain identity, accounts and balances', () => {
  let ctx;
  before(async () => { ctx = await h.setup(); });
  after(async () => { if (ctx) await ctx.close(); });

  it('eth_chainId is 0x7a69 (31337)', async () => {
    assert.equal(await ctx.rpc('eth_chainId'), '0x7a69');
    const net = await ctx.provider.getNetwork();
    assert.equal(net.chainId, h.CHAIN_ID);
  });

  it('net_version is the decimal chain id', async () => {
    assert.equal(await ctx.rpc('net_version'), '31337');
  });

  it('web3_clientVersion is a non-empty string', async () => {
    const v = await ctx.rpc('web3_clientVersion');
    assert.equal(typeof v, 'string');
    assert.ok(v.length > 0);
  });

  it('eth_blockNumber is a quantity and matches the latest block', async () => {
    const hex = await ctx.rpc('eth_blockNumber');
    assert.match(hex, /^0x(0|[1-9a-f][0-9a-f]*)$/);
    const block = await ctx.rpc('eth_getBlockByNumber', ['latest', false]);
    assert.ok(BigInt(block.number) >= BigInt(hex));
  });

  it('eth_accounts lists the 10 dev accounts of the standard mnemonic, in order', async () => {
    const accounts = await ctx.rpc('eth_accounts');
    assert.equal(accounts.length, 10);
    assert.equal(ethers.getAddress(accounts[0]), h.FIRST_ACCOUNT);
    for (let i = 0; i < 10; i++) {
      assert.equal(ethers.getAddress(accounts[i]), h.devWallet(i).address, `account ${i}`);
    }
    assert.equal(h.devWallet(0).privateKey, h.FIRST_KEY);
    // ethers' own view of the unlocked accounts agrees.
    const signers = await ctx.provider.listAccounts();
    assert.equal(signers.length, 10);
    assert.equal(signers[0].address, h.FIRST_ACCOUNT);
  });

  it('dev accounts are funded; untouched ones hold exactly 10000 ETH', async () => {
    const accounts = await ctx.rpc('eth_accounts');
    for (let i = 0; i < 10; i++) {
      const bal = await ctx.provider.getBalance(accounts[i]);
      assert.ok(bal > ethers.parseEther('9000'), `account ${i} balance ${bal}`);
      assert.ok(bal <= ethers.parseEther('10000'), `account ${i} balance ${bal}`);
    }
    // Accounts 6..9 are never used by either suite.
    for (let i = 6; i < 10; i++) {
      assert.equal(await ctx.provider.getBalance(accounts[i]), ethers.parseEther('10000'), `account ${i}`);
      assert.equal(await ctx.rpc('eth_getBalance', [accounts[i], 'latest']), '0x21e19e0c9bab2400000');
    }
    // An unknown address has nothing.
    assert.equal(await ctx.rpc('eth_getBalance', [ethers.Wallet.createRandom().address, 'latest']), '0x0');
  });

  it('genesis block exists with a zero parent hash', async () => {
    const g = await ctx.rpc('eth_getBlockByNumber', ['0x0', false]);
    assert.equal(g.number, '0x0');
    assert.equal(g.parentHash, ethers.ZeroHash);
    assert.match(g.hash, /^0x[0-9a-f]{64}$/);
    const e = await ctx.rpc('eth_getBlockByNumber', ['earliest', false]);
    assert.equal(e.hash, g.hash);
    const byHash = await ctx.rpc('eth_getBlockByHash', [g.hash, false]);
    assert.equal(byHash.number, '0x0');
  });

  it('fee data: gasPrice, baseFeePerGas, maxPriorityFeePerGas, feeHistory', async () => {
    const gp = BigInt(await ctx.rpc('eth_gasPrice'));
    assert.ok(gp > 0n);
    const latest = await ctx.provider.getBlock('latest');
    assert.ok(latest.baseFeePerGas !== null && latest.baseFeePerGas > 0n, 'London base fee present');
    assert.ok(gp >= latest.baseFeePerGas, 'gasPrice covers the base fee');
    const tip = BigInt(await ctx.rpc('eth_maxPriorityFeePerGas'));
    assert.ok(tip >= 0n);
    const fee = await ctx.provider.getFeeData();
    assert.ok(fee.maxFeePerGas > 0n && fee.maxPriorityFeePerGas !== null);
    const hist = await ctx.rpc('eth_feeHistory', ['0x1', 'latest', [50]]);
    assert.ok(Array.isArray(hist.baseFeePerGas) && hist.baseFeePerGas.length === 2, 'feeHistory.baseFeePerGas has blockCount+1 entries');
    assert.ok(Array.isArray(hist.gasUsedRatio) && hist.gasUsedRatio.length === 1);
    assert.match(hist.oldestBlock, /^0x[0-9a-f]+$/);
  });

  it('eth_syncing is false', async () => {
    assert.equal(await ctx.rpc('eth_syncing'), false);
  });
});
