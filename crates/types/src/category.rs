//! Categories: the protocol's task size classes. A category's `workClockTimeRef` sets every
//! deadline of its tasks; the hub owner creates them, and a fresh deployment gets iExec's five.

use serde::{Deserialize, Serialize};

/// A category as `viewCategory` returns it and as the SDK and market API write it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Category {
    /// Short name (`XS`, `S`, ...).
    pub name: String,
    /// Free text; iExec's defaults use `"{}"` (an empty JSON object).
    pub description: String,
    /// Reference duration in seconds: contributions are due 7x after the deal starts, the task
    /// fails 10x after.
    pub work_clock_time_ref: u64,
}

/// iExec's default categories as (name, workClockTimeRef seconds); the id is the index.
pub const DEFAULT_CATEGORIES: [(&str, u64); 5] = [
    ("XS", 300),
    ("S", 1200),
    ("M", 3600),
    ("L", 10800),
    ("XL", 36000),
];

/// The description iExec's deployment gives its default categories (`JSON.stringify({})`).
pub const DEFAULT_DESCRIPTION: &str = "{}";

impl Category {
    /// The default categories, in id order, to create on a new hub.
    pub fn defaults() -> Vec<Category> {
        DEFAULT_CATEGORIES
            .iter()
            .map(|&(name, work_clock_time_ref)| Category {
                name: name.to_string(),
                description: DEFAULT_DESCRIPTION.to_string(),
                work_clock_time_ref,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_spec() {
        let cats = Category::defaults();
        let summary: Vec<(&str, u64)> = cats
            .iter()
            .map(|c| (c.name.as_str(), c.work_clock_time_ref))
            .collect();
        assert_eq!(
            summary,
            [
                ("XS", 300),
                ("S", 1200),
                ("M", 3600),
                ("L", 10800),
                ("XL", 36000)
            ]
        );
    }

    #[test]
    fn json_uses_the_sdk_field_names() {
        let json = serde_json::to_value(&Category::defaults()[2]).expect("serializable");
        assert_eq!(
            json,
            serde_json::json!({"name": "M", "description": "{}", "workClockTimeRef": 3600})
        );
    }
}
