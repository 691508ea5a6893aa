//! Ids that the module gives zones and VMs.

use std::fmt;

use crate::value::{Key, Value};

/// A zone's or VM's id, int or string, echoed back exactly as it was given.
///
/// Two ids are the same when they print the same, because WHMCS reads ids
/// from MySQL as strings while module code often passes them as ints.
#[derive(Clone, Debug)]
pub enum Id {
    Int(i64),
    Str(String),
}

impl Id {
    /// Reads an id; `None` when the value cannot be one.
    pub fn from_value(value: &Value) -> Option<Id> {
        match value {
            Value::Int(n) => Some(Id::Int(*n)),
            Value::Str(s) if !s.trim().is_empty() => Some(Id::Str(s.trim().to_owned())),
            _ => None,
        }
    }

    pub fn to_value(&self) -> Value {
        match self {
            Id::Int(n) => Value::Int(*n),
            Id::Str(s) => Value::Str(s.clone()),
        }
    }

    /// The array key PHP would use for this id (`"5"` becomes `5`).
    pub fn to_key(&self) -> Key {
        match self {
            Id::Int(n) => Key::Int(*n),
            Id::Str(s) => match canonical_int(s) {
                Some(n) => Key::Int(n),
                None => Key::Str(s.clone()),
            },
        }
    }
}

/// PHP turns a string key into an int key only when it is a canonical decimal.
fn canonical_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let canonical = match digits.as_bytes() {
        [b'0'] => s == "0",
        [b'1'..=b'9', rest @ ..] => rest.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    if canonical {
        s.parse().ok()
    } else {
        None
    }
}

impl PartialEq for Id {
    fn eq(&self, other: &Self) -> bool {
        self.to_string() == other.to_string()
    }
}

impl Eq for Id {}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Id::Int(n) => write!(f, "{n}"),
            Id::Str(s) => f.write_str(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_and_numeric_string_ids_are_the_same_id() {
        assert_eq!(Id::Int(5), Id::Str("5".into()));
        assert_ne!(Id::Int(5), Id::Str("05".into()));
    }

    #[test]
    fn keys_follow_php_numeric_string_rules() {
        assert_eq!(Id::Str("12".into()).to_key(), Key::Int(12));
        assert_eq!(Id::Str("012".into()).to_key(), Key::Str("012".into()));
        assert_eq!(Id::Str("-3".into()).to_key(), Key::Int(-3));
        assert_eq!(Id::Str("-0".into()).to_key(), Key::Str("-0".into()));
        assert_eq!(Id::Str("vm-1".into()).to_key(), Key::Str("vm-1".into()));
    }

    #[test]
    fn only_ints_and_non_blank_strings_are_ids() {
        assert!(Id::from_value(&Value::Float(1.0)).is_none());
        assert!(Id::from_value(&Value::Str("  ".into())).is_none());
        assert!(Id::from_value(&Value::Null).is_none());
        assert_eq!(Id::from_value(&Value::Str(" 7 ".into())), Some(Id::Int(7)));
    }
}
