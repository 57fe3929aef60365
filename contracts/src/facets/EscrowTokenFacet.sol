// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {FacetBase} from "./FacetBase.sol";
import {PocoStorage} from "../libs/PocoStorage.sol";
import {PocoTypes} from "../libs/PocoTypes.sol";
import {LibLedger} from "../libs/LibLedger.sol";
import {LibDiamond} from "../libs/LibDiamond.sol";
import {IexecTokenSpender} from "../interfaces/IRegistries.sol";

/// @title EscrowTokenFacet
/// @notice RLC escrow (deposit / withdraw) and the "Staked RLC" (SRLC) ERC-20
/// view of it: 1 SRLC is 1 RLC held by the hub.
contract EscrowTokenFacet is FacetBase {
    event Approval(address indexed owner, address indexed spender, uint256 value);

    error InvalidToken(address token);
    error TokenTransferFailed();
    error LengthMismatch();
    error InsufficientAllowance(address spender, uint256 allowance, uint256 needed);
    error ApprovalRefused(address spender);

    // ----------------------------------------------------------------- escrow

    /// @notice Deposit `amount` RLC (pre-approved to the hub) as staked RLC.
    function deposit(uint256 amount) external returns (bool) {
        _deposit(msg.sender, amount, msg.sender);
        return true;
    }

    /// @notice Deposit `amount` of the caller's RLC as `target`'s staked RLC.
    function depositFor(uint256 amount, address target) external returns (bool) {
        _deposit(msg.sender, amount, target);
        return true;
    }

    /// @notice Batched `depositFor`.
    function depositForArray(uint256[] calldata amounts, address[] calldata targets) external returns (bool) {
        if (amounts.length != targets.length) revert LengthMismatch();
        for (uint256 i = 0; i < amounts.length; ++i) {
            _deposit(msg.sender, amounts[i], targets[i]);
        }
        return true;
    }

    /// @notice Burn `amount` of the caller's free stake and send the RLC back.
    function withdraw(uint256 amount) external returns (bool) {
        _withdraw(msg.sender, amount, msg.sender);
        return true;
    }

    /// @notice Burn `amount` of the caller's free stake and send the RLC to `target`.
    function withdrawTo(uint256 amount, address target) external returns (bool) {
        _withdraw(msg.sender, amount, target);
        return true;
    }

    /// @notice Mint to the owner, as staked RLC, any RLC the hub holds beyond
    /// the SRLC supply (e.g. sent by mistake with a plain transfer).
    /// @return delta the amount recovered
    function recover() external onlyOwner returns (uint256 delta) {
        PocoStorage.Layout storage l = _layout();
        delta = IERC20(l.token).balanceOf(address(this)) - l.totalSupply;
        LibLedger.mint(LibDiamond.owner(), delta);
    }

    /// @notice Hook of the RLC token's `approveAndCall`: deposits `amount` for `sender`.
    /// @param token must be the hub's RLC token
    function receiveApproval(address sender, uint256 amount, address token, bytes calldata)
        external
        returns (bool)
    {
        if (token != _layout().token || msg.sender != token) revert InvalidToken(token);
        _deposit(sender, amount, sender);
        return true;
    }

    function _deposit(address from, uint256 amount, address target) private {
        PocoStorage.Layout storage l = _layout();
        // Mint first (effects), then pull: a failed pull reverts everything.
        LibLedger.mint(target, amount);
        if (!_callOptionalReturn(l.token, abi.encodeCall(IERC20.transferFrom, (from, address(this), amount)))) {
            revert TokenTransferFailed();
        }
    }

    function _withdraw(address from, uint256 amount, address target) private {
        LibLedger.burn(from, amount);
        if (!_callOptionalReturn(_layout().token, abi.encodeCall(IERC20.transfer, (target, amount)))) {
            revert TokenTransferFailed();
        }
    }

    /// @dev Call an ERC-20 method; true when it did not revert and returned
    /// nothing or `true`.
    function _callOptionalReturn(address token, bytes memory data) private returns (bool) {
        if (token.code.length == 0) return false;
        (bool ok, bytes memory ret) = token.call(data);
        if (!ok) return false;
        return ret.length == 0 || (ret.length >= 32 && abi.decode(ret, (bool)));
    }

    // --------------------------------------------------------- SRLC (ERC-20)

    /// @notice "Staked RLC".
    function name() external view returns (string memory) {
        return _layout().name;
    }

    /// @notice "SRLC".
    function symbol() external view returns (string memory) {
        return _layout().symbol;
    }

    /// @notice 9, like RLC.
    function decimals() external view returns (uint8) {
        return _layout().decimals;
    }

    /// @notice Total staked RLC (equals the hub's RLC balance, barring `recover`).
    function totalSupply() external view returns (uint256) {
        return _layout().totalSupply;
    }

    /// @notice Free stake of `account`.
    function balanceOf(address account) external view returns (uint256) {
        return LibLedger.balanceOf(account);
    }

    /// @notice Frozen stake of `account`.
    function frozenOf(address account) external view returns (uint256) {
        return _layout().accounts[account].locked;
    }

    /// @notice Free and frozen stake of `account`.
    function viewAccount(address account) external view returns (PocoTypes.Account memory) {
        return PocoTypes.Account(LibLedger.balanceOf(account), _layout().accounts[account].locked);
    }

    /// @notice ERC-20 allowance.
    function allowance(address account, address spender) external view returns (uint256) {
        return _layout().allowances[account][spender];
    }

    /// @notice ERC-20 transfer of free stake.
    function transfer(address to, uint256 value) external returns (bool) {
        LibLedger.transfer(msg.sender, to, value);
        return true;
    }

    /// @notice ERC-20 approve.
    function approve(address spender, uint256 value) external returns (bool) {
        _approve(msg.sender, spender, value);
        return true;
    }

    /// @notice Approve `spender` then call its `receiveApproval(caller, value, hub, extraData)`.
    function approveAndCall(address spender, uint256 value, bytes calldata extraData) external returns (bool) {
        _approve(msg.sender, spender, value);
        if (!IexecTokenSpender(spender).receiveApproval(msg.sender, value, address(this), extraData)) {
            revert ApprovalRefused(spender);
        }
        return true;
    }

    /// @notice ERC-20 transferFrom (an allowance of 2^256-1 is never decreased).
    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        uint256 current = _layout().allowances[from][msg.sender];
        if (current != type(uint256).max) {
            if (current < value) revert InsufficientAllowance(msg.sender, current, value);
            unchecked {
                _approve(from, msg.sender, current - value);
            }
        }
        LibLedger.transfer(from, to, value);
        return true;
    }

    /// @notice Raise `spender`'s allowance by `addedValue`.
    function increaseAllowance(address spender, uint256 addedValue) external returns (bool) {
        _approve(msg.sender, spender, _layout().allowances[msg.sender][spender] + addedValue);
        return true;
    }

    /// @notice Lower `spender`'s allowance by `subtractedValue`.
    function decreaseAllowance(address spender, uint256 subtractedValue) external returns (bool) {
        uint256 current = _layout().allowances[msg.sender][spender];
        if (current < subtractedValue) revert InsufficientAllowance(spender, current, subtractedValue);
        unchecked {
            _approve(msg.sender, spender, current - subtractedValue);
        }
        return true;
    }

    function _approve(address owner, address spender, uint256 value) private {
        if (owner == address(0)) revert LibLedger.InvalidAccount(owner);
        if (spender == address(0)) revert LibLedger.InvalidAccount(spender);
        _layout().allowances[owner][spender] = value;
        emit Approval(owner, spender, value);
    }
}
