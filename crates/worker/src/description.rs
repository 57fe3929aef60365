//! STARTING (design §3.1): what a task asks for, read from the chain only (`viewTask`,
//! `viewDeal`, the app and dataset entries), its params, and the checks that decide whether
//! this worker may run it (START_FAILED otherwise).

use crate::error::{Result, WorkerError};
use alloy_primitives::{Address, B256, U256};
use poco_client::{Client, assets::multiaddr};
use poco_types::{
    ContributionStatus, Tag, TaskStatus, WorkerpoolAuthorization, core::ReplicateStatusCause,
};
use serde::{Deserialize, Serialize};

/// Everything the worker needs to run and contribute to one task, as the chain says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Description {
    /// The task.
    pub task_id: B256,
    /// Its deal.
    pub deal_id: B256,
    /// Its index in the deal.
    pub idx: u64,
    /// The app.
    pub app: Address,
    /// The app's image reference (its multiaddr as text).
    pub app_image: String,
    /// The app's on-chain checksum (image Id or manifest digest).
    pub app_checksum: B256,
    /// The app's type (`DOCKER`).
    pub app_type: String,
    /// The dataset (zero: none).
    pub dataset: Address,
    /// The dataset's location (multiaddr as text), when there is one.
    pub dataset_url: String,
    /// The dataset's on-chain checksum (sha256 of the file; zero: not checked).
    pub dataset_checksum: B256,
    /// The deal's workerpool owner (snapshot): the only valid authorization signer.
    pub pool_owner: Address,
    /// The deal's trust.
    pub trust: u64,
    /// The deal's tag.
    pub tag: B256,
    /// The deal's callback contract (zero: none).
    pub callback: Address,
    /// The deal's params, as written.
    pub params: String,
    /// The app's arguments (`iexec_args`).
    pub args: String,
    /// Input file URLs (`iexec_input_files`).
    pub input_files: Vec<String>,
    /// First task index of the deal.
    pub bot_first: u64,
    /// Number of tasks in the deal.
    pub bot_size: u64,
    /// Stake a contribution locks (nRLC).
    pub worker_stake: U256,
    /// The category's reference time: the app's maximum run time, in seconds.
    pub timeref: u64,
    /// Contributions are accepted until then (chain seconds).
    pub contribution_deadline: u64,
    /// The task is claimable from then (chain seconds).
    pub final_deadline: u64,
}

impl Description {
    /// Whether the deal has a callback contract (the digest is then the callback data's).
    pub fn has_callback(&self) -> bool {
        self.callback != Address::ZERO
    }

    /// Whether the deal uses a dataset.
    pub fn has_dataset(&self) -> bool {
        self.dataset != Address::ZERO
    }

    /// The app's command line, split as a POSIX shell would without expansions (⚑A12); empty:
    /// the image's own CMD. Unbalanced quotes: the string split on whitespace.
    pub fn cmd(&self) -> Vec<String> {
        shlex::split(&self.args)
            .unwrap_or_else(|| self.args.split_whitespace().map(str::to_owned).collect())
    }

    /// The app's environment (design §3.4), addresses in lowercase hex.
    pub fn env(&self) -> Vec<(String, String)> {
        let mut env = vec![
            ("IEXEC_DEAL_ID".to_owned(), format!("{:#x}", self.deal_id)),
            ("IEXEC_TASK_ID".to_owned(), format!("{:#x}", self.task_id)),
            ("IEXEC_TASK_INDEX".to_owned(), self.idx.to_string()),
            ("IEXEC_IN".to_owned(), "/iexec_in".to_owned()),
            ("IEXEC_OUT".to_owned(), "/iexec_out".to_owned()),
            ("IEXEC_BOT_SIZE".to_owned(), self.bot_size.to_string()),
            (
                "IEXEC_BOT_FIRST_INDEX".to_owned(),
                self.bot_first.to_string(),
            ),
            ("IEXEC_BOT_TASK_INDEX".to_owned(), self.idx.to_string()),
            (
                "IEXEC_DATASET_ADDRESS".to_owned(),
                format!("{:#x}", self.dataset),
            ),
        ];
        if self.has_dataset() {
            env.push((
                "IEXEC_DATASET_FILENAME".to_owned(),
                format!("{:#x}", self.dataset),
            ));
        }
        env.push((
            "IEXEC_INPUT_FILES_NUMBER".to_owned(),
            self.input_files.len().to_string(),
        ));
        if !self.input_files.is_empty() {
            env.push((
                "IEXEC_INPUT_FILES_FOLDER".to_owned(),
                "/iexec_in".to_owned(),
            ));
            for (i, url) in self.input_files.iter().enumerate() {
                env.push((
                    format!("IEXEC_INPUT_FILE_NAME_{}", i + 1),
                    input_file_name(url),
                ));
            }
        }
        env
    }
}

/// The file name of input file `url` in `/iexec_in`: `0x` + sha256 of the URL's UTF-8 bytes
/// (iExec's `HashUtils.sha256`, ⚑A16).
pub fn input_file_name(url: &str) -> String {
    format!("{:#x}", poco_types::sha256(url.as_bytes()))
}

/// What the params ask for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params {
    /// `iexec_args`.
    pub args: String,
    /// `iexec_input_files`.
    pub input_files: Vec<String>,
    /// `iexec_result_storage_provider`, when given.
    pub storage_provider: Option<String>,
    /// `iexec_result_encryption`.
    pub encryption: bool,
}

/// Reads a deal's params: a JSON object with iExec's keys, or (SDK rule) a plain string that
/// is the arguments themselves.
pub fn parse_params(params: &str) -> Params {
    let Ok(serde_json::Value::Object(object)) = serde_json::from_str(params) else {
        return Params {
            args: params.to_owned(),
            ..Params::default()
        };
    };
    let text = |key: &str| match object.get(key) {
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let input_files = match object.get("iexec_input_files") {
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    let encryption = match object.get("iexec_result_encryption") {
        Some(serde_json::Value::Bool(b)) => *b,
        Some(serde_json::Value::String(s)) => s == "true",
        _ => false,
    };
    Params {
        args: text("iexec_args").unwrap_or_default(),
        input_files,
        storage_provider: text("iexec_result_storage_provider").filter(|s| !s.is_empty()),
        encryption,
    }
}

/// Reads the task's description from the chain.
pub async fn read(client: &Client, task_id: B256) -> Result<Description> {
    let hub = client.hub();
    let rpc = |what: &str, e: &dyn std::fmt::Display| WorkerError::chain(what, e);
    let task = hub
        .viewTask(task_id)
        .call()
        .await
        .map_err(|e| rpc("the task", &e))?;
    if task.dealid == B256::ZERO {
        return Err(WorkerError::Refused(format!(
            "task {task_id} is not initialized on-chain"
        )));
    }
    let deal = hub
        .viewDeal(task.dealid)
        .call()
        .await
        .map_err(|e| rpc("the deal", &e))?;
    let app = hub
        .viewApp(deal.app.pointer)
        .call()
        .await
        .map_err(|e| rpc("the app", &e))?;
    let (dataset_url, dataset_checksum) = if deal.dataset.pointer == Address::ZERO {
        (String::new(), B256::ZERO)
    } else {
        let dataset = hub
            .viewDataset(deal.dataset.pointer)
            .call()
            .await
            .map_err(|e| rpc("the dataset", &e))?;
        (
            multiaddr::to_text(&dataset.m_datasetMultiaddr),
            dataset.m_datasetChecksum,
        )
    };
    let params = parse_params(&deal.params);
    let number = |value: U256| u64::try_from(value).unwrap_or(u64::MAX);
    Ok(Description {
        task_id,
        deal_id: task.dealid,
        idx: number(task.idx),
        app: deal.app.pointer,
        app_image: multiaddr::to_text(&app.m_appMultiaddr),
        app_checksum: app.m_appChecksum,
        app_type: app.m_appType,
        dataset: deal.dataset.pointer,
        dataset_url,
        dataset_checksum,
        pool_owner: deal.workerpool.owner,
        trust: number(deal.trust).max(1),
        tag: deal.tag,
        callback: deal.callback,
        params: deal.params.clone(),
        args: params.args,
        input_files: params.input_files,
        bot_first: number(deal.botFirst),
        bot_size: number(deal.botSize),
        worker_stake: deal.workerStake,
        timeref: number(task.timeref),
        contribution_deadline: number(task.contributionDeadline),
        final_deadline: number(task.finalDeadline),
    })
}

/// Why this worker must not run the task (START_FAILED), checked against the chain now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The cause reported.
    pub cause: ReplicateStatusCause,
    /// For people.
    pub message: String,
}

/// The checks of §3.1: task ACTIVE and before its contribution deadline, the authorization
/// the pool owner's for this worker and task, no TEE (nor GPU: this worker has none), enough
/// stake for trust > 1, results to IPFS-style storage without encryption.
pub async fn check(
    client: &Client,
    description: &Description,
    authorization: &WorkerpoolAuthorization,
    worker: Address,
) -> Result<Option<Refusal>> {
    let refuse = |cause, message: String| Ok(Some(Refusal { cause, message }));
    let hub = client.hub();
    let task = hub
        .viewTask(description.task_id)
        .call()
        .await
        .map_err(|e| WorkerError::chain("the task", e))?;
    let status = TaskStatus::try_from(task.status).unwrap_or(TaskStatus::Unset);
    if status != TaskStatus::Active {
        return refuse(
            ReplicateStatusCause::TaskNotActive,
            format!("the task is {status:?} on-chain, not ACTIVE"),
        );
    }
    let now = poco_client::deals::chain_now(client).await?;
    if now >= description.contribution_deadline {
        return refuse(
            ReplicateStatusCause::ContributionTimeout,
            "the task's contribution deadline has passed".into(),
        );
    }
    if authorization.worker_wallet != worker
        || authorization.chain_task_id != description.task_id
        || authorization.enclave_challenge != Address::ZERO
        || !authorization.is_signed_by(description.pool_owner)
    {
        return refuse(
            ReplicateStatusCause::Unknown,
            format!(
                "the authorization is not the pool owner's ({:#x}) for this worker and task",
                description.pool_owner
            ),
        );
    }
    let tag = Tag(description.tag);
    if tag.is_tee() || tag.has_bit(Tag::GPU_BIT) {
        return refuse(
            ReplicateStatusCause::UnsupportedTag,
            "the deal asks for TEE or GPU, which this worker does not offer".into(),
        );
    }
    let params = parse_params(&description.params);
    if params.encryption
        || params
            .storage_provider
            .as_deref()
            .is_some_and(|p| p != "ipfs")
    {
        return refuse(
            ReplicateStatusCause::UnsupportedParams,
            "the deal asks for result encryption or another result storage than ipfs".into(),
        );
    }
    let contribution = hub
        .viewContribution(description.task_id, worker)
        .call()
        .await
        .map_err(|e| WorkerError::chain("the contribution", e))?;
    if ContributionStatus::try_from(contribution.status).unwrap_or(ContributionStatus::Unset)
        != ContributionStatus::Unset
    {
        return refuse(
            ReplicateStatusCause::Unknown,
            "this worker already contributed to the task".into(),
        );
    }
    if description.trust > 1 {
        let account = hub
            .viewAccount(worker)
            .call()
            .await
            .map_err(|e| WorkerError::chain("the stake", e))?;
        if account.stake < description.worker_stake {
            return refuse(
                ReplicateStatusCause::StakeTooLow,
                format!(
                    "the worker's free stake {} nRLC is below the deal's worker stake {} nRLC: \
                     deposit with `poco account deposit`",
                    account.stake, description.worker_stake
                ),
            );
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn description() -> Description {
        Description {
            task_id: B256::repeat_byte(0xaa),
            deal_id: B256::repeat_byte(0xdd),
            idx: 2,
            app: Address::repeat_byte(1),
            app_image: "localhost/app:1".into(),
            app_checksum: B256::ZERO,
            app_type: "DOCKER".into(),
            dataset: Address::ZERO,
            dataset_url: String::new(),
            dataset_checksum: B256::ZERO,
            pool_owner: Address::repeat_byte(3),
            trust: 1,
            tag: B256::ZERO,
            callback: Address::ZERO,
            params: String::new(),
            args: String::new(),
            input_files: vec![],
            bot_first: 1,
            bot_size: 4,
            worker_stake: U256::ZERO,
            timeref: 300,
            contribution_deadline: 0,
            final_deadline: 0,
        }
    }

    #[test]
    fn params_are_json_or_plain_arguments() {
        let p = parse_params(
            r#"{"iexec_args":"hello 'big world'","iexec_input_files":["https://a/x","https://b/y"],"iexec_result_storage_provider":"ipfs"}"#,
        );
        assert_eq!(p.args, "hello 'big world'");
        assert_eq!(p.input_files, ["https://a/x", "https://b/y"]);
        assert_eq!(p.storage_provider.as_deref(), Some("ipfs"));
        assert!(!p.encryption);
        assert_eq!(parse_params("just words").args, "just words");
        assert_eq!(parse_params("").args, "");
        assert!(parse_params(r#"{"iexec_result_encryption":true}"#).encryption);
    }

    #[test]
    fn args_split_like_a_shell_without_expansion() {
        let d = Description {
            args: r#"hello 'big world' "$HOME" a\ b"#.into(),
            ..description()
        };
        assert_eq!(d.cmd(), ["hello", "big world", "$HOME", "a b"]);
        assert!(
            Description {
                args: String::new(),
                ..description()
            }
            .cmd()
            .is_empty()
        );
        assert_eq!(
            Description {
                args: "it's".into(),
                ..description()
            }
            .cmd(),
            ["it's"]
        );
    }

    #[test]
    fn env_follows_iexec() {
        let d = Description {
            dataset: Address::repeat_byte(0xAB),
            input_files: vec!["https://host/file".into()],
            ..description()
        };
        let env = d.env();
        let get = |key: &str| env.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        assert_eq!(
            get("IEXEC_TASK_ID"),
            Some(format!("0x{}", "aa".repeat(32)).as_str())
        );
        assert_eq!(get("IEXEC_TASK_INDEX"), Some("2"));
        assert_eq!(get("IEXEC_BOT_SIZE"), Some("4"));
        assert_eq!(get("IEXEC_BOT_FIRST_INDEX"), Some("1"));
        assert_eq!(
            get("IEXEC_DATASET_FILENAME"),
            Some(format!("0x{}", "ab".repeat(20)).as_str())
        );
        assert_eq!(get("IEXEC_INPUT_FILES_NUMBER"), Some("1"));
        assert_eq!(get("IEXEC_INPUT_FILES_FOLDER"), Some("/iexec_in"));
        // sha256("https://host/file")
        assert_eq!(
            get("IEXEC_INPUT_FILE_NAME_1"),
            Some(input_file_name("https://host/file").as_str())
        );
        assert!(get("IEXEC_INPUT_FILE_NAME_1").is_some_and(|n| n.len() == 66));

        let env = description().env();
        let get = |key: &str| env.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        assert_eq!(
            get("IEXEC_DATASET_ADDRESS"),
            Some(format!("0x{}", "00".repeat(20)).as_str())
        );
        assert_eq!(get("IEXEC_DATASET_FILENAME"), None);
        assert_eq!(get("IEXEC_INPUT_FILES_NUMBER"), Some("0"));
        assert_eq!(get("IEXEC_INPUT_FILES_FOLDER"), None);
    }
}
