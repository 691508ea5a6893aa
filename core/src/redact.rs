//! Keeping credentials and control characters out of what is shown: the
//! one place that knows how a secret may come back (raw, form-encoded,
//! percent-encoded, JSON-escaped) and how it is masked. The engine, the
//! zone test and, through `PuqDns\Redact`, the PHP layer's logs use it.

/// The text with every form of every secret replaced by `***`.
pub fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut text = text.to_owned();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        for form in forms(secret) {
            text = if form.chars().count() < WHOLE_WORD_BELOW {
                replace_whole_words(&text, &form)
            } else {
                text.replace(&form, "***")
            };
        }
    }
    text
}

/// The text with every control character written as its escape (`\n`,
/// `\u{1b}`): a line goes to terminals and log files, where a newline from a
/// provider's answer or a stored value would forge another line and an
/// escape sequence would drive the terminal.
pub fn printable(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_owned();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Makes a provider's error text safe to show: no credential, no control
/// characters, no megabyte of HTML.
pub fn clean_error(text: &str, secrets: &[&str]) -> String {
    const MAX_CHARS: usize = 500;
    let text = scrub(text, secrets);
    let mut cleaned = String::with_capacity(text.len().min(MAX_CHARS + 3));
    let mut last_space = false;
    for c in text.chars() {
        let c = if c.is_control() { ' ' } else { c };
        if c == ' ' && last_space {
            continue;
        }
        last_space = c == ' ';
        cleaned.push(c);
    }
    let cleaned = cleaned.trim();
    if cleaned.chars().count() > MAX_CHARS {
        let head: String = cleaned.chars().take(MAX_CHARS).collect();
        format!("{head}…")
    } else {
        cleaned.to_owned()
    }
}

/// A secret shorter than this is masked only where it stands on its own
/// (`key=ab&`, `"ab"`), not inside other words: a password `ab` must not
/// turn `table` into `t***le`, which garbles the message and shows where
/// the letters occur.
const WHOLE_WORD_BELOW: usize = 8;

fn replace_whole_words(text: &str, form: &str) -> String {
    let is_word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (at, _) in text.match_indices(form) {
        // Matches of a repeated secret can overlap (`aa` in `aaa`); the
        // text up to `copied` is already written.
        if at < copied {
            continue;
        }
        let end = at + form.len();
        if is_word(text[..at].chars().next_back()) || is_word(text[end..].chars().next()) {
            continue;
        }
        out.push_str(&text[copied..at]);
        out.push_str("***");
        copied = end;
    }
    out.push_str(&text[copied..]);
    out
}

/// A secret as a provider might echo it back: as it is, form-encoded (a
/// HestiaCP password in a POST body), percent-encoded (in a URL) or
/// JSON-escaped (in a request body).
pub fn forms(secret: &str) -> Vec<String> {
    let mut forms = vec![secret.to_owned()];
    let mut form = String::new();
    let mut percent = String::new();
    for byte in secret.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => {
                form.push(char::from(byte));
                percent.push(char::from(byte));
            }
            b'*' => {
                form.push('*');
                percent.push_str("%2A");
            }
            b' ' => {
                form.push('+');
                percent.push_str("%20");
            }
            _ => {
                form.push_str(&format!("%{byte:02X}"));
                percent.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    let json = serde_json::to_string(secret).unwrap_or_default();
    let json = json.trim_matches('"').to_owned();
    for candidate in [form, percent, json] {
        if !forms.contains(&candidate) {
            forms.push(candidate);
        }
    }
    forms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_cleaned_of_secrets_control_characters_and_length() {
        assert_eq!(
            clean_error("bad key s3cret\r\n\tin  request", &["s3cret", ""]),
            "bad key *** in request"
        );
        let secret = "p@ss w+rd/\"1*";
        assert_eq!(
            clean_error(
                "echo: password=p%40ss+w%2Brd%2F%221*&x=1 url /p%40ss%20w%2Brd%2F%221%2A json \"p@ss w+rd/\\\"1*\" raw p@ss w+rd/\"1*",
                &[secret]
            ),
            "echo: password=***&x=1 url /*** json \"***\" raw ***"
        );
        // A short secret is masked where it stands alone, and words that
        // merely contain its letters are left as they are.
        assert_eq!(
            clean_error("ab: table refused key=ab&user=x \"ab\" abab ab", &["ab"]),
            "***: table refused key=***&user=x \"***\" abab ***"
        );
        assert_eq!(clean_error("a a-a aa", &["a"]), "*** ***-*** aa");
        let long = clean_error(&"x".repeat(2000), &[]);
        assert_eq!(long.chars().count(), 501);
        assert!(long.ends_with('…'));
    }
}
