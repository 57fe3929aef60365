// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {PocoStorage} from "../libs/PocoStorage.sol";
import {LibDiamond} from "../libs/LibDiamond.sol";
import {IRegistry, IRegistryEntry, IERC734} from "../interfaces/IRegistries.sol";

/// @title FacetBase
/// @notice Helpers shared by the hub's facets. Facets have no state of their
/// own: everything is in PocoStorage / LibDiamond namespaces of the hub.
abstract contract FacetBase {
    modifier onlyOwner() {
        LibDiamond.enforceIsContractOwner();
        _;
    }

    function _layout() internal pure returns (PocoStorage.Layout storage) {
        return PocoStorage.get();
    }

    /// @dev The current owner of a registry entry, or zero if `entry` is not
    /// registered in `registry` (or its predecessors). Fast path: one
    /// `ownerOf` on the registry; entries of a previous registry fall back to
    /// `isRegistered` + `entry.owner()`.
    function _entryOwner(address registry, address entry) internal view returns (address owner) {
        if (entry == address(0) || registry == address(0)) return address(0);
        (bool ok, bytes memory ret) =
            registry.staticcall(abi.encodeCall(IRegistry.ownerOf, (uint256(uint160(entry)))));
        if (ok && ret.length >= 32) {
            owner = abi.decode(ret, (address));
            if (owner != address(0)) return owner;
        }
        if (!IRegistry(registry).isRegistered(entry)) return address(0);
        return IRegistryEntry(entry).owner();
    }

    /// @dev An order restriction is met when it is zero, equal to the
    /// candidate, or an ERC-734 identity contract holding the candidate as a
    /// key with the GROUPMEMBER purpose.
    function _checkIdentity(address restriction, address candidate) internal view returns (bool) {
        if (restriction == address(0) || restriction == candidate) return true;
        if (restriction.code.length == 0) return false;
        (bool ok, bytes memory ret) = restriction.staticcall(
            abi.encodeCall(
                IERC734.keyHasPurpose, (bytes32(uint256(uint160(candidate))), PocoStorage.GROUPMEMBER_PURPOSE)
            )
        );
        return ok && ret.length >= 32 && abi.decode(ret, (bool));
    }
}
