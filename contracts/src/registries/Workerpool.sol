// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {RegistryEntry} from "./RegistryEntry.sol";
import {Registry} from "./Registry.sol";

/// @title Workerpool
/// @notice A workerpool: its description and its scheduler's policies.
contract Workerpool is RegistryEntry {
    event PolicyUpdate(
        uint256 oldWorkerStakeRatioPolicy,
        uint256 newWorkerStakeRatioPolicy,
        uint256 oldSchedulerRewardRatioPolicy,
        uint256 newSchedulerRewardRatioPolicy
    );

    error InvalidPolicy();

    /// @notice Description.
    string public m_workerpoolDescription;
    // Both policies share one slot.
    uint128 private _workerStakeRatioPolicy;
    uint128 private _schedulerRewardRatioPolicy;

    /// @notice Set the description and default policies (its registry only, at creation).
    function initialize(string calldata _workerpoolDescription) external onlyRegistry {
        m_workerpoolDescription = _workerpoolDescription;
        _workerStakeRatioPolicy = 30;
        _schedulerRewardRatioPolicy = 1;
    }

    /// @notice Percentage of the pool price a worker stakes per contribution (default 30).
    function m_workerStakeRatioPolicy() external view returns (uint256) {
        return _workerStakeRatioPolicy;
    }

    /// @notice Percentage of the pool price kept by the scheduler (default 1).
    function m_schedulerRewardRatioPolicy() external view returns (uint256) {
        return _schedulerRewardRatioPolicy;
    }

    /// @notice Both policies in one call (what the hub reads when it matches a deal; one call
    /// instead of two saves the hub a round trip through this entry's proxy).
    function policies() external view returns (uint256 workerStakeRatio, uint256 schedulerRewardRatio) {
        return (_workerStakeRatioPolicy, _schedulerRewardRatioPolicy);
    }

    /// @notice Change the policies (owner only); applies to deals matched afterwards.
    /// @param _newWorkerStakeRatioPolicy worker stake, percent of the pool price
    /// @param _newSchedulerRewardRatioPolicy scheduler share, percent (at most 100)
    function changePolicy(uint256 _newWorkerStakeRatioPolicy, uint256 _newSchedulerRewardRatioPolicy)
        external
        onlyOwner
    {
        if (_newSchedulerRewardRatioPolicy > 100 || _newWorkerStakeRatioPolicy > type(uint128).max) {
            revert InvalidPolicy();
        }
        emit PolicyUpdate(
            _workerStakeRatioPolicy, _newWorkerStakeRatioPolicy, _schedulerRewardRatioPolicy, _newSchedulerRewardRatioPolicy
        );
        _workerStakeRatioPolicy = uint128(_newWorkerStakeRatioPolicy);
        _schedulerRewardRatioPolicy = uint128(_newSchedulerRewardRatioPolicy);
    }
}

/// @title WorkerpoolRegistry
/// @notice "iExec Workerpool Registry (V5)" / "iExecWorkerpoolV5".
contract WorkerpoolRegistry is Registry {
    constructor() Registry(address(new Workerpool()), "iExec Workerpool Registry (V5)", "iExecWorkerpoolV5") {}

    /// @notice Create a workerpool owned by `_workerpoolOwner` (anyone can call).
    function createWorkerpool(address _workerpoolOwner, string calldata _workerpoolDescription)
        external
        returns (address)
    {
        return _createEntry(_workerpoolOwner, abi.encodeCall(Workerpool.initialize, (_workerpoolDescription)));
    }

    /// @notice The address `createWorkerpool` would give these arguments.
    function predictWorkerpool(address _workerpoolOwner, string calldata _workerpoolDescription)
        external
        view
        returns (address)
    {
        return _predictEntry(_workerpoolOwner, abi.encodeCall(Workerpool.initialize, (_workerpoolDescription)));
    }
}
