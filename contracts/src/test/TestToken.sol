// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title TestToken
/// @notice Freely mintable 18-decimal ERC-20 for dev-chain tests and benchmarks.
/// @dev Anyone can mint: never deploy this anywhere value matters.
contract TestToken is ERC20 {
    /// @param initialSupply amount minted to the deployer
    constructor(uint256 initialSupply) ERC20("Test Token", "TST") {
        _mint(msg.sender, initialSupply);
    }

    /// @notice Mint `amount` tokens to `to` (open to anyone).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
