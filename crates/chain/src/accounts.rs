//! Dev accounts: keys derived from a BIP-39 mnemonic along m/44'/60'/0'/0/i, as anvil and
//! hardhat derive them, so the same well-known addresses work across tools.

use crate::{ChainError, Result};
use alloy_primitives::Address;
use alloy_signer_local::{MnemonicBuilder, PrivateKeySigner, coins_bip39::English};

/// The public test mnemonic every Ethereum dev tool uses. Its keys are known to everyone.
pub const DEFAULT_MNEMONIC: &str = "test test test test test test test test test test test junk";

/// Derives `count` signers from `mnemonic` at m/44'/60'/0'/0/0..count.
pub fn derive(mnemonic: &str, count: usize) -> Result<Vec<PrivateKeySigner>> {
    (0..count)
        .map(|i| {
            let index = u32::try_from(i)
                .map_err(|_| ChainError::Config(format!("too many accounts: {count}")))?;
            MnemonicBuilder::<English>::default()
                .phrase(mnemonic)
                .index(index)
                .and_then(|b| b.build())
                .map_err(|e| {
                    ChainError::Config(format!(
                        "cannot derive dev account {i} from the mnemonic: {e}"
                    ))
                })
        })
        .collect()
}

/// Addresses of a list of signers.
pub fn addresses(signers: &[PrivateKeySigner]) -> Vec<Address> {
    signers.iter().map(PrivateKeySigner::address).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::address;

    #[test]
    fn derives_the_well_known_dev_accounts() {
        let signers = derive(DEFAULT_MNEMONIC, 2).expect("valid mnemonic");
        assert_eq!(
            signers[0].address(),
            address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")
        );
        assert_eq!(
            signers[1].address(),
            address!("0x70997970C51812dc3A010C7d01b50e0d17dc79C8")
        );
    }

    #[test]
    fn rejects_a_bad_mnemonic() {
        assert!(derive("not a mnemonic", 1).is_err());
    }
}
