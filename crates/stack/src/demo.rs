//! `poco demo`: the demo app on a local stack, end to end. The app image is built into the
//! `poco` binary (poco-demo-app) and loaded into the workers' engine, registered by the app
//! developer with its image Id as checksum, and offered on the market; the requester deposits
//! RLC, runs it once at trust 1 and once at trust 3 through the same steps as `poco app run`,
//! waits for both tasks, downloads both results (checking their content identifiers) and sees
//! what each party was paid.

use crate::{
    Role, Stack,
    error::{Result, StackError},
    setup,
};
use alloy_primitives::{Address, B256, U256};
use poco_client::{
    Client, account,
    execution::{ParamsInput, RunSpec, run},
    market::MarketApi,
    results::ResultsApi,
};
use poco_contracts::dev::ONE_RLC;
use poco_types::TaskStatus;
use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

/// The demo app's name in the app registry.
pub const APP_NAME: &str = "poco-demo-app";
/// The demo app's price per task, nRLC.
pub const APP_PRICE: u64 = 1_000;
/// What the requester deposits before its first run: 1 RLC.
pub const DEPOSIT_RLC: u64 = 1;
/// How long the demo waits for a task.
const TASK_LIMIT: Duration = Duration::from_secs(180);

/// The demo app, registered and on sale.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoApp {
    /// Its address in the app registry.
    pub address: Address,
    /// Its image reference (the multiaddr registered).
    pub reference: String,
    /// Its image Id (the checksum registered).
    pub image_id: B256,
}

/// Loads the demo image into the stack's engine, registers the app (as the app developer)
/// with the image Id as checksum, and publishes its order at `price` nRLC per task.
pub async fn install_app(stack: &Stack, price: u64) -> Result<DemoApp> {
    let fail = |step: &'static str| move |cause: String| StackError::Demo { step, cause };
    if !poco_demo_app::available() {
        return Err(fail("building the demo image")(
            "this build of poco has no demo app (it is built for x86_64 and aarch64 Linux only)"
                .to_owned(),
        ));
    }
    let engine = stack.engine().ok_or_else(|| {
        fail("loading the demo image")("the stack has no container engine".to_owned())
    })?;
    let id = engine
        .load_image(poco_demo_app::image_archive(poco_demo_app::REFERENCE))
        .await?;
    let image_id: B256 = format!("0x{id}")
        .parse()
        .map_err(|e| fail("loading the demo image")(format!("the engine gave the Id {id}: {e}")))?;
    let developer = stack.client(Role::Developer).await?;
    let address = setup::app(&developer, APP_NAME, poco_demo_app::REFERENCE, image_id).await?;
    let market = MarketApi::new(&stack.record().urls.market, stack.chain().id)?;
    setup::publish_app_order(&developer, &market, address, price).await?;
    Ok(DemoApp {
        address,
        reference: poco_demo_app::REFERENCE.to_owned(),
        image_id,
    })
}

/// One run of the demo.
#[derive(Clone, Debug)]
pub struct DemoRun {
    /// The trust level asked for.
    pub trust: u64,
    /// The deal.
    pub deal: B256,
    /// Its task.
    pub task: B256,
    /// Its final status on-chain.
    pub status: TaskStatus,
    /// The workers whose contribution counted.
    pub workers: Vec<Address>,
    /// Where its result zip was saved.
    pub zip: PathBuf,
    /// The result's `result.txt`.
    pub result_txt: String,
    /// From the match to the downloaded result.
    pub elapsed: Duration,
}

/// What the demo did.
#[derive(Clone, Debug)]
pub struct DemoReport {
    /// The app.
    pub app: DemoApp,
    /// The two runs (trust 1, trust 3).
    pub runs: Vec<DemoRun>,
    /// Each party's hub stake change over the two runs (deposit excluded), nRLC.
    pub paid: Vec<(Role, Address, i128)>,
}

/// Runs the demo on `stack`, saving results under `out_dir`; `notes` hears each step.
pub async fn run_demo(
    stack: &Stack,
    out_dir: &Path,
    notes: &mut (dyn FnMut(String) + Send),
) -> Result<DemoReport> {
    notes(format!(
        "loading the demo app image {} into the workers' engine",
        poco_demo_app::REFERENCE
    ));
    let app = install_app(stack, APP_PRICE).await?;
    notes(format!(
        "app {} registered (image Id 0x{}), on sale at {} nRLC per task",
        app.address,
        alloy_primitives::hex::encode(app.image_id),
        APP_PRICE
    ));

    let mut roles = vec![Role::Requester, Role::Developer, Role::PoolOwner];
    roles.extend((0..stack.record().accounts.len().saturating_sub(4)).map(Role::Worker));
    let requester = stack.client(Role::Requester).await?;
    let deposit = U256::from(DEPOSIT_RLC) * ONE_RLC;
    notes(format!(
        "the requester deposits {DEPOSIT_RLC} RLC to its hub account: tasks are paid from it"
    ));
    account::deposit(&requester, deposit, &()).await?;
    let before = stakes(stack, &roles).await?;

    let market = MarketApi::new(&stack.record().urls.market, stack.chain().id)?;
    std::fs::create_dir_all(out_dir).map_err(StackError::io("creating", out_dir))?;
    let mut runs = Vec::new();
    for (trust, args) in [(1, "hello poco"), (3, "hello poco, three times")] {
        notes(format!(
            "running the app at trust {trust} with the arguments \"{args}\""
        ));
        runs.push(
            one_run(
                stack, &requester, &market, &app, trust, args, out_dir, notes,
            )
            .await?,
        );
    }
    let after = stakes(stack, &roles).await?;
    let paid = roles
        .iter()
        .zip(before.iter().zip(&after))
        .map(|(role, ((address, b), (_, a)))| (*role, *address, signed_diff(*a, *b)))
        .collect();
    Ok(DemoReport { app, runs, paid })
}

#[allow(clippy::too_many_arguments)]
async fn one_run(
    stack: &Stack,
    requester: &Client,
    market: &MarketApi,
    app: &DemoApp,
    trust: u64,
    args: &str,
    out_dir: &Path,
    notes: &mut (dyn FnMut(String) + Send),
) -> Result<DemoRun> {
    let started = Instant::now();
    let spec = RunSpec {
        app: app.address,
        workerpool: Some(stack.workerpool()),
        trust,
        params: ParamsInput {
            args: Some(args.to_owned()),
            ..ParamsInput::default()
        },
        ..RunSpec::default()
    };
    let fail = |cause: String| StackError::Demo {
        step: "running the app",
        cause,
    };
    let prepared = run::prepare(requester, market, &spec, &mut |n| tracing::debug!("{n}"))
        .await
        .map_err(|e| fail(e.to_string()))?;
    run::check_stake(requester, &prepared.orders)
        .await
        .map_err(|e| fail(e.to_string()))?;
    let submitted = run::submit(requester, &prepared, &())
        .await
        .map_err(|e| fail(e.to_string()))?;
    let (_, task) = submitted.tasks[0];
    notes(format!(
        "deal {} matched; task {task} runs on the local workerpool",
        submitted.filled.deal_id
    ));
    let view = crate::requester::wait_final(requester, task, TASK_LIMIT).await?;
    if view.status != TaskStatus::Completed {
        return Err(fail(format!("task {task} ended {:?}", view.status)));
    }
    let zip = out_dir.join(format!("{task:#x}.zip"));
    let download_failed = |cause: String| StackError::Demo {
        step: "downloading the result",
        cause,
    };
    let link = poco_types::results::ResultLink::parse(&view.task.results)
        .map_err(|e| download_failed(e.to_string()))?;
    let bytes = ResultsApi::gateway_for_chain(stack.chain())
        .map_err(|e| download_failed(e.to_string()))?
        .download(&link.location)
        .await
        .map_err(|e| download_failed(e.to_string()))?
        .bytes;
    std::fs::write(&zip, &bytes).map_err(StackError::io("writing", &zip))?;
    let result_txt = read_zip_entry(&bytes, "result.txt").unwrap_or_default();
    Ok(DemoRun {
        trust,
        deal: submitted.filled.deal_id,
        task,
        status: view.status,
        workers: view.task.contributors.clone(),
        zip,
        result_txt,
        elapsed: started.elapsed(),
    })
}

async fn stakes(stack: &Stack, roles: &[Role]) -> Result<Vec<(Address, U256)>> {
    let client = stack.client(Role::Admin).await?;
    let mut all = Vec::new();
    for role in roles {
        let address = stack.account(*role).address();
        all.push((address, account::hub_account(&client, address).await?.stake));
    }
    Ok(all)
}

fn signed_diff(after: U256, before: U256) -> i128 {
    let magnitude = |x: U256| i128::try_from(x).unwrap_or(i128::MAX);
    if after >= before {
        magnitude(after - before)
    } else {
        -magnitude(before - after)
    }
}

fn read_zip_entry(zip: &[u8], name: &str) -> Option<String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).ok()?;
    let mut file = archive.by_name(name).ok()?;
    let mut text = String::new();
    std::io::Read::read_to_string(&mut file, &mut text).ok()?;
    Some(text)
}
