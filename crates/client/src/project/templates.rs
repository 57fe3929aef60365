//! The default contents the iExec SDK (8.x, `src/cli/utils/templates.js`) writes into iexec.json,
//! key for key and in the same order, so that `poco init`, `poco app init`, `poco order init`...
//! leave the same files as `iexec init`, `iexec app init`, `iexec order init`.

use super::json::{JsonObject, JsonValue};
use poco_types::OrderKind;

/// The zero address, as the templates write it.
pub const NULL_ADDRESS: &str = "0x0000000000000000000000000000000000000000";
/// The zero bytes32, as the templates write it.
pub const NULL_BYTES32: &str = "0x0000000000000000000000000000000000000000000000000000000000000000";

/// The app template's image. The SDK's hello-world; a Poco default may replace it.
pub const DEFAULT_APP_NAME: &str = "hello-world";
/// The app template's image reference.
pub const DEFAULT_APP_MULTIADDR: &str = "iexechub/python-hello-world:8.0.4";
/// The app template image's digest.
pub const DEFAULT_APP_CHECKSUM: &str =
    "0xb0b664b7a6d249f81c067a9262b1763144eeb3ca63e553567f71673442ce9e84";

fn s(value: &str) -> JsonValue {
    JsonValue::from(value)
}

fn object<const N: usize>(entries: [(&str, JsonValue); N]) -> JsonObject {
    JsonObject::from_entries(entries)
}

/// What `iexec init` writes to iexec.json.
pub fn main() -> JsonObject {
    object([
        (
            "description",
            s(
                "My iExec resource description, must be at least 150 chars long in order to pass the validation checks. Describe your application, dataset or workerpool to your users",
            ),
        ),
        ("license", s("MIT")),
        ("author", s("?")),
        (
            "social",
            object([("website", s("?")), ("github", s("?"))]).into(),
        ),
        ("logo", s("logo.png")),
    ])
}

/// The `app` section (`iexec app init`).
pub fn app() -> JsonObject {
    object([
        ("owner", s(NULL_ADDRESS)),
        ("name", s(DEFAULT_APP_NAME)),
        ("type", s("DOCKER")),
        ("multiaddr", s(DEFAULT_APP_MULTIADDR)),
        ("checksum", s(DEFAULT_APP_CHECKSUM)),
    ])
}

/// What `iexec app init --tee-framework scone` lays over [`app`].
pub fn scone_tee_app() -> JsonObject {
    object([
        ("owner", s(NULL_ADDRESS)),
        ("name", s("hello-world-scone")),
        ("type", s("DOCKER")),
        (
            "multiaddr",
            s("docker.io/iexechub/python-hello-world:8.0.0-sconify-5.9.1-v15-production"),
        ),
        (
            "checksum",
            s("0x15de77fd7ac448028884256b3ab376e7d4560e9ef6acf0594ea0b3c031d5d395"),
        ),
        (
            "mrenclave",
            object([
                ("framework", s("SCONE")),
                ("version", s("v5.9")),
                ("entrypoint", s("python /app/app.py")),
                ("heapSize", JsonValue::Number(1_073_741_824.0)),
                (
                    "fingerprint",
                    s("2d4b9efd066d0bb058b8da79bf8551be7d244779bc41d03a12201a4004779609"),
                ),
            ])
            .into(),
        ),
    ])
}

/// What `iexec app init --tee-framework gramine` lays over [`app`].
pub fn gramine_tee_app() -> JsonObject {
    object([
        ("owner", s(NULL_ADDRESS)),
        ("name", s("hello-world-gramine")),
        ("type", s("DOCKER")),
        (
            "multiaddr",
            s("iexechub/tee-python-hello-world:8.0.3-gramine"),
        ),
        (
            "checksum",
            s("0x8e13b1592bff2e1651225b1533282ed2e1939ce173c9f0c2c39ed02a4963401f"),
        ),
        (
            "mrenclave",
            object([
                ("framework", s("GRAMINE")),
                ("version", s("v0")),
                (
                    "fingerprint",
                    s("c879351b3640a21331c4d931d3e32bfbb8373b502966f9c639538666b2cf3641"),
                ),
            ])
            .into(),
        ),
    ])
}

/// The `dataset` section (`iexec dataset init`).
pub fn dataset() -> JsonObject {
    object([
        ("owner", s(NULL_ADDRESS)),
        ("name", s("my-dataset")),
        (
            "multiaddr",
            s("/ipfs/QmW2WQi7j6c7UgJTarActp7tDNikE4B2qXtFCfLPdsgaTQ"),
        ),
        ("checksum", s(NULL_BYTES32)),
    ])
}

/// The `workerpool` section (`iexec workerpool init`).
pub fn workerpool() -> JsonObject {
    object([
        ("owner", s(NULL_ADDRESS)),
        ("description", s("my-workerpool")),
    ])
}

/// The `category` section (`iexec category init`).
pub fn category() -> JsonObject {
    object([
        ("name", s("XXL")),
        ("description", s("new hub category")),
        ("workClockTimeRef", s("100")),
    ])
}

/// The order template `iexec order init` writes under `order.<kind>order`.
pub fn order(kind: OrderKind) -> JsonObject {
    let tags = || JsonValue::Array(Vec::new());
    match kind {
        OrderKind::App => object([
            ("app", s(NULL_ADDRESS)),
            ("appprice", s("0")),
            ("volume", s("1000000")),
            ("tag", tags()),
            ("datasetrestrict", s(NULL_ADDRESS)),
            ("workerpoolrestrict", s(NULL_ADDRESS)),
            ("requesterrestrict", s(NULL_ADDRESS)),
        ]),
        OrderKind::Dataset => object([
            ("dataset", s(NULL_ADDRESS)),
            ("datasetprice", s("0")),
            ("volume", s("1000000")),
            ("tag", tags()),
            ("apprestrict", s(NULL_ADDRESS)),
            ("workerpoolrestrict", s(NULL_ADDRESS)),
            ("requesterrestrict", s(NULL_ADDRESS)),
        ]),
        OrderKind::Workerpool => object([
            ("workerpool", s(NULL_ADDRESS)),
            ("workerpoolprice", s("0")),
            ("volume", s("1")),
            ("category", s("0")),
            ("trust", s("0")),
            ("tag", tags()),
            ("apprestrict", s(NULL_ADDRESS)),
            ("datasetrestrict", s(NULL_ADDRESS)),
            ("requesterrestrict", s(NULL_ADDRESS)),
        ]),
        OrderKind::Request => object([
            ("app", s(NULL_ADDRESS)),
            ("appmaxprice", s("0")),
            ("dataset", s(NULL_ADDRESS)),
            ("datasetmaxprice", s("0")),
            ("workerpool", s(NULL_ADDRESS)),
            ("workerpoolmaxprice", s("0")),
            ("volume", s("1")),
            ("category", s("0")),
            ("trust", s("0")),
            ("tag", tags()),
            ("beneficiary", s(NULL_ADDRESS)),
            ("callback", s(NULL_ADDRESS)),
            (
                "params",
                object([
                    ("iexec_args", s("")),
                    ("iexec_input_files", JsonValue::Array(Vec::new())),
                    ("iexec_result_encryption", JsonValue::Bool(false)),
                ])
                .into(),
            ),
        ]),
    }
}
