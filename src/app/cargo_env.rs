//! Cargo's variables for the program it runs stay out of the app's
//! environment and its build step's.
//!
//! Started by `cargo run` (or from a test), benchgate has `CARGO`,
//! `CARGO_MANIFEST_DIR`, `CARGO_PKG_*`, … in its environment. A build step
//! that runs `cargo build` and inherits them sees `CARGO_MANIFEST_DIR`
//! change, and ring's build script (which declares it with
//! `rerun-if-env-changed`) reruns, recompiling every crate above it — on
//! every run, in both directions. Variables a user sets to configure cargo
//! (`CARGO_HOME`, `CARGO_TARGET_DIR`, `CARGO_NET_*`, `RUSTUP_*`, …) are
//! kept, and so is anything the suite's `app.env` sets itself.

use std::collections::BTreeMap;

use tokio::process::Command;

/// Whether `name` is a variable cargo sets for the program it runs, rather
/// than one a user sets to configure cargo.
fn set_by_cargo_for_its_program(name: &str) -> bool {
    const NAMES: [&str; 9] = [
        "CARGO",
        "CARGO_MANIFEST_DIR",
        "CARGO_MANIFEST_PATH",
        "CARGO_MANIFEST_LINKS",
        "CARGO_CRATE_NAME",
        "CARGO_BIN_NAME",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_RUSTC_CURRENT_DIR",
        "CARGO_TARGET_TMPDIR",
    ];
    const PREFIXES: [&str; 2] = ["CARGO_PKG_", "CARGO_BIN_EXE_"];
    NAMES.contains(&name) || PREFIXES.iter().any(|prefix| name.starts_with(prefix))
}

/// Removes cargo's variables for benchgate from `command`'s environment,
/// except those `asked` (the suite's `app.env`) sets itself.
pub fn withhold(command: &mut Command, asked: &BTreeMap<String, String>) {
    for (name, _) in std::env::vars_os() {
        let Some(name) = name.to_str() else { continue };
        if set_by_cargo_for_its_program(name) && !asked.contains_key(name) {
            command.env_remove(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_variables_cargo_sets_for_its_program_are_dropped() {
        for name in [
            "CARGO",
            "CARGO_MANIFEST_DIR",
            "CARGO_MANIFEST_PATH",
            "CARGO_PKG_NAME",
            "CARGO_PKG_VERSION_PRE",
            "CARGO_CRATE_NAME",
            "CARGO_BIN_NAME",
            "CARGO_BIN_EXE_benchgate-demo",
            "CARGO_PRIMARY_PACKAGE",
            "CARGO_RUSTC_CURRENT_DIR",
            "CARGO_TARGET_TMPDIR",
        ] {
            assert!(set_by_cargo_for_its_program(name), "{name} is cargo's");
        }
        for name in [
            "CARGO_HOME",
            "CARGO_TARGET_DIR",
            "CARGO_NET_OFFLINE",
            "CARGO_REGISTRIES_MINE_INDEX",
            "CARGO_BUILD_JOBS",
            "CARGO_INCREMENTAL",
            "CARGO_PROFILE_RELEASE_DEBUG",
            "CARGOX",
            "RUSTUP_TOOLCHAIN",
            "RUSTFLAGS",
            "RUSTC_WRAPPER",
            "PATH",
            "PKG_CONFIG_PATH",
        ] {
            assert!(!set_by_cargo_for_its_program(name), "{name} is the user's");
        }
    }
}
