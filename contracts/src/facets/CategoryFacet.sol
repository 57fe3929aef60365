// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {FacetBase} from "./FacetBase.sol";
import {PocoTypes} from "../libs/PocoTypes.sol";
import {PocoStorage} from "../libs/PocoStorage.sol";

/// @title CategoryFacet
/// @notice Work categories: a name, a description and a reference duration
/// (seconds) from which task deadlines derive. Ids are array indices.
contract CategoryFacet is FacetBase {
    event CreateCategory(uint256 catid, string name, string description, uint256 workClockTimeRef);

    error UnknownCategory(uint256 catid);

    /// @notice Append a category (hub owner only).
    /// @return catid the new category's id
    function createCategory(string calldata name, string calldata description, uint256 workClockTimeRef)
        external
        onlyOwner
        returns (uint256 catid)
    {
        PocoStorage.Layout storage l = _layout();
        catid = l.categories.length;
        l.categories.push(PocoTypes.Category(name, description, workClockTimeRef));
        l.categoryCount = uint32(catid + 1);
        emit CreateCategory(catid, name, description, workClockTimeRef);
    }

    /// @notice Category `catid` (reverts if it does not exist).
    function viewCategory(uint256 catid) external view returns (PocoTypes.Category memory) {
        PocoTypes.Category[] storage cats = _layout().categories;
        if (catid >= cats.length) revert UnknownCategory(catid);
        return cats[catid];
    }

    /// @notice Number of categories.
    function countCategory() external view returns (uint256) {
        return _layout().categories.length;
    }
}
