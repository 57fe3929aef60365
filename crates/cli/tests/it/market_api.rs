//! poco-client's `MarketApi` against a real market, as `app run` will use it: publishing with
//! a wallet's key, one order, the market's refusals as typed errors, and the deals its chain
//! watcher records.

use crate::{
    fixture::{POOL_OWNER, REQUESTER, block_on},
    market::Book,
};
use poco_client::{
    ClientError,
    market::{DealFilter, MarketApi, OrderbookFilter, Unpublish},
    orders::AnySigned,
};
use poco_contracts::{alloy::primitives::B256, dev};
use poco_types::{OrderKind, Signed, WorkerpoolOrder, domain};
use serde_json::json;

/// poco-client's `MarketApi`, as `app run` will use it: one order, errors, deals, and a
/// publish with a wallet's key.
#[test]
fn the_client_api_reads_orders_and_deals() {
    let b = Book::new();
    let api = MarketApi::new(&b.market.url, 31337).expect("a market URL");
    let owner = b.stack.signer(POOL_OWNER).clone();
    let order = WorkerpoolOrder {
        workerpool: b.pool,
        workerpoolprice: 4u64.try_into().expect("small"),
        volume: 3u64.try_into().expect("small"),
        salt: B256::repeat_byte(1),
        ..Default::default()
    };
    let signed = Signed::sign(order, &domain(31337, dev::HUB), &owner).expect("signs");
    let deal = b.stack.deal(1, 1);
    block_on(async {
        assert!(!api.version().await.expect("a version").is_empty());
        let published = api
            .publish(&owner, &AnySigned::Workerpool(signed.clone()))
            .await
            .expect("published");
        assert_eq!(published.status, "OPEN");
        assert_eq!(published.remaining, 3);
        assert_eq!(published.signer, owner.address());
        let read = api
            .order(OrderKind::Workerpool, published.order_hash)
            .await
            .expect("found");
        assert_eq!(read.order, AnySigned::Workerpool(signed));
        let book = api
            .orderbook(OrderKind::Workerpool, &OrderbookFilter::default())
            .await
            .expect("a page");
        assert_eq!((book.count, book.orders.len()), (1, 1));
        // An unknown order: the market's 404, in its words.
        let error = api
            .order(OrderKind::Workerpool, deal.id)
            .await
            .expect_err("no such order");
        assert!(
            matches!(error, ClientError::MarketRefused { status: 404, .. }),
            "{error:?}"
        );
        // Someone else cannot unpublish it; its owner can.
        let other = b.stack.signer(REQUESTER).clone();
        let error = api
            .unpublish(
                &other,
                OrderKind::Workerpool,
                Unpublish::Hash(published.order_hash),
            )
            .await
            .expect_err("not the signer");
        assert!(
            matches!(error, ClientError::MarketRefused { status: 403, .. }),
            "{error:?}"
        );
        let gone = api
            .unpublish(&owner, OrderKind::Workerpool, Unpublish::All(b.pool))
            .await
            .expect("unpublished");
        assert_eq!(gone, [published.order_hash]);
        // The deal the chain made shows once the market's watcher has seen it.
        let filter = DealFilter {
            requester: Some(b.stack.address(REQUESTER)),
            ..Default::default()
        };
        let mut deals = api.deals(&filter).await.expect("a page of deals");
        for _ in 0..100 {
            if deals.count > 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            deals = api.deals(&filter).await.expect("a page of deals");
        }
        assert_eq!(deals.count, 1, "the watcher records the deal");
        assert_eq!(deals.deals[0]["dealid"], json!(deal.id));
        let one = api.deal(deal.id).await.expect("the deal");
        assert_eq!(one["dealid"], json!(deal.id));
        assert!(one.get("ok").is_none());
    });
}
