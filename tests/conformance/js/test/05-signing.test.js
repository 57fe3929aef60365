'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const ethers = require('ethers');
const h = require('../lib/node');

describe('signing: EIP-712, personal_sign, eth_sign', () => {
  let ctx;
  let conf;
  let domain;
  const types = {
    Person: [
      { name: 'name', type: 'string' },
      { name: 'wallet', type: 'address' },
    ],
    Mail: [
      { name: 'from', type: 'Person' },
      { name: 'to', type: 'Person[]' },
      { name: 'contents', type: 'string' },
      { name: 'nonce', type: 'uint256' },
      { name: 'tag', type: 'bytes32' },
      { name: 'payload', type: 'bytes' },
      { name: 'urgent', type: 'bool' },
    ],
  };
  const value = {
    from: { name: 'Cow', wallet: '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826' },
    to: [
      { name: 'Bob', wallet: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB' },
      { name: 'Alice', wallet: '0xaAaAaAaaAaAaAaaAaAAAAAAAAaaaAaAaAaaAaaAa' },
    ],
    contents: 'Hello, Bob & Alice! — ünïcödé',
    nonce: 123456789012345678901234567890n,
    tag: ethers.id('tag'),
    payload: '0xdeadbeef00',
    urgent: true,
  };

  before(async () => {
    ctx = await h.setup();
    ({ contract: conf } = await h.deploy(await ctx.provider.getSigner(0), 'Conformance'));
    domain = { name: 'Poco Conformance', version: '1', chainId: 31337, verifyingContract: await conf.getAddress() };
  });
  after(async () => { if (ctx) await ctx.close(); });

  async function recoverOnChain(digest, sigHex) {
    const sig = ethers.Signature.from(sigHex);
    return conf.recover(digest, sig.v, sig.r, sig.s);
  }

  it('eth_signTypedData_v4 (JSON string) matches a local signature and verifies off- and on-chain', async () => {
    for (const i of [0, 3]) {
      const local = h.devWallet(i);
      const payload = ethers.TypedDataEncoder.getPayload(domain, types, value);
      const sig = await ctx.rpc('eth_signTypedData_v4', [local.address, JSON.stringify(payload)]);
      assert.match(sig, /^0x[0-9a-f]{130}$/);
      assert.ok(['1b', '1c'].includes(sig.slice(-2)), `v is 27/28, got 0x${sig.slice(-2)}`);
      const expected = await local.signTypedData(domain, types, value);
      assert.equal(sig, expected, 'RFC 6979 signatures are deterministic: node == local');
      assert.equal(ethers.verifyTypedData(domain, types, value, sig), local.address);
      const digest = ethers.TypedDataEncoder.hash(domain, types, value);
      assert.equal(await recoverOnChain(digest, sig), local.address);
    }
  });

  it('ethers JsonRpcSigner.signTypedData (the _signTypedData successor) agrees', async () => {
    const signer = await ctx.provider.getSigner(1);
    const sig = await signer.signTypedData(domain, types, value);
    assert.equal(sig, await h.devWallet(1).signTypedData(domain, types, value));
    assert.equal(ethers.verifyTypedData(domain, types, value, sig), signer.address);
  });

  it('eth_signTypedData_v4 with a minimal domain (no verifyingContract)', async () => {
    const d = { name: 'Min', chainId: 31337 };
    const t = { Ping: [{ name: 'n', type: 'uint8' }] };
    const v = { n: 7 };
    const local = h.devWallet(0);
    const sig = await ctx.rpc('eth_signTypedData_v4', [local.address, JSON.stringify(ethers.TypedDataEncoder.getPayload(d, t, v))]);
    assert.equal(sig, await local.signTypedData(d, t, v));
    assert.equal(await recoverOnChain(ethers.TypedDataEncoder.hash(d, t, v), sig), local.address);
  });

  it('personal_sign (hex-encoded UTF-8 and raw bytes) verifies off- and on-chain', async () => {
    const local = h.devWallet(0);
    for (const msg of ['hello poco', ethers.getBytes(ethers.id('32 raw bytes'))]) {
      const hex = typeof msg === 'string' ? ethers.hexlify(ethers.toUtf8Bytes(msg)) : ethers.hexlify(msg);
      const sig = await ctx.rpc('personal_sign', [hex, local.address]);
      assert.equal(sig, await local.signMessage(msg));
      assert.equal(ethers.verifyMessage(msg, sig), local.address);
      assert.equal(await recoverOnChain(ethers.hashMessage(msg), sig), local.address);
    }
    // ethers' JsonRpcSigner.signMessage uses personal_sign
    const signer = await ctx.provider.getSigner(2);
    const s2 = await signer.signMessage('from ethers');
    assert.equal(ethers.verifyMessage('from ethers', s2), signer.address);
    assert.equal(s2, await h.devWallet(2).signMessage('from ethers'));
  });

  it('eth_sign (address first) produces the same EIP-191 signature', async () => {
    const local = h.devWallet(4);
    const msg = 'eth_sign message';
    const sig = await ctx.rpc('eth_sign', [local.address, ethers.hexlify(ethers.toUtf8Bytes(msg))]);
    assert.equal(sig, await local.signMessage(msg));
    assert.equal(ethers.verifyMessage(msg, sig), local.address);
    assert.equal(await recoverOnChain(ethers.hashMessage(msg), sig), local.address);
  });

  it('signing for an account the node does not hold fails', async () => {
    const stranger = ethers.Wallet.createRandom().address;
    const r1 = await ctx.rpcRaw('personal_sign', ['0x1234', stranger]);
    assert.ok(r1.error, 'personal_sign for an unknown account is an error');
    const r2 = await ctx.rpcRaw('eth_sendTransaction', [{ from: stranger, to: stranger, value: '0x0' }]);
    assert.ok(r2.error, 'eth_sendTransaction from an unknown account is an error');
  });
});
