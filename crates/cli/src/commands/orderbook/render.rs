//! How order books print. People get a trading screen: one aligned row per order in the
//! market's order (cheapest first; request orders highest price first) with its hash, price,
//! resource, category, volume left and publication time, under a line with the count. Scripts
//! get the iExec SDK's `--raw` object: `{count, appOrders | datasetOrders | workerpoolOrders |
//! requestOrders: [...]}` with the fields the SDK picks from each order, as the market sent
//! them.

use poco_client::market::{OrderbookFilter, OrderbookPage, PartyFilter, PublishedOrder};
use poco_contracts::alloy::primitives::Address;
use poco_contracts::alloy::primitives::U256;
use poco_types::OrderKind;
use serde_json::{Value, json};
use std::fmt::Write as _;

/// The SDK's `--raw` object.
pub(super) fn raw(kind: OrderKind, page: &OrderbookPage) -> Value {
    let key = match kind {
        OrderKind::App => "appOrders",
        OrderKind::Dataset => "datasetOrders",
        OrderKind::Workerpool => "workerpoolOrders",
        OrderKind::Request => "requestOrders",
    };
    let orders: Vec<Value> = page.orders.iter().map(|o| sdk_entry(kind, o)).collect();
    json!({ "count": page.count, key: orders })
}

/// One order as the SDK's `orderbook` command lists it.
fn sdk_entry(kind: OrderKind, o: &PublishedOrder) -> Value {
    let f = |key: &str| o.field(key);
    let hash = o.order_hash.to_string();
    let remaining = o.json.get("remaining").cloned().unwrap_or(Value::Null);
    match kind {
        OrderKind::App => json!({
            "orderHash": hash, "price": f("appprice"), "remaining": remaining,
            "app": f("app"), "tag": f("tag"), "datasetrestrict": f("datasetrestrict"),
            "workerpoolrestrict": f("workerpoolrestrict"),
            "requesterrestrict": f("requesterrestrict"),
        }),
        OrderKind::Dataset => json!({
            "orderHash": hash, "price": f("datasetprice"), "remaining": remaining,
            "dataset": f("dataset"), "tag": f("tag"), "apprestrict": f("apprestrict"),
            "workerpoolrestrict": f("workerpoolrestrict"),
            "requesterrestrict": f("requesterrestrict"),
        }),
        OrderKind::Workerpool => json!({
            "orderHash": hash, "price": f("workerpoolprice"), "remaining": remaining,
            "category": f("category"), "tag": f("tag"), "trust": f("trust"),
            "workerpool": f("workerpool"), "apprestrict": f("apprestrict"),
            "datasetrestrict": f("datasetrestrict"), "requesterrestrict": f("requesterrestrict"),
        }),
        OrderKind::Request => json!({
            "orderHash": hash, "app": f("app"), "dataset": f("dataset"),
            "workerpool": f("workerpool"), "requester": f("requester"),
            "beneficiary": f("beneficiary"), "category": f("category"), "tag": f("tag"),
            "trust": f("trust"), "price": f("workerpoolmaxprice"), "remaining": remaining,
        }),
    }
}

/// `0x7099…79C8`; `-` for none.
fn short(address: Address) -> String {
    if address == Address::ZERO {
        return "-".to_owned();
    }
    let text = address.to_checksum(None);
    format!("{}…{}", &text[..6], &text[text.len() - 4..])
}

/// `2026-11-22 01:02:03` from the market's ISO 8601 time.
fn time(iso: &str) -> String {
    let text = iso.replacen('T', " ", 1);
    text.split('.')
        .next()
        .unwrap_or(&text)
        .trim_end_matches('Z')
        .to_owned()
}

/// The order's restrictions, `dataset 0x12…, pool 0x34…`, or `-`.
fn restrictions(o: &PublishedOrder) -> String {
    use poco_client::orders::AnySigned;
    let list: Vec<(&str, Address)> = match &o.order {
        AnySigned::App(s) => vec![
            ("dataset", s.order.datasetrestrict),
            ("pool", s.order.workerpoolrestrict),
            ("requester", s.order.requesterrestrict),
        ],
        AnySigned::Dataset(s) => vec![
            ("app", s.order.apprestrict),
            ("pool", s.order.workerpoolrestrict),
            ("requester", s.order.requesterrestrict),
        ],
        AnySigned::Workerpool(s) => vec![
            ("app", s.order.apprestrict),
            ("dataset", s.order.datasetrestrict),
            ("requester", s.order.requesterrestrict),
        ],
        AnySigned::Request(s) => vec![("pool", s.order.workerpool)],
    };
    let set: Vec<String> = list
        .into_iter()
        .filter(|(_, a)| *a != Address::ZERO)
        .map(|(name, a)| format!("{name} {}", short(a)))
        .collect();
    if set.is_empty() {
        "-".to_owned()
    } else {
        set.join(", ")
    }
}

/// The resource of an order: its app, dataset or workerpool; a request's app.
fn resource(o: &PublishedOrder) -> Address {
    use poco_client::orders::AnySigned;
    match &o.order {
        AnySigned::App(s) => s.order.app,
        AnySigned::Dataset(s) => s.order.dataset,
        AnySigned::Workerpool(s) => s.order.workerpool,
        AnySigned::Request(s) => s.order.app,
    }
}

fn tags(o: &PublishedOrder) -> String {
    if o.tag_array.is_empty() {
        "-".to_owned()
    } else {
        o.tag_array.join(",")
    }
}

/// A column: its header, whether it aligns right, its cells.
struct Column {
    header: &'static str,
    right: bool,
    cells: Vec<String>,
}

/// The table of `page`, with a title line.
pub(super) fn table(
    kind: OrderKind,
    chain: &str,
    filter: &OrderbookFilter,
    page: &OrderbookPage,
) -> String {
    let name = poco_client::orders::order_name(kind);
    let scope = scope(filter);
    if page.orders.is_empty() {
        let seller = match kind {
            OrderKind::Request => "poco order publish --request",
            OrderKind::App => "poco app publish",
            OrderKind::Dataset => "poco dataset publish",
            OrderKind::Workerpool => "poco workerpool publish",
        };
        return format!(
            "Empty orderbook: no open {name} on chain {chain}{scope}. Publish one with `{seller}`."
        );
    }
    let orders = &page.orders;
    let cells = |f: &dyn Fn(&PublishedOrder) -> String| orders.iter().map(f).collect::<Vec<_>>();
    let col = |header, right, cells| Column {
        header,
        right,
        cells,
    };
    let mut columns = vec![
        col("ORDER HASH", false, cells(&|o| o.order_hash.to_string())),
        col(
            if kind == OrderKind::Request {
                "MAX PRICE (RLC)"
            } else {
                "PRICE (RLC)"
            },
            true,
            rlc_column(orders),
        ),
    ];
    match kind {
        OrderKind::Workerpool => {
            columns.push(col("WORKERPOOL", false, cells(&|o| short(resource(o)))));
            columns.push(col("CATEGORY", true, cells(&|o| category(o))));
        }
        OrderKind::Request => {
            columns.push(col("APP", false, cells(&|o| short(resource(o)))));
            columns.push(col("CATEGORY", true, cells(&|o| category(o))));
            columns.push(col("REQUESTER", false, cells(&|o| short(o.signer))));
        }
        OrderKind::App => columns.push(col("APP", false, cells(&|o| short(resource(o))))),
        OrderKind::Dataset => {
            columns.push(col("DATASET", false, cells(&|o| short(resource(o)))));
        }
    }
    columns.push(col("REMAINING", true, cells(&|o| o.remaining.to_string())));
    columns.push(col("TAG", false, cells(&tags)));
    columns.push(col("RESTRICTED TO", false, cells(&restrictions)));
    columns.push(col(
        "PUBLISHED (UTC)",
        false,
        cells(&|o| time(&o.publication_timestamp)),
    ));
    let order = if kind == OrderKind::Request {
        "highest price first"
    } else {
        "cheapest first"
    };
    let shown = if (orders.len() as u64) < page.count {
        format!(", the first {} shown", orders.len())
    } else {
        String::new()
    };
    let plural = if page.count == 1 { "" } else { "s" };
    let mut out = format!(
        "{} open {name}{plural} on chain {chain}{scope}, {order}{shown}:\n",
        page.count
    );
    render_columns(&mut out, &columns);
    out
}

/// The prices in RLC with the same number of decimals, so that the points align: `0.5`,
/// `2.0`, `0.000000005` next to `0.000000010`.
fn rlc_column(orders: &[PublishedOrder]) -> Vec<String> {
    let nano = U256::from(1_000_000_000u64);
    let parts: Vec<(String, String)> = orders
        .iter()
        .map(|o| {
            let price = o.price();
            let fraction = format!("{:0>9}", (price % nano).to_string());
            (
                (price / nano).to_string(),
                fraction.trim_end_matches('0').to_owned(),
            )
        })
        .collect();
    let decimals = parts.iter().map(|(_, f)| f.len()).max().unwrap_or(0).max(1);
    parts
        .into_iter()
        .map(|(whole, fraction)| format!("{whole}.{fraction:0<decimals$}"))
        .collect()
}

fn category(o: &PublishedOrder) -> String {
    o.category().map(|c| c.to_string()).unwrap_or_default()
}

/// What the filters narrow the book to, for the title: ` (category 0, workerpool 0x12…)`.
fn scope(filter: &OrderbookFilter) -> String {
    let mut parts = Vec::new();
    if let Some(category) = filter.category {
        parts.push(format!("category {category}"));
    }
    for (name, party) in [
        ("app", filter.app),
        ("dataset", filter.dataset),
        ("workerpool", filter.workerpool),
        ("requester", filter.requester),
    ] {
        if let Some(PartyFilter::Is(address)) = party {
            parts.push(format!("{name} {}", short(address)));
        }
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

/// The columns, aligned, two spaces apart; no trailing spaces.
fn render_columns(out: &mut String, columns: &[Column]) {
    let widths: Vec<usize> = columns
        .iter()
        .map(|c| {
            c.cells
                .iter()
                .map(|cell| cell.chars().count())
                .chain([c.header.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let rows = columns.first().map_or(0, |c| c.cells.len());
    let mut line = |cells: Vec<&str>| {
        let mut text = String::new();
        for ((column, cell), width) in columns.iter().zip(cells).zip(&widths) {
            if !text.is_empty() {
                text.push_str("  ");
            }
            let pad = width.saturating_sub(cell.chars().count());
            if column.right {
                text.push_str(&" ".repeat(pad));
                text.push_str(cell);
            } else {
                text.push_str(cell);
                text.push_str(&" ".repeat(pad));
            }
        }
        let _ = writeln!(out, "{}", text.trim_end());
    };
    line(columns.iter().map(|c| c.header).collect());
    for row in 0..rows {
        line(columns.iter().map(|c| c.cells[row].as_str()).collect());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_and_numbers_go_right() {
        let mut out = String::new();
        render_columns(
            &mut out,
            &[
                Column {
                    header: "NAME",
                    right: false,
                    cells: vec!["a".into(), "long name".into()],
                },
                Column {
                    header: "PRICE",
                    right: true,
                    cells: vec!["1 RLC".into(), "0.25 RLC".into()],
                },
            ],
        );
        assert_eq!(
            out,
            "NAME          PRICE\na             1 RLC\nlong name  0.25 RLC\n"
        );
    }

    #[test]
    fn addresses_and_times_are_shortened() {
        let a: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
            .parse()
            .expect("an address");
        assert_eq!(short(a), "0x7099…79C8");
        assert_eq!(short(Address::ZERO), "-");
        assert_eq!(time("2026-11-22T01:02:03.456Z"), "2026-11-22 01:02:03");
    }

    #[test]
    fn prices_share_their_decimals() {
        use poco_client::{market::PublishedOrder, orders::AnySigned};
        use poco_types::{Signed, WorkerpoolOrder};
        let order = |price: u64| {
            let signed = AnySigned::Workerpool(Signed::unsigned(WorkerpoolOrder {
                workerpoolprice: U256::from(price),
                ..Default::default()
            }));
            let json = json!({
                "order": signed.to_json(), "orderHash": format!("0x{:064x}", price),
                "chainId": 1, "signer": Address::ZERO.to_string(), "status": "OPEN",
                "remaining": 1,
            });
            PublishedOrder::from_json(OrderKind::Workerpool, &json).expect("an entry")
        };
        let orders = [order(7), order(100_000_000), order(2_000_000_000)];
        assert_eq!(
            rlc_column(&orders),
            ["0.000000007", "0.100000000", "2.000000000"]
        );
        assert_eq!(
            rlc_column(&[order(500_000_000), order(2_000_000_000)]),
            ["0.5", "2.0"]
        );
    }
}
