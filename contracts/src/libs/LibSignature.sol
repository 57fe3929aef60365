// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title LibSignature
/// @notice Signature checks: ECDSA (65-byte r‖s‖v or 64-byte EIP-2098 r‖vs,
/// low-s only) for EOAs, ERC-1271 for contracts.
library LibSignature {
    bytes4 internal constant ERC1271_MAGIC = 0x1626ba7e; // isValidSignature(bytes32,bytes)
    uint256 internal constant HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    /// @dev The signer of `hash`, or zero for a malformed or malleable signature.
    function recover(bytes32 hash, bytes calldata sign) internal pure returns (address signer) {
        bytes32 r;
        bytes32 s;
        uint256 v;
        if (sign.length == 65) {
            assembly ("memory-safe") {
                r := calldataload(sign.offset)
                s := calldataload(add(sign.offset, 32))
                v := byte(0, calldataload(add(sign.offset, 64)))
            }
            if (v < 27) v += 27;
        } else if (sign.length == 64) {
            bytes32 vs;
            assembly ("memory-safe") {
                r := calldataload(sign.offset)
                vs := calldataload(add(sign.offset, 32))
            }
            s = vs & bytes32(0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff);
            v = (uint256(vs) >> 255) + 27;
        } else {
            return address(0);
        }
        if (uint256(s) > HALF_N || (v != 27 && v != 28)) return address(0);
        signer = ecrecover(hash, uint8(v), r, s);
    }

    /// @dev True when `sign` is `signer`'s signature of `hash`: an ECDSA
    /// signature that recovers to `signer`, or, for a contract, ERC-1271.
    function verify(address signer, bytes32 hash, bytes calldata sign) internal view returns (bool) {
        if (signer == address(0)) return false;
        if (recover(hash, sign) == signer) return true;
        if (signer.code.length == 0) return false;
        (bool ok, bytes memory ret) =
            signer.staticcall(abi.encodeWithSelector(ERC1271_MAGIC, hash, sign));
        return ok && ret.length >= 32 && abi.decode(ret, (bytes32)) == bytes32(ERC1271_MAGIC);
    }

    /// @dev EIP-191 "personal_sign" digest of a 32-byte message.
    function toEthSignedMessageHash(bytes32 message) internal pure returns (bytes32 digest) {
        assembly ("memory-safe") {
            mstore(0x00, "\x19Ethereum Signed Message:\n32")
            mstore(0x1c, message)
            digest := keccak256(0x00, 0x3c)
        }
    }
}
