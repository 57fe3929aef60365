-- The order book, the challenges and the deals. Portable SQL: it runs unchanged on SQLite
-- and PostgreSQL (BIGINT and TEXT columns only, no autoincrement, no booleans, no JSON type).

-- One table for the four kinds. `app`, `dataset`, `workerpool` and `requester` hold, for each
-- kind, the order's own resource or its restriction on that party (the zero address when
-- unrestricted); amounts are nRLC and fit BIGINT (publishing refuses larger ones).
CREATE TABLE orders (
    chain_id BIGINT NOT NULL,
    order_hash TEXT NOT NULL,
    kind TEXT NOT NULL,
    order_json TEXT NOT NULL,
    signer TEXT NOT NULL,
    status TEXT NOT NULL,
    volume BIGINT NOT NULL,
    remaining BIGINT NOT NULL,
    published_at BIGINT NOT NULL,
    price BIGINT NOT NULL,
    tag BIGINT NOT NULL,
    category BIGINT NOT NULL,
    trust BIGINT NOT NULL,
    app TEXT NOT NULL,
    dataset TEXT NOT NULL,
    workerpool TEXT NOT NULL,
    requester TEXT NOT NULL,
    beneficiary TEXT NOT NULL,
    PRIMARY KEY (chain_id, order_hash)
);

-- The book's sort (price, then publication time, then hash) within a kind's OPEN orders.
CREATE INDEX orders_book ON orders (chain_id, kind, status, price, published_at, order_hash);
-- The filters by resource, restriction, owner and category.
CREATE INDEX orders_app ON orders (chain_id, kind, status, app);
CREATE INDEX orders_dataset ON orders (chain_id, kind, status, dataset);
CREATE INDEX orders_workerpool ON orders (chain_id, kind, status, workerpool);
CREATE INDEX orders_requester ON orders (chain_id, kind, status, requester);
CREATE INDEX orders_signer ON orders (chain_id, signer, status, published_at);
CREATE INDEX orders_category ON orders (chain_id, kind, status, category, price);

-- Authentication challenges: single use (deleted when used), valid until `expires_at` (ms).
CREATE TABLE challenges (
    hash TEXT NOT NULL PRIMARY KEY,
    chain_id BIGINT NOT NULL,
    address TEXT NOT NULL,
    challenge TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX challenges_expiry ON challenges (expires_at);

-- Deals, from the hub's OrdersMatched events (filled by the chain watcher).
CREATE TABLE deals (
    chain_id BIGINT NOT NULL,
    deal_id TEXT NOT NULL,
    app TEXT NOT NULL,
    dataset TEXT NOT NULL,
    workerpool TEXT NOT NULL,
    requester TEXT NOT NULL,
    beneficiary TEXT NOT NULL,
    category BIGINT NOT NULL,
    apporder_hash TEXT NOT NULL,
    datasetorder_hash TEXT NOT NULL,
    workerpoolorder_hash TEXT NOT NULL,
    requestorder_hash TEXT NOT NULL,
    volume BIGINT NOT NULL,
    block_number BIGINT NOT NULL,
    block_timestamp BIGINT NOT NULL,
    transaction_hash TEXT NOT NULL,
    deal_json TEXT NOT NULL,
    PRIMARY KEY (chain_id, deal_id)
);
CREATE INDEX deals_requester ON deals (chain_id, requester, block_number);
CREATE INDEX deals_app ON deals (chain_id, app, block_number);
CREATE INDEX deals_workerpool ON deals (chain_id, workerpool, block_number);

-- Where the chain watcher resumes: the last block it processed, per chain.
CREATE TABLE watcher (
    chain_id BIGINT NOT NULL PRIMARY KEY,
    last_block BIGINT NOT NULL
);
