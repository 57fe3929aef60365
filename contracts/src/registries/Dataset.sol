// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {RegistryEntry} from "./RegistryEntry.sol";
import {Registry} from "./Registry.sol";

/// @title Dataset
/// @notice A dataset: where it is and its digest.
contract Dataset is RegistryEntry {
    /// @notice Display name.
    string public m_datasetName;
    /// @notice Location.
    bytes public m_datasetMultiaddr;
    /// @notice Digest.
    bytes32 public m_datasetChecksum;

    /// @notice Set the dataset's metadata (its registry only, at creation).
    function initialize(string calldata _datasetName, bytes calldata _datasetMultiaddr, bytes32 _datasetChecksum)
        external
        onlyRegistry
    {
        m_datasetName = _datasetName;
        m_datasetMultiaddr = _datasetMultiaddr;
        m_datasetChecksum = _datasetChecksum;
    }
}

/// @title DatasetRegistry
/// @notice "iExec Dataset Registry (V5)" / "iExecDatasetsV5".
contract DatasetRegistry is Registry {
    constructor() Registry(address(new Dataset()), "iExec Dataset Registry (V5)", "iExecDatasetsV5") {}

    /// @notice Create a dataset owned by `_datasetOwner` (anyone can call).
    function createDataset(
        address _datasetOwner,
        string calldata _datasetName,
        bytes calldata _datasetMultiaddr,
        bytes32 _datasetChecksum
    ) external returns (address) {
        return _createEntry(
            _datasetOwner, abi.encodeCall(Dataset.initialize, (_datasetName, _datasetMultiaddr, _datasetChecksum))
        );
    }

    /// @notice The address `createDataset` would give these arguments.
    function predictDataset(
        address _datasetOwner,
        string calldata _datasetName,
        bytes calldata _datasetMultiaddr,
        bytes32 _datasetChecksum
    ) external view returns (address) {
        return _predictEntry(
            _datasetOwner, abi.encodeCall(Dataset.initialize, (_datasetName, _datasetMultiaddr, _datasetChecksum))
        );
    }
}
