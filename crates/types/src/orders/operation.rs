//! Order management (`manage*Order`): an owner presigns an order on-chain (SIGN) instead of
//! handing out a signature, or closes it (CLOSE) so it can no longer be matched. Someone other
//! than the owner may send the transaction with the owner's EIP-712 signature of the
//! `*OrderOperation` struct.

use super::Order;
use crate::{
    error::{Result, TypesError},
    signature,
};
use alloy_primitives::{B256, Bytes};
use alloy_signer::{Signer, SignerSync};
use alloy_sol_types::{Eip712Domain, SolStruct};
use serde::{Deserialize, Serialize};

/// `IexecLibOrders_v5.OrderOperationEnum`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[repr(u8)]
pub enum OrderOperation {
    /// Presign: the hub records the owner as signer of the order hash.
    Sign = 0,
    /// Close: the order's remaining volume becomes zero.
    Close = 1,
}

impl TryFrom<u8> for OrderOperation {
    type Error = TypesError;

    fn try_from(value: u8) -> Result<Self> {
        match value {
            0 => Ok(OrderOperation::Sign),
            1 => Ok(OrderOperation::Close),
            _ => Err(TypesError::UnknownStatus {
                kind: "OrderOperation",
                value: value.into(),
            }),
        }
    }
}

/// The EIP-712 digest an owner signs to apply `operation` to `order` under `domain`.
pub fn operation_hash<O: Order>(
    order: &O,
    operation: OrderOperation,
    domain: &Eip712Domain,
) -> B256 {
    order
        .clone()
        .into_operation(operation)
        .eip712_signing_hash(domain)
}

/// The owner's 65-byte signature of the operation, with a local key.
pub fn sign_operation<O: Order, S: SignerSync + ?Sized>(
    order: &O,
    operation: OrderOperation,
    domain: &Eip712Domain,
    signer: &S,
) -> Result<Bytes> {
    signature::sign_hash(signer, &operation_hash(order, operation, domain))
}

/// [`sign_operation`] with any signer.
pub async fn sign_operation_async<O: Order, S: Signer + Sync + ?Sized>(
    order: &O,
    operation: OrderOperation,
    domain: &Eip712Domain,
    signer: &S,
) -> Result<Bytes> {
    signature::sign_hash_async(signer, &operation_hash(order, operation, domain)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orders::tests::{
        app_order, dataset_order, request_order, vector_domain, workerpool_order,
    };
    use crate::signature::tests::{DEV_ADDRESS, dev_signer};
    use alloy_primitives::b256;

    /// ethers v6 `TypedDataEncoder.hash` / `wallet.signTypedData` (dev key) of
    /// `{order: <fixture>, operation: 1}` with types `XOrderOperation(XOrder order,uint256
    /// operation)` + `XOrder`, for App, Dataset, Workerpool, Request.
    const CLOSE_VECTORS: [(B256, &str); 4] = [
        (
            b256!("0x4005f4104eaefeeb72d1cd21fffb14c7806ec85a22a20df9d95dac0845c0ebed"),
            "0xac2facd1f55c3c8fb5849155fdaa521fae01c64c64d4096a6114dfe1eae822c81a2ecba866eb941b62d45fce1b8e7ca1d3c0fb735a3af4c65e76089b22e68b301b",
        ),
        (
            b256!("0x01e33b116beaab5409cb9e994395fad02fa23ade09a05170c7cdbefafdbb82d6"),
            "0x59abf84b7196a052538a8eb4441e6c64c98104dfca39b782a2bad9424ede33ef1fea704e5543958ee9069497cff288edf045df89bbd6d6007bba1305e955be231c",
        ),
        (
            b256!("0xe44ec308ace107e7512b9655f56018737f64b0f80657092dbae9accd7c2db788"),
            "0x78728f0bd45ffb8e9d9034089020ab0d6ca1d3beee7be785cb51207c40aa86c6345faae3cd39b7a90955e0adfd439dea488d1ae83deb14b1cf14f11e1bd5da561b",
        ),
        (
            b256!("0x46fbe1228112c7b29651da95c201ada8687c1faff0cb88784a5c758b42dc6da1"),
            "0xe37e522ffb6ecb05104f2821866efe4b5c63b7e03d21ff2c2dd0b38d865736fd3b0d5c4f08875ed4198d0f3899267f65f5aca7738bdd9e7693693555dbbcc06d1b",
        ),
    ];

    fn check<O: Order>(order: O, i: usize) {
        let d = vector_domain();
        let (hash, sign) = CLOSE_VECTORS[i];
        assert_eq!(
            operation_hash(&order, OrderOperation::Close, &d),
            hash,
            "operation {i}"
        );
        let ours = sign_operation(&order, OrderOperation::Close, &d, &dev_signer())
            .expect("local signing cannot fail");
        assert_eq!(ours.to_string(), sign, "operation signature {i}");
        assert_eq!(
            signature::recover(&hash, &ours).expect("valid"),
            DEV_ADDRESS
        );
        assert_ne!(operation_hash(&order, OrderOperation::Sign, &d), hash);
    }

    #[test]
    fn close_operations_match_ethers() {
        check(app_order(), 0);
        check(dataset_order(), 1);
        check(workerpool_order(), 2);
        check(request_order(), 3);
    }

    #[tokio::test]
    async fn async_operation_signing_matches() {
        let sign = sign_operation_async(
            &app_order(),
            OrderOperation::Close,
            &vector_domain(),
            &dev_signer(),
        )
        .await
        .expect("local signing cannot fail");
        assert_eq!(sign.to_string(), CLOSE_VECTORS[0].1);
    }

    #[test]
    fn numeric_values() {
        assert_eq!(OrderOperation::Sign as u8, 0);
        assert_eq!(
            OrderOperation::try_from(1).expect("known"),
            OrderOperation::Close
        );
        assert!(OrderOperation::try_from(2).is_err());
        assert_eq!(
            serde_json::to_string(&OrderOperation::Close).expect("serializable"),
            "\"CLOSE\""
        );
    }
}
