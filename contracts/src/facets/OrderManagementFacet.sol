// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {FacetBase} from "./FacetBase.sol";
import {PocoStorage} from "../libs/PocoStorage.sol";
import {PocoTypes} from "../libs/PocoTypes.sol";
import {LibOrders} from "../libs/LibOrders.sol";
import {LibSignature} from "../libs/LibSignature.sol";

/// @title OrderManagementFacet
/// @notice Presigning and closing orders on chain, broadcasting them as events,
/// and the signature-check views.
contract OrderManagementFacet is FacetBase {
    event SignedAppOrder(bytes32 appHash);
    event SignedDatasetOrder(bytes32 datasetHash);
    event SignedWorkerpoolOrder(bytes32 workerpoolHash);
    event SignedRequestOrder(bytes32 requestHash);
    event ClosedAppOrder(bytes32 appHash);
    event ClosedDatasetOrder(bytes32 datasetHash);
    event ClosedWorkerpoolOrder(bytes32 workerpoolHash);
    event ClosedRequestOrder(bytes32 requestHash);
    event BroadcastAppOrder(PocoTypes.AppOrder apporder);
    event BroadcastDatasetOrder(PocoTypes.DatasetOrder datasetorder);
    event BroadcastWorkerpoolOrder(PocoTypes.WorkerpoolOrder workerpoolorder);
    event BroadcastRequestOrder(PocoTypes.RequestOrder requestorder);

    // ----------------------------------------------------------------- manage

    /// @notice Presign (operation 0) or close (operation 1) an app order. The
    /// caller must be the app's owner, or `sign` the owner's EIP-712 signature
    /// of the AppOrderOperation.
    function manageAppOrder(PocoTypes.AppOrderOperation calldata op) external {
        PocoStorage.Layout storage l = _layout();
        address owner = _entryOwner(l.appregistry, op.order.app);
        bytes32 sep = LibOrders.domainSeparator();
        _authorize(owner, LibOrders.toTypedDataHash(sep, LibOrders.hashStruct(op)), op.sign, "iExecV5-manageAppOrder-0x01");
        bytes32 hash = LibOrders.toTypedDataHash(sep, LibOrders.hashStruct(op.order));
        if (op.operation == PocoTypes.OrderOperationEnum.SIGN) {
            l.presigned[hash] = owner;
            emit SignedAppOrder(hash);
        } else {
            l.consumed[hash] = op.order.volume;
            emit ClosedAppOrder(hash);
        }
    }

    /// @notice Presign or close a dataset order (see manageAppOrder).
    function manageDatasetOrder(PocoTypes.DatasetOrderOperation calldata op) external {
        PocoStorage.Layout storage l = _layout();
        address owner = _entryOwner(l.datasetregistry, op.order.dataset);
        bytes32 sep = LibOrders.domainSeparator();
        _authorize(
            owner, LibOrders.toTypedDataHash(sep, LibOrders.hashStruct(op)), op.sign, "iExecV5-manageDatasetOrder-0x01"
        );
        bytes32 hash = LibOrders.toTypedDataHash(sep, LibOrders.hashStruct(op.order));
        if (op.operation == PocoTypes.OrderOperationEnum.SIGN) {
            l.presigned[hash] = owner;
            emit SignedDatasetOrder(hash);
        } else {
            l.consumed[hash] = op.order.volume;
            emit ClosedDatasetOrder(hash);
        }
    }

    /// @notice Presign or close a workerpool order (see manageAppOrder).
    function manageWorkerpoolOrder(PocoTypes.WorkerpoolOrderOperation calldata op) external {
        PocoStorage.Layout storage l = _layout();
        address owner = _entryOwner(l.workerpoolregistry, op.order.workerpool);
        bytes32 sep = LibOrders.domainSeparator();
        _authorize(
            owner,
            LibOrders.toTypedDataHash(sep, LibOrders.hashStruct(op)),
            op.sign,
            "iExecV5-manageWorkerpoolOrder-0x01"
        );
        bytes32 hash = LibOrders.toTypedDataHash(sep, LibOrders.hashStruct(op.order));
        if (op.operation == PocoTypes.OrderOperationEnum.SIGN) {
            l.presigned[hash] = owner;
            emit SignedWorkerpoolOrder(hash);
        } else {
            l.consumed[hash] = op.order.volume;
            emit ClosedWorkerpoolOrder(hash);
        }
    }

    /// @notice Presign or close a request order; the owner is its `requester`.
    function manageRequestOrder(PocoTypes.RequestOrderOperation calldata op) external {
        PocoStorage.Layout storage l = _layout();
        address owner = op.order.requester;
        bytes32 sep = LibOrders.domainSeparator();
        _authorize(
            owner, LibOrders.toTypedDataHash(sep, LibOrders.hashStruct(op)), op.sign, "iExecV5-manageRequestOrder-0x01"
        );
        bytes32 hash = LibOrders.toTypedDataHash(sep, LibOrders.hashStruct(op.order));
        if (op.operation == PocoTypes.OrderOperationEnum.SIGN) {
            l.presigned[hash] = owner;
            emit SignedRequestOrder(hash);
        } else {
            l.consumed[hash] = op.order.volume;
            emit ClosedRequestOrder(hash);
        }
    }

    function _authorize(address owner, bytes32 opHash, bytes calldata sign, string memory reason) private view {
        if (owner == address(0)) revert(reason);
        if (msg.sender == owner) return;
        if (!LibSignature.verify(owner, opHash, sign)) revert(reason);
    }

    // -------------------------------------------------------------- broadcast

    /// @notice Publish an app order as an event (no checks: matching verifies it).
    function broadcastAppOrder(PocoTypes.AppOrder calldata apporder) external {
        emit BroadcastAppOrder(apporder);
    }

    /// @notice Publish a dataset order as an event.
    function broadcastDatasetOrder(PocoTypes.DatasetOrder calldata datasetorder) external {
        emit BroadcastDatasetOrder(datasetorder);
    }

    /// @notice Publish a workerpool order as an event.
    function broadcastWorkerpoolOrder(PocoTypes.WorkerpoolOrder calldata workerpoolorder) external {
        emit BroadcastWorkerpoolOrder(workerpoolorder);
    }

    /// @notice Publish a request order as an event.
    function broadcastRequestOrder(PocoTypes.RequestOrder calldata requestorder) external {
        emit BroadcastRequestOrder(requestorder);
    }

    // ------------------------------------------------------------------ views

    /// @notice True when `sign` is `account`'s signature of `hash` (ECDSA or ERC-1271).
    function verifySignature(address account, bytes32 hash, bytes calldata sign) external view returns (bool) {
        return LibSignature.verify(account, hash, sign);
    }

    /// @notice True when `hash` was presigned on chain by `account`.
    function verifyPresignature(address account, bytes32 hash) external view returns (bool) {
        return account != address(0) && _layout().presigned[hash] == account;
    }

    /// @notice Presigned by `account`, or `sign` is its signature of `hash`.
    function verifyPresignatureOrSignature(address account, bytes32 hash, bytes calldata sign)
        external
        view
        returns (bool)
    {
        return (account != address(0) && _layout().presigned[hash] == account)
            || LibSignature.verify(account, hash, sign);
    }
}
