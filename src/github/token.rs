//! The GitHub token: a secret that no `Debug` output, log line or error
//! message may show.

/// A secret that never shows in `Debug` output.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    /// The token from the command line or the environment, trimmed.
    pub fn new(text: &str) -> Token {
        Token(text.trim().to_string())
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(***)")
    }
}

impl Token {
    pub fn expose(&self) -> &str {
        &self.0
    }
}
