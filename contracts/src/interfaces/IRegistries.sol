// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title IRegistry
/// @notice What the hub needs from a registry.
interface IRegistry {
    function isRegistered(address entry) external view returns (bool);

    function ownerOf(uint256 tokenId) external view returns (address);
}

/// @title IRegistryEntry
interface IRegistryEntry {
    function owner() external view returns (address);

    function registry() external view returns (address);
}

/// @title IApp
interface IApp is IRegistryEntry {
    function m_appName() external view returns (string memory);

    function m_appType() external view returns (string memory);

    function m_appMultiaddr() external view returns (bytes memory);

    function m_appChecksum() external view returns (bytes32);

    function m_appMREnclave() external view returns (bytes memory);
}

/// @title IDataset
interface IDataset is IRegistryEntry {
    function m_datasetName() external view returns (string memory);

    function m_datasetMultiaddr() external view returns (bytes memory);

    function m_datasetChecksum() external view returns (bytes32);
}

/// @title IWorkerpool
interface IWorkerpool is IRegistryEntry {
    function m_workerpoolDescription() external view returns (string memory);

    function m_workerStakeRatioPolicy() external view returns (uint256);

    function m_schedulerRewardRatioPolicy() external view returns (uint256);

    function policies() external view returns (uint256 workerStakeRatio, uint256 schedulerRewardRatio);
}

/// @title IERC734 group membership (for order restrictions)
interface IERC734 {
    function keyHasPurpose(bytes32 key, uint256 purpose) external view returns (bool);
}

/// @title ITokenSpender
/// @notice Called by `approveAndCall` on the hub (returns true on success).
interface IexecTokenSpender {
    function receiveApproval(address from, uint256 amount, address token, bytes calldata extraData)
        external
        returns (bool);
}

/// @title IOracleConsumer (ERC-1154)
/// @notice Deal callbacks receive the task's results through this.
interface IOracleConsumer {
    function receiveResult(bytes32 id, bytes calldata result) external;
}
