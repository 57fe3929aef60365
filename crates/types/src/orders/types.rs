//! The four orders as the EIP-712 structs that get hashed and signed (without `sign`), and the
//! `*OrderOperation` structs signed to presign or close an order. Field names, types and order
//! are the protocol's; they define the type strings, so they must never change.
//!
//! The serde form is the iExec SDK's: numbers as decimal strings (numbers accepted), addresses
//! checksummed, tags as bytes32 hex (tag-name arrays accepted).

// One sol! invocation: the operation structs embed the orders, and sol! can only resolve struct
// types defined in the same invocation.
alloy_sol_types::sol! {
    /// An app owner's offer to let the app run, at `appprice` nRLC per task, `volume` times.
    #[derive(Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
    struct AppOrder {
        /// The app (registry entry) offered.
        #[serde(with = "crate::serde_helpers::address")]
        address app;
        /// Price per task, nRLC.
        #[serde(with = "crate::serde_helpers::u256")]
        uint256 appprice;
        /// How many tasks the order can pay for.
        #[serde(with = "crate::serde_helpers::u256")]
        uint256 volume;
        /// Requirements the app has (TEE...), see [`crate::Tag`].
        #[serde(with = "crate::tag::serde_bytes32")]
        bytes32 tag;
        /// Only this dataset (0 = any).
        #[serde(with = "crate::serde_helpers::address")]
        address datasetrestrict;
        /// Only this workerpool (0 = any).
        #[serde(with = "crate::serde_helpers::address")]
        address workerpoolrestrict;
        /// Only this requester (0 = any).
        #[serde(with = "crate::serde_helpers::address")]
        address requesterrestrict;
        /// Makes otherwise identical orders distinct.
        bytes32 salt;
    }

    /// A dataset owner's offer to let the dataset be used, at `datasetprice` nRLC per task.
    #[derive(Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
    struct DatasetOrder {
        /// The dataset offered.
        #[serde(with = "crate::serde_helpers::address")]
        address dataset;
        /// Price per task, nRLC.
        #[serde(with = "crate::serde_helpers::u256")]
        uint256 datasetprice;
        /// How many tasks the order can pay for.
        #[serde(with = "crate::serde_helpers::u256")]
        uint256 volume;
        /// Requirements (a dataset for TEE apps only carries the TEE bit).
        #[serde(with = "crate::tag::serde_bytes32")]
        bytes32 tag;
        /// Only this app (0 = any).
        #[serde(with = "crate::serde_helpers::address")]
        address apprestrict;
        /// Only this workerpool (0 = any).
        #[serde(with = "crate::serde_helpers::address")]
        address workerpoolrestrict;
        /// Only this requester (0 = any).
        #[serde(with = "crate::serde_helpers::address")]
        address requesterrestrict;
        /// Makes otherwise identical orders distinct.
        bytes32 salt;
    }

    /// A workerpool owner's offer of computing power in one category, at `workerpoolprice` nRLC
    /// per task.
    #[derive(Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
    struct WorkerpoolOrder {
        /// The workerpool offered.
        #[serde(with = "crate::serde_helpers::address")]
        address workerpool;
        /// Price per task, nRLC.
        #[serde(with = "crate::serde_helpers::u256")]
        uint256 workerpoolprice;
        /// How many tasks the order can take.
        #[serde(with = "crate::serde_helpers::u256")]
        uint256 volume;
        /// What the pool offers; must cover every requested bit.
        #[serde(with = "crate::tag::serde_bytes32")]
        bytes32 tag;
        /// Category id (task size).
        #[serde(with = "crate::serde_helpers::u256")]
        uint256 category;
        /// Highest trust level the pool accepts.
        #[serde(with = "crate::serde_helpers::u256")]
        uint256 trust;
        /// Only this app (0 = any).
        #[serde(with = "crate::serde_helpers::address")]
        address apprestrict;
        /// Only this dataset (0 = any).
        #[serde(with = "crate::serde_helpers::address")]
        address datasetrestrict;
        /// Only this requester (0 = any).
        #[serde(with = "crate::serde_helpers::address")]
        address requesterrestrict;
        /// Makes otherwise identical orders distinct.
        bytes32 salt;
    }

    /// A requester's demand: run `app` (on `dataset`) `volume` times, paying at most the given
    /// prices.
    #[derive(Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
    struct RequestOrder {
        /// The app to run.
        #[serde(with = "crate::serde_helpers::address")]
        address app;
        /// Highest app price accepted, nRLC.
        #[serde(with = "crate::serde_helpers::u256")]
        uint256 appmaxprice;
        /// The dataset to use (0 = none).
        #[serde(with = "crate::serde_helpers::address")]
        address dataset;
        /// Highest dataset price accepted, nRLC.
        #[serde(with = "crate::serde_helpers::u256")]
        uint256 datasetmaxprice;
        /// Only this workerpool (0 = any).
        #[serde(with = "crate::serde_helpers::address")]
        address workerpool;
        /// Highest workerpool price accepted, nRLC.
        #[serde(with = "crate::serde_helpers::u256")]
        uint256 workerpoolmaxprice;
        /// Who signs and pays.
        #[serde(with = "crate::serde_helpers::address")]
        address requester;
        /// How many tasks.
        #[serde(with = "crate::serde_helpers::u256")]
        uint256 volume;
        /// Requirements of the run.
        #[serde(with = "crate::tag::serde_bytes32")]
        bytes32 tag;
        /// Category id (task size).
        #[serde(with = "crate::serde_helpers::u256")]
        uint256 category;
        /// Trust level: how many agreeing contributions are needed (0 and 1 mean one).
        #[serde(with = "crate::serde_helpers::u256")]
        uint256 trust;
        /// Who may read the result.
        #[serde(with = "crate::serde_helpers::address")]
        address beneficiary;
        /// Contract called with the result (0 = none).
        #[serde(with = "crate::serde_helpers::address")]
        address callback;
        /// JSON execution parameters (iexec_args, iexec_input_files...).
        #[serde(with = "crate::serde_helpers::json_string")]
        string params;
        /// Makes otherwise identical orders distinct.
        bytes32 salt;
    }

    /// What an app owner signs to presign (operation 0) or close (1) an app order.
    #[derive(Debug, Default, PartialEq, Eq)]
    struct AppOrderOperation {
        /// The order operated on.
        AppOrder order;
        /// 0 = SIGN, 1 = CLOSE.
        uint256 operation;
    }

    /// What a dataset owner signs to presign or close a dataset order.
    #[derive(Debug, Default, PartialEq, Eq)]
    struct DatasetOrderOperation {
        /// The order operated on.
        DatasetOrder order;
        /// 0 = SIGN, 1 = CLOSE.
        uint256 operation;
    }

    /// What a workerpool owner signs to presign or close a workerpool order.
    #[derive(Debug, Default, PartialEq, Eq)]
    struct WorkerpoolOrderOperation {
        /// The order operated on.
        WorkerpoolOrder order;
        /// 0 = SIGN, 1 = CLOSE.
        uint256 operation;
    }

    /// What a requester signs to presign or close a request order.
    #[derive(Debug, Default, PartialEq, Eq)]
    struct RequestOrderOperation {
        /// The order operated on.
        RequestOrder order;
        /// 0 = SIGN, 1 = CLOSE.
        uint256 operation;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{B256, b256, keccak256};
    use alloy_sol_types::SolStruct;

    /// The type strings of protocol.md §4, and the type hashes IexecLibOrders_v5 hard-codes.
    const TYPES: [(&str, B256); 4] = [
        (
            "AppOrder(address app,uint256 appprice,uint256 volume,bytes32 tag,address datasetrestrict,address workerpoolrestrict,address requesterrestrict,bytes32 salt)",
            b256!("0x60815a0eeec47dddf1615fe53b31d016c31444e01b9d796db365443a6445d008"),
        ),
        (
            "DatasetOrder(address dataset,uint256 datasetprice,uint256 volume,bytes32 tag,address apprestrict,address workerpoolrestrict,address requesterrestrict,bytes32 salt)",
            b256!("0x6cfc932a5a3d22c4359295b9f433edff52b60703fa47690a04a83e40933dd47c"),
        ),
        (
            "WorkerpoolOrder(address workerpool,uint256 workerpoolprice,uint256 volume,bytes32 tag,uint256 category,uint256 trust,address apprestrict,address datasetrestrict,address requesterrestrict,bytes32 salt)",
            b256!("0xaa3429fb281b34691803133d3d978a75bb77c617ed6bc9aa162b9b30920022bb"),
        ),
        (
            "RequestOrder(address app,uint256 appmaxprice,address dataset,uint256 datasetmaxprice,address workerpool,uint256 workerpoolmaxprice,address requester,uint256 volume,bytes32 tag,uint256 category,uint256 trust,address beneficiary,address callback,string params,bytes32 salt)",
            b256!("0xf24e853034a3a450aba845a82914fbb564ad85accca6cf62be112a154520fae0"),
        ),
    ];

    fn type_of<T: SolStruct + Default>() -> (String, B256) {
        (
            T::eip712_encode_type().into_owned(),
            T::default().eip712_type_hash(),
        )
    }

    #[test]
    fn order_type_strings_and_hashes_are_the_protocols() {
        let ours = [
            type_of::<AppOrder>(),
            type_of::<DatasetOrder>(),
            type_of::<WorkerpoolOrder>(),
            type_of::<RequestOrder>(),
        ];
        for ((encoded, hash), (expected, expected_hash)) in ours.iter().zip(TYPES) {
            assert_eq!(encoded, expected);
            assert_eq!(*hash, keccak256(expected));
            assert_eq!(*hash, expected_hash);
        }
    }

    #[test]
    fn operation_type_strings_nest_the_order_type() {
        // APPORDEROPERATION_TYPEHASH etc. in IexecLibOrders_v5.
        let expected = [
            (
                type_of::<AppOrderOperation>(),
                "AppOrderOperation(AppOrder order,uint256 operation)",
                b256!("0x0638bb0702457e2b4b01be8a202579b8bf97e587fb4f2cc4d4aad01f21a06ee0"),
            ),
            (
                type_of::<DatasetOrderOperation>(),
                "DatasetOrderOperation(DatasetOrder order,uint256 operation)",
                b256!("0x075eb6f7578ff4292c241bd2484cd5c1d5e6ecc2ddd3317e1d8176b5a45865ec"),
            ),
            (
                type_of::<WorkerpoolOrderOperation>(),
                "WorkerpoolOrderOperation(WorkerpoolOrder order,uint256 operation)",
                b256!("0x322d980b7d7a6a1f7c39ff0c5445da6ae1d8e0393ff0dd468c8be3e2c8644388"),
            ),
            (
                type_of::<RequestOrderOperation>(),
                "RequestOrderOperation(RequestOrder order,uint256 operation)",
                b256!("0x0ded7b52c2d77595a40d242eca751df172b18e686326dbbed3f4748828af77c7"),
            ),
        ];
        for (((encoded, hash), prefix, expected_hash), (order_type, _)) in
            expected.iter().zip(TYPES)
        {
            assert_eq!(*encoded, format!("{prefix}{order_type}"));
            assert_eq!(*hash, *expected_hash);
        }
    }
}
