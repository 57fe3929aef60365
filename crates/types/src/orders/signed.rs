//! A signed order as it travels off-chain (SDK files, market API, CLI): the order's fields and
//! `sign` side by side in one JSON object, exactly as the iExec SDK writes them.

use super::Order;
use crate::{error::Result, signature};
use alloy_primitives::{Address, B256, Bytes};
use alloy_signer::{Signer, SignerSync};
use alloy_sol_types::Eip712Domain;
use serde::{Deserialize, Serialize};

/// An order with its signature. `sign` is not part of the hash; it is empty for an order that is
/// presigned on-chain instead.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Signed<O> {
    /// The hashed order.
    #[serde(flatten)]
    pub order: O,
    /// The owner's (requester's) 65-byte EIP-712 signature, or empty.
    pub sign: Bytes,
}

/// A signed app order.
pub type SignedAppOrder = Signed<super::AppOrder>;
/// A signed dataset order.
pub type SignedDatasetOrder = Signed<super::DatasetOrder>;
/// A signed workerpool order.
pub type SignedWorkerpoolOrder = Signed<super::WorkerpoolOrder>;
/// A signed request order.
pub type SignedRequestOrder = Signed<super::RequestOrder>;

impl<O: Order> Signed<O> {
    /// Pairs an order with a signature obtained elsewhere.
    pub fn new(order: O, sign: Bytes) -> Self {
        Signed { order, sign }
    }

    /// An order without signature, to be presigned on-chain.
    pub fn unsigned(order: O) -> Self {
        Signed {
            order,
            sign: Bytes::new(),
        }
    }

    /// Signs `order` under `domain` with a local key.
    pub fn sign<S: SignerSync + ?Sized>(
        order: O,
        domain: &Eip712Domain,
        signer: &S,
    ) -> Result<Self> {
        let sign = signature::sign_typed(&order, domain, signer)?;
        Ok(Signed { order, sign })
    }

    /// Signs `order` under `domain` with any signer (hardware wallet, remote signer...).
    pub async fn sign_async<S: Signer + Sync + ?Sized>(
        order: O,
        domain: &Eip712Domain,
        signer: &S,
    ) -> Result<Self> {
        let sign = signature::sign_typed_async(&order, domain, signer).await?;
        Ok(Signed { order, sign })
    }

    /// The order hash under `domain`.
    pub fn hash(&self, domain: &Eip712Domain) -> B256 {
        self.order.hash(domain)
    }

    /// Who signed, under the hub's signature rules.
    pub fn recover_signer(&self, domain: &Eip712Domain) -> Result<Address> {
        signature::recover(&self.hash(domain), &self.sign)
    }

    /// Whether `signer` signed this order. The hub also accepts presigned orders and ERC-1271
    /// contract signers, which only the chain can tell.
    pub fn is_signed_by(&self, domain: &Eip712Domain, signer: Address) -> bool {
        signature::verify(signer, &self.hash(domain), &self.sign)
    }

    /// The calldata form for `matchOrders`.
    pub fn into_with_sign(self) -> O::WithSign {
        self.order.into_with_sign(self.sign)
    }
}

/// `Signed<AppOrder>` -> `AppOrderWithSign` and back, for each kind.
macro_rules! abi_conversions {
    ($order:ident, $abi:ident) => {
        impl From<Signed<super::$order>> for super::$abi {
            fn from(signed: Signed<super::$order>) -> Self {
                signed.order.with_sign(signed.sign)
            }
        }

        impl From<super::$abi> for Signed<super::$order> {
            fn from(abi: super::$abi) -> Self {
                let (order, sign) = abi.into_parts();
                Signed { order, sign }
            }
        }
    };
}

abi_conversions!(AppOrder, AppOrderWithSign);
abi_conversions!(DatasetOrder, DatasetOrderWithSign);
abi_conversions!(WorkerpoolOrder, WorkerpoolOrderWithSign);
abi_conversions!(RequestOrder, RequestOrderWithSign);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orders::tests::{
        ORDER_HASHES, app_order, dataset_order, request_order, vector_domain, workerpool_order,
    };
    use crate::orders::{AppOrder, AppOrderWithSign, RequestOrder};
    use crate::signature::tests::{DEV_ADDRESS, dev_signer};
    use crate::tag::Tag;
    use alloy_primitives::{U256, address};

    /// ethers v6 `wallet.signTypedData(domain, types, value)` with the dev key
    /// 0xac09...ff80 over the four fixtures (App, Dataset, Workerpool, Request).
    const ETHERS_SIGNATURES: [&str; 4] = [
        "0xbbd7861d4e9a10fe5a5859e2cd194ed87e9d34f6d36f5bbd21cb931cb62f35c457c7792d0e17f7c3d5cd7835c14d7566f51be1fd0c9ac4136c57acb7b63378b61c",
        "0x6273646fb02fb5ca1fccb74b1628a9fbce1367e6514eb275abccb640c93275fb4f8dc8e372763fce42295532a46df5c1f1c30f0ad1b342bd1f7e425d21df23db1c",
        "0x1bbf4ac9882bb73f675bc3afd0294d13f43edb3975c05b40f6c0d30c85c68e3209200d030d5f34fd2d5806cc6de79d48b1e867a1cce7f89d3d38a1aabb4249ba1b",
        "0xd468748fbfe0305b9a20e6de7cbf809ed0caaa17524fd6c35c5be9cdca5781a005a6874be3170adc4b171f0d480b6c326ac04eae22624f819a8f7a8c71938d731c",
    ];

    fn check<O: Order>(order: O, i: usize) {
        let d = vector_domain();
        let signed = Signed::sign(order, &d, &dev_signer()).expect("local signing cannot fail");
        // RFC 6979 signatures are deterministic, so ours must equal ethers' byte for byte.
        assert_eq!(
            signed.sign.to_string(),
            ETHERS_SIGNATURES[i],
            "signature of order {i}"
        );
        assert_eq!(signed.hash(&d), ORDER_HASHES[i]);
        assert_eq!(signed.recover_signer(&d).expect("valid"), DEV_ADDRESS);
        assert!(signed.is_signed_by(&d, DEV_ADDRESS));
        assert!(!signed.is_signed_by(&crate::domain(1, Address::ZERO), DEV_ADDRESS));
    }

    #[test]
    fn signatures_match_ethers_for_all_four_kinds() {
        check(app_order(), 0);
        check(dataset_order(), 1);
        check(workerpool_order(), 2);
        check(request_order(), 3);
    }

    #[tokio::test]
    async fn async_signing_matches() {
        let d = vector_domain();
        let signed = Signed::sign_async(app_order(), &d, &dev_signer())
            .await
            .expect("local signing cannot fail");
        assert_eq!(signed.sign.to_string(), ETHERS_SIGNATURES[0]);
    }

    #[test]
    fn json_is_the_sdk_shape() {
        let d = vector_domain();
        let signed =
            Signed::sign(app_order(), &d, &dev_signer()).expect("local signing cannot fail");
        let json = serde_json::to_value(&signed).expect("serializable");
        let zero = "0x0000000000000000000000000000000000000000";
        assert_eq!(
            json,
            serde_json::json!({
                "app": "0x1111111111111111111111111111111111111111",
                "appprice": "1500000000",
                "volume": "1000000",
                "tag": format!("0x{}03", "0".repeat(62)),
                "datasetrestrict": zero,
                "workerpoolrestrict": "0x2222222222222222222222222222222222222222",
                "requesterrestrict": zero,
                "salt": format!("0x{}", "01".repeat(32)),
                "sign": ETHERS_SIGNATURES[0],
            })
        );
        let back: SignedAppOrder = serde_json::from_value(json).expect("round trip");
        assert_eq!(back, signed);
    }

    #[test]
    fn json_reads_market_numbers_tag_arrays_and_params_objects() {
        // The market API returns numbers as JSON numbers; iexec.json templates use tag arrays
        // and params objects.
        let json = r#"{
            "app": "0x1111111111111111111111111111111111111111", "appmaxprice": 1500000000,
            "dataset": "0x0000000000000000000000000000000000000000", "datasetmaxprice": 0,
            "workerpool": "0x0000000000000000000000000000000000000000", "workerpoolmaxprice": "100000000",
            "requester": "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266", "volume": 1,
            "tag": ["tee", "scone"], "category": 0, "trust": 0,
            "beneficiary": "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
            "callback": "0x0000000000000000000000000000000000000000",
            "params": {"iexec_args": "a b"},
            "salt": "0x0404040404040404040404040404040404040404040404040404040404040404",
            "sign": "0x"
        }"#;
        let signed: SignedRequestOrder = serde_json::from_str(json).expect("accepted");
        assert_eq!(signed.order.appmaxprice, U256::from(1_500_000_000u64));
        assert_eq!(signed.order.workerpoolmaxprice, U256::from(100_000_000u64));
        assert_eq!(signed.order.tag, (Tag::TEE | Tag::SCONE).0);
        assert_eq!(signed.order.params, r#"{"iexec_args":"a b"}"#);
        assert_eq!(signed.order.requester, DEV_ADDRESS);
        assert!(signed.sign.is_empty());
        // Written back, addresses are checksummed.
        let out = serde_json::to_value(&signed).expect("serializable");
        assert_eq!(out["requester"], DEV_ADDRESS.to_checksum(None));
    }

    #[test]
    fn json_rejects_missing_fields_and_bad_values() {
        let mut json = serde_json::to_value(Signed::unsigned(app_order())).expect("serializable");
        let complete = json.clone();
        json.as_object_mut().expect("object").remove("salt");
        assert!(serde_json::from_value::<SignedAppOrder>(json).is_err());
        let mut bad = complete;
        bad["volume"] = serde_json::json!("-3");
        assert!(serde_json::from_value::<SignedAppOrder>(bad).is_err());
    }

    #[test]
    fn converts_to_and_from_the_calldata_form() {
        let signed = Signed::sign(request_order(), &vector_domain(), &dev_signer())
            .expect("local signing cannot fail");
        let abi: crate::orders::RequestOrderWithSign = signed.clone().into();
        assert_eq!(abi.sign, signed.sign);
        assert_eq!(abi.params, signed.order.params);
        assert_eq!(Signed::<RequestOrder>::from(abi), signed.clone());
        let via_trait = signed.clone().into_with_sign();
        assert_eq!(via_trait.requester, signed.order.requester);

        let a = Signed::new(
            AppOrder {
                app: address!("0x1111111111111111111111111111111111111111"),
                ..Default::default()
            },
            Bytes::from_static(&[1, 2]),
        );
        let abi = AppOrderWithSign::from(a.clone());
        assert_eq!(Signed::<AppOrder>::from(abi), a);
    }

    #[test]
    fn tampered_orders_do_not_verify() {
        let d = vector_domain();
        let mut signed =
            Signed::sign(app_order(), &d, &dev_signer()).expect("local signing cannot fail");
        signed.order.appprice += U256::from(1);
        assert!(!signed.is_signed_by(&d, DEV_ADDRESS));
        signed.sign = Bytes::new();
        assert!(signed.recover_signer(&d).is_err());
    }
}
