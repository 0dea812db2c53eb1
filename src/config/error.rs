//! [`ConfigError`]: every way a suite file can be wrong, as one sentence
//! that names the file, the line, the key and what to write instead.

use std::io;
use std::path::{Path, PathBuf};

use crate::exit::{Code, Coded};

/// A suite file that cannot be used. `Display` is the whole message.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {}: {cause}{}", path.display(), read_hint(cause))]
    Read {
        path: PathBuf,
        #[source]
        cause: io::Error,
    },
    /// The file was read but is not a valid suite file. `message` starts
    /// with the key path when there is one (`load.rate: …`).
    #[error("{}:{line}{}: {message}", file.display(), column.map(|c| format!(":{c}")).unwrap_or_default())]
    Invalid {
        file: PathBuf,
        /// 1-based.
        line: usize,
        /// 1-based, when known.
        column: Option<usize>,
        message: String,
    },
}

/// A suite file the user must fix: bad usage.
impl Coded for ConfigError {
    fn exit_code(&self) -> Code {
        Code::Usage
    }
}

fn read_hint(cause: &io::Error) -> &'static str {
    if cause.kind() == io::ErrorKind::NotFound {
        "; create one with `benchgate init` or pass --config FILE"
    } else {
        ""
    }
}

impl ConfigError {
    /// A YAML syntax error, a type error or a refused value from serde_yaml.
    pub(super) fn from_yaml(file: &Path, err: &serde_yaml::Error, syntax: bool) -> Self {
        let mut message = err.to_string();
        let (line, column) = match err.location() {
            Some(at) => {
                // serde_yaml appends the position we print in front.
                let suffix = format!(" at line {} column {}", at.line(), at.column());
                message = message.replacen(&suffix, "", 1);
                (at.line(), Some(at.column()))
            }
            None => (1, None),
        };
        if syntax {
            message.push_str(
                "; this is not valid YAML: check the indentation, and quote values that contain \": \" or \" #\"",
            );
        } else if message.contains("more than one document") {
            message.push_str("; keep a single document (remove the `---` lines)");
        } else {
            message.push_str(&hint(&message));
        }
        ConfigError::Invalid {
            file: file.to_path_buf(),
            line,
            column,
            message,
        }
    }
}

/// A fix for serde's own messages (missing and unknown keys).
fn hint(message: &str) -> String {
    if let Some(field) = between(message, "missing field `", "`") {
        let example = match field {
            "version" => "version: 1",
            "suite" => "suite: api",
            "base_url" => "base_url: \"http://127.0.0.1:8000\"",
            "endpoints" => "endpoints: [{ name: home, path: / }]",
            "command" => "command: [\"./server\", \"--port\", \"8000\"]",
            "name" => "name: list-users",
            "path" => "path: /users",
            "status" => "status: 200",
            _ => return format!("; add `{field}:`"),
        };
        return format!("; add e.g. `{example}`");
    }
    if let Some(field) = between(message, "unknown field `", "`") {
        let expected = message.split("expected ").nth(1).unwrap_or_default();
        let closest = expected
            .split('`')
            .skip(1)
            .step_by(2)
            .map(|known| (distance(field, known), known))
            .min();
        return match closest {
            Some((d, known)) if d <= 2 => format!("; did you mean `{known}`?"),
            _ => "; remove it or fix its spelling".to_string(),
        };
    }
    String::new()
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = &s[s.find(start)? + start.len()..];
    Some(&rest[..rest.find(end)?])
}

/// Levenshtein distance, for "did you mean".
pub(super) fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != cb))
                .min(row[j] + 1)
                .min(current + 1);
            previous = current;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_keys_only() {
        let msg = "load: unknown field `rat`, expected one of `rate`, `connections`";
        assert_eq!(hint(msg), "; did you mean `rate`?");
        let msg = "unknown field `colour`, expected one of `version`, `suite`";
        assert_eq!(hint(msg), "; remove it or fix its spelling");
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
