// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IDiamondCut} from "../interfaces/IDiamond.sol";

/// @title LibDiamond
/// @notice ERC-2535 selector table, ERC-165 registry and contract owner, kept
/// in their own ERC-7201 namespace (separate from the protocol's state).
library LibDiamond {
    // keccak256(abi.encode(uint256(keccak256("poco.storage.Diamond")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant SLOT = 0xc5d2b0f42672751ca0c38a8a4e66738702aa22c00ff372febd19a168c45a0300;

    error CannotAddFunctionToDiamondThatAlreadyExists(bytes4 _selector);
    error CannotAddSelectorsToZeroAddress(bytes4[] _selectors);
    error CannotRemoveFunctionThatDoesNotExist(bytes4 _selector);
    error CannotRemoveImmutableFunction(bytes4 _selector);
    error CannotReplaceFunctionThatDoesNotExists(bytes4 _selector);
    error CannotReplaceFunctionWithTheSameFunctionFromTheSameFacet(bytes4 _selector);
    error CannotReplaceFunctionsFromFacetWithZeroAddress(bytes4[] _selectors);
    error CannotReplaceImmutableFunction(bytes4 _selector);
    error IncorrectFacetCutAction(uint8 _action);
    error InitializationFunctionReverted(address _initializationContractAddress, bytes _calldata);
    error NoBytecodeAtAddress(address _contractAddress, string _message);
    error NoSelectorsProvidedForFacetForCut(address _facetAddress);
    error RemoveFacetAddressMustBeZeroAddress(address _facetAddress);
    error NotContractOwner(address _user, address _contractOwner);

    event DiamondCut(IDiamondCut.FacetCut[] _diamondCut, address _init, bytes _calldata);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    struct Layout {
        // selector => facet address (low 160 bits) | index in `selectors` (high 96 bits)
        mapping(bytes4 => bytes32) facetOf;
        bytes4[] selectors;
        mapping(bytes4 => bool) supportedInterfaces;
        address owner;
    }

    function get() internal pure returns (Layout storage l) {
        bytes32 slot = SLOT;
        assembly ("memory-safe") {
            l.slot := slot
        }
    }

    // ------------------------------------------------------------- ownership
    function owner() internal view returns (address) {
        return get().owner;
    }

    function enforceIsContractOwner() internal view {
        address o = get().owner;
        if (msg.sender != o) revert NotContractOwner(msg.sender, o);
    }

    function setOwner(address newOwner) internal {
        Layout storage l = get();
        address previous = l.owner;
        l.owner = newOwner;
        emit OwnershipTransferred(previous, newOwner);
    }

    // ------------------------------------------------------------------ cuts
    function facetAddress(bytes4 selector) internal view returns (address) {
        return address(uint160(uint256(get().facetOf[selector])));
    }

    function diamondCut(IDiamondCut.FacetCut[] memory cuts, address init, bytes memory data) internal {
        for (uint256 i = 0; i < cuts.length; ++i) {
            IDiamondCut.FacetCut memory cut = cuts[i];
            if (cut.functionSelectors.length == 0) revert NoSelectorsProvidedForFacetForCut(cut.facetAddress);
            if (cut.action == IDiamondCut.FacetCutAction.Add) {
                _add(cut.facetAddress, cut.functionSelectors);
            } else if (cut.action == IDiamondCut.FacetCutAction.Replace) {
                _replace(cut.facetAddress, cut.functionSelectors);
            } else if (cut.action == IDiamondCut.FacetCutAction.Remove) {
                _remove(cut.facetAddress, cut.functionSelectors);
            } else {
                revert IncorrectFacetCutAction(uint8(cut.action));
            }
        }
        emit DiamondCut(cuts, init, data);
        _initialize(init, data);
    }

    function _add(address facet, bytes4[] memory selectors) private {
        if (facet == address(0)) revert CannotAddSelectorsToZeroAddress(selectors);
        _requireCode(facet, "LibDiamondCut: Add facet has no code");
        Layout storage l = get();
        for (uint256 i = 0; i < selectors.length; ++i) {
            bytes4 sel = selectors[i];
            if (l.facetOf[sel] != bytes32(0)) revert CannotAddFunctionToDiamondThatAlreadyExists(sel);
            l.facetOf[sel] = _pack(facet, l.selectors.length);
            l.selectors.push(sel);
        }
    }

    function _replace(address facet, bytes4[] memory selectors) private {
        if (facet == address(0)) revert CannotReplaceFunctionsFromFacetWithZeroAddress(selectors);
        _requireCode(facet, "LibDiamondCut: Replace facet has no code");
        Layout storage l = get();
        for (uint256 i = 0; i < selectors.length; ++i) {
            bytes4 sel = selectors[i];
            bytes32 entry = l.facetOf[sel];
            address old = address(uint160(uint256(entry)));
            if (old == address(this)) revert CannotReplaceImmutableFunction(sel);
            if (old == facet) revert CannotReplaceFunctionWithTheSameFunctionFromTheSameFacet(sel);
            if (old == address(0)) revert CannotReplaceFunctionThatDoesNotExists(sel);
            l.facetOf[sel] = _pack(facet, uint256(entry) >> 160);
        }
    }

    function _remove(address facet, bytes4[] memory selectors) private {
        if (facet != address(0)) revert RemoveFacetAddressMustBeZeroAddress(facet);
        Layout storage l = get();
        for (uint256 i = 0; i < selectors.length; ++i) {
            bytes4 sel = selectors[i];
            bytes32 entry = l.facetOf[sel];
            address old = address(uint160(uint256(entry)));
            if (old == address(0)) revert CannotRemoveFunctionThatDoesNotExist(sel);
            if (old == address(this)) revert CannotRemoveImmutableFunction(sel);
            // swap-and-pop in the selector list
            uint256 index = uint256(entry) >> 160;
            uint256 last = l.selectors.length - 1;
            if (index != last) {
                bytes4 moved = l.selectors[last];
                l.selectors[index] = moved;
                l.facetOf[moved] = _pack(address(uint160(uint256(l.facetOf[moved]))), index);
            }
            l.selectors.pop();
            delete l.facetOf[sel];
        }
    }

    function _initialize(address init, bytes memory data) private {
        if (init == address(0)) return;
        _requireCode(init, "LibDiamondCut: _init address has no code");
        (bool ok, bytes memory err) = init.delegatecall(data);
        if (!ok) {
            if (err.length > 0) {
                assembly ("memory-safe") {
                    revert(add(err, 32), mload(err))
                }
            }
            revert InitializationFunctionReverted(init, data);
        }
    }

    function _pack(address facet, uint256 index) private pure returns (bytes32) {
        return bytes32((index << 160) | uint256(uint160(facet)));
    }

    function _requireCode(address target, string memory message) private view {
        if (target.code.length == 0) revert NoBytecodeAtAddress(target, message);
    }
}
