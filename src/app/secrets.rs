//! Secrets around the app: GitHub's tokens are kept out of its environment,
//! and known secret values are redacted from what benchgate prints of its
//! logs.
//!
//! In a workflow, benchgate's environment holds `GITHUB_TOKEN` (which may
//! write to the repository) and the runner's own tokens. The app under test
//! and its build are code from the pull request: they get none of them
//! unless the suite's `app.env` names them — nor any other variable that
//! carries the same value (`INPUT_GITHUB-TOKEN`, a workflow's
//! `TOKEN: ${{ secrets.GITHUB_TOKEN }}`).
//!
//! benchgate's own environment is hidden from the app too: the process is
//! made non-dumpable ([`hide_own_environment`]).
//!
//! What the app writes is shown when it fails (the last lines of its log).
//! Before that, every value of a GitHub token variable and of any variable
//! whose name looks secret (`*TOKEN*`, `*SECRET*`, `*PASSWORD*`, `*KEY*`),
//! from benchgate's environment or `app.env`, is replaced by `***`.

use std::collections::BTreeMap;

use tokio::process::Command;

/// The variables through which GitHub Actions hands out tokens.
pub const GITHUB_TOKEN_VARS: &[&str] = &[
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "GITHUB_ENTERPRISE_TOKEN",
    "GH_ENTERPRISE_TOKEN",
    "ACTIONS_RUNTIME_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
];

/// The files through which a GitHub Actions step sets the environment,
/// `PATH`, outputs and summary of the steps after it. The app must not be
/// handed their paths: a line `LD_PRELOAD=…` in `$GITHUB_ENV` would run
/// its code inside the publish step, which holds the token. (The runner's
/// temp directory still holds them; a publish step that must not trust the
/// measured code runs in a job of its own, as docs/workflows' fork
/// workflows do.)
pub const GITHUB_FILE_COMMAND_VARS: &[&str] = &[
    "GITHUB_ENV",
    "GITHUB_PATH",
    "GITHUB_OUTPUT",
    "GITHUB_STATE",
    "GITHUB_STEP_SUMMARY",
];

/// Name fragments that mark a variable's value as secret.
const SECRET_NAMES: &[&str] = &["TOKEN", "SECRET", "PASSWORD", "PASSWD", "KEY", "CREDENTIAL"];

/// Values shorter than this are not redacted: `KEY=1` would blank every
/// digit of the log, and so short a value is no secret.
const MIN_SECRET_LEN: usize = 6;

/// Whether a variable's name says its value is secret.
pub fn looks_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_NAMES.iter().any(|s| upper.contains(s))
}

/// The names of the variables of `env` that the app must not inherit: the
/// GitHub token variables, any variable holding one of their values, and
/// the step's file-command paths, except those `asked` (the suite's
/// `app.env`) sets itself.
pub fn withheld(
    env: impl IntoIterator<Item = (String, String)>,
    asked: &BTreeMap<String, String>,
) -> Vec<String> {
    let env: Vec<(String, String)> = env.into_iter().collect();
    let tokens: Vec<&str> = env
        .iter()
        .filter(|(name, value)| GITHUB_TOKEN_VARS.contains(&name.as_str()) && !value.is_empty())
        .map(|(_, value)| value.as_str())
        .collect();
    env.iter()
        .filter(|(name, value)| {
            GITHUB_TOKEN_VARS.contains(&name.as_str())
                || GITHUB_FILE_COMMAND_VARS.contains(&name.as_str())
                || (!value.is_empty() && tokens.contains(&value.as_str()))
        })
        .map(|(name, _)| name.clone())
        .filter(|name| !asked.contains_key(name))
        .collect()
}

/// Removes from `command`'s environment what the app must not inherit.
pub fn withhold(command: &mut Command, asked: &BTreeMap<String, String>) {
    for name in withheld(std::env::vars(), asked) {
        command.env_remove(name);
    }
}

/// Makes this process non-dumpable, so that a process of the same user —
/// the app under test, whose supervisor's arguments name this pid — can
/// neither read its `/proc/<pid>/environ` (which may hold `GITHUB_TOKEN`)
/// nor attach to it. `main` calls it after the supervisor's check: the
/// supervisor's environment, like the app's, has no token, and an `exec`
/// makes every child dumpable again, so the app stays measurable. A root
/// process (a runner's `sudo`) is not stopped: measuring and publishing in
/// separate steps is what keeps the token away.
pub fn hide_own_environment() {
    #[cfg(target_os = "linux")]
    if let Err(e) = nix::sys::prctl::set_dumpable(false) {
        eprintln!("benchgate: warning: cannot hide this process's environment from the app (prctl PR_SET_DUMPABLE: {e})");
    }
}

/// Replaces known secret values by `***`.
#[derive(Clone, Default)]
pub struct Redactor {
    /// Longest first, so that a secret containing another goes whole.
    values: Vec<String>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} values)", self.values.len())
    }
}

impl Redactor {
    /// The secrets of `env` and of the app's own `app_env`.
    pub fn new(
        env: impl IntoIterator<Item = (String, String)>,
        app_env: &BTreeMap<String, String>,
    ) -> Redactor {
        let mut values: Vec<String> = env
            .into_iter()
            .chain(app_env.iter().map(|(k, v)| (k.clone(), v.clone())))
            .filter(|(name, _)| GITHUB_TOKEN_VARS.contains(&name.as_str()) || looks_secret(name))
            .map(|(_, value)| value)
            .filter(|value| value.trim().len() >= MIN_SECRET_LEN)
            .collect();
        values.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        values.dedup();
        Redactor { values }
    }

    /// From benchgate's environment and `app_env`.
    pub fn from_env(app_env: &BTreeMap<String, String>) -> Redactor {
        Redactor::new(std::env::vars(), app_env)
    }

    pub fn redact(&self, text: &str) -> String {
        let mut text = text.to_string();
        for value in &self.values {
            if text.contains(value.as_str()) {
                text = text.replace(value.as_str(), "***");
            }
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn github_tokens_and_their_copies_are_withheld_unless_asked_for() {
        let env = vars(&[
            ("GITHUB_TOKEN", "ghs_abcdef123456"),
            ("INPUT_GITHUB-TOKEN", "ghs_abcdef123456"),
            ("ACTIONS_RUNTIME_TOKEN", "rt_999999"),
            ("PATH", "/usr/bin"),
            ("GITHUB_REPOSITORY", "octo/app"),
            (
                "GITHUB_ENV",
                "/runner/_temp/_runner_file_commands/set_env_1",
            ),
            (
                "GITHUB_PATH",
                "/runner/_temp/_runner_file_commands/add_path_1",
            ),
        ]);
        let mut none = withheld(env.clone(), &BTreeMap::new());
        none.sort();
        assert_eq!(
            none,
            [
                "ACTIONS_RUNTIME_TOKEN",
                "GITHUB_ENV",
                "GITHUB_PATH",
                "GITHUB_TOKEN",
                "INPUT_GITHUB-TOKEN"
            ]
        );
        let asked = BTreeMap::from([("GITHUB_TOKEN".to_string(), "x".to_string())]);
        let mut some = withheld(env, &asked);
        some.sort();
        assert_eq!(
            some,
            [
                "ACTIONS_RUNTIME_TOKEN",
                "GITHUB_ENV",
                "GITHUB_PATH",
                "INPUT_GITHUB-TOKEN"
            ]
        );
    }

    #[test]
    fn secret_values_are_redacted_longest_first() {
        let env = vars(&[
            ("GITHUB_TOKEN", "ghs_abcdef123456"),
            ("DB_PASSWORD", "hunter2hunter2"),
            ("API_KEY", "abcdef"),
            ("SHORT_KEY", "1"),
            ("HOME", "/home/runner"),
        ]);
        let app = BTreeMap::from([("BENCH_TOKEN".to_string(), "bt-0000-1111".to_string())]);
        let r = Redactor::new(env, &app);
        assert_eq!(
            r.redact(
                "token ghs_abcdef123456 pw hunter2hunter2 bench bt-0000-1111 home /home/runner 1"
            ),
            "token *** pw *** bench *** home /home/runner 1"
        );
        assert!(!format!("{r:?}").contains("hunter2"));
    }

    #[test]
    fn names_that_look_secret() {
        for name in [
            "GITHUB_TOKEN",
            "aws_secret_access_key",
            "DB_PASSWORD",
            "API_KEY",
        ] {
            assert!(looks_secret(name), "{name}");
        }
        for name in ["PATH", "HOME", "GITHUB_SHA"] {
            assert!(!looks_secret(name), "{name}");
        }
    }
}
