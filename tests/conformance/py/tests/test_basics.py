"""Chain identity, accounts, balances, genesis."""

from eth_account import Account
from web3 import Web3

import poco_node as pn


def test_chain_id(ctx, w3):
    assert ctx.rpc("eth_chainId") == "0x7a69"
    assert w3.eth.chain_id == 31337


def test_net_version(ctx, w3):
    assert ctx.rpc("net_version") == "31337"
    assert w3.net.version == "31337"


def test_client_version(ctx, w3):
    v = w3.client_version
    assert isinstance(v, str) and v
    assert v == ctx.client_version


def test_accounts_are_the_mnemonic_dev_accounts(w3, accounts):
    assert len(accounts) == 10
    assert accounts[0] == pn.FIRST_ACCOUNT
    for i, a in enumerate(accounts):
        assert Web3.to_checksum_address(a) == pn.dev_account(i).address, i
    assert "0x" + pn.dev_account(0).key.hex().removeprefix("0x") == pn.FIRST_KEY
    assert Account.from_key(pn.FIRST_KEY).address == pn.FIRST_ACCOUNT


def test_balances(ctx, w3, accounts):
    for i, a in enumerate(accounts):
        bal = w3.eth.get_balance(a)
        assert Web3.to_wei(9000, "ether") < bal <= Web3.to_wei(10000, "ether"), (i, bal)
    # Accounts 6..9 are never used by either suite: exactly 10000 ETH.
    for a in accounts[6:]:
        assert w3.eth.get_balance(a) == Web3.to_wei(10000, "ether")
        assert ctx.rpc("eth_getBalance", [a, "latest"]) == "0x21e19e0c9bab2400000"
    assert w3.eth.get_balance(Account.create().address) == 0


def test_genesis_and_latest(ctx, w3):
    g = w3.eth.get_block(0)
    assert g["number"] == 0
    assert g["parentHash"] == bytes(32)
    assert w3.eth.get_block("earliest")["hash"] == g["hash"]
    assert w3.eth.get_block(g["hash"])["number"] == 0
    latest = w3.eth.get_block("latest")
    assert latest["number"] == w3.eth.block_number or latest["number"] >= w3.eth.block_number
    assert latest["baseFeePerGas"] > 0


def test_fee_data(ctx, w3):
    gp = w3.eth.gas_price
    assert gp > 0
    assert gp >= w3.eth.get_block("latest")["baseFeePerGas"]
    assert w3.eth.max_priority_fee >= 0
    hist = w3.eth.fee_history(2, "latest", [25, 75])
    n = min(2, w3.eth.block_number + 1)  # clamped to the blocks that exist
    assert len(hist["baseFeePerGas"]) == n + 1
    assert len(hist["gasUsedRatio"]) == n
    assert len(hist["reward"]) == n and all(len(r) == 2 for r in hist["reward"])


def test_syncing(w3):
    assert w3.eth.syncing is False
