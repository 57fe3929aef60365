// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IDiamondLoupe} from "../interfaces/IDiamond.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {LibDiamond} from "../libs/LibDiamond.sol";

/// @title DiamondLoupeFacet
/// @notice ERC-2535 introspection and ERC-165.
contract DiamondLoupeFacet is IDiamondLoupe, IERC165 {
    /// @notice Every facet with its selectors.
    function facets() external view override returns (Facet[] memory facets_) {
        LibDiamond.Layout storage l = LibDiamond.get();
        uint256 n = l.selectors.length;
        facets_ = new Facet[](n);
        uint256[] memory counts = new uint256[](n);
        uint256 nFacets = 0;
        for (uint256 i = 0; i < n; ++i) {
            bytes4 sel = l.selectors[i];
            address facet = LibDiamond.facetAddress(sel);
            uint256 j = 0;
            while (j < nFacets && facets_[j].facetAddress != facet) ++j;
            if (j == nFacets) {
                facets_[j].facetAddress = facet;
                facets_[j].functionSelectors = new bytes4[](n);
                ++nFacets;
            }
            facets_[j].functionSelectors[counts[j]++] = sel;
        }
        for (uint256 j = 0; j < nFacets; ++j) {
            bytes4[] memory sels = facets_[j].functionSelectors;
            uint256 c = counts[j];
            assembly ("memory-safe") {
                mstore(sels, c)
            }
        }
        assembly ("memory-safe") {
            mstore(facets_, nFacets)
        }
    }

    /// @notice The selectors routed to `_facet`.
    function facetFunctionSelectors(address _facet) external view override returns (bytes4[] memory selectors) {
        LibDiamond.Layout storage l = LibDiamond.get();
        uint256 n = l.selectors.length;
        selectors = new bytes4[](n);
        uint256 count = 0;
        for (uint256 i = 0; i < n; ++i) {
            bytes4 sel = l.selectors[i];
            if (LibDiamond.facetAddress(sel) == _facet) selectors[count++] = sel;
        }
        assembly ("memory-safe") {
            mstore(selectors, count)
        }
    }

    /// @notice Every facet address in use.
    function facetAddresses() external view override returns (address[] memory addrs) {
        LibDiamond.Layout storage l = LibDiamond.get();
        uint256 n = l.selectors.length;
        addrs = new address[](n);
        uint256 count = 0;
        for (uint256 i = 0; i < n; ++i) {
            address facet = LibDiamond.facetAddress(l.selectors[i]);
            uint256 j = 0;
            while (j < count && addrs[j] != facet) ++j;
            if (j == count) addrs[count++] = facet;
        }
        assembly ("memory-safe") {
            mstore(addrs, count)
        }
    }

    /// @notice The facet routed for `_functionSelector` (zero if none).
    function facetAddress(bytes4 _functionSelector) external view override returns (address) {
        return LibDiamond.facetAddress(_functionSelector);
    }

    /// @notice ERC-165.
    function supportsInterface(bytes4 interfaceId) external view override returns (bool) {
        return LibDiamond.get().supportedInterfaces[interfaceId];
    }
}
