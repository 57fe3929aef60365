//! `GET`/`HEAD /ipfs/{cid}` and `GET /v1/results/{taskId}/ipfshash`, `GET /version`, and the
//! client library's CID check of downloads.

use crate::common::*;
use poco_client::results::{ResultsApi, ResultsApiError};
use poco_types::results::cid_of;

#[tokio::test]
async fn the_gateway_serves_stored_zips_by_cid() {
    let env = Env::start().await;
    let task = env.task(1).await;
    let (zip, _) = result("served");
    let link = env
        .api()
        .upload_zip(
            &env.signers()[WORKER],
            &env.authorization(WORKER, task),
            zip.clone(),
        )
        .await
        .expect("stored");
    let cid = cid_of(&zip);
    assert_eq!(link.location, format!("/ipfs/{cid}"));

    let (status, headers, body) = env
        .send(env.http.get(format!("{}{}", env.url(), link.location)))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body, zip);
    assert_eq!(headers["content-type"], "application/zip");
    assert_eq!(
        headers["content-disposition"],
        format!("attachment; filename=\"{cid}.zip\"").as_str()
    );
    assert_eq!(headers["etag"], format!("\"{cid}\"").as_str());
    assert_eq!(
        headers["cache-control"],
        "public, max-age=31536000, immutable"
    );

    // HEAD: the headers, no body; If-None-Match: 304.
    let (status, headers, body) = env
        .send(env.http.head(format!("{}{}", env.url(), link.location)))
        .await;
    assert_eq!(status, 200);
    assert!(body.is_empty());
    assert_eq!(headers["content-length"], zip.len().to_string().as_str());
    let (status, _, body) = env
        .send(
            env.http
                .get(format!("{}{}", env.url(), link.location))
                .header("If-None-Match", format!("\"{cid}\"")),
        )
        .await;
    assert_eq!(status, 304);
    assert!(body.is_empty());

    // The hash, as text; 404 for a task without a result; 400 for a malformed id.
    assert_eq!(
        env.get_text(&format!("/v1/results/{task}/ipfshash")).await,
        (200, cid.to_string())
    );
    let other = env.task(1).await;
    assert_eq!(
        env.get_text(&format!("/v1/results/{other}/ipfshash"))
            .await
            .0,
        404
    );
    assert_eq!(env.get_text("/v1/results/0x12/ipfshash").await.0, 400);

    // Unknown, malformed and foreign CIDs.
    let (status, body) = env
        .get_text(&format!("/ipfs/{}", cid_of(b"never stored")))
        .await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = env.get_text("/ipfs/bafkreinotacid").await;
    assert_eq!(status, 400, "{body}");
    assert!(error_of(&body).contains("is not a CID"), "{body}");
    let (status, body) = env
        .get_text("/ipfs/QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR")
        .await;
    assert_eq!(status, 404, "{body}");
    assert!(error_of(&body).contains("CIDv0"), "{body}");

    // Version and unknown routes.
    assert_eq!(
        env.api().version().await.expect("a version"),
        env!("CARGO_PKG_VERSION")
    );
    let (status, body) = env.get_text("/nope").await;
    assert_eq!(status, 404);
    assert!(error_of(&body).contains("no such route"), "{body}");
}

#[tokio::test]
async fn downloads_are_checked_against_their_cid() {
    // A lying gateway: serves other bytes at every /ipfs/ path.
    let lying = axum::Router::new().route(
        "/ipfs/{cid}",
        axum::routing::get(|| async { b"not the result".to_vec() }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let addr = listener.local_addr().expect("an address");
    tokio::spawn(async move { axum::serve(listener, lying).await });
    let gateway = ResultsApi::new(&format!("http://{addr}")).expect("a URL");
    let wanted = cid_of(b"the result");
    let error = gateway
        .download(&wanted.location())
        .await
        .expect_err("caught");
    match error {
        ResultsApiError::CidMismatch { actual, .. } => {
            assert_eq!(actual, cid_of(b"not the result"))
        }
        other => panic!("{other:?}"),
    }
    // iExec's CIDv0 results cannot be checked: downloaded, marked unverified.
    let download = gateway
        .download("/ipfs/QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR")
        .await
        .expect("downloaded");
    assert_eq!(download.verified, None);
    // A limit.
    let error = gateway
        .download_limited(&wanted.location(), 4)
        .await
        .expect_err("too large");
    assert!(
        matches!(error, ResultsApiError::TooLarge { .. }),
        "{error:?}"
    );
}
