"""Dev methods: evm_snapshot/evm_revert, evm_increaseTime + evm_mine, evm_setAutomine, hardhat_/anvil_setBalance."""

import time

import pytest
from eth_account import Account
from web3 import Web3

import poco_node as pn
from conftest import wait_receipt

H = pn.hexstr


@pytest.fixture(scope="module")
def sender(accounts):
    return accounts[3]


@pytest.fixture(autouse=True, scope="module")
def restore_automine(ctx):
    yield
    ctx.rpc_raw("evm_setAutomine", [True])


def test_snapshot_revert(ctx, w3, conf, sender):
    key = time.time_ns()
    wait_receipt(w3, conf.functions.store(key, 1).transact({"from": sender}))
    stranger = Account.create().address
    height = w3.eth.block_number
    nonce = w3.eth.get_transaction_count(sender)
    sid = ctx.rpc("evm_snapshot")
    r = wait_receipt(w3, conf.functions.store(key, 2).transact({"from": sender}))
    wait_receipt(w3, w3.eth.send_transaction({"from": sender, "to": stranger, "value": 5}))
    assert conf.functions.get(key).call() == 2
    assert w3.eth.get_balance(stranger) == 5
    assert ctx.rpc("evm_revert", [sid]) is True
    assert conf.functions.get(key).call() == 1
    assert w3.eth.get_balance(stranger) == 0
    assert w3.eth.block_number == height
    assert w3.eth.get_transaction_count(sender) == nonce
    assert ctx.rpc("eth_getTransactionReceipt", [H(r["transactionHash"])]) is None
    assert ctx.rpc("evm_revert", [sid]) is False
    r2 = wait_receipt(w3, conf.functions.store(key, 3).transact({"from": sender}))
    assert r2["blockNumber"] == height + 1
    assert w3.eth.get_block(height + 1)["parentHash"] == w3.eth.get_block(height)["hash"]


def test_increase_time_and_mine(ctx, w3):
    before = w3.eth.get_block("latest")
    ctx.rpc("evm_increaseTime", [7200])
    ctx.rpc("evm_mine")
    after = w3.eth.get_block("latest")
    assert after["number"] == before["number"] + 1
    assert after["transactions"] == []
    assert after["parentHash"] == before["hash"]
    assert before["timestamp"] + 7200 <= after["timestamp"] < before["timestamp"] + 7200 + 120


def test_automine_off(ctx, w3, conf, sender, accounts):
    key = time.time_ns()
    height = w3.eth.block_number
    nonce = w3.eth.get_transaction_count(sender)
    assert ctx.rpc("evm_setAutomine", [False]) in (True, None)  # Hardhat: true, anvil: null
    try:
        h1 = w3.eth.send_transaction({"from": sender, "to": conf.address, "gas": 200000, "data": conf.encode_abi("store", [key, 1])})
        h2 = w3.eth.send_transaction({"from": sender, "to": conf.address, "gas": 200000, "data": conf.encode_abi("store", [key, 2])})
        time.sleep(0.3)
        assert w3.eth.block_number == height
        assert ctx.rpc("eth_getTransactionReceipt", [H(h1)]) is None
        pending = ctx.rpc("eth_getTransactionByHash", [H(h1)])
        assert pending is not None and pending["blockNumber"] is None and pending["blockHash"] is None
        assert int(ctx.rpc("eth_getTransactionByHash", [H(h2)])["nonce"], 16) == nonce + 1
        assert w3.eth.get_transaction_count(sender, "pending") == nonce + 2
        assert w3.eth.get_transaction_count(sender, "latest") == nonce
        assert conf.functions.get(key).call() == 0
        ctx.rpc("evm_mine")
        assert w3.eth.block_number == height + 1
        r1, r2 = w3.eth.get_transaction_receipt(h1), w3.eth.get_transaction_receipt(h2)
        assert r1["blockNumber"] == r2["blockNumber"] == height + 1
        assert (r1["transactionIndex"], r2["transactionIndex"]) == (0, 1)
        assert r2["cumulativeGasUsed"] == r1["gasUsed"] + r2["gasUsed"]
        assert (r1["logs"][0]["logIndex"], r2["logs"][0]["logIndex"]) == (0, 1)
        assert conf.functions.get(key).call() == 2
    finally:
        assert ctx.rpc("evm_setAutomine", [True]) in (True, None)
    assert wait_receipt(w3, w3.eth.send_transaction({"from": sender, "to": sender, "value": 1}))["status"] == 1


def test_set_balance(ctx, w3):
    who = Account.create().address
    amount = Web3.to_wei(123.456, "ether")
    assert ctx.rpc("hardhat_setBalance", [who, hex(amount)]) in (True, None)
    assert w3.eth.get_balance(who) == amount
    if not ctx.hardhat:
        ctx.rpc("anvil_setBalance", [who, hex(7 * 10**18)])
        assert w3.eth.get_balance(who) == 7 * 10**18
