//! A task's `results` bytes: where its result is. Workers store the location as UTF-8 JSON
//! (`{"storage":"ipfs","location":"/ipfs/Qm…"}`), or, for older tasks, a bare location.

use serde_json::{Value, json};

/// The results as the SDK shows them (`decodeTaskResult`): the JSON the bytes hold, or
/// `{"storage":"none"}` when empty. A bare location (not JSON) becomes
/// `{"storage":"ipfs"|"url"|"unknown","location":...}`; other bytes, `{"storage":"none"}`.
pub fn decode_results(bytes: &[u8]) -> Value {
    if bytes.is_empty() {
        return json!({ "storage": "none" });
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return json!({ "storage": "none" });
    };
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        return value;
    }
    let text = text.trim();
    let storage = if text.starts_with("/ipfs/") {
        "ipfs"
    } else if text.starts_with("http://") || text.starts_with("https://") {
        "url"
    } else {
        "unknown"
    };
    json!({ "storage": storage, "location": text })
}

/// The results in a few words: "/ipfs/Qm… (ipfs)", "none", or the JSON itself.
pub fn describe_results(bytes: &[u8]) -> String {
    let value = decode_results(bytes);
    let storage = value.get("storage").and_then(Value::as_str);
    let location = value.get("location").and_then(Value::as_str);
    match (storage, location) {
        (Some("none"), None) => "none".to_owned(),
        (Some(storage), Some(location)) => format!("{location} ({storage})"),
        _ => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_decode_as_the_sdk_does() {
        assert_eq!(decode_results(b""), json!({"storage": "none"}));
        let stored = br#"{"storage":"ipfs","location":"/ipfs/QmX"}"#;
        assert_eq!(
            decode_results(stored),
            json!({"storage": "ipfs", "location": "/ipfs/QmX"})
        );
        assert_eq!(describe_results(stored), "/ipfs/QmX (ipfs)");
        assert_eq!(describe_results(b""), "none");
        assert_eq!(describe_results(&[0xff, 0x00]), "none");
    }

    #[test]
    fn a_bare_location_keeps_its_text() {
        assert_eq!(
            decode_results(b"/ipfs/QmY"),
            json!({"storage": "ipfs", "location": "/ipfs/QmY"})
        );
        assert_eq!(
            describe_results(b"https://r.example/x"),
            "https://r.example/x (url)"
        );
        assert_eq!(describe_results(b"\"quoted\""), "\"quoted\"");
    }
}
