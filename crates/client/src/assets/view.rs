//! An entry's fields, as its contract's views return them (`m_appName`, `m_appMultiaddr`, ...,
//! `owner`, `registry`): what `poco app|dataset|workerpool show` prints.

use super::{Kind, multiaddr, require_registered};
use crate::{
    client::{Client, rpc},
    error::Result,
};
use alloy_primitives::{Address, B256, Bytes, U256};
use poco_contracts::{App, Dataset, Workerpool};

/// An app's fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppView {
    /// Its owner.
    pub owner: Address,
    /// The registry it belongs to.
    pub registry: Address,
    /// `m_appName`.
    pub name: String,
    /// `m_appType` (`DOCKER`).
    pub app_type: String,
    /// `m_appMultiaddr`, as registered.
    pub multiaddr: Bytes,
    /// `m_appChecksum`.
    pub checksum: B256,
    /// `m_appMREnclave`, as registered (empty for a standard app).
    pub mrenclave: Bytes,
}

/// A dataset's fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatasetView {
    /// Its owner.
    pub owner: Address,
    /// The registry it belongs to.
    pub registry: Address,
    /// `m_datasetName`.
    pub name: String,
    /// `m_datasetMultiaddr`, as registered.
    pub multiaddr: Bytes,
    /// `m_datasetChecksum`.
    pub checksum: B256,
}

/// A workerpool's fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkerpoolView {
    /// Its owner.
    pub owner: Address,
    /// The registry it belongs to.
    pub registry: Address,
    /// `m_workerpoolDescription`.
    pub description: String,
    /// `m_workerStakeRatioPolicy`: the percentage of the pool price a worker stakes per
    /// contribution.
    pub worker_stake_ratio: U256,
    /// `m_schedulerRewardRatioPolicy`: the percentage of the pool price the scheduler keeps.
    pub scheduler_reward_ratio: U256,
}

/// A registered app, dataset or workerpool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AssetView {
    /// An app.
    App(AppView),
    /// A dataset.
    Dataset(DatasetView),
    /// A workerpool.
    Workerpool(WorkerpoolView),
}

impl AppView {
    /// The multiaddr as the SDK shows it (see [`multiaddr::to_text`]).
    pub fn multiaddr_text(&self) -> String {
        multiaddr::to_text(&self.multiaddr)
    }

    /// The mrenclave as text (its JSON for a TEE app; empty for a standard one).
    pub fn mrenclave_text(&self) -> String {
        String::from_utf8_lossy(&self.mrenclave).into_owned()
    }
}

impl DatasetView {
    /// The multiaddr as the SDK shows it (see [`multiaddr::to_text`]).
    pub fn multiaddr_text(&self) -> String {
        multiaddr::to_text(&self.multiaddr)
    }
}

impl AssetView {
    /// Its owner.
    pub fn owner(&self) -> Address {
        match self {
            AssetView::App(app) => app.owner,
            AssetView::Dataset(dataset) => dataset.owner,
            AssetView::Workerpool(pool) => pool.owner,
        }
    }

    /// The registry it belongs to.
    pub fn registry(&self) -> Address {
        match self {
            AssetView::App(app) => app.registry,
            AssetView::Dataset(dataset) => dataset.registry,
            AssetView::Workerpool(pool) => pool.registry,
        }
    }
}

/// The fields of the `kind` at `address`; [`crate::ClientError::NotRegistered`] when it is not
/// one.
pub async fn show(client: &Client, kind: Kind, address: Address) -> Result<AssetView> {
    require_registered(client, kind, address).await?;
    let provider = client.provider().clone();
    let read = |e| rpc(&format!("read {kind} {address}"), e);
    // `owner` and `registry` are the entries' shared base (RegistryEntry): the app bindings
    // call them on any entry.
    let base = App::new(address, provider.clone());
    let (owner, registry) = (base.owner(), base.registry());
    let (owner, registry) = tokio::try_join!(owner.call(), registry.call()).map_err(read)?;
    Ok(match kind {
        Kind::App => AssetView::App(AppView {
            owner,
            registry,
            name: base.m_appName().call().await.map_err(read)?,
            app_type: base.m_appType().call().await.map_err(read)?,
            multiaddr: base.m_appMultiaddr().call().await.map_err(read)?,
            checksum: base.m_appChecksum().call().await.map_err(read)?,
            mrenclave: base.m_appMREnclave().call().await.map_err(read)?,
        }),
        Kind::Dataset => {
            let dataset = Dataset::new(address, provider);
            AssetView::Dataset(DatasetView {
                owner,
                registry,
                name: dataset.m_datasetName().call().await.map_err(read)?,
                multiaddr: dataset.m_datasetMultiaddr().call().await.map_err(read)?,
                checksum: dataset.m_datasetChecksum().call().await.map_err(read)?,
            })
        }
        Kind::Workerpool => {
            let pool = Workerpool::new(address, provider);
            AssetView::Workerpool(WorkerpoolView {
                owner,
                registry,
                description: pool.m_workerpoolDescription().call().await.map_err(read)?,
                worker_stake_ratio: pool.m_workerStakeRatioPolicy().call().await.map_err(read)?,
                scheduler_reward_ratio: pool
                    .m_schedulerRewardRatioPolicy()
                    .call()
                    .await
                    .map_err(read)?,
            })
        }
    })
}
