"""HTTP polling filters (web3 filter API and raw), JSON-RPC batches (raw and web3 batch_requests)."""

import time

import pytest
from eth_account import Account
from eth_utils import keccak

import poco_node as pn
from conftest import wait_receipt

H = pn.hexstr


@pytest.fixture(scope="module")
def sender(accounts):
    return accounts[3]


def ping(w3, sender):
    return wait_receipt(w3, w3.eth.send_transaction({"from": sender, "to": sender, "value": 1}))


def test_block_filter(ctx, w3, sender):
    head = w3.eth.get_block("latest")
    f = w3.eth.filter("latest")
    initial = f.get_new_entries()
    if ctx.hardhat and len(initial) == 1:
        assert initial == [head["hash"]]  # Hardhat also reports the block latest at install time
    else:
        assert initial == []
    r1, r2 = ping(w3, sender), ping(w3, sender)
    assert f.get_new_entries() == [r1["blockHash"], r2["blockHash"]]
    assert f.get_new_entries() == []
    assert w3.eth.uninstall_filter(f.filter_id) is True
    assert w3.eth.uninstall_filter(f.filter_id) is False


def test_log_filter_raw(ctx, w3, conf, sender, accounts):
    stored = H(keccak(text="Stored(address,uint256,uint256)"))
    me = "0x" + "00" * 12 + sender[2:].lower()
    start = w3.eth.block_number
    fid = ctx.rpc("eth_newFilter", [{"fromBlock": hex(start + 1), "address": conf.address, "topics": [stored, me]}])
    key = time.time_ns()
    r1 = wait_receipt(w3, conf.functions.store(key, 1).transact({"from": sender}))
    ping(w3, sender)
    wait_receipt(w3, conf.functions.store(key, 2).transact({"from": accounts[4]}))
    r3 = wait_receipt(w3, conf.functions.store(key, 3).transact({"from": sender}))
    changes = ctx.rpc("eth_getFilterChanges", [fid])
    assert [l["transactionHash"] for l in changes] == [H(r1["transactionHash"]), H(r3["transactionHash"])]
    assert ctx.rpc("eth_getFilterChanges", [fid]) == []
    logs = ctx.rpc("eth_getFilterLogs", [fid])
    if not (ctx.hardhat and logs == []):  # Hardhat returns only unpolled changes here
        assert [l["transactionHash"] for l in logs] == [H(r1["transactionHash"]), H(r3["transactionHash"])]
    assert ctx.rpc("eth_uninstallFilter", [fid]) is True
    res = ctx.rpc_raw("eth_getFilterChanges", [fid])
    if not (ctx.hardhat and res.get("result") is None):  # Hardhat: null for unknown filters
        assert "error" in res, res


def test_contract_event_filter(ctx, w3, conf, sender, accounts):
    ping(w3, sender)  # keep Hardhat's "latest block at install" quirk out of the way
    key = time.time_ns()
    f = conf.events.Stored.create_filter(from_block="latest", argument_filters={"by": sender})
    wait_receipt(w3, conf.functions.store(key, 10).transact({"from": sender}))
    wait_receipt(w3, conf.functions.store(key, 20).transact({"from": accounts[4]}))
    wait_receipt(w3, conf.functions.store(key, 30).transact({"from": sender}))
    entries = f.get_new_entries()
    assert [e["args"]["value"] for e in entries] == [10, 30]
    assert all(e["args"]["by"] == sender for e in entries)
    assert f.get_new_entries() == []
    assert w3.eth.uninstall_filter(f.filter_id) is True


def test_raw_batch_ids_and_order(ctx, w3):
    addr = pn.dev_account(9).address
    body = [
        {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []},
        {"jsonrpc": "2.0", "id": "two", "method": "net_version", "params": []},
        {"jsonrpc": "2.0", "id": 3, "method": "eth_getBalance", "params": [addr, "latest"]},
        {"jsonrpc": "2.0", "id": 4, "method": "eth_getBlockByNumber", "params": ["0x0", False]},
        {"jsonrpc": "2.0", "id": 5, "method": "no_suchMethod", "params": []},
        {"jsonrpc": "2.0", "id": 6, "method": "eth_blockNumber", "params": []},
    ]
    status, res, _ = pn.raw_post(ctx.url, body)
    assert status == 200
    assert isinstance(res, list)
    assert [r["id"] for r in res] == [1, "two", 3, 4, 5, 6]
    assert all(r["jsonrpc"] == "2.0" for r in res)
    assert res[0]["result"] == "0x7a69"
    assert res[1]["result"] == "31337"
    assert int(res[2]["result"], 16) == w3.eth.get_balance(addr)
    assert res[3]["result"]["number"] == "0x0"
    assert "error" in res[4] and "result" not in res[4]
    assert res[4]["error"]["code"] in ((-32601, -32004) if ctx.hardhat else (-32601,))
    assert int(res[5]["result"], 16) >= 0


def test_web3_batch_requests(w3, accounts):
    with w3.batch_requests() as batch:
        batch.add(w3.eth.get_block(0))
        batch.add(w3.eth.get_balance(accounts[9]))
        batch.add(w3.eth.get_transaction_count(accounts[9]))
        batch.add(w3.eth.get_code(Account.create().address))
        block0, bal, nonce, code = batch.execute()
    assert block0["number"] == 0
    assert bal == w3.to_wei(10000, "ether")
    assert nonce == 0
    assert code == b""


def test_envelope_errors(ctx):
    _, res, _ = pn.raw_post(ctx.url, '{"jsonrpc":"2.0","id":1,"method":')
    assert res["id"] is None and res["error"]["code"] == -32700
    res = ctx.rpc_raw("no_suchMethod", [])
    assert res["error"]["code"] in ((-32601, -32004) if ctx.hardhat else (-32601,))
    res = ctx.rpc_raw("eth_getBalance", ["not-an-address", "latest"])
    assert res["error"]["code"] == -32602
    _, res, _ = pn.raw_post(ctx.url, [])
    if ctx.hardhat:
        assert res == []  # Hardhat answers [] (JSON-RPC 2.0: a single -32600 error)
    else:
        assert isinstance(res, dict) and res["error"]["code"] == -32600
