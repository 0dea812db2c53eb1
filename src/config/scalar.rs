//! Parsers for the small textual values of the suite file: durations, rates,
//! percentages and the base URL.
//!
//! They take plain strings and return a [`ScalarError`] on failure, so the
//! command line (`--duration 10s`, `--rate 200/s`) and the YAML loader share
//! one grammar and one set of messages. The YAML layer adds file, line and
//! key.

use std::time::Duration;

use super::BaseUrl;

const DURATION_HINT: &str = r#"write e.g. "10s", "500ms", "2m" or "1.5s""#;
const URL_EXAMPLE: &str = r#"write e.g. "http://127.0.0.1:8000""#;

/// A duration, rate, percentage or base URL that cannot be read: the text
/// as written and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScalarError {
    #[error(r#"the duration "{text}" has no unit; write e.g. "{number}s""#)]
    DurationUnit { text: String, number: String },
    #[error(r#""{0}" is not a duration; {DURATION_HINT}"#)]
    NotDuration(String),
    #[error(r#"the duration "{0}" is too long; {DURATION_HINT}"#)]
    DurationTooLong(String),
    #[error(r#""{text}" is not a rate; write e.g. "{example}""#)]
    NotRate { text: String, example: &'static str },
    #[error(r#"a rate must be above zero; write e.g. "{example}""#)]
    RateNotPositive { example: &'static str },
    #[error(r#""{0}" is not a percentage; write e.g. "10%" or 0.10"#)]
    NotPercent(String),
    #[error(
        r#""{0}" is ambiguous; write a percentage with "%" (e.g. "{0}%") or a fraction below 1 (e.g. 0.10)"#
    )]
    AmbiguousPercent(String),
    #[error("https is not supported yet; benchgate speaks plain HTTP/1.1, so {URL_EXAMPLE}")]
    Https,
    #[error(r#""{0}" is not an http:// URL; {URL_EXAMPLE}"#)]
    NotHttp(String),
    #[error(
        r#"base_url must not have a path ("{0}"); put it in each endpoint's path and {URL_EXAMPLE}"#
    )]
    UrlPath(String),
    #[error(
        "base_url must not contain a user name; send credentials in headers and {URL_EXAMPLE}"
    )]
    UrlUser,
    #[error(r#""{0}" has no valid host and port; {URL_EXAMPLE}"#)]
    NoHostPort(String),
}

/// Parses `500ms`, `10s`, `1.5s`, `2m` or `1h` (a decimal number directly
/// followed by a unit). Zero is allowed; callers that need a positive value
/// check it themselves.
pub fn parse_duration(s: &str) -> Result<Duration, ScalarError> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let scale = match unit {
        "ms" => 0.001,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        "" if decimal(number).is_some() => {
            return Err(ScalarError::DurationUnit {
                text: s.to_string(),
                number: number.to_string(),
            })
        }
        _ => return Err(ScalarError::NotDuration(s.to_string())),
    };
    let value = decimal(number).ok_or_else(|| ScalarError::NotDuration(s.to_string()))?;
    Duration::try_from_secs_f64(value * scale)
        .map_err(|_| ScalarError::DurationTooLong(s.to_string()))
}

/// Parses a request rate: `200/s`, `200` (per second), `12000/m` or `10/h`.
/// The rate must be above zero. Returns requests per second.
pub fn parse_rate(s: &str) -> Result<f64, ScalarError> {
    rate(s, "200/s")
}

/// [`parse_rate`] with the example the message suggests, so the suite file
/// can say `rate: 200/s` and the command line `200/s`.
pub(super) fn rate(s: &str, example: &'static str) -> Result<f64, ScalarError> {
    let s = s.trim();
    let (number, per) = s.split_once('/').unwrap_or((s, "s"));
    let seconds = match per.trim() {
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        _ => return Err(not_rate(s, example)),
    };
    let value = decimal(number.trim()).ok_or_else(|| not_rate(s, example))?;
    if value <= 0.0 {
        return Err(ScalarError::RateNotPositive { example });
    }
    Ok(value / seconds)
}

fn not_rate(s: &str, example: &'static str) -> ScalarError {
    ScalarError::NotRate {
        text: s.to_string(),
        example,
    }
}

/// Parses `10%` or a fraction such as `0.10` into a fraction. A bare number
/// of 1 or more is refused as ambiguous (is `5` 5% or 500%?).
pub(super) fn parse_percent(s: &str) -> Result<f64, ScalarError> {
    let s = s.trim();
    if let Some(number) = s.strip_suffix('%') {
        return decimal(number.trim())
            .map(|v| v / 100.0)
            .ok_or_else(|| ScalarError::NotPercent(s.to_string()));
    }
    match decimal(s) {
        Some(v) if v < 1.0 => Ok(v),
        Some(_) => Err(ScalarError::AmbiguousPercent(s.to_string())),
        None => Err(ScalarError::NotPercent(s.to_string())),
    }
}

/// A non-negative decimal number: digits with at most one `.`; no sign,
/// exponent, `inf` or `nan`.
fn decimal(s: &str) -> Option<f64> {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    let dots = s.chars().filter(|&c| c == '.').count();
    if digits == 0 || dots > 1 || digits + dots != s.len() {
        return None;
    }
    s.parse().ok()
}

impl ScalarError {
    /// The same error quoting `text` (the suite file's own words) instead
    /// of the value it expanded to: a `${VAR}` may hold a secret.
    pub(super) fn quoting(self, text: &str) -> ScalarError {
        match self {
            ScalarError::NotHttp(_) => ScalarError::NotHttp(text.to_string()),
            ScalarError::UrlPath(_) => ScalarError::UrlPath(text.to_string()),
            ScalarError::NoHostPort(_) => ScalarError::NoHostPort(text.to_string()),
            other => other,
        }
    }
}

/// Parses `http://host[:port][/]`. `https` is refused for now; a path,
/// query or user name is refused because endpoints carry their own paths.
pub(super) fn parse_base_url(s: &str) -> Result<BaseUrl, ScalarError> {
    if s.starts_with("https://") {
        return Err(ScalarError::Https);
    }
    let Some(rest) = s.strip_prefix("http://") else {
        return Err(ScalarError::NotHttp(s.to_string()));
    };
    let (authority, path) = rest.split_at(rest.find(['/', '?', '#']).unwrap_or(rest.len()));
    if !path.is_empty() && path != "/" {
        return Err(ScalarError::UrlPath(path.to_string()));
    }
    if authority.contains('@') {
        return Err(ScalarError::UrlUser);
    }
    let (host, port) =
        split_host_port(authority).ok_or_else(|| ScalarError::NoHostPort(s.to_string()))?;
    Ok(BaseUrl {
        host: host.to_string(),
        port,
    })
}

/// `host`, `host:port`, `[::1]` or `[::1]:port`; the port defaults to 80.
fn split_host_port(authority: &str) -> Option<(&str, u16)> {
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (host, after) = bracketed.split_once(']')?;
        (host, after.strip_prefix(':'))
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let valid = |c: char| c.is_ascii_alphanumeric() || "-._:".contains(c);
    if host.is_empty() || !host.chars().all(valid) {
        return None;
    }
    let port = match port {
        Some(p) => p.parse().ok().filter(|&p: &u16| p != 0)?,
        None => 80,
    };
    Some((host, port))
}

impl BaseUrl {
    /// `http://host:port` with IPv6 hosts in brackets, no trailing slash.
    pub fn to_url(&self) -> String {
        format!("http://{}", self.authority())
    }

    /// `host:port` with IPv6 hosts in brackets: what a connection dials and
    /// the `Host` header carries.
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
        assert_eq!(
            parse_duration("10").map_err(|e| e.to_string()),
            Err(r#"the duration "10" has no unit; write e.g. "10s""#.into())
        );
        for bad in ["10 seconds", "-1s", "1.2.3s", "s", "", "1e3s", "inf s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rates() {
        assert_eq!(parse_rate("200/s"), Ok(200.0));
        assert_eq!(parse_rate("200"), Ok(200.0));
        assert_eq!(parse_rate("12000/m"), Ok(200.0));
        assert_eq!(parse_rate("0.5/s"), Ok(0.5));
        assert_eq!(
            parse_rate("0").map_err(|e| e.to_string()),
            Err(r#"a rate must be above zero; write e.g. "200/s""#.into())
        );
        for bad in ["-5/s", "200/d", "fast", "/s"] {
            assert!(parse_rate(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn percentages() {
        assert_eq!(parse_percent("10%"), Ok(0.10));
        assert_eq!(parse_percent("0.10"), Ok(0.10));
        assert_eq!(parse_percent("99.5%"), Ok(0.995));
        assert!(parse_percent("5")
            .expect_err("refused")
            .to_string()
            .contains("ambiguous"));
        for bad in ["-5%", "abc", "%", "1e-2"] {
            assert!(parse_percent(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn base_urls() {
        let url = |host: &str, port| BaseUrl {
            host: host.into(),
            port,
        };
        assert_eq!(
            parse_base_url("http://127.0.0.1:8000"),
            Ok(url("127.0.0.1", 8000))
        );
        assert_eq!(
            parse_base_url("http://example.test/"),
            Ok(url("example.test", 80))
        );
        assert_eq!(parse_base_url("http://[::1]:9000"), Ok(url("::1", 9000)));
        assert_eq!(url("::1", 9000).to_url(), "http://[::1]:9000");
        for bad in [
            "https://x",
            "x:80",
            "http://x/api",
            "http://u@x",
            "http://x:0",
            "http://",
        ] {
            assert!(parse_base_url(bad).is_err(), "{bad}");
        }
    }
}
