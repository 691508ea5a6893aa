//! Zend values to core [`Value`]s and back.
//!
//! Arguments are copied out of PHP memory as soon as a method is entered,
//! so the core and any async work only ever see owned Rust values.

use ext_php_rs::boxed::ZBox;
use ext_php_rs::flags::DataType;
use ext_php_rs::types::{ArrayKey, ZendHashTable, Zval};
use puq_dns_core::{Array, ConfigError, Key, Value};

/// Nesting deeper than this is not a zone row or a VM; refusing it keeps a
/// self-referencing array from recursing forever.
const MAX_DEPTH: usize = 16;

/// Copies a PHP array into a core [`Array`]. `what` names the argument in
/// the error (`zones`, `vm`).
pub fn array_from_php(table: &ZendHashTable, what: &str) -> Result<Array, ConfigError> {
    read_array(table, what, 0)
}

/// Copies any PHP value into a core [`Value`].
pub fn value_from_php(zval: &Zval, what: &str) -> Result<Value, ConfigError> {
    read_value(zval, what, 0)
}

fn read_array(table: &ZendHashTable, path: &str, depth: usize) -> Result<Array, ConfigError> {
    if depth >= MAX_DEPTH {
        return Err(ConfigError::Input(format!(
            "{path} is nested more than {MAX_DEPTH} levels deep"
        )));
    }
    let mut array = Array::new();
    for (key, zval) in table.iter() {
        let key = match key {
            ArrayKey::Long(n) => Key::Int(n),
            other => Key::Str(other.to_string()),
        };
        let child = format!("{path}[{key}]");
        let value = read_value(zval, &child, depth + 1)?;
        array.insert(key, value);
    }
    Ok(array)
}

fn read_value(zval: &Zval, path: &str, depth: usize) -> Result<Value, ConfigError> {
    let zval = zval.dereference();
    if zval.is_null() || zval.get_type() == DataType::Undef {
        Ok(Value::Null)
    } else if zval.is_bool() {
        Ok(Value::Bool(zval.is_true()))
    } else if let Some(n) = zval.long() {
        Ok(Value::Int(n))
    } else if zval.is_double() {
        Ok(Value::Float(zval.double().unwrap_or(0.0)))
    } else if zval.is_string() {
        zval.str()
            .map(|s| Value::Str(s.to_owned()))
            .ok_or_else(|| ConfigError::Input(format!("{path} is not valid UTF-8 text")))
    } else if let Some(table) = zval.array() {
        Ok(Value::Array(read_array(table, path, depth)?))
    } else {
        let what = match zval.object() {
            Some(object) => match object.get_class_name() {
                Ok(class) => format!("an object of class {class}"),
                Err(_) => "an object".to_owned(),
            },
            None if zval.is_resource() => "a resource".to_owned(),
            None => format!("of type {}", zval.get_type()),
        };
        Err(ConfigError::Input(format!(
            "{path} is {what}; only arrays, strings, numbers, booleans and null are accepted"
        )))
    }
}

/// Builds a PHP array from a core [`Array`].
pub fn array_to_php(array: Array) -> ZBox<ZendHashTable> {
    let mut table = ZendHashTable::with_capacity(u32::try_from(array.len()).unwrap_or(u32::MAX));
    for (key, value) in array {
        let zval = value_to_php(value);
        // Inserting an owned zval cannot fail; the Result only covers
        // conversions of other types.
        let _ = match key {
            Key::Int(n) => table.insert(n, zval),
            Key::Str(s) => table.insert(s.as_str(), zval),
        };
    }
    table
}

/// Builds a PHP value from a core [`Value`].
pub fn value_to_php(value: Value) -> Zval {
    let mut zval = Zval::new();
    match value {
        Value::Null => zval.set_null(),
        Value::Bool(b) => zval.set_bool(b),
        Value::Int(n) => zval.set_long(n),
        Value::Float(x) => zval.set_double(x),
        Value::Str(s) => {
            if zval.set_string(&s, false).is_err() {
                zval.set_null();
            }
        }
        Value::Array(a) => zval.set_hashtable(array_to_php(a)),
    }
    zval
}
