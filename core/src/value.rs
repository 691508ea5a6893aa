//! The PHP array model as the core sees it.
//!
//! The binding converts every `zval` it receives into a [`Value`] before the
//! core looks at it, and every result back from a [`Value`], so nothing in the
//! core depends on the Zend engine and all of it is testable without PHP.
//! Arrays keep PHP's insertion order and its two kinds of keys.

use std::fmt;

/// A PHP value that the core accepts or returns.
#[derive(Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Array(Array),
}

/// A PHP array key: integer or string.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    Int(i64),
    Str(String),
}

/// An ordered PHP array.
#[derive(Clone, Default, PartialEq)]
pub struct Array {
    entries: Vec<(Key, Value)>,
}

impl Value {
    /// What PHP's `get_debug_type()` would call this value, for error messages
    /// that must not echo the value itself.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "string",
            Value::Array(_) => "array",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(n) => Some(*n),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&Array> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

// Debug is written by hand so that a value can be printed in a test failure
// without pulling in every variant's wrapper noise; strings are shown as they
// are because secrets never travel as plain `Value`s past the parsers.
impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(n) => write!(f, "{n}"),
            Value::Float(x) => write!(f, "{x:?}"),
            Value::Str(s) => write!(f, "{s:?}"),
            Value::Array(a) => a.fmt(f),
        }
    }
}

impl fmt::Debug for Array {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (k, v) in &self.entries {
            match k {
                Key::Int(n) => map.entry(n, v),
                Key::Str(s) => map.entry(s, v),
            };
        }
        map.finish()
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::Int(n) => write!(f, "{n}"),
            Key::Str(s) => f.write_str(s),
        }
    }
}

impl From<&str> for Key {
    fn from(s: &str) -> Self {
        Key::Str(s.to_owned())
    }
}

impl From<String> for Key {
    fn from(s: String) -> Self {
        Key::Str(s)
    }
}

impl From<i64> for Key {
    fn from(n: i64) -> Self {
        Key::Int(n)
    }
}

impl Array {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The value at a string key.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries
            .iter()
            .find(|(k, _)| matches!(k, Key::Str(s) if s == key))
            .map(|(_, v)| v)
    }

    /// Sets a key, replacing the value in place if the key exists (as PHP does).
    pub fn insert(&mut self, key: impl Into<Key>, value: impl Into<Value>) {
        let key = key.into();
        let value = value.into();
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.entries.push((key, value)),
        }
    }

    /// Builder form of [`Array::insert`].
    pub fn with(mut self, key: impl Into<Key>, value: impl Into<Value>) -> Self {
        self.insert(key, value);
        self
    }

    /// Appends with the next integer key, like `$array[] = $value`.
    pub fn push(&mut self, value: impl Into<Value>) {
        let next = self
            .entries
            .iter()
            .filter_map(|(k, _)| match k {
                Key::Int(n) => Some(n.saturating_add(1)),
                Key::Str(_) => None,
            })
            .max()
            .unwrap_or(0)
            .max(0);
        self.entries.push((Key::Int(next), value.into()));
    }

    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let at = self
            .entries
            .iter()
            .position(|(k, _)| matches!(k, Key::Str(s) if s == key))?;
        Some(self.entries.remove(at).1)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Key, &Value)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    pub fn values(&self) -> impl Iterator<Item = &Value> {
        self.entries.iter().map(|(_, v)| v)
    }

    /// True when the keys are 0, 1, 2, … in order, as `array_is_list()` says.
    pub fn is_list(&self) -> bool {
        self.entries
            .iter()
            .enumerate()
            .all(|(i, (k, _))| matches!(k, Key::Int(n) if usize::try_from(*n).ok() == Some(i)))
    }

    /// A list of the given values.
    pub fn list<V: Into<Value>>(values: impl IntoIterator<Item = V>) -> Self {
        let mut array = Self::new();
        for v in values {
            array.push(v);
        }
        array
    }
}

impl IntoIterator for Array {
    type Item = (Key, Value);
    type IntoIter = std::vec::IntoIter<(Key, Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl FromIterator<(Key, Value)> for Array {
    fn from_iter<I: IntoIterator<Item = (Key, Value)>>(iter: I) -> Self {
        let mut array = Array::new();
        for (k, v) in iter {
            array.insert(k, v);
        }
        array
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Int(n)
    }
}

impl From<u32> for Value {
    fn from(n: u32) -> Self {
        Value::Int(i64::from(n))
    }
}

impl From<u64> for Value {
    fn from(n: u64) -> Self {
        Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl From<usize> for Value {
    fn from(n: usize) -> Self {
        Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl From<f64> for Value {
    fn from(x: f64) -> Self {
        Value::Float(x)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Self {
        Value::Str(s.clone())
    }
}

impl From<Array> for Value {
    fn from(a: Array) -> Self {
        Value::Array(a)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_replaces_in_place_and_push_continues_after_the_largest_int_key() {
        let mut a = Array::new().with("a", 1i64).with(5i64, "x").with("b", 2i64);
        a.insert("a", 3i64);
        a.push("y");
        let keys: Vec<String> = a.iter().map(|(k, _)| k.to_string()).collect();
        assert_eq!(keys, ["a", "5", "b", "6"]);
        assert_eq!(a.get("a"), Some(&Value::Int(3)));
    }

    #[test]
    fn is_list_follows_array_is_list() {
        assert!(Array::list(["a", "b"]).is_list());
        assert!(Array::new().is_list());
        assert!(!Array::new().with(1i64, "a").is_list());
        assert!(!Array::new().with("0", "a").is_list());
    }

    #[test]
    fn remove_takes_a_string_key_out() {
        let mut a = Array::new().with("a", 1i64).with("b", 2i64);
        assert_eq!(a.remove("a"), Some(Value::Int(1)));
        assert_eq!(a.remove("a"), None);
        assert_eq!(a.len(), 1);
    }
}
