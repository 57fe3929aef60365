//! Apps, datasets and workerpools: the entries of the hub's three ERC-721 registries. Each
//! entry is a small contract whose address is also its token id (`uint256(address)`), owned by
//! the token's holder. This module reads the registries (is an address registered, who owns
//! it, how many a wallet owns and which one is its n-th), and its submodules register new
//! entries from iexec.json ([`deploy`]), read an entry's fields ([`view`]) and transfer
//! ownership ([`transfer`]). [`multiaddr`] stores image and dataset locations as the iExec SDK
//! does.
//!
//! The three registries share their ERC-721 and registry functions (one base contract), so
//! those calls go through the app registry's bindings whatever the kind.

pub mod deploy;
pub mod multiaddr;
mod multibase;
pub mod transfer;
pub mod view;

pub use crate::project::Resource as Kind;
pub use deploy::{DeployPlan, NewAsset, plan_deploy};
pub use transfer::{TransferPlan, plan_transfer};
pub use view::{AppView, AssetView, DatasetView, WorkerpoolView, show};

use crate::{
    client::{Client, rpc},
    error::{ClientError, Result},
};
use alloy_primitives::{Address, U256};
use poco_contracts::{AppRegistry, alloy::providers::DynProvider};

/// The registry of `kind`, as the hub knows it.
pub async fn registry(client: &Client, kind: Kind) -> Result<Address> {
    let hub = client.hub();
    let address = match kind {
        Kind::App => hub.appregistry().call().await,
        Kind::Dataset => hub.datasetregistry().call().await,
        Kind::Workerpool => hub.workerpoolregistry().call().await,
    };
    address.map_err(|e| rpc(&format!("read the hub's {kind} registry"), e))
}

/// The ERC-721 and registry functions of the registry of `kind`.
pub(crate) async fn registry_calls(
    client: &Client,
    kind: Kind,
) -> Result<AppRegistry::AppRegistryInstance<DynProvider>> {
    let address = registry(client, kind).await?;
    Ok(AppRegistry::new(address, client.provider().clone()))
}

/// An entry's token id: its address as a number.
pub fn token_id(entry: Address) -> U256 {
    U256::from_be_bytes(entry.into_word().0)
}

/// The entry whose token id is `token`.
pub fn token_address(token: U256) -> Address {
    Address::from_word(token.into())
}

/// Whether `address` is a registered `kind` (of this registry or a previous one).
pub async fn is_registered(client: &Client, kind: Kind, address: Address) -> Result<bool> {
    registry_calls(client, kind)
        .await?
        .isRegistered(address)
        .call()
        .await
        .map_err(|e| rpc(&format!("check that {address} is a registered {kind}"), e))
}

/// Fails with [`ClientError::NotRegistered`] unless `address` is a registered `kind`.
pub async fn require_registered(client: &Client, kind: Kind, address: Address) -> Result<()> {
    if is_registered(client, kind, address).await? {
        Ok(())
    } else {
        Err(not_registered(client, kind, address))
    }
}

pub(crate) fn not_registered(client: &Client, kind: Kind, address: Address) -> ClientError {
    ClientError::NotRegistered {
        kind: kind.as_str(),
        address,
        chain: client.chain().name.clone(),
    }
}

/// The owner of the registered `kind` at `address` (the holder of its token).
pub async fn owner(client: &Client, kind: Kind, address: Address) -> Result<Address> {
    require_registered(client, kind, address).await?;
    registry_calls(client, kind)
        .await?
        .ownerOf(token_id(address))
        .call()
        .await
        .map_err(|e| rpc(&format!("read the owner of {kind} {address}"), e))
}

/// How many entries of `kind` `owner` holds (`balanceOf`).
pub async fn count(client: &Client, kind: Kind, owner: Address) -> Result<U256> {
    registry_calls(client, kind)
        .await?
        .balanceOf(owner)
        .call()
        .await
        .map_err(|e| rpc(&format!("count the {kind}s of {owner}"), e))
}

/// The address of `owner`'s `index`-th `kind`, counting from 0 in the order they were
/// received (`tokenOfOwnerByIndex`); [`ClientError::NoAssetAtIndex`] past the last.
pub async fn by_index(client: &Client, kind: Kind, owner: Address, index: U256) -> Result<Address> {
    let total = count(client, kind, owner).await?;
    if index >= total {
        return Err(ClientError::NoAssetAtIndex {
            kind: kind.as_str(),
            owner,
            index,
            count: total,
            chain: client.chain().name.clone(),
        });
    }
    let token = registry_calls(client, kind)
        .await?
        .tokenOfOwnerByIndex(owner, index)
        .call()
        .await
        .map_err(|e| rpc(&format!("read the {kind} of {owner} at index {index}"), e))?;
    Ok(token_address(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_ids_are_addresses() {
        let address: Address = "0x00000000000000000000000000000000000000ff"
            .parse()
            .expect("address");
        assert_eq!(token_id(address), U256::from(255));
        assert_eq!(token_address(U256::from(255)), address);
        let any = Address::repeat_byte(0xab);
        assert_eq!(token_address(token_id(any)), any);
    }
}
