//! The app's lifecycle helpers on their own: ready targets, logs, paths.

use super::*;

#[test]
fn ready_url_is_split_into_address_and_path() {
    let t = ReadyTarget::parse("http://127.0.0.1:8000/health?x=1").expect("valid");
    assert_eq!(
        t.base,
        BaseUrl {
            host: "127.0.0.1".into(),
            port: 8000
        }
    );
    assert_eq!(t.path, "/health?x=1");
    let t = ReadyTarget::parse("http://[::1]/").expect("valid");
    assert_eq!(
        t.base,
        BaseUrl {
            host: "::1".into(),
            port: 80
        }
    );
    assert!(ReadyTarget::parse("https://example.com/").is_err());
    assert!(ReadyTarget::parse("not a url").is_err());
}

#[test]
fn log_tail_keeps_the_last_lines() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("app.log");
    let text: String = (1..=40).map(|i| format!("line {i}\n")).collect();
    std::fs::write(&path, text).expect("write log");
    let tail = log_tail(&path, 3);
    assert_eq!(tail, "    line 38\n    line 39\n    line 40");
    assert_eq!(
        log_tail(&dir.path().join("missing"), 3),
        "    (the log is empty)"
    );
}

#[test]
fn log_tail_never_starts_inside_a_line() {
    // The read window of the last 64 KiB starts inside the secret's line:
    // that line is left out whole, never shown from its middle, where the
    // redactor would no longer know the secret.
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("app.log");
    let secret = "s3cr3t-token-0123456789abcdef";
    let line = format!("token={secret}\n");
    // The window's first 20 bytes are the end of the secret's line.
    let after = format!("{}\n", "y".repeat(LOG_TAIL_BYTES as usize - 21));
    let text = format!("{}\n{line}{after}", "x".repeat(100));
    std::fs::write(&path, text).expect("write log");
    let tail = log_tail(&path, 100);
    assert!(
        !tail.contains("789abc"),
        "part of the secret shown: {}",
        &tail[..40]
    );
    assert!(tail.starts_with("    yyy"), "{}", &tail[..40]);
}
