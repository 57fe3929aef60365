"""Contract deployment via eth_sendTransaction and via locally signed raw transactions (types 0, 1, 2)."""

import pytest
from eth_account import Account
from eth_utils import keccak, to_checksum_address
from web3 import Web3

import poco_node as pn
from conftest import deploy, wait_receipt


def check_deployment(ctx, w3, tx_hash, sender, artifact, expect_type, ctor_args=()):
    r = wait_receipt(w3, tx_hash)
    assert r["status"] == 1
    assert r["to"] is None
    assert r["from"] == sender
    assert r["type"] == expect_type
    tx = w3.eth.get_transaction(tx_hash)
    assert tx["to"] is None
    assert tx["type"] == expect_type
    if expect_type != 0 or "chainId" in tx:  # optional for legacy transactions
        assert tx["chainId"] == pn.CHAIN_ID
    ctor = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"]).constructor(*ctor_args)
    assert Web3.to_hex(tx["input"]) == ctor.data_in_transaction
    from eth_utils import to_bytes
    import rlp

    expected = to_checksum_address(keccak(rlp.encode([to_bytes(hexstr=sender), tx["nonce"]]))[12:])
    assert r["contractAddress"] == expected
    assert Web3.to_hex(w3.eth.get_code(expected)) == artifact["deployedBytecode"].lower()
    assert r["gasUsed"] > 53000
    assert r["cumulativeGasUsed"] >= r["gasUsed"]
    assert r["effectiveGasPrice"] > 0
    return r, tx


def test_deploy_conformance_via_eth_send_transaction(ctx, w3, accounts, conf_artifact):
    sender = accounts[3]
    h = w3.eth.send_transaction({"from": sender, "data": conf_artifact["bytecode"]})
    r, tx = check_deployment(ctx, w3, h, sender, conf_artifact, 2)
    assert tx["gas"] >= r["gasUsed"]
    # fee accounting: sender pays gasUsed * effectiveGasPrice
    blk = w3.eth.get_block(r["blockNumber"])
    if len(blk["transactions"]) == 1:
        before = w3.eth.get_balance(sender, r["blockNumber"] - 1)
        after = w3.eth.get_balance(sender, r["blockNumber"])
        assert before - after == r["gasUsed"] * r["effectiveGasPrice"]


def test_deploy_token_via_contract_transact(ctx, w3, accounts, token_artifact):
    supply = Web3.to_wei(1_000_000, "ether")
    token, r = deploy(w3, token_artifact, accounts[4], supply)
    check_deployment(ctx, w3, r["transactionHash"], accounts[4], token_artifact, 2, (supply,))
    assert token.functions.name().call() == "Test Token"
    assert token.functions.symbol().call() == "TST"
    assert token.functions.decimals().call() == 18
    assert token.functions.totalSupply().call() == supply
    assert token.functions.balanceOf(accounts[4]).call() == supply
    (ev,) = token.events.Transfer().process_receipt(r)
    assert ev["args"]["from"] == "0x" + "00" * 20
    assert ev["args"]["to"] == accounts[4]
    assert ev["args"]["value"] == supply
    assert ev["address"] == token.address
    assert Web3.to_hex(r["logsBloom"]) != pn.ZERO_BLOOM
    assert pn.bloom_contains(bytes(r["logsBloom"]), bytes.fromhex(token.address[2:]))


@pytest.fixture(scope="module")
def wallet():
    return pn.dev_account(5)


def send_signed(ctx, w3, wallet, tx):
    signed = Account.sign_transaction(tx, wallet.key)
    h = ctx.rpc("eth_sendRawTransaction", [Web3.to_hex(signed.raw_transaction)])
    assert h == Web3.to_hex(keccak(signed.raw_transaction)) == Web3.to_hex(signed.hash)
    return h


def test_raw_type2_deploy(ctx, w3, wallet, conf_artifact):
    base = w3.eth.get_block("latest")["baseFeePerGas"]
    tip = Web3.to_wei(1, "gwei")
    max_fee = base * 2 + tip
    tx = {
        "type": 2, "chainId": pn.CHAIN_ID, "nonce": w3.eth.get_transaction_count(wallet.address),
        "data": conf_artifact["bytecode"], "value": 0, "gas": 3_000_000,
        "maxFeePerGas": max_fee, "maxPriorityFeePerGas": tip,
    }
    h = send_signed(ctx, w3, wallet, tx)
    r, got = check_deployment(ctx, w3, h, wallet.address, conf_artifact, 2)
    assert got["maxFeePerGas"] == max_fee
    assert got["maxPriorityFeePerGas"] == tip
    bf = w3.eth.get_block(r["blockNumber"])["baseFeePerGas"]
    assert r["effectiveGasPrice"] == min(max_fee, bf + tip)
    assert r["gasUsed"] < 3_000_000
    raw = ctx.rpc("eth_getTransactionByHash", [h])
    assert raw["type"] == "0x2"
    assert raw["accessList"] == []
    assert raw["v"] in ("0x0", "0x1")
    if not ctx.hardhat:  # Hardhat omits yParity
        assert raw["yParity"] in ("0x0", "0x1")


def test_raw_type0_legacy_deploy(ctx, w3, wallet, token_artifact):
    gas_price = w3.eth.gas_price * 2
    supply = 4242
    data = w3.eth.contract(abi=token_artifact["abi"], bytecode=token_artifact["bytecode"]).constructor(supply).data_in_transaction
    tx = {
        "chainId": pn.CHAIN_ID, "nonce": w3.eth.get_transaction_count(wallet.address),
        "data": data, "value": 0, "gas": 3_000_000, "gasPrice": gas_price,
    }
    h = send_signed(ctx, w3, wallet, tx)
    r, got = check_deployment(ctx, w3, h, wallet.address, token_artifact, 0, (supply,))
    assert got["gasPrice"] == gas_price
    assert r["effectiveGasPrice"] == gas_price
    raw = ctx.rpc("eth_getTransactionByHash", [h])
    assert raw["type"] == "0x0"
    assert raw["v"] in ("0xf4f5", "0xf4f6")  # EIP-155: chainId * 2 + 35/36
    token = w3.eth.contract(address=r["contractAddress"], abi=token_artifact["abi"])
    assert token.functions.balanceOf(wallet.address).call() == supply


def test_raw_type1_access_list_deploy(ctx, w3, wallet, conf_artifact):
    gas_price = w3.eth.gas_price * 2
    access_list = [{"address": "0x000000000000000000000000000000000000dEaD", "storageKeys": [pn.ZERO_HASH]}]
    tx = {
        "type": 1, "chainId": pn.CHAIN_ID, "nonce": w3.eth.get_transaction_count(wallet.address),
        "data": conf_artifact["bytecode"], "value": 0, "gas": 3_000_000, "gasPrice": gas_price,
        "accessList": access_list,
    }
    h = send_signed(ctx, w3, wallet, tx)
    r, got = check_deployment(ctx, w3, h, wallet.address, conf_artifact, 1)
    assert r["effectiveGasPrice"] == gas_price
    assert len(got["accessList"]) == 1
    assert got["accessList"][0]["address"] == access_list[0]["address"]
    assert [pn.hexstr(k) for k in got["accessList"][0]["storageKeys"]] == [pn.ZERO_HASH]
    # The same deployment without access list costs 2400 + 1900 less.
    tx2 = dict(tx, nonce=tx["nonce"] + 1)
    del tx2["accessList"]
    del tx2["type"]  # legacy
    r2 = wait_receipt(w3, send_signed(ctx, w3, wallet, tx2))
    assert r["gasUsed"] - r2["gasUsed"] == 2400 + 1900


def test_wallet_nonces(ctx, w3, wallet):
    latest = w3.eth.get_transaction_count(wallet.address, "latest")
    assert w3.eth.get_transaction_count(wallet.address, "pending") == latest
    bn = w3.eth.block_number
    assert w3.eth.get_transaction_count(wallet.address, bn - 1) == latest - 1
