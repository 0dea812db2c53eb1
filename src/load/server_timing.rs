//! Reading the `Server-Timing` response header (W3C Server Timing): where the
//! app says its time went, phase by phase.
//!
//! ```text
//! Server-Timing: db;dur=53.2, render;desc="Render, then send";dur=12, cache;desc="hit"
//! ```
//!
//! Each comma-separated entry is a metric name with `;`-separated
//! parameters; `dur` is the phase's duration in milliseconds (fractional
//! allowed). The header comes from the app under test, so nothing in it is
//! trusted: an entry without a usable `dur` (missing, not a number, negative,
//! infinite, over an hour) is left out, a name that is not an HTTP token is
//! left out, quoted values may hold commas and semicolons, parameter names
//! are matched without regard to case, the first `dur` of an entry wins (as
//! the specification says for repeated parameters), and several headers on
//! one response read as one list. A phase named twice in one response (two
//! database calls, say) counts their sum: the time the response spent in it.
//! Nothing here panics, whatever the bytes.

pub use crate::record::phases::{MAX_NAME, MAX_PHASES};

/// Longest duration kept, ms: anything longer is no real phase of a request.
const MAX_MS: f64 = 3_600_000.0;

/// One timed phase of one response.
#[derive(Debug, Clone, PartialEq)]
pub struct Phase {
    pub name: String,
    /// Duration, milliseconds.
    pub ms: f64,
}

/// The timed phases of one response, from all its `Server-Timing` header
/// values in order; at most [`MAX_PHASES`] distinct names.
pub fn parse<'a>(values: impl IntoIterator<Item = &'a [u8]>) -> Vec<Phase> {
    let mut phases: Vec<Phase> = Vec::new();
    for value in values {
        for entry in split_outside_quotes(value, b',') {
            let Some((name, ms)) = timed_entry(entry) else {
                continue;
            };
            if let Some(phase) = phases.iter_mut().find(|p| p.name == name) {
                phase.ms = (phase.ms + ms).min(MAX_MS);
            } else if phases.len() < MAX_PHASES {
                phases.push(Phase {
                    name: name.to_string(),
                    ms,
                });
            }
        }
    }
    phases
}

/// The name and `dur` of one entry (`db;desc="x";dur=5`), when both are
/// usable.
fn timed_entry(entry: &[u8]) -> Option<(&str, f64)> {
    let mut parts = split_outside_quotes(entry, b';');
    let name = std::str::from_utf8(trim(parts.next()?)).ok()?;
    if name.is_empty() || name.len() > MAX_NAME || !name.bytes().all(is_token) {
        return None;
    }
    // The first `dur` parameter wins, usable or not.
    let dur = parts.find_map(|param| {
        let (key, value) = split_once(param, b'=')?;
        trim(key)
            .eq_ignore_ascii_case(b"dur")
            .then(|| unquote(trim(value)))
    })?;
    let ms: f64 = std::str::from_utf8(&dur).ok()?.trim().parse().ok()?;
    (ms.is_finite() && (0.0..=MAX_MS).contains(&ms)).then_some((name, ms))
}

/// RFC 9110 `tchar`.
fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |i| i + 1);
    &bytes[start..end.max(start)]
}

fn split_once(bytes: &[u8], sep: u8) -> Option<(&[u8], &[u8])> {
    let at = bytes.iter().position(|&b| b == sep)?;
    Some((&bytes[..at], &bytes[at + 1..]))
}

/// A quoted-string's content with its escapes resolved; anything else as
/// is, without copying.
fn unquote(value: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let Some(inner) = value.strip_prefix(b"\"") else {
        return std::borrow::Cow::Borrowed(value);
    };
    let mut out = Vec::with_capacity(inner.len());
    let mut escaped = false;
    for &b in inner {
        match (escaped, b) {
            (true, _) => {
                out.push(b);
                escaped = false;
            }
            (false, b'\\') => escaped = true,
            (false, b'"') => break,
            (false, _) => out.push(b),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Splits at `sep` where it is not inside a quoted string (`"…"` with `\`
/// escapes); an unterminated quote runs to the end.
fn split_outside_quotes(bytes: &[u8], sep: u8) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(bytes);
    std::iter::from_fn(move || {
        let text = rest?;
        let (mut quoted, mut escaped) = (false, false);
        for (i, &b) in text.iter().enumerate() {
            match (quoted, escaped, b) {
                (true, true, _) => escaped = false,
                (true, false, b'\\') => escaped = true,
                (true, false, b'"') => quoted = false,
                (false, _, b'"') => quoted = true,
                (false, _, b) if b == sep => {
                    rest = Some(&text[i + 1..]);
                    return Some(&text[..i]);
                }
                _ => {}
            }
        }
        rest = None;
        Some(text)
    })
}

#[cfg(test)]
mod tests;
