// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title TestERC1271Wallet
/// @notice A smart-contract wallet for tests: it holds one owner EOA and
/// accepts, through ERC-1271, exactly that EOA's ECDSA signatures of a hash
/// (the raw hash, no EIP-191 prefix: what the hub passes is the order's
/// EIP-712 digest).
contract TestERC1271Wallet {
    /// @dev ERC-1271's magic value: `isValidSignature(bytes32,bytes)`'s selector.
    bytes4 internal constant MAGIC = 0x1626ba7e;
    /// @dev What a refused signature returns.
    bytes4 internal constant INVALID = 0xffffffff;

    /// @notice The EOA whose signatures this wallet accepts.
    address public immutable owner;

    constructor(address _owner) {
        owner = _owner;
    }

    /// @notice ERC-1271: `MAGIC` when `sig` is the owner's ECDSA signature of
    /// `hash`, `INVALID` otherwise (never reverts).
    function isValidSignature(bytes32 hash, bytes calldata sig) external view returns (bytes4) {
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(hash, sig);
        return err == ECDSA.RecoverError.NoError && signer == owner ? MAGIC : INVALID;
    }
}
