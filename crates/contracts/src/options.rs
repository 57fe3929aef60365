//! What a deployment can be told: RLC's initial supply, the categories, RLC to mint for dev
//! accounts, whether to reuse an existing deployment, and how long to wait for each receipt.

use crate::dev;
use alloy::primitives::{Address, U256};
use poco_types::Category;
use std::time::Duration;

/// Options of [`crate::deploy()`]. `DeployOptions::default()` is a production deployment:
/// iExec's supply and categories, no minting.
#[derive(Clone, Debug)]
pub struct DeployOptions {
    /// RLC minted to the admin by the token's constructor, in nRLC.
    pub rlc_supply: U256,
    /// Categories created on the hub, in id order (poco-types' five defaults).
    pub categories: Vec<Category>,
    /// `(account, nRLC)` pairs minted after the deployment (dev chains). Only a fresh
    /// deployment mints: a reused one is returned as found.
    pub mint: Vec<(Address, U256)>,
    /// Return the existing deployment instead of deploying when a complete hub already sits at
    /// the address the admin's first deployment would have (a chain restarted from a state
    /// file, or `poco deploy` run twice).
    pub reuse_existing: bool,
    /// How long to wait for each transaction's receipt.
    pub receipt_timeout: Duration,
}

impl Default for DeployOptions {
    fn default() -> Self {
        Self {
            rlc_supply: dev::INITIAL_RLC_SUPPLY,
            categories: Category::defaults(),
            mint: Vec::new(),
            reuse_existing: true,
            receipt_timeout: Duration::from_secs(300),
        }
    }
}

impl DeployOptions {
    /// Defaults plus [`dev::RLC_PER_DEV_ACCOUNT`] minted to each of `accounts`.
    pub fn dev(accounts: impl IntoIterator<Item = Address>) -> Self {
        Self::default().with_mint_each(accounts, dev::RLC_PER_DEV_ACCOUNT)
    }

    /// Also mint `amount` nRLC to each of `accounts`.
    pub fn with_mint_each(
        mut self,
        accounts: impl IntoIterator<Item = Address>,
        amount: U256,
    ) -> Self {
        self.mint
            .extend(accounts.into_iter().map(|account| (account, amount)));
        self
    }

    /// Also mint `amount` nRLC to `account`.
    pub fn with_mint(mut self, account: Address, amount: U256) -> Self {
        self.mint.push((account, amount));
        self
    }

    /// Set RLC's initial supply (nRLC).
    pub fn with_rlc_supply(mut self, supply: U256) -> Self {
        self.rlc_supply = supply;
        self
    }

    /// Create these categories instead of the defaults.
    pub fn with_categories(mut self, categories: Vec<Category>) -> Self {
        self.categories = categories;
        self
    }

    /// Whether to return an existing deployment (default) or always deploy.
    pub fn with_reuse_existing(mut self, reuse: bool) -> Self {
        self.reuse_existing = reuse;
        self
    }

    /// Wait at most `timeout` for each receipt.
    pub fn with_receipt_timeout(mut self, timeout: Duration) -> Self {
        self.receipt_timeout = timeout;
        self
    }
}
