//! [`DecodeError`]: why a results file could not be read, with the JSON
//! path of what was refused.

/// Why a results file could not be read. `Display` is the reason only; the
/// caller names the file.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DecodeError {
    #[error("not JSON: {0}")]
    Json(String),
    #[error("`format` is {found}")]
    Format { found: String },
    /// A field has the wrong shape or an unusable value.
    #[error("{path}: {message}")]
    Field { path: String, message: String },
    /// A suite, endpoint or phase name that no suite file could hold.
    #[error("{path}: {source}")]
    Name {
        path: String,
        source: crate::config::names::NameError,
    },
}
