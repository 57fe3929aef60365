"""eth_estimateGas, revert reasons (call / estimate / sent), custom errors, rejected transactions."""

import time

import pytest
from eth_abi import decode
from eth_account import Account
from eth_utils import keccak
from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError, Web3RPCError

import poco_node as pn
from conftest import wait_receipt

BOOM = pn.error_string_data("boom")


@pytest.fixture(scope="module")
def sender(accounts):
    return accounts[3]


@pytest.fixture(scope="module")
def wallet():
    return pn.dev_account(5)


def custom_data(code: int) -> str:
    return "0x" + keccak(text="Custom(uint256)")[:4].hex() + code.to_bytes(32, "big").hex()


def check_revert_error(ctx, err, expected_data, reason=None):
    assert pn.revert_data_of(err, ctx.hardhat) == expected_data, err
    if reason is not None:
        assert reason in err["message"], err
    if ctx.hardhat:
        assert err["code"] in (3, -32603), err  # Hardhat: -32603
    else:
        assert err["code"] == 3, err
        assert "execution reverted" in err["message"].lower(), err


def send_reverting(ctx, method, params):
    """Standard: hash returned, status-0 receipt mined. Hardhat: error with data.txHash (tx still mined)."""
    res = ctx.rpc_raw(method, params)
    if "error" in res:
        assert ctx.hardhat, f"{method} of a reverting transaction must return its hash, got {res['error']}"
        return res["error"]["data"]["txHash"]
    return res["result"]


def test_plain_transfer_estimate(ctx, w3, sender):
    est = w3.eth.estimate_gas({"from": sender, "to": Account.create().address, "value": 1})
    if ctx.hardhat:
        assert est in (21000, 21001)  # Hardhat answers 21001
    else:
        assert est == 21000


def test_estimate_grows_with_fill_and_estimate_suffices(ctx, w3, conf, sender):
    est = lambda n: conf.functions.fill(n).estimate_gas({"from": sender})  # noqa: E731
    e1, e10, e40 = est(1), est(10), est(40)
    assert e1 > 21000
    assert e10 > e1 + 9 * 20000
    assert e40 > e10 + 30 * 20000
    h = conf.functions.fill(40).transact({"from": sender, "gas": e40})
    r = wait_receipt(w3, h)
    assert r["status"] == 1
    assert r["gasUsed"] <= e40
    assert w3.eth.get_transaction(h)["gas"] == e40
    # web3 fills gas from eth_estimateGas itself
    assert wait_receipt(w3, conf.functions.fill(25).transact({"from": sender}))["status"] == 1


def test_estimate_covers_refunds(w3, conf, sender):
    key = time.time_ns()
    wait_receipt(w3, conf.functions.store(key, 7).transact({"from": sender}))
    e = conf.functions.store(key, 0).estimate_gas({"from": sender})
    r = wait_receipt(w3, conf.functions.store(key, 0).transact({"from": sender, "gas": e}))
    assert r["status"] == 1, f"store(k, 0) with gas = estimate {e} must succeed (gasUsed {r['gasUsed']})"
    assert r["gasUsed"] < e
    assert conf.functions.get(key).call() == 0


def test_call_revert_reason(ctx, conf):
    err = ctx.rpc_error("eth_call", [{"to": conf.address, "data": conf.encode_abi("failWith", ["boom"])}, "latest"])
    check_revert_error(ctx, err, BOOM, "boom")


def test_estimate_revert_reason(ctx, conf, sender):
    err = ctx.rpc_error("eth_estimateGas", [{"from": sender, "to": conf.address, "data": conf.encode_abi("failWith", ["boom"])}])
    check_revert_error(ctx, err, BOOM, "boom")


def test_web3_surfaces_revert_reason(ctx, conf, sender):
    with pytest.raises(ContractLogicError) as ei:
        conf.functions.failWith("boom").call()
    assert "boom" in ei.value.message
    if not ctx.hardhat:
        assert ei.value.message == "execution reverted: boom"
        assert ei.value.data == BOOM
    with pytest.raises(ContractLogicError) as ei:
        conf.functions.failWith("boom").estimate_gas({"from": sender})
    assert "boom" in ei.value.message
    with pytest.raises(ContractLogicError):
        conf.functions.failWith("boom").transact({"from": sender})  # web3 estimates first


def test_custom_error(ctx, conf, sender):
    expected = custom_data(42)
    err = ctx.rpc_error("eth_call", [{"to": conf.address, "data": conf.encode_abi("failCustom", [42])}, "latest"])
    check_revert_error(ctx, err, expected)
    data = pn.revert_data_of(err, ctx.hardhat)
    assert data[:10] == "0x" + keccak(text="Custom(uint256)")[:4].hex()
    assert decode(["uint256"], bytes.fromhex(data[10:])) == (42,)
    err = ctx.rpc_error("eth_estimateGas", [{"from": sender, "to": conf.address, "data": conf.encode_abi("failCustom", [42])}])
    check_revert_error(ctx, err, expected)
    if not ctx.hardhat:  # web3 only decodes string data (Hardhat nests it in an object)
        with pytest.raises(ContractCustomError) as ei:
            conf.functions.failCustom(42).call()
        assert ei.value.data == expected


def test_sent_transaction_reverts_with_status_0(ctx, w3, conf, sender):
    tx = {"from": sender, "to": conf.address, "data": conf.encode_abi("failWith", ["boom"]), "gas": hex(200000)}
    h = send_reverting(ctx, "eth_sendTransaction", [tx])
    raw = pn.wait_for(lambda: ctx.rpc("eth_getTransactionReceipt", [h]), what="receipt")
    assert raw["status"] == "0x0"
    assert raw["logs"] == []
    assert 21000 < int(raw["gasUsed"], 16) < 200000
    # Replay at the parent block (one tx per block under instant mining) to read the reason.
    parent = hex(int(raw["blockNumber"], 16) - 1)
    err = ctx.rpc_error("eth_call", [{k: tx[k] for k in ("from", "to", "data", "gas")}, parent])
    check_revert_error(ctx, err, BOOM, "boom")
    r = w3.eth.wait_for_transaction_receipt(h)
    assert r["status"] == 0


def test_raw_transaction_reverts_with_status_0(ctx, w3, conf, wallet):
    nonce = w3.eth.get_transaction_count(wallet.address)
    base = w3.eth.get_block("latest")["baseFeePerGas"]
    tx = {"type": 2, "chainId": pn.CHAIN_ID, "nonce": nonce, "to": conf.address, "value": 0, "gas": 150000,
          "data": conf.encode_abi("failCustom", [7]), "maxFeePerGas": base * 2 + 10**9, "maxPriorityFeePerGas": 10**9}
    signed = Account.sign_transaction(tx, wallet.key)
    h = send_reverting(ctx, "eth_sendRawTransaction", [Web3.to_hex(signed.raw_transaction)])
    assert h == Web3.to_hex(signed.hash)
    raw = pn.wait_for(lambda: ctx.rpc("eth_getTransactionReceipt", [h]), what="receipt")
    assert raw["status"] == "0x0"
    assert w3.eth.get_transaction_count(wallet.address) == nonce + 1
    parent = hex(int(raw["blockNumber"], 16) - 1)
    err = ctx.rpc_error("eth_call", [{"from": wallet.address, "to": conf.address, "data": tx["data"]}, parent])
    check_revert_error(ctx, err, custom_data(7))


def test_nonce_too_low(ctx, w3, wallet, sender):
    wait_receipt(w3, w3.eth.send_raw_transaction(Account.sign_transaction({
        "chainId": pn.CHAIN_ID, "nonce": w3.eth.get_transaction_count(wallet.address), "to": wallet.address,
        "value": 1, "gas": 21000, "gasPrice": w3.eth.gas_price * 2}, wallet.key).raw_transaction))
    nonce = w3.eth.get_transaction_count(wallet.address)
    signed = Account.sign_transaction({"chainId": pn.CHAIN_ID, "nonce": nonce - 1, "to": sender, "value": 1,
                                       "gas": 21000, "gasPrice": w3.eth.gas_price * 2}, wallet.key)
    err = ctx.rpc_error("eth_sendRawTransaction", [Web3.to_hex(signed.raw_transaction)])
    assert "nonce" in err["message"].lower() and "too low" in err["message"].lower(), err
    assert err["code"] in (-32000, -32003), err
    with pytest.raises(Web3RPCError):
        w3.eth.send_raw_transaction(signed.raw_transaction)
    err = ctx.rpc_error("eth_sendTransaction", [{"from": sender, "to": wallet.address, "value": "0x1", "nonce": "0x0"}])
    assert "nonce" in err["message"].lower() and "too low" in err["message"].lower(), err
    assert w3.eth.get_transaction_count(wallet.address) == nonce


def test_insufficient_funds(ctx, w3, sender):
    empty = Account.create()
    base = w3.eth.get_block("latest")["baseFeePerGas"]
    signed = Account.sign_transaction({"type": 2, "chainId": pn.CHAIN_ID, "nonce": 0, "to": sender, "value": 1, "gas": 21000,
                                       "maxFeePerGas": base * 2 + 10**9, "maxPriorityFeePerGas": 10**9}, empty.key)
    err = ctx.rpc_error("eth_sendRawTransaction", [Web3.to_hex(signed.raw_transaction)])
    assert err["code"] in (-32000, -32003), err
    pattern = ("insufficient funds", "enough funds") if ctx.hardhat else ("insufficient funds",)
    assert any(p in err["message"].lower() for p in pattern), err
    bal = w3.eth.get_balance(sender)
    err = ctx.rpc_error("eth_sendTransaction", [{"from": sender, "to": empty.address, "value": hex(bal + 1), "gas": "0x5208"}])
    assert any(p in err["message"].lower() for p in pattern), err
    assert w3.eth.get_balance(empty.address) == 0
    if not ctx.hardhat:  # Hardhat's estimator ignores the balance
        err = ctx.rpc_error("eth_estimateGas", [{"from": sender, "to": empty.address, "value": hex(bal + 1)}])
        assert "insufficient funds" in err["message"].lower(), err


def test_wrong_chain_id_rejected(ctx, w3, wallet, sender):
    signed = Account.sign_transaction({"chainId": 1, "nonce": w3.eth.get_transaction_count(wallet.address), "to": sender,
                                       "value": 1, "gas": 21000, "gasPrice": w3.eth.gas_price * 2}, wallet.key)
    err = ctx.rpc_error("eth_sendRawTransaction", [Web3.to_hex(signed.raw_transaction)])
    assert err["code"] < 0
