// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {PocoTypes} from "./PocoTypes.sol";

/// @title PocoStorage
/// @notice The hub's state, shared by every facet, in one ERC-7201 namespace.
/// @dev Storage structs are packed for gas; the ABI views unpack them into the
/// `PocoTypes` structs. Never reorder or remove members: facets are upgraded
/// independently and all read this layout. Append new members at the end only.
library PocoStorage {
    // keccak256(abi.encode(uint256(keccak256("poco.storage.Main")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant SLOT = 0x93b512a381f61647fde4e8ce881c11195f7ac435e3ed1b146d48e42949c5ae00;

    // ------------------------------------------------------- protocol constants
    uint256 internal constant CONTRIBUTION_DEADLINE_RATIO = 7;
    uint256 internal constant REVEAL_DEADLINE_RATIO = 2;
    uint256 internal constant FINAL_DEADLINE_RATIO = 10;
    uint256 internal constant WORKERPOOL_STAKE_RATIO = 30;
    uint256 internal constant KITTY_RATIO = 10;
    uint256 internal constant KITTY_MIN = 1e9;
    address internal constant KITTY_ADDRESS = 0x99c2268479b93fDe36232351229815DF80837e23;
    uint256 internal constant GROUPMEMBER_PURPOSE = 4;
    uint256 internal constant DEFAULT_CALLBACK_GAS = 100000;
    bytes32 internal constant TEE_TAG_MASK = bytes32(uint256(1));

    /// @dev One account of the staked-RLC ledger (both halves in one slot).
    struct AccountStore {
        uint128 stake;
        uint128 locked;
    }

    /// @dev A task, packed.
    struct TaskStore {
        // slot 0
        bytes32 dealid;
        // slot 1
        PocoTypes.TaskStatusEnum status;
        uint64 idx;
        uint40 timeref;
        uint40 contributionDeadline;
        uint40 revealDeadline;
        uint40 finalDeadline;
        bool fast; // completed by contributeAndFinalize (see soleWorker)
        // slot 2 (zero for fast tasks: derived from the digest)
        bytes32 consensusValue;
        // slot 3
        uint40 resultsTimestamp;
        uint24 revealCounter;
        uint24 winnerCounter;
        // Fast tasks only: the one worker. Their contribution (PROVED, hash and
        // seal from the digest, weight 0), contributor list and consensus value
        // are derived instead of stored.
        address soleWorker;
        // slot 4: consensus total weight minus one (a fresh task has total 1,
        // stored as 0 so that initialize does not pay for this slot)
        uint256 totalWeightMinusOne;
        address[] contributors;
        bytes32 resultDigest;
        bytes results;
        bytes resultsCallback;
    }

    /// @dev A contribution, packed.
    struct ContributionStore {
        // slot 0
        PocoTypes.ContributionStatusEnum status;
        address enclaveChallenge;
        uint8 weight; // log2 of the contribution weight, rounded up
        // slots 1-2
        bytes32 resultHash;
        bytes32 resultSeal;
    }

    struct Layout {
        // configuration
        address token;
        address appregistry;
        uint32 categoryCount; // == categories.length, packed here for matchOrders
        address datasetregistry;
        address workerpoolregistry;
        // The hub's own SRLC balance (the sum of everything frozen) plus one:
        // it never reaches zero, so updating it never pays for a fresh slot.
        uint96 hubStakePlusOne;
        address teebroker;
        uint96 callbackgas; // 0 means DEFAULT_CALLBACK_GAS
        address v3hub;
        string name;
        string symbol;
        uint8 decimals;
        // staked RLC (ERC-20 view)
        uint256 totalSupply;
        mapping(address => AccountStore) accounts;
        mapping(address => mapping(address => uint256)) allowances;
        // market
        PocoTypes.Category[] categories;
        mapping(bytes32 => uint256) consumed;
        mapping(bytes32 => address) presigned;
        mapping(bytes32 => address) deals; // deal id => data contract (see LibDeal)
        // tasks
        mapping(bytes32 => TaskStore) tasks;
        mapping(bytes32 => mapping(address => ContributionStore)) contributions;
        mapping(bytes32 => mapping(bytes32 => uint256)) groupWeight;
        mapping(address => uint256) scores;
    }

    function get() internal pure returns (Layout storage l) {
        bytes32 slot = SLOT;
        assembly ("memory-safe") {
            l.slot := slot
        }
    }
}
