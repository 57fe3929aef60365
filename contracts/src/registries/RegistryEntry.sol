// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {ENSReverse} from "./ENSReverse.sol";

/// @title RegistryEntry
/// @notice Base of App, Dataset and Workerpool. The master copy is deployed by
/// its registry (so `registry` is an immutable of the shared code); entries are
/// minimal proxies of it, initialized once by the registry right after creation.
abstract contract RegistryEntry {
    address private immutable _registry;

    error OnlyRegistry();
    error OnlyOwner();

    constructor() {
        _registry = msg.sender;
    }

    modifier onlyRegistry() {
        if (msg.sender != _registry) revert OnlyRegistry();
        _;
    }

    modifier onlyOwner() {
        if (msg.sender != owner()) revert OnlyOwner();
        _;
    }

    /// @notice The registry this entry belongs to.
    function registry() external view returns (address) {
        return _registry;
    }

    /// @notice The entry's owner: the holder of its registry token.
    function owner() public view returns (address) {
        return IERC721(_registry).ownerOf(uint256(uint160(address(this))));
    }

    /// @notice Claim the ENS reverse record `name` for this entry (owner only).
    function setName(address ens, string calldata name) external onlyOwner {
        ENSReverse.setName(ens, name);
    }
}
