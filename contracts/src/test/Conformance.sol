// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Conformance
/// @notice Small contract exercising storage, events, reverts (string and
/// custom), gas growth, ecrecover and value transfer, for EVM conformance tests
/// of the dev chain against reference nodes.
contract Conformance {
    /// @notice Emitted by `store`.
    event Stored(address indexed by, uint256 indexed key, uint256 value);

    /// @notice Raised by `failCustom`.
    error Custom(uint256 code);

    /// @notice Values written by `store`.
    mapping(uint256 => uint256) public values;

    // Slots written by `fill`, and the next unused index.
    mapping(uint256 => uint256) private _filled;
    uint256 private _fillCursor;

    /// @notice Store `value` under `key` and emit `Stored`.
    function store(uint256 key, uint256 value) external {
        values[key] = value;
        emit Stored(msg.sender, key, value);
    }

    /// @notice Read the value stored under `key`.
    function get(uint256 key) external view returns (uint256) {
        return values[key];
    }

    /// @notice Always reverts with `reason` as an Error(string).
    function failWith(string calldata reason) external pure {
        revert(reason);
    }

    /// @notice Always reverts with `Custom(code)`.
    function failCustom(uint256 code) external pure {
        revert Custom(code);
    }

    /// @notice Write `n` never-written storage slots (gas grows linearly with n).
    function fill(uint256 n) external {
        uint256 cursor = _fillCursor;
        for (uint256 i = 0; i < n; ++i) {
            _filled[cursor + i] = cursor + i + 1;
        }
        _fillCursor = cursor + n;
    }

    /// @notice Plain ecrecover (returns address(0) on an invalid signature).
    function recover(bytes32 digest, uint8 v, bytes32 r, bytes32 s) external pure returns (address) {
        return ecrecover(digest, v, r, s);
    }

    /// @notice Accept ether.
    function deposit() external payable {}

    /// @notice This contract's ether balance.
    function balance() external view returns (uint256) {
        return address(this).balance;
    }
}
