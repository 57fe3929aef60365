//! Registering an app, dataset or workerpool from its iexec.json section, as the iExec SDK's
//! `deploy` commands do: the registry's `create*` with the section's fields (a multiaddr stored
//! as [`super::multiaddr`] encodes it, an app's mrenclave as its JSON text). The address is
//! known before sending: the registry predicts it (`predict*`, CREATE2 from the fields and the
//! owner), so registering the same fields twice is found before anything is sent, and the
//! existing entry can be used instead.

use super::{Kind, multiaddr, registry};
use crate::{
    client::{Client, rpc},
    error::{ClientError, Result},
    project::{
        AppConf, DatasetConf, IExecConf, WorkerpoolConf, fields::bad_value, json::JsonValue,
    },
    tx::{Tx, TxProgress},
};
use alloy_primitives::{Address, B256, Bytes};
use poco_contracts::{
    AppRegistry, DatasetRegistry, WorkerpoolRegistry, alloy::rpc::types::TransactionRequest,
};
use std::path::{Path, PathBuf};

/// An entry to register, read from iexec.json and checked.
#[derive(Clone, Debug, PartialEq)]
pub struct NewAsset {
    file: PathBuf,
    fields: Fields,
}

#[derive(Clone, Debug, PartialEq)]
enum Fields {
    /// An app, with its multiaddr's bytes.
    App(AppConf, Bytes),
    /// A dataset, with its multiaddr's bytes.
    Dataset(DatasetConf, Bytes),
    /// A workerpool.
    Workerpool(WorkerpoolConf),
}

impl NewAsset {
    /// The `kind` section of iexec.json, with what the SDK requires of it: a name (or a
    /// workerpool's description), a multiaddr that is not empty, and a checksum (bytes32)
    /// for apps and datasets; apps are of type DOCKER.
    pub fn load(conf: &IExecConf, kind: Kind) -> Result<NewAsset> {
        let file = conf.path();
        let fields = match kind {
            Kind::App => {
                let app = conf.app()?;
                require_text(file, "app.name", &app.name, "the app's name")?;
                let multiaddr = multiaddr_bytes(file, "app.multiaddr", &app.multiaddr)?;
                if app.checksum.is_none() {
                    return Err(ClientError::ProjectKeyMissing {
                        file: file.to_path_buf(),
                        key: "app.checksum".to_owned(),
                        fix: "add the image's digest (\"checksum\": \"0x\" followed by 64 hex \
                              digits, the sha256 of `docker image inspect --format \
                              '{{.RepoDigests}}'`)"
                            .to_owned(),
                    });
                }
                Fields::App(app, multiaddr)
            }
            Kind::Dataset => {
                let dataset = conf.dataset()?;
                require_text(file, "dataset.name", &dataset.name, "the dataset's name")?;
                let multiaddr = multiaddr_bytes(file, "dataset.multiaddr", &dataset.multiaddr)?;
                Fields::Dataset(dataset, multiaddr)
            }
            Kind::Workerpool => {
                let pool = conf.workerpool()?;
                require_text(
                    file,
                    "workerpool.description",
                    &pool.description,
                    "the workerpool's description",
                )?;
                Fields::Workerpool(pool)
            }
        };
        Ok(NewAsset {
            file: file.to_path_buf(),
            fields,
        })
    }

    /// Its kind.
    pub fn kind(&self) -> Kind {
        match self.fields {
            Fields::App(..) => Kind::App,
            Fields::Dataset(..) => Kind::Dataset,
            Fields::Workerpool(_) => Kind::Workerpool,
        }
    }

    /// Who will own it.
    pub fn owner(&self) -> Address {
        match &self.fields {
            Fields::App(app, _) => app.owner,
            Fields::Dataset(dataset, _) => dataset.owner,
            Fields::Workerpool(pool) => pool.owner,
        }
    }

    /// In a few words: `app "hello-world" (iexechub/python-hello-world:8.0.4)`.
    pub fn describe(&self) -> String {
        match &self.fields {
            Fields::App(app, _) => format!("app \"{}\" ({})", app.name, app.multiaddr),
            Fields::Dataset(dataset, _) => {
                format!("dataset \"{}\" ({})", dataset.name, dataset.multiaddr)
            }
            Fields::Workerpool(pool) => format!("workerpool \"{}\"", pool.description),
        }
    }
}

fn require_text(file: &Path, key: &str, value: &str, what: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(bad_value(
            file,
            key,
            &JsonValue::from(value),
            format!("is empty: write {what}"),
        ));
    }
    Ok(())
}

/// The multiaddr's bytes, or why they cannot be registered.
fn multiaddr_bytes(file: &Path, key: &str, text: &str) -> Result<Bytes> {
    let value = || JsonValue::from(text);
    let bytes = multiaddr::to_bytes(text).map_err(|e| {
        let reason = format!(
            "uses the multiaddr protocol `{}`, which Poco does not encode yet: give another \
             location (a URL, `/ipfs/…`, `/dns4/…`)",
            e.protocol
        );
        bad_value(file, key, &value(), reason)
    })?;
    if bytes.is_empty() {
        return Err(bad_value(
            file,
            key,
            &value(),
            "is empty: write where it is (a Docker image `registry/name:tag`, `/ipfs/…` or a URL)",
        ));
    }
    Ok(Bytes::from(bytes))
}

/// What [`plan_deploy`] found: the address the entry gets, whether it is already registered,
/// and the transaction that registers it.
#[derive(Clone, Debug)]
pub struct DeployPlan {
    /// The kind.
    pub kind: Kind,
    /// The entry's address (predicted by the registry).
    pub address: Address,
    /// Whether an entry with exactly these fields and owner is already registered there.
    pub registered: bool,
    registry: Address,
    request: TransactionRequest,
    what: String,
}

/// A registered entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Registered {
    /// Its address.
    pub address: Address,
    /// The transaction that registered it.
    pub tx_hash: B256,
}

/// Checks that the wallet is the owner `asset` names ([`ClientError::OwnerIsNotWallet`]
/// otherwise), predicts its address and whether it is already registered. Nothing is sent.
pub async fn plan_deploy(client: &Client, asset: &NewAsset) -> Result<DeployPlan> {
    let wallet = client.address()?;
    let kind = asset.kind();
    if asset.owner() != wallet {
        return Err(ClientError::OwnerIsNotWallet {
            kind: kind.as_str(),
            file: asset.file.clone(),
            owner: asset.owner(),
            wallet,
        });
    }
    let registry = registry(client, kind).await?;
    let provider = client.provider().clone();
    let predict = |e| rpc(&format!("predict the {kind}'s address"), e);
    let (address, request) = match &asset.fields {
        Fields::App(app, multiaddr) => {
            let calls = AppRegistry::new(registry, provider);
            let multiaddr = multiaddr.clone();
            let checksum = app.checksum.unwrap_or_default();
            let mrenclave = Bytes::from(app.mrenclave_bytes());
            let (owner, name, app_type) = (app.owner, app.name.clone(), app.app_type.clone());
            let address = calls
                .predictApp(
                    owner,
                    name.clone(),
                    app_type.clone(),
                    multiaddr.clone(),
                    checksum,
                    mrenclave.clone(),
                )
                .call()
                .await
                .map_err(predict)?;
            let create = calls.createApp(owner, name, app_type, multiaddr, checksum, mrenclave);
            (address, create.into_transaction_request())
        }
        Fields::Dataset(dataset, multiaddr) => {
            let calls = DatasetRegistry::new(registry, provider);
            let multiaddr = multiaddr.clone();
            let (owner, name, checksum) = (dataset.owner, dataset.name.clone(), dataset.checksum);
            let address = calls
                .predictDataset(owner, name.clone(), multiaddr.clone(), checksum)
                .call()
                .await
                .map_err(predict)?;
            let create = calls.createDataset(owner, name, multiaddr, checksum);
            (address, create.into_transaction_request())
        }
        Fields::Workerpool(pool) => {
            let calls = WorkerpoolRegistry::new(registry, provider);
            let (owner, description) = (pool.owner, pool.description.clone());
            let address = calls
                .predictWorkerpool(owner, description.clone())
                .call()
                .await
                .map_err(predict)?;
            let create = calls.createWorkerpool(owner, description);
            (address, create.into_transaction_request())
        }
    };
    let registered = super::is_registered(client, kind, address).await?;
    Ok(DeployPlan {
        kind,
        address,
        registered,
        registry,
        request,
        what: format!("register the {}", asset.describe()),
    })
}

impl DeployPlan {
    /// Registers the entry (simulated first: a revert is explained and nothing is sent).
    pub async fn send(&self, client: &Client, progress: &dyn TxProgress) -> Result<Registered> {
        let receipt = client
            .send(Tx::new(self.what.clone(), self.request.clone()), progress)
            .await?;
        // The registry mints the entry's token to its owner: the token id is the address.
        let minted = receipt.logs().iter().find_map(|log| {
            if log.address() != self.registry {
                return None;
            }
            let transfer = log.log_decode::<AppRegistry::Transfer>().ok()?;
            (transfer.inner.data.from == Address::ZERO)
                .then(|| super::token_address(transfer.inner.data.tokenId))
        });
        let address = minted.ok_or_else(|| {
            rpc(
                &self.what,
                format!(
                    "transaction {} was mined but the registry minted no token",
                    receipt.transaction_hash
                ),
            )
        })?;
        Ok(Registered {
            address,
            tx_hash: receipt.transaction_hash,
        })
    }
}
