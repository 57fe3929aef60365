"""Shared helper for the web3.py conformance suite.

- Connects to the node named by POCO_RPC_URL (WebSocket: POCO_WS_URL, or the
  same URL with ws://), or spawns `$POCO_BIN chain --port 0` and waits for its
  `Listening on http://...` line.
- Raw JSON-RPC helpers (stdlib urllib), artifacts, dev accounts.
"""

from __future__ import annotations

import atexit
import collections
import json
import os
import re
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

REPO_ROOT = Path(__file__).resolve().parents[3]
MNEMONIC = "test test test test test test test test test test test junk"
CHAIN_ID = 31337
FIRST_ACCOUNT = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
FIRST_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
ZERO_HASH = "0x" + "00" * 32
ZERO_BLOOM = "0x" + "00" * 256
START_TIMEOUT = float(os.environ.get("POCO_START_TIMEOUT_MS", "60000")) / 1000.0
LISTENING = re.compile(r"Listening on (http://\S+)")


def default_bin() -> Path:
    if os.environ.get("POCO_BIN"):
        return (REPO_ROOT / os.environ["POCO_BIN"]).resolve()
    return REPO_ROOT / "target" / "debug" / "poco"


def _reachable(url: str) -> str:
    return url.replace("://0.0.0.0", "://127.0.0.1").replace("://[::]", "://[::1]").rstrip("/")


def ws_from_http(url: str) -> str:
    return re.sub(r"^http(s?)://", r"ws\1://", url)


@dataclass
class Node:
    http_url: str
    ws_url: str
    process: Optional[subprocess.Popen] = None
    stderr_tail: collections.deque = field(default_factory=lambda: collections.deque(maxlen=200))

    @property
    def spawned(self) -> bool:
        return self.process is not None

    def stop(self) -> None:
        p = self.process
        if p is None or p.poll() is not None:
            return
        p.terminate()
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=5)


def start_node() -> Node:
    """Start (or attach to) the node under test."""
    url = os.environ.get("POCO_RPC_URL")
    if url:
        return Node(http_url=url, ws_url=os.environ.get("POCO_WS_URL") or ws_from_http(url))
    binary = default_bin()
    if not binary.exists():
        raise RuntimeError(
            f"POCO_RPC_URL is unset and the node binary {binary} does not exist "
            "(build it, or set POCO_BIN / POCO_RPC_URL)"
        )
    proc = subprocess.Popen(
        [str(binary), "chain", "--port", "0"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    atexit.register(lambda: proc.poll() is None and proc.kill())
    found: dict[str, str] = {}
    seen: list[str] = []
    ready = threading.Event()
    node = Node(http_url="", ws_url="", process=proc)

    def read_stdout() -> None:
        # Keeps draining after the match so the child never blocks on a full pipe.
        for line in proc.stdout:  # type: ignore[union-attr]
            if not ready.is_set():
                seen.append(line)
                m = LISTENING.search(line)
                if m:
                    found["url"] = _reachable(m.group(1))
                    ready.set()
        ready.set()

    def read_stderr() -> None:
        for line in proc.stderr:  # type: ignore[union-attr]
            node.stderr_tail.append(line)

    threading.Thread(target=read_stdout, daemon=True).start()
    threading.Thread(target=read_stderr, daemon=True).start()
    if not ready.wait(START_TIMEOUT) or "url" not in found:
        node.stop()
        raise RuntimeError(
            f"{binary} chain did not print 'Listening on http://...' "
            f"(exit code {proc.poll()})\nstdout:\n{''.join(seen)}\nstderr:\n{''.join(node.stderr_tail)}"
        )
    node.http_url = found["url"]
    node.ws_url = os.environ.get("POCO_WS_URL") or ws_from_http(node.http_url)
    return node


def raw_post(url: str, body: Any) -> tuple[int, Any, dict]:
    """POST a JSON-RPC body (object, list, or a raw string); returns (status, parsed json, headers)."""
    data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            text = res.read().decode()
            return res.status, (json.loads(text) if text else None), dict(res.headers)
    except urllib.error.HTTPError as e:  # JSON-RPC errors may come with a 4xx/5xx status
        text = e.read().decode()
        return e.code, (json.loads(text) if text else None), dict(e.headers)


_next_id = [1]


def rpc_raw(url: str, method: str, params: Optional[list] = None) -> dict:
    _next_id[0] += 1
    _, res, _ = raw_post(url, {"jsonrpc": "2.0", "id": _next_id[0], "method": method, "params": params or []})
    return res


class RpcError(Exception):
    def __init__(self, method: str, params: Any, error: dict):
        super().__init__(f"{method} failed: {json.dumps(error)} (params {json.dumps(params)})")
        self.code = error.get("code")
        self.data = error.get("data")
        self.message = error.get("message")
        self.error = error


def rpc(url: str, method: str, params: Optional[list] = None) -> Any:
    res = rpc_raw(url, method, params)
    if "error" in res:
        raise RpcError(method, params, res["error"])
    return res["result"]


def artifacts_dir() -> Path:
    if os.environ.get("POCO_CONFORMANCE_ARTIFACTS"):
        return Path(os.environ["POCO_CONFORMANCE_ARTIFACTS"]).resolve()
    return REPO_ROOT / "contracts" / "out"


def load_artifact(name: str) -> dict:
    path = artifacts_dir() / f"{name}.json"
    if not path.exists():
        raise RuntimeError(f"contract artifact {path} is missing (build contracts/ first)")
    a = json.loads(path.read_text())
    for k in ("abi", "bytecode", "deployedBytecode"):
        if k not in a:
            raise RuntimeError(f"{path} has no {k!r}")
    hx = lambda s: s if s.startswith("0x") else "0x" + s  # noqa: E731
    return {"abi": a["abi"], "bytecode": hx(a["bytecode"]), "deployedBytecode": hx(a["deployedBytecode"])}


def dev_account(i: int):
    """LocalAccount for index i of the standard mnemonic."""
    from eth_account import Account

    Account.enable_unaudited_hdwallet_features()
    return Account.from_mnemonic(MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}")


def is_hardhat(client_version: str) -> bool:
    return client_version.lower().startswith("hardhatnetwork/")


def wait_for(pred: Callable[[], Any], timeout: float = 15.0, interval: float = 0.05, what: str = "condition") -> Any:
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > end:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(interval)


def bloom_contains(bloom: bytes, value: bytes) -> bool:
    """keccak-based 2048-bit bloom membership (yellow paper M3:2048)."""
    from eth_utils import keccak

    h = keccak(value)
    for i in (0, 2, 4):
        bit = ((h[i] << 8) | h[i + 1]) & 2047
        if not bloom[255 - bit // 8] & (1 << (bit % 8)):
            return False
    return True


def error_string_data(reason: str) -> str:
    from eth_abi import encode

    return "0x08c379a0" + encode(["string"], [reason]).hex()


def revert_data_of(error: dict, hardhat: bool) -> Optional[str]:
    """Standard: error.data is the hex revert data. Hardhat nests it in error.data.data."""
    data = error.get("data")
    if isinstance(data, str):
        return data
    if hardhat and isinstance(data, dict) and isinstance(data.get("data"), str):
        return data["data"]
    return None


def hexstr(x: Any) -> str:
    """Lower-case 0x-hex of bytes / HexBytes / hex str."""
    if isinstance(x, (bytes, bytearray)):
        return "0x" + bytes(x).hex()
    return x.lower() if x.startswith("0x") else "0x" + x.lower()
