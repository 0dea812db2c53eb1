//! `${VAR}` expansion in the suite file's string values.
//!
//! Secrets such as tokens stay out of the file and come from the environment.
//! Expansion runs on each value after YAML parsing, never on the raw text, so
//! a variable can never change the file's structure. Grammar: `${NAME}`,
//! `${NAME:-default}` (used when `NAME` is unset or empty) and `$$` for a
//! literal `$`; any other `$` is kept as is.

use std::cell::Cell;

/// A `${…}` that cannot be expanded, and how to write it instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExpandError {
    #[error(r#"unterminated "${{" in "{0}"; write ${{NAME}}, or $$ for a literal $"#)]
    Unterminated(String),
    #[error(
        "${{{0}}} is not a valid variable; write ${{NAME}} or ${{NAME:-default}} \
         with letters, digits and _, or $$ for a literal $"
    )]
    Invalid(String),
    #[error(
        "${{{0}}} is not set; export it before running benchgate, \
         e.g. {0}=... benchgate run"
    )]
    Unset(String),
}

thread_local! {
    /// The port `${PORT}` stands for while a suite file is parsed, and
    /// whether the file used it.
    static PORT: Cell<(u16, bool)> = const { Cell::new((0, false)) };
    /// The values the file's other variables expanded to, while it is
    /// parsed.
    static VALUES: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// What a parse expanded: whether the file used `${PORT}`, and the values
/// its other `${VAR}`s stood for.
#[derive(Debug, Default)]
pub(super) struct Expanded {
    pub port_used: bool,
    pub values: Vec<String>,
}

/// Runs `parse` with `${PORT}` standing for `port`; also returns what the
/// file expanded. `PORT` is benchgate's own variable: the environment's
/// `PORT` is never read for it.
pub(super) fn with_port<T>(port: u16, parse: impl FnOnce() -> T) -> (T, Expanded) {
    PORT.with(|cell| cell.set((port, false)));
    VALUES.with(|values| values.borrow_mut().clear());
    let out = parse();
    let port_used = PORT.with(|cell| cell.replace((0, false)).1);
    let values = VALUES.with(|values| std::mem::take(&mut *values.borrow_mut()));
    (out, Expanded { port_used, values })
}

/// Expands `text` with variables from the process environment, and `${PORT}`
/// with the port chosen for this run.
pub(super) fn expand_env(text: &str) -> Result<String, ExpandError> {
    expand(text, |name| {
        if name == "PORT" {
            return PORT.with(|cell| {
                let (port, _) = cell.get();
                cell.set((port, true));
                Some(port.to_string())
            });
        }
        let value = std::env::var(name).ok();
        if let Some(value) = &value {
            VALUES.with(|values| values.borrow_mut().push(value.clone()));
        }
        value
    })
}

/// Expands `text`, looking variables up with `lookup`.
pub(super) fn expand(
    text: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<String, ExpandError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(inner) = after.strip_prefix('{') {
            let end = inner
                .find('}')
                .ok_or_else(|| ExpandError::Unterminated(text.to_string()))?;
            out.push_str(&variable(&inner[..end], &lookup)?);
            rest = &inner[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// The value of `NAME` or `NAME:-default`.
fn variable(spec: &str, lookup: &impl Fn(&str) -> Option<String>) -> Result<String, ExpandError> {
    let (name, default) = match spec.split_once(":-") {
        Some((name, default)) => (name, Some(default)),
        None => (spec, None),
    };
    let valid = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(ExpandError::Invalid(spec.to_string()));
    }
    match (lookup(name), default) {
        (Some(value), Some(default)) if value.is_empty() => Ok(default.to_string()),
        (Some(value), _) => Ok(value),
        (None, Some(default)) => Ok(default.to_string()),
        (None, None) => Err(ExpandError::Unset(name.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::expand;

    fn env(name: &str) -> Option<String> {
        match name {
            "TOKEN" => Some("abc".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn expands_variables_defaults_and_escapes() {
        assert_eq!(expand("Bearer ${TOKEN}", env).as_deref(), Ok("Bearer abc"));
        assert_eq!(expand("${NOPE:-x y}", env).as_deref(), Ok("x y"));
        assert_eq!(expand("${EMPTY:-d}", env).as_deref(), Ok("d"));
        assert_eq!(expand("${TOKEN:-d}", env).as_deref(), Ok("abc"));
        assert_eq!(expand("$$5 and $HOME", env).as_deref(), Ok("$5 and $HOME"));
        assert_eq!(expand("$${TOKEN}", env).as_deref(), Ok("${TOKEN}"));
        assert_eq!(expand("cost: 5$", env).as_deref(), Ok("cost: 5$"));
    }

    #[test]
    fn refuses_unset_malformed_and_unterminated() {
        assert_eq!(
            expand("x ${NOPE}", env).map_err(|e| e.to_string()),
            Err("${NOPE} is not set; export it before running benchgate, \
                 e.g. NOPE=... benchgate run"
                .into())
        );
        assert!(expand("${1X}", env)
            .expect_err("refused")
            .to_string()
            .contains("not a valid variable"));
        assert!(expand("${TOKEN", env)
            .expect_err("refused")
            .to_string()
            .starts_with("unterminated"));
    }
}
