-- Indexes shaped like the book's queries (measured with 100,000 open orders: see
-- docs/benchmarks.md). Each list query is a COUNT and a page, both filtered on the kind's
-- OPEN orders by the queried column (own resource, category or requester) and by the
-- restrictions, which default to "unrestricted" (the zero address) as the SDK asks. An index
-- holding those columns as its prefix, then the sort (price, publication, hash), then the other
-- filters (tag, trust, remaining), answers the COUNT from the index alone and reads the page in
-- order, stopping after it: no table lookups but the page's rows, no sort. Request orders sort
-- by price from the highest. Portable SQL, as 0001.

-- Replaced by the longer indexes below (they have them as prefixes).
DROP INDEX orders_app;
DROP INDEX orders_dataset;
DROP INDEX orders_workerpool;
DROP INDEX orders_requester;
DROP INDEX orders_category;

-- Workerpool orders by category: `orderbook workerpool --category`, `app run`.
CREATE INDEX orders_by_category ON orders (chain_id, kind, status, category, app, dataset,
    requester, price, published_at, order_hash, tag, trust, remaining);
-- Sell orders by their resource (app orders by app, dataset orders by dataset, workerpool
-- orders by workerpool): the four party columns, one of them the own resource and the others
-- restrictions, all compared for equality in the usual queries.
CREATE INDEX orders_by_party ON orders (chain_id, kind, status, app, dataset, workerpool,
    requester, price, published_at, order_hash, tag, trust, remaining);
-- Request orders by category and by requester (workerpool restriction next), highest price
-- first.
CREATE INDEX orders_requests_by_category ON orders (chain_id, kind, status, category,
    workerpool, price DESC, published_at, order_hash, tag, trust, remaining);
CREATE INDEX orders_requests_by_requester ON orders (chain_id, kind, status, requester,
    workerpool, price DESC, published_at, order_hash, tag, trust, remaining);
