// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {FacetBase} from "./FacetBase.sol";
import {PocoStorage} from "../libs/PocoStorage.sol";
import {PocoTypes} from "../libs/PocoTypes.sol";
import {LibOrders} from "../libs/LibOrders.sol";
import {LibSignature} from "../libs/LibSignature.sol";
import {LibLedger} from "../libs/LibLedger.sol";
import {LibDeal} from "../libs/LibDeal.sol";
import {IWorkerpool} from "../interfaces/IRegistries.sol";

/// @title MatchOrdersFacet
/// @notice Matching of an app, dataset, workerpool and request order into a deal.
contract MatchOrdersFacet is FacetBase {
    event SchedulerNotice(address indexed workerpool, bytes32 dealid);
    event OrdersMatched(
        bytes32 dealid, bytes32 appHash, bytes32 datasetHash, bytes32 workerpoolHash, bytes32 requestHash, uint256 volume
    );
    event DealSponsored(bytes32 dealId, address sponsor);

    /// @dev A value does not fit the packed deal (64-bit prices, volumes,
    /// trust, category), or a dataset price is given without a dataset.
    error ValueOutOfRange(uint256 value);

    // Everything a match computes before it writes, kept in memory.
    struct Match {
        bytes32 appHash;
        bytes32 datasetHash;
        bytes32 workerpoolHash;
        bytes32 requestHash;
        address appOwner;
        address datasetOwner;
        address workerpoolOwner;
        bytes32 tag;
        uint256 volume;
        uint256 botFirst;
    }

    /// @notice Match four orders into a deal paid by the requester.
    /// @return the deal id
    function matchOrders(
        PocoTypes.AppOrder calldata appOrder,
        PocoTypes.DatasetOrder calldata datasetOrder,
        PocoTypes.WorkerpoolOrder calldata workerpoolOrder,
        PocoTypes.RequestOrder calldata requestOrder
    ) external returns (bytes32) {
        return _matchOrders(appOrder, datasetOrder, workerpoolOrder, requestOrder, requestOrder.requester);
    }

    /// @notice Match four orders into a deal paid by the caller (the sponsor)
    /// instead of the requester.
    /// @return dealid the deal id
    function sponsorMatchOrders(
        PocoTypes.AppOrder calldata appOrder,
        PocoTypes.DatasetOrder calldata datasetOrder,
        PocoTypes.WorkerpoolOrder calldata workerpoolOrder,
        PocoTypes.RequestOrder calldata requestOrder
    ) external returns (bytes32 dealid) {
        dealid = _matchOrders(appOrder, datasetOrder, workerpoolOrder, requestOrder, msg.sender);
        emit DealSponsored(dealid, msg.sender);
    }

    /// @notice The volume a match of these orders would have now (no checks).
    function computeDealVolume(
        PocoTypes.AppOrder calldata appOrder,
        PocoTypes.DatasetOrder calldata datasetOrder,
        PocoTypes.WorkerpoolOrder calldata workerpoolOrder,
        PocoTypes.RequestOrder calldata requestOrder
    ) external view returns (uint256 volume) {
        PocoStorage.Layout storage l = _layout();
        bytes32 sep = LibOrders.domainSeparator();
        volume = _remaining(l, LibOrders.toTypedDataHash(sep, LibOrders.hashStruct(appOrder)), appOrder.volume);
        if (datasetOrder.dataset != address(0)) {
            volume = _min(
                volume,
                _remaining(l, LibOrders.toTypedDataHash(sep, LibOrders.hashStruct(datasetOrder)), datasetOrder.volume)
            );
        }
        volume = _min(
            volume,
            _remaining(
                l, LibOrders.toTypedDataHash(sep, LibOrders.hashStruct(workerpoolOrder)), workerpoolOrder.volume
            )
        );
        volume = _min(
            volume,
            _remaining(l, LibOrders.toTypedDataHash(sep, LibOrders.hashStruct(requestOrder)), requestOrder.volume)
        );
    }

    // ------------------------------------------------------------- internals

    function _matchOrders(
        PocoTypes.AppOrder calldata appOrder,
        PocoTypes.DatasetOrder calldata datasetOrder,
        PocoTypes.WorkerpoolOrder calldata workerpoolOrder,
        PocoTypes.RequestOrder calldata requestOrder,
        address sponsor
    ) private returns (bytes32 dealid) {
        PocoStorage.Layout storage l = _layout();
        Match memory m;

        // Market agreement.
        require(requestOrder.category == workerpoolOrder.category, "iExecV5-matchOrders-0x00");
        require(requestOrder.category < l.categoryCount, "iExecV5-matchOrders-0x01");
        require(requestOrder.trust <= workerpoolOrder.trust, "iExecV5-matchOrders-0x02");
        require(requestOrder.appmaxprice >= appOrder.appprice, "iExecV5-matchOrders-0x03");
        require(requestOrder.datasetmaxprice >= datasetOrder.datasetprice, "iExecV5-matchOrders-0x04");
        require(requestOrder.workerpoolmaxprice >= workerpoolOrder.workerpoolprice, "iExecV5-matchOrders-0x05");
        m.tag = appOrder.tag | datasetOrder.tag | requestOrder.tag;
        require(m.tag & ~workerpoolOrder.tag == 0, "iExecV5-matchOrders-0x06");
        require(
            m.tag & PocoStorage.TEE_TAG_MASK == 0 || appOrder.tag & PocoStorage.TEE_TAG_MASK != 0,
            "iExecV5-matchOrders-0x07"
        );

        // Resources and restrictions.
        _checkRestrictions(appOrder, datasetOrder, workerpoolOrder, requestOrder);

        // Ownership and signatures.
        bytes32 sep = LibOrders.domainSeparator();
        m.appOwner = _entryOwner(l.appregistry, appOrder.app);
        require(m.appOwner != address(0), "iExecV5-matchOrders-0x20");
        m.appHash = LibOrders.toTypedDataHash(sep, LibOrders.hashStruct(appOrder));
        require(_verifyOrder(l, m.appOwner, m.appHash, appOrder.sign), "iExecV5-matchOrders-0x21");
        bool hasDataset = datasetOrder.dataset != address(0);
        if (hasDataset) {
            m.datasetOwner = _entryOwner(l.datasetregistry, datasetOrder.dataset);
            require(m.datasetOwner != address(0), "iExecV5-matchOrders-0x30");
            m.datasetHash = LibOrders.toTypedDataHash(sep, LibOrders.hashStruct(datasetOrder));
            require(_verifyOrder(l, m.datasetOwner, m.datasetHash, datasetOrder.sign), "iExecV5-matchOrders-0x31");
        }
        m.workerpoolOwner = _entryOwner(l.workerpoolregistry, workerpoolOrder.workerpool);
        require(m.workerpoolOwner != address(0), "iExecV5-matchOrders-0x40");
        m.workerpoolHash = LibOrders.toTypedDataHash(sep, LibOrders.hashStruct(workerpoolOrder));
        require(
            _verifyOrder(l, m.workerpoolOwner, m.workerpoolHash, workerpoolOrder.sign), "iExecV5-matchOrders-0x41"
        );
        m.requestHash = LibOrders.toTypedDataHash(sep, LibOrders.hashStruct(requestOrder));
        require(_verifyOrder(l, requestOrder.requester, m.requestHash, requestOrder.sign), "iExecV5-matchOrders-0x50");

        // Volume.
        m.botFirst = l.consumed[m.requestHash];
        m.volume = _sub0(requestOrder.volume, m.botFirst);
        uint256 appConsumed = l.consumed[m.appHash];
        m.volume = _min(m.volume, _sub0(appOrder.volume, appConsumed));
        uint256 datasetConsumed;
        if (hasDataset) {
            datasetConsumed = l.consumed[m.datasetHash];
            m.volume = _min(m.volume, _sub0(datasetOrder.volume, datasetConsumed));
        }
        uint256 workerpoolConsumed = l.consumed[m.workerpoolHash];
        m.volume = _min(m.volume, _sub0(workerpoolOrder.volume, workerpoolConsumed));
        require(m.volume > 0, "iExecV5-matchOrders-0x60");

        // Effects: consume the orders, record the deal, lock the funds.
        dealid = keccak256(abi.encodePacked(m.requestHash, m.botFirst));
        l.consumed[m.appHash] = appConsumed + m.volume;
        if (hasDataset) l.consumed[m.datasetHash] = datasetConsumed + m.volume;
        l.consumed[m.workerpoolHash] = workerpoolConsumed + m.volume;
        l.consumed[m.requestHash] = m.botFirst + m.volume;

        _storeDeal(l, dealid, m, appOrder, datasetOrder, workerpoolOrder, requestOrder, sponsor);

        LibLedger.lockTwo(
            sponsor,
            (appOrder.appprice + datasetOrder.datasetprice + workerpoolOrder.workerpoolprice) * m.volume,
            m.workerpoolOwner,
            (workerpoolOrder.workerpoolprice * PocoStorage.WORKERPOOL_STAKE_RATIO / 100) * m.volume
        );

        emit SchedulerNotice(workerpoolOrder.workerpool, dealid);
        emit OrdersMatched(dealid, m.appHash, m.datasetHash, m.workerpoolHash, m.requestHash, m.volume);
    }

    function _checkRestrictions(
        PocoTypes.AppOrder calldata appOrder,
        PocoTypes.DatasetOrder calldata datasetOrder,
        PocoTypes.WorkerpoolOrder calldata workerpoolOrder,
        PocoTypes.RequestOrder calldata requestOrder
    ) private view {
        address app = appOrder.app;
        address dataset = datasetOrder.dataset;
        address workerpool = workerpoolOrder.workerpool;
        address requester = requestOrder.requester;
        require(requestOrder.app == app, "iExecV5-matchOrders-0x10");
        require(requestOrder.dataset == dataset, "iExecV5-matchOrders-0x11");
        require(_checkIdentity(requestOrder.workerpool, workerpool), "iExecV5-matchOrders-0x12");
        require(_checkIdentity(appOrder.datasetrestrict, dataset), "iExecV5-matchOrders-0x13");
        require(_checkIdentity(appOrder.workerpoolrestrict, workerpool), "iExecV5-matchOrders-0x14");
        require(_checkIdentity(appOrder.requesterrestrict, requester), "iExecV5-matchOrders-0x15");
        require(_checkIdentity(datasetOrder.apprestrict, app), "iExecV5-matchOrders-0x16");
        require(_checkIdentity(datasetOrder.workerpoolrestrict, workerpool), "iExecV5-matchOrders-0x17");
        require(_checkIdentity(datasetOrder.requesterrestrict, requester), "iExecV5-matchOrders-0x18");
        require(_checkIdentity(workerpoolOrder.apprestrict, app), "iExecV5-matchOrders-0x19");
        require(_checkIdentity(workerpoolOrder.datasetrestrict, dataset), "iExecV5-matchOrders-0x1a");
        require(_checkIdentity(workerpoolOrder.requesterrestrict, requester), "iExecV5-matchOrders-0x1b");
    }

    function _storeDeal(
        PocoStorage.Layout storage l,
        bytes32 dealid,
        Match memory m,
        PocoTypes.AppOrder calldata appOrder,
        PocoTypes.DatasetOrder calldata datasetOrder,
        PocoTypes.WorkerpoolOrder calldata workerpoolOrder,
        PocoTypes.RequestOrder calldata requestOrder,
        address sponsor
    ) private {
        // No dataset: its (zero-struct) price is checked (0x04) but nobody
        // could be paid it, so a non-zero one is refused.
        if (datasetOrder.dataset == address(0) && datasetOrder.datasetprice != 0) {
            revert ValueOutOfRange(datasetOrder.datasetprice);
        }
        LibDeal.Deal memory d;
        d.app = appOrder.app;
        d.appOwner = m.appOwner;
        d.appPrice = appOrder.appprice;
        d.dataset = datasetOrder.dataset;
        d.datasetOwner = m.datasetOwner;
        d.datasetPrice = datasetOrder.datasetprice;
        d.workerpool = workerpoolOrder.workerpool;
        d.workerpoolOwner = m.workerpoolOwner;
        d.workerpoolPrice = workerpoolOrder.workerpoolprice;
        (uint256 workerStakeRatio, uint256 schedulerRewardRatio) = IWorkerpool(d.workerpool).policies();
        d.workerStake = workerpoolOrder.workerpoolprice * workerStakeRatio / 100;
        d.schedulerRewardRatio = schedulerRewardRatio;
        d.requester = requestOrder.requester;
        d.beneficiary = requestOrder.beneficiary;
        d.callback = requestOrder.callback;
        d.sponsor = sponsor;
        d.tag = m.tag;
        d.trust = requestOrder.trust == 0 ? 1 : requestOrder.trust;
        d.category = requestOrder.category;
        d.startTime = block.timestamp;
        d.botFirst = m.botFirst;
        d.botSize = m.volume;
        d.params = requestOrder.params;
        LibDeal.store(l, dealid, d);
    }

    /// @dev Order signature: an ECDSA/ERC-1271 signature or an on-chain presignature.
    function _verifyOrder(PocoStorage.Layout storage l, address signer, bytes32 hash, bytes calldata sign)
        private
        view
        returns (bool)
    {
        if (signer == address(0)) return false;
        if (sign.length == 0) {
            // Presigned orders carry no signature: check the presignature first.
            return l.presigned[hash] == signer || LibSignature.verify(signer, hash, sign);
        }
        return LibSignature.verify(signer, hash, sign) || l.presigned[hash] == signer;
    }

    function _remaining(PocoStorage.Layout storage l, bytes32 hash, uint256 volume) private view returns (uint256) {
        return _sub0(volume, l.consumed[hash]);
    }

    function _sub0(uint256 a, uint256 b) private pure returns (uint256) {
        unchecked {
            return a > b ? a - b : 0;
        }
    }

    function _min(uint256 a, uint256 b) private pure returns (uint256) {
        return a < b ? a : b;
    }
}
