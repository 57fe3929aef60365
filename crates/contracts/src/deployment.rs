//! A deployment: where the protocol's contracts live on one chain, as the JSON file
//! `poco deploy --out` writes and every other component reads to find the hub.
//!
//! ```json
//! {
//!   "chainId": 31337,
//!   "hub": "0x9A676e781A523b5d0C0e43731313A708CB607508",
//!   "rlc": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
//!   "appRegistry": "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
//!   "datasetRegistry": "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
//!   "workerpoolRegistry": "0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9",
//!   "facets": { "AccessorsFacet": "0x0DCd1Bf9A1b36cE34237eEaFef220932846BCD82", "...": "..." },
//!   "blockNumber": 1
//! }
//! ```

use crate::{
    bindings::diamond::FACETS,
    error::{DeployError, Result},
};
use alloy::primitives::Address;
use poco_types::serde_helpers::address;
use serde::{Deserialize, Serialize, Serializer};
use std::{collections::BTreeMap, path::Path};

/// Where each contract of a fresh deployment lands, as an offset from the admin's nonce when the
/// deployment starts (contracts/README.md's order: RLC, 3 registries, 10 facets, Diamond).
pub mod nonce_offset {
    /// `RLC`.
    pub const RLC: u64 = 0;
    /// `AppRegistry`.
    pub const APP_REGISTRY: u64 = 1;
    /// `DatasetRegistry`.
    pub const DATASET_REGISTRY: u64 = 2;
    /// `WorkerpoolRegistry`.
    pub const WORKERPOOL_REGISTRY: u64 = 3;
    /// The first facet; facet `i` of [`crate::FACETS`] is at `FIRST_FACET + i`.
    pub const FIRST_FACET: u64 = 4;
    /// `Diamond`: the hub.
    pub const DIAMOND: u64 = 14;
}

/// The protocol's addresses on one chain. In JSON, addresses are checksummed (EIP-55) and
/// read in any case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// The hub (the Diamond): what iExec's SDK calls the "hub" or "iexec" address.
    #[serde(with = "address")]
    pub hub: Address,
    /// The RLC token the hub escrows.
    #[serde(with = "address")]
    pub rlc: Address,
    /// The app registry.
    #[serde(with = "address")]
    pub app_registry: Address,
    /// The dataset registry.
    #[serde(with = "address")]
    pub dataset_registry: Address,
    /// The workerpool registry.
    #[serde(with = "address")]
    pub workerpool_registry: Address,
    /// Each facet's address by contract name (`TaskFacet`...).
    #[serde(serialize_with = "checksummed_map")]
    pub facets: BTreeMap<String, Address>,
    /// The block of the deployment's first transaction: no event of the protocol predates it,
    /// so indexers can start there (0 when an existing deployment's block could not be found).
    pub block_number: u64,
}

impl Deployment {
    /// The addresses a fresh deployment by `admin` gets when the admin's nonce is `first_nonce`
    /// at the start (CREATE addresses depend on nothing else). `block_number` is left at 0.
    pub fn predict(chain_id: u64, admin: Address, first_nonce: u64) -> Self {
        let at = |offset: u64| admin.create(first_nonce + offset);
        let facets = FACETS
            .iter()
            .zip(nonce_offset::FIRST_FACET..)
            .map(|(facet, offset)| (facet.name.to_owned(), at(offset)))
            .collect();
        Deployment {
            chain_id,
            hub: at(nonce_offset::DIAMOND),
            rlc: at(nonce_offset::RLC),
            app_registry: at(nonce_offset::APP_REGISTRY),
            dataset_registry: at(nonce_offset::DATASET_REGISTRY),
            workerpool_registry: at(nonce_offset::WORKERPOOL_REGISTRY),
            facets,
            block_number: 0,
        }
    }

    /// Reads a deployment file.
    pub fn read(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|error| DeployError::File {
            path: path.to_owned(),
            error,
        })?;
        serde_json::from_slice(&bytes).map_err(|error| DeployError::FileFormat {
            path: path.to_owned(),
            error,
        })
    }

    /// Writes this deployment as pretty JSON (with a final newline), creating parent
    /// directories as needed.
    pub fn write(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let io = |error| DeployError::File {
            path: path.to_owned(),
            error,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut json =
            serde_json::to_string_pretty(self).map_err(|error| DeployError::FileFormat {
                path: path.to_owned(),
                error,
            })?;
        json.push('\n');
        std::fs::write(path, json).map_err(io)
    }
}

/// The facet map with checksummed addresses, like the other fields.
fn checksummed_map<S: Serializer>(
    map: &BTreeMap<String, Address>,
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    serializer.collect_map(map.iter().map(|(name, a)| (name, a.to_checksum(None))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dev;

    #[test]
    fn predicted_dev_addresses_match_the_documented_constants() {
        let predicted = Deployment::predict(31337, dev::ADMIN, 0);
        assert_eq!(predicted.hub, dev::HUB);
        assert_eq!(predicted.rlc, dev::RLC);
        assert_eq!(predicted.app_registry, dev::APP_REGISTRY);
        assert_eq!(predicted.dataset_registry, dev::DATASET_REGISTRY);
        assert_eq!(predicted.workerpool_registry, dev::WORKERPOOL_REGISTRY);
        assert_eq!(predicted.facets.len(), 10);
        assert_eq!(predicted.facets["DiamondCutFacet"], dev::ADMIN.create(4));
        assert_eq!(predicted.facets["AccessorsFacet"], dev::ADMIN.create(13));
    }

    #[test]
    fn files_round_trip_with_camel_case_keys() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("sub/deployment.json");
        let mut deployment = Deployment::predict(31337, dev::ADMIN, 0);
        deployment.block_number = 7;
        deployment.write(&path).expect("written");
        let text = std::fs::read_to_string(&path).expect("readable");
        for key in [
            "\"chainId\": 31337",
            "\"hub\"",
            "\"rlc\"",
            "\"appRegistry\"",
            "\"datasetRegistry\"",
            "\"workerpoolRegistry\"",
            "\"facets\"",
            "\"blockNumber\": 7",
            "\"hub\": \"0x9A676e781A523b5d0C0e43731313A708CB607508\"",
            "\"DiamondCutFacet\": \"0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9\"",
        ] {
            assert!(text.contains(key), "{key} missing from {text}");
        }
        assert_eq!(Deployment::read(&path).expect("read back"), deployment);
        // Lowercase addresses (what alloy and many tools write) are read too.
        let mut json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        json["hub"] = format!("{:#x}", deployment.hub).into();
        json["facets"]["TaskFacet"] = format!("{:#x}", deployment.facets["TaskFacet"]).into();
        let parsed: Deployment = serde_json::from_value(json).expect("lowercase addresses");
        assert_eq!(parsed, deployment);
    }

    #[test]
    fn bad_files_name_the_path() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let missing = dir.path().join("missing.json");
        let error = Deployment::read(&missing).expect_err("no such file");
        assert!(matches!(error, DeployError::File { .. }), "{error}");
        let garbage = dir.path().join("garbage.json");
        std::fs::write(&garbage, "{\"hub\": 3}").expect("written");
        let error = Deployment::read(&garbage).expect_err("not a deployment");
        assert!(matches!(error, DeployError::FileFormat { .. }), "{error}");
        assert!(error.to_string().contains("garbage.json"), "{error}");
    }
}
