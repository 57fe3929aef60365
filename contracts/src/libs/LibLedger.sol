// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {PocoStorage} from "./PocoStorage.sol";

/// @title LibLedger
/// @notice The staked-RLC ledger: ERC-20 moves, and the protocol's internal
/// lock / unlock / seize / reward. Locked funds sit on the hub's own account
/// (`stake[hub]`), so `balanceOf(hub)` is the sum of everything frozen.
library LibLedger {
    event Transfer(address indexed from, address indexed to, uint256 value);
    event Lock(address owner, uint256 amount);
    event Unlock(address owner, uint256 amount);
    event Reward(address owner, uint256 amount, bytes32 ref);
    event Seize(address owner, uint256 amount, bytes32 ref);

    /// @dev `account` has less free stake than `needed`.
    error InsufficientStake(address account, uint256 available, uint256 needed);
    /// @dev `account` has less frozen stake than `needed`.
    error InsufficientFrozen(address account, uint256 available, uint256 needed);
    /// @dev An amount does not fit the ledger's 128-bit balances.
    error AmountOverflow(uint256 amount);
    /// @dev ERC-20 transfer to or from the zero address.
    error InvalidAccount(address account);

    function _u128(uint256 amount) private pure returns (uint128) {
        if (amount > type(uint128).max) revert AmountOverflow(amount);
        return uint128(amount);
    }

    function _debit(PocoStorage.Layout storage l, address from, uint128 a) private {
        if (from == address(this)) {
            uint96 h = l.hubStakePlusOne;
            if (h <= a) revert InsufficientStake(from, h == 0 ? 0 : h - 1, a);
            unchecked {
                l.hubStakePlusOne = h - uint96(a);
            }
            return;
        }
        PocoStorage.AccountStore storage acc = l.accounts[from];
        uint128 stake = acc.stake;
        if (stake < a) revert InsufficientStake(from, stake, a);
        unchecked {
            acc.stake = stake - a;
        }
    }

    function _credit(PocoStorage.Layout storage l, address to, uint128 a) private {
        if (to == address(this)) {
            uint256 h = uint256(l.hubStakePlusOne) + a;
            if (h > type(uint96).max) revert AmountOverflow(a);
            l.hubStakePlusOne = uint96(h);
            return;
        }
        PocoStorage.AccountStore storage acc = l.accounts[to];
        acc.stake = acc.stake + a; // checked: bounded by totalSupply anyway
    }

    /// @dev ERC-20 transfer of free stake.
    function transfer(address from, address to, uint256 amount) internal {
        if (from == address(0)) revert InvalidAccount(from);
        if (to == address(0)) revert InvalidAccount(to);
        PocoStorage.Layout storage l = PocoStorage.get();
        uint128 a = _u128(amount);
        _debit(l, from, a);
        _credit(l, to, a);
        emit Transfer(from, to, amount);
    }

    /// @dev Create `amount` staked RLC for `to` (the caller has received the RLC).
    function mint(address to, uint256 amount) internal {
        if (to == address(0)) revert InvalidAccount(to);
        PocoStorage.Layout storage l = PocoStorage.get();
        uint128 a = _u128(amount);
        l.totalSupply += amount;
        _credit(l, to, a);
        emit Transfer(address(0), to, amount);
    }

    /// @dev Destroy `amount` of `from`'s free stake (the caller pays out the RLC).
    function burn(address from, uint256 amount) internal {
        if (from == address(0)) revert InvalidAccount(from);
        PocoStorage.Layout storage l = PocoStorage.get();
        uint128 a = _u128(amount);
        _debit(l, from, a);
        l.totalSupply -= amount;
        emit Transfer(from, address(0), amount);
    }

    /// @dev Free stake of `account` (the hub's own is kept apart).
    function balanceOf(address account) internal view returns (uint256) {
        PocoStorage.Layout storage l = PocoStorage.get();
        if (account == address(this)) {
            uint96 h = l.hubStakePlusOne;
            return h == 0 ? 0 : h - 1;
        }
        return l.accounts[account].stake;
    }

    /// @dev Freeze `amount` of `account`'s stake: it moves to the hub's account.
    function lock(address account, uint256 amount) internal {
        PocoStorage.Layout storage l = PocoStorage.get();
        uint128 a = _u128(amount);
        PocoStorage.AccountStore storage acc = l.accounts[account];
        uint128 stake = acc.stake;
        if (stake < a) revert InsufficientStake(account, stake, a);
        unchecked {
            acc.stake = stake - a;
        }
        acc.locked += a;
        _credit(l, address(this), a);
        emit Transfer(account, address(this), amount);
        emit Lock(account, amount);
    }

    /// @dev `lock(first, a); lock(second, b)` with one write of the hub's own balance (a
    /// match locks the sponsor's price and the pool owner's stake together). Same events, in
    /// the same order, as the two locks.
    function lockTwo(address first, uint256 a, address second, uint256 b) internal {
        PocoStorage.Layout storage l = PocoStorage.get();
        uint128 a128 = _u128(a);
        uint128 b128 = _u128(b);
        _lockAccount(l, first, a128);
        emit Transfer(first, address(this), a);
        emit Lock(first, a);
        _lockAccount(l, second, b128);
        emit Transfer(second, address(this), b);
        emit Lock(second, b);
        _credit(l, address(this), _u128(uint256(a128) + b128));
    }

    function _lockAccount(PocoStorage.Layout storage l, address account, uint128 a) private {
        PocoStorage.AccountStore storage acc = l.accounts[account];
        uint128 stake = acc.stake;
        if (stake < a) revert InsufficientStake(account, stake, a);
        unchecked {
            acc.stake = stake - a;
        }
        acc.locked += a;
    }

    /// @dev Give back `amount` of `account`'s frozen stake.
    function unlock(address account, uint256 amount) internal {
        PocoStorage.Layout storage l = PocoStorage.get();
        uint128 a = _u128(amount);
        PocoStorage.AccountStore storage acc = l.accounts[account];
        uint128 locked = acc.locked;
        if (locked < a) revert InsufficientFrozen(account, locked, a);
        _debit(l, address(this), a);
        unchecked {
            acc.locked = locked - a;
        }
        acc.stake += a;
        emit Transfer(address(this), account, amount);
        emit Unlock(account, amount);
    }

    /// @dev Take `amount` of `account`'s frozen stake; the tokens stay on the hub.
    function seize(address account, uint256 amount, bytes32 ref) internal {
        PocoStorage.Layout storage l = PocoStorage.get();
        uint128 a = _u128(amount);
        PocoStorage.AccountStore storage acc = l.accounts[account];
        uint128 locked = acc.locked;
        if (locked < a) revert InsufficientFrozen(account, locked, a);
        unchecked {
            acc.locked = locked - a;
        }
        emit Seize(account, amount, ref);
    }

    /// @dev Pay `amount` from the hub's account to `account`.
    function reward(address account, uint256 amount, bytes32 ref) internal {
        PocoStorage.Layout storage l = PocoStorage.get();
        uint128 a = _u128(amount);
        _debit(l, address(this), a);
        _credit(l, account, a);
        emit Transfer(address(this), account, amount);
        emit Reward(account, amount, ref);
    }
}
