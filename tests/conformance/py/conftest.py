"""pytest fixtures: one node per session (spawned or POCO_RPC_URL), web3 clients, contracts."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import pytest
from web3 import Web3

sys.path.insert(0, str(Path(__file__).resolve().parent))

import poco_node as pn  # noqa: E402


@dataclass
class Ctx:
    node: pn.Node
    w3: Web3
    hardhat: bool
    client_version: str

    @property
    def url(self) -> str:
        return self.node.http_url

    @property
    def ws_url(self) -> str:
        return self.node.ws_url

    def rpc(self, method: str, params: Optional[list] = None) -> Any:
        return pn.rpc(self.url, method, params)

    def rpc_raw(self, method: str, params: Optional[list] = None) -> dict:
        return pn.rpc_raw(self.url, method, params)

    def rpc_error(self, method: str, params: Optional[list] = None) -> dict:
        """Expects a JSON-RPC error; returns the error object."""
        res = self.rpc_raw(method, params)
        assert "error" in res, f"{method} should fail, got {res!r}"
        err = res["error"]
        assert isinstance(err.get("code"), int)
        assert isinstance(err.get("message"), str)
        return err


@pytest.fixture(scope="session")
def node():
    n = pn.start_node()
    try:
        yield n
    finally:
        n.stop()


@pytest.fixture(scope="session")
def ctx(node) -> Ctx:
    w3 = Web3(Web3.HTTPProvider(node.http_url, request_kwargs={"timeout": 30}))
    version = pn.rpc(node.http_url, "web3_clientVersion")
    return Ctx(node=node, w3=w3, hardhat=pn.is_hardhat(version), client_version=version)


@pytest.fixture(scope="session")
def w3(ctx) -> Web3:
    return ctx.w3


@pytest.fixture(scope="session")
def accounts(w3) -> list[str]:
    return w3.eth.accounts


@pytest.fixture(scope="session")
def conf_artifact() -> dict:
    return pn.load_artifact("Conformance")


@pytest.fixture(scope="session")
def token_artifact() -> dict:
    return pn.load_artifact("TestToken")


def deploy(w3: Web3, artifact: dict, sender: str, *args):
    """Deploys via eth_sendTransaction; returns (contract, receipt)."""
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    tx_hash = factory.constructor(*args).transact({"from": sender})
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.05)
    assert receipt["status"] == 1, receipt
    return w3.eth.contract(address=receipt["contractAddress"], abi=artifact["abi"]), receipt


@pytest.fixture(scope="module")
def conf(w3, accounts, conf_artifact):
    contract, _ = deploy(w3, conf_artifact, accounts[3])
    return contract


def wait_receipt(w3: Web3, tx_hash):
    return w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.05)
