-- Poco result storage (design docs/design/execution.md §5). Portable SQL: BIGINT and TEXT only.
CREATE TABLE settings (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL);
-- One result per task. cid: the zip's CIDv1 (bafkrei…), its blob at store key ipfs/<cid>;
-- uploader: lowercase 0x address; result_digest: the on-chain digest the zip was checked
-- against, '' when it could not be yet (trust 1 before contributeAndFinalize); confirmed: 1 once
-- the content is known to be the task's result, 0 for an upload the sweeper re-checks after the
-- final deadline (chain seconds).
CREATE TABLE results (task_id TEXT NOT NULL PRIMARY KEY, cid TEXT NOT NULL, uploader TEXT NOT NULL,
  size BIGINT NOT NULL, result_digest TEXT NOT NULL, trust BIGINT NOT NULL,
  final_deadline BIGINT NOT NULL, uploaded_ms BIGINT NOT NULL, confirmed BIGINT NOT NULL);
CREATE INDEX results_cid ON results (cid);
CREATE INDEX results_unconfirmed ON results (confirmed, final_deadline);
