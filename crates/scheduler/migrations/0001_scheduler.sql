-- The scheduler's state (design §5): the deals of its workerpool, their tasks as the scheduler
-- drives them (with a mirror of what the chain says), the workers, their replicates and the
-- histories the task view shows. Portable SQL: BIGINT and TEXT only, no booleans (0/1), no
-- autoincrement; addresses and ids lowercase 0x hex; chain times in seconds, other times in
-- milliseconds.

-- jwt_secret, chain_id, hub, workerpool (a database of another pool is refused).
CREATE TABLE settings (
    key TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);

-- The log follower's position (poco_service::follow): the last block applied.
CREATE TABLE follower (
    chain_id BIGINT NOT NULL PRIMARY KEY,
    last_block BIGINT NOT NULL
);

-- The deals noticed (SchedulerNotice of our workerpool). `skipped` says why a deal is left
-- alone ('' when it is ours to run).
CREATE TABLE deals (
    deal_id TEXT NOT NULL PRIMARY KEY,
    app TEXT NOT NULL,
    dataset TEXT NOT NULL,
    requester TEXT NOT NULL,
    callback TEXT NOT NULL,
    params TEXT NOT NULL,
    tag TEXT NOT NULL,
    category BIGINT NOT NULL,
    trust BIGINT NOT NULL,
    bot_first BIGINT NOT NULL,
    bot_size BIGINT NOT NULL,
    start_time BIGINT NOT NULL,
    timeref BIGINT NOT NULL,
    contribution_deadline BIGINT NOT NULL,
    final_deadline BIGINT NOT NULL,
    workerpool_price BIGINT NOT NULL,
    worker_stake BIGINT NOT NULL,
    pool_owner TEXT NOT NULL,
    skipped TEXT NOT NULL,
    block_number BIGINT NOT NULL
);

-- One row per task of our deals. `status` is the scheduler's (iExec core's names); the
-- chain_* columns mirror viewTask as read at block `chain_block` (a read at an older block
-- never overwrites a newer one). `contributions_json` lists the on-chain contributions in
-- order: [{"worker","hash","status"}].
CREATE TABLE tasks (
    task_id TEXT NOT NULL PRIMARY KEY,
    deal_id TEXT NOT NULL,
    idx BIGINT NOT NULL,
    status TEXT NOT NULL,
    chain_status BIGINT NOT NULL,
    chain_block BIGINT NOT NULL,
    consensus TEXT NOT NULL,
    reveal_deadline BIGINT NOT NULL,
    reveal_counter BIGINT NOT NULL,
    winner_counter BIGINT NOT NULL,
    result_digest TEXT NOT NULL,
    contributions_json TEXT NOT NULL,
    uploader TEXT NOT NULL,
    uploader_since_ms BIGINT NOT NULL,
    result_link TEXT NOT NULL,
    callback_data TEXT NOT NULL,
    status_since_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);
CREATE INDEX tasks_status ON tasks (status, deal_id, idx);
CREATE INDEX tasks_deal ON tasks (deal_id, idx);

CREATE TABLE task_history (
    task_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    status TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    PRIMARY KEY (task_id, seq)
);

-- Registered workers. `model_json` is the WorkerModel they registered with.
CREATE TABLE workers (
    wallet TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    model_json TEXT NOT NULL,
    max_tasks BIGINT NOT NULL,
    gpu BIGINT NOT NULL,
    tee BIGINT NOT NULL,
    last_alive_ms BIGINT NOT NULL,
    lost BIGINT NOT NULL,
    score BIGINT NOT NULL
);

-- A worker's copy of a task: at most one per (task, worker), ever. `chain_contribution` is
-- the worker's viewContribution status (0 UNSET, 1 CONTRIBUTED, 2 PROVED, 3 REJECTED);
-- `before_lost` the status a replicate had when its worker was declared lost.
CREATE TABLE replicates (
    task_id TEXT NOT NULL,
    worker TEXT NOT NULL,
    status TEXT NOT NULL,
    before_lost TEXT NOT NULL,
    chain_contribution BIGINT NOT NULL,
    contribution_hash TEXT NOT NULL,
    result_link TEXT NOT NULL,
    callback_data TEXT NOT NULL,
    exit_code BIGINT,
    upload_failures BIGINT NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    PRIMARY KEY (task_id, worker)
);
CREATE INDEX replicates_worker ON replicates (worker, status);

CREATE TABLE replicate_history (
    task_id TEXT NOT NULL,
    worker TEXT NOT NULL,
    seq BIGINT NOT NULL,
    status TEXT NOT NULL,
    modifier TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    details_json TEXT NOT NULL,
    PRIMARY KEY (task_id, worker, seq)
);

CREATE TABLE compute_logs (
    task_id TEXT NOT NULL,
    worker TEXT NOT NULL,
    stdout TEXT NOT NULL,
    stderr TEXT NOT NULL,
    PRIMARY KEY (task_id, worker)
);

-- Single-use challenges. kind: login (id = wallet) | logs (id = the EIP-712 hash).
CREATE TABLE challenges (
    id TEXT NOT NULL PRIMARY KEY,
    kind TEXT NOT NULL,
    address TEXT NOT NULL,
    challenge TEXT NOT NULL,
    expires_ms BIGINT NOT NULL
);
