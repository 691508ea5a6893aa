//! Reading fields out of a PHP array while collecting every problem at once,
//! so that an admin fixes a zone row or VM array in one go.

use crate::name::shorten;
use crate::secret::Secret;
use crate::value::{Array, Value};

/// The placeholder that stands in for a stored secret in anything sent to a
/// browser; `merge()` swaps it back for the stored value.
pub const KEEP: &str = "__KEEP__";

pub(crate) struct RowReader<'a> {
    row: &'a Array,
    problems: Vec<String>,
}

impl<'a> RowReader<'a> {
    pub(crate) fn new(row: &'a Array) -> Self {
        Self {
            row,
            problems: Vec::new(),
        }
    }

    pub(crate) fn problem(&mut self, text: impl Into<String>) {
        self.problems.push(text.into());
    }

    pub(crate) fn into_problems(self) -> Vec<String> {
        self.problems
    }

    /// A field's value, treating null and blank strings as absent: edit forms
    /// submit empty strings for fields the admin left alone.
    pub(crate) fn present(&self, field: &str) -> Option<&'a Value> {
        match self.row.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::Str(s)) if s.trim().is_empty() => None,
            Some(v) => Some(v),
        }
    }

    fn required(&mut self, field: &str) -> Option<&'a Value> {
        let value = self.present(field);
        if value.is_none() {
            self.problem(format!("{field} is required"));
        }
        value
    }

    /// Trimmed text; ints are accepted as their decimal text.
    pub(crate) fn text(&mut self, field: &str, required: bool) -> Option<String> {
        let value = if required {
            self.required(field)?
        } else {
            self.present(field)?
        };
        match value {
            Value::Str(s) => Some(s.trim().to_owned()),
            Value::Int(n) => Some(n.to_string()),
            other => {
                self.problem(format!(
                    "{field} must be a string, not {}",
                    other.type_name()
                ));
                None
            }
        }
    }

    /// Text limited to `allowed` characters, for values that go into URLs,
    /// headers or shell arguments on the provider's side. It never starts
    /// with `-`, which a command on the provider's side would read as an
    /// option.
    pub(crate) fn token(
        &mut self,
        field: &str,
        required: bool,
        allowed: fn(char) -> bool,
        what: &str,
    ) -> Option<String> {
        let text = self.text(field, required)?;
        if text.starts_with('-') {
            self.problem(format!(
                "{field} {:?} starts with '-'; {what}",
                shorten(&text)
            ));
            return None;
        }
        match text.chars().find(|c| !allowed(*c)) {
            None => Some(text),
            Some(c) => {
                self.problem(format!(
                    "{field} {:?} contains {c:?}; {what}",
                    shorten(&text)
                ));
                None
            }
        }
    }

    /// A credential. Its value never appears in a message, only its field.
    pub(crate) fn secret(&mut self, field: &str, header_safe: bool) -> Option<Secret> {
        let value = self.required(field)?;
        let Value::Str(text) = value else {
            self.problem(format!(
                "{field} must be a string, not {}",
                value.type_name()
            ));
            return None;
        };
        let text = text.trim();
        if text == KEEP {
            self.problem(format!(
                "{field} is the {KEEP} placeholder, not a credential; pass the stored row through merge() first"
            ));
            return None;
        }
        let bad = if header_safe {
            text.chars().any(|c| !c.is_ascii_graphic())
        } else {
            text.chars().any(char::is_control)
        };
        if bad {
            self.problem(if header_safe {
                format!("{field} may hold only visible ASCII characters (no spaces)")
            } else {
                format!("{field} contains control characters")
            });
            return None;
        }
        Some(Secret::new(text))
    }

    /// A whole number in `min..=max`; numeric strings count, as PDO returns them.
    pub(crate) fn number(&mut self, field: &str, min: i64, max: i64) -> Option<i64> {
        let value = self.present(field)?;
        let n = match value {
            Value::Int(n) => Some(*n),
            Value::Str(s) => s.trim().parse::<i64>().ok(),
            Value::Float(x) if x.fract() == 0.0 && x.is_finite() => {
                // Exact small floats only; larger ones have lost digits already.
                (x.abs() < 1e15).then_some(*x as i64)
            }
            _ => None,
        };
        match n {
            Some(n) if (min..=max).contains(&n) => Some(n),
            Some(n) => {
                self.problem(format!("{field} {n} is out of range ({min} to {max})"));
                None
            }
            None => {
                self.problem(format!(
                    "{field} must be a whole number, not {}",
                    describe(value)
                ));
                None
            }
        }
    }

    /// A flag: bools, 0/1 and the usual words, as forms and databases send them.
    pub(crate) fn flag(&mut self, field: &str) -> Option<bool> {
        let value = self.present(field)?;
        let flag = match value {
            Value::Bool(b) => Some(*b),
            Value::Int(0) => Some(false),
            Value::Int(1) => Some(true),
            Value::Str(s) => match s.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => Some(true),
                "0" | "false" | "no" | "off" => Some(false),
                _ => None,
            },
            _ => None,
        };
        if flag.is_none() {
            self.problem(format!(
                "{field} must be true or false, not {}",
                describe(value)
            ));
        }
        flag
    }
}

/// A short description of a non-secret value for an error message.
pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::Str(s) => format!("{:?}", shorten(s)),
        Value::Int(n) => n.to_string(),
        Value::Float(x) => format!("{x}"),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".to_owned(),
        Value::Array(_) => "an array".to_owned(),
    }
}
