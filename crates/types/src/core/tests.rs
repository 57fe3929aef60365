//! Round trips against iExec-shaped JSON (field names from iExec core/common's Java models,
//! as Jackson writes them: camelCase, `Date` as epoch ms, nulls for absent values).

use super::*;
use crate::ReplicateStatus;
use alloy_primitives::{address, b256};
use serde_json::{Value, json};

const TASK: B256 = b256!("0xf106ea1b6e8e64c7b3cd3b15c890ee36a53d0df09b563add8cf4ab952ecf1af3");
const DEAL: B256 = b256!("0x0d4dfa3d2b5e4bd0a5da6d6ee1f7ee3f3bbd4b4a3c1ef22bb93a9b3b2f3e1a01");
const WORKER: Address = address!("0x70997970C51812dc3A010C7d01b50e20d17dc79C");
const SIG: &str = "0x956db33ea2af20928a38a04298ceb939d75b9b9b4f9fee11c952df3121c1ae0e00701ead718d6c182a3283f440eca6c466a2ce6c01cdee4bb005f2cf1cab57d81b";

fn round_trip<T>(value: Value) -> T
where
    T: serde::de::DeserializeOwned + Serialize + PartialEq + std::fmt::Debug,
{
    let parsed: T = serde_json::from_value(value.clone()).expect("parses");
    let again = serde_json::to_value(&parsed).expect("serializes");
    assert_eq!(
        serde_json::from_value::<T>(again).expect("re-parses"),
        parsed
    );
    parsed
}

fn authorization_json() -> Value {
    json!({
        "workerWallet": WORKER.to_checksum(None),
        "chainTaskId": TASK.to_string(),
        "enclaveChallenge": "0x0000000000000000000000000000000000000000",
        "signature": {"value": SIG},
    })
}

#[test]
fn public_configuration() {
    let sample = json!({
        "chainId": 65535,
        "hub": "0x3eca1B216A7DF1C7689aEb259fFB83ADFB894E7f",
        "workerPoolAddress": "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc",
        "schedulerPublicAddress": "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
        "resultRepositoryURL": "http://127.0.0.1:3001",
        "ipfsGatewayURL": "http://127.0.0.1:3001",
        "askForReplicatePeriod": 5000,
        "pingPeriod": 10000,
        "workerLostAfter": 60000,
        "requiredWorkerVersion": "",
        "smsURL": null,
        "blockchainAdapterUrl": "ignored",
    });
    let config: PublicConfiguration = round_trip(sample);
    assert_eq!(config.chain_id, 65535);
    assert_eq!(config.ping_period, 10_000);
    let out = serde_json::to_value(&config).expect("serializes");
    // EIP-55 out, even when given lowercase.
    assert_eq!(
        out["workerPoolAddress"],
        "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
    );
    assert_eq!(out["resultRepositoryURL"], "http://127.0.0.1:3001");
    assert!(out.get("smsURL").is_none());
    // The ping hash is stable and changes with the content.
    assert_eq!(config.hash(), config.clone().hash());
    assert!(config.hash().starts_with("0x") && config.hash().len() == 66);
    let mut other = config.clone();
    other.ping_period = 1000;
    assert_ne!(other.hash(), config.hash());
    // iExec's shape without Poco's fields still reads.
    let iexec = json!({
        "chainId": 134, "hub": "0x3eca1B216A7DF1C7689aEb259fFB83ADFB894E7f",
        "workerPoolAddress": "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc",
        "schedulerPublicAddress": "0x90f79bf6eb2c4f870365e785982e1f101e93b906",
        "resultRepositoryURL": "https://result.v8-bellecour.iex.ec",
        "askForReplicatePeriod": 5000, "requiredWorkerVersion": null,
    });
    let read: PublicConfiguration = serde_json::from_value(iexec).expect("lenient");
    assert_eq!(read.required_worker_version, "");
    assert_eq!(read.ping_period, 0);
}

#[test]
fn worker_model() {
    // iExec worker's registration body: no maxNbTasks.
    let sample = json!({
        "name": "worker-1", "walletAddress": "0x70997970c51812dc3a010c7d01b50e20d17dc79c",
        "os": "linux", "cpu": "x86_64", "cpuNb": 4, "memorySize": 7900,
        "teeEnabled": false, "gpuEnabled": false,
    });
    let model: WorkerModel = round_trip(sample);
    assert_eq!(model.wallet_address, WORKER);
    assert_eq!(model.max_tasks(), 4);
    assert!(model.last_alive_date.is_none());
    let out = serde_json::to_value(&model).expect("serializes");
    assert!(out.get("maxNbTasks").is_none() && out.get("lastAliveDate").is_none());
    assert_eq!(out["walletAddress"], WORKER.to_checksum(None));

    let stored = WorkerModel {
        max_nb_tasks: Some(2),
        last_alive_date: Some(1_700_000_000_123),
        ..model
    };
    let out = serde_json::to_value(&stored).expect("serializes");
    assert_eq!(out["maxNbTasks"], 2);
    assert_eq!(out["lastAliveDate"], 1_700_000_000_123u64);
    assert_eq!(stored.max_tasks(), 2);
}

#[test]
fn login_signature_is_iexec_signature_object() {
    let body: LoginSignature = round_trip(json!({"value": SIG}));
    assert_eq!(body.value.len(), 65);
    assert_eq!(
        serde_json::to_value(&body).expect("ok"),
        json!({"value": SIG})
    );
}

#[test]
fn replicate_task_summary() {
    let sample = json!({"workerpoolAuthorization": authorization_json(), "smsUrl": null});
    let summary: ReplicateTaskSummary = round_trip(sample.clone());
    assert_eq!(summary.workerpool_authorization.chain_task_id, TASK);
    assert_eq!(serde_json::to_value(&summary).expect("ok"), sample);
}

#[test]
fn task_notification() {
    let sample = json!({
        "chainTaskId": TASK.to_string(),
        "workersAddress": ["0x70997970c51812dc3a010c7d01b50e20d17dc79c"],
        "taskNotificationType": "PLEASE_CONTRIBUTE",
        "taskNotificationExtra": {
            "workerpoolAuthorization": authorization_json(),
            "smsUrl": null,
            "blockNumber": 12,
            "taskAbortCause": null,
        },
    });
    let n: TaskNotification = round_trip(sample);
    assert_eq!(
        n.task_notification_type,
        TaskNotificationType::PleaseContribute
    );
    assert_eq!(n.workers_address, vec![WORKER]);
    assert_eq!(n.task_notification_extra.block_number, 12);
    assert_eq!(n.abort_cause(), TaskAbortCause::Unknown);
    let out = serde_json::to_value(&n).expect("ok");
    assert_eq!(out["workersAddress"][0], WORKER.to_checksum(None));

    let abort = json!({
        "chainTaskId": TASK.to_string(),
        "workersAddress": [],
        "taskNotificationType": "PLEASE_ABORT",
        "taskNotificationExtra": {"blockNumber": 0, "taskAbortCause": "CONTRIBUTION_TIMEOUT"},
    });
    let n: TaskNotification = round_trip(abort);
    assert_eq!(n.abort_cause(), TaskAbortCause::ContributionTimeout);
    assert_eq!(
        ReplicateStatusCause::from(n.abort_cause()),
        ReplicateStatusCause::ContributionTimeout
    );
    // No extra at all.
    let bare: TaskNotification = serde_json::from_value(json!({
        "chainTaskId": TASK.to_string(), "taskNotificationType": "PLEASE_WAIT",
    }))
    .expect("parses");
    assert!(bare.workers_address.is_empty());
    assert!(
        bare.task_notification_extra
            .workerpool_authorization
            .is_none()
    );
}

#[test]
fn status_update_with_every_detail() {
    let sample = json!({
        "status": "CONTRIBUTE_AND_FINALIZE_DONE",
        "modifier": "WORKER",
        "date": 1_700_000_000_000u64,
        "isSuccess": true,
        "details": {
            "chainReceipt": {
                "blockNumber": 42,
                "txHash": "0x5e1d3a76fbf824220eafc8c79ad578ad2b67d01b0c2425eb1f1347e8f50882ab",
            },
            "resultLink": "{\"storage\":\"ipfs\",\"location\":\"/ipfs/bafkreiabc\"}",
            "chainCallbackData": "0x1234",
            "errorMessage": null,
            "cause": null,
            "computeLogs": {"walletAddress": null, "stdout": "hello\n", "stderr": ""},
            "exitCode": 0,
            "teeSessionGenerationError": null,
        },
    });
    let update: ReplicateStatusUpdate = round_trip(sample);
    assert_eq!(update.status, ReplicateStatus::ContributeAndFinalizeDone);
    let details = update.details.clone().expect("details");
    assert_eq!(
        details.chain_receipt.as_ref().map(|r| r.block_number),
        Some(42)
    );
    assert_eq!(
        details.chain_callback_data.as_ref().map(|b| b.to_vec()),
        Some(vec![0x12, 0x34])
    );
    assert_eq!(details.exit_code, Some(0));
    assert_eq!(
        details.compute_logs.as_ref().map(|l| l.stdout.as_str()),
        Some("hello\n")
    );
    let out = serde_json::to_value(&update).expect("ok");
    assert!(out.get("isSuccess").is_none());
    assert!(out["details"].get("errorMessage").is_none());
    assert_eq!(
        out["details"]["chainReceipt"]["txHash"],
        "0x5e1d3a76fbf824220eafc8c79ad578ad2b67d01b0c2425eb1f1347e8f50882ab"
    );
}

#[test]
fn status_update_minimal_and_causes() {
    // Older workers send no modifier; unknown causes read as UNKNOWN.
    let update: ReplicateStatusUpdate = serde_json::from_value(json!({
        "status": "START_FAILED", "date": 5,
        "details": {"cause": "TEE_SESSION_GENERATION_UNKNOWN_ISSUE"},
    }))
    .expect("parses");
    assert_eq!(update.modifier, ReplicateStatusModifier::Worker);
    assert_eq!(update.cause(), Some(ReplicateStatusCause::Unknown));

    let built = ReplicateStatusUpdate::pool_manager(ReplicateStatus::WorkerLost, 7)
        .with_details(ReplicateStatusDetails::default());
    assert_eq!(
        serde_json::to_value(&built).expect("ok"),
        json!({"status": "WORKER_LOST", "modifier": "POOL_MANAGER", "date": 7})
    );
    let failed = ReplicateStatusUpdate::worker(ReplicateStatus::DataDownloadFailed, 8)
        .with_details(ReplicateStatusDetails::cause(
            ReplicateStatusCause::DatasetFileBadChecksum,
        ));
    assert_eq!(
        serde_json::to_value(&failed).expect("ok")["details"],
        json!({"cause": "DATASET_FILE_BAD_CHECKSUM"})
    );
    let receipt = ReplicateStatusDetails::receipt(3, TASK);
    assert_eq!(
        serde_json::to_value(&receipt).expect("ok"),
        json!({"chainReceipt": {"blockNumber": 3, "txHash": TASK.to_string()}})
    );
}

#[test]
fn task_model_and_replicates() {
    let sample = json!({
        "chainTaskId": TASK.to_string(),
        "dealId": DEAL.to_string(),
        "taskIndex": 0,
        "trust": 3,
        "currentStatus": "CONSENSUS_REACHED",
        "dateStatusList": [
            {"status": "RECEIVED", "date": 1000},
            {"status": "INITIALIZED", "date": 2000},
            {"status": "RUNNING", "date": 3000},
            {"status": "CONSENSUS_REACHED", "date": 4000},
        ],
        "consensus": "0x5e1d3a76fbf824220eafc8c79ad578ad2b67d01b0c2425eb1f1347e8f50882ab",
        "uploadingWorkerWalletAddress": null,
        "resultLink": null,
        "contributionDeadline": 1_700_000_700_000u64,
        "revealDeadline": 1_700_000_200_000u64,
        "finalDeadline": 1_700_001_000_000u64,
        "replicates": [{
            "walletAddress": "0x70997970c51812dc3a010c7d01b50e20d17dc79c",
            "currentStatus": "CONTRIBUTED",
            "statusUpdateList": [
                {"status": "CREATED", "modifier": "POOL_MANAGER", "date": 2500},
                {"status": "COMPUTED", "modifier": "WORKER", "date": 2900,
                 "details": {"exitCode": 0}},
                {"status": "CONTRIBUTED", "modifier": "WORKER", "date": 3500,
                 "details": {"chainReceipt": {"blockNumber": 9, "txHash": null}}},
            ],
            "contributionHash": "0x5e1d3a76fbf824220eafc8c79ad578ad2b67d01b0c2425eb1f1347e8f50882ab",
            "resultLink": null,
            "appExitCode": 0,
        }],
    });
    let task: TaskModel = round_trip(sample);
    assert_eq!(task.current_status, CoreTaskStatus::ConsensusReached);
    assert_eq!(task.date_status_list.len(), 4);
    assert_eq!(task.replicates[0].wallet_address, WORKER);
    assert_eq!(task.replicates[0].status_update_list.len(), 3);
    assert_eq!(task.replicates[0].app_exit_code, Some(0));
    let out = serde_json::to_value(&task).expect("ok");
    // The fields the iExec SDK's task debug reads.
    for field in ["currentStatus", "dateStatusList", "replicates"] {
        assert!(out.get(field).is_some(), "{field}");
    }
    for field in [
        "walletAddress",
        "appExitCode",
        "currentStatus",
        "statusUpdateList",
    ] {
        assert!(out["replicates"][0].get(field).is_some(), "{field}");
    }
    assert_eq!(out["uploadingWorkerWalletAddress"], Value::Null);
}

#[test]
fn logs_and_compass() {
    let sample = json!({"computeLogsList": [
        {"walletAddress": WORKER.to_checksum(None), "stdout": "out", "stderr": "err"},
    ]});
    let logs: TaskLogsModel = round_trip(sample.clone());
    assert_eq!(logs.compute_logs_list[0].wallet_address, Some(WORKER));
    assert_eq!(serde_json::to_value(&logs).expect("ok"), sample);

    let api: WorkerpoolApi = round_trip(json!({"apiUrl": "http://127.0.0.1:13000"}));
    assert_eq!(api.api_url, "http://127.0.0.1:13000");
}

#[test]
fn names_round_trip_and_parse() {
    fn check<T>(all: &[T])
    where
        T: Copy + std::fmt::Display + std::str::FromStr + Serialize + PartialEq + std::fmt::Debug,
        T: serde::de::DeserializeOwned,
        <T as std::str::FromStr>::Err: std::fmt::Debug,
    {
        let mut names: Vec<String> = all.iter().map(|v| v.to_string()).collect();
        for v in all {
            let json = serde_json::to_string(v).expect("ok");
            assert_eq!(json, format!("\"{v}\""));
            assert_eq!(serde_json::from_str::<T>(&json).expect("ok"), *v);
            assert_eq!(v.to_string().parse::<T>().expect("ok"), *v);
            assert!(
                v.to_string()
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b == b'_')
            );
        }
        names.sort();
        names.dedup();
        assert_eq!(names.len(), all.len());
    }
    check(TaskNotificationType::ALL);
    check(TaskAbortCause::ALL);
    check(ReplicateStatusCause::ALL);
    check(ReplicateStatusModifier::ALL);
    check(CoreTaskStatus::ALL);
    assert_eq!(TaskNotificationType::ALL.len(), 12);
    assert_eq!(CoreTaskStatus::ALL.len(), 22);

    // Strict enums refuse unknown names; causes fall back; FromStr is always exact.
    assert!(serde_json::from_str::<TaskNotificationType>("\"PLEASE_DANCE\"").is_err());
    assert!(serde_json::from_str::<CoreTaskStatus>("\"DONE\"").is_err());
    assert_eq!(
        serde_json::from_str::<TaskAbortCause>("\"SOMETHING_NEW\"").expect("fallback"),
        TaskAbortCause::Unknown
    );
    let err = "SOMETHING_NEW"
        .parse::<ReplicateStatusCause>()
        .expect_err("exact names only");
    assert_eq!(
        err.to_string(),
        "unknown ReplicateStatusCause \"SOMETHING_NEW\""
    );
    assert!(CoreTaskStatus::Completed.is_final() && !CoreTaskStatus::Running.is_final());
}
