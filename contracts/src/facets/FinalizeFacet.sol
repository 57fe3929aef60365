// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {FacetBase} from "./FacetBase.sol";
import {PocoStorage} from "../libs/PocoStorage.sol";
import {PocoTypes} from "../libs/PocoTypes.sol";
import {LibLedger} from "../libs/LibLedger.sol";
import {LibSignature} from "../libs/LibSignature.sol";
import {LibTask} from "../libs/LibTask.sol";
import {LibDeal} from "../libs/LibDeal.sol";

/// @title FinalizeFacet
/// @notice Task settlement: finalize, the one-transaction contributeAndFinalize,
/// and claim of expired tasks.
contract FinalizeFacet is FacetBase {
    event TaskContribute(bytes32 indexed taskid, address indexed worker, bytes32 hash);
    event TaskConsensus(bytes32 indexed taskid, bytes32 consensus);
    event TaskReveal(bytes32 indexed taskid, address indexed worker, bytes32 digest);
    event TaskFinalize(bytes32 indexed taskid, bytes results);

    error LengthMismatch();

    /// @notice Scheduler only: complete a task after the reveals, pay
    /// everyone, then call the deal's callback (if any) with `resultsCallback`.
    /// @param results the results' location (e.g. an IPFS path), free-form
    /// @param resultsCallback data for the callback; keccak256 of it must be
    /// the revealed digest when the deal has a callback, and it must be empty otherwise
    function finalize(bytes32 taskId, bytes calldata results, bytes calldata resultsCallback) external {
        PocoStorage.Layout storage l = _layout();
        PocoStorage.TaskStore storage t = l.tasks[taskId];
        LibDeal.Deal memory d = LibDeal.load(l, t.dealid, false);
        require(msg.sender == d.workerpoolOwner, "iExecV5-finalize-0x00");
        require(t.status == PocoTypes.TaskStatusEnum.REVEALING, "iExecV5-finalize-0x01");
        require(block.timestamp < t.finalDeadline, "iExecV5-finalize-0x02");
        uint256 revealed = t.revealCounter;
        require(
            revealed == t.winnerCounter || (revealed > 0 && block.timestamp >= t.revealDeadline),
            "iExecV5-finalize-0x03"
        );
        require(LibTask.checkCallbackData(d, t.resultDigest, resultsCallback), "iExecV5-finalize-0x04");

        t.status = PocoTypes.TaskStatusEnum.COMPLETED;
        t.results = results;
        t.resultsTimestamp = uint40(block.timestamp);
        if (resultsCallback.length != 0) t.resultsCallback = resultsCallback;

        LibTask.payResources(l, d, taskId);
        LibTask.payWorkers(l, d, t, taskId);
        emit TaskFinalize(taskId, results);
        LibTask.executeCallback(l, d.callback, taskId, resultsCallback);
    }

    /// @notice One-transaction path for trust-1 deals: the caller (worker)
    /// contributes, reveals and finalizes at once, with the scheduler's
    /// authorization; no worker stake is taken and scores do not change.
    function contributeAndFinalize(
        bytes32 taskId,
        bytes32 resultDigest,
        bytes calldata results,
        bytes calldata resultsCallback,
        address enclaveChallenge,
        bytes calldata enclaveSign,
        bytes calldata authorizationSign
    ) external {
        PocoStorage.Layout storage l = _layout();
        PocoStorage.TaskStore storage t = l.tasks[taskId];
        LibDeal.Deal memory d = LibDeal.load(l, t.dealid, false);
        require(t.status == PocoTypes.TaskStatusEnum.ACTIVE, "iExecV5-contributeAndFinalize-0x01");
        require(block.timestamp < t.contributionDeadline, "iExecV5-contributeAndFinalize-0x02");
        require(t.contributors.length == 0, "iExecV5-contributeAndFinalize-0x03");
        require(d.trust == 1, "iExecV5-contributeAndFinalize-0x04");
        require(LibTask.checkCallbackData(d, resultDigest, resultsCallback), "iExecV5-contributeAndFinalize-0x05");

        bytes32 resultHash = keccak256(abi.encodePacked(taskId, resultDigest));
        bytes32 resultSeal = keccak256(abi.encodePacked(msg.sender, taskId, resultDigest));
        _checkAuthorization(l, d, taskId, resultHash, resultSeal, enclaveChallenge, enclaveSign, authorizationSign);

        _recordFastResult(l, t, taskId, resultDigest, enclaveChallenge, results, resultsCallback);

        LibTask.payResources(l, d, taskId);
        uint256 price = d.workerpoolPrice;
        uint256 workerReward = price * (100 - d.schedulerRewardRatio) / 100;
        LibLedger.reward(msg.sender, workerReward, taskId);
        LibLedger.reward(d.workerpoolOwner, price - workerReward, taskId);

        emit TaskContribute(taskId, msg.sender, resultHash);
        emit TaskConsensus(taskId, resultHash);
        emit TaskReveal(taskId, msg.sender, resultDigest);
        emit TaskFinalize(taskId, results);
        LibTask.executeCallback(l, d.callback, taskId, resultsCallback);
    }

    /// @notice Fail a task whose final deadline has passed (anyone): refunds
    /// the sponsor, moves the pool's stake to the kitty, frees the workers' stakes.
    function claim(bytes32 taskId) external {
        LibTask.claim(_layout(), taskId);
    }

    /// @notice Batched `claim`.
    function claimArray(bytes32[] calldata taskIds) external returns (bool) {
        PocoStorage.Layout storage l = _layout();
        for (uint256 i = 0; i < taskIds.length; ++i) {
            LibTask.claim(l, taskIds[i]);
        }
        return true;
    }

    /// @notice Batched `initialize` then `claim`, for expired tasks never initialized.
    function initializeAndClaimArray(bytes32[] calldata dealIds, uint256[] calldata indexes)
        external
        returns (bool)
    {
        if (dealIds.length != indexes.length) revert LengthMismatch();
        PocoStorage.Layout storage l = _layout();
        for (uint256 i = 0; i < dealIds.length; ++i) {
            LibTask.claim(l, LibTask.initialize(l, dealIds[i], indexes[i]));
        }
        return true;
    }

    function _recordFastResult(
        PocoStorage.Layout storage l,
        PocoStorage.TaskStore storage t,
        bytes32 taskId,
        bytes32 resultDigest,
        address enclaveChallenge,
        bytes calldata results,
        bytes calldata resultsCallback
    ) private {
        // The contribution, contributor list and consensus value are derived
        // from soleWorker and the digest (see PocoStorage.TaskStore).
        if (enclaveChallenge != address(0)) l.contributions[taskId][msg.sender].enclaveChallenge = enclaveChallenge;
        t.status = PocoTypes.TaskStatusEnum.COMPLETED;
        t.fast = true;
        t.revealDeadline = uint40(block.timestamp);
        t.resultsTimestamp = uint40(block.timestamp);
        t.revealCounter = 1;
        t.winnerCounter = 1;
        t.soleWorker = msg.sender;
        t.resultDigest = resultDigest;
        t.results = results;
        if (resultsCallback.length != 0) t.resultsCallback = resultsCallback;
    }

    function _checkAuthorization(
        PocoStorage.Layout storage l,
        LibDeal.Deal memory d,
        bytes32 taskId,
        bytes32 resultHash,
        bytes32 resultSeal,
        address enclaveChallenge,
        bytes calldata enclaveSign,
        bytes calldata authorizationSign
    ) private view {
        require(
            enclaveChallenge != address(0) || d.tag & PocoStorage.TEE_TAG_MASK == 0,
            "iExecV5-contributeAndFinalize-0x06"
        );
        if (enclaveChallenge != address(0)) {
            require(
                LibSignature.verify(
                    enclaveChallenge,
                    LibSignature.toEthSignedMessageHash(keccak256(abi.encodePacked(resultHash, resultSeal))),
                    enclaveSign
                ),
                "iExecV5-contributeAndFinalize-0x07"
            );
        }
        address teebroker = l.teebroker;
        address authorizer =
            (enclaveChallenge != address(0) && teebroker != address(0)) ? teebroker : d.workerpoolOwner;
        bytes32 authorization =
            LibSignature.toEthSignedMessageHash(keccak256(abi.encodePacked(msg.sender, taskId, enclaveChallenge)));
        require(LibSignature.verify(authorizer, authorization, authorizationSign), "iExecV5-contributeAndFinalize-0x08");
    }
}
