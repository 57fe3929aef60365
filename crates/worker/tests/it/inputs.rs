//! DATA_DOWNLOADING against a real HTTP server (no engine, no chain): the dataset by URL or
//! through the IPFS gateway, its checksum, input file names, and the error.txt failures.

use alloy_primitives::{Address, B256, U256};
use axum::{Router, extract::Path, http::StatusCode, response::IntoResponse, routing::get};
use poco_types::{core::ReplicateStatusCause, sha256};
use poco_worker::{
    description::{Description, input_file_name},
    inputs,
};

const DATASET: &[u8] = b"the dataset's bytes";

async fn server() -> String {
    let app = Router::new()
        .route(
            "/data/{name}",
            get(|Path(name): Path<String>| async move {
                match name.as_str() {
                    "set.bin" => DATASET.to_vec().into_response(),
                    _ => StatusCode::NOT_FOUND.into_response(),
                }
            }),
        )
        .route("/ipfs/{cid}", get(|| async { DATASET.to_vec() }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

fn description(dataset_url: String, checksum: B256, inputs: Vec<String>) -> Description {
    Description {
        task_id: B256::repeat_byte(1),
        deal_id: B256::repeat_byte(2),
        idx: 0,
        app: Address::repeat_byte(3),
        app_image: "localhost/app:1".into(),
        app_checksum: B256::ZERO,
        app_type: "DOCKER".into(),
        dataset: Address::repeat_byte(0xda),
        dataset_url,
        dataset_checksum: checksum,
        pool_owner: Address::repeat_byte(4),
        trust: 1,
        tag: B256::ZERO,
        callback: Address::ZERO,
        params: String::new(),
        args: String::new(),
        input_files: inputs,
        bot_first: 0,
        bot_size: 1,
        worker_stake: U256::ZERO,
        timeref: 300,
        contribution_deadline: 0,
        final_deadline: 0,
    }
}

#[tokio::test]
async fn datasets_and_inputs_are_fetched_and_checked() {
    let url = server().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let dataset_file = dir
        .path()
        .join(format!("{:#x}", Address::repeat_byte(0xda)));

    // By URL, with its checksum, plus an input file.
    let input = format!("{url}/data/set.bin");
    let ok = description(
        format!("{url}/data/set.bin"),
        sha256(DATASET),
        vec![input.clone()],
    );
    assert_eq!(
        inputs::download(&ok, dir.path(), &url)
            .await
            .expect("no I/O error"),
        None
    );
    assert_eq!(std::fs::read(&dataset_file).expect("dataset"), DATASET);
    let input_file = dir.path().join(input_file_name(&input));
    assert_eq!(std::fs::read(input_file).expect("input"), DATASET);

    // Through the gateway; a zero checksum is not checked.
    let ipfs = description("/ipfs/bafkreiabc".into(), B256::ZERO, vec![]);
    assert_eq!(
        inputs::download(&ipfs, dir.path(), &url)
            .await
            .expect("no I/O error"),
        None
    );

    // A wrong checksum.
    let wrong = description(format!("{url}/data/set.bin"), B256::repeat_byte(9), vec![]);
    let failure = inputs::download(&wrong, dir.path(), &url)
        .await
        .expect("no I/O error");
    let failure = failure.expect("a failure");
    assert_eq!(failure.cause, ReplicateStatusCause::DatasetFileBadChecksum);
    assert_eq!(
        failure.message,
        format!(
            "the dataset's sha256 is {:#x}, its checksum on-chain is {:#x}",
            sha256(DATASET),
            B256::repeat_byte(9)
        )
    );

    // Missing files and unsupported locations.
    let missing = description(format!("{url}/data/nope"), B256::ZERO, vec![]);
    let failure = inputs::download(&missing, dir.path(), &url)
        .await
        .expect("no I/O error");
    let failure = failure.expect("a failure");
    assert_eq!(
        failure.cause,
        ReplicateStatusCause::DatasetFileDownloadFailed
    );
    assert_eq!(failure.message, format!("{url}/data/nope: HTTP 404"));
    let ftp = description("ftp://host/set".into(), B256::ZERO, vec![]);
    let failure = inputs::download(&ftp, dir.path(), &url)
        .await
        .expect("no I/O error");
    assert_eq!(
        failure.expect("a failure").cause,
        ReplicateStatusCause::DatasetFileDownloadFailed
    );
    let bad_input = description(
        format!("{url}/data/set.bin"),
        sha256(DATASET),
        vec![format!("{url}/data/gone")],
    );
    let failure = inputs::download(&bad_input, dir.path(), &url)
        .await
        .expect("no I/O error");
    let failure = failure.expect("a failure");
    assert_eq!(
        failure.cause,
        ReplicateStatusCause::InputFilesDownloadFailed
    );
    assert_eq!(failure.message, format!("{url}/data/gone: HTTP 404"));
}
