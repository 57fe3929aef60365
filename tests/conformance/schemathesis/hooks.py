"""Schemathesis hooks for the market API (loaded with SCHEMATHESIS_HOOKS=hooks).

Writes (POST and PUT on /{kind}orders) need `Authorization: <hash>_<signature>_<address>`
made from a single-use challenge. This provider makes a fresh one for every write, as the iExec
SDK does: GET /challenge for a dev account, the dev chain signs the typed data
(eth_signTypedData_v4: `poco chain` holds the dev keys) and computes the keccak hashes of the
EIP-712 digest (web3_sha3), so no Ethereum library is needed here.

Environment: POCO_MARKET_URL (the market), POCO_RPC_URL (its dev chain), POCO_CHAIN_ID,
POCO_AUTH_ADDRESS (the dev account that signs; the script passes dev account 9).
"""

import json
import os

import requests
import schemathesis

MARKET = os.environ["POCO_MARKET_URL"].rstrip("/")
RPC = os.environ["POCO_RPC_URL"]
CHAIN_ID = int(os.environ.get("POCO_CHAIN_ID", "31337"))
ADDRESS = os.environ.get("POCO_AUTH_ADDRESS", "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720")

_session = requests.Session()
_ids = iter(range(1, 1 << 62))


def rpc(method, params):
    reply = _session.post(
        RPC, json={"jsonrpc": "2.0", "id": next(_ids), "method": method, "params": params}, timeout=30
    ).json()
    if "error" in reply:
        raise RuntimeError(f"{method} failed: {reply['error']}")
    return reply["result"]


def keccak(data: bytes) -> bytes:
    return bytes.fromhex(rpc("web3_sha3", ["0x" + data.hex()])[2:])


def uint256(n: int) -> bytes:
    return n.to_bytes(32, "big")


_domain_separators = {}


def domain_separator(domain) -> bytes:
    key = (domain["name"], domain["version"], int(domain["chainId"]))
    if key not in _domain_separators:
        type_hash = keccak(b"EIP712Domain(string name,string version,uint256 chainId)")
        _domain_separators[key] = keccak(
            type_hash
            + keccak(domain["name"].encode())
            + keccak(domain["version"].encode())
            + uint256(int(domain["chainId"]))
        )
    return _domain_separators[key]


_challenge_type_hash = []


def digest(typed) -> str:
    """The EIP-712 hash of the challenge's typed data (the market's `Challenge{string challenge}`)."""
    assert typed["primaryType"] == "Challenge", typed
    if not _challenge_type_hash:
        _challenge_type_hash.append(keccak(b"Challenge(string challenge)"))
    struct_hash = keccak(_challenge_type_hash[0] + keccak(typed["message"]["challenge"].encode()))
    return "0x" + keccak(b"\x19\x01" + domain_separator(typed["domain"]) + struct_hash).hex()


def authorization() -> str:
    reply = _session.get(
        f"{MARKET}/challenge", params={"chainId": CHAIN_ID, "address": ADDRESS}, timeout=30
    )
    reply.raise_for_status()
    typed = reply.json()["data"]
    sign = rpc("eth_signTypedData_v4", [ADDRESS, json.dumps(typed)])
    return f"{digest(typed)}_{sign}_{ADDRESS}"


# No caching (a challenge is single-use) and no retry on 401 (a 401 is an answer under test).
@schemathesis.auth(refresh_interval=None, retry_on=[]).apply_to(method=["POST", "PUT"])
class ChallengeAuth:
    def get(self, case, context):
        return authorization()

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = data
