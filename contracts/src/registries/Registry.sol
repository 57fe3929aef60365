// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ERC721Enumerable} from "@openzeppelin/contracts/token/ERC721/extensions/ERC721Enumerable.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ENSReverse} from "./ENSReverse.sol";

interface IPreviousRegistry {
    function isRegistered(address entry) external view returns (bool);
}

/// @title Registry
/// @notice ERC-721 registry of entries (apps, datasets, workerpools). Each
/// entry is an EIP-1167 minimal proxy of `master`, deployed with CREATE2 at an
/// address derived from its initializer call data and its owner; its token id
/// is uint256(uint160(entry)), and the token's holder is the entry's owner.
abstract contract Registry is ERC721Enumerable, Ownable {
    /// @notice The implementation every entry delegates to.
    address public immutable master;
    /// @notice keccak256(proxyCode()).
    bytes32 public immutable proxyCodeHash;
    /// @notice A registry whose entries this one also recognizes (zero if none).
    address public previous;
    /// @notice Whether `initialize` was called.
    bool public initialized;
    string private _base;

    error AlreadyInitialized();
    error EntryCreationFailed();

    constructor(address _master, string memory _name, string memory _symbol)
        ERC721(_name, _symbol)
        Ownable(msg.sender)
    {
        master = _master;
        proxyCodeHash = keccak256(_proxyCode(_master));
    }

    /// @notice One-time link to a previous registry (owner only).
    function initialize(address _previous) external onlyOwner {
        if (initialized) revert AlreadyInitialized();
        initialized = true;
        previous = _previous;
    }

    /// @notice True when `entry` was created by this registry or a previous one.
    function isRegistered(address entry) external view returns (bool) {
        if (_ownerOf(uint256(uint160(entry))) != address(0)) return true;
        address p = previous;
        return p != address(0) && IPreviousRegistry(p).isRegistered(entry);
    }

    /// @notice Creation code of an entry (EIP-1167 proxy of `master`).
    function proxyCode() external view returns (bytes memory) {
        return _proxyCode(master);
    }

    /// @notice Prefix of every token URI (owner-settable).
    function baseURI() external view returns (string memory) {
        return _base;
    }

    /// @notice Set the token URI prefix (owner only).
    function setBaseURI(string calldata baseURI_) external onlyOwner {
        _base = baseURI_;
    }

    /// @notice Claim the ENS reverse record `name` for this registry (owner only).
    function setName(address ens, string calldata name) external onlyOwner {
        ENSReverse.setName(ens, name);
    }

    function _baseURI() internal view override returns (string memory) {
        return _base;
    }

    function _salt(bytes memory initializer, address entryOwner) private pure returns (bytes32) {
        return keccak256(abi.encodePacked(initializer, entryOwner));
    }

    /// @dev Deploy, initialize and mint a new entry.
    function _createEntry(address entryOwner, bytes memory initializer) internal returns (address entry) {
        bytes memory code = _proxyCode(master);
        bytes32 salt = _salt(initializer, entryOwner);
        assembly ("memory-safe") {
            entry := create2(0, add(code, 32), mload(code), salt)
        }
        // Same arguments and owner twice: the address is taken, CREATE2 fails.
        if (entry == address(0)) revert EntryCreationFailed();
        (bool ok, bytes memory err) = entry.call(initializer);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(err, 32), mload(err))
            }
        }
        _mint(entryOwner, uint256(uint160(entry)));
    }

    /// @dev The address `_createEntry(entryOwner, initializer)` would use.
    function _predictEntry(address entryOwner, bytes memory initializer) internal view returns (address) {
        bytes32 h = keccak256(
            abi.encodePacked(bytes1(0xff), address(this), _salt(initializer, entryOwner), proxyCodeHash)
        );
        return address(uint160(uint256(h)));
    }

    function _proxyCode(address impl) private pure returns (bytes memory) {
        return abi.encodePacked(
            hex"3d602d80600a3d3981f3363d3d373d3d3d363d73", impl, hex"5af43d82803e903d91602b57fd5bf3"
        );
    }
}
