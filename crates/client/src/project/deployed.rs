//! deployed.json: the addresses of what the project deployed, per chain, in the iExec SDK's
//! format: `{ "app": { "<chainId>": "0x…" }, "dataset": {…}, "workerpool": {…} }`.

use super::{
    fields::{bad_value, parse_address},
    fs::{expect_object, read_optional, write_atomic},
    json::{JsonObject, JsonValue},
};
use crate::error::{ClientError, Result};
use alloy_primitives::Address;
use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

/// The file name.
pub const DEPLOYED_FILE: &str = "deployed.json";

/// What deployed.json records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Resource {
    /// An app.
    App,
    /// A dataset.
    Dataset,
    /// A workerpool.
    Workerpool,
}

impl Resource {
    /// `app`, `dataset` or `workerpool`: the key in deployed.json (and the CLI's word).
    pub fn as_str(self) -> &'static str {
        match self {
            Resource::App => "app",
            Resource::Dataset => "dataset",
            Resource::Workerpool => "workerpool",
        }
    }
}

impl std::fmt::Display for Resource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// deployed.json, as read (empty when the file does not exist yet).
#[derive(Clone, Debug, PartialEq)]
pub struct Deployed {
    path: PathBuf,
    root: JsonObject,
}

impl Deployed {
    /// Reads `dir`/deployed.json; a missing file reads as empty.
    pub fn load(dir: &Path) -> Result<Deployed> {
        let path = dir.join(DEPLOYED_FILE);
        let root = match read_optional(&path)? {
            Some(value) => expect_object(&path, value)?,
            None => JsonObject::new(),
        };
        Ok(Deployed { path, root })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn entries(&self, kind: Resource) -> Result<Option<&JsonObject>> {
        match self.root.get(kind.as_str()) {
            None => Ok(None),
            Some(JsonValue::Object(entries)) => Ok(Some(entries)),
            Some(other) => Err(bad_value(
                &self.path,
                kind.as_str(),
                other,
                format!("is {}, not an object of chain id to address", other.kind()),
            )),
        }
    }

    /// The address of the `kind` deployed on `chain_id`, if recorded.
    pub fn get(&self, kind: Resource, chain_id: u64) -> Result<Option<Address>> {
        let Some(entries) = self.entries(kind)? else {
            return Ok(None);
        };
        let key = chain_id.to_string();
        entries
            .get(&key)
            .map(|value| {
                parse_address(value)
                    .map_err(|reason| bad_value(&self.path, format!("{kind}.{key}"), value, reason))
            })
            .transpose()
    }

    /// Like [`Deployed::get`], but an error telling to deploy when nothing is recorded.
    pub fn require(&self, kind: Resource, chain_id: u64) -> Result<Address> {
        self.get(kind, chain_id)?
            .ok_or_else(|| ClientError::NotDeployed {
                file: self.path.clone(),
                chain_id,
                kind: kind.as_str(),
            })
    }

    /// Every recorded `kind`, by chain id (entries whose key is not a chain id are skipped).
    pub fn all(&self, kind: Resource) -> Result<BTreeMap<u64, Address>> {
        let Some(entries) = self.entries(kind)? else {
            return Ok(BTreeMap::new());
        };
        let mut all = BTreeMap::new();
        for (key, value) in entries.iter() {
            let Ok(chain_id) = key.parse::<u64>() else {
                continue;
            };
            let address = parse_address(value)
                .map_err(|reason| bad_value(&self.path, format!("{kind}.{key}"), value, reason))?;
            all.insert(chain_id, address);
        }
        Ok(all)
    }

    /// Records `address` as the `kind` of `chain_id` (replacing any previous one).
    pub fn set(&mut self, kind: Resource, chain_id: u64, address: Address) {
        self.root.object_entry(kind.as_str()).insert(
            chain_id.to_string(),
            JsonValue::from(address.to_checksum(None)),
        );
    }

    /// Writes the file back (atomically, in the SDK's layout).
    pub fn save(&self) -> Result<()> {
        write_atomic(&self.path, &JsonValue::Object(self.root.clone()))
    }
}

/// Records in `dir`/deployed.json that the `kind` of `chain_id` is at `address`, as the SDK's
/// `deploy` commands do.
pub fn record(dir: &Path, kind: Resource, chain_id: u64, address: Address) -> Result<()> {
    let mut deployed = Deployed::load(dir)?;
    deployed.set(kind, chain_id, address);
    deployed.save()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    const A: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
    const B: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

    fn addr(s: &str) -> Address {
        s.parse().expect("valid")
    }

    #[test]
    fn records_per_chain_in_the_sdk_layout() {
        let dir = tempfile::tempdir().expect("tempdir");
        let empty = Deployed::load(dir.path()).expect("missing is empty");
        assert_eq!(empty.get(Resource::App, 31337).expect("readable"), None);
        let e = empty
            .require(Resource::App, 31337)
            .expect_err("nothing deployed");
        assert!(
            e.to_string().contains("no app deployed on chain 31337"),
            "{e}"
        );
        assert!(e.to_string().contains("`poco app deploy`"), "{e}");

        record(dir.path(), Resource::App, 31337, addr(A)).expect("recorded");
        record(dir.path(), Resource::App, 134, addr(B)).expect("recorded");
        record(dir.path(), Resource::Workerpool, 31337, addr(B)).expect("recorded");
        record(dir.path(), Resource::App, 31337, addr(B)).expect("replaced");
        // JavaScript puts integer keys in ascending order, as the SDK's file would have them.
        let expected = format!(
            "{{\n  \"app\": {{\n    \"134\": \"{B}\",\n    \"31337\": \"{B}\"\n  }},\n  \"workerpool\": {{\n    \"31337\": \"{B}\"\n  }}\n}}"
        );
        assert_eq!(
            fs::read_to_string(dir.path().join(DEPLOYED_FILE)).expect("readable"),
            expected
        );
        let deployed = Deployed::load(dir.path()).expect("valid");
        assert_eq!(
            deployed.require(Resource::App, 31337).expect("recorded"),
            addr(B)
        );
        assert_eq!(
            deployed.get(Resource::Dataset, 31337).expect("readable"),
            None
        );
        assert_eq!(
            deployed.all(Resource::App).expect("readable"),
            BTreeMap::from([(134, addr(B)), (31337, addr(B))])
        );
    }

    #[test]
    fn reads_sdk_files_and_names_bad_entries() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(DEPLOYED_FILE);
        fs::write(
            &path,
            format!(
                r#"{{"dataset":{{"134":"{}"}},"app":{{"5":"nope"}}}}"#,
                A.to_lowercase()
            ),
        )
        .expect("writable");
        let deployed = Deployed::load(dir.path()).expect("valid JSON");
        assert_eq!(
            deployed.get(Resource::Dataset, 134).expect("valid"),
            Some(addr(A))
        );
        let e = deployed.get(Resource::App, 5).expect_err("bad address");
        assert!(
            matches!(&e, ClientError::ProjectValue { key, .. } if key == "app.5"),
            "{e:?}"
        );
        fs::write(&path, "{\"app\": ").expect("writable");
        let e = Deployed::load(dir.path()).expect_err("malformed");
        assert!(
            e.to_string()
                .contains("deployed.json is not valid JSON at line 1"),
            "{e}"
        );
    }
}
