// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IDiamondCut, IDiamondLoupe, IERC173} from "./interfaces/IDiamond.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {LibDiamond} from "./libs/LibDiamond.sol";

/// @title Diamond
/// @notice The Poco hub: one address whose fallback routes every call, by
/// selector, to a facet through delegatecall (ERC-2535). All state lives here.
contract Diamond {
    struct DiamondArgs {
        address owner;
        address init;
        bytes initCalldata;
    }

    error FunctionNotFound(bytes4 _functionSelector);

    /// @param _diamondCut facets and selectors to install
    /// @param _args owner of the hub, and an optional initializer delegatecalled once
    constructor(IDiamondCut.FacetCut[] memory _diamondCut, DiamondArgs memory _args) payable {
        LibDiamond.setOwner(_args.owner);
        LibDiamond.Layout storage l = LibDiamond.get();
        l.supportedInterfaces[type(IERC165).interfaceId] = true;
        l.supportedInterfaces[type(IDiamondCut).interfaceId] = true;
        l.supportedInterfaces[type(IDiamondLoupe).interfaceId] = true;
        l.supportedInterfaces[type(IERC173).interfaceId] = true;
        LibDiamond.diamondCut(_diamondCut, _args.init, _args.initCalldata);
    }

    /// @dev Route to the facet registered for msg.sig. Empty calldata (plain
    /// ether) finds no facet and reverts.
    fallback() external payable {
        bytes32 slot = LibDiamond.SLOT;
        assembly {
            // facetOf is the first member of the layout: mapping at `slot`
            mstore(0, shl(224, shr(224, calldataload(0))))
            mstore(32, slot)
            let facet := and(sload(keccak256(0, 64)), 0xffffffffffffffffffffffffffffffffffffffff)
            if iszero(facet) {
                // FunctionNotFound(bytes4)
                mstore(0, 0x5416eb9800000000000000000000000000000000000000000000000000000000)
                mstore(4, shl(224, shr(224, calldataload(0))))
                revert(0, 36)
            }
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), facet, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            switch ok
            case 0 {
                revert(0, returndatasize())
            }
            default {
                return(0, returndatasize())
            }
        }
    }
}
