//! Every lifecycle precondition: initialize, contribute, reveal, reopen, finalize, contributeAndFinalize, claim, resultFor.

use super::*;

#[tokio::test]
async fn initialize_0x01_index_outside_the_deal() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let deal = deal_of(&p, &p.orders().with_volume(2)).await;
    let reason = "iExecV5-initialize-0x01";
    rejected_on(&p, task_id(deal, u(2)), reason, r.initialize(deal, 2)).await;
    let unknown = keccak256("no such deal");
    rejected_on(&p, task_id(unknown, u(0)), reason, r.initialize(unknown, 0)).await;
    // The control: indexes 0 and 1 exist.
    p.initialize(deal, 1).await.expect("index 1 is in the deal");
}

#[tokio::test]
async fn initialize_0x02_already_initialized() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let deal = deal_of(&p, &p.orders()).await;
    let task = p.initialize(deal, 0).await.expect("first initialize");
    rejected_on(&p, task, "iExecV5-initialize-0x02", r.initialize(deal, 0)).await;
}

// ---- contribute

#[tokio::test]
async fn contribute_0x01_task_not_active() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let reason = "iExecV5-contribute-0x01";
    // Never initialized.
    let deal = deal_of(&p, &p.orders()).await;
    let unset = task_id(deal, u(0));
    rejected_on(
        &p,
        unset,
        reason,
        r.contribute(p.worker(0), unset, digest(1)),
    )
    .await;
    // Already in the reveal phase (trust 1: the first contribution is the consensus).
    let task = p.initialize(deal, 0).await.expect("initialized");
    p.contribute(p.worker(0), task, digest(1))
        .await
        .expect("contributes");
    rejected_on(&p, task, reason, r.contribute(p.worker(1), task, digest(1))).await;
}

#[tokio::test]
async fn contribute_0x02_contribution_deadline_passed() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &p.orders()).await;
    p.increase_time(PAST_CONTRIBUTION_DEADLINE).await;
    rejected_on(
        &p,
        task,
        "iExecV5-contribute-0x02",
        r.contribute(p.worker(0), task, digest(1)),
    )
    .await;
}

#[tokio::test]
async fn contribute_0x03_worker_already_contributed() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &p.orders().with_trust(3)).await;
    p.contribute(p.worker(0), task, digest(1))
        .await
        .expect("first contribution");
    rejected_on(
        &p,
        task,
        "iExecV5-contribute-0x03",
        r.contribute(p.worker(0), task, digest(2)),
    )
    .await;
}

#[tokio::test]
async fn contribute_0x04_zero_result_hash_or_seal() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &p.orders()).await;
    let w = p.worker(0).address();
    let reason = "iExecV5-contribute-0x04";
    let mut zero_hash = RawContribution::honest(&p, w, task, digest(1));
    zero_hash.hash = B256::ZERO;
    rejected_on(&p, task, reason, zero_hash.send(&p, &r.hub, w, task)).await;
    let mut zero_seal = RawContribution::honest(&p, w, task, digest(1));
    zero_seal.seal = B256::ZERO;
    rejected_on(&p, task, reason, zero_seal.send(&p, &r.hub, w, task)).await;
}

#[tokio::test]
async fn contribute_0x05_tee_deal_without_enclave() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &tee_orders(&p)).await;
    rejected_on(
        &p,
        task,
        "iExecV5-contribute-0x05",
        r.contribute(p.worker(0), task, digest(1)),
    )
    .await;
}

#[tokio::test]
async fn contribute_0x06_bad_enclave_signature() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &tee_orders(&p)).await;
    let w = p.worker(0).address();
    let enclave = PrivateKeySigner::random();
    let impostor = PrivateKeySigner::random();
    let mut c = RawContribution::honest(&p, w, task, digest(1));
    c.enclave = enclave.address();
    c.enclave_sign = sign_enclave(&impostor, c.hash, c.seal).expect("signs");
    c.authorization = p.authorize(w, task, enclave.address());
    rejected_on(
        &p,
        task,
        "iExecV5-contribute-0x06",
        c.send(&p, &r.hub, w, task),
    )
    .await;
    // The control: the enclave's own signature goes through.
    p.contribute_tee(p.worker(0), task, digest(1), &enclave)
        .await
        .expect("a TEE contribution signed by its enclave");
}

#[tokio::test]
async fn contribute_0x07_bad_authorization() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &p.orders().with_trust(3)).await;
    let w = p.worker(0);
    let reason = "iExecV5-contribute-0x07";
    // Signed by the worker itself instead of the scheduler.
    let mut c = RawContribution::honest(&p, w.address(), task, digest(1));
    c.authorization =
        poco_types::WorkerpoolAuthorization::sign(w, w.address(), task, Address::ZERO)
            .expect("signs")
            .signature;
    rejected_on(&p, task, reason, c.send(&p, &r.hub, w.address(), task)).await;
    // The scheduler's authorization, but for another worker.
    let mut c = RawContribution::honest(&p, w.address(), task, digest(1));
    c.authorization = p.authorize(p.worker(1).address(), task, Address::ZERO);
    rejected_on(&p, task, reason, c.send(&p, &r.hub, w.address(), task)).await;
    // With a TEE broker set, an enclave contribution needs the broker's authorization.
    let tee_task = task_of(&p, &tee_orders(&p)).await;
    let broker = PrivateKeySigner::random();
    p.send(p.hub.setTeeBroker(broker.address()).from(p.admin()))
        .await
        .expect("the admin sets a TEE broker");
    rejected_on(
        &p,
        tee_task,
        reason,
        r.contribute_tee(w, tee_task, digest(1), &PrivateKeySigner::random()),
    )
    .await;
}

// ---- reveal

#[tokio::test]
async fn reveal_0x01_task_not_revealing() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &p.orders().with_trust(3)).await;
    p.contribute(p.worker(0), task, digest(1))
        .await
        .expect("contributes without reaching consensus");
    rejected_on(
        &p,
        task,
        "iExecV5-reveal-0x01",
        r.reveal(p.worker(0), task, digest(1)),
    )
    .await;
}

#[tokio::test]
async fn reveal_0x02_reveal_deadline_passed() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &p.orders()).await;
    p.contribute(p.worker(0), task, digest(1))
        .await
        .expect("contributes");
    p.increase_time(PAST_REVEAL_DEADLINE).await;
    rejected_on(
        &p,
        task,
        "iExecV5-reveal-0x02",
        r.reveal(p.worker(0), task, digest(1)),
    )
    .await;
}

#[tokio::test]
async fn reveal_0x03_no_contribution() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &p.orders()).await;
    p.contribute(p.worker(0), task, digest(1))
        .await
        .expect("contributes");
    rejected_on(
        &p,
        task,
        "iExecV5-reveal-0x03",
        r.reveal(p.worker(1), task, digest(1)),
    )
    .await;
}

#[tokio::test]
async fn reveal_0x04_contribution_is_not_the_consensus() {
    // Trust 3, fresh workers (weight 2 each): the dissenter first, then three agreeing
    // contributions reach the consensus (group 8 of total 11).
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &p.orders().with_trust(3)).await;
    p.contribute(p.worker(0), task, digest(9))
        .await
        .expect("the dissenter contributes");
    for i in 1..=3 {
        p.contribute(p.worker(i), task, digest(1))
            .await
            .unwrap_or_else(|e| panic!("worker {i} contributes: {e}"));
    }
    assert_eq!(
        p.view_task(task).await.consensusValue,
        result_hash(task, digest(1)),
        "the three agreeing workers made the consensus"
    );
    rejected_on(
        &p,
        task,
        "iExecV5-reveal-0x04",
        r.reveal(p.worker(0), task, digest(9)),
    )
    .await;
}

#[tokio::test]
async fn reveal_0x05_digest_does_not_match_the_hash() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &p.orders()).await;
    p.contribute(p.worker(0), task, digest(1))
        .await
        .expect("contributes");
    rejected_on(
        &p,
        task,
        "iExecV5-reveal-0x05",
        r.reveal(p.worker(0), task, digest(2)),
    )
    .await;
}

#[tokio::test]
async fn reveal_0x06_seal_does_not_match() {
    // The hash is right, the seal was made for another worker.
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &p.orders()).await;
    let w = p.worker(0).address();
    let mut c = RawContribution::honest(&p, w, task, digest(1));
    c.seal = result_seal(p.worker(1).address(), task, digest(1));
    c.send(&p, &p.hub, w, task).await.expect("contributes");
    rejected_on(
        &p,
        task,
        "iExecV5-reveal-0x06",
        r.reveal(p.worker(0), task, digest(1)),
    )
    .await;
}

// ---- reopen

/// A trust-1 task in the reveal phase: worker 0 contributed `digest(1)`.
async fn revealing_task(p: &Protocol) -> B256 {
    let task = task_of(p, &p.orders()).await;
    p.contribute(p.worker(0), task, digest(1))
        .await
        .expect("contributes");
    task
}

#[tokio::test]
async fn reopen_0x00_not_the_scheduler() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = revealing_task(&p).await;
    p.increase_time(PAST_REVEAL_DEADLINE).await;
    for who in [p.requester(), p.worker(0).address(), p.app_owner()] {
        rejected_on(
            &p,
            task,
            "iExecV5-reopen-0x00",
            p.send(r.hub.reopen(task).from(who)),
        )
        .await;
    }
    p.reopen(task).await.expect("the scheduler reopens");
}

#[tokio::test]
async fn reopen_0x01_task_not_revealing() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &p.orders()).await;
    rejected_on(&p, task, "iExecV5-reopen-0x01", r.reopen(task)).await;
}

#[tokio::test]
async fn reopen_0x02_final_deadline_passed() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = revealing_task(&p).await;
    p.increase_time(PAST_FINAL_DEADLINE).await;
    rejected_on(&p, task, "iExecV5-reopen-0x02", r.reopen(task)).await;
}

#[tokio::test]
async fn reopen_0x03_reveal_deadline_not_passed_or_someone_revealed() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let reason = "iExecV5-reopen-0x03";
    let task = revealing_task(&p).await;
    rejected_on(&p, task, reason, r.reopen(task)).await;
    p.reveal(p.worker(0), task, digest(1))
        .await
        .expect("reveals");
    p.increase_time(PAST_REVEAL_DEADLINE).await;
    rejected_on(&p, task, reason, r.reopen(task)).await;
}

// ---- finalize

#[tokio::test]
async fn finalize_0x00_not_the_scheduler() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = revealing_task(&p).await;
    p.reveal(p.worker(0), task, digest(1))
        .await
        .expect("reveals");
    for who in [p.requester(), p.worker(0).address()] {
        let call = r
            .hub
            .finalize(task, Bytes::from_static(b"ipfs://x"), Bytes::new());
        rejected_on(&p, task, "iExecV5-finalize-0x00", p.send(call.from(who))).await;
    }
    p.finalize(task, b"ipfs://x", b"")
        .await
        .expect("the scheduler finalizes");
}

#[tokio::test]
async fn finalize_0x01_task_not_revealing() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &p.orders()).await;
    rejected_on(
        &p,
        task,
        "iExecV5-finalize-0x01",
        r.finalize(task, b"ipfs://x", b""),
    )
    .await;
}

#[tokio::test]
async fn finalize_0x02_final_deadline_passed() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = revealing_task(&p).await;
    p.reveal(p.worker(0), task, digest(1))
        .await
        .expect("reveals");
    p.increase_time(PAST_FINAL_DEADLINE).await;
    rejected_on(
        &p,
        task,
        "iExecV5-finalize-0x02",
        r.finalize(task, b"ipfs://x", b""),
    )
    .await;
}

#[tokio::test]
async fn finalize_0x03_reveals_incomplete() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let reason = "iExecV5-finalize-0x03";
    // Nobody revealed.
    let task = revealing_task(&p).await;
    rejected_on(&p, task, reason, r.finalize(task, b"ipfs://x", b"")).await;

    // Trust 3: two agreeing workers reach the consensus, one of them revealed, the reveal
    // deadline has not passed.
    let task = task_of(&p, &p.orders().with_trust(3)).await;
    for i in 0..2 {
        p.contribute(p.worker(i), task, digest(1))
            .await
            .unwrap_or_else(|e| panic!("worker {i} contributes: {e}"));
    }
    assert_eq!(p.view_task(task).await.winnerCounter, u(2), "two winners");
    p.reveal(p.worker(0), task, digest(1))
        .await
        .expect("reveals");
    rejected_on(&p, task, reason, r.finalize(task, b"ipfs://x", b"")).await;
}

#[tokio::test]
async fn finalize_0x04_bad_results_callback() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let reason = "iExecV5-finalize-0x04";
    // No callback: the callback data must be empty.
    let task = revealing_task(&p).await;
    p.reveal(p.worker(0), task, digest(1))
        .await
        .expect("reveals");
    rejected_on(&p, task, reason, r.finalize(task, b"ipfs://x", b"data")).await;

    // A callback: keccak256 of the data must be the revealed digest.
    let mut o = p.orders();
    o.request.callback = Address::repeat_byte(0xcb);
    let task = task_of(&p, &o).await;
    let data = b"the callback data";
    let callback_digest = keccak256(data);
    p.contribute(p.worker(0), task, callback_digest)
        .await
        .expect("contributes");
    p.reveal(p.worker(0), task, callback_digest)
        .await
        .expect("reveals");
    rejected_on(
        &p,
        task,
        reason,
        r.finalize(task, b"ipfs://x", b"other data"),
    )
    .await;
    rejected_on(&p, task, reason, r.finalize(task, b"ipfs://x", b"")).await;
    p.finalize(task, b"ipfs://x", data)
        .await
        .expect("the right callback data finalizes");
}

// ---- contributeAndFinalize

#[tokio::test]
async fn contribute_and_finalize_0x01_task_not_active() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let reason = "iExecV5-contributeAndFinalize-0x01";
    let deal = deal_of(&p, &p.orders()).await;
    let unset = task_id(deal, u(0));
    rejected_on(
        &p,
        unset,
        reason,
        r.contribute_and_finalize(p.worker(0), unset, digest(1), b"ipfs://x", b""),
    )
    .await;
    let task = p.initialize(deal, 0).await.expect("initialized");
    p.contribute_and_finalize(p.worker(0), task, digest(1), b"ipfs://x", b"")
        .await
        .expect("the fast path completes the task");
    rejected_on(
        &p,
        task,
        reason,
        r.contribute_and_finalize(p.worker(1), task, digest(1), b"ipfs://x", b""),
    )
    .await;
}

#[tokio::test]
async fn contribute_and_finalize_0x02_contribution_deadline_passed() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &p.orders()).await;
    p.increase_time(PAST_CONTRIBUTION_DEADLINE).await;
    rejected_on(
        &p,
        task,
        "iExecV5-contributeAndFinalize-0x02",
        r.contribute_and_finalize(p.worker(0), task, digest(1), b"ipfs://x", b""),
    )
    .await;
}

#[tokio::test]
async fn contribute_and_finalize_0x03_someone_already_contributed() {
    // Trust 1: a contribution reached the consensus, nobody revealed, the scheduler reopened:
    // the task is ACTIVE again but has a contributor.
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = revealing_task(&p).await;
    p.increase_time(PAST_REVEAL_DEADLINE).await;
    p.reopen(task).await.expect("the scheduler reopens");
    rejected_on(
        &p,
        task,
        "iExecV5-contributeAndFinalize-0x03",
        r.contribute_and_finalize(p.worker(1), task, digest(1), b"ipfs://x", b""),
    )
    .await;
}

#[tokio::test]
async fn contribute_and_finalize_0x04_trust_above_1() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &p.orders().with_trust(3)).await;
    rejected_on(
        &p,
        task,
        "iExecV5-contributeAndFinalize-0x04",
        r.contribute_and_finalize(p.worker(0), task, digest(1), b"ipfs://x", b""),
    )
    .await;
}

#[tokio::test]
async fn contribute_and_finalize_0x05_bad_results_callback() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let reason = "iExecV5-contributeAndFinalize-0x05";
    let task = task_of(&p, &p.orders()).await;
    rejected_on(
        &p,
        task,
        reason,
        r.contribute_and_finalize(p.worker(0), task, digest(1), b"ipfs://x", b"data"),
    )
    .await;
    let mut o = p.orders();
    o.request.callback = Address::repeat_byte(0xcb);
    let task = task_of(&p, &o).await;
    rejected_on(
        &p,
        task,
        reason,
        r.contribute_and_finalize(p.worker(0), task, digest(1), b"ipfs://x", b"data"),
    )
    .await;
}

#[tokio::test]
async fn contribute_and_finalize_0x06_tee_deal_without_enclave() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &tee_orders(&p)).await;
    rejected_on(
        &p,
        task,
        "iExecV5-contributeAndFinalize-0x06",
        r.contribute_and_finalize(p.worker(0), task, digest(1), b"ipfs://x", b""),
    )
    .await;
}

#[tokio::test]
async fn contribute_and_finalize_0x07_bad_enclave_signature() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &tee_orders(&p)).await;
    let w = p.worker(0).address();
    let enclave = PrivateKeySigner::random();
    let mut c = RawFastPath::honest(&p, w, task, digest(1));
    c.enclave = enclave.address();
    c.authorization = p.authorize(w, task, enclave.address());
    // Signed by another key over the right message.
    let (hash, seal) = (
        result_hash(task, digest(1)),
        result_seal(w, task, digest(1)),
    );
    c.enclave_sign = sign_enclave(&PrivateKeySigner::random(), hash, seal).expect("signs");
    rejected_on(
        &p,
        task,
        "iExecV5-contributeAndFinalize-0x07",
        c.send(&p, &r.hub, w, task),
    )
    .await;
    // Signed by the enclave over another digest.
    let mut c = RawFastPath::honest(&p, w, task, digest(1));
    c.enclave = enclave.address();
    c.authorization = p.authorize(w, task, enclave.address());
    let (hash, seal) = (
        result_hash(task, digest(2)),
        result_seal(w, task, digest(2)),
    );
    c.enclave_sign = sign_enclave(&enclave, hash, seal).expect("signs");
    rejected_on(
        &p,
        task,
        "iExecV5-contributeAndFinalize-0x07",
        c.send(&p, &r.hub, w, task),
    )
    .await;
}

#[tokio::test]
async fn contribute_and_finalize_0x08_bad_authorization() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let task = task_of(&p, &p.orders()).await;
    let w = p.worker(0);
    let mut c = RawFastPath::honest(&p, w.address(), task, digest(1));
    c.authorization =
        poco_types::WorkerpoolAuthorization::sign(w, w.address(), task, Address::ZERO)
            .expect("signs")
            .signature;
    rejected_on(
        &p,
        task,
        "iExecV5-contributeAndFinalize-0x08",
        c.send(&p, &r.hub, w.address(), task),
    )
    .await;
}

// ---- claim

#[tokio::test]
async fn claim_0x01_task_not_active_or_revealing() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let reason = "iExecV5-claim-0x01";
    let deal = deal_of(&p, &p.orders().with_volume(2)).await;
    let completed = p.initialize(deal, 0).await.expect("initialized");
    p.contribute_and_finalize(p.worker(0), completed, digest(1), b"ipfs://x", b"")
        .await
        .expect("completed");
    p.increase_time(PAST_FINAL_DEADLINE).await;
    // Never initialized (use initializeAndClaimArray for those).
    let unset = task_id(deal, u(1));
    rejected_on(&p, unset, reason, r.claim(unset)).await;
    // Completed.
    rejected_on(&p, completed, reason, r.claim(completed)).await;
}

#[tokio::test]
async fn claim_0x02_final_deadline_not_reached() {
    let p = Protocol::start().await;
    let r = Reverting::new(&p);
    let reason = "iExecV5-claim-0x02";
    let active = task_of(&p, &p.orders()).await;
    rejected_on(&p, active, reason, r.claim(active)).await;
    let revealing = revealing_task(&p).await;
    rejected_on(&p, revealing, reason, r.claim(revealing)).await;
    // The control: after the deadline both are claimable.
    p.increase_time(PAST_FINAL_DEADLINE).await;
    p.claim(active).await.expect("an expired active task");
    p.claim(revealing).await.expect("an expired revealing task");
}

// ---- resultFor

/// `resultFor(task)`, or its decoded revert reason.
async fn result_for(p: &Protocol, task: B256) -> Result<Bytes, String> {
    p.hub.resultFor(task).call().await.map_err(|e| {
        e.as_revert_data()
            .map_or_else(|| e.to_string(), |data| describe_revert(&data))
    })
}

#[tokio::test]
async fn result_for_0x01_task_not_completed() {
    let p = Protocol::start().await;
    let mut o = p.orders();
    o.request.callback = Address::repeat_byte(0xcb);
    let deal = deal_of(&p, &o.with_volume(2)).await;
    let reason = "iExecV5-resultFor-0x01";
    assert_reverted(
        result_for(&p, task_id(deal, u(0))).await,
        reason,
        "resultFor of a task never initialized",
    );
    let task = p.initialize(deal, 0).await.expect("initialized");
    assert_reverted(
        result_for(&p, task).await,
        reason,
        "resultFor of an active task",
    );
    let data = b"callback data";
    p.contribute(p.worker(0), task, keccak256(data))
        .await
        .expect("contributes");
    assert_reverted(
        result_for(&p, task).await,
        reason,
        "resultFor of a revealing task",
    );
    p.reveal(p.worker(0), task, keccak256(data))
        .await
        .expect("reveals");
    p.finalize(task, b"ipfs://x", data)
        .await
        .expect("finalizes");
    assert_eq!(
        result_for(&p, task)
            .await
            .expect("a completed task has a result"),
        Bytes::from_static(data)
    );
}
