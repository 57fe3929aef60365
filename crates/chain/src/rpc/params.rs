//! Positional parameters of a request, decoded one by one so that an error names the parameter.

use super::RpcError;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The `params` of one request.
#[derive(Debug)]
pub struct Params {
    values: Vec<Value>,
}

impl Params {
    /// From the request's `params` member: an array, absent, or (one by-name object) a single value.
    pub fn new(params: Option<Value>) -> Result<Self, RpcError> {
        match params {
            None | Some(Value::Null) => Ok(Self { values: Vec::new() }),
            Some(Value::Array(values)) => Ok(Self { values }),
            Some(object @ Value::Object(_)) => Ok(Self {
                values: vec![object],
            }),
            Some(other) => Err(RpcError::invalid_request(format!(
                "params must be an array or an object, not {other}"
            ))),
        }
    }

    /// Parameter `index` (named `name` in errors), which must be present.
    pub fn required<T: DeserializeOwned>(&self, index: usize, name: &str) -> Result<T, RpcError> {
        match self.values.get(index) {
            None | Some(Value::Null) => Err(RpcError::invalid_params(format!(
                "missing value for required argument {index} ({name})"
            ))),
            Some(value) => decode(value, index, name),
        }
    }

    /// Parameter `index`, or `None` when absent or null.
    pub fn optional<T: DeserializeOwned>(
        &self,
        index: usize,
        name: &str,
    ) -> Result<Option<T>, RpcError> {
        match self.values.get(index) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => decode(value, index, name).map(Some),
        }
    }

    /// Fails when more than `max` parameters were given.
    pub fn at_most(&self, max: usize) -> Result<&Self, RpcError> {
        if self.values.len() > max {
            return Err(RpcError::invalid_params(format!(
                "too many arguments, want at most {max}"
            )));
        }
        Ok(self)
    }

    /// The raw value of parameter `index`.
    pub fn raw(&self, index: usize) -> Option<&Value> {
        self.values.get(index)
    }
}

fn decode<T: DeserializeOwned>(value: &Value, index: usize, name: &str) -> Result<T, RpcError> {
    T::deserialize(value)
        .map_err(|e| RpcError::invalid_params(format!("invalid argument {index} ({name}): {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_the_bad_parameter() {
        let params = Params::new(Some(json!(["0xzz"]))).expect("array");
        let err = params
            .required::<alloy_primitives::Address>(0, "address")
            .expect_err("not an address");
        assert_eq!(err.code, -32602);
        assert!(
            err.message.contains("argument 0 (address)"),
            "{}",
            err.message
        );
    }

    #[test]
    fn missing_and_null_are_absent() {
        let params = Params::new(Some(json!([null]))).expect("array");
        assert_eq!(params.optional::<u64>(0, "x").expect("ok"), None);
        assert!(params.required::<u64>(1, "y").is_err());
    }
}
