//! The hub's categories: a name, a description and a reference duration
//! (`workClockTimeRef`, seconds) from which the deadlines of a deal's tasks derive. Ids are
//! indices, from 0. Anyone reads them; only the hub's owner creates them, from iexec.json's
//! `category` section.

use crate::{
    client::{Client, rpc},
    error::{ClientError, Result},
    project::CategoryConf,
    tx::{Tx, TxProgress},
};
use alloy_primitives::{Address, B256, U256};
use poco_contracts::{PocoHub, alloy::rpc::types::TransactionRequest};

/// A category.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Category {
    /// Its name ("XS", ...).
    pub name: String,
    /// Its description.
    pub description: String,
    /// The reference duration of a task, in seconds.
    pub work_clock_time_ref: U256,
}

/// How long a task of a category has, from its deal's start: the hub's deadline ratios times
/// the category's `workClockTimeRef`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskTimes {
    /// Until the contribution deadline: the workers' time to run the task and contribute.
    pub contribution: U256,
    /// Until the final deadline: after it, the task can be claimed (refunded).
    pub final_deadline: U256,
}

/// How many categories the hub has.
pub async fn count(client: &Client) -> Result<U256> {
    client
        .hub()
        .countCategory()
        .call()
        .await
        .map_err(|e| rpc("count the categories", e))
}

/// Category `index`; [`ClientError::NoCategory`] when there is none.
pub async fn show(client: &Client, index: U256) -> Result<Category> {
    let total = count(client).await?;
    if index >= total {
        return Err(ClientError::NoCategory {
            index,
            count: total,
            chain: client.chain().name.clone(),
        });
    }
    let category = client
        .hub()
        .viewCategory(index)
        .call()
        .await
        .map_err(|e| rpc(&format!("read category {index}"), e))?;
    Ok(Category {
        name: category.name,
        description: category.description,
        work_clock_time_ref: category.workClockTimeRef,
    })
}

/// The times a task of `category` has, with the hub's deadline ratios.
pub async fn task_times(client: &Client, category: &Category) -> Result<TaskTimes> {
    let hub = client.hub();
    let (contribution, final_ratio) = (
        hub.contribution_deadline_ratio(),
        hub.final_deadline_ratio(),
    );
    let (contribution, final_ratio) = tokio::try_join!(contribution.call(), final_ratio.call())
        .map_err(|e| rpc("read the hub's deadline ratios", e))?;
    let reference = category.work_clock_time_ref;
    Ok(TaskTimes {
        contribution: contribution.saturating_mul(reference),
        final_deadline: final_ratio.saturating_mul(reference),
    })
}

/// A checked category creation, ready to send.
#[derive(Clone, Debug)]
pub struct CreatePlan {
    /// The category.
    pub category: Category,
    /// The index it will get (the current count; another creation first would take it).
    pub index: U256,
    request: TransactionRequest,
}

/// Checks that the wallet is the hub's owner ([`ClientError::NotHubOwner`] otherwise) and that
/// the category has a name and a positive duration. Nothing is sent.
pub async fn plan_create(client: &Client, conf: &CategoryConf) -> Result<CreatePlan> {
    let wallet = client.address()?;
    let hub = client.hub();
    let owner: Address = hub
        .owner()
        .call()
        .await
        .map_err(|e| rpc("read the hub's owner", e))?;
    if owner != wallet {
        return Err(ClientError::NotHubOwner { owner, wallet });
    }
    if conf.name.trim().is_empty() {
        return Err(ClientError::InvalidInput(
            "the category's name is empty: set `category.name` in iexec.json".to_owned(),
        ));
    }
    if conf.work_clock_time_ref.is_zero() {
        return Err(ClientError::InvalidInput(
            "the category's workClockTimeRef is 0: its tasks would have no time at all (their \
             deadlines derive from it); set `category.workClockTimeRef` in iexec.json to the \
             reference duration of a task, in seconds"
                .to_owned(),
        ));
    }
    let index = count(client).await?;
    let request = hub
        .createCategory(
            conf.name.clone(),
            conf.description.clone(),
            conf.work_clock_time_ref,
        )
        .into_transaction_request();
    Ok(CreatePlan {
        category: Category {
            name: conf.name.clone(),
            description: conf.description.clone(),
            work_clock_time_ref: conf.work_clock_time_ref,
        },
        index,
        request,
    })
}

impl CreatePlan {
    /// Creates the category (simulated first: a revert is explained and nothing is sent).
    /// Returns its index, from the `CreateCategory` event, and the transaction hash.
    pub async fn send(&self, client: &Client, progress: &dyn TxProgress) -> Result<(U256, B256)> {
        let what = format!("create category \"{}\"", self.category.name);
        let receipt = client
            .send(Tx::new(what.clone(), self.request.clone()), progress)
            .await?;
        let index = receipt
            .logs()
            .iter()
            .filter(|log| log.address() == client.hub_address())
            .find_map(|log| log.log_decode::<PocoHub::CreateCategory>().ok())
            .map(|event| event.inner.data.catid)
            .ok_or_else(|| {
                rpc(
                    &what,
                    format!(
                        "transaction {} was mined but the hub logged no CreateCategory",
                        receipt.transaction_hash
                    ),
                )
            })?;
        Ok((index, receipt.transaction_hash))
    }
}
