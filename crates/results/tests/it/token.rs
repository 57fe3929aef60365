//! `POST /v1/results/token`: the worker's signature, the pool owner's authorization, the
//! task's state.

use crate::common::*;
use alloy_primitives::{Address, B256};
use poco_client::results::ResultsApiError;
use poco_types::{WorkerpoolAuthorization, signature::sign_eip191};

/// Posts `authorization` with `signature` in the header: `(status, body)`.
async fn ask(
    env: &Env,
    authorization: &WorkerpoolAuthorization,
    signature: Option<String>,
) -> (u16, String) {
    let mut request = env
        .http
        .post(format!("{}/v1/results/token", env.url()))
        .json(authorization);
    if let Some(signature) = signature {
        request = request.header("Authorization", signature);
    }
    let (status, _, body) = env.send(request).await;
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn token_rules() {
    let env = Env::start().await;
    let task = env.task(1).await;
    let worker = &env.signers()[WORKER];
    let auth = env.authorization(WORKER, task);
    let signature = |signer| {
        sign_eip191(signer, &auth.message())
            .expect("signs")
            .to_string()
    };

    // The right worker with the pool owner's authorization gets a JWT.
    let (status, token) = ask(&env, &auth, Some(signature(worker))).await;
    assert_eq!(status, 200, "{token}");
    assert_eq!(token.split('.').count(), 3, "{token}");

    // Someone else's signature of the same authorization: 401.
    let (status, body) = ask(&env, &auth, Some(signature(&env.signers()[WORKER + 1]))).await;
    assert_eq!(status, 401, "{body}");
    assert!(
        error_of(&body).contains("not by the authorized worker"),
        "{body}"
    );
    // No signature: 401.
    let (status, body) = ask(&env, &auth, None).await;
    assert_eq!(status, 401, "{body}");

    // An authorization signed by someone other than the deal's pool owner: 401.
    let forged = WorkerpoolAuthorization::sign(
        &env.signers()[REQUESTER],
        worker.address(),
        task,
        Address::ZERO,
    )
    .expect("signs");
    let forged_signature = sign_eip191(worker, &forged.message())
        .expect("signs")
        .to_string();
    let (status, body) = ask(&env, &forged, Some(forged_signature)).await;
    assert_eq!(status, 401, "{body}");
    assert!(
        error_of(&body).contains("not by the deal's workerpool owner"),
        "{body}"
    );

    // A TEE authorization (enclave challenge): 403.
    let tee = WorkerpoolAuthorization::sign(
        &env.signers()[POOL_OWNER],
        worker.address(),
        task,
        Address::repeat_byte(9),
    )
    .expect("signs");
    let tee_signature = sign_eip191(worker, &tee.message())
        .expect("signs")
        .to_string();
    let (status, body) = ask(&env, &tee, Some(tee_signature)).await;
    assert_eq!(status, 403, "{body}");
    assert!(error_of(&body).contains("TEE"), "{body}");

    // A task not initialized: 403.
    let unknown = env.authorization(WORKER, B256::repeat_byte(0x42));
    let unknown_signature = sign_eip191(worker, &unknown.message())
        .expect("signs")
        .to_string();
    let (status, body) = ask(&env, &unknown, Some(unknown_signature)).await;
    assert_eq!(status, 403, "{body}");
    assert!(error_of(&body).contains("not initialized"), "{body}");

    // Not an authorization at all: 400.
    let (status, _, body) = env
        .send(
            env.http
                .post(format!("{}/v1/results/token", env.url()))
                .header("Authorization", signature(worker))
                .body("{\"workerWallet\": 1}"),
        )
        .await;
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&body));

    // A failed (claimed) task: 403, and the client library says so.
    env.increase_time(10 * TIMEREF + 1).await;
    env.claim(task).await;
    let error = env
        .api()
        .token(worker, &auth)
        .await
        .expect_err("failed task");
    match error {
        ResultsApiError::Refused {
            status: 403,
            message,
            ..
        } => {
            assert!(message.contains("failed"), "{message}")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn tokens_survive_a_restart_and_bind_one_task() {
    let mut env = Env::start().await;
    let task = env.task(1).await;
    let other_task = env.task(1).await;
    let token = env.token(WORKER, task).await;
    env.stop_server().await;
    env.start_server().await;
    // The secret is kept in the database: the token still works after the restart.
    let (zip, _) = result("hello");
    let link = env
        .api()
        .upload(
            &token,
            &poco_types::results::ResultModel::new(task, zip.clone()),
        )
        .await
        .expect("stored");
    assert_eq!(
        link.cid().expect("a CID"),
        poco_types::results::cid_of(&zip)
    );
    // The token is for one task only.
    let (status, body) = env
        .post_result(
            &token,
            &serde_json::json!({"chainTaskId": other_task.to_string(), "zip": "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}),
        )
        .await;
    assert_eq!(status, 401, "{body}");
    assert!(error_of(&body).contains("the token is for task"), "{body}");
    // A token of another service, or none: 401.
    let (status, _) = env
        .post_result("Bearer a.b.c", &serde_json::json!({}))
        .await;
    assert_eq!(status, 401);
}
