-- The worker's state (design §5): what it was made for (settings), each replicate it was given
-- with what a restart needs to finish or give it back (authorization, description from the
-- chain, result digest/hash/seal written before contributing, link, last transaction), and the
-- status updates not yet acknowledged by the scheduler, sent in order. Portable SQL: BIGINT and
-- TEXT only; ids and addresses lowercase 0x hex; times in milliseconds.
CREATE TABLE settings (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE replicates (
  task_id TEXT NOT NULL PRIMARY KEY,
  deal_id TEXT NOT NULL,
  idx BIGINT NOT NULL,
  status TEXT NOT NULL,
  authorization_json TEXT NOT NULL,
  description_json TEXT NOT NULL,
  container_id TEXT NOT NULL,
  result_digest TEXT NOT NULL,
  result_hash TEXT NOT NULL,
  result_seal TEXT NOT NULL,
  callback_data TEXT NOT NULL,
  exit_code BIGINT,
  cause TEXT NOT NULL,
  result_link TEXT NOT NULL,
  tx_hash TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL
);
CREATE INDEX replicates_status ON replicates (status);

CREATE TABLE outbox (
  task_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  update_json TEXT NOT NULL,
  PRIMARY KEY (task_id, seq)
);
