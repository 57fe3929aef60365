'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const ethers = require('ethers');
const h = require('../lib/node');

const abi = ethers.AbiCoder.defaultAbiCoder();

describe('transactions, receipts, blocks, logs, state', () => {
  let ctx;
  let signer; // dev account 0 via eth_sendTransaction
  let other; // dev account 2
  let conf; // Conformance
  let token; // TestToken
  let confAddr;
  let tokenAddr;
  let storedTopic;
  const stores = []; // {key, value, receipt}
  let transferReceipt;
  let plainReceipt; // ETH transfer, no logs
  const KEY_BASE = BigInt(Date.now()) * 1000n; // distinct keys per run (the node may be shared)

  before(async () => {
    ctx = await h.setup();
    signer = await ctx.provider.getSigner(0);
    other = await ctx.provider.getSigner(2);
    ({ contract: conf } = await h.deploy(signer, 'Conformance'));
    ({ contract: token } = await h.deploy(signer, 'TestToken', [ethers.parseEther('1000')]));
    confAddr = await conf.getAddress();
    tokenAddr = await token.getAddress();
    storedTopic = conf.interface.getEvent('Stored').topicHash;
    // Fixture transactions; the tests below check what they left behind.
    for (let i = 0n; i < 3n; i++) {
      const key = KEY_BASE + i;
      const value = 1000n + i;
      const tx = await conf.store(key, value);
      stores.push({ key, value, receipt: await tx.wait() });
    }
  });
  after(async () => { if (ctx) await ctx.close(); });

  it('store() mines a successful transaction with a Stored log', async () => {
    for (const { key, value, receipt } of stores) {
      assert.equal(receipt.status, 1);
      assert.equal(receipt.to, confAddr);
      assert.equal(receipt.contractAddress, null);
      assert.ok(receipt.gasUsed > 21000n);
      assert.ok(receipt.cumulativeGasUsed >= receipt.gasUsed);
      assert.ok(receipt.gasPrice > 0n, 'effectiveGasPrice');
      assert.equal(receipt.logs.length, 1);
      const log = receipt.logs[0];
      assert.equal(log.address, confAddr);
      assert.equal(log.topics.length, 3);
      assert.equal(log.topics[0], storedTopic);
      assert.equal(log.topics[1], ethers.zeroPadValue(signer.address, 32).toLowerCase());
      assert.equal(log.topics[2], ethers.toBeHex(key, 32));
      assert.equal(log.data, abi.encode(['uint256'], [value]));
      assert.equal(log.blockNumber, receipt.blockNumber);
      assert.equal(log.blockHash, receipt.blockHash);
      assert.equal(log.transactionHash, receipt.hash);
      assert.equal(log.transactionIndex, receipt.index);
      assert.equal(log.index, 0, 'logIndex is the position in the block');
      // Bloom: non-zero and contains address and every topic; not a random topic.
      assert.notEqual(receipt.logsBloom, h.ZERO_BLOOM);
      assert.ok(h.bloomContains(receipt.logsBloom, confAddr), 'bloom contains address');
      for (const t of log.topics) assert.ok(h.bloomContains(receipt.logsBloom, t), `bloom contains topic ${t}`);
      assert.equal(await conf.get(key), value);
      assert.equal(await conf.values(key), value);
    }
  });

  it('raw receipt JSON has the standard shape and quantities', async () => {
    const { receipt } = stores[0];
    const raw = await ctx.rpc('eth_getTransactionReceipt', [receipt.hash]);
    assert.equal(raw.status, '0x1');
    assert.equal(raw.contractAddress, null);
    assert.equal(raw.to, confAddr.toLowerCase());
    assert.equal(raw.from, signer.address.toLowerCase());
    assert.equal(raw.type, '0x2');
    assert.equal(BigInt(raw.gasUsed), receipt.gasUsed);
    assert.equal(BigInt(raw.effectiveGasPrice), receipt.gasPrice);
    assert.match(raw.logsBloom, /^0x[0-9a-f]{512}$/);
    const log = raw.logs[0];
    for (const k of ['address', 'topics', 'data', 'blockNumber', 'blockHash', 'transactionHash', 'transactionIndex', 'logIndex', 'removed']) {
      assert.ok(k in log, `log field ${k}`);
    }
    assert.equal(log.logIndex, '0x0');
    assert.equal(log.removed, false);
    // Unknown hash -> null.
    assert.equal(await ctx.rpc('eth_getTransactionReceipt', [ethers.ZeroHash]), null);
    assert.equal(await ctx.rpc('eth_getTransactionByHash', [ethers.ZeroHash]), null);
  });

  it('ERC20 transfer: Transfer log, balances, receipt', async () => {
    const amount = ethers.parseEther('12.5');
    const before0 = await token.balanceOf(signer.address);
    const before2 = await token.balanceOf(other.address);
    const tx = await token.transfer(other.address, amount);
    transferReceipt = await tx.wait();
    assert.equal(transferReceipt.status, 1);
    assert.equal(await token.balanceOf(signer.address), before0 - amount);
    assert.equal(await token.balanceOf(other.address), before2 + amount);
    assert.equal(transferReceipt.logs.length, 1);
    const parsed = token.interface.parseLog(transferReceipt.logs[0]);
    assert.equal(parsed.name, 'Transfer');
    assert.deepEqual([...parsed.args], [signer.address, other.address, amount]);
    assert.ok(h.bloomContains(transferReceipt.logsBloom, tokenAddr));
    // balanceOf from another account via eth_call with `from`.
    const tokenAs2 = token.connect(other);
    assert.equal(await tokenAs2.balanceOf(other.address), before2 + amount);
  });

  it('plain ETH transfer: 21000 gas, no logs, zero bloom, value moved', async () => {
    const to = ethers.Wallet.createRandom().address;
    const value = ethers.parseEther('0.25');
    const tx = await signer.sendTransaction({ to, value });
    plainReceipt = await tx.wait();
    assert.equal(plainReceipt.status, 1);
    assert.equal(plainReceipt.gasUsed, 21000n);
    assert.equal(plainReceipt.logs.length, 0);
    assert.equal(plainReceipt.logsBloom, h.ZERO_BLOOM);
    assert.equal(await ctx.provider.getBalance(to), value);
    assert.equal(await ctx.provider.getBalance(to, plainReceipt.blockNumber - 1), 0n);
    assert.equal(await ctx.provider.getCode(to), '0x');
  });

  it('deposit() (payable) moves ETH into the contract; balance() reports it', async () => {
    const before = await ctx.provider.getBalance(confAddr);
    const value = ethers.parseEther('1.5');
    const r = await (await conf.deposit({ value })).wait();
    assert.equal(r.status, 1);
    assert.equal(await ctx.provider.getBalance(confAddr), before + value);
    assert.equal(await conf.balance(), before + value);
  });

  it('eth_getTransactionByHash returns the mined transaction', async () => {
    const { receipt, key, value } = stores[1];
    const tx = await ctx.provider.getTransaction(receipt.hash);
    assert.equal(tx.hash, receipt.hash);
    assert.equal(tx.from, signer.address);
    assert.equal(tx.to, confAddr);
    assert.equal(tx.blockNumber, receipt.blockNumber);
    assert.equal(tx.blockHash, receipt.blockHash);
    assert.equal(tx.index, receipt.index);
    assert.equal(tx.value, 0n);
    assert.equal(tx.data, conf.interface.encodeFunctionData('store', [key, value]));
    assert.equal(tx.chainId, h.CHAIN_ID);
    assert.ok(tx.gasLimit >= receipt.gasUsed);
    assert.equal(ethers.Transaction.from(tx).hash, receipt.hash, 'signature and fields reproduce the hash');
    assert.equal(ethers.Transaction.from(tx).from, signer.address, 'signature recovers the sender');
    // by block number / hash and index
    const byNum = await ctx.rpc('eth_getTransactionByBlockNumberAndIndex', [ethers.toQuantity(receipt.blockNumber), ethers.toQuantity(receipt.index)]);
    assert.equal(byNum.hash, receipt.hash);
    const byHash = await ctx.rpc('eth_getTransactionByBlockHashAndIndex', [receipt.blockHash, ethers.toQuantity(receipt.index)]);
    assert.equal(byHash.hash, receipt.hash);
    assert.equal(await ctx.rpc('eth_getTransactionByBlockNumberAndIndex', [ethers.toQuantity(receipt.blockNumber), '0x63']), null);
    assert.equal(await ctx.rpc('eth_getBlockTransactionCountByNumber', [ethers.toQuantity(receipt.blockNumber)]), '0x1');
    assert.equal(await ctx.rpc('eth_getBlockTransactionCountByHash', [receipt.blockHash]), '0x1');
  });

  it('blocks by number and by hash, with and without full transactions', async () => {
    const { receipt } = stores[2];
    const num = ethers.toQuantity(receipt.blockNumber);
    const thin = await ctx.rpc('eth_getBlockByNumber', [num, false]);
    const full = await ctx.rpc('eth_getBlockByNumber', [num, true]);
    const thinH = await ctx.rpc('eth_getBlockByHash', [receipt.blockHash, false]);
    const fullH = await ctx.rpc('eth_getBlockByHash', [receipt.blockHash, true]);
    assert.equal(thin.hash, receipt.blockHash);
    assert.equal(thin.number, num);
    assert.deepEqual(thin.transactions, [receipt.hash]);
    assert.deepEqual(thinH, thin);
    assert.deepEqual(fullH, full);
    assert.equal(full.transactions.length, 1);
    const ftx = full.transactions[0];
    assert.equal(typeof ftx, 'object');
    assert.equal(ftx.hash, receipt.hash);
    assert.equal(ftx.blockHash, receipt.blockHash);
    assert.equal(ftx.blockNumber, num);
    assert.equal(ftx.transactionIndex, '0x0');
    assert.deepEqual(ftx, await ctx.rpc('eth_getTransactionByHash', [receipt.hash]));
    for (const k of ['parentHash', 'sha3Uncles', 'miner', 'stateRoot', 'transactionsRoot', 'receiptsRoot', 'logsBloom',
      'difficulty', 'number', 'gasLimit', 'gasUsed', 'timestamp', 'extraData', 'mixHash', 'nonce', 'baseFeePerGas',
      'hash', 'uncles', 'transactions', 'size']) {
      assert.ok(k in thin, `block field ${k}`);
    }
    assert.equal(BigInt(thin.gasUsed), receipt.cumulativeGasUsed, 'block gasUsed = last cumulativeGasUsed');
    assert.ok(BigInt(thin.gasLimit) >= BigInt(thin.gasUsed));
    assert.ok(h.bloomContains(thin.logsBloom, confAddr), 'block bloom contains the log address');
    assert.deepEqual(thin.uncles, []);
    assert.notEqual(thin.transactionsRoot, '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421', 'non-empty tx trie');
    // ethers view agrees
    const b = await ctx.provider.getBlock(receipt.blockNumber, true);
    assert.equal(b.hash, receipt.blockHash);
    assert.equal(b.prefetchedTransactions[0].hash, receipt.hash);
    // Unknown block -> null
    assert.equal(await ctx.rpc('eth_getBlockByNumber', ['0xffffffff', false]), null);
    assert.equal(await ctx.rpc('eth_getBlockByHash', [ethers.ZeroHash, false]), null);
  });

  it('block hash = keccak256(rlp(header)) for genesis and recent blocks', async () => {
    const q = (hex) => ethers.toBeArray(BigInt(hex)); // minimal big-endian, 0 -> empty
    const latest = await ctx.provider.getBlockNumber();
    for (const n of [0, stores[0].receipt.blockNumber, latest]) {
      const b = await ctx.rpc('eth_getBlockByNumber', [ethers.toQuantity(n), false]);
      const fields = [b.parentHash, b.sha3Uncles, b.miner, b.stateRoot, b.transactionsRoot, b.receiptsRoot, b.logsBloom,
        q(b.difficulty), q(b.number), q(b.gasLimit), q(b.gasUsed), q(b.timestamp), b.extraData, b.mixHash, b.nonce];
      // Optional fields, in fork order; each present only if its predecessor is.
      if (b.baseFeePerGas !== undefined) fields.push(q(b.baseFeePerGas));
      if (b.withdrawalsRoot !== undefined) fields.push(b.withdrawalsRoot);
      if (b.blobGasUsed !== undefined) fields.push(q(b.blobGasUsed), q(b.excessBlobGas));
      if (b.parentBeaconBlockRoot !== undefined) fields.push(b.parentBeaconBlockRoot);
      if (b.requestsHash !== undefined) fields.push(b.requestsHash);
      assert.equal(ethers.keccak256(ethers.encodeRlp(fields)), b.hash, `block ${n} hash`);
      assert.equal(b.sha3Uncles, '0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347', 'empty uncle list hash');
    }
  });

  it('transactionsRoot / receiptsRoot of single-transaction blocks match the encodings', async () => {
    // A one-entry Merkle-Patricia trie: key rlp(0) = 0x80 (nibbles 8,0; even leaf prefix 0x20).
    const singleLeafRoot = (value) => ethers.keccak256(ethers.encodeRlp(['0x2080', value]));
    for (const receipt of [stores[0].receipt, plainReceipt, transferReceipt].filter(Boolean)) {
      const b = await ctx.rpc('eth_getBlockByNumber', [ethers.toQuantity(receipt.blockNumber), false]);
      if (b.transactions.length !== 1) continue;
      const tx = await ctx.provider.getTransaction(receipt.hash);
      assert.equal(b.transactionsRoot, singleLeafRoot(ethers.Transaction.from(tx).serialized), `block ${b.number} transactionsRoot`);
      const raw = await ctx.rpc('eth_getTransactionReceipt', [receipt.hash]);
      const body = ethers.encodeRlp([
        raw.status === '0x1' ? '0x01' : '0x',
        ethers.toBeArray(BigInt(raw.cumulativeGasUsed)),
        raw.logsBloom,
        raw.logs.map((l) => [l.address, l.topics, l.data]),
      ]);
      const enc = raw.type === '0x0' ? body : ethers.concat([ethers.toBeHex(BigInt(raw.type), 1), body]);
      assert.equal(b.receiptsRoot, singleLeafRoot(enc), `block ${b.number} receiptsRoot`);
    }
  });

  it('parentHash chain is consistent, numbers consecutive, timestamps non-decreasing', async () => {
    const latest = await ctx.provider.getBlockNumber();
    const from = Math.max(0, latest - 12);
    let prev = null;
    for (let n = from; n <= latest; n++) {
      const b = await ctx.rpc('eth_getBlockByNumber', [ethers.toQuantity(n), false]);
      assert.equal(BigInt(b.number), BigInt(n));
      if (prev) {
        assert.equal(b.parentHash, prev.hash, `block ${n} parentHash`);
        assert.ok(BigInt(b.timestamp) >= BigInt(prev.timestamp), `block ${n} timestamp`);
      }
      prev = b;
    }
    const l = await ctx.rpc('eth_getBlockByNumber', ['latest', false]);
    assert.equal(BigInt(l.number), BigInt(latest));
    // Timestamps are wall-clock-ish seconds (not ms).
    const now = Math.floor(Date.now() / 1000);
    assert.ok(Number(BigInt(l.timestamp)) > now - 86400 * 365 * 5 && Number(BigInt(l.timestamp)) < now + 86400 * 365 * 5, `timestamp ${l.timestamp} is seconds`);
  });

  it('eth_getLogs: address, topic and block-range filters', async () => {
    const first = stores[0].receipt.blockNumber;
    const last = stores[2].receipt.blockNumber;
    const range = { fromBlock: ethers.toQuantity(first), toBlock: ethers.toQuantity(last) };
    // by address over the range: exactly our three Stored logs
    let logs = await ctx.rpc('eth_getLogs', [{ ...range, address: confAddr }]);
    assert.deepEqual(logs.map((l) => l.transactionHash), stores.map((s) => s.receipt.hash));
    // address as array, including the token (whose Transfer is outside the range)
    logs = await ctx.rpc('eth_getLogs', [{ ...range, address: [confAddr, tokenAddr] }]);
    assert.equal(logs.length, 3);
    // topic0 only, any address
    logs = await ctx.rpc('eth_getLogs', [{ ...range, topics: [storedTopic] }]);
    assert.equal(logs.length, 3);
    // topic2 = key of the middle store; null wildcard for topic1
    logs = await ctx.rpc('eth_getLogs', [{ ...range, topics: [storedTopic, null, ethers.toBeHex(stores[1].key, 32)] }]);
    assert.equal(logs.length, 1);
    assert.equal(logs[0].transactionHash, stores[1].receipt.hash);
    // OR within a position
    logs = await ctx.rpc('eth_getLogs', [{ ...range, topics: [null, null, [ethers.toBeHex(stores[0].key, 32), ethers.toBeHex(stores[2].key, 32)]] }]);
    assert.deepEqual(logs.map((l) => l.transactionHash), [stores[0].receipt.hash, stores[2].receipt.hash]);
    // topic1 = a different sender -> nothing
    logs = await ctx.rpc('eth_getLogs', [{ ...range, topics: [storedTopic, ethers.zeroPadValue(other.address, 32)] }]);
    assert.equal(logs.length, 0);
    // more topics than the log has -> no match
    logs = await ctx.rpc('eth_getLogs', [{ ...range, topics: [storedTopic, null, null, ethers.ZeroHash] }]);
    assert.equal(logs.length, 0);
    // single-block range
    logs = await ctx.rpc('eth_getLogs', [{ fromBlock: ethers.toQuantity(last), toBlock: ethers.toQuantity(last), address: confAddr }]);
    assert.equal(logs.length, 1);
    assert.equal(logs[0].transactionHash, stores[2].receipt.hash);
    // blockHash filter (EIP-234)
    logs = await ctx.rpc('eth_getLogs', [{ blockHash: stores[1].receipt.blockHash }]);
    assert.equal(logs.length, 1);
    assert.equal(logs[0].blockHash, stores[1].receipt.blockHash);
    // range before the contract existed -> nothing
    logs = await ctx.rpc('eth_getLogs', [{ fromBlock: '0x0', toBlock: ethers.toQuantity(first - 1), address: confAddr }]);
    assert.equal(logs.length, 0);
    // default range is latest..latest; 'earliest'..'latest' finds them all
    logs = await ctx.rpc('eth_getLogs', [{ fromBlock: 'earliest', toBlock: 'latest', address: confAddr, topics: [storedTopic, ethers.zeroPadValue(signer.address, 32)] }]);
    assert.ok(logs.length >= 3);
    // ethers queryFilter with an indexed-argument filter
    const evs = await conf.queryFilter(conf.filters.Stored(signer.address, stores[2].key), first, last);
    assert.equal(evs.length, 1);
    assert.equal(evs[0].args.value, stores[2].value);
    assert.equal(evs[0].args.key, stores[2].key);
    // token Transfer by indexed `to`
    const tevs = await token.queryFilter(token.filters.Transfer(null, other.address), transferReceipt.blockNumber, transferReceipt.blockNumber);
    assert.equal(tevs.length, 1);
  });

  it('eth_getCode and eth_getStorageAt (ERC20 layout, mapping slots, past blocks)', async () => {
    assert.equal(await ctx.provider.getCode(confAddr), h.loadArtifact('Conformance').deployedBytecode.toLowerCase());
    assert.equal(await ctx.provider.getCode(confAddr, 0), '0x', 'no code at genesis');
    assert.equal(await ctx.provider.getCode(h.FIRST_ACCOUNT), '0x');
    // OpenZeppelin 5 ERC20: _balances @0, _allowances @1, _totalSupply @2, _name @3, _symbol @4.
    const supply = await token.totalSupply();
    assert.equal(BigInt(await ctx.provider.getStorage(tokenAddr, 2)), supply);
    const nameSlot = await ctx.rpc('eth_getStorageAt', [tokenAddr, '0x3', 'latest']);
    assert.equal(nameSlot, ethers.hexlify(ethers.concat([ethers.toUtf8Bytes('Test Token'), new Uint8Array(21), '0x14'])), 'short string layout');
    const balSlot = ethers.keccak256(abi.encode(['address', 'uint256'], [other.address, 0]));
    assert.equal(BigInt(await ctx.provider.getStorage(tokenAddr, balSlot)), await token.balanceOf(other.address));
    assert.equal(BigInt(await ctx.provider.getStorage(tokenAddr, balSlot, transferReceipt.blockNumber - 1)), 0n, 'storage at a past block');
    // Conformance.values mapping: find its slot among the first few declarations.
    const { key, value, receipt } = stores[0];
    let found = null;
    for (let p = 0; p < 8 && found === null; p++) {
      const slot = ethers.keccak256(abi.encode(['uint256', 'uint256'], [key, p]));
      if (BigInt(await ctx.provider.getStorage(confAddr, slot)) === value) found = slot;
    }
    assert.ok(found, 'values[key] is stored in a standard mapping slot');
    assert.equal(BigInt(await ctx.provider.getStorage(confAddr, found, receipt.blockNumber - 1)), 0n);
    // 32-byte word, zero-padded; unused slot is zero.
    assert.equal(await ctx.rpc('eth_getStorageAt', [confAddr, ethers.toBeHex(2n ** 200n, 32), 'latest']), ethers.ZeroHash);
  });

  it('nonces: latest, pending, and at past blocks', async () => {
    const n = await ctx.provider.getTransactionCount(signer.address, 'latest');
    assert.equal(await ctx.provider.getTransactionCount(signer.address, 'pending'), n);
    const { receipt } = stores[0];
    const tx = await ctx.provider.getTransaction(receipt.hash);
    assert.equal(await ctx.provider.getTransactionCount(signer.address, receipt.blockNumber), tx.nonce + 1);
    assert.equal(await ctx.provider.getTransactionCount(signer.address, receipt.blockNumber - 1), tx.nonce);
    await (await signer.sendTransaction({ to: other.address, value: 1n })).wait();
    assert.equal(await ctx.provider.getTransactionCount(signer.address, 'latest'), n + 1);
    assert.equal(await ctx.rpc('eth_getTransactionCount', [ethers.Wallet.createRandom().address, 'latest']), '0x0');
  });

  it('eth_call at latest, at a past block number, and by block hash (EIP-1898)', async () => {
    const key = KEY_BASE + 99n;
    const r1 = await (await conf.store(key, 1n)).wait();
    const r2 = await (await conf.store(key, 2n)).wait();
    const data = conf.interface.encodeFunctionData('get', [key]);
    const at = async (tag) => BigInt(await ctx.rpc('eth_call', [{ to: confAddr, data }, tag]));
    assert.equal(await at('latest'), 2n);
    assert.equal(await at(ethers.toQuantity(r2.blockNumber)), 2n);
    assert.equal(await at(ethers.toQuantity(r1.blockNumber)), 1n);
    assert.equal(await at(ethers.toQuantity(r1.blockNumber - 1)), 0n);
    assert.equal(await at({ blockHash: r1.blockHash }), 1n);
    assert.equal(await at({ blockNumber: ethers.toQuantity(r1.blockNumber) }), 1n);
    assert.equal(await conf.get(key, { blockTag: r1.blockNumber }), 1n);
    // Contract did not exist at genesis: the call returns empty data.
    assert.equal(await ctx.rpc('eth_call', [{ to: confAddr, data }, '0x0']), '0x');
    // Default block parameter is latest.
    assert.equal(BigInt(await ctx.rpc('eth_call', [{ to: confAddr, data }])), 2n);
    // eth_call with `from` and `value` works on a payable function, without changing state.
    const bal = await conf.balance();
    await ctx.rpc('eth_call', [{ from: signer.address, to: confAddr, value: '0x10', data: conf.interface.encodeFunctionData('deposit') }, 'latest']);
    assert.equal(await conf.balance(), bal);
  });
});
