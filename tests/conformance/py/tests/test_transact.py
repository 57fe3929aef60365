"""Transactions, receipts, blocks, logs, code, storage, nonces, eth_call at past blocks."""

import time

import pytest
from eth_abi import encode
from eth_account import Account
from eth_utils import keccak
from web3 import Web3

import poco_node as pn
from conftest import deploy, wait_receipt

H = pn.hexstr


@pytest.fixture(scope="module")
def sender(accounts):
    return accounts[3]


@pytest.fixture(scope="module")
def other(accounts):
    return accounts[4]


@pytest.fixture(scope="module")
def token(w3, sender, token_artifact):
    contract, _ = deploy(w3, token_artifact, sender, Web3.to_wei(1000, "ether"))
    return contract


@pytest.fixture(scope="module")
def stores(w3, conf, sender):
    """Three store() transactions: list of (key, value, receipt)."""
    base = time.time_ns()
    out = []
    for i in range(3):
        key, value = base + i, 1000 + i
        h = conf.functions.store(key, value).transact({"from": sender})
        out.append((key, value, wait_receipt(w3, h)))
    return out


@pytest.fixture(scope="module")
def transfer_receipt(w3, token, sender, other):
    h = token.functions.transfer(other, Web3.to_wei(12.5, "ether")).transact({"from": sender})
    return wait_receipt(w3, h)


def topic_addr(a: str) -> str:
    return "0x" + "00" * 12 + a[2:].lower()


def topic_uint(n: int) -> str:
    return "0x" + n.to_bytes(32, "big").hex()


def test_store_receipts_and_logs(w3, conf, sender, stores):
    stored_topic = H(keccak(text="Stored(address,uint256,uint256)"))
    for key, value, r in stores:
        assert r["status"] == 1
        assert r["to"] == conf.address
        assert r["contractAddress"] is None
        assert r["gasUsed"] > 21000
        assert r["cumulativeGasUsed"] >= r["gasUsed"]
        assert r["effectiveGasPrice"] > 0
        (log,) = r["logs"]
        assert log["address"] == conf.address
        assert [H(t) for t in log["topics"]] == [stored_topic, topic_addr(sender), topic_uint(key)]
        assert H(log["data"]) == "0x" + encode(["uint256"], [value]).hex()
        assert log["blockNumber"] == r["blockNumber"]
        assert log["blockHash"] == r["blockHash"]
        assert log["transactionHash"] == r["transactionHash"]
        assert log["logIndex"] == 0
        bloom = bytes(r["logsBloom"])
        assert H(bloom) != pn.ZERO_BLOOM
        assert pn.bloom_contains(bloom, bytes.fromhex(conf.address[2:]))
        for t in log["topics"]:
            assert pn.bloom_contains(bloom, bytes(t))
        (ev,) = conf.events.Stored().process_receipt(r)
        assert ev["args"] == {"by": sender, "key": key, "value": value}
        assert conf.functions.get(key).call() == value
        assert conf.functions.values(key).call() == value


def test_raw_receipt_shape(ctx, stores):
    _, _, r = stores[0]
    raw = ctx.rpc("eth_getTransactionReceipt", [H(r["transactionHash"])])
    for k in ("transactionHash", "transactionIndex", "blockHash", "blockNumber", "from", "to", "cumulativeGasUsed",
              "gasUsed", "contractAddress", "logs", "logsBloom", "status", "effectiveGasPrice", "type"):
        assert k in raw, k
    assert raw["status"] == "0x1"
    assert raw["logs"][0]["removed"] is False
    assert ctx.rpc("eth_getTransactionReceipt", [pn.ZERO_HASH]) is None
    assert ctx.rpc("eth_getTransactionByHash", [pn.ZERO_HASH]) is None


def test_token_transfer(w3, token, sender, other, transfer_receipt):
    r = transfer_receipt
    assert r["status"] == 1
    (ev,) = token.events.Transfer().process_receipt(r)
    assert ev["args"] == {"from": sender, "to": other, "value": Web3.to_wei(12.5, "ether")}
    assert token.functions.balanceOf(other).call() >= Web3.to_wei(12.5, "ether")
    assert token.functions.balanceOf(other).call(block_identifier=r["blockNumber"] - 1) == 0
    assert pn.bloom_contains(bytes(r["logsBloom"]), bytes.fromhex(token.address[2:]))


def test_plain_transfer(w3, sender):
    to = Account.create().address
    r = wait_receipt(w3, w3.eth.send_transaction({"from": sender, "to": to, "value": Web3.to_wei(0.25, "ether")}))
    assert r["status"] == 1
    assert r["gasUsed"] == 21000
    assert r["logs"] == []
    assert H(r["logsBloom"]) == pn.ZERO_BLOOM
    assert w3.eth.get_balance(to) == Web3.to_wei(0.25, "ether")


def test_deposit_and_balance(w3, conf, sender):
    before = w3.eth.get_balance(conf.address)
    wait_receipt(w3, conf.functions.deposit().transact({"from": sender, "value": 10**18}))
    assert w3.eth.get_balance(conf.address) == before + 10**18
    assert conf.functions.balance().call() == before + 10**18


def test_transaction_by_hash_and_index(ctx, w3, conf, sender, stores):
    key, value, r = stores[1]
    tx = w3.eth.get_transaction(r["transactionHash"])
    assert tx["hash"] == r["transactionHash"]
    assert tx["from"] == sender
    assert tx["to"] == conf.address
    assert tx["blockNumber"] == r["blockNumber"]
    assert tx["blockHash"] == r["blockHash"]
    assert tx["transactionIndex"] == r["transactionIndex"]
    assert tx["value"] == 0
    assert H(tx["input"]) == conf.encode_abi("store", [key, value]).lower()
    assert tx["chainId"] == pn.CHAIN_ID
    assert tx["gas"] >= r["gasUsed"]
    assert w3.eth.get_transaction_by_block(r["blockNumber"], r["transactionIndex"])["hash"] == r["transactionHash"]
    assert w3.eth.get_transaction_by_block(r["blockHash"], r["transactionIndex"])["hash"] == r["transactionHash"]
    assert w3.eth.get_block_transaction_count(r["blockNumber"]) == 1
    assert w3.eth.get_block_transaction_count(r["blockHash"]) == 1


def test_blocks(ctx, w3, conf, stores):
    _, _, r = stores[2]
    n = r["blockNumber"]
    thin = ctx.rpc("eth_getBlockByNumber", [hex(n), False])
    full = ctx.rpc("eth_getBlockByNumber", [hex(n), True])
    assert thin == ctx.rpc("eth_getBlockByHash", [H(r["blockHash"]), False])
    assert full == ctx.rpc("eth_getBlockByHash", [H(r["blockHash"]), True])
    assert thin["hash"] == H(r["blockHash"])
    assert thin["transactions"] == [H(r["transactionHash"])]
    assert full["transactions"][0] == ctx.rpc("eth_getTransactionByHash", [H(r["transactionHash"])])
    assert int(thin["gasUsed"], 16) == r["cumulativeGasUsed"]
    b = w3.eth.get_block(n, full_transactions=True)
    assert b["transactions"][0]["hash"] == r["transactionHash"]
    assert pn.bloom_contains(bytes(b["logsBloom"]), bytes.fromhex(conf.address[2:]))
    assert ctx.rpc("eth_getBlockByNumber", ["0xffffffff", False]) is None


def test_parent_hash_chain_and_timestamps(w3):
    latest = w3.eth.block_number
    prev = None
    for n in range(max(0, latest - 12), latest + 1):
        b = w3.eth.get_block(n)
        assert b["number"] == n
        if prev is not None:
            assert b["parentHash"] == prev["hash"], n
            assert b["timestamp"] >= prev["timestamp"], n
        prev = b


def test_get_logs_filters(ctx, w3, conf, token, sender, other, stores, transfer_receipt):
    first, last = stores[0][2]["blockNumber"], stores[2][2]["blockNumber"]
    rng = {"fromBlock": first, "toBlock": last}
    hashes = lambda logs: [l["transactionHash"] for l in logs]  # noqa: E731
    mine = [s[2]["transactionHash"] for s in stores]
    stored_topic = H(keccak(text="Stored(address,uint256,uint256)"))
    assert hashes(w3.eth.get_logs({**rng, "address": conf.address})) == mine
    assert len(w3.eth.get_logs({**rng, "address": [conf.address, token.address]})) == 3
    assert len(w3.eth.get_logs({**rng, "topics": [stored_topic]})) == 3
    assert hashes(w3.eth.get_logs({**rng, "topics": [stored_topic, None, topic_uint(stores[1][0])]})) == [mine[1]]
    assert hashes(w3.eth.get_logs({**rng, "topics": [None, None, [topic_uint(stores[0][0]), topic_uint(stores[2][0])]]})) == [mine[0], mine[2]]
    assert w3.eth.get_logs({**rng, "topics": [stored_topic, topic_addr(other)]}) == []
    assert hashes(w3.eth.get_logs({"fromBlock": last, "toBlock": last, "address": conf.address})) == [mine[2]]
    assert hashes(w3.eth.get_logs({"blockHash": stores[1][2]["blockHash"]})) == [mine[1]]
    assert w3.eth.get_logs({"fromBlock": 0, "toBlock": first - 1, "address": conf.address}) == []
    # web3 contract event API with argument filters
    evs = conf.events.Stored().get_logs(from_block=first, to_block=last, argument_filters={"key": stores[2][0]})
    assert [e["args"]["value"] for e in evs] == [stores[2][1]]
    t = token.events.Transfer().get_logs(from_block=transfer_receipt["blockNumber"], to_block=transfer_receipt["blockNumber"],
                                         argument_filters={"to": other})
    assert len(t) == 1


def test_code_and_storage(ctx, w3, conf, token, other, conf_artifact, stores, transfer_receipt):
    assert H(w3.eth.get_code(conf.address)) == conf_artifact["deployedBytecode"].lower()
    assert w3.eth.get_code(conf.address, 0) == b""
    # OpenZeppelin 5 ERC20 layout: _balances @0, _totalSupply @2, _name @3.
    assert int.from_bytes(w3.eth.get_storage_at(token.address, 2), "big") == token.functions.totalSupply().call()
    name_slot = b"Test Token" + bytes(21) + bytes([20])
    assert bytes(w3.eth.get_storage_at(token.address, 3)) == name_slot
    bal_slot = keccak(encode(["address", "uint256"], [other, 0]))
    assert int.from_bytes(w3.eth.get_storage_at(token.address, bal_slot), "big") == token.functions.balanceOf(other).call()
    assert int.from_bytes(w3.eth.get_storage_at(token.address, bal_slot, transfer_receipt["blockNumber"] - 1), "big") == 0
    key, value, r = stores[0]
    slots = [keccak(encode(["uint256", "uint256"], [key, p])) for p in range(8)]
    found = [s for s in slots if int.from_bytes(w3.eth.get_storage_at(conf.address, s), "big") == value]
    assert found, "values[key] lives in a standard mapping slot"
    assert int.from_bytes(w3.eth.get_storage_at(conf.address, found[0], r["blockNumber"] - 1), "big") == 0


def test_nonces(w3, sender, stores):
    n = w3.eth.get_transaction_count(sender)
    assert w3.eth.get_transaction_count(sender, "pending") == n
    _, _, r = stores[0]
    nonce = w3.eth.get_transaction(r["transactionHash"])["nonce"]
    assert w3.eth.get_transaction_count(sender, r["blockNumber"]) == nonce + 1
    assert w3.eth.get_transaction_count(sender, r["blockNumber"] - 1) == nonce
    wait_receipt(w3, w3.eth.send_transaction({"from": sender, "to": sender, "value": 1}))
    assert w3.eth.get_transaction_count(sender) == n + 1


def test_call_latest_and_past_block(ctx, w3, conf, sender):
    key = time.time_ns() + 99
    r1 = wait_receipt(w3, conf.functions.store(key, 1).transact({"from": sender}))
    r2 = wait_receipt(w3, conf.functions.store(key, 2).transact({"from": sender}))
    get = conf.functions.get(key)
    assert get.call() == 2
    assert get.call(block_identifier="latest") == 2
    assert get.call(block_identifier=r2["blockNumber"]) == 2
    assert get.call(block_identifier=r1["blockNumber"]) == 1
    assert get.call(block_identifier=r1["blockNumber"] - 1) == 0
    assert get.call(block_identifier=r1["blockHash"]) == 1
    data = conf.encode_abi("get", [key])
    assert int(ctx.rpc("eth_call", [{"to": conf.address, "data": data}, hex(r1["blockNumber"])]), 16) == 1
    assert ctx.rpc("eth_call", [{"to": conf.address, "data": data}, "0x0"]) == "0x"
