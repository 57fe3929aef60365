//! iExec's `ResultModel`, the body of `POST /v1/results`: `{chainTaskId, dealId, taskIndex,
//! image, cmd, zip, deterministHash, enclaveSignature}`, camelCase, the zip in base64 (Jackson's
//! form of a `byte[]`). iExec workers fill little more than `chainTaskId` and `zip` and leave the
//! rest null, so everything else is optional on reading.

use super::error::ResultFormatError;
use alloy_primitives::B256;
use base64::{
    Engine,
    engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig, general_purpose::STANDARD},
};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An uploaded result.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultModel {
    /// The task.
    pub chain_task_id: B256,
    /// Its deal, when the worker says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deal_id: Option<String>,
    /// Its index in the deal (iExec sends 0 when unset).
    #[serde(default, deserialize_with = "null_as_zero")]
    pub task_index: u64,
    /// The app's image, when the worker says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// The app's command line, when the worker says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmd: Option<String>,
    /// The zipped `/iexec_out`.
    #[serde(with = "base64_bytes")]
    pub zip: Vec<u8>,
    /// The result digest the worker computed (`0x` hex), when it says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub determinist_hash: Option<String>,
    /// The enclave's signature (TEE tasks only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enclave_signature: Option<String>,
}

impl ResultModel {
    /// A model for `zip` of `task`, the other fields unset.
    pub fn new(chain_task_id: B256, zip: Vec<u8>) -> Self {
        Self {
            chain_task_id,
            deal_id: None,
            task_index: 0,
            image: None,
            cmd: None,
            zip,
            determinist_hash: None,
            enclave_signature: None,
        }
    }

    /// Reads an upload body.
    pub fn parse(bytes: &[u8]) -> Result<Self, ResultFormatError> {
        serde_json::from_slice(bytes).map_err(|e| ResultFormatError::ResultModel {
            reason: e.to_string(),
        })
    }
}

impl std::fmt::Debug for ResultModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResultModel")
            .field("chain_task_id", &self.chain_task_id)
            .field("deal_id", &self.deal_id)
            .field("task_index", &self.task_index)
            .field("image", &self.image)
            .field("cmd", &self.cmd)
            .field("zip", &format_args!("<{} bytes>", self.zip.len()))
            .field("determinist_hash", &self.determinist_hash)
            .field("enclave_signature", &self.enclave_signature)
            .finish()
    }
}

/// `taskIndex: null` (a Java `Integer` left unset) reads as 0.
fn null_as_zero<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    Ok(Option::<u64>::deserialize(deserializer)?.unwrap_or(0))
}

/// Bytes as standard base64; reading accepts padded or unpadded text.
mod base64_bytes {
    use super::*;

    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );

    pub(super) fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        LENIENT
            .decode(text.as_bytes())
            .map_err(|e| serde::de::Error::custom(format!("`zip` is not base64: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::b256;
    use serde_json::json;

    const TASK: B256 = b256!("0xf106ea1b6e8e64c7b3cd3b15c890ee36a53d0df09b563add8cf4ab952ecf1af3");

    #[test]
    fn json_is_iexecs_shape() {
        let model = ResultModel {
            deal_id: Some("0x01".into()),
            task_index: 2,
            determinist_hash: Some("0xab".into()),
            ..ResultModel::new(TASK, b"PK\x05\x06".to_vec())
        };
        let value = serde_json::to_value(&model).expect("serializable");
        assert_eq!(
            value,
            json!({
                "chainTaskId": TASK.to_string(),
                "dealId": "0x01",
                "taskIndex": 2,
                "zip": "UEsFBg==",
                "deterministHash": "0xab",
            })
        );
        assert_eq!(
            ResultModel::parse(value.to_string().as_bytes()).expect("round trip"),
            model
        );
    }

    #[test]
    fn reads_what_iexec_workers_send() {
        // Jackson writes unset fields as null.
        let body = json!({
            "chainTaskId": TASK.to_string(), "dealId": null, "taskIndex": null, "image": null,
            "cmd": null, "zip": "UEsFBg", "deterministHash": null, "enclaveSignature": null,
        });
        let model = ResultModel::parse(body.to_string().as_bytes()).expect("accepted");
        assert_eq!(model, ResultModel::new(TASK, b"PK\x05\x06".to_vec()));
        let error = ResultModel::parse(br#"{"chainTaskId":"0x12","zip":""}"#).expect_err("bad id");
        assert!(
            error
                .to_string()
                .starts_with("the result upload is not a ResultModel")
        );
        let error =
            ResultModel::parse(format!(r#"{{"chainTaskId":"{TASK}","zip":"%%"}}"#).as_bytes())
                .expect_err("bad base64");
        assert!(error.to_string().contains("`zip` is not base64"), "{error}");
        let error = ResultModel::parse(format!(r#"{{"chainTaskId":"{TASK}"}}"#).as_bytes())
            .expect_err("no zip");
        assert!(error.to_string().contains("zip"), "{error}");
    }
}
