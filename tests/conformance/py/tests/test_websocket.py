"""WebSocket: web3.py WebSocketProvider, eth_subscribe newHeads and logs while transactions are sent."""

import asyncio
import time

import pytest
from eth_utils import keccak
from web3 import AsyncWeb3, WebSocketProvider
from web3.exceptions import Web3RPCError

import poco_node as pn
from conftest import wait_receipt

H = pn.hexstr
TIMEOUT = 20


@pytest.fixture(scope="module")
def sender(accounts):
    return accounts[3]


async def collect(w3, want: dict, timeout=TIMEOUT) -> dict:
    """Reads subscription messages until `want[sub_id]` messages arrived for every id."""
    got = {k: [] for k in want}

    async def loop():
        async for msg in w3.socket.process_subscriptions():
            sid = msg["subscription"]
            if sid in got:
                got[sid].append(msg["result"])
            if all(len(got[k]) >= n for k, n in want.items()):
                return

    await asyncio.wait_for(loop(), timeout)
    return got


def test_ws_plain_requests(ctx):
    async def run():
        async with AsyncWeb3(WebSocketProvider(ctx.ws_url)) as w3:
            assert await w3.is_connected()
            assert await w3.eth.chain_id == 31337
            assert await w3.eth.block_number >= 0
            assert (await w3.eth.accounts)[0] == pn.FIRST_ACCOUNT

    asyncio.run(run())


def test_new_heads_subscription(ctx, w3, sender):
    def send(n):
        return [wait_receipt(w3, w3.eth.send_transaction({"from": sender, "to": sender, "value": 1})) for _ in range(n)]

    async def run():
        async with AsyncWeb3(WebSocketProvider(ctx.ws_url)) as aw3:
            sub = await aw3.eth.subscribe("newHeads")
            assert isinstance(sub, str) and sub.startswith("0x")
            sending = asyncio.create_task(asyncio.to_thread(send, 3))
            got = await collect(aw3, {sub: 3})
            receipts = await sending
            heads = got[sub][:3]
            assert [h["number"] for h in heads] == [r["blockNumber"] for r in receipts]
            for head, r in zip(heads, receipts):
                assert head["hash"] == r["blockHash"]
                block = w3.eth.get_block(r["blockNumber"])
                for k in ("parentHash", "timestamp", "stateRoot", "transactionsRoot", "receiptsRoot", "gasUsed", "gasLimit", "miner"):
                    assert head[k] == block[k], k
            assert heads[1]["parentHash"] == heads[0]["hash"]
            assert await aw3.eth.unsubscribe(sub) is True

    asyncio.run(run())


def test_logs_subscription(ctx, w3, conf, sender, accounts):
    other = accounts[4]
    stored_topic = H(keccak(text="Stored(address,uint256,uint256)"))
    me = "0x" + "00" * 12 + sender[2:].lower()
    key = time.time_ns()

    def send():
        out = []
        out.append(wait_receipt(w3, conf.functions.store(key, 1).transact({"from": sender})))
        out.append(wait_receipt(w3, conf.functions.store(key, 2).transact({"from": other})))
        out.append(wait_receipt(w3, w3.eth.send_transaction({"from": sender, "to": sender, "value": 1})))
        out.append(wait_receipt(w3, conf.functions.store(key + 1, 3).transact({"from": sender})))
        return out

    async def run():
        async with AsyncWeb3(WebSocketProvider(ctx.ws_url)) as aw3:
            mine = await aw3.eth.subscribe("logs", {"address": conf.address, "topics": [stored_topic, me]})
            every = await aw3.eth.subscribe("logs", {"address": conf.address})
            assert mine != every
            sending = asyncio.create_task(asyncio.to_thread(send))
            got = await collect(aw3, {mine: 2, every: 3})
            r1, r2, _, r4 = await sending
            assert [l["transactionHash"] for l in got[mine]] == [r1["transactionHash"], r4["transactionHash"]]
            assert [l["transactionHash"] for l in got[every][:3]] == [r1["transactionHash"], r2["transactionHash"], r4["transactionHash"]]
            log = got[mine][0]
            assert log["address"] == conf.address
            assert [H(t) for t in log["topics"]] == [stored_topic, me, "0x" + key.to_bytes(32, "big").hex()]
            assert int.from_bytes(bytes(log["data"]), "big") == 1
            assert log["blockHash"] == r1["blockHash"]
            assert log["blockNumber"] == r1["blockNumber"]
            assert log["logIndex"] == 0
            assert log["removed"] is False
            assert await aw3.eth.unsubscribe(mine) is True
            assert await aw3.eth.unsubscribe(every) is True

    asyncio.run(run())


def test_raw_eth_subscribe_over_ws(ctx, w3, sender):
    """Raw frames through web3's socket: eth_subscribe / eth_unsubscribe results (the JS suite covers bad types)."""

    async def run():
        async with AsyncWeb3(WebSocketProvider(ctx.ws_url)) as aw3:
            res = await aw3.provider.make_request("eth_subscribe", ["newHeads"])
            sid = res["result"]
            res = await aw3.provider.make_request("eth_unsubscribe", [sid])
            assert res["result"] is True
            try:
                res = await aw3.provider.make_request("eth_unsubscribe", [sid])
                assert res.get("result") is False, res
            except Web3RPCError:
                pass  # an error is acceptable for an unknown subscription id

    asyncio.run(run())
