//! chain.json, the iExec SDK's chain file, and the built-in `dev` chain.
//!
//! ```json
//! { "default": "dev",
//!   "chains": { "dev": { "id": "31337", "host": "http://127.0.0.1:8545", "hub": "0x…",
//!                        "sms": "http://…" or { "scone": "http://…" },
//!                        "resultProxy": "…", "ipfsGateway": "…", "iexecGateway": "…",
//!                        "compass": "http://…" } } }
//! ```
//!
//! The `dev` chain is always available, even without chain.json: it is what `poco chain` serves
//! and the local services listen on. A `dev` entry in chain.json overrides it key by key (keys it
//! leaves out keep the built-in values), the way the SDK lays a chain.json entry over its
//! built-in defaults. Other chains must give at least `host` and `id`. Keys Poco does not use
//! (`native`, `useGas`, `bridge`...) are kept in [`ChainConf::extra`].

use crate::{
    error::{ClientError, Result},
    project::{
        fields::{Fields, bad_value, parse_address, parse_string, parse_u64},
        fs::{expect_object, read_optional, write_new},
        json::{JsonObject, JsonValue},
    },
};
use alloy_primitives::Address;
use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

/// The file name.
pub const CHAIN_FILE: &str = "chain.json";
/// The name of the built-in chain.
pub const DEV_CHAIN: &str = "dev";
/// The dev chain's JSON-RPC URL (`poco chain`'s default).
pub const DEV_HOST: &str = "http://127.0.0.1:8545";
/// The dev chain's id.
pub const DEV_CHAIN_ID: u64 = 31337;
/// The dev market API (the SDK's `iexecGateway`).
pub const DEV_IEXEC_GATEWAY: &str = "http://127.0.0.1:3000";
/// The dev result proxy.
pub const DEV_RESULT_PROXY: &str = "http://127.0.0.1:3001";
/// The dev IPFS gateway (served by the result proxy).
pub const DEV_IPFS_GATEWAY: &str = "http://127.0.0.1:3001";
/// The dev secret management service (SMS).
pub const DEV_SMS: &str = "http://127.0.0.1:3002";
/// The dev Compass, where the SDK's `task debug` looks a workerpool's API up
/// (`GET /{chainId}/workerpools/{address}`): the scheduler serves that route itself.
pub const DEV_COMPASS: &str = "http://127.0.0.1:13000";
/// The TEE framework whose SMS is used when a chain does not say (`defaultTeeFramework`), as in
/// the SDK.
pub const DEFAULT_TEE_FRAMEWORK: &str = "scone";

/// One chain, resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct ChainConf {
    /// Its name in chain.json (or `dev`).
    pub name: String,
    /// The JSON-RPC URL.
    pub host: String,
    /// The chain id.
    pub id: u64,
    /// The hub (diamond) address.
    pub hub: Option<Address>,
    /// The market API URL (`iexecGateway`).
    pub iexec_gateway: Option<String>,
    /// The IPFS gateway URL (`ipfsGateway`).
    pub ipfs_gateway: Option<String>,
    /// The result proxy URL (`resultProxy`).
    pub result_proxy: Option<String>,
    /// iExec Compass's URL (`compass`), which maps a workerpool to its API URL.
    pub compass: Option<String>,
    /// The SMS URL for the chain's default TEE framework (`sms` when it is a URL, or its entry
    /// for [`ChainConf::default_tee_framework`]).
    pub sms: Option<String>,
    /// The SMS URL per TEE framework when `sms` is an object (`{"scone": "…"}`); empty when it
    /// is a single URL.
    pub sms_by_framework: BTreeMap<String, String>,
    /// `defaultTeeFramework`, if set (else [`DEFAULT_TEE_FRAMEWORK`] applies).
    pub default_tee_framework: Option<String>,
    /// The entry's other keys, as written.
    pub extra: JsonObject,
}

impl ChainConf {
    /// The built-in dev chain.
    pub fn dev() -> ChainConf {
        ChainConf {
            name: DEV_CHAIN.to_string(),
            host: DEV_HOST.to_string(),
            id: DEV_CHAIN_ID,
            hub: Some(poco_contracts::dev::HUB),
            iexec_gateway: Some(DEV_IEXEC_GATEWAY.to_string()),
            ipfs_gateway: Some(DEV_IPFS_GATEWAY.to_string()),
            result_proxy: Some(DEV_RESULT_PROXY.to_string()),
            compass: Some(DEV_COMPASS.to_string()),
            sms: Some(DEV_SMS.to_string()),
            sms_by_framework: BTreeMap::new(),
            default_tee_framework: None,
            extra: JsonObject::new(),
        }
    }

    /// The SMS URL for `framework` (`scone`, `gramine`, `tdx`; the chain's default when `None`),
    /// as the SDK's `getSmsUrlFromChain` picks it.
    pub fn sms_url(&self, framework: Option<&str>) -> Option<&str> {
        let framework = framework
            .or(self.default_tee_framework.as_deref())
            .unwrap_or(DEFAULT_TEE_FRAMEWORK)
            .to_ascii_lowercase();
        if self.sms_by_framework.is_empty() {
            self.sms.as_deref()
        } else {
            self.sms_by_framework.get(&framework).map(String::as_str)
        }
    }

    /// Lays the keys of a chain.json entry over `self`.
    fn apply(&mut self, f: &Fields<'_>, entry: &JsonObject) -> Result<()> {
        for (key, value) in entry.iter() {
            let string = || parse_string(value).map_err(|reason| f.bad(key, value, reason));
            match key {
                "host" => self.host = string()?,
                "id" => self.id = parse_u64(value).map_err(|reason| f.bad(key, value, reason))?,
                "hub" => {
                    self.hub =
                        Some(parse_address(value).map_err(|reason| f.bad(key, value, reason))?)
                }
                "iexecGateway" => self.iexec_gateway = Some(string()?),
                "ipfsGateway" => self.ipfs_gateway = Some(string()?),
                "resultProxy" => self.result_proxy = Some(string()?),
                "compass" => self.compass = Some(string()?),
                "defaultTeeFramework" => self.default_tee_framework = Some(string()?),
                "sms" => match value {
                    JsonValue::String(url) => {
                        self.sms = Some(url.clone());
                        self.sms_by_framework.clear();
                    }
                    JsonValue::Object(map) => {
                        let mut by_framework = BTreeMap::new();
                        for (framework, url) in map.iter() {
                            let url = parse_string(url).map_err(|reason| {
                                f.bad(&format!("sms.{framework}"), url, reason)
                            })?;
                            by_framework.insert(framework.to_ascii_lowercase(), url);
                        }
                        self.sms_by_framework = by_framework;
                        self.sms = None;
                    }
                    other => {
                        return Err(f.bad(
                            key,
                            other,
                            format!(
                                "is {}, not a URL or an object of URLs per TEE framework",
                                other.kind()
                            ),
                        ));
                    }
                },
                _ => {
                    self.extra.insert(key, value.clone());
                }
            }
        }
        if !self.sms_by_framework.is_empty() {
            self.sms = self.sms_url(None).map(str::to_string);
        }
        Ok(())
    }
}

/// chain.json, as read.
#[derive(Clone, Debug, PartialEq)]
pub struct ChainsFile {
    path: PathBuf,
    root: JsonObject,
}

impl ChainsFile {
    /// Reads `dir`/chain.json; `None` when there is none (only `dev` is then known).
    pub fn load(dir: &Path) -> Result<Option<ChainsFile>> {
        let path = dir.join(CHAIN_FILE);
        let Some(value) = read_optional(&path)? else {
            return Ok(None);
        };
        let root = expect_object(&path, value)?;
        let file = ChainsFile { path, root };
        file.chains()?;
        file.default_name()?;
        Ok(Some(file))
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The whole document.
    pub fn root(&self) -> &JsonObject {
        &self.root
    }

    fn chains(&self) -> Result<Option<&JsonObject>> {
        match self.root.get("chains") {
            None => Ok(None),
            Some(JsonValue::Object(chains)) => Ok(Some(chains)),
            Some(other) => Err(bad_value(
                &self.path,
                "chains",
                other,
                format!("is {}, not an object of chains by name", other.kind()),
            )),
        }
    }

    /// `default`: the chain used without `--chain`.
    pub fn default_name(&self) -> Result<Option<&str>> {
        match self.root.get("default") {
            None => Ok(None),
            Some(JsonValue::String(name)) => Ok(Some(name)),
            Some(other) => Err(bad_value(
                &self.path,
                "default",
                other,
                format!("is {}, not a chain name", other.kind()),
            )),
        }
    }

    /// The names of the chains in the file, in order.
    pub fn names(&self) -> Vec<String> {
        match self.chains() {
            Ok(Some(chains)) => chains.keys().map(str::to_string).collect(),
            _ => Vec::new(),
        }
    }

    /// The chain named `name` in the file (with the dev defaults under it for `dev`), if any.
    fn entry(&self, name: &str) -> Result<Option<ChainConf>> {
        let Some(entry) = self.chains()?.and_then(|chains| chains.get(name)) else {
            return Ok(None);
        };
        let key = format!("chains.{name}");
        let JsonValue::Object(entry) = entry else {
            return Err(bad_value(
                &self.path,
                key,
                entry,
                format!("is {}, not an object", entry.kind()),
            ));
        };
        let f = Fields::new(&self.path, &key, entry);
        let mut conf = if name == DEV_CHAIN {
            ChainConf::dev()
        } else {
            for (required, fix) in [
                (
                    "host",
                    "add the chain's JSON-RPC URL (\"host\": \"https://…\")",
                ),
                ("id", "add the chain id (\"id\": \"134\")"),
            ] {
                if !entry.contains_key(required) {
                    return Err(f.missing(required, fix));
                }
            }
            ChainConf {
                name: name.to_string(),
                host: String::new(),
                id: 0,
                hub: None,
                iexec_gateway: None,
                ipfs_gateway: None,
                result_proxy: None,
                compass: None,
                sms: None,
                sms_by_framework: BTreeMap::new(),
                default_tee_framework: None,
                extra: JsonObject::new(),
            }
        };
        conf.apply(&f, entry)?;
        Ok(Some(conf))
    }

    /// The chain `name` (see [`resolve`]).
    pub fn resolve(&self, name: Option<&str>) -> Result<ChainConf> {
        resolve(Some(self), name)
    }
}

/// The chain to use: `name` when given (a name in chain.json, `dev`, or a chain id), otherwise
/// chain.json's `default`, otherwise `dev`. An unknown name is an error listing the known ones.
pub fn resolve(file: Option<&ChainsFile>, name: Option<&str>) -> Result<ChainConf> {
    let name = match (name, file) {
        (Some(name), _) => name.trim(),
        (None, Some(file)) => file.default_name()?.unwrap_or(DEV_CHAIN),
        (None, None) => DEV_CHAIN,
    };
    if let Some(file) = file
        && let Some(conf) = file.entry(name)?
    {
        return Ok(conf);
    }
    if name == DEV_CHAIN {
        return Ok(ChainConf::dev());
    }
    let mut known = file.map(ChainsFile::names).unwrap_or_default();
    if !known.iter().any(|n| n == DEV_CHAIN) {
        known.push(DEV_CHAIN.to_string());
    }
    // A chain id selects the chain that has it, as the SDK's `--chain 134` does.
    if let Ok(id) = name.parse::<u64>() {
        for candidate in &known {
            if let Ok(conf) = resolve(file, Some(candidate))
                && conf.id == id
            {
                return Ok(conf);
            }
        }
    }
    Err(ClientError::UnknownChain {
        name: name.to_string(),
        known: known.join(", "),
    })
}

/// The `dev` entry spelled out, as [`init_chains`] writes it (keys as the SDK lists them; `id`
/// as a string, which the SDK requires).
pub fn dev_chain_entry() -> JsonObject {
    JsonObject::from_entries([
        ("id", JsonValue::from(DEV_CHAIN_ID.to_string())),
        ("host", JsonValue::from(DEV_HOST)),
        (
            "hub",
            JsonValue::from(poco_contracts::dev::HUB.to_checksum(None)),
        ),
        ("sms", JsonValue::from(DEV_SMS)),
        ("resultProxy", JsonValue::from(DEV_RESULT_PROXY)),
        ("ipfsGateway", JsonValue::from(DEV_IPFS_GATEWAY)),
        ("iexecGateway", JsonValue::from(DEV_IEXEC_GATEWAY)),
        ("compass", JsonValue::from(DEV_COMPASS)),
    ])
}

/// Creates `dir`/chain.json with `"default": "dev"` and the dev chain spelled out, for users to
/// edit or extend; refuses to replace an existing one unless `force`. Returns the file.
pub fn init_chains(dir: &Path, force: bool) -> Result<PathBuf> {
    let path = dir.join(CHAIN_FILE);
    let document = JsonObject::from_entries([
        ("default", JsonValue::from(DEV_CHAIN)),
        (
            "chains",
            JsonObject::from_entries([(DEV_CHAIN, JsonValue::Object(dev_chain_entry()))]).into(),
        ),
    ]);
    write_new(&path, &JsonValue::Object(document), force)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn write(dir: &Path, text: &str) -> Option<ChainsFile> {
        fs::write(dir.join(CHAIN_FILE), text).expect("writable");
        ChainsFile::load(dir).expect("valid chain.json")
    }

    #[test]
    fn dev_is_built_in() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(ChainsFile::load(dir.path()).expect("no file"), None);
        let dev = resolve(None, None).expect("dev");
        assert_eq!(dev, ChainConf::dev());
        assert_eq!((dev.host.as_str(), dev.id), (DEV_HOST, 31337));
        assert_eq!(dev.hub, Some(poco_contracts::dev::HUB));
        assert_eq!(dev.sms_url(Some("gramine")), Some(DEV_SMS));
        assert_eq!(dev.compass.as_deref(), Some(DEV_COMPASS));
        assert_eq!(resolve(None, Some("dev")).expect("dev"), dev);
        assert_eq!(resolve(None, Some("31337")).expect("by id"), dev);
        let e = resolve(None, Some("bellecour")).expect_err("unknown");
        assert_eq!(
            e.to_string(),
            "unknown chain `bellecour`: the known chains are dev; add it under \"chains\" in chain.json (with its \"host\" and \"id\")"
        );
    }

    #[test]
    fn init_writes_an_editable_dev_chain_that_resolves_to_the_built_in() {
        let dir = tempfile::tempdir().expect("tempdir");
        init_chains(dir.path(), false).expect("created");
        assert!(matches!(
            init_chains(dir.path(), false),
            Err(ClientError::ProjectFileExists { .. })
        ));
        let text = fs::read_to_string(dir.path().join(CHAIN_FILE)).expect("readable");
        assert_eq!(
            text,
            format!(
                "{{\n  \"default\": \"dev\",\n  \"chains\": {{\n    \"dev\": {{\n      \"id\": \"31337\",\n      \"host\": \"http://127.0.0.1:8545\",\n      \"hub\": \"{}\",\n      \"sms\": \"http://127.0.0.1:3002\",\n      \"resultProxy\": \"http://127.0.0.1:3001\",\n      \"ipfsGateway\": \"http://127.0.0.1:3001\",\n      \"iexecGateway\": \"http://127.0.0.1:3000\",\n      \"compass\": \"http://127.0.0.1:13000\"\n    }}\n  }}\n}}",
                poco_contracts::dev::HUB.to_checksum(None)
            )
        );
        let file = ChainsFile::load(dir.path())
            .expect("valid")
            .expect("present");
        assert_eq!(file.resolve(None).expect("default"), ChainConf::dev());
    }

    #[test]
    fn file_chains_defaults_and_dev_overrides() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = write(
            dir.path(),
            r#"{
  "default": "bellecour",
  "chains": {
    "bellecour": {
      "host": "https://bellecour.iex.ec",
      "id": 134,
      "hub": "0x3eca1b216a7df1c7689aeb259ffb83adfb894e7f",
      "sms": { "scone": "https://sms-scone", "GRAMINE": "https://sms-gramine" },
      "defaultTeeFramework": "gramine",
      "iexecGateway": "https://market",
      "compass": "https://compass.example",
      "native": true
    },
    "dev": { "host": "http://10.0.0.2:8545" }
  },
  "providers": {}
}"#,
        )
        .expect("present");
        assert_eq!(file.names(), ["bellecour", "dev"]);
        let bellecour = resolve(Some(&file), None).expect("default");
        assert_eq!(bellecour.name, "bellecour");
        assert_eq!(bellecour.id, 134);
        assert_eq!(
            bellecour.hub,
            Some(
                "0x3eCA1B216A7DF1C7689aEb259fFB83ADFB894E7f"
                    .parse()
                    .expect("valid")
            )
        );
        assert_eq!(bellecour.sms.as_deref(), Some("https://sms-gramine"));
        assert_eq!(bellecour.sms_url(Some("scone")), Some("https://sms-scone"));
        assert_eq!(bellecour.sms_url(Some("tdx")), None);
        assert_eq!(bellecour.iexec_gateway.as_deref(), Some("https://market"));
        assert_eq!(bellecour.result_proxy, None);
        assert_eq!(
            bellecour.compass.as_deref(),
            Some("https://compass.example")
        );
        assert_eq!(bellecour.extra.get("native"), Some(&JsonValue::Bool(true)));
        assert_eq!(resolve(Some(&file), Some("134")).expect("by id"), bellecour);

        // The file's dev entry wins key by key over the built-in.
        let dev = resolve(Some(&file), Some("dev")).expect("dev");
        assert_eq!(dev.host, "http://10.0.0.2:8545");
        assert_eq!(dev.id, DEV_CHAIN_ID);
        assert_eq!(dev.hub, Some(poco_contracts::dev::HUB));
        assert_eq!(dev.iexec_gateway.as_deref(), Some(DEV_IEXEC_GATEWAY));
        assert_eq!(dev.compass.as_deref(), Some(DEV_COMPASS));

        let e = resolve(Some(&file), Some("mainnet")).expect_err("unknown");
        assert!(
            e.to_string()
                .contains("the known chains are bellecour, dev"),
            "{e}"
        );

        // Without default, dev.
        let file = write(dir.path(), r#"{"chains":{}}"#).expect("present");
        assert_eq!(resolve(Some(&file), None).expect("dev"), ChainConf::dev());
    }

    #[test]
    fn bad_entries_are_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = write(
            dir.path(),
            r#"{"default":"x","chains":{"x":{"host":"h"},"y":{"host":"h","id":"0x1"},"z":{"host":"h","id":"5","sms":3},"w":{"host":"h","id":1,"hub":"nope"}}}"#,
        )
        .expect("present");
        let e = resolve(Some(&file), None).expect_err("no id");
        assert!(
            matches!(&e, ClientError::ProjectKeyMissing { key, .. } if key == "chains.x.id"),
            "{e:?}"
        );
        for (name, key) in [
            ("y", "chains.y.id"),
            ("z", "chains.z.sms"),
            ("w", "chains.w.hub"),
        ] {
            let e = resolve(Some(&file), Some(name)).expect_err(name);
            assert!(
                matches!(&e, ClientError::ProjectValue { key: k, .. } if k == key),
                "{name}: {e:?}"
            );
            assert!(e.to_string().contains("chain.json"), "{e}");
        }
        fs::write(dir.path().join(CHAIN_FILE), r#"{"default":1}"#).expect("writable");
        assert!(ChainsFile::load(dir.path()).is_err());
        fs::write(dir.path().join(CHAIN_FILE), r#"{"chains":[]}"#).expect("writable");
        assert!(ChainsFile::load(dir.path()).is_err());
    }
}
