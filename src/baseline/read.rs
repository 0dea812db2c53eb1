//! Reading a results or baseline file, trusting nothing in it, and
//! [`LoadError`]: every way such a file can be unusable, with its fix.

use std::path::{Path, PathBuf};

use crate::exit::{Code, Coded};
use crate::record::{self, RunRecord};

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("no baseline for suite {suite} at {path}; record one with `benchgate baseline update` and commit it")]
    Missing { suite: String, path: PathBuf },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a valid benchgate record ({reason}); it may be truncated or edited by hand: restore it from git or record it again with `benchgate baseline update`")]
    Corrupt { path: PathBuf, reason: String },
    /// [`LoadError::Corrupt`] for a file the decoder refused.
    #[error("{path} is not a valid benchgate record ({source}); it may be truncated or edited by hand: restore it from git or record it again with `benchgate baseline update`")]
    Decode {
        path: PathBuf,
        source: record::DecodeError,
    },
    #[error("{path} has format {found}, but this benchgate reads format {expected}; record it again with `benchgate baseline update` or use a matching benchgate version")]
    Format {
        path: PathBuf,
        found: String,
        expected: u32,
    },
    #[error("{path} holds suite {found:?}, not {expected:?}: its numbers belong to another suite; restore the file from git or record it again with `benchgate baseline update`")]
    OtherSuite {
        path: PathBuf,
        found: String,
        expected: String,
    },
}

/// A baseline file the user must restore or record again.
impl Coded for LoadError {
    fn exit_code(&self) -> Code {
        Code::Usage
    }
}

/// Reads a results or baseline file: its size, its format version, then
/// the record with every limit of [`record::limits`] checked, so that a
/// crafted file (the fork-safe workflow compares files a pull request wrote)
/// is refused with the JSON path of what is wrong.
pub fn read_record(path: &Path) -> Result<RunRecord, LoadError> {
    let read = |source| LoadError::Read {
        path: path.to_path_buf(),
        source,
    };
    let corrupt = |reason: String| LoadError::Corrupt {
        path: path.to_path_buf(),
        reason,
    };
    let size = std::fs::metadata(path).map_err(read)?.len();
    if size > record::limits::MAX_FILE_BYTES {
        return Err(corrupt(format!(
            "it is {size} bytes, over the limit of {} for a results file",
            record::limits::MAX_FILE_BYTES
        )));
    }
    let bytes = std::fs::read(path).map_err(read)?;
    let mut record = record::decode(&bytes).map_err(|e| match e {
        record::DecodeError::Format { found } => LoadError::Format {
            path: path.to_path_buf(),
            found,
            expected: record::FORMAT,
        },
        source => LoadError::Decode {
            path: path.to_path_buf(),
            source,
        },
    })?;
    if record.endpoints.is_empty() {
        return Err(corrupt("it has no endpoints".into()));
    }
    record.summarize();
    Ok(record)
}
