//! Trust > 1: only a revealed contribution that matches the consensus stores the result, and
//! only a zip whose content gives the revealed digest.

use crate::common::*;
use poco_client::results::ResultsApiError;
use poco_types::{
    TaskStatus, digest_of_files,
    results::{ResultLink, cid_of},
    sha256,
};

/// Uploads `zip` for `task` as `worker`: the status and message of a refusal, or the link.
async fn upload(
    env: &Env,
    worker: usize,
    task: alloy_primitives::B256,
    zip: &[u8],
) -> Result<ResultLink, (u16, String)> {
    env.api()
        .upload_zip(
            &env.signers()[worker],
            &env.authorization(worker, task),
            zip.to_vec(),
        )
        .await
        .map_err(|error| match error {
            ResultsApiError::Refused {
                status, message, ..
            } => (status, message),
            other => panic!("expected a refusal, got {other:?}"),
        })
}

#[tokio::test]
async fn only_revealed_winners_store_the_consensus_result() {
    let env = Env::start().await;
    let task = env.task(3).await;
    // A directory result: /iexec_out/out with two files.
    let computed: &[u8] = br#"{"deterministic-output-path":"/iexec_out/out"}"#;
    let zip = zip_of(&[
        ("computed.json", computed),
        ("out/b.txt", b"beta"),
        ("out/a.txt", b"alpha"),
    ]);
    let digest = digest_of_files(&[
        ("a.txt".to_owned(), sha256(b"alpha").0),
        ("b.txt".to_owned(), sha256(b"beta").0),
    ]);

    // Before any contribution: 403.
    let (status, message) = upload(&env, WORKER, task, &zip)
        .await
        .expect_err("too early");
    assert_eq!(status, 403, "{message}");
    assert!(message.contains("has not contributed"), "{message}");

    // Two agreeing new workers reach the consensus at trust 3.
    env.contribute(WORKER, task, digest).await;
    env.contribute(WORKER + 1, task, digest).await;
    let on_chain = env.view_task(task).await;
    assert_eq!(on_chain.status, TaskStatus::Revealing as u8);

    // A winner that has not revealed yet, or a worker that did not contribute: 403.
    let (status, message) = upload(&env, WORKER, task, &zip)
        .await
        .expect_err("not revealed");
    assert_eq!(status, 403, "{message}");
    assert!(message.contains("has not revealed"), "{message}");
    let (status, message) = upload(&env, WORKER + 2, task, &zip)
        .await
        .expect_err("outsider");
    assert_eq!(status, 403, "{message}");

    env.reveal(WORKER, task, digest).await;
    // Revealed, but the zip's content is not the result: 422.
    let wrong = zip_of(&[
        ("computed.json", computed),
        ("out/a.txt", b"alpha"),
        ("out/b.txt", b"BETA"),
    ]);
    let (status, message) = upload(&env, WORKER, task, &wrong)
        .await
        .expect_err("wrong content");
    assert_eq!(status, 422, "{message}");
    let no_output = zip_of(&[("computed.json", computed)]);
    let (status, message) = upload(&env, WORKER, task, &no_output)
        .await
        .expect_err("no output");
    assert_eq!(status, 422, "{message}");
    assert!(message.contains("not in the zip"), "{message}");

    // The right content: stored.
    let link = upload(&env, WORKER, task, &zip).await.expect("stored");
    assert_eq!(link.cid().expect("a CID"), cid_of(&zip));

    // The other winner reveals: the same zip is a success, another zip of the same result
    // (an extra file outside the output) a conflict.
    env.reveal(WORKER + 1, task, digest).await;
    assert_eq!(
        upload(&env, WORKER + 1, task, &zip)
            .await
            .expect("same CID"),
        link
    );
    let extra = zip_of(&[
        ("computed.json", computed),
        ("out/a.txt", b"alpha"),
        ("out/b.txt", b"beta"),
        ("stdout.txt", b"log"),
    ]);
    let (status, message) = upload(&env, WORKER + 1, task, &extra)
        .await
        .expect_err("conflict");
    assert_eq!(status, 409, "{message}");

    // The pool owner finalizes with the link; a retry still succeeds; anyone downloads.
    let receipt = env
        .hub()
        .finalize(task, link.to_bytes().into(), Default::default())
        .from(env.address(POOL_OWNER))
        .send()
        .await
        .expect("finalize")
        .get_receipt()
        .await
        .expect("mined");
    assert!(receipt.status(), "finalize reverted");
    assert_eq!(upload(&env, WORKER, task, &zip).await.expect("retry"), link);
    let download = env
        .api()
        .download(&link.location)
        .await
        .expect("downloaded");
    assert_eq!(download.bytes, zip);
}
