// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {PocoStorage} from "./PocoStorage.sol";
import {PocoTypes} from "./PocoTypes.sol";
import {LibLedger} from "./LibLedger.sol";
import {LibDeal} from "./LibDeal.sol";
import {IOracleConsumer} from "../interfaces/IRegistries.sol";

/// @title LibTask
/// @notice Task logic shared by the lifecycle facets: initialization, claim,
/// reward distribution and result callbacks.
library LibTask {
    event TaskInitialize(bytes32 indexed taskid, address indexed workerpool);
    event TaskClaimed(bytes32 indexed taskid);
    event AccurateContribution(address indexed worker, bytes32 indexed taskid);
    event FaultyContribution(address indexed worker, bytes32 indexed taskid);

    /// @dev A deadline does not fit 40 bits (absurd category duration).
    error DeadlineOverflow();

    function taskPrice(LibDeal.Deal memory d) internal pure returns (uint256) {
        return d.appPrice + d.datasetPrice + d.workerpoolPrice;
    }

    function poolStake(LibDeal.Deal memory d) internal pure returns (uint256) {
        return d.workerpoolPrice * PocoStorage.WORKERPOOL_STAKE_RATIO / 100;
    }

    /// @dev Create task `idx` of deal `dealid`.
    function initialize(PocoStorage.Layout storage l, bytes32 dealid, uint256 idx) internal returns (bytes32 taskid) {
        LibDeal.Deal memory d = LibDeal.load(l, dealid, false);
        uint256 botFirst = d.botFirst;
        require(idx >= botFirst && idx < botFirst + d.botSize, "iExecV5-initialize-0x01");
        taskid = keccak256(abi.encodePacked(dealid, idx));
        PocoStorage.TaskStore storage t = l.tasks[taskid];
        require(t.status == PocoTypes.TaskStatusEnum.UNSET, "iExecV5-initialize-0x02");

        uint256 timeref = l.categories[d.category].workClockTimeRef;
        uint256 start = d.startTime;
        uint256 contributionDeadline = start + timeref * PocoStorage.CONTRIBUTION_DEADLINE_RATIO;
        uint256 finalDeadline = start + timeref * PocoStorage.FINAL_DEADLINE_RATIO;
        if (finalDeadline > type(uint40).max) revert DeadlineOverflow();

        t.dealid = dealid;
        t.status = PocoTypes.TaskStatusEnum.ACTIVE;
        t.idx = uint64(idx);
        t.timeref = uint40(timeref);
        t.contributionDeadline = uint40(contributionDeadline);
        t.finalDeadline = uint40(finalDeadline);
        emit TaskInitialize(taskid, d.workerpool);
    }

    /// @dev Fail an expired task: refund the sponsor, give the pool's stake to
    /// the kitty, free the workers' stakes.
    function claim(PocoStorage.Layout storage l, bytes32 taskid) internal {
        PocoStorage.TaskStore storage t = l.tasks[taskid];
        PocoTypes.TaskStatusEnum status = t.status;
        require(
            status == PocoTypes.TaskStatusEnum.ACTIVE || status == PocoTypes.TaskStatusEnum.REVEALING,
            "iExecV5-claim-0x01"
        );
        require(block.timestamp >= t.finalDeadline, "iExecV5-claim-0x02");
        t.status = PocoTypes.TaskStatusEnum.FAILED;

        LibDeal.Deal memory d = LibDeal.load(l, t.dealid, false);
        LibLedger.unlock(d.sponsor, taskPrice(d));
        uint256 stake = poolStake(d);
        LibLedger.seize(d.workerpoolOwner, stake, taskid);
        LibLedger.reward(PocoStorage.KITTY_ADDRESS, stake, taskid);
        LibLedger.lock(PocoStorage.KITTY_ADDRESS, stake);
        uint256 workerStake = d.workerStake;
        address[] storage contributors = t.contributors;
        uint256 n = contributors.length;
        for (uint256 i = 0; i < n; ++i) {
            LibLedger.unlock(contributors[i], workerStake);
        }
        emit TaskClaimed(taskid);
    }

    /// @dev Payments common to both finalize paths: the sponsor pays the task,
    /// the app and dataset owners are paid, the pool's stake is freed, and the
    /// pool owner gets a share of the kitty.
    function payResources(PocoStorage.Layout storage l, LibDeal.Deal memory d, bytes32 taskid) internal {
        LibLedger.seize(d.sponsor, taskPrice(d), taskid);
        LibLedger.reward(d.appOwner, d.appPrice, taskid);
        if (d.dataset != address(0)) LibLedger.reward(d.datasetOwner, d.datasetPrice, taskid);
        address poolOwner = d.workerpoolOwner;
        LibLedger.unlock(poolOwner, poolStake(d));
        uint256 kitty = l.accounts[PocoStorage.KITTY_ADDRESS].locked;
        if (kitty > 0) {
            uint256 value = kitty * PocoStorage.KITTY_RATIO / 100;
            if (value < PocoStorage.KITTY_MIN) value = PocoStorage.KITTY_MIN;
            if (value > kitty) value = kitty;
            LibLedger.seize(PocoStorage.KITTY_ADDRESS, value, taskid);
            LibLedger.reward(poolOwner, value, taskid);
        }
    }

    /// @dev Consensus-path worker payments: proved contributors share the
    /// workers' part of (pool price + losers' stakes) by weight; the rest goes
    /// to the pool owner.
    function payWorkers(
        PocoStorage.Layout storage l,
        LibDeal.Deal memory d,
        PocoStorage.TaskStore storage t,
        bytes32 taskid
    ) internal {
        address[] storage contributors = t.contributors;
        uint256 n = contributors.length;
        uint256 workerStake = d.workerStake;
        uint256 totalReward = d.workerpoolPrice;
        uint256 totalWeight = 0;
        mapping(address => PocoStorage.ContributionStore) storage cs = l.contributions[taskid];
        for (uint256 i = 0; i < n; ++i) {
            PocoStorage.ContributionStore storage c = cs[contributors[i]];
            if (c.status == PocoTypes.ContributionStatusEnum.PROVED) totalWeight += c.weight;
            else totalReward += workerStake;
        }
        uint256 workersReward = totalReward * (100 - d.schedulerRewardRatio) / 100;
        uint256 distributed = 0;
        for (uint256 i = 0; i < n; ++i) {
            address worker = contributors[i];
            if (cs[worker].status == PocoTypes.ContributionStatusEnum.PROVED) {
                uint256 r = workersReward * cs[worker].weight / totalWeight;
                distributed += r;
                LibLedger.unlock(worker, workerStake);
                LibLedger.reward(worker, r, taskid);
                if (n > 1) {
                    l.scores[worker] += 1;
                    emit AccurateContribution(worker, taskid);
                }
            } else {
                LibLedger.seize(worker, workerStake, taskid);
                l.scores[worker] = l.scores[worker] * 2 / 3;
                emit FaultyContribution(worker, taskid);
            }
        }
        LibLedger.reward(d.workerpoolOwner, totalReward - distributed, taskid);
    }

    /// @dev `resultsCallback` must hash to the digest when the deal has a
    /// callback, and be empty otherwise.
    function checkCallbackData(LibDeal.Deal memory d, bytes32 digest, bytes calldata resultsCallback)
        internal
        pure
        returns (bool)
    {
        if (d.callback == address(0)) return resultsCallback.length == 0;
        return keccak256(resultsCallback) == digest;
    }

    /// @dev Call `callback.receiveResult(taskid, data)` with exactly the
    /// configured gas; its failure is ignored (and its return data never copied).
    function executeCallback(PocoStorage.Layout storage l, address callback, bytes32 taskid, bytes calldata data)
        internal
    {
        if (callback == address(0)) return;
        uint256 gasLimit = l.callbackgas;
        // Make sure the callee really gets `gasLimit` (EIP-150 keeps 1/64 back).
        require(gasleft() >= gasLimit + gasLimit / 63 + 10000, "iExecV5-callback-0x01");
        bytes memory payload = abi.encodeCall(IOracleConsumer.receiveResult, (taskid, data));
        assembly ("memory-safe") {
            pop(call(gasLimit, callback, 0, add(payload, 32), mload(payload), 0, 0))
        }
    }

    /// @dev ceil(log2(x)) for x >= 1.
    function log2up(uint256 x) internal pure returns (uint256 r) {
        uint256 v = x - 1;
        while (v > 0) {
            v >>= 1;
            ++r;
        }
    }
}
