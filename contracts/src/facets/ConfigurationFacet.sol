// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {FacetBase} from "./FacetBase.sol";
import {PocoStorage} from "../libs/PocoStorage.sol";
import {LibDiamond} from "../libs/LibDiamond.sol";

/// @title ConfigurationFacet
/// @notice One-time configuration, admin settings and ownership of the hub.
contract ConfigurationFacet is FacetBase {
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    error AlreadyConfigured();
    error InvalidAddress();
    error InvalidValue();

    /// @notice One-time setup (owner only).
    /// @param _token the RLC token held in escrow
    /// @param _name SRLC name ("Staked RLC")
    /// @param _symbol SRLC symbol ("SRLC")
    /// @param _decimals SRLC decimals (9)
    /// @param _appregistry AppRegistry
    /// @param _datasetregistry DatasetRegistry
    /// @param _workerpoolregistry WorkerpoolRegistry
    /// @param _v3_iexecHubAddress legacy hub (kept for the record; may be zero)
    function configure(
        address _token,
        string calldata _name,
        string calldata _symbol,
        uint8 _decimals,
        address _appregistry,
        address _datasetregistry,
        address _workerpoolregistry,
        address _v3_iexecHubAddress
    ) external onlyOwner {
        PocoStorage.Layout storage l = _layout();
        if (l.token != address(0)) revert AlreadyConfigured();
        if (_token == address(0)) revert InvalidAddress();
        l.token = _token;
        l.name = _name;
        l.symbol = _symbol;
        l.decimals = _decimals;
        l.appregistry = _appregistry;
        l.datasetregistry = _datasetregistry;
        l.workerpoolregistry = _workerpoolregistry;
        l.v3hub = _v3_iexecHubAddress;
        l.callbackgas = uint96(PocoStorage.DEFAULT_CALLBACK_GAS);
        l.hubStakePlusOne = 1;
    }

    /// @notice Point the hub at new registries (owner only).
    function changeRegistries(address _appregistry, address _datasetregistry, address _workerpoolregistry)
        external
        onlyOwner
    {
        PocoStorage.Layout storage l = _layout();
        l.appregistry = _appregistry;
        l.datasetregistry = _datasetregistry;
        l.workerpoolregistry = _workerpoolregistry;
    }

    /// @notice Set the TEE broker that authorizes enclave contributions (owner only).
    function setTeeBroker(address _teebroker) external onlyOwner {
        _layout().teebroker = _teebroker;
    }

    /// @notice Gas given to deal callbacks (owner only).
    function setCallbackGas(uint256 _callbackgas) external onlyOwner {
        if (_callbackgas > type(uint96).max) revert InvalidValue();
        _layout().callbackgas = uint96(_callbackgas);
    }

    /// @notice Kept for ABI compatibility: the EIP-712 domain separator is
    /// computed from the current chain id on every use, so there is nothing
    /// to refresh.
    function updateDomainSeparator() external {}

    /// @notice The RLC token.
    function token() external view returns (address) {
        return _layout().token;
    }

    /// @notice The AppRegistry.
    function appregistry() external view returns (address) {
        return _layout().appregistry;
    }

    /// @notice The DatasetRegistry.
    function datasetregistry() external view returns (address) {
        return _layout().datasetregistry;
    }

    /// @notice The WorkerpoolRegistry.
    function workerpoolregistry() external view returns (address) {
        return _layout().workerpoolregistry;
    }

    /// @notice The TEE broker (zero if none).
    function teebroker() external view returns (address) {
        return _layout().teebroker;
    }

    /// @notice Gas given to deal callbacks.
    function callbackgas() external view returns (uint256) {
        return _layout().callbackgas;
    }

    // -------------------------------------------------------------- ownership

    /// @notice The hub owner (admin and diamond-cut rights).
    function owner() external view returns (address) {
        return LibDiamond.owner();
    }

    /// @notice Hand the hub over to `newOwner` (owner only).
    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert InvalidAddress();
        LibDiamond.setOwner(newOwner);
    }

    /// @notice Give up ownership for good (owner only): no more admin, no more upgrades.
    function renounceOwnership() external onlyOwner {
        LibDiamond.setOwner(address(0));
    }
}
