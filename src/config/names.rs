//! What a suite name and an endpoint name may be.
//!
//! A suite name is an identifier: it names files (`baselines/<suite>.json`,
//! `<suite>.history.jsonl`), so it may not climb out of the directory or
//! hide in it. An endpoint name is free text for people, but it is printed
//! in CI logs, terminals and HTML, so control characters are refused. Both
//! rules apply to suite files and to results files alike.

/// Longest suite name.
pub const MAX_SUITE: usize = 64;
/// Longest endpoint name, characters.
pub const MAX_ENDPOINT: usize = 200;
/// The name of the report row that holds the app-level metrics
/// (`cpu/request`, `peak_rss`): reserved, so no endpoint may take it.
pub const APP_ROW: &str = "(app)";

/// `Ok` for `[A-Za-z0-9][A-Za-z0-9._-]{0,63}` without `..`; otherwise the
/// problem and its fix.
pub fn check_suite(name: &str) -> Result<(), String> {
    let fix =
        "use letters, digits, `.`, `_` and `-`, starting with a letter or digit, e.g. `suite: api`";
    let shown = shown(name);
    if name.is_empty() {
        return Err(format!("the suite name is empty; {fix}"));
    }
    if name.len() > MAX_SUITE {
        return Err(format!(
            "suite name {shown} is longer than {MAX_SUITE} characters; {fix}"
        ));
    }
    let first_ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !first_ok || !rest_ok || name.contains("..") {
        return Err(format!(
            "suite name {shown} is not an identifier (it names files under baselines/); {fix}"
        ));
    }
    Ok(())
}

/// `Ok` for a non-empty name of at most [`MAX_ENDPOINT`] characters without
/// control characters.
pub fn check_endpoint(name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err("the endpoint name is empty; name it, e.g. `name: list-users`".into());
    }
    if name.chars().count() > MAX_ENDPOINT {
        return Err(format!(
            "endpoint name {} is longer than {MAX_ENDPOINT} characters; shorten it",
            shown(name)
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(format!(
            "endpoint name {} contains control characters (newline, tab, escape …); use plain text",
            shown(name)
        ));
    }
    if name == APP_ROW {
        return Err(format!(
            "endpoint name {name} is the reports' row of the app's CPU time; name the endpoint otherwise"
        ));
    }
    Ok(())
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
            let problem = check_suite(bad).expect_err(bad);
            assert!(!problem.contains('\n'), "escaped: {problem}");
        }
    }

    #[test]
    fn endpoint_names_have_no_control_characters() {
        assert_eq!(check_endpoint("list users (v2) → é"), Ok(()));
        for bad in ["", "  ", "a\nb", "\u{1b}[31mred", "nul\0", "tab\there"] {
            let problem = check_endpoint(bad).expect_err(bad);
            assert!(!problem.contains(['\n', '\u{1b}', '\0']), "{problem}");
        }
        assert!(check_endpoint(&"x".repeat(201)).is_err());
    }
}
