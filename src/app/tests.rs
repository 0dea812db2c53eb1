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
