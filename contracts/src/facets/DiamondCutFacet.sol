// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IDiamondCut} from "../interfaces/IDiamond.sol";
import {LibDiamond} from "../libs/LibDiamond.sol";

/// @title DiamondCutFacet
/// @notice Upgrades the hub's selector table (owner only).
contract DiamondCutFacet is IDiamondCut {
    /// @inheritdoc IDiamondCut
    function diamondCut(FacetCut[] calldata _diamondCut, address _init, bytes calldata _calldata) external override {
        LibDiamond.enforceIsContractOwner();
        LibDiamond.diamondCut(_diamondCut, _init, _calldata);
    }
}
