//! Trust 1: the upload comes before `contributeAndFinalize` (⚑A5), or after it with the content
//! checked; uploads whose task does not complete with them are swept after the final deadline.

use crate::common::*;
use poco_client::results::ResultsApiError;
use poco_types::{
    TaskStatus,
    results::{ResultLink, ResultModel, cid_of},
};

#[tokio::test]
async fn upload_first_then_finalize_then_download() {
    let env = Env::start().await;
    let task = env.task(1).await;
    let (zip, digest) = result("Hello, poco!");
    let api = env.api();
    let auth = env.authorization(WORKER, task);
    let link = api
        .upload_zip(&env.signers()[WORKER], &auth, zip.clone())
        .await
        .expect("stored before the finalize");
    let cid = cid_of(&zip);
    assert_eq!(link, ResultLink::ipfs(&cid));
    assert_eq!(
        api.ipfs_hash(task).await.expect("asked"),
        Some(cid.to_string())
    );

    // A retry of the same zip (after a crash) is a success; another zip is a conflict.
    let token = env.token(WORKER, task).await;
    assert!(api.is_stored(&token, task).await.expect("asked"));
    let again = api
        .upload(&token, &ResultModel::new(task, zip.clone()))
        .await;
    assert_eq!(again.expect("idempotent"), link);
    let (other, _) = result("another output");
    match api.upload(&token, &ResultModel::new(task, other)).await {
        Err(ResultsApiError::Refused {
            status: 409,
            message,
            ..
        }) => {
            assert!(message.contains("already has a result"), "{message}")
        }
        other => panic!("expected 409, got {other:?}"),
    }

    // The worker finalizes with the link; anyone downloads it, checked against the CID.
    env.contribute_and_finalize(WORKER, task, digest, link.to_bytes())
        .await;
    let on_chain = env.view_task(task).await;
    assert_eq!(on_chain.status, TaskStatus::Completed as u8);
    let location = ResultLink::parse(&on_chain.results)
        .expect("a link")
        .location;
    let download = api.download(&location).await.expect("downloaded");
    assert_eq!(download.bytes, zip);
    assert_eq!(download.verified, Some(cid));

    // Past the final deadline, the sweeper confirms it and keeps it.
    env.increase_time(10 * TIMEREF + 1).await;
    let report = env.server().sweep().await.expect("sweeps");
    assert_eq!((report.confirmed, report.deleted), (1, 0));
    assert_eq!(api.download(&location).await.expect("kept").bytes, zip);
    let report = env.server().sweep().await.expect("sweeps");
    assert_eq!((report.confirmed, report.deleted), (0, 0));
}

#[tokio::test]
async fn uploads_of_tasks_not_completed_with_them_are_swept() {
    let env = Env::start().await;
    let api = env.api();
    let (zip_a, _) = result("never finalized");
    let (zip_b, _) = result("finalized with another link");
    let (zip_c, digest_c) = result("never finalized"); // the same bytes as A
    assert_eq!(zip_a, zip_c);
    let (a, b, c) = (env.task(1).await, env.task(1).await, env.task(1).await);
    for (task, zip) in [(a, &zip_a), (b, &zip_b), (c, &zip_c)] {
        api.upload_zip(
            &env.signers()[WORKER],
            &env.authorization(WORKER, task),
            zip.clone(),
        )
        .await
        .expect("stored");
    }
    // B completes with a link to other bytes; C with its own; A never.
    let (elsewhere, digest_elsewhere) = result("stored elsewhere");
    env.contribute_and_finalize(
        WORKER,
        b,
        digest_elsewhere,
        ResultLink::ipfs(&cid_of(&elsewhere)).to_bytes(),
    )
    .await;
    env.contribute_and_finalize(
        WORKER,
        c,
        digest_c,
        ResultLink::ipfs(&cid_of(&zip_c)).to_bytes(),
    )
    .await;

    // Nothing is due before the final deadline.
    let report = env.server().sweep().await.expect("sweeps");
    assert_eq!((report.confirmed, report.deleted), (0, 0));
    env.increase_time(10 * TIMEREF + 1).await;
    let report = env.server().sweep().await.expect("sweeps");
    assert_eq!((report.confirmed, report.deleted), (1, 2));

    assert_eq!(api.ipfs_hash(a).await.expect("asked"), None);
    assert_eq!(api.ipfs_hash(b).await.expect("asked"), None);
    assert_eq!(
        api.ipfs_hash(c).await.expect("asked"),
        Some(cid_of(&zip_c).to_string())
    );
    let error = api
        .download(&cid_of(&zip_b).location())
        .await
        .expect_err("deleted");
    assert!(
        matches!(error, ResultsApiError::NotFound { .. }),
        "{error:?}"
    );
    // A's blob is C's too: it stays.
    assert_eq!(
        api.download(&cid_of(&zip_a).location())
            .await
            .expect("kept")
            .bytes,
        zip_a
    );
    let blobs = env
        .config
        .temp_dir()
        .expect("a test config")
        .join("blobs")
        .join("ipfs");
    assert!(blobs.join(cid_of(&zip_a).to_string()).exists());
    assert!(!blobs.join(cid_of(&zip_b).to_string()).exists());
}

#[tokio::test]
async fn after_the_finalize_only_its_worker_stores_and_the_content_is_checked() {
    let env = Env::start().await;
    let task = env.task(1).await;
    let (zip, digest) = result("finalized first");
    env.contribute_and_finalize(
        WORKER,
        task,
        digest,
        ResultLink::ipfs(&cid_of(&zip)).to_bytes(),
    )
    .await;
    let api = env.api();

    // Another worker, even authorized by the pool owner: 403.
    let error = api
        .upload_zip(
            &env.signers()[WORKER + 1],
            &env.authorization(WORKER + 1, task),
            zip.clone(),
        )
        .await
        .expect_err("not its worker");
    assert!(
        matches!(&error, ResultsApiError::Refused { status: 403, message, .. } if message.contains("was completed by")),
        "{error:?}"
    );
    // Its worker with other content: 422.
    let (wrong, _) = result("not what was finalized");
    let error = api
        .upload_zip(
            &env.signers()[WORKER],
            &env.authorization(WORKER, task),
            wrong,
        )
        .await
        .expect_err("wrong content");
    assert!(
        matches!(&error, ResultsApiError::Refused { status: 422, message, .. } if message.contains("result digest")),
        "{error:?}"
    );
    // Its worker with the content finalized: stored, confirmed at once.
    let link = api
        .upload_zip(
            &env.signers()[WORKER],
            &env.authorization(WORKER, task),
            zip.clone(),
        )
        .await
        .expect("stored");
    assert_eq!(link.cid().expect("a CID"), cid_of(&zip));
    env.increase_time(10 * TIMEREF + 1).await;
    let report = env.server().sweep().await.expect("sweeps");
    assert_eq!((report.confirmed, report.deleted), (0, 0));
}

#[tokio::test]
async fn sizes_and_formats_are_checked() {
    let env = Env::start().await;
    let task = env.task(1).await;
    let token = env.token(WORKER, task).await;
    let api = env.api();

    // A zip over the limit: 413, whether the body fits the HTTP limit or not.
    let big: Vec<u8> = (0..MAX_RESULT_SIZE + 1)
        .map(|i| (i * 7919 % 251) as u8)
        .collect();
    let error = api
        .upload(&token, &ResultModel::new(task, big))
        .await
        .expect_err("too large");
    assert!(
        matches!(error, ResultsApiError::Refused { status: 413, .. }),
        "{error:?}"
    );
    let huge = vec![0u8; 2 << 20];
    let error = api
        .upload(&token, &ResultModel::new(task, huge))
        .await
        .expect_err("too large");
    assert!(
        matches!(error, ResultsApiError::Refused { status: 413, .. }),
        "{error:?}"
    );

    // Without a token, even a huge body is refused for the token (401), before being read.
    let (status, body) = env
        .post_result(
            "no token",
            &serde_json::json!({"chainTaskId": task.to_string(), "zip": "A".repeat(4 << 20)}),
        )
        .await;
    assert_eq!(status, 401, "{body}");

    // Not a zip: 400.
    let error = api
        .upload(
            &token,
            &ResultModel::new(task, b"plain text, not a zip".to_vec()),
        )
        .await
        .expect_err("not a zip");
    assert!(
        matches!(&error, ResultsApiError::Refused { status: 400, message, .. } if message.contains("not a valid zip")),
        "{error:?}"
    );
    // Not a ResultModel: 400.
    let (status, body) = env
        .post_result(&token, &serde_json::json!({"zip": 3}))
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(error_of(&body).contains("ResultModel"), "{body}");
    // Nothing was stored.
    assert_eq!(api.ipfs_hash(task).await.expect("asked"), None);
    assert!(!api.is_stored(&token, task).await.expect("asked"));
}
