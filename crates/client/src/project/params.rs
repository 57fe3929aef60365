//! A request order's `params`: the string the iExec SDK signs for what iexec.json holds.
//!
//! The SDK (`createObjParams`, then `JSON.stringify`) does not sign the params object as written:
//! it reads a string as JSON (or, when it is not JSON, as `{"iexec_args": <the string>}`),
//! validates the object with its yup schema, which
//! - casts values (`"iexec_args": 5` becomes `"5"`, `"iexec_result_encryption": "true"` becomes
//!   `true`, `"iexec_input_files": "a,b"` becomes `["a","b"]`),
//! - adds `"iexec_result_storage_provider": "ipfs"` when absent and there is no callback,
//! - drops unknown keys,
//!
//! and, when any of that changed something, rebuilds the object with the known keys in the
//! reverse of the schema's order (`iexec_result_storage_proxy`, `iexec_secrets`,
//! `iexec_result_storage_provider`, `iexec_result_encryption`, `bulk_cid`, `iexec_input_files`,
//! `iexec_args`); otherwise the object keeps its own key order. [`sdk_request_params`] does the
//! same, so that Poco signs the very string the SDK would (checked against yup 1.6 and 1.7, which
//! behave alike). It does not check that `bulk_cid` is a well-formed CID, which the SDK does.

use super::{
    fields::js_string_cast,
    json::{JsonObject, JsonValue},
};
use alloy_primitives::Address;
use poco_types::Tag;

/// `iexec_args`: the app's command-line arguments.
pub const IEXEC_ARGS: &str = "iexec_args";
/// `iexec_input_files`: URLs the worker downloads for the task.
pub const IEXEC_INPUT_FILES: &str = "iexec_input_files";
/// `bulk_cid`: the CID of a bulk request's dataset list.
pub const IEXEC_BULK_CID: &str = "bulk_cid";
/// `iexec_result_encryption`: encrypt the result for the beneficiary.
pub const IEXEC_RESULT_ENCRYPTION: &str = "iexec_result_encryption";
/// `iexec_result_storage_provider`: where results go (`ipfs`; `dropbox` for TEE tasks).
pub const IEXEC_RESULT_STORAGE_PROVIDER: &str = "iexec_result_storage_provider";
/// `iexec_secrets`: requester secrets given to a TEE app (`{"1": "secret-name"}`).
pub const IEXEC_SECRETS: &str = "iexec_secrets";
/// `iexec_result_storage_proxy`: the result proxy to push results to.
pub const IEXEC_RESULT_STORAGE_PROXY: &str = "iexec_result_storage_proxy";

/// The known keys in the schema's order.
const SCHEMA_ORDER: [&str; 7] = [
    IEXEC_ARGS,
    IEXEC_INPUT_FILES,
    IEXEC_BULK_CID,
    IEXEC_RESULT_ENCRYPTION,
    IEXEC_RESULT_STORAGE_PROVIDER,
    IEXEC_SECRETS,
    IEXEC_RESULT_STORAGE_PROXY,
];

/// Why params are not valid.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamsError {
    /// Where, relative to the params object (`iexec_input_files[0]`); empty for the whole.
    pub key: String,
    /// The bad value.
    pub value: JsonValue,
    /// Why (starts with a verb: "is not a URL").
    pub reason: String,
}

impl ParamsError {
    fn new(key: impl Into<String>, value: &JsonValue, reason: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            value: value.clone(),
            reason: reason.into(),
        }
    }
}

/// The params string the SDK signs for `params` (as found in a request order template: an
/// object, a string, or absent) in an order with this `tag` (TEE or not) and `callback`.
pub fn sdk_request_params(
    params: Option<&JsonValue>,
    tag: Tag,
    callback: Address,
) -> Result<String, ParamsError> {
    let input = match params {
        None => JsonValue::Object(JsonObject::new()),
        Some(JsonValue::String(s)) => JsonValue::parse(s).unwrap_or_else(|_| {
            JsonValue::Object(JsonObject::from_entries([(
                IEXEC_ARGS,
                JsonValue::from(s.as_str()),
            )]))
        }),
        Some(other) => other.clone(),
    };
    let object = match &input {
        JsonValue::Object(object) => object,
        other => {
            return Err(ParamsError::new(
                "",
                other,
                format!("is {}, but params must be a JSON object", other.kind()),
            ));
        }
    };
    let context = Context {
        tee: tag.is_tee(),
        callback: callback != Address::ZERO,
    };
    let mut changed = object.keys().any(|key| !SCHEMA_ORDER.contains(&key));
    let mut cast = Vec::new();
    for key in SCHEMA_ORDER {
        let original = object.get(key);
        let value = context.cast(key, original)?;
        changed |= value.as_ref() != original;
        if let Some(value) = value {
            cast.push((key, value));
        }
    }
    if !changed {
        return Ok(input.stringify());
    }
    cast.reverse();
    Ok(JsonValue::Object(JsonObject::from_entries(cast)).stringify())
}

/// What the schema depends on.
struct Context {
    tee: bool,
    callback: bool,
}

fn is_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://")
}

/// yup's `string()` cast, refusing what it refuses.
fn cast_string(key: &str, value: &JsonValue) -> Result<String, ParamsError> {
    match value {
        JsonValue::Null => Err(ParamsError::new(key, value, "cannot be null")),
        other => js_string_cast(other).ok_or_else(|| {
            ParamsError::new(key, other, format!("is {}, not a string", other.kind()))
        }),
    }
}

impl Context {
    /// The value of `key` after the schema's cast (`None`: absent), or why it is refused.
    fn cast(&self, key: &str, value: Option<&JsonValue>) -> Result<Option<JsonValue>, ParamsError> {
        let optional_string = |value: &JsonValue| -> Result<JsonValue, ParamsError> {
            match value {
                JsonValue::Null => Ok(JsonValue::Null),
                other => cast_string(key, other).map(JsonValue::from),
            }
        };
        let Some(value) = value else {
            // Only the storage provider has a default, and only without callback.
            return Ok((key == IEXEC_RESULT_STORAGE_PROVIDER && !self.callback)
                .then(|| JsonValue::from("ipfs")));
        };
        let cast = match key {
            IEXEC_ARGS => JsonValue::from(cast_string(key, value)?),
            IEXEC_INPUT_FILES => {
                let items = match value {
                    JsonValue::String(s) => s.split(',').map(JsonValue::from).collect(),
                    JsonValue::Array(items) => items.clone(),
                    JsonValue::Null => return Err(ParamsError::new(key, value, "cannot be null")),
                    other => {
                        return Err(ParamsError::new(
                            key,
                            other,
                            format!("is {}, not a list of URLs", other.kind()),
                        ));
                    }
                };
                for (i, item) in items.iter().enumerate() {
                    let url = js_string_cast(item).unwrap_or_default();
                    if !is_url(&url) {
                        return Err(ParamsError::new(
                            format!("{key}[{i}]"),
                            item,
                            "is not a URL (expected http:// or https://)",
                        ));
                    }
                }
                JsonValue::Array(items)
            }
            IEXEC_BULK_CID => optional_string(value)?,
            IEXEC_RESULT_ENCRYPTION => match value {
                JsonValue::Bool(b) => JsonValue::Bool(*b),
                JsonValue::String(_) | JsonValue::Number(_) => {
                    let text = js_string_cast(value)
                        .unwrap_or_default()
                        .to_ascii_lowercase();
                    match text.as_str() {
                        "true" | "1" => JsonValue::Bool(true),
                        "false" | "0" => JsonValue::Bool(false),
                        _ => return Err(ParamsError::new(key, value, "is not true or false")),
                    }
                }
                other => {
                    return Err(ParamsError::new(
                        key,
                        other,
                        format!("is {}, not true or false", other.kind()),
                    ));
                }
            },
            IEXEC_RESULT_STORAGE_PROVIDER if self.callback => optional_string(value)?,
            IEXEC_RESULT_STORAGE_PROVIDER => {
                let provider = match value {
                    JsonValue::Null => {
                        return Err(ParamsError::new(
                            key,
                            value,
                            "is required for a task without callback (use \"ipfs\")",
                        ));
                    }
                    other => cast_string(key, other)?,
                };
                let allowed: &[&str] = if self.tee {
                    &["ipfs", "dropbox"]
                } else {
                    &["ipfs"]
                };
                if !allowed.contains(&provider.as_str()) {
                    let reason = if self.tee {
                        "is not a storage provider: use \"ipfs\" or \"dropbox\"".to_string()
                    } else {
                        "is not supported for non-TEE tasks: use \"ipfs\"".to_string()
                    };
                    return Err(ParamsError::new(key, value, reason));
                }
                JsonValue::from(provider)
            }
            IEXEC_SECRETS if !self.tee => {
                return Err(ParamsError::new(
                    key,
                    value,
                    "is only for TEE tasks (the order's tag must include 'tee')",
                ));
            }
            IEXEC_SECRETS => {
                let JsonValue::Object(secrets) = value else {
                    return Err(ParamsError::new(
                        key,
                        value,
                        format!(
                            "is {}, not an object such as {{\"1\": \"my-secret\"}}",
                            value.kind()
                        ),
                    ));
                };
                for (index, name) in secrets.iter() {
                    let positive = !index.is_empty()
                        && !index.starts_with('0')
                        && index.bytes().all(|b| b.is_ascii_digit());
                    if !positive {
                        return Err(ParamsError::new(
                            key,
                            value,
                            format!("has key {index:?}: keys must be strictly positive integers"),
                        ));
                    }
                    if name.as_str().is_none_or(str::is_empty) {
                        return Err(ParamsError::new(
                            format!("{key}.{index}"),
                            name,
                            "is not a secret name (a non-empty string)",
                        ));
                    }
                }
                value.clone()
            }
            IEXEC_RESULT_STORAGE_PROXY => {
                let cast = optional_string(value)?;
                if let JsonValue::String(url) = &cast
                    && !is_url(url)
                {
                    return Err(ParamsError::new(
                        key,
                        value,
                        "is not a URL (expected http:// or https://)",
                    ));
                }
                cast
            }
            // SCHEMA_ORDER lists exactly the keys above.
            _ => value.clone(),
        };
        Ok(Some(cast))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(text: &str, tag: Tag, callback: Address) -> Result<String, ParamsError> {
        let value = JsonValue::parse(text).expect("valid JSON");
        sdk_request_params(Some(&value), tag, callback)
    }

    fn plain(text: &str) -> String {
        params(text, Tag::NONE, Address::ZERO).expect("valid params")
    }

    const CALLBACK: Address = Address::repeat_byte(0x11);

    /// Outputs of the SDK's objParamsSchema (yup 1.6.1 and 1.7.1) + JSON.stringify, from node.
    #[test]
    fn matches_the_sdk_output() {
        assert_eq!(
            plain(r#"{"iexec_args":"","iexec_input_files":[],"iexec_result_encryption":false}"#),
            r#"{"iexec_result_storage_provider":"ipfs","iexec_result_encryption":false,"iexec_input_files":[],"iexec_args":""}"#
        );
        assert_eq!(
            plain(r#"{"iexec_args":"a b"}"#),
            r#"{"iexec_result_storage_provider":"ipfs","iexec_args":"a b"}"#
        );
        assert_eq!(plain("{}"), r#"{"iexec_result_storage_provider":"ipfs"}"#);
        assert_eq!(
            plain(r#"{"iexec_input_files":"http://a,https://b","iexec_args":5}"#),
            r#"{"iexec_result_storage_provider":"ipfs","iexec_input_files":["http://a","https://b"],"iexec_args":"5"}"#
        );
        assert_eq!(
            plain(r#"{"iexec_args":true,"iexec_result_encryption":1}"#),
            r#"{"iexec_result_storage_provider":"ipfs","iexec_result_encryption":true,"iexec_args":"true"}"#
        );
        // Unknown keys are dropped.
        assert_eq!(
            plain(r#"{"foo":1,"iexec_args":"x","bar":{"b":2}}"#),
            r#"{"iexec_result_storage_provider":"ipfs","iexec_args":"x"}"#
        );
        // Nothing to change: the object keeps its own order.
        assert_eq!(
            plain(r#"{"iexec_args":"x","iexec_result_storage_provider":"ipfs"}"#),
            r#"{"iexec_args":"x","iexec_result_storage_provider":"ipfs"}"#
        );
        // With a callback there is no default provider.
        assert_eq!(
            params(r#"{"iexec_args":"x"}"#, Tag::NONE, CALLBACK).expect("valid"),
            r#"{"iexec_args":"x"}"#
        );
        assert_eq!(
            params(
                r#"{"iexec_result_storage_provider":"dropbox"}"#,
                Tag::NONE,
                CALLBACK
            )
            .expect("valid"),
            r#"{"iexec_result_storage_provider":"dropbox"}"#
        );
        // TEE: dropbox and secrets allowed.
        assert_eq!(
            params(
                r#"{"iexec_result_storage_proxy":"http://p","iexec_result_storage_provider":"dropbox","iexec_secrets":{"1":"a"},"iexec_args":"x"}"#,
                Tag::TEE | Tag::SCONE,
                Address::ZERO
            )
            .expect("valid"),
            r#"{"iexec_result_storage_proxy":"http://p","iexec_result_storage_provider":"dropbox","iexec_secrets":{"1":"a"},"iexec_args":"x"}"#
        );
    }

    #[test]
    fn strings_are_json_or_arguments() {
        let as_json = JsonValue::from(r#"{"iexec_args":"x"}"#);
        assert_eq!(
            sdk_request_params(Some(&as_json), Tag::NONE, Address::ZERO).expect("valid"),
            r#"{"iexec_result_storage_provider":"ipfs","iexec_args":"x"}"#
        );
        let as_args = JsonValue::from("--size 3");
        assert_eq!(
            sdk_request_params(Some(&as_args), Tag::NONE, Address::ZERO).expect("valid"),
            r#"{"iexec_result_storage_provider":"ipfs","iexec_args":"--size 3"}"#
        );
        assert_eq!(
            sdk_request_params(None, Tag::NONE, Address::ZERO).expect("valid"),
            r#"{"iexec_result_storage_provider":"ipfs"}"#
        );
    }

    #[test]
    fn refuses_what_the_sdk_refuses() {
        let cases = [
            (r#"{"iexec_args":null}"#, "iexec_args"),
            (r#"{"iexec_args":{"a":1}}"#, "iexec_args"),
            (r#"{"iexec_args":[1,2]}"#, "iexec_args"),
            (
                r#"{"iexec_result_encryption":"yes"}"#,
                "iexec_result_encryption",
            ),
            (
                r#"{"iexec_result_encryption":null}"#,
                "iexec_result_encryption",
            ),
            (
                r#"{"iexec_input_files":["ftp://x"]}"#,
                "iexec_input_files[0]",
            ),
            (
                r#"{"iexec_input_files":["https://a",""]}"#,
                "iexec_input_files[1]",
            ),
            (r#"{"iexec_input_files":""}"#, "iexec_input_files[0]"),
            (r#"{"iexec_input_files":null}"#, "iexec_input_files"),
            (
                r#"{"iexec_result_storage_provider":"dropbox"}"#,
                "iexec_result_storage_provider",
            ),
            (
                r#"{"iexec_result_storage_provider":null}"#,
                "iexec_result_storage_provider",
            ),
            (
                r#"{"iexec_result_storage_provider":""}"#,
                "iexec_result_storage_provider",
            ),
            (r#"{"iexec_secrets":{}}"#, "iexec_secrets"),
            (
                r#"{"iexec_result_storage_proxy":"ftp://x"}"#,
                "iexec_result_storage_proxy",
            ),
            ("null", ""),
            ("5", ""),
            ("[]", ""),
        ];
        for (input, key) in cases {
            let e = params(input, Tag::NONE, Address::ZERO).expect_err(input);
            assert_eq!(e.key, key, "{input}: {e:?}");
        }
        let tee = Tag::TEE | Tag::SCONE;
        for (input, key) in [
            (r#"{"iexec_secrets":{"0":"a"}}"#, "iexec_secrets"),
            (r#"{"iexec_secrets":{"1":""}}"#, "iexec_secrets.1"),
            (r#"{"iexec_secrets":null}"#, "iexec_secrets"),
            (
                r#"{"iexec_result_storage_provider":"s3"}"#,
                "iexec_result_storage_provider",
            ),
        ] {
            let e = params(input, tee, Address::ZERO).expect_err(input);
            assert_eq!(e.key, key, "{input}: {e:?}");
        }
    }
}
