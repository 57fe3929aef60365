'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const ethers = require('ethers');
const h = require('../lib/node');

describe('WebSocket: JSON-RPC, newHeads and logs subscriptions', () => {
  let ctx;
  let signer; // dev 0 over HTTP
  let conf; // over HTTP
  let confAddr;
  let storedTopic;

  before(async () => {
    ctx = await h.setup();
    signer = await ctx.provider.getSigner(0);
    ({ contract: conf } = await h.deploy(signer, 'Conformance'));
    confAddr = await conf.getAddress();
    storedTopic = conf.interface.getEvent('Stored').topicHash;
  });
  after(async () => { if (ctx) await ctx.close(); });

  describe('raw eth_subscribe', () => {
    let ws;
    before(async () => { ws = await h.WsClient.connect(ctx.wsUrl); });
    after(async () => { if (ws) await ws.close(); });

    it('serves plain JSON-RPC calls and batches on the WebSocket', async () => {
      assert.equal(await ws.request('eth_chainId'), '0x7a69');
      const bn = await ws.request('eth_blockNumber');
      assert.equal(BigInt(bn), BigInt(await ctx.rpc('eth_blockNumber')));
      const res = await ws.batch([['eth_chainId', []], ['net_version', []]]);
      assert.equal(res.length, 2);
      const byId = Object.fromEntries(res.map((r) => [r.id, r.result]));
      assert.deepEqual(Object.values(byId).sort(), ['0x7a69', '31337'].sort());
    });

    it('newHeads: one notification per mined block, matching eth_getBlockByNumber', async () => {
      const sub = await ws.request('eth_subscribe', ['newHeads']);
      assert.match(sub, /^0x[0-9a-f]+$/i, 'subscription id is hex');
      const receipts = [];
      for (let i = 0; i < 3; i++) {
        receipts.push(await (await signer.sendTransaction({ to: h.devWallet(2).address, value: 1n })).wait());
      }
      const heads = await ws.take(sub, 3);
      assert.deepEqual(heads.map((x) => BigInt(x.number)), receipts.map((r) => BigInt(r.blockNumber)));
      for (let i = 0; i < 3; i++) {
        const head = heads[i];
        assert.equal(head.hash, receipts[i].blockHash);
        const block = await ctx.rpc('eth_getBlockByNumber', [head.number, false]);
        for (const k of ['hash', 'parentHash', 'number', 'timestamp', 'stateRoot', 'transactionsRoot', 'receiptsRoot', 'logsBloom', 'gasLimit', 'gasUsed', 'miner', 'baseFeePerGas']) {
          assert.equal(head[k], block[k], `newHeads.${k}`);
        }
        if (i > 0) assert.equal(head.parentHash, heads[i - 1].hash);
      }
      assert.equal(await ws.request('eth_unsubscribe', [sub]), true);
      await (await signer.sendTransaction({ to: h.devWallet(2).address, value: 1n })).wait();
      await h.sleep(300);
      assert.equal(ws.peek(sub).length, 0, 'no notification after eth_unsubscribe');
      assert.equal(await ws.request('eth_unsubscribe', [sub]), false, 'second unsubscribe returns false');
    });

    it('logs: filtered by address and topics, standard log objects', async () => {
      const me = ethers.zeroPadValue(signer.address, 32).toLowerCase();
      const sub = await ws.request('eth_subscribe', ['logs', { address: confAddr, topics: [storedTopic, me] }]);
      const subAll = await ws.request('eth_subscribe', ['logs', { address: confAddr }]);
      assert.notEqual(sub, subAll);
      const key = BigInt(Date.now());
      const r1 = await (await conf.store(key, 11n)).wait();
      // From another account: matches subAll only.
      const other = await ctx.provider.getSigner(2);
      const r2 = await (await conf.connect(other).store(key, 22n)).wait();
      const r3 = await (await conf.store(key + 1n, 33n)).wait();
      const mine = await ws.take(sub, 2);
      const all = await ws.take(subAll, 3);
      assert.deepEqual(mine.map((l) => l.transactionHash), [r1.hash, r3.hash]);
      assert.deepEqual(all.map((l) => l.transactionHash), [r1.hash, r2.hash, r3.hash]);
      const l = mine[0];
      assert.equal(l.address, confAddr.toLowerCase());
      assert.deepEqual(l.topics, [storedTopic, me, ethers.toBeHex(key, 32)]);
      assert.equal(BigInt(l.data), 11n);
      assert.equal(l.blockHash, r1.blockHash);
      assert.equal(BigInt(l.blockNumber), BigInt(r1.blockNumber));
      assert.equal(l.logIndex, '0x0');
      assert.equal(l.transactionIndex, '0x0');
      assert.equal(l.removed, false);
      await h.sleep(200);
      assert.equal(ws.peek(sub).length, 0, 'no extra notifications');
      assert.equal(await ws.request('eth_unsubscribe', [sub]), true);
      assert.equal(await ws.request('eth_unsubscribe', [subAll]), true);
    });

    it('unknown subscription type is an error', async () => {
      const res = await ws.requestRaw('eth_subscribe', ['noSuchThing']);
      assert.ok(res.error, JSON.stringify(res));
    });
  });

  describe('ethers WebSocketProvider', () => {
    let wsp;
    before(async () => { wsp = new ethers.WebSocketProvider(ctx.wsUrl); await wsp.getNetwork(); });
    after(async () => { if (wsp) await wsp.destroy(); });

    // Keep sending `send()` until `seen()` (the subscription is live), at most 20 tries.
    async function warmUp(send, seen) {
      for (let i = 0; i < 20; i++) {
        await send();
        try { await h.waitFor(seen, { timeout: 500, what: 'subscription' }); return; } catch (_) { /* retry */ }
      }
      throw new Error('subscription never delivered');
    }

    it("provider.on('block') reports every new block while transactions are sent", async () => {
      assert.equal((await wsp.getNetwork()).chainId, h.CHAIN_ID);
      const seen = [];
      const listener = (n) => seen.push(n);
      await wsp.on('block', listener);
      const to = h.devWallet(2).address;
      await warmUp(async () => { await (await signer.sendTransaction({ to, value: 1n })).wait(); }, () => seen.length > 0);
      const blocks = [];
      for (let i = 0; i < 3; i++) blocks.push((await (await signer.sendTransaction({ to, value: 1n })).wait()).blockNumber);
      await h.waitFor(() => blocks.every((b) => seen.includes(b)), { what: `blocks ${blocks} in ${seen}` });
      await wsp.off('block', listener);
    });

    it('contract event filter (indexed args) delivers matching Stored events only', async () => {
      const wsConf = new ethers.Contract(confAddr, conf.interface, wsp);
      const got = [];
      const filter = wsConf.filters.Stored(signer.address);
      // A deferred topic filter delivers a ContractUnknownEventPayload-style
      // payload (last argument); decode its log with the ABI.
      const listener = (...args) => {
        const { log } = args[args.length - 1];
        const [by, key, value] = conf.interface.parseLog(log).args;
        got.push({ by, key, value, hash: log.transactionHash });
      };
      await wsConf.on(filter, listener);
      // By event name: decoded arguments, any sender.
      const byName = [];
      const nameListener = (by, key, value, payload) => byName.push({ by, key, value, hash: payload.log.transactionHash });
      await wsConf.on('Stored', nameListener);
      const base = BigInt(Date.now()) * 10n;
      await warmUp(async () => { await (await conf.store(base, 1n)).wait(); }, () => got.length > 0 && byName.length > 0);
      await h.sleep(200);
      got.length = 0;
      byName.length = 0;
      const other = await ctx.provider.getSigner(2);
      const r1 = await (await conf.store(base + 1n, 101n)).wait();
      await (await conf.connect(other).store(base + 2n, 202n)).wait();
      const r3 = await (await conf.store(base + 3n, 303n)).wait();
      await h.waitFor(() => got.length >= 2, { what: 'two Stored events' });
      await h.sleep(300);
      assert.deepEqual(got.map((g) => g.hash), [r1.hash, r3.hash]);
      assert.deepEqual(got.map((g) => [g.by, g.key, g.value]), [[signer.address, base + 1n, 101n], [signer.address, base + 3n, 303n]]);
      await h.waitFor(() => byName.length >= 3, { what: 'three Stored events by name' });
      assert.deepEqual(byName.map((g) => g.value), [101n, 202n, 303n]);
      assert.equal(byName[1].by, other.address);
      await wsConf.off(filter, listener);
      await wsConf.off('Stored', nameListener);
    });

    it('sends transactions over the WebSocket too (eth_sendTransaction + receipt)', async () => {
      const wsSigner = await wsp.getSigner(0);
      const wsConf = new ethers.Contract(confAddr, conf.interface, wsSigner);
      const r = await (await wsConf.store(77n, 78n)).wait();
      assert.equal(r.status, 1);
      assert.equal(await wsConf.get(77n), 78n);
    });
  });
});
