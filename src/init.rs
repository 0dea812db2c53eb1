//! `benchgate init`: writes a commented starter suite file and the pull
//! request workflow, so a new user starts from something that validates.
//!
//! Both files are checked before either is written: an existing file is
//! never overwritten and a refusal leaves the directory as it was.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::exit::{Code, Failure};

/// The starter suite: a placeholder app that runs anywhere with python3.
const SUITE: &str = include_str!("init/benchgate.yaml");
/// The pull-request workflow, A/B mode (the same file as docs/workflows/pr-ab.yml).
const WORKFLOW: &str = include_str!("init/workflow.yml");

/// Where each file goes, relative to the target directory.
const FILES: [(&str, &str); 2] = [
    ("benchgate.yaml", SUITE),
    (".github/workflows/benchgate.yml", WORKFLOW),
];

/// Writes both files into `dir`, or nothing when either exists already.
pub fn init(dir: &Path) -> Result<Code, Failure> {
    let targets: Vec<(PathBuf, &str)> = FILES
        .iter()
        .map(|(name, text)| (dir.join(name), *text))
        .collect();
    if let Some((path, _)) = targets.iter().find(|(path, _)| path.exists()) {
        return Err(Failure::usage(format!(
            "{} already exists; nothing was written (move it away, or pass --dir to start elsewhere)",
            path.display()
        )));
    }
    for (path, text) in &targets {
        write_new(path, text)?;
        println!("wrote {}", path.display());
    }
    print_next_steps(&targets[0].0);
    Ok(Code::Pass)
}

/// Creates `path` (and its parent directories); fails if it appeared meanwhile.
fn write_new(path: &Path, text: &str) -> Result<(), Failure> {
    if let Some(parent) = path.parent() {
        fs_err::create_dir_all(parent).map_err(Failure::usage)?;
    }
    let mut file = fs_err::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(Failure::usage)?;
    file.write_all(text.as_bytes()).map_err(Failure::usage)
}

fn print_next_steps(suite: &Path) {
    let suite = suite.display();
    println!(
        "\nNext steps:\n\
         1. Edit {suite}: your app's command, its ready URL and the requests to replay.\n\
         2. Check it: benchgate validate --config {suite}\n\
         3. Try the gate: benchgate check --ab HEAD --config {suite} (this checkout\n\
         \x20  against its last commit, side by side; the workflow does the same against\n\
         \x20  the pull request's base, so no baseline is needed on cloud runners).\n\
         4. Commit the suite file and .github/workflows/benchgate.yml\n\
         \x20  (first replace its `OWNER/benchgate@main` line with the release you use,\n\
         \x20  pinned to its full commit SHA: `OWNER/benchgate@<sha> # vX.Y.Z`)."
    );
}
