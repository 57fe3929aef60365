// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {FacetBase} from "./FacetBase.sol";
import {PocoStorage} from "../libs/PocoStorage.sol";
import {PocoTypes} from "../libs/PocoTypes.sol";
import {LibOrders} from "../libs/LibOrders.sol";
import {LibDeal} from "../libs/LibDeal.sol";
import {IApp, IDataset, IWorkerpool} from "../interfaces/IRegistries.sol";

/// @title AccessorsFacet
/// @notice Read-only views of deals, tasks, contributions, orders, scores,
/// registry entries, the EIP-712 domain and the protocol constants.
contract AccessorsFacet is FacetBase {
    /// @notice Deal `id` (all zero if unknown).
    function viewDeal(bytes32 id) external view returns (PocoTypes.Deal memory) {
        return LibDeal.toABI(LibDeal.load(_layout(), id, true));
    }

    /// @notice Task `id` (all zero if unknown).
    function viewTask(bytes32 id) external view returns (PocoTypes.Task memory task) {
        PocoStorage.TaskStore storage t = _layout().tasks[id];
        task.status = t.status;
        task.dealid = t.dealid;
        task.idx = t.idx;
        task.timeref = t.timeref;
        task.contributionDeadline = t.contributionDeadline;
        task.revealDeadline = t.revealDeadline;
        task.finalDeadline = t.finalDeadline;
        task.consensusValue = t.consensusValue;
        task.revealCounter = t.revealCounter;
        task.winnerCounter = t.winnerCounter;
        if (t.fast) {
            task.consensusValue = keccak256(abi.encodePacked(id, t.resultDigest));
            task.contributors = new address[](1);
            task.contributors[0] = t.soleWorker;
        } else {
            task.contributors = t.contributors;
        }
        task.resultDigest = t.resultDigest;
        task.results = t.results;
        task.resultsTimestamp = t.resultsTimestamp;
        task.resultsCallback = t.resultsCallback;
    }

    /// @notice `worker`'s contribution to task `taskid`.
    function viewContribution(bytes32 taskid, address worker)
        external
        view
        returns (PocoTypes.Contribution memory)
    {
        PocoStorage.Layout storage l = _layout();
        PocoStorage.ContributionStore storage c = l.contributions[taskid][worker];
        PocoStorage.TaskStore storage t = l.tasks[taskid];
        if (t.fast && worker == t.soleWorker && worker != address(0)) {
            bytes32 digest = t.resultDigest;
            return PocoTypes.Contribution(
                PocoTypes.ContributionStatusEnum.PROVED,
                keccak256(abi.encodePacked(taskid, digest)),
                keccak256(abi.encodePacked(worker, taskid, digest)),
                c.enclaveChallenge,
                0
            );
        }
        return PocoTypes.Contribution(c.status, c.resultHash, c.resultSeal, c.enclaveChallenge, c.weight);
    }

    /// @notice The callback data of a completed task (reverts otherwise).
    function resultFor(bytes32 id) external view returns (bytes memory) {
        PocoStorage.TaskStore storage t = _layout().tasks[id];
        require(t.status == PocoTypes.TaskStatusEnum.COMPLETED, "iExecV5-resultFor-0x01");
        return t.resultsCallback;
    }

    /// @notice Volume of the order with EIP-712 hash `id` already used (or closed).
    function viewConsumed(bytes32 id) external view returns (uint256 consumed) {
        return _layout().consumed[id];
    }

    /// @notice Who presigned the order with hash `id` (zero if nobody).
    function viewPresigned(bytes32 id) external view returns (address signer) {
        return _layout().presigned[id];
    }

    /// @notice `worker`'s reputation score.
    function viewScore(address worker) external view returns (uint256) {
        return _layout().scores[worker];
    }

    /// @notice An app's owner and metadata.
    function viewApp(address app) external view returns (PocoTypes.AppInfo memory) {
        IApp a = IApp(app);
        return PocoTypes.AppInfo(
            a.owner(), a.m_appName(), a.m_appType(), a.m_appMultiaddr(), a.m_appChecksum(), a.m_appMREnclave()
        );
    }

    /// @notice A dataset's owner and metadata.
    function viewDataset(address dataset) external view returns (PocoTypes.DatasetInfo memory) {
        IDataset d = IDataset(dataset);
        return PocoTypes.DatasetInfo(d.owner(), d.m_datasetName(), d.m_datasetMultiaddr(), d.m_datasetChecksum());
    }

    /// @notice A workerpool's owner, description and policies.
    function viewWorkerpool(address workerpool) external view returns (PocoTypes.WorkerpoolInfo memory) {
        IWorkerpool w = IWorkerpool(workerpool);
        return PocoTypes.WorkerpoolInfo(
            w.owner(), w.m_workerpoolDescription(), w.m_workerStakeRatioPolicy(), w.m_schedulerRewardRatioPolicy()
        );
    }

    /// @notice The EIP-712 domain orders are signed in.
    function domain() external view returns (PocoTypes.EIP712Domain memory) {
        return PocoTypes.EIP712Domain(LibOrders.DOMAIN_NAME, LibOrders.DOMAIN_VERSION, block.chainid, address(this));
    }

    /// @notice The EIP-712 domain separator.
    function eip712domain_separator() external view returns (bytes32) {
        return LibOrders.domainSeparator();
    }

    /// @notice 7: contribution deadline = start + 7 · category duration.
    function contribution_deadline_ratio() external pure returns (uint256) {
        return PocoStorage.CONTRIBUTION_DEADLINE_RATIO;
    }

    /// @notice 2: reveal deadline = consensus time + 2 · category duration.
    function reveal_deadline_ratio() external pure returns (uint256) {
        return PocoStorage.REVEAL_DEADLINE_RATIO;
    }

    /// @notice 10: final deadline = start + 10 · category duration.
    function final_deadline_ratio() external pure returns (uint256) {
        return PocoStorage.FINAL_DEADLINE_RATIO;
    }

    /// @notice 30: the pool owner stakes 30% of the pool price per task.
    function workerpool_stake_ratio() external pure returns (uint256) {
        return PocoStorage.WORKERPOOL_STAKE_RATIO;
    }

    /// @notice 10: percentage of the kitty paid to a pool on finalize.
    function kitty_ratio() external pure returns (uint256) {
        return PocoStorage.KITTY_RATIO;
    }

    /// @notice 1 RLC: minimum kitty payment.
    function kitty_min() external pure returns (uint256) {
        return PocoStorage.KITTY_MIN;
    }

    /// @notice Where seized pool stakes accumulate (as frozen funds).
    function kitty_address() external pure returns (address) {
        return PocoStorage.KITTY_ADDRESS;
    }

    /// @notice 4: the ERC-734 key purpose that makes a key a group member.
    function groupmember_purpose() external pure returns (uint256) {
        return PocoStorage.GROUPMEMBER_PURPOSE;
    }
}
