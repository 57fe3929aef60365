'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const ethers = require('ethers');
const h = require('../lib/node');

// Checks common to every contract deployment.
async function checkDeployment(ctx, { hash, from, artifact, args = [], expectType }) {
  const receipt = await ctx.provider.waitForTransaction(hash, 1, 15000);
  assert.ok(receipt, `receipt for ${hash}`);
  assert.equal(receipt.status, 1, 'deployment succeeded');
  assert.equal(receipt.to, null, 'creation receipt has to = null');
  assert.equal(receipt.from, ethers.getAddress(from));
  const tx = await ctx.provider.getTransaction(hash);
  assert.equal(tx.hash, hash);
  assert.equal(tx.to, null);
  assert.equal(tx.type, expectType, 'transaction type');
  assert.equal(tx.chainId, h.CHAIN_ID);
  const iface = new ethers.Interface(artifact.abi);
  assert.equal(tx.data, ethers.concat([artifact.bytecode, iface.encodeDeploy(args)]), 'input is initcode + args');
  const expected = ethers.getCreateAddress({ from, nonce: tx.nonce });
  assert.equal(receipt.contractAddress, expected, 'contractAddress = keccak(rlp(from, nonce))');
  assert.equal(await ctx.provider.getCode(expected), artifact.deployedBytecode.toLowerCase(), 'runtime code');
  assert.ok(receipt.gasUsed > 53000n, 'creation costs more than the intrinsic 53000');
  assert.ok(receipt.cumulativeGasUsed >= receipt.gasUsed);
  assert.ok(receipt.gasPrice > 0n, 'effectiveGasPrice');
  // Also raw: the receipt carries the standard fields.
  const raw = await ctx.rpc('eth_getTransactionReceipt', [hash]);
  for (const k of ['transactionHash', 'transactionIndex', 'blockHash', 'blockNumber', 'from', 'to', 'cumulativeGasUsed',
    'gasUsed', 'contractAddress', 'logs', 'logsBloom', 'status', 'effectiveGasPrice', 'type']) {
    assert.ok(k in raw, `receipt field ${k}`);
  }
  assert.equal(raw.type, ethers.toQuantity(expectType));
  return { receipt, tx, address: expected };
}

// Sender balance drops by exactly gasUsed * effectiveGasPrice + value across the block.
async function checkFeeAccounting(ctx, receipt, from, value = 0n) {
  const before = await ctx.provider.getBalance(from, receipt.blockNumber - 1);
  const after_ = await ctx.provider.getBalance(from, receipt.blockNumber);
  const block = await ctx.provider.getBlock(receipt.blockNumber);
  if (block.transactions.length === 1) {
    assert.equal(before - after_, receipt.gasUsed * receipt.gasPrice + value, 'sender pays gasUsed * effectiveGasPrice + value');
  }
}

describe('contract deployment', () => {
  let ctx;
  let conf;
  let token;
  before(async () => {
    ctx = await h.setup();
    conf = h.loadArtifact('Conformance');
    token = h.loadArtifact('TestToken');
  });
  after(async () => { if (ctx) await ctx.close(); });

  it('deploys Conformance via eth_sendTransaction (node estimates gas and fills fees)', async () => {
    const from = h.FIRST_ACCOUNT;
    const hash = await ctx.rpc('eth_sendTransaction', [{ from, data: conf.bytecode }]);
    assert.match(hash, /^0x[0-9a-f]{64}$/);
    const { receipt, tx } = await checkDeployment(ctx, { hash, from, artifact: conf, expectType: 2 });
    assert.ok(tx.gasLimit >= receipt.gasUsed);
    await checkFeeAccounting(ctx, receipt, from);
  });

  it('deploys TestToken via an ethers JsonRpcSigner (eth_sendTransaction) and the token works', async () => {
    const signer = await ctx.provider.getSigner(1);
    const supply = ethers.parseUnits('1000000', 18);
    const { contract, tx } = await h.deploy(signer, 'TestToken', [supply]);
    const { receipt, address } = await checkDeployment(ctx, {
      hash: tx.hash, from: signer.address, artifact: token, args: [supply], expectType: 2,
    });
    assert.equal(await contract.getAddress(), address);
    assert.equal(await contract.name(), 'Test Token');
    assert.equal(await contract.symbol(), 'TST');
    assert.equal(await contract.decimals(), 18n);
    assert.equal(await contract.totalSupply(), supply);
    assert.equal(await contract.balanceOf(signer.address), supply);
    // The mint emits Transfer(0x0 -> deployer, supply) from the new contract.
    assert.equal(receipt.logs.length, 1);
    const ev = contract.interface.parseLog(receipt.logs[0]);
    assert.equal(ev.name, 'Transfer');
    assert.equal(ev.args[0], ethers.ZeroAddress);
    assert.equal(ev.args[1], signer.address);
    assert.equal(ev.args[2], supply);
    assert.equal(receipt.logs[0].address, address);
    assert.notEqual(receipt.logsBloom, h.ZERO_BLOOM);
    assert.ok(h.bloomContains(receipt.logsBloom, address), 'bloom has the emitter');
  });

  describe('locally signed raw transactions (ethers Wallet, dev key 0)', () => {
    let wallet;
    let baseline; // gasUsed of a Conformance deployment without access list
    before(() => { wallet = new ethers.Wallet(h.FIRST_KEY, ctx.provider); });

    async function sendRaw(txReq) {
      const populated = await wallet.populateTransaction(txReq);
      const signed = await wallet.signTransaction(populated);
      const parsed = ethers.Transaction.from(signed);
      assert.equal(parsed.type, txReq.type);
      const hash = await ctx.rpc('eth_sendRawTransaction', [signed]);
      assert.equal(hash, ethers.keccak256(signed), 'eth_sendRawTransaction returns keccak(raw)');
      return { hash, populated };
    }

    it('type 2 (EIP-1559): deploys Conformance, effectiveGasPrice = min(maxFee, baseFee + tip)', async () => {
      const fee = await ctx.provider.getFeeData();
      const maxPriorityFeePerGas = ethers.parseUnits('1', 'gwei');
      const maxFeePerGas = fee.maxFeePerGas + maxPriorityFeePerGas;
      const { hash } = await sendRaw({ type: 2, data: conf.bytecode, maxFeePerGas, maxPriorityFeePerGas });
      const { receipt, tx } = await checkDeployment(ctx, { hash, from: wallet.address, artifact: conf, expectType: 2 });
      assert.equal(tx.maxFeePerGas, maxFeePerGas);
      assert.equal(tx.maxPriorityFeePerGas, maxPriorityFeePerGas);
      const block = await ctx.provider.getBlock(receipt.blockNumber);
      const bf = block.baseFeePerGas;
      const eff = bf + maxPriorityFeePerGas < maxFeePerGas ? bf + maxPriorityFeePerGas : maxFeePerGas;
      assert.equal(receipt.gasPrice, eff, 'effectiveGasPrice');
      const raw = await ctx.rpc('eth_getTransactionByHash', [hash]);
      assert.equal(raw.type, '0x2');
      assert.deepEqual(raw.accessList, []);
      assert.equal(raw.from, wallet.address.toLowerCase());
      assert.ok(raw.v === '0x0' || raw.v === '0x1', `typed tx v is the parity, got ${raw.v}`);
      if (!ctx.isHardhat) {
        // Hardhat omits yParity; the execution API spec requires it for typed transactions.
        assert.ok(raw.yParity === '0x0' || raw.yParity === '0x1', `yParity, got ${raw.yParity}`);
      }
      assert.equal(ethers.Transaction.from(tx).hash, hash, 'the returned fields re-serialise to the same hash');
      await checkFeeAccounting(ctx, receipt, wallet.address);
      baseline = receipt.gasUsed;
    });

    it('type 0 (legacy, EIP-155): deploys TestToken', async () => {
      const gasPrice = (await ctx.provider.getFeeData()).gasPrice * 2n;
      const supply = 12345n;
      const iface = new ethers.Interface(token.abi);
      const data = ethers.concat([token.bytecode, iface.encodeDeploy([supply])]);
      const { hash } = await sendRaw({ type: 0, data, gasPrice });
      const { receipt, tx, address } = await checkDeployment(ctx, { hash, from: wallet.address, artifact: token, args: [supply], expectType: 0 });
      assert.equal(tx.gasPrice, gasPrice);
      assert.equal(receipt.gasPrice, gasPrice, 'legacy effectiveGasPrice = gasPrice');
      const raw = await ctx.rpc('eth_getTransactionByHash', [hash]);
      assert.equal(raw.type, '0x0');
      assert.ok(['0xf4f5', '0xf4f6'].includes(raw.v), `EIP-155 v = chainId*2+35/36, got ${raw.v}`);
      assert.equal(ethers.Transaction.from(tx).hash, hash);
      const c = new ethers.Contract(address, token.abi, ctx.provider);
      assert.equal(await c.balanceOf(wallet.address), supply);
      await checkFeeAccounting(ctx, receipt, wallet.address);
    });

    it('type 1 (EIP-2930): deploys Conformance with an access list, charged 2400 + 1900 extra', async () => {
      const gasPrice = (await ctx.provider.getFeeData()).gasPrice * 2n;
      const accessList = [{ address: '0x000000000000000000000000000000000000dEaD', storageKeys: [ethers.ZeroHash] }];
      const { hash } = await sendRaw({ type: 1, data: conf.bytecode, gasPrice, accessList });
      const { receipt, tx } = await checkDeployment(ctx, { hash, from: wallet.address, artifact: conf, expectType: 1 });
      assert.equal(tx.accessList.length, 1);
      assert.equal(tx.accessList[0].address, accessList[0].address);
      assert.deepEqual([...tx.accessList[0].storageKeys], accessList[0].storageKeys);
      assert.equal(receipt.gasPrice, gasPrice);
      assert.equal(ethers.Transaction.from(tx).hash, hash);
      if (baseline !== undefined) assert.equal(receipt.gasUsed, baseline + 2400n + 1900n, 'access list intrinsic cost');
      await checkFeeAccounting(ctx, receipt, wallet.address);
    });

    it('the wallet nonce advanced by one per transaction', async () => {
      const latest = await ctx.provider.getTransactionCount(wallet.address, 'latest');
      const pending = await ctx.provider.getTransactionCount(wallet.address, 'pending');
      assert.equal(pending, latest, 'nothing pending under automine');
      const bn = await ctx.provider.getBlockNumber();
      assert.equal(await ctx.provider.getTransactionCount(wallet.address, bn - 1), latest - 1);
      assert.equal(await ctx.provider.getTransactionCount(wallet.address, bn - 3), latest - 3);
    });

    it('ContractFactory.deploy through a Wallet (ethers populates everything)', async () => {
      const { contract, receipt } = await h.deploy(wallet, 'Conformance');
      assert.equal(receipt.status, 1);
      assert.equal(await contract.get(1), 0n);
    });
  });
});
