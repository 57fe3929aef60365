-- What the chain watcher keeps besides the order book: the hub's categories, and the deal
-- columns the /deals filters and sort need. Portable SQL, as 0001.

-- The hub's categories (immutable once created): synced from countCategory on start, then
-- from CreateCategory events.
CREATE TABLE categories (
    chain_id BIGINT NOT NULL,
    catid BIGINT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    work_clock_time_ref BIGINT NOT NULL,
    PRIMARY KEY (chain_id, catid)
);

-- Deals: the position of the OrdersMatched log in its block (newest first is block, then
-- log index, descending) and the resources' owners at the deal (the *Owner filters).
ALTER TABLE deals ADD COLUMN log_index BIGINT NOT NULL DEFAULT 0;
ALTER TABLE deals ADD COLUMN app_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE deals ADD COLUMN dataset_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE deals ADD COLUMN workerpool_owner TEXT NOT NULL DEFAULT '';

CREATE INDEX deals_newest ON deals (chain_id, block_number, log_index);
CREATE INDEX deals_dataset ON deals (chain_id, dataset, block_number);
CREATE INDEX deals_beneficiary ON deals (chain_id, beneficiary, block_number);
CREATE INDEX deals_category ON deals (chain_id, category, block_number);
CREATE INDEX deals_app_owner ON deals (chain_id, app_owner, block_number);
CREATE INDEX deals_dataset_owner ON deals (chain_id, dataset_owner, block_number);
CREATE INDEX deals_workerpool_owner ON deals (chain_id, workerpool_owner, block_number);
CREATE INDEX deals_apporder ON deals (chain_id, apporder_hash);
CREATE INDEX deals_datasetorder ON deals (chain_id, datasetorder_hash);
CREATE INDEX deals_workerpoolorder ON deals (chain_id, workerpoolorder_hash);
CREATE INDEX deals_requestorder ON deals (chain_id, requestorder_hash);
