//! The unsigned order templates of iexec.json (`order.apporder`...) turned into protocol orders,
//! with the defaults and checks of the SDK's `createApporder`... (`src/common/market/order.js`):
//! numbers as strings or JSON numbers, prices with units (`"1.5 RLC"`), tags as names or hex,
//! request params normalized to the string the SDK signs ([`super::params`]).
//!
//! The orders come out with a zero `salt`: whoever signs them sets a random one first, as the
//! SDK's `signOrder` does.

use super::{
    fields::{Fields, parse_address, parse_amount, parse_tag, parse_uint},
    json::JsonObject,
    params::sdk_request_params,
};
use crate::error::Result;
use alloy_primitives::{Address, U256};
use poco_types::{AppOrder, DatasetOrder, RequestOrder, Tag, WorkerpoolOrder};
use std::path::Path;

/// An address field, zero when absent.
fn address_or_zero(fields: &Fields<'_>, key: &str) -> Result<Address> {
    Ok(fields.parse(key, parse_address)?.unwrap_or_default())
}

/// A required address field.
fn required_address(fields: &Fields<'_>, key: &str, what: &str) -> Result<Address> {
    fields.parse_required(key, &format!("add the {what}'s address"), parse_address)
}

fn amount_or_zero(fields: &Fields<'_>, key: &str) -> Result<U256> {
    Ok(fields.parse(key, parse_amount)?.unwrap_or_default())
}

fn uint_or(fields: &Fields<'_>, key: &str, default: u64) -> Result<U256> {
    Ok(fields
        .parse(key, parse_uint)?
        .unwrap_or(U256::from(default)))
}

fn tag(fields: &Fields<'_>, allow_agnostic_tee: bool) -> Result<Tag> {
    Ok(fields
        .parse("tag", |v| parse_tag(v, allow_agnostic_tee))?
        .unwrap_or_default())
}

fn required_category(fields: &Fields<'_>) -> Result<U256> {
    fields.parse_required(
        "category",
        "add the category id (\"category\": \"0\"; `poco category show` lists them)",
        parse_uint,
    )
}

/// The app order of the template at key path `key` (`order.apporder`) of `file`.
pub fn app_order_from_template(template: &JsonObject, file: &Path, key: &str) -> Result<AppOrder> {
    let f = Fields::new(file, key, template);
    Ok(AppOrder {
        app: required_address(&f, "app", "app")?,
        appprice: amount_or_zero(&f, "appprice")?,
        volume: uint_or(&f, "volume", 1)?,
        tag: tag(&f, false)?.0,
        datasetrestrict: address_or_zero(&f, "datasetrestrict")?,
        workerpoolrestrict: address_or_zero(&f, "workerpoolrestrict")?,
        requesterrestrict: address_or_zero(&f, "requesterrestrict")?,
        salt: Default::default(),
    })
}

/// The dataset order of the template at `key` of `file`.
pub fn dataset_order_from_template(
    template: &JsonObject,
    file: &Path,
    key: &str,
) -> Result<DatasetOrder> {
    let f = Fields::new(file, key, template);
    Ok(DatasetOrder {
        dataset: required_address(&f, "dataset", "dataset")?,
        datasetprice: amount_or_zero(&f, "datasetprice")?,
        volume: uint_or(&f, "volume", 1)?,
        tag: tag(&f, true)?.0,
        apprestrict: address_or_zero(&f, "apprestrict")?,
        workerpoolrestrict: address_or_zero(&f, "workerpoolrestrict")?,
        requesterrestrict: address_or_zero(&f, "requesterrestrict")?,
        salt: Default::default(),
    })
}

/// The workerpool order of the template at `key` of `file`.
pub fn workerpool_order_from_template(
    template: &JsonObject,
    file: &Path,
    key: &str,
) -> Result<WorkerpoolOrder> {
    let f = Fields::new(file, key, template);
    Ok(WorkerpoolOrder {
        workerpool: required_address(&f, "workerpool", "workerpool")?,
        workerpoolprice: amount_or_zero(&f, "workerpoolprice")?,
        volume: uint_or(&f, "volume", 1)?,
        tag: tag(&f, false)?.0,
        category: required_category(&f)?,
        trust: uint_or(&f, "trust", 0)?,
        apprestrict: address_or_zero(&f, "apprestrict")?,
        datasetrestrict: address_or_zero(&f, "datasetrestrict")?,
        requesterrestrict: address_or_zero(&f, "requesterrestrict")?,
        salt: Default::default(),
    })
}

/// The request order of the template at `key` of `file`. `requester` is used when the template
/// has none (the SDK uses the wallet's address); `beneficiary` defaults to the requester.
pub fn request_order_from_template(
    template: &JsonObject,
    requester: Address,
    file: &Path,
    key: &str,
) -> Result<RequestOrder> {
    let f = Fields::new(file, key, template);
    let requester = f.parse("requester", parse_address)?.unwrap_or(requester);
    let tag = tag(&f, true)?;
    let callback = address_or_zero(&f, "callback")?;
    let params = sdk_request_params(f.get("params"), tag, callback).map_err(|e| {
        let key = if e.key.is_empty() {
            "params".to_string()
        } else {
            format!("params.{}", e.key)
        };
        f.bad(&key, &e.value, e.reason)
    })?;
    Ok(RequestOrder {
        app: required_address(&f, "app", "app")?,
        appmaxprice: amount_or_zero(&f, "appmaxprice")?,
        dataset: address_or_zero(&f, "dataset")?,
        datasetmaxprice: amount_or_zero(&f, "datasetmaxprice")?,
        workerpool: address_or_zero(&f, "workerpool")?,
        workerpoolmaxprice: amount_or_zero(&f, "workerpoolmaxprice")?,
        requester,
        volume: uint_or(&f, "volume", 1)?,
        tag: tag.0,
        category: required_category(&f)?,
        trust: uint_or(&f, "trust", 0)?,
        beneficiary: f.parse("beneficiary", parse_address)?.unwrap_or(requester),
        callback,
        params,
        salt: Default::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        ClientError,
        project::{json::JsonValue, templates},
    };
    use poco_types::OrderKind;

    const FILE: &str = "/project/iexec.json";
    const ME: Address = Address::repeat_byte(0xaa);
    const APP: &str = "0x1111111111111111111111111111111111111111";

    fn template(text: &str) -> JsonObject {
        JsonValue::parse(text)
            .expect("valid JSON")
            .as_object()
            .expect("object")
            .clone()
    }

    fn nrlc(v: u64) -> U256 {
        U256::from(v)
    }

    #[test]
    fn sdk_templates_convert_with_their_defaults() {
        let file = Path::new(FILE);
        let app =
            app_order_from_template(&templates::order(OrderKind::App), file, "order.apporder")
                .expect("valid");
        assert_eq!(app.volume, nrlc(1_000_000));
        assert_eq!(app.appprice, U256::ZERO);
        assert_eq!(Tag(app.tag), Tag::NONE);
        let dataset = dataset_order_from_template(
            &templates::order(OrderKind::Dataset),
            file,
            "order.datasetorder",
        )
        .expect("valid");
        assert_eq!(dataset.volume, nrlc(1_000_000));
        let pool = workerpool_order_from_template(
            &templates::order(OrderKind::Workerpool),
            file,
            "order.workerpoolorder",
        )
        .expect("valid");
        assert_eq!((pool.volume, pool.category), (nrlc(1), U256::ZERO));
        let request = request_order_from_template(
            &templates::order(OrderKind::Request),
            ME,
            file,
            "order.requestorder",
        )
        .expect("valid");
        assert_eq!(request.requester, ME);
        // The template says zero address: the SDK keeps it rather than defaulting.
        assert_eq!(request.beneficiary, Address::ZERO);
        assert_eq!(
            request.params,
            r#"{"iexec_result_storage_provider":"ipfs","iexec_result_encryption":false,"iexec_input_files":[],"iexec_args":""}"#
        );
    }

    #[test]
    fn converts_units_numbers_tag_names_and_params() {
        let t = template(&format!(
            r#"{{"app":"{APP}","appmaxprice":"1.5 RLC","workerpoolmaxprice":300,
                "datasetmaxprice":"300 nRLC","volume":3,"category":"2","trust":1,
                "tag":["tee","scone"],"params":"{{\"iexec_args\":\"a b\"}}","extra":"ignored"}}"#
        ));
        let r = request_order_from_template(&t, ME, Path::new(FILE), "order.requestorder")
            .expect("valid");
        assert_eq!(r.app, APP.parse::<Address>().expect("valid"));
        assert_eq!(r.appmaxprice, nrlc(1_500_000_000));
        assert_eq!(r.workerpoolmaxprice, nrlc(300));
        assert_eq!(r.datasetmaxprice, nrlc(300));
        assert_eq!((r.volume, r.category, r.trust), (nrlc(3), nrlc(2), nrlc(1)));
        assert_eq!(Tag(r.tag), Tag::TEE | Tag::SCONE);
        assert_eq!((r.requester, r.beneficiary), (ME, ME));
        assert_eq!(
            r.params,
            r#"{"iexec_result_storage_provider":"ipfs","iexec_args":"a b"}"#
        );
        // The same params as an object sign the same string.
        let t = template(&format!(
            r#"{{"app":"{APP}","category":0,"params":{{"iexec_args":"a b"}}}}"#
        ));
        let r = request_order_from_template(&t, ME, Path::new(FILE), "order.requestorder")
            .expect("valid");
        assert_eq!(
            r.params,
            r#"{"iexec_result_storage_provider":"ipfs","iexec_args":"a b"}"#
        );
        let hex_tag = format!(r#"{{"app":"{APP}","tag":"0x{}0103"}}"#, "0".repeat(60));
        let a = app_order_from_template(&template(&hex_tag), Path::new(FILE), "order.apporder")
            .expect("valid");
        assert_eq!(Tag(a.tag), Tag::TEE | Tag::SCONE | Tag::GPU);
    }

    fn error(t: &str, kind: OrderKind) -> ClientError {
        let t = template(t);
        let file = Path::new(FILE);
        let key = format!("order.{kind}order");
        match kind {
            OrderKind::App => app_order_from_template(&t, file, &key).map(|_| ()),
            OrderKind::Dataset => dataset_order_from_template(&t, file, &key).map(|_| ()),
            OrderKind::Workerpool => workerpool_order_from_template(&t, file, &key).map(|_| ()),
            OrderKind::Request => request_order_from_template(&t, ME, file, &key).map(|_| ()),
        }
        .expect_err("invalid template")
    }

    #[test]
    fn errors_name_the_file_the_key_path_and_the_value() {
        let e = error(
            &format!(r#"{{"app":"{APP}","category":"0","appmaxprice":"1.5 ETH"}}"#),
            OrderKind::Request,
        );
        let ClientError::ProjectValue {
            file, key, value, ..
        } = &e
        else {
            panic!("unexpected {e:?}");
        };
        assert_eq!(file, Path::new(FILE));
        assert_eq!(key, "order.requestorder.appmaxprice");
        assert_eq!(value, "\"1.5 ETH\"");
        assert!(e.to_string().contains(FILE), "{e}");

        let e = error(
            &format!(r#"{{"app":"{APP}","category":"0","params":{{"iexec_input_files":["a"]}}}}"#),
            OrderKind::Request,
        );
        assert!(
            matches!(&e, ClientError::ProjectValue { key, .. } if key == "order.requestorder.params.iexec_input_files[0]"),
            "{e:?}"
        );
        let e = error(&format!(r#"{{"app":"{APP}"}}"#), OrderKind::Request);
        assert!(
            matches!(&e, ClientError::ProjectKeyMissing { key, .. } if key == "order.requestorder.category"),
            "{e:?}"
        );
        let e = error(r#"{"appprice":"0"}"#, OrderKind::App);
        assert!(
            matches!(&e, ClientError::ProjectKeyMissing { key, .. } if key == "order.apporder.app"),
            "{e:?}"
        );
        let e = error(
            &format!(r#"{{"app":"{APP}","tag":["tee"]}}"#),
            OrderKind::App,
        );
        assert!(
            matches!(&e, ClientError::ProjectValue { key, .. } if key == "order.apporder.tag"),
            "{e:?}"
        );
        let e = error(
            r#"{"workerpool":"0x12","category":"0"}"#,
            OrderKind::Workerpool,
        );
        assert!(
            matches!(&e, ClientError::ProjectValue { key, .. } if key == "order.workerpoolorder.workerpool"),
            "{e:?}"
        );
        let e = error(
            &format!(r#"{{"dataset":"{APP}","volume":"-1"}}"#),
            OrderKind::Dataset,
        );
        assert!(
            matches!(&e, ClientError::ProjectValue { key, .. } if key == "order.datasetorder.volume"),
            "{e:?}"
        );
    }
}
