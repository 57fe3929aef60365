//! iexec.json: the project's description, the app/dataset/workerpool/category to deploy and the
//! order templates to sign, in the iExec SDK's format.
//!
//! The whole document is kept as read ([`JsonObject`]), so that keys Poco does not know, and the
//! order of every key, survive a rewrite; typed accessors read the sections Poco uses, with
//! errors naming the key path.

use super::{
    fields::{Fields, js_string_cast, parse_address, parse_bytes32, parse_string, parse_uint},
    fs::{expect_object, read_required, write_atomic, write_new},
    json::{JsonObject, JsonValue},
    order_templates::{
        app_order_from_template, dataset_order_from_template, request_order_from_template,
        workerpool_order_from_template,
    },
    templates,
};
use crate::error::{ClientError, Result};
use alloy_primitives::{Address, B256, U256};
use poco_types::{AppOrder, DatasetOrder, OrderKind, RequestOrder, WorkerpoolOrder};
use std::path::{Path, PathBuf};

/// The file name.
pub const IEXEC_FILE: &str = "iexec.json";

/// The command that creates iexec.json.
const CREATE_WITH: &str = "poco init";

/// A section of iexec.json describing something to create on-chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Section {
    /// `app`.
    App,
    /// `dataset`.
    Dataset,
    /// `workerpool`.
    Workerpool,
    /// `category`.
    Category,
}

impl Section {
    /// The key in iexec.json.
    pub fn key(self) -> &'static str {
        match self {
            Section::App => "app",
            Section::Dataset => "dataset",
            Section::Workerpool => "workerpool",
            Section::Category => "category",
        }
    }

    /// The SDK's template (see [`templates`]).
    pub fn template(self) -> JsonObject {
        match self {
            Section::App => templates::app(),
            Section::Dataset => templates::dataset(),
            Section::Workerpool => templates::workerpool(),
            Section::Category => templates::category(),
        }
    }

    fn init_command(self) -> String {
        format!("run `poco {} init`", self.key())
    }
}

/// The key of an order template under `order` (`apporder`...).
pub fn order_key(kind: OrderKind) -> String {
    format!("{kind}order")
}

/// The `app` section.
#[derive(Clone, Debug, PartialEq)]
pub struct AppConf {
    /// Who will own the app.
    pub owner: Address,
    /// The app's name.
    pub name: String,
    /// `"DOCKER"`, the only type.
    pub app_type: String,
    /// The image (`registry/name:tag`), or any multiaddr.
    pub multiaddr: String,
    /// The image's digest.
    pub checksum: Option<B256>,
    /// A TEE app's enclave description: an object (`{"framework": "SCONE", ...}`) or its JSON
    /// text; kept as written since its JSON text is what gets registered.
    pub mrenclave: Option<JsonValue>,
}

impl AppConf {
    /// The bytes registered on-chain as the app's mrenclave, as the SDK computes them:
    /// `JSON.stringify` of an object, a string as is, nothing when absent.
    pub fn mrenclave_bytes(&self) -> Vec<u8> {
        match &self.mrenclave {
            None => Vec::new(),
            Some(JsonValue::String(s)) => s.as_bytes().to_vec(),
            Some(other) => other.stringify().into_bytes(),
        }
    }

    /// The section as the SDK lays it out.
    pub fn to_json(&self) -> JsonObject {
        let mut o = JsonObject::from_entries([
            ("owner", JsonValue::from(self.owner.to_checksum(None))),
            ("name", JsonValue::from(self.name.as_str())),
            ("type", JsonValue::from(self.app_type.as_str())),
            ("multiaddr", JsonValue::from(self.multiaddr.as_str())),
        ]);
        if let Some(checksum) = self.checksum {
            o.insert("checksum", JsonValue::from(checksum.to_string()));
        }
        if let Some(mrenclave) = &self.mrenclave {
            o.insert("mrenclave", mrenclave.clone());
        }
        o
    }
}

/// The `dataset` section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatasetConf {
    /// Who will own the dataset.
    pub owner: Address,
    /// The dataset's name.
    pub name: String,
    /// Where the (encrypted) dataset is (`/ipfs/Qm...`, a URL).
    pub multiaddr: String,
    /// The dataset's digest.
    pub checksum: B256,
}

impl DatasetConf {
    /// The section as the SDK lays it out.
    pub fn to_json(&self) -> JsonObject {
        JsonObject::from_entries([
            ("owner", JsonValue::from(self.owner.to_checksum(None))),
            ("name", JsonValue::from(self.name.as_str())),
            ("multiaddr", JsonValue::from(self.multiaddr.as_str())),
            ("checksum", JsonValue::from(self.checksum.to_string())),
        ])
    }
}

/// The `workerpool` section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkerpoolConf {
    /// Who will own the workerpool.
    pub owner: Address,
    /// Its description.
    pub description: String,
}

impl WorkerpoolConf {
    /// The section as the SDK lays it out.
    pub fn to_json(&self) -> JsonObject {
        JsonObject::from_entries([
            ("owner", JsonValue::from(self.owner.to_checksum(None))),
            ("description", JsonValue::from(self.description.as_str())),
        ])
    }
}

/// The `category` section (for the hub owner's `category create`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CategoryConf {
    /// The category's name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// The reference duration of a task, in seconds (`workClockTimeRef`).
    pub work_clock_time_ref: U256,
}

impl CategoryConf {
    /// The section as the SDK lays it out.
    pub fn to_json(&self) -> JsonObject {
        JsonObject::from_entries([
            ("name", JsonValue::from(self.name.as_str())),
            ("description", JsonValue::from(self.description.as_str())),
            (
                "workClockTimeRef",
                JsonValue::from(self.work_clock_time_ref.to_string()),
            ),
        ])
    }
}

/// iexec.json, as read.
#[derive(Clone, Debug, PartialEq)]
pub struct IExecConf {
    path: PathBuf,
    root: JsonObject,
}

impl IExecConf {
    /// Reads `dir`/iexec.json (an error telling to run `poco init` when missing).
    pub fn load(dir: &Path) -> Result<IExecConf> {
        let path = dir.join(IEXEC_FILE);
        let root = expect_object(&path, read_required(&path, CREATE_WITH)?)?;
        Ok(IExecConf { path, root })
    }

    /// A document not (yet) on disk, to be saved at `path`.
    pub fn new(path: PathBuf, root: JsonObject) -> IExecConf {
        IExecConf { path, root }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The whole document.
    pub fn root(&self) -> &JsonObject {
        &self.root
    }

    /// The whole document, to change any key (saved by [`IExecConf::save`]).
    pub fn root_mut(&mut self) -> &mut JsonObject {
        &mut self.root
    }

    /// Writes the document back (atomically, in the SDK's layout).
    pub fn save(&self) -> Result<()> {
        write_atomic(&self.path, &JsonValue::Object(self.root.clone()))
    }

    /// The object under top-level `key`, or why not.
    fn section<'a>(&'a self, key: &'a str, fix: impl FnOnce() -> String) -> Result<Fields<'a>> {
        match self.root.get(key) {
            Some(JsonValue::Object(object)) => Ok(Fields::new(&self.path, key, object)),
            Some(other) => Err(super::fields::bad_value(
                &self.path,
                key,
                other,
                format!("is {}, not an object", other.kind()),
            )),
            None => Err(ClientError::ProjectKeyMissing {
                file: self.path.clone(),
                key: key.to_string(),
                fix: fix(),
            }),
        }
    }

    fn resource_section(&self, section: Section) -> Result<Fields<'_>> {
        self.section(section.key(), || section.init_command())
    }

    /// Replaces (or adds) a section.
    pub fn set_section(&mut self, section: Section, value: JsonObject) {
        self.root.insert(section.key(), JsonValue::Object(value));
    }

    /// The `app` section.
    pub fn app(&self) -> Result<AppConf> {
        let f = self.resource_section(Section::App)?;
        let app_type = f.parse_required("type", "add \"type\": \"DOCKER\"", parse_string)?;
        if app_type != "DOCKER" {
            return Err(f.bad(
                "type",
                &JsonValue::from(app_type),
                "is not an app type: the only type is \"DOCKER\"",
            ));
        }
        let mrenclave = f.get("mrenclave").cloned();
        if let Some(value) = &mrenclave {
            check_mrenclave(value).map_err(|reason| f.bad("mrenclave", value, reason))?;
        }
        Ok(AppConf {
            owner: f.parse_required("owner", "add the owner's address", parse_address)?,
            name: f.parse_required("name", "add the app's name", parse_string)?,
            app_type,
            multiaddr: f.parse_required(
                "multiaddr",
                "add the app's image (\"multiaddr\": \"registry/image:tag\")",
                parse_string,
            )?,
            checksum: f.parse("checksum", parse_bytes32)?,
            mrenclave,
        })
    }

    /// The `dataset` section.
    pub fn dataset(&self) -> Result<DatasetConf> {
        let f = self.resource_section(Section::Dataset)?;
        Ok(DatasetConf {
            owner: f.parse_required("owner", "add the owner's address", parse_address)?,
            name: f.parse_required("name", "add the dataset's name", parse_string)?,
            multiaddr: f.parse_required(
                "multiaddr",
                "add where the dataset is (\"multiaddr\": \"/ipfs/...\" or a URL)",
                parse_string,
            )?,
            checksum: f.parse_required(
                "checksum",
                "add the dataset's checksum (0x followed by 64 hex digits)",
                parse_bytes32,
            )?,
        })
    }

    /// The `workerpool` section.
    pub fn workerpool(&self) -> Result<WorkerpoolConf> {
        let f = self.resource_section(Section::Workerpool)?;
        Ok(WorkerpoolConf {
            owner: f.parse_required("owner", "add the owner's address", parse_address)?,
            description: f.parse_required(
                "description",
                "add the workerpool's description",
                parse_string,
            )?,
        })
    }

    /// The `category` section.
    pub fn category(&self) -> Result<CategoryConf> {
        let f = self.resource_section(Section::Category)?;
        Ok(CategoryConf {
            name: f.parse_required("name", "add the category's name", parse_string)?,
            description: f.parse_required(
                "description",
                "add the category's description",
                parse_string,
            )?,
            work_clock_time_ref: f.parse_required(
                "workClockTimeRef",
                "add the reference task duration in seconds (\"workClockTimeRef\": \"100\")",
                parse_uint,
            )?,
        })
    }

    /// The raw order template `order.<kind>order`, if any.
    pub fn order_template(&self, kind: OrderKind) -> Option<&JsonObject> {
        self.root
            .get("order")
            .and_then(JsonValue::as_object)
            .and_then(|orders| orders.get(&order_key(kind)))
            .and_then(JsonValue::as_object)
    }

    /// Replaces (or adds) the template `order.<kind>order`.
    pub fn set_order_template(&mut self, kind: OrderKind, template: JsonObject) {
        self.root
            .object_entry("order")
            .insert(order_key(kind), JsonValue::Object(template));
    }

    /// The template `order.<kind>order` with its key path, or why not.
    fn template(&self, kind: OrderKind) -> Result<(&JsonObject, String)> {
        let orders = self.section("order", || format!("run `poco order init --{kind}`"))?;
        let key = order_key(kind);
        match orders.get(&key) {
            Some(JsonValue::Object(template)) => Ok((template, orders.path_of(&key))),
            Some(other) => {
                Err(orders.bad(&key, other, format!("is {}, not an object", other.kind())))
            }
            None => Err(orders.missing(&key, format!("run `poco order init --{kind}`"))),
        }
    }

    /// The app order of `order.apporder` (zero salt).
    pub fn app_order(&self) -> Result<AppOrder> {
        let (template, key) = self.template(OrderKind::App)?;
        app_order_from_template(template, &self.path, &key)
    }

    /// The dataset order of `order.datasetorder` (zero salt).
    pub fn dataset_order(&self) -> Result<DatasetOrder> {
        let (template, key) = self.template(OrderKind::Dataset)?;
        dataset_order_from_template(template, &self.path, &key)
    }

    /// The workerpool order of `order.workerpoolorder` (zero salt).
    pub fn workerpool_order(&self) -> Result<WorkerpoolOrder> {
        let (template, key) = self.template(OrderKind::Workerpool)?;
        workerpool_order_from_template(template, &self.path, &key)
    }

    /// The request order of `order.requestorder` (zero salt); `requester` (the wallet) when the
    /// template names none.
    pub fn request_order(&self, requester: Address) -> Result<RequestOrder> {
        let (template, key) = self.template(OrderKind::Request)?;
        request_order_from_template(template, requester, &self.path, &key)
    }
}

/// The SDK's mrenclave rules (`objMrenclaveSchema`): an object, or its JSON text, with
/// `framework` (SCONE, GRAMINE or TDX), `version` and `fingerprint`, plus `entrypoint` and
/// `heapSize` for SCONE only; or an empty string.
fn check_mrenclave(value: &JsonValue) -> std::result::Result<(), String> {
    let object = match value {
        JsonValue::String(s) if s.is_empty() => return Ok(()),
        JsonValue::String(s) => match JsonValue::parse(s) {
            Ok(JsonValue::Object(object)) => object,
            _ => return Err("is not a JSON object describing the enclave".into()),
        },
        JsonValue::Object(object) => object.clone(),
        other => {
            return Err(format!(
                "is {}, not an object describing the enclave",
                other.kind()
            ));
        }
    };
    let text = |key: &str| -> std::result::Result<String, String> {
        match object.get(key) {
            None => Err(format!("has no \"{key}\"")),
            Some(JsonValue::Null) => Err(format!("has a null \"{key}\"")),
            Some(v) => {
                js_string_cast(v).ok_or_else(|| format!("has a \"{key}\" that is not a string"))
            }
        }
    };
    let framework = text("framework")?.to_ascii_lowercase();
    if !["scone", "gramine", "tdx"].contains(&framework.as_str()) {
        return Err("has a \"framework\" that is not SCONE, GRAMINE or TDX".into());
    }
    text("version")?;
    text("fingerprint")?;
    let scone = framework == "scone";
    for key in object.keys() {
        let known = match key {
            "framework" | "version" | "fingerprint" => true,
            "entrypoint" | "heapSize" => scone,
            _ => false,
        };
        if !known {
            return Err(format!(
                "has the unknown key \"{key}\" for framework {framework}"
            ));
        }
    }
    if scone {
        text("entrypoint")?;
        let heap = object.get("heapSize").ok_or("has no \"heapSize\"")?;
        let heap = parse_uint(heap).map_err(|_| "has a \"heapSize\" that is not a whole number")?;
        if heap > U256::from(9_007_199_254_740_991u64) {
            return Err("has a \"heapSize\" that is too large".into());
        }
    }
    Ok(())
}

/// Creates `dir`/iexec.json with the SDK's `iexec init` content; refuses to replace an existing
/// one unless `force`. Returns the file.
pub fn init_project(dir: &Path, force: bool) -> Result<PathBuf> {
    let path = dir.join(IEXEC_FILE);
    write_new(&path, &JsonValue::Object(templates::main()), force)?;
    Ok(path)
}

/// Writes `section` of `dir`/iexec.json as the SDK's `iexec <section> init` does: the template
/// with `overwrite`'s keys laid over it (e.g. `owner`, or [`templates::scone_tee_app`] for a
/// TEE app), replacing any previous section. Returns the section written.
///
/// Unlike SDK 8.x, this leaves the legacy `buyConf` and `dapps` keys alone: the SDK's `app init`
/// resets `buyConf` to `{}` and its `dataset init` deletes `dapps` (it looks their templates up
/// where they are not), though nothing reads them.
pub fn init_section(dir: &Path, section: Section, overwrite: &JsonObject) -> Result<JsonObject> {
    let mut conf = IExecConf::load(dir)?;
    let value = section.template().merged(overwrite);
    conf.set_section(section, value.clone());
    conf.save()?;
    Ok(value)
}

/// Writes the template `order.<kind>order` of `dir`/iexec.json as the SDK's `iexec order init`
/// does: the SDK's template with `overwrite` laid over it (the resource's address from
/// deployed.json; `requester` and `beneficiary` for a request). Returns the template written.
pub fn init_order(dir: &Path, kind: OrderKind, overwrite: &JsonObject) -> Result<JsonObject> {
    let mut conf = IExecConf::load(dir)?;
    let template = templates::order(kind).merged(overwrite);
    conf.set_order_template(kind, template.clone());
    conf.save()?;
    Ok(template)
}

#[cfg(test)]
mod tests {
    use super::*;
    use poco_types::Tag;
    use std::fs;

    const OWNER: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

    /// What `iexec init` leaves in iexec.json (templates.js `main`, JSON.stringify(_, null, 2)).
    const SDK_INIT: &str = r#"{
  "description": "My iExec resource description, must be at least 150 chars long in order to pass the validation checks. Describe your application, dataset or workerpool to your users",
  "license": "MIT",
  "author": "?",
  "social": {
    "website": "?",
    "github": "?"
  },
  "logo": "logo.png"
}"#;

    /// Then `iexec app init` (wallet 0xf39F...), then `iexec order init --request`, as SDK 8.24
    /// writes it (checked with node on the SDK's templates.js). Its `"buyConf": {}` comes from
    /// the SDK resetting the legacy `buyConf` to an empty object, which Poco does not do.
    const SDK_APP_AND_REQUEST: &str = r#"{
  "description": "My iExec resource description, must be at least 150 chars long in order to pass the validation checks. Describe your application, dataset or workerpool to your users",
  "license": "MIT",
  "author": "?",
  "social": {
    "website": "?",
    "github": "?"
  },
  "logo": "logo.png",
  "buyConf": {},
  "app": {
    "owner": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    "name": "hello-world",
    "type": "DOCKER",
    "multiaddr": "iexechub/python-hello-world:8.0.4",
    "checksum": "0xb0b664b7a6d249f81c067a9262b1763144eeb3ca63e553567f71673442ce9e84"
  },
  "order": {
    "requestorder": {
      "app": "0x0000000000000000000000000000000000000000",
      "appmaxprice": "0",
      "dataset": "0x0000000000000000000000000000000000000000",
      "datasetmaxprice": "0",
      "workerpool": "0x0000000000000000000000000000000000000000",
      "workerpoolmaxprice": "0",
      "volume": "1",
      "category": "0",
      "trust": "0",
      "tag": [],
      "beneficiary": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
      "callback": "0x0000000000000000000000000000000000000000",
      "params": {
        "iexec_args": "",
        "iexec_input_files": [],
        "iexec_result_encryption": false
      },
      "requester": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    }
  }
}"#;

    fn owner_overwrite() -> JsonObject {
        JsonObject::from_entries([("owner", JsonValue::from(OWNER))])
    }

    fn read(dir: &Path) -> String {
        fs::read_to_string(dir.join(IEXEC_FILE)).expect("readable")
    }

    #[test]
    fn init_writes_what_the_sdk_writes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = init_project(dir.path(), false).expect("created");
        assert_eq!(path, dir.path().join(IEXEC_FILE));
        assert_eq!(read(dir.path()), SDK_INIT);
        assert!(matches!(
            init_project(dir.path(), false),
            Err(ClientError::ProjectFileExists { .. })
        ));
        init_project(dir.path(), true).expect("forced");

        let app = init_section(dir.path(), Section::App, &owner_overwrite()).expect("app");
        assert_eq!(app.get("owner"), Some(&JsonValue::from(OWNER)));
        let requester = JsonObject::from_entries([
            ("requester", JsonValue::from(OWNER)),
            ("beneficiary", JsonValue::from(OWNER)),
        ]);
        init_order(dir.path(), OrderKind::Request, &requester).expect("order");
        assert_eq!(
            read(dir.path()),
            SDK_APP_AND_REQUEST.replace("  \"buyConf\": {},\n", "")
        );
    }

    #[test]
    fn sdk_files_parse_into_typed_sections_and_orders() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::write(dir.path().join(IEXEC_FILE), SDK_APP_AND_REQUEST).expect("writable");
        let conf = IExecConf::load(dir.path()).expect("valid");
        let app = conf.app().expect("app");
        assert_eq!(app.owner, OWNER.parse::<Address>().expect("valid"));
        assert_eq!(app.name, "hello-world");
        assert_eq!(app.multiaddr, templates::DEFAULT_APP_MULTIADDR);
        assert!(app.mrenclave_bytes().is_empty());
        assert_eq!(
            JsonValue::Object(app.to_json()),
            conf.root().get("app").cloned().expect("app")
        );
        let request = conf.request_order(Address::ZERO).expect("request");
        assert_eq!(request.requester, OWNER.parse::<Address>().expect("valid"));
        assert_eq!(Tag(request.tag), Tag::NONE);
        assert!(matches!(
            conf.app_order(),
            Err(ClientError::ProjectKeyMissing { ref key, ref fix, .. })
                if key == "order.apporder" && fix.contains("poco order init --app")
        ));
        let e = conf.dataset().expect_err("no dataset").to_string();
        assert!(
            e.contains("has no `dataset`: run `poco dataset init`"),
            "{e}"
        );
    }

    #[test]
    fn every_section_round_trips_and_unknown_keys_survive() {
        let dir = tempfile::tempdir().expect("tempdir");
        let custom = r#"{
  "zz-custom": {
    "b": 1,
    "a": [
      1.5,
      "x"
    ]
  },
  "description": "d",
  "dapps": [],
  "category": {
    "name": "XL",
    "description": "big",
    "workClockTimeRef": 3000
  }
}"#;
        fs::write(dir.path().join(IEXEC_FILE), custom).expect("writable");
        for section in [Section::Dataset, Section::Workerpool] {
            init_section(dir.path(), section, &owner_overwrite()).expect("section");
        }
        let conf = IExecConf::load(dir.path()).expect("valid");
        let category = conf.category().expect("category");
        assert_eq!(category.work_clock_time_ref, U256::from(3000));
        let dataset = conf.dataset().expect("dataset");
        assert_eq!(dataset.name, "my-dataset");
        assert_eq!(dataset.checksum, B256::ZERO);
        assert_eq!(
            JsonValue::Object(dataset.to_json()),
            conf.root().get("dataset").cloned().expect("dataset")
        );
        let pool = conf.workerpool().expect("workerpool");
        assert_eq!(pool.description, "my-workerpool");
        assert_eq!(
            JsonValue::Object(pool.to_json()),
            conf.root().get("workerpool").cloned().expect("workerpool")
        );
        // The unknown key and the untouched sections come back byte for byte, in place.
        let text = read(dir.path());
        assert!(text.starts_with(&custom[..custom.len() - 2]), "{text}");
        // Legacy keys are left alone (the SDK's dataset init would delete `dapps`).
        assert_eq!(
            conf.root().get("dapps"),
            Some(&JsonValue::Array(Vec::new()))
        );
        let mut conf = conf;
        conf.set_section(
            Section::Category,
            CategoryConf {
                work_clock_time_ref: U256::from(7),
                ..category
            }
            .to_json(),
        );
        conf.save().expect("saved");
        let again = IExecConf::load(dir.path()).expect("valid");
        assert_eq!(
            again.category().expect("category").work_clock_time_ref,
            U256::from(7)
        );
        assert_eq!(again.root().keys().next(), Some("zz-custom"));
    }

    #[test]
    fn tee_apps_keep_their_mrenclave_text() {
        let dir = tempfile::tempdir().expect("tempdir");
        init_project(dir.path(), false).expect("created");
        let overwrite = templates::scone_tee_app().merged(&owner_overwrite());
        init_section(dir.path(), Section::App, &overwrite).expect("app");
        let app = IExecConf::load(dir.path())
            .expect("valid")
            .app()
            .expect("app");
        assert_eq!(app.name, "hello-world-scone");
        // JSON.stringify of the SDK's scone template.
        assert_eq!(
            String::from_utf8(app.mrenclave_bytes()).expect("utf8"),
            r#"{"framework":"SCONE","version":"v5.9","entrypoint":"python /app/app.py","heapSize":1073741824,"fingerprint":"2d4b9efd066d0bb058b8da79bf8551be7d244779bc41d03a12201a4004779609"}"#
        );
        let gramine = templates::gramine_tee_app().merged(&owner_overwrite());
        init_section(dir.path(), Section::App, &gramine).expect("app");
        IExecConf::load(dir.path())
            .expect("valid")
            .app()
            .expect("gramine app is valid");

        for (bad, why) in [
            (
                r#"{"framework":"SGX","version":"1","fingerprint":"f"}"#,
                "framework",
            ),
            (
                r#"{"framework":"GRAMINE","version":"1","fingerprint":"f","heapSize":1}"#,
                "unknown key",
            ),
            (
                r#"{"framework":"SCONE","version":"1","fingerprint":"f","entrypoint":"e"}"#,
                "heapSize",
            ),
            (r#""{not json""#, "JSON object"),
            ("12", "a number"),
        ] {
            let mut conf = IExecConf::load(dir.path()).expect("valid");
            let mut app = conf.app().expect("app").to_json();
            app.insert("mrenclave", JsonValue::parse(bad).expect("valid JSON"));
            conf.set_section(Section::App, app);
            let e = conf.app().expect_err(bad);
            assert!(
                matches!(&e, ClientError::ProjectValue { key, reason, .. } if key == "app.mrenclave" && reason.contains(why)),
                "{bad}: {e:?}"
            );
        }
        // The JSON text form is accepted as is.
        let mut conf = IExecConf::load(dir.path()).expect("valid");
        let text = r#"{"framework":"TDX","version":"v1","fingerprint":"ab"}"#;
        let mut app = conf.app().expect("app").to_json();
        app.insert("mrenclave", JsonValue::from(text));
        conf.set_section(Section::App, app);
        assert_eq!(
            conf.app().expect("valid").mrenclave_bytes(),
            text.as_bytes()
        );
    }

    #[test]
    fn section_errors_name_the_key_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let e = IExecConf::load(dir.path()).expect_err("missing");
        assert!(e.to_string().contains("create it with `poco init`"), "{e}");
        fs::write(
            dir.path().join(IEXEC_FILE),
            r#"{"app":{"owner":"0x12","name":"n","type":"DOCKER","multiaddr":"m"},"order":[]}"#,
        )
        .expect("writable");
        let conf = IExecConf::load(dir.path()).expect("valid JSON");
        let e = conf.app().expect_err("bad owner");
        assert!(
            matches!(&e, ClientError::ProjectValue { key, value, .. } if key == "app.owner" && value == "\"0x12\""),
            "{e:?}"
        );
        let e = conf
            .request_order(Address::ZERO)
            .expect_err("order is an array");
        assert!(
            matches!(&e, ClientError::ProjectValue { key, .. } if key == "order"),
            "{e:?}"
        );
        fs::write(
            dir.path().join(IEXEC_FILE),
            r#"{"app":{"owner":"0x0000000000000000000000000000000000000000","name":"n","type":"WASM","multiaddr":"m"}}"#,
        )
        .expect("writable");
        let e = IExecConf::load(dir.path())
            .expect("valid")
            .app()
            .expect_err("bad type");
        assert!(e.to_string().contains("\"DOCKER\""), "{e}");
    }
}
