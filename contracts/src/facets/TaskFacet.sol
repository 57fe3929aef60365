// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {FacetBase} from "./FacetBase.sol";
import {PocoStorage} from "../libs/PocoStorage.sol";
import {PocoTypes} from "../libs/PocoTypes.sol";
import {LibLedger} from "../libs/LibLedger.sol";
import {LibSignature} from "../libs/LibSignature.sol";
import {LibTask} from "../libs/LibTask.sol";
import {LibDeal} from "../libs/LibDeal.sol";

/// @title TaskFacet
/// @notice Task lifecycle up to consensus: initialize, contribute, reveal, reopen.
contract TaskFacet is FacetBase {
    event TaskContribute(bytes32 indexed taskid, address indexed worker, bytes32 hash);
    event TaskConsensus(bytes32 indexed taskid, bytes32 consensus);
    event TaskReveal(bytes32 indexed taskid, address indexed worker, bytes32 digest);
    event TaskReopen(bytes32 indexed taskid);

    error LengthMismatch();

    /// @notice Create task `index` of deal `dealId` (anyone).
    /// @return the task id, keccak256(dealId ‖ index)
    function initialize(bytes32 dealId, uint256 index) external returns (bytes32) {
        return LibTask.initialize(_layout(), dealId, index);
    }

    /// @notice Batched `initialize`.
    function initializeArray(bytes32[] calldata dealIds, uint256[] calldata indexes) external returns (bool) {
        if (dealIds.length != indexes.length) revert LengthMismatch();
        PocoStorage.Layout storage l = _layout();
        for (uint256 i = 0; i < dealIds.length; ++i) {
            LibTask.initialize(l, dealIds[i], indexes[i]);
        }
        return true;
    }

    /// @notice Contribute a result hash (the caller is the worker). Locks the
    /// deal's worker stake from the caller.
    /// @param resultHash keccak256(taskId ‖ resultDigest)
    /// @param resultSeal keccak256(worker ‖ taskId ‖ resultDigest)
    /// @param enclaveChallenge the enclave's key (zero outside TEE)
    /// @param enclaveSign the enclave's EIP-191 signature of keccak256(resultHash ‖ resultSeal)
    /// @param authorizationSign the scheduler's (or TEE broker's) EIP-191
    /// signature of keccak256(worker ‖ taskId ‖ enclaveChallenge)
    function contribute(
        bytes32 taskId,
        bytes32 resultHash,
        bytes32 resultSeal,
        address enclaveChallenge,
        bytes calldata enclaveSign,
        bytes calldata authorizationSign
    ) external {
        PocoStorage.Layout storage l = _layout();
        PocoStorage.TaskStore storage t = l.tasks[taskId];
        PocoStorage.ContributionStore storage c = l.contributions[taskId][msg.sender];
        require(t.status == PocoTypes.TaskStatusEnum.ACTIVE, "iExecV5-contribute-0x01");
        require(block.timestamp < t.contributionDeadline, "iExecV5-contribute-0x02");
        require(c.status == PocoTypes.ContributionStatusEnum.UNSET, "iExecV5-contribute-0x03");
        require(resultHash != bytes32(0) && resultSeal != bytes32(0), "iExecV5-contribute-0x04");
        LibDeal.Deal memory d = LibDeal.load(l, t.dealid, false);
        _checkAuthorization(
            l, d, taskId, keccak256(abi.encodePacked(resultHash, resultSeal)), enclaveChallenge, enclaveSign, authorizationSign
        );

        // Record the contribution.
        uint256 score = l.scores[msg.sender];
        uint256 w = score / 3;
        if (w < 3) w = 3;
        w -= 1;
        c.status = PocoTypes.ContributionStatusEnum.CONTRIBUTED;
        c.enclaveChallenge = enclaveChallenge;
        c.weight = uint8(LibTask.log2up(w));
        c.resultHash = resultHash;
        c.resultSeal = resultSeal;
        t.contributors.push(msg.sender);
        LibLedger.lock(msg.sender, d.workerStake);

        // Weigh it.
        uint256 group = l.groupWeight[taskId][resultHash];
        uint256 delta = (group == 0 ? 1 : group) * w - group;
        group += delta;
        l.groupWeight[taskId][resultHash] = group;
        uint256 totalMinusOne = t.totalWeightMinusOne + delta;
        t.totalWeightMinusOne = totalMinusOne;
        emit TaskContribute(taskId, msg.sender, resultHash);

        uint256 trust = d.trust;
        if (group * trust > (totalMinusOne + 1) * (trust - 1)) {
            _consensus(l, t, taskId, resultHash);
        }
    }

    function _consensus(
        PocoStorage.Layout storage l,
        PocoStorage.TaskStore storage t,
        bytes32 taskId,
        bytes32 consensus
    ) private {
        address[] storage contributors = t.contributors;
        mapping(address => PocoStorage.ContributionStore) storage cs = l.contributions[taskId];
        uint256 n = contributors.length;
        uint256 winners = 0;
        for (uint256 i = 0; i < n; ++i) {
            PocoStorage.ContributionStore storage c = cs[contributors[i]];
            if (c.status == PocoTypes.ContributionStatusEnum.CONTRIBUTED && c.resultHash == consensus) ++winners;
        }
        t.status = PocoTypes.TaskStatusEnum.REVEALING;
        t.consensusValue = consensus;
        t.revealDeadline = uint40(block.timestamp + uint256(t.timeref) * PocoStorage.REVEAL_DEADLINE_RATIO);
        t.revealCounter = 0;
        t.winnerCounter = uint24(winners);
        emit TaskConsensus(taskId, consensus);
    }

    /// @notice Reveal the digest behind the caller's contribution, which must
    /// be the consensus value.
    function reveal(bytes32 taskId, bytes32 resultDigest) external {
        PocoStorage.Layout storage l = _layout();
        PocoStorage.TaskStore storage t = l.tasks[taskId];
        PocoStorage.ContributionStore storage c = l.contributions[taskId][msg.sender];
        require(t.status == PocoTypes.TaskStatusEnum.REVEALING, "iExecV5-reveal-0x01");
        require(block.timestamp < t.revealDeadline, "iExecV5-reveal-0x02");
        require(c.status == PocoTypes.ContributionStatusEnum.CONTRIBUTED, "iExecV5-reveal-0x03");
        require(c.resultHash == t.consensusValue, "iExecV5-reveal-0x04");
        require(c.resultHash == keccak256(abi.encodePacked(taskId, resultDigest)), "iExecV5-reveal-0x05");
        require(c.resultSeal == keccak256(abi.encodePacked(msg.sender, taskId, resultDigest)), "iExecV5-reveal-0x06");
        c.status = PocoTypes.ContributionStatusEnum.PROVED;
        t.revealCounter += 1;
        t.resultDigest = resultDigest;
        emit TaskReveal(taskId, msg.sender, resultDigest);
    }

    /// @notice Scheduler only: when nobody revealed in time, reject the
    /// consensus' contributors and reopen the task for contributions.
    function reopen(bytes32 taskId) external {
        PocoStorage.Layout storage l = _layout();
        PocoStorage.TaskStore storage t = l.tasks[taskId];
        LibDeal.Deal memory d = LibDeal.load(l, t.dealid, false);
        require(msg.sender == d.workerpoolOwner, "iExecV5-reopen-0x00");
        require(t.status == PocoTypes.TaskStatusEnum.REVEALING, "iExecV5-reopen-0x01");
        require(block.timestamp < t.finalDeadline, "iExecV5-reopen-0x02");
        require(block.timestamp >= t.revealDeadline && t.revealCounter == 0, "iExecV5-reopen-0x03");

        bytes32 consensus = t.consensusValue;
        address[] storage contributors = t.contributors;
        mapping(address => PocoStorage.ContributionStore) storage cs = l.contributions[taskId];
        uint256 n = contributors.length;
        for (uint256 i = 0; i < n; ++i) {
            PocoStorage.ContributionStore storage c = cs[contributors[i]];
            if (c.status == PocoTypes.ContributionStatusEnum.CONTRIBUTED && c.resultHash == consensus) {
                c.status = PocoTypes.ContributionStatusEnum.REJECTED;
            }
        }
        t.totalWeightMinusOne -= l.groupWeight[taskId][consensus];
        l.groupWeight[taskId][consensus] = 0;
        t.status = PocoTypes.TaskStatusEnum.ACTIVE;
        t.consensusValue = bytes32(0);
        t.revealDeadline = 0;
        t.winnerCounter = 0;
        emit TaskReopen(taskId);
    }

    function _checkAuthorization(
        PocoStorage.Layout storage l,
        LibDeal.Deal memory d,
        bytes32 taskId,
        bytes32 enclaveMessage,
        address enclaveChallenge,
        bytes calldata enclaveSign,
        bytes calldata authorizationSign
    ) private view {
        require(
            enclaveChallenge != address(0) || d.tag & PocoStorage.TEE_TAG_MASK == 0, "iExecV5-contribute-0x05"
        );
        if (enclaveChallenge != address(0)) {
            require(
                LibSignature.verify(enclaveChallenge, LibSignature.toEthSignedMessageHash(enclaveMessage), enclaveSign),
                "iExecV5-contribute-0x06"
            );
        }
        address teebroker = l.teebroker;
        address authorizer =
            (enclaveChallenge != address(0) && teebroker != address(0)) ? teebroker : d.workerpoolOwner;
        bytes32 authorization =
            LibSignature.toEthSignedMessageHash(keccak256(abi.encodePacked(msg.sender, taskId, enclaveChallenge)));
        require(LibSignature.verify(authorizer, authorization, authorizationSign), "iExecV5-contribute-0x07");
    }
}
