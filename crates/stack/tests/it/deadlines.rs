//! Deadlines: a task nobody completes is claimed by the scheduler after its final deadline and
//! the requester is refunded in full; categories with a short maximum run time for tests.

use crate::harness::{APP_PRICE, Env};
use alloy_primitives::U256;
use poco_client::{categories, project::CategoryConf};
use poco_stack::{Role, setup};
use poco_types::TaskStatus;
use std::time::Duration;

/// Creates a category whose maximum run time is `seconds` (as the admin) and publishes the
/// pool's order in it; returns its id.
pub(crate) async fn short_category(env: &Env, seconds: u64) -> u64 {
    let admin = env.client(Role::Admin).await;
    let conf = CategoryConf {
        name: "TEST".to_owned(),
        description: "{}".to_owned(),
        work_clock_time_ref: U256::from(seconds),
    };
    let plan = categories::plan_create(&admin, &conf).await.expect("plan");
    let (id, _) = plan.send(&admin, &()).await.expect("category created");
    let id: u64 = id.try_into().expect("small id");
    let owner = env.client(Role::PoolOwner).await;
    let market =
        poco_client::market::MarketApi::new(&env.stack.record().urls.market, env.stack.chain().id)
            .expect("market");
    setup::publish_pool_order_in(&owner, &market, env.stack.workerpool(), id)
        .await
        .expect("pool order published");
    // The market must have it before a requester looks.
    tokio::time::sleep(Duration::from_millis(300)).await;
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_task_claimed_and_refunded() {
    let Some(env) = Env::start(0).await else {
        return;
    };
    let requester = env.stack.account(Role::Requester).address();
    let owner = env.stack.account(Role::PoolOwner).address();
    let owner_before = env.stake(owner).await;
    let (_deal, tasks) = env.run(1, "never run", 1, 0).await;
    let requester_before_claim = env.stake(requester).await;
    let view = poco_client::deals::task(&env.client(Role::Admin).await, tasks[0], Some(_deal))
        .await
        .expect("task view");
    let timeref: u64 = view.task.timeref.try_into().expect("small");
    let timeref = if timeref == 0 { 300 } else { timeref };
    env.stack
        .increase_time(10 * timeref + 1)
        .await
        .expect("time moves");
    let view = env.wait_final(tasks[0], Duration::from_secs(30)).await;
    assert_eq!(view.status, TaskStatus::Failed, "claimed by the scheduler");
    // Refunded in full: what the match locked comes back.
    assert_eq!(
        env.stake(requester).await,
        requester_before_claim + U256::from(APP_PRICE + setup::POOL_PRICE)
    );
    // The pool owner's 30% stake went to the kitty.
    assert_eq!(
        env.stake(owner).await + U256::from(setup::POOL_PRICE * 30 / 100),
        owner_before
    );
}
