//! The transaction queue on a dev chain: concurrent callers, one nonce each, reverts explained
//! and not sent, stop.

use crate::common::{Chain, rlc_transfer};
use poco_client::{ClientError, Tx};
use poco_service::{ServiceError, TxQueue};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_get_their_own_receipts_in_nonce_order() {
    let chain = Chain::start().await;
    let client = chain.client(Some(1)).await;
    let queue = TxQueue::start(client.clone()).expect("a wallet");
    assert_eq!(queue.address(), chain.address(1));
    let before = chain.nonce(chain.address(1)).await;

    let mut calls = Vec::new();
    for i in 0..6u64 {
        let tx = rlc_transfer(&client, chain.address(5), 1000 + i).await;
        let queue = queue.clone();
        calls.push(tokio::spawn(async move { (i, queue.send(tx).await) }));
    }
    let mut blocks = Vec::new();
    for call in calls {
        let (i, receipt) = call.await.expect("the task ends");
        let receipt = receipt.unwrap_or_else(|e| panic!("transfer {i}: {e}"));
        assert!(receipt.status());
        blocks.push(receipt.block_number.expect("mined"));
    }
    assert_eq!(chain.nonce(chain.address(1)).await, before + 6);
    blocks.sort_unstable();
    blocks.dedup();
    assert_eq!(blocks.len(), 6, "one transaction per block, none replaced");
    queue.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revert_is_explained_and_nothing_is_sent() {
    let chain = Chain::start().await;
    let client = chain.client(Some(2)).await;
    let queue = TxQueue::start(client.clone()).expect("a wallet");
    let before = chain.nonce(chain.address(2)).await;
    // Withdrawing from an empty hub account reverts.
    let request = client
        .hub()
        .withdraw(alloy_primitives::U256::from(1_000_000u64))
        .into_transaction_request();
    let e = queue
        .send(Tx::new("withdraw 0.001 RLC", request))
        .await
        .expect_err("reverts");
    assert!(e.is_revert(), "{e}");
    assert!(
        matches!(e.client(), Some(ClientError::Reverted { mined: false, .. })),
        "{e:?}"
    );
    assert_eq!(
        chain.nonce(chain.address(2)).await,
        before,
        "nothing was sent"
    );

    // The queue goes on after a revert.
    let tx = rlc_transfer(&client, chain.address(5), 1).await;
    queue.send(tx).await.expect("mined");
    assert_eq!(chain.nonce(chain.address(2)).await, before + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopped_queues_refuse_and_read_only_clients_are_refused() {
    let chain = Chain::start().await;
    assert!(matches!(
        TxQueue::start(chain.client(None).await),
        Err(ServiceError::NoWallet(_))
    ));
    let client = chain.client(Some(3)).await;
    let queue = TxQueue::start(client.clone()).expect("a wallet");
    let clone = queue.clone();
    queue.stop().await;
    let tx = rlc_transfer(&client, chain.address(5), 1).await;
    let e = clone.send(tx).await.expect_err("stopped");
    assert!(
        matches!(e, ServiceError::QueueStopped(a) if a == chain.address(3)),
        "{e}"
    );
}
