// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

interface ITokenSpender {
    function receiveApproval(address from, uint256 value, address token, bytes calldata extraData) external;
}

/// @title RLC
/// @notice "iExec RLC Token" (9 decimals) for dev chains: the owner can mint.
contract RLC is ERC20, Ownable {
    /// @param initialSupply amount minted to the deployer (who becomes owner)
    constructor(uint256 initialSupply) ERC20("iExec RLC Token", "RLC") Ownable(msg.sender) {
        _mint(msg.sender, initialSupply);
    }

    /// @notice 9 decimals: 1 RLC = 10^9 nRLC.
    function decimals() public pure override returns (uint8) {
        return 9;
    }

    /// @notice Mint `amount` to `to` (owner only).
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }

    /// @notice Burn `amount` of the caller's tokens.
    function burn(uint256 amount) external returns (bool) {
        _burn(msg.sender, amount);
        return true;
    }

    /// @notice Approve `spender` for `value`, then call
    /// `spender.receiveApproval(caller, value, this, extraData)` (a revert there reverts all).
    function approveAndCall(address spender, uint256 value, bytes calldata extraData) external returns (bool) {
        _approve(msg.sender, spender, value);
        ITokenSpender(spender).receiveApproval(msg.sender, value, address(this), extraData);
        return true;
    }
}
