//! What a suite name, an endpoint name and a Server-Timing phase name may be.
//!
//! A suite name is an identifier: it names files (`baselines/<suite>.json`,
//! `<suite>.history.jsonl`), so it may not climb out of the directory or
//! hide in it. An endpoint name is free text for people, but it is printed
//! in CI logs, terminals and HTML, so control characters are refused. A
//! phase name is an HTTP token. The rules apply to suite files and to
//! results files alike, so they live here, below both readers.

/// Longest suite name.
pub const MAX_SUITE: usize = 64;
/// Longest endpoint name, characters.
pub const MAX_ENDPOINT: usize = 200;
/// The name of the report row that holds the app-level metrics
/// (`cpu/request`, `peak_rss`): reserved, so no endpoint may take it.
pub const APP_ROW: &str = "(app)";

const SUITE_FIX: &str =
    "use letters, digits, `.`, `_` and `-`, starting with a letter or digit, e.g. `suite: api`";

/// A name that cannot be used: what is wrong with it and how to fix it.
/// `shown` is the name as a message shows it (quoted, escaped, clipped).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("the suite name is empty; {SUITE_FIX}")]
    SuiteEmpty,
    #[error("suite name {shown} is longer than {MAX_SUITE} characters; {SUITE_FIX}")]
    SuiteTooLong { shown: String },
    #[error(
        "suite name {shown} is not an identifier (it names files under baselines/); {SUITE_FIX}"
    )]
    SuiteNotIdentifier { shown: String },
    #[error("the endpoint name is empty; name it, e.g. `name: list-users`")]
    EndpointEmpty,
    #[error("endpoint name {shown} is longer than {MAX_ENDPOINT} characters; shorten it")]
    EndpointTooLong { shown: String },
    #[error("endpoint name {shown} contains control characters (newline, tab, escape …); use plain text")]
    EndpointControl { shown: String },
    /// The name of one of the reports' own rows.
    #[error(
        "endpoint name {0} is the reports' row of the app's CPU time; name the endpoint otherwise"
    )]
    EndpointReserved(String),
    #[error("a phase name is empty")]
    PhaseEmpty,
    #[error("a phase name is over {MAX_PHASE} bytes")]
    PhaseTooLong,
    #[error("phase name {clipped:?} is not an HTTP token (letters, digits and !#$%&'*+-.^_`|~)")]
    PhaseNotToken { clipped: String },
}

/// `Ok` for `[A-Za-z0-9][A-Za-z0-9._-]{0,63}` without `..`; otherwise the
/// problem and its fix.
pub fn check_suite(name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::SuiteEmpty);
    }
    if name.len() > MAX_SUITE {
        return Err(NameError::SuiteTooLong { shown: shown(name) });
    }
    let first_ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !first_ok || !rest_ok || name.contains("..") {
        return Err(NameError::SuiteNotIdentifier { shown: shown(name) });
    }
    Ok(())
}

/// `Ok` for a non-empty name of at most [`MAX_ENDPOINT`] characters without
/// control characters.
pub fn check_endpoint(name: &str) -> Result<(), NameError> {
    if name.trim().is_empty() {
        return Err(NameError::EndpointEmpty);
    }
    if name.chars().count() > MAX_ENDPOINT {
        return Err(NameError::EndpointTooLong { shown: shown(name) });
    }
    if name.chars().any(char::is_control) {
        return Err(NameError::EndpointControl { shown: shown(name) });
    }
    if name == APP_ROW {
        return Err(NameError::EndpointReserved(name.to_string()));
    }
    Ok(())
}

/// Longest phase name, bytes.
pub const MAX_PHASE: usize = 64;

/// Why `name` cannot be a phase name, if it cannot: phase names are HTTP
/// tokens (RFC 9110 `tchar`), 1 to [`MAX_PHASE`] bytes.
pub fn check_phase(name: &str) -> Result<(), NameError> {
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if name.is_empty() {
        Err(NameError::PhaseEmpty)
    } else if name.len() > MAX_PHASE {
        Err(NameError::PhaseTooLong)
    } else if !name.bytes().all(token) {
        Err(NameError::PhaseNotToken {
            clipped: clip(name),
        })
    } else {
        Ok(())
    }
}

/// At most 40 characters of a user's text, for a message.
pub fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// A user's name as a message shows it: quoted, escaped, clipped.
fn shown(name: &str) -> String {
    let clipped: String = name.chars().take(40).collect();
    let more = if clipped.len() < name.len() {
        "…"
    } else {
        ""
    };
    format!("{:?}{more}", clipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suite_names_are_identifiers() {
        for ok in ["api", "demo", "A.b_c-1", "9lives", &"a".repeat(64)] {
            assert_eq!(check_suite(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "../../../outside/leak",
            "a/b",
            "a\\b",
            ".hidden",
            "-x",
            "a..b",
            "api\n::error title=X::forged",
            "spaced name",
            "é",
            &"a".repeat(65),
        ] {
            let problem = check_suite(bad).expect_err(bad).to_string();
            assert!(!problem.contains('\n'), "escaped: {problem}");
        }
    }

    #[test]
    fn endpoint_names_have_no_control_characters() {
        assert_eq!(check_endpoint("list users (v2) → é"), Ok(()));
        for bad in ["", "  ", "a\nb", "\u{1b}[31mred", "nul\0", "tab\there"] {
            let problem = check_endpoint(bad).expect_err(bad).to_string();
            assert!(!problem.contains(['\n', '\u{1b}', '\0']), "{problem}");
        }
        assert!(check_endpoint(&"x".repeat(201)).is_err());
    }
}
