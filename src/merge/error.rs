//! Why a suite could not be split or its results joined; each is the
//! user's to fix (exit code 2).

use std::path::PathBuf;

use crate::exit::{Code, Coded};
use crate::record::DecodeError;

/// A `--shard K/N` that names no shard of the suite.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShardError {
    #[error("expected K/N (shard K of N, e.g. 2/3), not '{0}'")]
    Syntax(String),
    #[error("'{0}': the number of shards N must be at least 1")]
    NoShards(String),
    #[error("'{text}': the shard K must be between 1 and N ({count})")]
    OutOfRange { text: String, count: usize },
    /// `shard` is `K/N`.
    #[error("shard {shard} has no endpoints: suite {suite} has {endpoints} endpoint(s), so split it into at most {endpoints} shard(s)")]
    Empty {
        shard: String,
        suite: String,
        endpoints: usize,
    },
}

/// Results files that cannot be joined into one record.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("no results files to merge")]
    Nothing,
    #[error("{} and {} hold the same run; give each shard's results once", first.display(), second.display())]
    Duplicate { first: PathBuf, second: PathBuf },
    /// Not results of one suite, file, or benchgate version: the message
    /// names both files and what differs.
    #[error("{0}")]
    Differ(String),
    #[error("cannot merge {}: {cause}", path.display())]
    Join {
        path: PathBuf,
        #[source]
        cause: crate::record::JoinError,
    },
    #[error("the merged record would be too large to read back ({0}); merge fewer files")]
    TooLarge(DecodeError),
}

impl Coded for ShardError {
    fn exit_code(&self) -> Code {
        Code::Usage
    }
}

impl Coded for MergeError {
    fn exit_code(&self) -> Code {
        Code::Usage
    }
}
