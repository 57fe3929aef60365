// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {RegistryEntry} from "./RegistryEntry.sol";
import {Registry} from "./Registry.sol";

/// @title App
/// @notice An application: a container image and its optional TEE fingerprint.
contract App is RegistryEntry {
    /// @notice Display name.
    string public m_appName;
    /// @notice Image type ("DOCKER").
    string public m_appType;
    /// @notice Image reference.
    bytes public m_appMultiaddr;
    /// @notice Image digest.
    bytes32 public m_appChecksum;
    /// @notice TEE fingerprint (JSON), may be empty.
    bytes public m_appMREnclave;

    /// @notice Set the app's metadata (its registry only, at creation).
    function initialize(
        string calldata _appName,
        string calldata _appType,
        bytes calldata _appMultiaddr,
        bytes32 _appChecksum,
        bytes calldata _appMREnclave
    ) external onlyRegistry {
        m_appName = _appName;
        m_appType = _appType;
        m_appMultiaddr = _appMultiaddr;
        m_appChecksum = _appChecksum;
        m_appMREnclave = _appMREnclave;
    }
}

/// @title AppRegistry
/// @notice "iExec Application Registry (V5)" / "iExecAppsV5".
contract AppRegistry is Registry {
    constructor() Registry(address(new App()), "iExec Application Registry (V5)", "iExecAppsV5") {}

    /// @notice Create an app owned by `_appOwner` (anyone can call).
    function createApp(
        address _appOwner,
        string calldata _appName,
        string calldata _appType,
        bytes calldata _appMultiaddr,
        bytes32 _appChecksum,
        bytes calldata _appMREnclave
    ) external returns (address) {
        return _createEntry(
            _appOwner,
            abi.encodeCall(App.initialize, (_appName, _appType, _appMultiaddr, _appChecksum, _appMREnclave))
        );
    }

    /// @notice The address `createApp` would give these arguments.
    function predictApp(
        address _appOwner,
        string calldata _appName,
        string calldata _appType,
        bytes calldata _appMultiaddr,
        bytes32 _appChecksum,
        bytes calldata _appMREnclave
    ) external view returns (address) {
        return _predictEntry(
            _appOwner,
            abi.encodeCall(App.initialize, (_appName, _appType, _appMultiaddr, _appChecksum, _appMREnclave))
        );
    }
}
