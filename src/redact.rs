//! `PuqDns\Redact`: the core's rule for keeping credentials and control
//! characters out of what is shown, for the PHP layer's logs and terminal
//! output, so that PHP keeps no copy of it.

use ext_php_rs::boxed::ZBox;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;
use puq_dns_core::{redact, Array, ConfigError, Value};

use crate::convert::{array_from_php, array_to_php};
use crate::exceptions::config_exception;

/// Masks credentials and escapes control characters.
#[php_class]
#[php(name = "PuqDns\\Redact")]
pub struct Redact;

/// The non-empty strings of a list of secrets; anything but a string is
/// refused, naming it.
fn secrets_of(secrets: &ZendHashTable) -> PhpResult<Vec<String>> {
    let list = array_from_php(secrets, "secrets").map_err(config_exception)?;
    let mut out = Vec::new();
    for (key, value) in list.iter() {
        match value {
            Value::Str(s) if s.is_empty() => {}
            Value::Str(s) => out.push(s.clone()),
            other => {
                return Err(config_exception(ConfigError::Input(format!(
                    "secrets[{key}] must be a string, not {}",
                    other.type_name()
                ))))
            }
        }
    }
    Ok(out)
}

#[php_impl]
impl Redact {
    /// The text with each secret, raw, form-encoded, percent-encoded or
    /// JSON-escaped, replaced by `***` (a secret shorter than 8 characters
    /// only where it stands on its own).
    ///
    /// @throws ConfigException when `$secrets` is not a list of strings
    pub fn secrets(text: &str, secrets: &ZendHashTable) -> PhpResult<String> {
        let secrets = secrets_of(secrets)?;
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        Ok(redact::scrub(text, &secrets))
    }

    /// Every form each secret may take in a log (raw, form-encoded,
    /// percent-encoded, JSON-escaped), longest first, each once: the
    /// replacement list of WHMCS's logModuleCall().
    ///
    /// @throws ConfigException when `$secrets` is not a list of strings
    pub fn forms(secrets: &ZendHashTable) -> PhpResult<ZBox<ZendHashTable>> {
        let mut forms: Vec<String> = Vec::new();
        for secret in secrets_of(secrets)? {
            for form in redact::forms(&secret) {
                if !forms.contains(&form) {
                    forms.push(form);
                }
            }
        }
        // A longer form first, so that a form inside it does not leave half of it.
        forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
        Ok(array_to_php(Array::list(forms)))
    }

    /// The text with every control character written as its escape (`\n`,
    /// `\u{1b}`), as the extension writes its own cron lines.
    pub fn printable(text: &str) -> String {
        redact::printable(text)
    }
}
