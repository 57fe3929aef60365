// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IOracleConsumer} from "../interfaces/IRegistries.sol";

/// @title TestCallback
/// @notice A deal callback (ERC-1154 oracle consumer) for tests: records the
/// last `receiveResult` call and emits `ResultReceived`.
/// @dev The hub gives a callback `callbackgas()` (100,000 by default): three
/// fresh slots and an event fit; results longer than 31 bytes take more slots.
contract TestCallback is IOracleConsumer {
    event ResultReceived(address indexed caller, bytes32 indexed id, bytes result);

    /// @notice Who made the last call.
    address public lastCaller;
    /// @notice How many calls were received.
    uint96 public calls;
    /// @notice The last call's task id.
    bytes32 public lastId;
    /// @notice The last call's result data.
    bytes public lastResult;

    /// @inheritdoc IOracleConsumer
    function receiveResult(bytes32 id, bytes calldata result) external {
        lastCaller = msg.sender;
        calls += 1;
        lastId = id;
        lastResult = result;
        emit ResultReceived(msg.sender, id, result);
    }
}
