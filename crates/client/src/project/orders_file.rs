//! orders.json: the orders signed by `order sign`, per chain, in the iExec SDK's format:
//! `{ "<chainId>": { "apporder": <signed order>, "datasetorder": …, "workerpoolorder": …,
//! "requestorder": … } }`, a signed order being the order's fields and `sign` in one object
//! (poco_types' [`Signed`] serde form).

use super::{
    fields::bad_value,
    fs::{expect_object, read_optional, write_atomic},
    iexec_conf::order_key,
    json::{JsonObject, JsonValue},
};
use crate::error::{ClientError, Result};
use poco_types::{Order, Signed};
use serde::{Serialize, de::DeserializeOwned};
use std::path::{Path, PathBuf};

/// The file name.
pub const ORDERS_FILE: &str = "orders.json";

/// orders.json, as read (empty when the file does not exist yet).
#[derive(Clone, Debug, PartialEq)]
pub struct OrdersFile {
    path: PathBuf,
    root: JsonObject,
}

impl OrdersFile {
    /// Reads `dir`/orders.json; a missing file reads as empty.
    pub fn load(dir: &Path) -> Result<OrdersFile> {
        let path = dir.join(ORDERS_FILE);
        let root = match read_optional(&path)? {
            Some(value) => expect_object(&path, value)?,
            None => JsonObject::new(),
        };
        Ok(OrdersFile { path, root })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The signed order of type `O` for `chain_id`, if any.
    pub fn get<O>(&self, chain_id: u64) -> Result<Option<Signed<O>>>
    where
        O: Order,
        Signed<O>: DeserializeOwned,
    {
        let chain = chain_id.to_string();
        let Some(orders) = self.root.get(&chain) else {
            return Ok(None);
        };
        let JsonValue::Object(orders) = orders else {
            return Err(bad_value(
                &self.path,
                chain,
                orders,
                format!("is {}, not an object of signed orders", orders.kind()),
            ));
        };
        let key = order_key(O::KIND);
        let Some(value) = orders.get(&key) else {
            return Ok(None);
        };
        serde_json::from_value(value.to_serde())
            .map(Some)
            .map_err(|e| {
                bad_value(
                    &self.path,
                    format!("{chain}.{key}"),
                    value,
                    format!("is not a signed {key}: {e}"),
                )
            })
    }

    /// Stores `signed` as the order of its kind for `chain_id` (replacing any previous one).
    pub fn set<O>(&mut self, chain_id: u64, signed: &Signed<O>) -> Result<()>
    where
        O: Order,
        Signed<O>: Serialize,
    {
        let value = JsonValue::from_serializable(signed).map_err(|e| {
            ClientError::InvalidInput(format!("cannot write the signed {}order: {e}", O::KIND))
        })?;
        self.root
            .object_entry(&chain_id.to_string())
            .insert(order_key(O::KIND), value);
        Ok(())
    }

    /// Writes the file back (atomically, in the SDK's layout).
    pub fn save(&self) -> Result<()> {
        write_atomic(&self.path, &JsonValue::Object(self.root.clone()))
    }
}

/// Stores `signed` in `dir`/orders.json for `chain_id`, as the SDK's `order sign` does. Returns
/// the file.
pub fn save_signed<O>(dir: &Path, chain_id: u64, signed: &Signed<O>) -> Result<PathBuf>
where
    O: Order,
    Signed<O>: Serialize,
{
    let mut file = OrdersFile::load(dir)?;
    file.set(chain_id, signed)?;
    file.save()?;
    Ok(file.path)
}

/// The signed order of type `O` (its kind is `O::KIND`) for `chain_id` in `dir`/orders.json; an
/// error telling to run `poco order sign --<kind>` when there is none.
pub fn load_signed<O>(dir: &Path, chain_id: u64) -> Result<Signed<O>>
where
    O: Order,
    Signed<O>: DeserializeOwned,
{
    let file = OrdersFile::load(dir)?;
    file.get(chain_id)?
        .ok_or_else(|| ClientError::NoSignedOrder {
            file: file.path.clone(),
            chain_id,
            kind: O::KIND,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{Address, B256, Bytes, U256};
    use poco_types::{AppOrder, RequestOrder, SignedAppOrder, SignedRequestOrder, Tag};
    use std::fs;

    fn app_signed(volume: u64) -> SignedAppOrder {
        Signed::new(
            AppOrder {
                app: Address::repeat_byte(0x11),
                appprice: U256::from(5),
                volume: U256::from(volume),
                tag: (Tag::TEE | Tag::SCONE).0,
                salt: B256::repeat_byte(0x01),
                ..Default::default()
            },
            Bytes::from(vec![0x1b; 65]),
        )
    }

    #[test]
    fn stores_per_chain_and_kind() {
        let dir = tempfile::tempdir().expect("tempdir");
        let e = load_signed::<AppOrder>(dir.path(), 31337).expect_err("no file");
        assert_eq!(
            e.to_string(),
            format!(
                "no signed apporder for chain 31337 in {}: run `poco order sign --app`",
                dir.path().join(ORDERS_FILE).display()
            )
        );
        let path = save_signed(dir.path(), 31337, &app_signed(1)).expect("saved");
        assert_eq!(path, dir.path().join(ORDERS_FILE));
        save_signed(dir.path(), 134, &app_signed(2)).expect("saved");
        save_signed(dir.path(), 31337, &app_signed(3)).expect("replaced");
        assert_eq!(
            load_signed::<AppOrder>(dir.path(), 31337).expect("stored"),
            app_signed(3)
        );
        assert_eq!(
            load_signed::<AppOrder>(dir.path(), 134).expect("stored"),
            app_signed(2)
        );
        let e = load_signed::<RequestOrder>(dir.path(), 31337).expect_err("none");
        assert!(
            e.to_string().contains("run `poco order sign --request`"),
            "{e}"
        );

        let text = fs::read_to_string(&path).expect("readable");
        // Chain ids in ascending order as JavaScript would; fields in the SDK's form.
        assert!(text.starts_with("{\n  \"134\": {\n    \"apporder\": {\n      \"app\": \"0x1111111111111111111111111111111111111111\",\n      \"appprice\": \"5\",\n      \"volume\": \"2\",\n      \"tag\": \"0x0000000000000000000000000000000000000000000000000000000000000003\",\n"), "{text}");
        assert!(text.contains("\"31337\": {\n    \"apporder\""), "{text}");
        assert!(!text.ends_with('\n'));
    }

    /// An orders.json as the SDK writes it (a signed request order: yup reorders the fields, and
    /// the params are a string).
    #[test]
    fn reads_sdk_signed_orders_and_keeps_other_entries() {
        let dir = tempfile::tempdir().expect("tempdir");
        let sdk = r#"{
  "134": {
    "requestorder": {
      "params": "{\"iexec_result_storage_provider\":\"ipfs\",\"iexec_args\":\"x\"}",
      "callback": "0x0000000000000000000000000000000000000000",
      "beneficiary": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
      "trust": "0",
      "category": "0",
      "tag": "0x0000000000000000000000000000000000000000000000000000000000000000",
      "volume": "1",
      "requester": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
      "workerpoolmaxprice": "0",
      "workerpool": "0x0000000000000000000000000000000000000000",
      "datasetmaxprice": "0",
      "dataset": "0x0000000000000000000000000000000000000000",
      "appmaxprice": "1000000000",
      "app": "0x1111111111111111111111111111111111111111",
      "salt": "0x0101010101010101010101010101010101010101010101010101010101010101",
      "sign": "0x1b1b"
    },
    "custom": true
  }
}"#;
        fs::write(dir.path().join(ORDERS_FILE), sdk).expect("writable");
        let request: SignedRequestOrder = load_signed(dir.path(), 134).expect("valid");
        assert_eq!(request.order.appmaxprice, U256::from(1_000_000_000u64));
        assert_eq!(
            request.order.params,
            r#"{"iexec_result_storage_provider":"ipfs","iexec_args":"x"}"#
        );
        assert_eq!(request.sign, Bytes::from(vec![0x1b, 0x1b]));
        save_signed(dir.path(), 134, &app_signed(1)).expect("saved");
        let text = fs::read_to_string(dir.path().join(ORDERS_FILE)).expect("readable");
        // The SDK's entries are kept as they were.
        assert!(
            text.starts_with(&sdk[..sdk.find("\"custom\"").expect("present")]),
            "{text}"
        );

        fs::write(
            dir.path().join(ORDERS_FILE),
            r#"{"134":{"apporder":{"app":"0x12"}}}"#,
        )
        .expect("writable");
        let e = load_signed::<AppOrder>(dir.path(), 134).expect_err("bad entry");
        assert!(
            matches!(&e, ClientError::ProjectValue { key, .. } if key == "134.apporder"),
            "{e:?}"
        );
    }
}
