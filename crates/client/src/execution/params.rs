//! A run's request params as the iExec SDK's `app run` and `app request-execution` build them:
//! the `--params` JSON object, then `--args` (`iexec_args`) and `--input-files`
//! (`iexec_input_files`) laid over it, then the SDK's schema
//! ([`crate::project::params::sdk_request_params`]: casts, the default storage provider),
//! so that the signed string is the one the SDK would sign. [`requirements`] is the preflight
//! of what Poco's workers can serve.

use super::error::{ExecutionError, Result};
use crate::project::{
    json::{JsonObject, JsonValue},
    params::{
        IEXEC_ARGS, IEXEC_INPUT_FILES, IEXEC_RESULT_ENCRYPTION, IEXEC_RESULT_STORAGE_PROVIDER,
        IEXEC_SECRETS, sdk_request_params,
    },
};
use alloy_primitives::Address;
use poco_types::Tag;

/// What the requester says about the params.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParamsInput {
    /// `--params`: a JSON object (`{"iexec_args":"..."}`).
    pub params: Option<String>,
    /// `--args`: the app's arguments.
    pub args: Option<String>,
    /// `--input-files`: URLs, each item possibly a comma-separated list (the SDK's form).
    pub input_files: Vec<String>,
}

impl ParamsInput {
    /// The params string to sign in a request with `tag` and `callback`.
    pub fn to_signed_string(&self, tag: Tag, callback: Address) -> Result<String> {
        let mut object = match &self.params {
            None => JsonObject::new(),
            Some(text) => match JsonValue::parse(text) {
                Ok(JsonValue::Object(object)) => object,
                Ok(other) => {
                    return Err(ExecutionError::InvalidParams(format!(
                        "--params {text} is {}, not a JSON object: write it like \
                         '{{\"iexec_args\":\"hello\"}}', or pass the app's arguments with --args",
                        other.kind()
                    )));
                }
                Err(e) => {
                    return Err(ExecutionError::InvalidParams(format!(
                        "--params {text} is not a valid params, must be a json ({}): write it \
                         like '{{\"iexec_args\":\"hello\"}}', or pass the app's arguments with \
                         --args",
                        e.message
                    )));
                }
            },
        };
        if let Some(args) = &self.args {
            object.insert(IEXEC_ARGS, JsonValue::from(args.as_str()));
        }
        if !self.input_files.is_empty() {
            let files = self
                .input_files
                .iter()
                .flat_map(|item| item.split(','))
                .map(JsonValue::from)
                .collect();
            object.insert(IEXEC_INPUT_FILES, JsonValue::Array(files));
        }
        sdk_request_params(Some(&JsonValue::Object(object)), tag, callback).map_err(|e| {
            let at = if e.key.is_empty() {
                "the params".to_owned()
            } else {
                format!("the param {}", e.key)
            };
            ExecutionError::InvalidParams(format!("{at} {} {}", e.value.stringify(), e.reason))
        })
    }
}

/// What Poco's workers cannot do for a request with these signed `params` and `tag`, in
/// words; `Ok` when they can run it (the SDK's app and request requirement checks, for a
/// platform without secret management yet).
pub fn requirements(params: &str, tag: Tag) -> std::result::Result<(), String> {
    if tag.is_tee() {
        return Err(
            "the tag asks for a TEE (confidential) task, and Poco's workers do not run TEE tasks \
             yet (no secret management service): leave `tee` out of --tag"
                .to_owned(),
        );
    }
    let Ok(JsonValue::Object(object)) = JsonValue::parse(params) else {
        // Params that are not an object are the app's arguments (the SDK's rule).
        return Ok(());
    };
    if object
        .get(IEXEC_SECRETS)
        .and_then(JsonValue::as_object)
        .is_some_and(|secrets| !secrets.is_empty())
    {
        return Err(format!(
            "`{IEXEC_SECRETS}` needs a secret management service, which Poco does not run yet"
        ));
    }
    if matches!(
        object.get(IEXEC_RESULT_ENCRYPTION),
        Some(JsonValue::Bool(true))
    ) {
        return Err(format!(
            "`{IEXEC_RESULT_ENCRYPTION}` needs the beneficiary's key in a secret management \
             service, which Poco does not run yet: leave it out"
        ));
    }
    match object
        .get(IEXEC_RESULT_STORAGE_PROVIDER)
        .and_then(JsonValue::as_str)
    {
        None | Some("ipfs") => Ok(()),
        Some(other) => Err(format!(
            "`{IEXEC_RESULT_STORAGE_PROVIDER}` is \"{other}\", and Poco's workers store results \
             on IPFS-style storage only (\"ipfs\")"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(params: Option<&str>, args: Option<&str>, files: &[&str]) -> ParamsInput {
        ParamsInput {
            params: params.map(str::to_owned),
            args: args.map(str::to_owned),
            input_files: files.iter().map(|f| (*f).to_owned()).collect(),
        }
    }

    #[test]
    fn no_params_get_the_default_storage() {
        let params = input(None, None, &[])
            .to_signed_string(Tag::NONE, Address::ZERO)
            .expect("valid");
        assert_eq!(params, r#"{"iexec_result_storage_provider":"ipfs"}"#);
        // With a callback, the SDK adds no storage provider.
        let params = input(None, None, &[])
            .to_signed_string(Tag::NONE, Address::repeat_byte(1))
            .expect("valid");
        assert_eq!(params, "{}");
    }

    #[test]
    fn args_and_files_lay_over_the_params_in_the_schema_order() {
        let params = input(
            Some(r#"{"iexec_args":"old","other":1}"#),
            Some("hello poco"),
            &[
                "https://a.example/x,https://b.example/y",
                "http://c.example/z",
            ],
        )
        .to_signed_string(Tag::NONE, Address::ZERO)
        .expect("valid");
        // Unknown keys are dropped and the known ones rebuilt in the SDK's order.
        assert_eq!(
            params,
            r#"{"iexec_result_storage_provider":"ipfs","iexec_input_files":["https://a.example/x","https://b.example/y","http://c.example/z"],"iexec_args":"hello poco"}"#
        );
    }

    #[test]
    fn bad_params_are_refused_in_words() {
        for (params, expected) in [
            ("not json", "is not a valid params, must be a json"),
            ("[1]", "not a JSON object"),
        ] {
            let error = input(Some(params), None, &[])
                .to_signed_string(Tag::NONE, Address::ZERO)
                .expect_err("refused")
                .to_string();
            assert!(error.contains(expected), "{error}");
        }
        let error = input(None, None, &["ftp://x"])
            .to_signed_string(Tag::NONE, Address::ZERO)
            .expect_err("not a URL")
            .to_string();
        assert!(error.contains("iexec_input_files[0]"), "{error}");
        assert!(error.contains("is not a URL"), "{error}");
    }

    #[test]
    fn requirements_name_what_workers_cannot_do() {
        assert_eq!(
            requirements(r#"{"iexec_result_storage_provider":"ipfs"}"#, Tag::NONE),
            Ok(())
        );
        assert_eq!(requirements("hello", Tag::NONE), Ok(()));
        let tee = requirements("{}", Tag::TEE | Tag::SCONE).expect_err("TEE");
        assert!(tee.contains("TEE"), "{tee}");
        let encrypted =
            requirements(r#"{"iexec_result_encryption":true}"#, Tag::NONE).expect_err("encryption");
        assert!(encrypted.contains("iexec_result_encryption"), "{encrypted}");
        let dropbox = requirements(r#"{"iexec_result_storage_provider":"dropbox"}"#, Tag::NONE)
            .expect_err("dropbox");
        assert!(dropbox.contains("\"dropbox\""), "{dropbox}");
        let secrets =
            requirements(r#"{"iexec_secrets":{"1":"pw"}}"#, Tag::NONE).expect_err("secrets");
        assert!(secrets.contains("iexec_secrets"), "{secrets}");
    }
}
