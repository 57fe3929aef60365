// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IOracleConsumer} from "../interfaces/IRegistries.sol";

/// @title TestBadCallback
/// @notice A deal callback that misbehaves on demand, to check that the hub
/// finalizes whatever its callback does. `mode`: 0 records the call, 1
/// reverts, 2 burns all the gas it is given, 3 needs about 200,000 gas (more
/// than the default `callbackgas()` of 100,000) before recording the call.
contract TestBadCallback is IOracleConsumer {
    /// @notice Records the call (a fresh slot the first time: ~45,000 gas).
    uint8 public constant RECORD = 0;
    /// @notice Reverts with a reason.
    uint8 public constant REVERT = 1;
    /// @notice Loops until out of gas.
    uint8 public constant BURN = 2;
    /// @notice Writes `HEAVY_SLOTS` fresh slots, then records the call.
    uint8 public constant HEAVY = 3;
    /// @notice Fresh slots written in `HEAVY` mode: 8 × 22,100 gas.
    uint256 public constant HEAVY_SLOTS = 8;

    /// @notice The current mode.
    uint8 public mode;
    /// @notice Calls that completed (a failed call records nothing).
    uint256 public calls;
    /// @notice The last completed call's task id.
    bytes32 public lastId;
    /// @notice `HEAVY` mode's ballast, per task id so every call writes fresh slots.
    mapping(bytes32 id => mapping(uint256 slot => uint256)) public ballast;

    constructor(uint8 _mode) {
        mode = _mode;
    }

    /// @notice Switch mode (anyone: test fixture).
    function setMode(uint8 _mode) external {
        mode = _mode;
    }

    /// @inheritdoc IOracleConsumer
    function receiveResult(bytes32 id, bytes calldata) external {
        uint8 m = mode;
        if (m == REVERT) revert("TestBadCallback: refused");
        if (m == BURN) {
            uint256 spin;
            while (gasleft() > 0) {
                spin += 1;
            }
        }
        if (m == HEAVY) {
            for (uint256 i = 0; i < HEAVY_SLOTS; ++i) {
                ballast[id][i] = 1;
            }
        }
        calls += 1;
        lastId = id;
    }
}
