"""eth_signTypedData_v4, personal_sign, eth_sign: node signatures match eth_account and verify on-chain."""

import copy
import json

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data
from eth_utils import keccak
from web3 import Web3

import poco_node as pn

H = pn.hexstr


@pytest.fixture(scope="module")
def typed(conf):
    return {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "Person": [{"name": "name", "type": "string"}, {"name": "wallet", "type": "address"}],
            "Mail": [
                {"name": "from", "type": "Person"},
                {"name": "to", "type": "Person[]"},
                {"name": "contents", "type": "string"},
                {"name": "nonce", "type": "uint256"},
                {"name": "tag", "type": "bytes32"},
                {"name": "payload", "type": "bytes"},
                {"name": "urgent", "type": "bool"},
            ],
        },
        "primaryType": "Mail",
        "domain": {"name": "Poco Conformance", "version": "1", "chainId": 31337, "verifyingContract": conf.address},
        "message": {
            "from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
            "to": [
                {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
                {"name": "Alice", "wallet": "0xaAaAaAaaAaAaAaaAaAAAAAAAAaaaAaAaAaaAaaAa"},
            ],
            "contents": "Hello from web3.py — ünïcödé",
            "nonce": 2**70 + 5,
            "tag": H(keccak(text="tag")),
            "payload": "0xdeadbeef00",
            "urgent": True,
        },
    }


def as_json(typed):
    """JSON for the node: big integers as decimal strings (JSON numbers lose precision in JS)."""
    t = copy.deepcopy(typed)
    t["message"]["nonce"] = str(t["message"]["nonce"])
    return json.dumps(t)


def local_typed(typed):
    t = copy.deepcopy(typed)
    for k in ("tag", "payload"):
        t["message"][k] = bytes.fromhex(t["message"][k][2:])
    return t


def recover_on_chain(conf, digest: bytes, sig: str) -> str:
    b = bytes.fromhex(sig[2:])
    r, s, v = b[:32], b[32:64], b[64]
    return conf.functions.recover(digest, v, r, s).call()


@pytest.mark.parametrize("index", [3, 7])
def test_sign_typed_data_v4(ctx, conf, typed, index):
    acct = pn.dev_account(index)
    sig = ctx.rpc("eth_signTypedData_v4", [acct.address, as_json(typed)])
    assert isinstance(sig, str) and len(sig) == 132
    assert sig[-2:] in ("1b", "1c")
    signable = encode_typed_data(full_message=local_typed(typed))
    local = Account.sign_typed_data(acct.key, full_message=local_typed(typed))
    assert sig == H(local.signature), "RFC 6979: node signature equals the local one"
    assert Account.recover_message(signable, signature=sig) == acct.address
    digest = keccak(b"\x19\x01" + signable.header + signable.body)
    assert digest == bytes(local.message_hash)
    assert recover_on_chain(conf, digest, sig) == acct.address


def test_personal_sign(ctx, conf):
    acct = pn.dev_account(3)
    for msg in (b"hello poco", keccak(text="32 raw bytes")):
        sig = ctx.rpc("personal_sign", [H(msg), acct.address])
        local = acct.sign_message(encode_defunct(primitive=msg))
        assert sig == H(local.signature)
        assert Account.recover_message(encode_defunct(primitive=msg), signature=sig) == acct.address
        assert recover_on_chain(conf, bytes(local.message_hash), sig) == acct.address


def test_eth_sign(ctx, w3, conf):
    acct = pn.dev_account(4)
    msg = "eth_sign message"
    sig = ctx.rpc("eth_sign", [acct.address, H(msg.encode())])
    assert sig == H(acct.sign_message(encode_defunct(text=msg)).signature)
    # web3.py's eth.sign uses eth_sign
    assert H(w3.eth.sign(acct.address, text=msg)) == sig
    assert Account.recover_message(encode_defunct(text=msg), signature=sig) == acct.address
    digest = keccak(b"\x19Ethereum Signed Message:\n" + str(len(msg)).encode() + msg.encode())
    assert recover_on_chain(conf, digest, sig) == acct.address


def test_sign_for_unknown_account_fails(ctx):
    stranger = Account.create().address
    assert "error" in ctx.rpc_raw("personal_sign", ["0x1234", stranger])
    assert "error" in ctx.rpc_raw("eth_sendTransaction", [{"from": stranger, "to": stranger, "value": "0x0"}])
