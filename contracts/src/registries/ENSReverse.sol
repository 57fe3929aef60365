// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

interface IENS {
    function owner(bytes32 node) external view returns (address);
}

interface IReverseRegistrar {
    function setName(string calldata name) external returns (bytes32);
}

/// @title ENSReverse
/// @notice Lets a contract claim an ENS reverse record for its own address.
library ENSReverse {
    // namehash("addr.reverse")
    bytes32 internal constant ADDR_REVERSE_NODE = 0x91d1777781884d03a6757a803996e38de2a42967fb37eeaca72729271025a9e2;

    function setName(address ens, string calldata name) internal {
        IReverseRegistrar(IENS(ens).owner(ADDR_REVERSE_NODE)).setName(name);
    }
}
