//! The workerpool authorization: the scheduler's permission for one worker to contribute to one
//! task (with one enclave key, or none). The hub checks it on `contribute`; the result proxy and
//! the SMS check it too, so it travels as iExec core's JSON.

use crate::{error::Result, serde_helpers, signature};
use alloy_primitives::{Address, B256, Bytes, keccak256};
use alloy_signer::{Signer, SignerSync};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `keccak256(abi.encodePacked(worker, taskid, enclaveChallenge))`, the message the pool owner
/// signs (EIP-191). `enclave_challenge` is the zero address for a non-TEE task.
pub fn authorization_message(worker: Address, task_id: B256, enclave_challenge: Address) -> B256 {
    let mut packed = [0u8; 72];
    packed[..20].copy_from_slice(worker.as_slice());
    packed[20..52].copy_from_slice(task_id.as_slice());
    packed[52..].copy_from_slice(enclave_challenge.as_slice());
    keccak256(packed)
}

/// A signed authorization, in iExec core's JSON shape:
/// `{"workerWallet", "chainTaskId", "enclaveChallenge", "signature": {"value": "0x..."}}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkerpoolAuthorization {
    /// The worker allowed to contribute.
    #[serde(with = "serde_helpers::address")]
    pub worker_wallet: Address,
    /// The task.
    pub chain_task_id: B256,
    /// The enclave key's address for a TEE task, zero otherwise.
    #[serde(with = "serde_helpers::address")]
    pub enclave_challenge: Address,
    /// The pool owner's (or TEE broker's) 65-byte EIP-191 signature of
    /// [`authorization_message`].
    #[serde(with = "signature_value")]
    pub signature: Bytes,
}

impl WorkerpoolAuthorization {
    /// Signs an authorization with the pool owner's local key.
    pub fn sign<S: SignerSync + ?Sized>(
        owner: &S,
        worker_wallet: Address,
        chain_task_id: B256,
        enclave_challenge: Address,
    ) -> Result<Self> {
        let message = authorization_message(worker_wallet, chain_task_id, enclave_challenge);
        Ok(WorkerpoolAuthorization {
            worker_wallet,
            chain_task_id,
            enclave_challenge,
            signature: signature::sign_eip191(owner, &message)?,
        })
    }

    /// [`WorkerpoolAuthorization::sign`] with any signer.
    pub async fn sign_async<S: Signer + Sync + ?Sized>(
        owner: &S,
        worker_wallet: Address,
        chain_task_id: B256,
        enclave_challenge: Address,
    ) -> Result<Self> {
        let message = authorization_message(worker_wallet, chain_task_id, enclave_challenge);
        Ok(WorkerpoolAuthorization {
            worker_wallet,
            chain_task_id,
            enclave_challenge,
            signature: signature::sign_eip191_async(owner, &message).await?,
        })
    }

    /// The signed message.
    pub fn message(&self) -> B256 {
        authorization_message(
            self.worker_wallet,
            self.chain_task_id,
            self.enclave_challenge,
        )
    }

    /// Who signed (should be the workerpool owner, or the TEE broker for TEE tasks).
    pub fn recover_signer(&self) -> Result<Address> {
        signature::recover_eip191(&self.message(), &self.signature)
    }

    /// Whether `signer` signed this authorization.
    pub fn is_signed_by(&self, signer: Address) -> bool {
        self.recover_signer().is_ok_and(|a| a == signer)
    }
}

/// iExec core's `Signature` object, `{"value": "0x<r‖s‖v>"}`; a bare hex string is accepted too.
mod signature_value {
    use super::*;

    #[derive(Serialize)]
    struct Out<'a> {
        value: &'a Bytes,
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum In {
        Object { value: Bytes },
        Hex(Bytes),
    }

    pub(super) fn serialize<S: Serializer>(
        value: &Bytes,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        Out { value }.serialize(serializer)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Bytes, D::Error> {
        Ok(match In::deserialize(deserializer)? {
            In::Object { value } | In::Hex(value) => value,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signature::tests::{DEV_ADDRESS, dev_signer};
    use alloy_primitives::{address, b256};

    const TASK: B256 = b256!("0xf106ea1b6e8e64c7b3cd3b15c890ee36a53d0df09b563add8cf4ab952ecf1af3");
    const WORKER: Address = address!("0x70997970c51812dc3a010c7d01b50e20d17dc79c");
    const CHALLENGE: Address = address!("0x90F79bf6EB2c4f870365E785982E1f101E93b906");
    /// ethers v6 wallet.signMessage(getBytes(message)) with the dev key.
    const SIGNATURE: &str = "0x956db33ea2af20928a38a04298ceb939d75b9b9b4f9fee11c952df3121c1ae0e00701ead718d6c182a3283f440eca6c466a2ce6c01cdee4bb005f2cf1cab57d81b";

    #[test]
    fn message_matches_ethers() {
        // ethers v6 solidityPackedKeccak256(["address", "bytes32", "address"], [...]).
        assert_eq!(
            authorization_message(WORKER, TASK, CHALLENGE),
            b256!("0x0e984e89080284490a2388e141404ce9f657b9464cac2b4234ddab679a70b4b6")
        );
        assert_eq!(
            authorization_message(WORKER, TASK, Address::ZERO),
            b256!("0x823cfb49326595647122978b986565f429031d77948502e174014488cd9184ed")
        );
    }

    #[test]
    fn signs_like_ethers_and_recovers() {
        let auth = WorkerpoolAuthorization::sign(&dev_signer(), WORKER, TASK, CHALLENGE)
            .expect("local signing cannot fail");
        assert_eq!(auth.signature.to_string(), SIGNATURE);
        assert_eq!(auth.recover_signer().expect("valid"), DEV_ADDRESS);
        assert!(auth.is_signed_by(DEV_ADDRESS));
        let mut other = auth.clone();
        other.worker_wallet = CHALLENGE;
        assert!(!other.is_signed_by(DEV_ADDRESS));
    }

    #[tokio::test]
    async fn async_signing_matches() {
        let auth = WorkerpoolAuthorization::sign_async(&dev_signer(), WORKER, TASK, CHALLENGE)
            .await
            .expect("local signing cannot fail");
        assert_eq!(auth.signature.to_string(), SIGNATURE);
    }

    #[test]
    fn json_is_iexec_cores_shape() {
        let auth = WorkerpoolAuthorization::sign(&dev_signer(), WORKER, TASK, CHALLENGE)
            .expect("local signing cannot fail");
        let json = serde_json::to_value(&auth).expect("serializable");
        assert_eq!(
            json,
            serde_json::json!({
                "workerWallet": "0x70997970C51812Dc3A010c7D01B50E20D17Dc79C",
                "chainTaskId": "0xf106ea1b6e8e64c7b3cd3b15c890ee36a53d0df09b563add8cf4ab952ecf1af3",
                "enclaveChallenge": "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
                "signature": {"value": SIGNATURE},
            })
        );
        assert_eq!(
            serde_json::from_value::<WorkerpoolAuthorization>(json).expect("round trip"),
            auth
        );

        // Java services may send lowercase addresses and a bare signature string.
        let loose = serde_json::json!({
            "workerWallet": "0x70997970c51812dc3a010c7d01b50e20d17dc79c",
            "chainTaskId": "0xf106ea1b6e8e64c7b3cd3b15c890ee36a53d0df09b563add8cf4ab952ecf1af3",
            "enclaveChallenge": "0x0000000000000000000000000000000000000000",
            "signature": SIGNATURE,
        });
        let parsed: WorkerpoolAuthorization = serde_json::from_value(loose).expect("accepted");
        assert_eq!(parsed.worker_wallet, WORKER);
        assert_eq!(parsed.signature, auth.signature);
    }
}
