//! The three ERC-721 registries and the entries they create (one small contract per app,
//! dataset and workerpool), typed from their artifacts. Their ABIs declare no structs, so the
//! six `sol!` invocations share this module.

#![allow(missing_docs, clippy::too_many_arguments)]

alloy::sol!(
    #[sol(rpc)]
    AppRegistry,
    "../../contracts/out/AppRegistry.json"
);
alloy::sol!(
    #[sol(rpc)]
    DatasetRegistry,
    "../../contracts/out/DatasetRegistry.json"
);
alloy::sol!(
    #[sol(rpc)]
    WorkerpoolRegistry,
    "../../contracts/out/WorkerpoolRegistry.json"
);
alloy::sol!(
    #[sol(rpc)]
    App,
    "../../contracts/out/App.json"
);
alloy::sol!(
    #[sol(rpc)]
    Dataset,
    "../../contracts/out/Dataset.json"
);
alloy::sol!(
    #[sol(rpc)]
    Workerpool,
    "../../contracts/out/Workerpool.json"
);
