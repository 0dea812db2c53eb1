//! `cargo binstall benchgate` finds a prebuilt binary through the templates
//! in Cargo.toml's `[package.metadata.binstall]`; the release workflow
//! (`.github/workflows/release.yml`) is what makes those binaries. Nothing
//! ties the two together but this test: it runs the workflow's own archive
//! step, in a scratch directory, for every target the workflow builds, and
//! checks that the templates expand to the archive that step made, the tag
//! it is published under and the binary's path inside it.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_yaml::Value;
use toml_edit::DocumentMut;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What cargo-binstall reads from the manifest.
#[derive(Debug)]
struct Binstall {
    name: String,
    version: String,
    repository: String,
    pkg_url: String,
    bin_dir: String,
    pkg_fmt: String,
}

fn binstall_settings() -> Binstall {
    let path = root().join("Cargo.toml");
    let text = fs_err::read_to_string(&path).expect("Cargo.toml is readable");
    let doc: DocumentMut = text
        .parse()
        .unwrap_or_else(|e| panic!("{} is not TOML: {e}", path.display()));
    let package = &doc["package"];
    let field = |item: &toml_edit::Item, key: &str| -> String {
        item[key]
            .as_str()
            .unwrap_or_else(|| panic!("Cargo.toml has no string {key}"))
            .to_string()
    };
    let meta = &package["metadata"]["binstall"];
    Binstall {
        name: field(package, "name"),
        version: field(package, "version"),
        repository: field(package, "repository"),
        pkg_url: field(meta, "pkg-url"),
        bin_dir: field(meta, "bin-dir"),
        pkg_fmt: field(meta, "pkg-fmt"),
    }
}

/// Expands a binstall template: `{ key }` (spaces optional) is replaced by
/// its value. An unknown key fails the test, so a new placeholder in
/// Cargo.toml has to be taught here before it can pass.
fn expand(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..]
            .find('}')
            .unwrap_or_else(|| panic!("unclosed {{ in {template}"));
        let key = rest[open + 1..open + close].trim();
        let value = vars
            .iter()
            .find(|(k, _)| *k == key)
            .unwrap_or_else(|| panic!("{template}: this test does not know {{ {key} }}"));
        out.push_str(value.1);
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

#[test]
fn expand_replaces_every_placeholder() {
    let vars = [("name", "n"), ("target", "t"), ("binary-ext", "")];
    assert_eq!(expand("{ name }-{target}/x{ binary-ext }", &vars), "n-t/x");
    assert_eq!(expand("no placeholders", &vars), "no placeholders");
}

/// The release workflow's targets and the `run:` script of its archive step.
fn release_workflow() -> (Vec<String>, String) {
    let path = root().join(".github/workflows/release.yml");
    let text = fs_err::read_to_string(&path).expect("release.yml is readable");
    let workflow: Value = serde_yaml::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()));
    let tags = workflow["on"]["push"]["tags"]
        .as_sequence()
        .expect("release.yml runs on tag pushes");
    // The release is published under the pushed tag (`gh release create
    // "$TAG"`), which the filter makes v<something>: pkg-url's v{ version }.
    assert_eq!(tags.len(), 1, "{tags:?}");
    assert_eq!(tags[0].as_str(), Some("v*"));
    assert!(text.contains("gh release create \"$TAG\""));

    let build = &workflow["jobs"]["build"];
    let targets: Vec<String> = build["strategy"]["matrix"]["include"]
        .as_sequence()
        .expect("a build matrix")
        .iter()
        .map(|entry| entry["target"].as_str().expect("a target").to_string())
        .collect();
    assert!(!targets.is_empty());
    let archive = build["steps"]
        .as_sequence()
        .expect("build steps")
        .iter()
        .find(|step| step["name"].as_str() == Some("Archive"))
        .expect("a step named Archive");
    let script = archive["run"]
        .as_str()
        .expect("the Archive step runs a script");
    (targets, script.to_string())
}

/// Runs the archive script as GitHub Actions would (bash, -e, pipefail) in
/// `dir`, laid out like a checkout after `cargo build --target`.
fn run_archive_step(dir: &Path, script: &str, target: &str) {
    let release = dir.join("target").join(target).join("release");
    fs_err::create_dir_all(&release).expect("create the build directory");
    let bin = release.join("benchgate");
    fs_err::write(&bin, "#!/bin/sh\necho stand-in\n").expect("write a stand-in binary");
    fs_err::set_permissions(&bin, std::fs::Permissions::from_mode(0o755))
        .expect("make it executable");
    for entry in fs_err::read_dir(root()).expect("list the repository") {
        let entry = entry.expect("a directory entry");
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name == "README.md" || name.starts_with("LICENSE") {
            fs_err::copy(entry.path(), dir.join(&*name)).expect("copy a shipped file");
        }
    }
    let out = Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
        .current_dir(dir)
        .env("TARGET", target)
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "the archive step failed for {target}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn archive_listing(archive: &Path) -> Vec<String> {
    let out = Command::new("tar")
        .arg("-tvzf")
        .arg(archive)
        .output()
        .expect("tar runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn binstall_templates_name_the_archives_the_release_workflow_makes() {
    let meta = binstall_settings();
    // The release archives are gzip'd tarballs (`tar -czf`).
    assert_eq!(meta.pkg_fmt, "tgz");
    let (targets, script) = release_workflow();
    let licences: Vec<String> = fs_err::read_dir(root())
        .expect("list the repository")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("LICENSE"))
        .collect();
    assert!(!licences.is_empty(), "no LICENSE files to ship");

    for target in &targets {
        assert!(!target.contains("windows"), "{target} would need .exe");
        let vars = [
            ("repo", meta.repository.as_str()),
            ("name", meta.name.as_str()),
            ("version", meta.version.as_str()),
            ("target", target.as_str()),
            ("bin", "benchgate"),
            ("binary-ext", ""),
        ];
        let url = expand(&meta.pkg_url, &vars);
        let bin_dir = expand(&meta.bin_dir, &vars);

        let dir = tempfile::tempdir().expect("a scratch directory");
        run_archive_step(dir.path(), &script, target);
        let made: Vec<String> = fs_err::read_dir(dir.path().join("dist"))
            .expect("the step wrote dist/")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".tar.gz"))
            .collect();
        assert_eq!(made.len(), 1, "{target}: {made:?}");
        let archive = &made[0];
        assert_eq!(
            url,
            format!(
                "{}/releases/download/v{}/{archive}",
                meta.repository, meta.version
            ),
            "{target}: pkg-url does not name the archive release.yml makes"
        );

        let path = dir.path().join("dist").join(archive);
        let magic = fs_err::read(&path).expect("read the archive");
        assert_eq!(magic.get(..2), Some(&[0x1f, 0x8b][..]), "not gzip");
        let listing = archive_listing(&path);
        let binary = listing
            .iter()
            .find(|line| line.ends_with(&format!(" {bin_dir}")))
            .unwrap_or_else(|| panic!("{target}: no {bin_dir} in {listing:#?}"));
        assert!(binary.starts_with("-rwx"), "not executable: {binary}");
        let folder = bin_dir.rsplit_once('/').map_or("", |(d, _)| d);
        for shipped in licences.iter().map(String::as_str).chain(["README.md"]) {
            let want = format!(" {folder}/{shipped}");
            assert!(
                listing.iter().any(|line| line.ends_with(&want)),
                "{target}: {shipped} is not in the archive: {listing:#?}"
            );
        }
    }
}
