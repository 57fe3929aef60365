//! JSON as the iExec SDK (JavaScript) holds it, so that what we write is byte for byte what the
//! SDK writes and what we sign is what the SDK would sign.
//!
//! serde_json's `Value` sorts object keys (the workspace does not enable `preserve_order`, which
//! would change map ordering for every crate), and formats numbers its own way. The SDK's files
//! and two signed values depend on JavaScript's behaviour instead:
//! - a request order's `params` object is signed as `JSON.stringify(params)`, and an app's
//!   `mrenclave` object is registered on-chain as `JSON.stringify(mrenclave)`: key order matters;
//! - the SDK rewrites iexec.json, deployed.json, orders.json and chain.json with
//!   `JSON.stringify(obj, null, 2)`.
//!
//! [`JsonValue`] keeps keys in JavaScript's property order (integer-like keys such as chain ids
//! first, ascending; then the other keys in insertion order; a repeated key keeps its first place
//! and its last value, as `JSON.parse` does), holds numbers as `f64` as JavaScript does, and
//! writes them back with [`JsonValue::stringify`] / [`JsonValue::stringify_pretty`] exactly as
//! `JSON.stringify` would.

use serde::{Deserialize, Deserializer, Serialize, Serializer, de, ser::SerializeMap};
use std::fmt::{self, Write as _};

/// A JSON value as JavaScript holds it (see the module documentation).
#[derive(Clone, Debug, PartialEq)]
pub enum JsonValue {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number; JavaScript numbers are IEEE doubles.
    Number(f64),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<JsonValue>),
    /// An object, keys in JavaScript's order.
    Object(JsonObject),
}

/// A JSON object whose keys iterate in JavaScript's property order: array-index keys
/// (`"0"`, `"134"`, `"31337"`: canonical integers below 2^32 - 1) first in ascending numeric
/// order, then every other key in insertion order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JsonObject {
    entries: Vec<(String, JsonValue)>,
}

/// The numeric value of an array-index key, as JavaScript orders them.
fn array_index(key: &str) -> Option<u32> {
    if key.is_empty() || key.len() > 10 || (key.len() > 1 && key.starts_with('0')) {
        return None;
    }
    if !key.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    key.parse::<u64>()
        .ok()
        .filter(|&n| n < u64::from(u32::MAX))
        .and_then(|n| u32::try_from(n).ok())
}

impl JsonObject {
    /// An empty object.
    pub fn new() -> Self {
        Self::default()
    }

    /// The object with `entries` inserted in turn (see [`JsonObject::insert`]).
    pub fn from_entries<K: Into<String>>(
        entries: impl IntoIterator<Item = (K, JsonValue)>,
    ) -> Self {
        let mut object = Self::new();
        for (key, value) in entries {
            object.insert(key, value);
        }
        object
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<&JsonValue> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The value under `key`, mutably.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut JsonValue> {
        self.entries
            .iter_mut()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Sets `key` as JavaScript's `obj[key] = value` does: an existing key keeps its place, a new
    /// array-index key goes among the other index keys in numeric order, any other new key goes
    /// last. Returns the value replaced.
    pub fn insert(&mut self, key: impl Into<String>, value: JsonValue) -> Option<JsonValue> {
        let key = key.into();
        if let Some(slot) = self.get_mut(&key) {
            return Some(std::mem::replace(slot, value));
        }
        let position = match array_index(&key) {
            Some(index) => self
                .entries
                .iter()
                .position(|(k, _)| array_index(k).is_none_or(|other| other > index))
                .unwrap_or(self.entries.len()),
            None => self.entries.len(),
        };
        self.entries.insert(position, (key, value));
        None
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<JsonValue> {
        let position = self.entries.iter().position(|(k, _)| k == key)?;
        Some(self.entries.remove(position).1)
    }

    /// The entries, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &JsonValue)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The keys, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| k.as_str())
    }

    /// How many keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there is no key.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// `{...self, ...overwrite}` in JavaScript: the keys of `overwrite` replace those of `self` in
    /// place, or are added after them.
    pub fn merged(&self, overwrite: &JsonObject) -> JsonObject {
        let mut merged = self.clone();
        for (key, value) in overwrite.iter() {
            merged.insert(key, value.clone());
        }
        merged
    }

    /// The object under `key`, created (replacing any non-object value) when missing, as the
    /// SDK's `if (typeof conf[key] !== 'object') conf[key] = {}` does.
    pub fn object_entry(&mut self, key: &str) -> &mut JsonObject {
        if !matches!(self.get(key), Some(JsonValue::Object(_))) {
            self.insert(key, JsonValue::Object(JsonObject::new()));
        }
        match self.get_mut(key) {
            Some(JsonValue::Object(object)) => object,
            // Just made sure the entry is an object.
            _ => unreachable!("object entry {key} was just set"),
        }
    }
}

impl<K: Into<String>> FromIterator<(K, JsonValue)> for JsonObject {
    fn from_iter<I: IntoIterator<Item = (K, JsonValue)>>(iter: I) -> Self {
        Self::from_entries(iter)
    }
}

impl From<&str> for JsonValue {
    fn from(value: &str) -> Self {
        JsonValue::String(value.to_string())
    }
}

impl From<String> for JsonValue {
    fn from(value: String) -> Self {
        JsonValue::String(value)
    }
}

impl From<bool> for JsonValue {
    fn from(value: bool) -> Self {
        JsonValue::Bool(value)
    }
}

impl From<f64> for JsonValue {
    fn from(value: f64) -> Self {
        JsonValue::Number(value)
    }
}

impl From<u64> for JsonValue {
    fn from(value: u64) -> Self {
        // As JavaScript would read it: exact up to 2^53, rounded beyond.
        JsonValue::Number(value as f64)
    }
}

impl From<JsonObject> for JsonValue {
    fn from(value: JsonObject) -> Self {
        JsonValue::Object(value)
    }
}

impl From<Vec<JsonValue>> for JsonValue {
    fn from(value: Vec<JsonValue>) -> Self {
        JsonValue::Array(value)
    }
}

/// Why a text is not JSON, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonSyntaxError {
    /// 1-based line of the error.
    pub line: usize,
    /// 1-based column of the error.
    pub column: usize,
    /// What is wrong there.
    pub message: String,
}

impl JsonValue {
    /// Parses JSON text as `JSON.parse` would.
    pub fn parse(text: &str) -> Result<JsonValue, JsonSyntaxError> {
        serde_json::from_str(text).map_err(|e| {
            let message = e.to_string();
            // serde_json appends " at line L column C"; we report them apart.
            let message = match message.rfind(" at line ") {
                Some(cut) => message[..cut].to_string(),
                None => message,
            };
            JsonSyntaxError {
                line: e.line(),
                column: e.column(),
                message,
            }
        })
    }

    /// Any serializable value, with struct fields in declaration order (going through JSON text,
    /// since serde_json's `Value` would sort them).
    pub fn from_serializable<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<JsonValue> {
        serde_json::from_str(&serde_json::to_string(value)?)
    }

    /// The same value as a serde_json `Value` (object keys then sorted), to deserialize typed
    /// values from it.
    pub fn to_serde(&self) -> serde_json::Value {
        match self {
            JsonValue::Null => serde_json::Value::Null,
            JsonValue::Bool(b) => serde_json::Value::Bool(*b),
            JsonValue::Number(n) => number_to_serde(*n),
            JsonValue::String(s) => serde_json::Value::String(s.clone()),
            JsonValue::Array(items) => {
                serde_json::Value::Array(items.iter().map(JsonValue::to_serde).collect())
            }
            JsonValue::Object(object) => serde_json::Value::Object(
                object
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_serde()))
                    .collect(),
            ),
        }
    }

    /// `JSON.stringify(value)`: compact.
    pub fn stringify(&self) -> String {
        let mut out = String::new();
        write_value(&mut out, self, None, 0);
        out
    }

    /// `JSON.stringify(value, null, 2)`: the SDK's file format (no trailing newline).
    pub fn stringify_pretty(&self) -> String {
        let mut out = String::new();
        write_value(&mut out, self, Some(2), 0);
        out
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            JsonValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// The object, if this is one.
    pub fn as_object(&self) -> Option<&JsonObject> {
        match self {
            JsonValue::Object(object) => Some(object),
            _ => None,
        }
    }

    /// The object, mutably, if this is one.
    pub fn as_object_mut(&mut self) -> Option<&mut JsonObject> {
        match self {
            JsonValue::Object(object) => Some(object),
            _ => None,
        }
    }

    /// JavaScript's `typeof`, in words for error messages (`an array` is told apart).
    pub fn kind(&self) -> &'static str {
        match self {
            JsonValue::Null => "null",
            JsonValue::Bool(_) => "a boolean",
            JsonValue::Number(_) => "a number",
            JsonValue::String(_) => "a string",
            JsonValue::Array(_) => "an array",
            JsonValue::Object(_) => "an object",
        }
    }
}

impl fmt::Display for JsonValue {
    /// The compact `JSON.stringify` form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.stringify())
    }
}

/// An integral number within JavaScript's safe range, as an integer.
fn safe_integer(n: f64) -> Option<i64> {
    const MAX_SAFE: f64 = 9_007_199_254_740_991.0;
    (n.fract() == 0.0 && n.abs() <= MAX_SAFE).then_some(n as i64)
}

fn number_to_serde(n: f64) -> serde_json::Value {
    match safe_integer(n) {
        Some(i) => serde_json::Value::from(i),
        None => serde_json::Number::from_f64(n)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null),
    }
}

/// `Number.prototype.toString()` for a finite number (ECMAScript's Number::toString, radix 10),
/// which is what `JSON.stringify` writes; NaN and infinities are written `null` by JSON.
pub fn js_number_to_string(n: f64) -> String {
    if !n.is_finite() {
        return "null".to_string();
    }
    if n == 0.0 {
        return "0".to_string();
    }
    let sign = if n < 0.0 { "-" } else { "" };
    // Rust's `{:e}` gives the shortest digits that round-trip, as JavaScript requires:
    // "1.2345e3", "5e-7", "1e21".
    let exp_form = format!("{:e}", n.abs());
    let (mantissa, exponent) = exp_form.split_once('e').unwrap_or((&exp_form, "0"));
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let exponent: i64 = exponent.parse().unwrap_or(0);
    let k = digits.len() as i64;
    let point = exponent + 1; // ECMAScript's n: the decimal point sits after `point` digits.
    let body = if k <= point && point <= 21 {
        format!("{digits}{}", "0".repeat((point - k) as usize))
    } else if 0 < point && point <= 21 {
        let (int, frac) = digits.split_at(point as usize);
        format!("{int}.{frac}")
    } else if -6 < point && point <= 0 {
        format!("0.{}{digits}", "0".repeat((-point) as usize))
    } else {
        let e = point - 1;
        let e_sign = if e < 0 { '-' } else { '+' };
        let (first, rest) = digits.split_at(1);
        if rest.is_empty() {
            format!("{first}e{e_sign}{}", e.abs())
        } else {
            format!("{first}.{rest}e{e_sign}{}", e.abs())
        }
    };
    format!("{sign}{body}")
}

/// Writes `s` quoted and escaped as `JSON.stringify` does.
fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn newline_indent(out: &mut String, indent: Option<usize>, depth: usize) {
    if let Some(width) = indent {
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', width * depth));
    }
}

fn write_value(out: &mut String, value: &JsonValue, indent: Option<usize>, depth: usize) {
    match value {
        JsonValue::Null => out.push_str("null"),
        JsonValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        JsonValue::Number(n) => out.push_str(&js_number_to_string(*n)),
        JsonValue::String(s) => write_string(out, s),
        JsonValue::Array(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline_indent(out, indent, depth + 1);
                write_value(out, item, indent, depth + 1);
            }
            newline_indent(out, indent, depth);
            out.push(']');
        }
        JsonValue::Object(object) => {
            if object.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            for (i, (key, item)) in object.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline_indent(out, indent, depth + 1);
                write_string(out, key);
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
                write_value(out, item, indent, depth + 1);
            }
            newline_indent(out, indent, depth);
            out.push('}');
        }
    }
}

impl Serialize for JsonValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            JsonValue::Null => serializer.serialize_unit(),
            JsonValue::Bool(b) => serializer.serialize_bool(*b),
            JsonValue::Number(n) => match safe_integer(*n) {
                Some(i) => serializer.serialize_i64(i),
                None => serializer.serialize_f64(*n),
            },
            JsonValue::String(s) => serializer.serialize_str(s),
            JsonValue::Array(items) => items.serialize(serializer),
            JsonValue::Object(object) => object.serialize(serializer),
        }
    }
}

impl Serialize for JsonObject {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (key, value) in self.iter() {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for JsonValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

impl<'de> Deserialize<'de> for JsonObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match JsonValue::deserialize(deserializer)? {
            JsonValue::Object(object) => Ok(object),
            other => Err(de::Error::custom(format!(
                "expected an object, got {}",
                other.kind()
            ))),
        }
    }
}

struct ValueVisitor;

impl<'de> de::Visitor<'de> for ValueVisitor {
    type Value = JsonValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<JsonValue, E> {
        Ok(JsonValue::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<JsonValue, E> {
        Ok(JsonValue::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<JsonValue, D::Error> {
        JsonValue::deserialize(deserializer)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<JsonValue, E> {
        Ok(JsonValue::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<JsonValue, E> {
        Ok(JsonValue::Number(v as f64))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<JsonValue, E> {
        Ok(JsonValue::Number(v as f64))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<JsonValue, E> {
        Ok(JsonValue::Number(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<JsonValue, E> {
        Ok(JsonValue::String(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<JsonValue, E> {
        Ok(JsonValue::String(v))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<JsonValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(JsonValue::Array(items))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<JsonValue, A::Error> {
        let mut object = JsonObject::new();
        while let Some((key, value)) = map.next_entry::<String, JsonValue>()? {
            object.insert(key, value);
        }
        Ok(JsonValue::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> JsonValue {
        JsonValue::parse(text).expect("valid JSON")
    }

    #[test]
    fn keeps_insertion_order_with_integer_keys_first() {
        // What node prints for JSON.stringify(JSON.parse(...)).
        let v = parse(r#"{"b":1,"a":2,"31337":3,"134":4,"007":5,"4294967295":6,"0":7}"#);
        assert_eq!(
            v.stringify(),
            r#"{"0":7,"134":4,"31337":3,"b":1,"a":2,"007":5,"4294967295":6}"#
        );
        // node: JSON.stringify(JSON.parse(<this input>)), byte for byte.
        let input = r#"{"b":1,"a":2,"31337":3,"134":4,"007":5,"4294967295":6,"0":7,"x":[1.0,1e2,12345678901234567890,1e21,1.5e-7,0.000001,"a\"\u0001\u007f\u2028"]}"#;
        assert_eq!(
            parse(input).stringify(),
            "{\"0\":7,\"134\":4,\"31337\":3,\"b\":1,\"a\":2,\"007\":5,\"4294967295\":6,\"x\":[1,100,12345678901234567000,1e+21,1.5e-7,0.000001,\"a\\\"\\u0001\u{7f}\u{2028}\"]}"
        );
        // A repeated key keeps its first place and its last value.
        assert_eq!(
            parse(r#"{"x":1,"y":2,"x":3}"#).stringify(),
            r#"{"x":3,"y":2}"#
        );
    }

    #[test]
    fn numbers_are_written_as_javascript_does() {
        for (n, js) in [
            (0.0, "0"),
            (-0.0, "0"),
            (1.0, "1"),
            (-1.5, "-1.5"),
            (100.0, "100"),
            (0.1, "0.1"),
            (1e21, "1e+21"),
            (1.5e21, "1.5e+21"),
            (1e20, "100000000000000000000"),
            (123456789012345680000.0, "123456789012345680000"),
            (0.000001, "0.000001"),
            (0.0000001, "1e-7"),
            (1.25e-7, "1.25e-7"),
            (1073741824.0, "1073741824"),
            (9007199254740993.0, "9007199254740992"),
            (f64::NAN, "null"),
        ] {
            assert_eq!(js_number_to_string(n), js, "{n}");
        }
        assert_eq!(
            parse("[1.0, 1e2, 12345678901234567890]").stringify(),
            "[1,100,12345678901234567000]"
        );
    }

    #[test]
    fn strings_are_escaped_as_javascript_does() {
        let v = JsonValue::from("a\"b\\c\n\t\u{1}\u{7f}é\u{2028}/");
        assert_eq!(
            v.stringify(),
            "\"a\\\"b\\\\c\\n\\t\\u0001\u{7f}é\u{2028}/\""
        );
        assert_eq!(parse(r#""\u0041\/""#).stringify(), r#""A/""#);
    }

    #[test]
    fn pretty_form_is_json_stringify_with_two_spaces() {
        let v = parse(r#"{"a":[],"b":{},"c":[1,{"d":null}],"e":"x","f":true}"#);
        let expected = "{\n  \"a\": [],\n  \"b\": {},\n  \"c\": [\n    1,\n    {\n      \"d\": null\n    }\n  ],\n  \"e\": \"x\",\n  \"f\": true\n}";
        assert_eq!(v.stringify_pretty(), expected);
        assert_eq!(parse(&v.stringify_pretty()), v);
    }

    #[test]
    fn syntax_errors_say_where() {
        let e = JsonValue::parse("{\n  \"a\": 1,\n  \"b\" 2\n}").expect_err("invalid");
        assert_eq!((e.line, e.column), (3, 7));
        assert!(e.message.contains("expected `:`"), "{}", e.message);
        assert!(!e.message.contains("at line"));
    }

    #[test]
    fn merged_is_javascript_spread() {
        let base = parse(r#"{"owner":"0","name":"n","type":"DOCKER"}"#);
        let over = parse(r#"{"mrenclave":{},"owner":"1"}"#);
        let merged = base
            .as_object()
            .expect("object")
            .merged(over.as_object().expect("object"));
        assert_eq!(
            JsonValue::from(merged).stringify(),
            r#"{"owner":"1","name":"n","type":"DOCKER","mrenclave":{}}"#
        );
    }

    #[test]
    fn converts_to_serde_and_from_structs_in_field_order() {
        #[derive(Serialize)]
        struct S {
            z: u32,
            a: &'static str,
        }
        let v = JsonValue::from_serializable(&S { z: 1, a: "x" }).expect("serializable");
        assert_eq!(v.stringify(), r#"{"z":1,"a":"x"}"#);
        assert_eq!(v.to_serde(), serde_json::json!({"a": "x", "z": 1}));
        assert_eq!(parse("[1.5]").to_serde(), serde_json::json!([1.5]));
        let mut o = JsonObject::new();
        o.insert("k", JsonValue::from(true));
        assert!(o.object_entry("k").is_empty());
        assert_eq!(o.remove("k"), Some(JsonValue::Object(JsonObject::new())));
    }
}
