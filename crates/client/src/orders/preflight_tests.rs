//! Unit tests of the preflight's rules and of the words shared with the revert explainer.

use super::*;
use crate::explain::match_orders::{describe, explain, explain_with};
use crate::orders::OrderSet;
use poco_contracts::{
    PocoHub,
    alloy::sol_types::{Revert, SolError},
};
use poco_types::{AppOrder, DatasetOrder, RequestOrder, Signed, Tag, WorkerpoolOrder};

const APP: Address = Address::repeat_byte(0xa1);
const DATASET: Address = Address::repeat_byte(0xd1);
const POOL: Address = Address::repeat_byte(0xb1);
const REQUESTER: Address = Address::repeat_byte(0x0e);
const POOL_OWNER: Address = Address::repeat_byte(0x04);

fn n(v: u64) -> U256 {
    U256::from(v)
}

/// A matching set: app 10, pool 20, volume 1 each, category 0, trust 0.
fn orders() -> OrderSet {
    OrderSet {
        app: Signed::unsigned(AppOrder {
            app: APP,
            appprice: n(10),
            volume: n(1),
            ..Default::default()
        }),
        dataset: None,
        workerpool: Signed::unsigned(WorkerpoolOrder {
            workerpool: POOL,
            workerpoolprice: n(20),
            volume: n(1),
            ..Default::default()
        }),
        request: Signed::unsigned(RequestOrder {
            app: APP,
            appmaxprice: n(10),
            workerpoolmaxprice: n(20),
            requester: REQUESTER,
            volume: n(1),
            ..Default::default()
        }),
    }
}

fn order_facts(byte: u8, owner: Address) -> OrderFacts {
    OrderFacts {
        hash: B256::repeat_byte(byte),
        owner: Some(owner),
        signed: true,
        consumed: U256::ZERO,
        state: OrderState::Open,
    }
}

/// Facts under which [`orders`] match: everyone registered and signed, stakes enough.
fn facts() -> ChainFacts {
    ChainFacts {
        sender: REQUESTER,
        category_count: n(5),
        app: order_facts(1, Address::repeat_byte(0x02)),
        dataset: None,
        workerpool: order_facts(3, POOL_OWNER),
        request: order_facts(4, REQUESTER),
        group_restrictions: Vec::new(),
        requester_stake: n(1_000),
        pool_owner_stake: n(1_000),
        stake_ratio: n(30),
        volume: n(1),
    }
}

fn words(o: &OrderSet, f: &ChainFacts) -> String {
    describe(&check(o, f).expect_err("a problem"), o, Some(f))
}

#[test]
fn matching_orders_give_the_plan() {
    let plan = check(&orders(), &facts()).expect("they match");
    assert_eq!(
        plan,
        Plan {
            volume: n(1),
            price_per_task: n(30),
            total: n(30),
            pool_stake: n(6),
        }
    );
}

#[test]
fn price_above_the_max_reads_with_the_values() {
    let mut o = orders();
    o.request.order.appmaxprice = n(5);
    assert_eq!(check(&o, &facts()), Err(Problem::Code(0x03)));
    assert_eq!(
        words(&o, &facts()),
        "the app costs 10 nRLC, above your maximum of 5 nRLC (appmaxprice in the request order)"
    );
    // The chain's revert says the same, as ABI data or as the bare reason.
    let data = Revert::from("iExecV5-matchOrders-0x03").abi_encode();
    assert_eq!(explain(&data, &o), Some(words(&o, &facts())));
    assert_eq!(
        explain(b"iExecV5-matchOrders-0x03", &o),
        Some(words(&o, &facts()))
    );
    let mut o = orders();
    o.request.order.workerpoolmaxprice = n(19);
    assert!(
        words(&o, &facts())
            .starts_with("the workerpool costs 20 nRLC, above your maximum of 19 nRLC")
    );
}

#[test]
fn an_empty_hub_account_says_to_deposit_what_is_missing() {
    let o = orders();
    let mut f = facts();
    f.requester_stake = U256::ZERO;
    assert_eq!(
        words(&o, &f),
        "your hub account has 0 nRLC available and this deal needs 30 nRLC (price 30 nRLC × \
         volume 1): the RLC in your wallet is not used directly; run `poco account deposit 30`"
    );
    f.requester_stake = n(25);
    assert!(words(&o, &f).ends_with("run `poco account deposit 5`"));
    // The hub's custom error reads the same.
    let data = PocoHub::InsufficientStake {
        account: REQUESTER,
        available: U256::ZERO,
        needed: n(30),
    }
    .abi_encode();
    f.requester_stake = U256::ZERO;
    assert_eq!(explain_with(&data, &o, Some(&f)), Some(words(&o, &f)));
    assert!(
        explain(&data, &o)
            .expect("explained")
            .contains("(price 30 nRLC × volume 1)")
    );
}

#[test]
fn the_pool_owner_must_cover_its_stake() {
    let o = orders();
    let mut f = facts();
    f.pool_owner_stake = n(5);
    let problem = check(&o, &f).expect_err("short of 1");
    assert_eq!(
        problem,
        Problem::PoolOwnerStake {
            owner: POOL_OWNER,
            available: n(5),
            needed: n(6),
        }
    );
    let text = describe(&problem, &o, Some(&f));
    assert!(
        text.contains("30% of the workerpool price 20 nRLC"),
        "{text}"
    );
    assert!(text.contains("`poco account deposit 1`"), "{text}");
    // An owner requesting from its own pool needs both locks from one account.
    let mut o = orders();
    o.request.order.requester = POOL_OWNER;
    let mut f = facts();
    f.requester_stake = n(31);
    assert_eq!(
        check(&o, &f),
        Err(Problem::PoolOwnerStake {
            owner: POOL_OWNER,
            available: n(1),
            needed: n(6),
        })
    );
}

#[test]
fn market_rules_in_the_hubs_order() {
    let f = facts();
    let case = |edit: &dyn Fn(&mut OrderSet), code: u8| {
        let mut o = orders();
        edit(&mut o);
        assert_eq!(check(&o, &f), Err(Problem::Code(code)), "0x{code:02x}");
        let text = words(&o, &f);
        assert!(!text.contains("iExecV5"), "0x{code:02x} has words: {text}");
    };
    case(&|o| o.request.order.category = n(1), 0x00);
    case(
        &|o| {
            o.request.order.category = n(9);
            o.workerpool.order.category = n(9);
        },
        0x01,
    );
    case(&|o| o.request.order.trust = n(3), 0x02);
    case(&|o| o.request.order.tag = Tag::GPU.0, 0x06);
    case(
        &|o| {
            o.request.order.tag = Tag::TEE.0;
            o.workerpool.order.tag = Tag::TEE.0;
        },
        0x07,
    );
    case(&|o| o.request.order.app = Address::repeat_byte(9), 0x10);
    case(&|o| o.request.order.dataset = DATASET, 0x11);
    case(
        &|o| o.request.order.workerpool = Address::repeat_byte(9),
        0x12,
    );
    case(
        &|o| o.app.order.workerpoolrestrict = Address::repeat_byte(9),
        0x14,
    );
    case(
        &|o| o.app.order.requesterrestrict = Address::repeat_byte(9),
        0x15,
    );
    case(
        &|o| o.workerpool.order.apprestrict = Address::repeat_byte(9),
        0x19,
    );
    case(
        &|o| o.workerpool.order.requesterrestrict = Address::repeat_byte(9),
        0x1b,
    );

    let mut o = orders();
    o.request.order.tag = Tag::GPU.0;
    assert!(words(&o, &f).contains("does not offer `gpu`"));
    let mut o = orders();
    o.app.order.requesterrestrict = Address::repeat_byte(9);
    assert_eq!(
        words(&o, &f),
        format!(
            "the app order is restricted to requester {} (requesterrestrict in the app order), \
             and this deal has requester {REQUESTER}: use orders that agree, or an order without \
             this restriction",
            Address::repeat_byte(9)
        )
    );
    // A group (contract) restriction is left to the chain.
    let mut g = facts();
    g.group_restrictions.push(Address::repeat_byte(9));
    assert!(check(&o, &g).is_ok());
}

#[test]
fn owners_signatures_and_volumes() {
    let o = orders();
    let mut f = facts();
    f.app.owner = None;
    assert_eq!(check(&o, &f), Err(Problem::Code(0x20)));
    assert!(words(&o, &f).contains(&format!("no app is registered at {APP}")));
    let mut f = facts();
    f.app.signed = false;
    assert_eq!(check(&o, &f), Err(Problem::Code(0x21)));
    assert!(words(&o, &f).contains(&format!("current owner ({})", Address::repeat_byte(2))));
    let mut f = facts();
    f.workerpool.owner = None;
    assert_eq!(check(&o, &f), Err(Problem::Code(0x40)));
    let mut f = facts();
    f.request.signed = false;
    assert_eq!(check(&o, &f), Err(Problem::Code(0x50)));

    let mut f = facts();
    f.app.consumed = n(1);
    f.app.state = OrderState::Cancelled;
    f.volume = U256::ZERO;
    assert_eq!(check(&o, &f), Err(Problem::Code(0x60)));
    let text = words(&o, &f);
    assert!(
        text.starts_with(&format!(
            "the app order {} was cancelled",
            B256::repeat_byte(1)
        )),
        "{text}"
    );
    f.app.state = OrderState::Filled;
    assert!(words(&o, &f).contains("is fully filled (1 of 1 used)"));
}

#[test]
fn a_dataset_is_checked_when_there_is_one() {
    let mut o = orders();
    o.dataset = Some(Signed::unsigned(DatasetOrder {
        dataset: DATASET,
        datasetprice: n(4),
        volume: n(1),
        apprestrict: Address::repeat_byte(9),
        ..Default::default()
    }));
    o.request.order.dataset = DATASET;
    o.request.order.datasetmaxprice = n(4);
    let mut f = facts();
    f.dataset = Some(order_facts(2, Address::repeat_byte(3)));
    assert_eq!(check(&o, &f), Err(Problem::Code(0x16)));
    o.dataset.as_mut().expect("set").order.apprestrict = APP;
    o.request.order.datasetmaxprice = n(3);
    assert_eq!(
        words(&o, &f),
        "the dataset costs 4 nRLC, above your maximum of 3 nRLC (datasetmaxprice in the request \
         order)"
    );
    o.request.order.datasetmaxprice = n(4);
    let plan = check(&o, &f).expect("they match");
    assert_eq!(plan.price_per_task, n(34));
    f.dataset.as_mut().expect("set").signed = false;
    assert_eq!(check(&o, &f), Err(Problem::Code(0x31)));
}

#[test]
fn other_reverts_are_left_to_the_general_explainer() {
    let o = orders();
    assert_eq!(
        explain(&Revert::from("iExecV5-claim-0x01").abi_encode(), &o),
        None
    );
    assert_eq!(explain(&[], &o), None);
}
