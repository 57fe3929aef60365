// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {PocoStorage} from "./PocoStorage.sol";
import {PocoTypes} from "./PocoTypes.sol";

/// @title LibDeal
/// @notice Deals are immutable once matched, so they are not kept in storage
/// slots: each deal is packed into the runtime code of a small data contract
/// (the "SSTORE2" pattern: code costs 200 gas per byte, a fresh storage slot
/// 20,000 gas per 32 bytes) and only its address is stored, under the deal id.
///
/// Data contract code layout (big-endian, packed):
///   [0]      0x00 (STOP: the data is never executable)
///   [1]      flags: 1 dataset, 2 beneficiary != requester, 4 callback,
///            8 sponsor != requester, 16 non-zero tag, 32 non-empty params
///   [2..]    app(20) appOwner(20) appPrice(8) workerpool(20) workerpoolOwner(20)
///            workerpoolPrice(8) workerStake(8) requester(20) botFirst(8)
///            botSize(8) startTime(8) trust(8) category(8) schedulerRewardRatio(1)
///            = 165 bytes of fixed part (offset 167)
///   then, when flagged and in this order: dataset(20) datasetOwner(20)
///   datasetPrice(8), beneficiary(20), callback(20), sponsor(20), tag(32),
///   params(rest of the code).
library LibDeal {
    /// @dev A deal, decoded.
    struct Deal {
        address app;
        address appOwner;
        uint256 appPrice;
        address dataset;
        address datasetOwner;
        uint256 datasetPrice;
        address workerpool;
        address workerpoolOwner;
        uint256 workerpoolPrice;
        uint256 workerStake;
        address requester;
        address beneficiary;
        address callback;
        address sponsor;
        bytes32 tag;
        uint256 trust;
        uint256 category;
        uint256 startTime;
        uint256 botFirst;
        uint256 botSize;
        uint256 schedulerRewardRatio;
        string params;
    }

    uint256 private constant F_DATASET = 1;
    uint256 private constant F_BENEFICIARY = 2;
    uint256 private constant F_CALLBACK = 4;
    uint256 private constant F_SPONSOR = 8;
    uint256 private constant F_TAG = 16;
    uint256 private constant F_PARAMS = 32;
    uint256 private constant FIXED_END = 167;

    /// @dev A numeric field does not fit its 64-bit slot in the packed deal.
    error ValueOutOfRange(uint256 value);
    /// @dev The data contract could not be created (e.g. params too long).
    error DealStorageFailed();

    function _u64(uint256 v) private pure returns (uint64) {
        if (v > type(uint64).max) revert ValueOutOfRange(v);
        return uint64(v);
    }

    /// @dev Record deal `dealid`. Zero, absent or requester-equal optional
    /// fields cost nothing.
    function store(PocoStorage.Layout storage l, bytes32 dealid, Deal memory d) internal {
        if (d.schedulerRewardRatio > 100) revert ValueOutOfRange(d.schedulerRewardRatio);
        _u64(d.botFirst + d.botSize);
        uint256 flags = (d.dataset != address(0) ? F_DATASET : 0)
            | (d.beneficiary != d.requester ? F_BENEFICIARY : 0) | (d.callback != address(0) ? F_CALLBACK : 0)
            | (d.sponsor != d.requester ? F_SPONSOR : 0) | (d.tag != bytes32(0) ? F_TAG : 0)
            | (bytes(d.params).length != 0 ? F_PARAMS : 0);
        bytes memory data = abi.encodePacked(
            bytes1(0x00), uint8(flags), d.app, d.appOwner, _u64(d.appPrice), d.workerpool, d.workerpoolOwner
        );
        data = abi.encodePacked(
            data, _u64(d.workerpoolPrice), _u64(d.workerStake), d.requester, _u64(d.botFirst), _u64(d.botSize)
        );
        data = abi.encodePacked(
            data, _u64(d.startTime), _u64(d.trust), _u64(d.category), uint8(d.schedulerRewardRatio)
        );
        if (flags & F_DATASET != 0) data = abi.encodePacked(data, d.dataset, d.datasetOwner, _u64(d.datasetPrice));
        if (flags & F_BENEFICIARY != 0) data = abi.encodePacked(data, d.beneficiary);
        if (flags & F_CALLBACK != 0) data = abi.encodePacked(data, d.callback);
        if (flags & F_SPONSOR != 0) data = abi.encodePacked(data, d.sponsor);
        if (flags & F_TAG != 0) data = abi.encodePacked(data, d.tag);
        if (flags & F_PARAMS != 0) data = abi.encodePacked(data, d.params);

        // Init code: PUSH2 len, DUP1, PUSH1 12, PUSH1 0, CODECOPY, PUSH1 0, RETURN, then the data.
        if (data.length > 0xffff) revert DealStorageFailed();
        bytes memory init = abi.encodePacked(hex"61", uint16(data.length), hex"80600c6000396000f3", data);
        address pointer;
        assembly ("memory-safe") {
            pointer := create(0, add(init, 32), mload(init))
        }
        if (pointer == address(0)) revert DealStorageFailed();
        l.deals[dealid] = pointer;
    }

    /// @dev True when deal `dealid` exists.
    function exists(PocoStorage.Layout storage l, bytes32 dealid) internal view returns (bool) {
        return l.deals[dealid] != address(0);
    }

    /// @dev Deal `dealid` decoded (all zero if unknown). `withParams` also
    /// copies the request's params string (only views need it).
    function load(PocoStorage.Layout storage l, bytes32 dealid, bool withParams) internal view returns (Deal memory d) {
        address pointer = l.deals[dealid];
        if (pointer == address(0)) return d;
        bytes memory code = pointer.code;
        uint256 flags;
        uint256 p;
        assembly ("memory-safe") {
            p := add(code, 32)
            flags := byte(0, mload(add(p, 1)))
        }
        d.app = _addr(p, 2);
        d.appOwner = _addr(p, 22);
        d.appPrice = _u(p, 42);
        d.workerpool = _addr(p, 50);
        d.workerpoolOwner = _addr(p, 70);
        d.workerpoolPrice = _u(p, 90);
        d.workerStake = _u(p, 98);
        d.requester = _addr(p, 106);
        d.botFirst = _u(p, 126);
        d.botSize = _u(p, 134);
        d.startTime = _u(p, 142);
        d.trust = _u(p, 150);
        d.category = _u(p, 158);
        d.schedulerRewardRatio = uint8(bytes1(_word(p, 166)));
        uint256 o = FIXED_END;
        if (flags & F_DATASET != 0) {
            d.dataset = _addr(p, o);
            d.datasetOwner = _addr(p, o + 20);
            d.datasetPrice = _u(p, o + 40);
            o += 48;
        }
        d.beneficiary = d.requester;
        if (flags & F_BENEFICIARY != 0) {
            d.beneficiary = _addr(p, o);
            o += 20;
        }
        if (flags & F_CALLBACK != 0) {
            d.callback = _addr(p, o);
            o += 20;
        }
        d.sponsor = d.requester;
        if (flags & F_SPONSOR != 0) {
            d.sponsor = _addr(p, o);
            o += 20;
        }
        if (flags & F_TAG != 0) {
            d.tag = _word(p, o);
            o += 32;
        }
        if (withParams && flags & F_PARAMS != 0) {
            uint256 n = code.length - o;
            bytes memory params = new bytes(n);
            for (uint256 i = 0; i < n; ++i) params[i] = code[o + i];
            d.params = string(params);
        }
    }

    function _word(uint256 p, uint256 o) private pure returns (bytes32 w) {
        assembly ("memory-safe") {
            w := mload(add(p, o))
        }
    }

    function _addr(uint256 p, uint256 o) private pure returns (address) {
        return address(bytes20(_word(p, o)));
    }

    function _u(uint256 p, uint256 o) private pure returns (uint256) {
        return uint256(_word(p, o)) >> 192;
    }

    /// @dev The ABI view of a decoded deal.
    function toABI(Deal memory d) internal pure returns (PocoTypes.Deal memory r) {
        r.app = PocoTypes.Resource(d.app, d.appOwner, d.appPrice);
        r.dataset = PocoTypes.Resource(d.dataset, d.datasetOwner, d.datasetPrice);
        r.workerpool = PocoTypes.Resource(d.workerpool, d.workerpoolOwner, d.workerpoolPrice);
        r.trust = d.trust;
        r.category = d.category;
        r.tag = d.tag;
        r.requester = d.requester;
        r.beneficiary = d.beneficiary;
        r.callback = d.callback;
        r.params = d.params;
        r.startTime = d.startTime;
        r.botFirst = d.botFirst;
        r.botSize = d.botSize;
        r.workerStake = d.workerStake;
        r.schedulerRewardRatio = d.schedulerRewardRatio;
        r.sponsor = d.sponsor;
    }
}
