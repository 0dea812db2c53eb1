//! User text made inert for each place it is shown.
//!
//! Endpoint names, notes, commits and app logs come from files a pull
//! request may have written. Each writer passes them through the function
//! for its medium: [`html`], one line of [`markdown`], a terminal or CI log
//! ([`inert`]), or [`plain`] text where nothing needs escaping. A leaf: it
//! knows nothing of reports.

/// Text for a terminal or a CI log, made inert: control characters (an
/// escape sequence, a carriage return that rewrites the line) are shown as
/// `\u{1b}`, and a line that would start with `::` — a GitHub Actions
/// workflow command — is indented. Names and notes come from files a pull
/// request may have written.
pub fn inert(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        if line.starts_with("::") {
            out.push_str("  ");
        }
        for c in line.chars() {
            if c.is_control() && c != '\n' && c != '\t' {
                out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
            } else {
                out.push(c);
            }
        }
    }
    out
}

/// User text made inert in HTML text and in quoted attribute values: the
/// markup characters as entities, line breaks and tabs as spaces (so no
/// user text starts a line of the file, where a CI log that shows it would
/// read `::` as a workflow command), other control characters shown as
/// `\u{1b}` (an escape sequence would act on a terminal that shows the
/// file).
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            _ => out.push(ch),
        }
    }
    out
}

/// User text made inert on one line of Markdown: line breaks and other
/// control characters become spaces; every character that could start
/// emphasis, code, a link, an autolink, HTML, an entity, math, a table
/// cell or (at the start) a heading, list or quote is backslash-escaped.
/// GitHub may still turn `@name` and `#123` into mentions and issue
/// references: it finds those in the rendered text, after Markdown.
pub fn markdown(text: &str) -> String {
    let flat: String = text
        .chars()
        .map(|ch| if ch.is_control() { ' ' } else { ch })
        .collect();
    let flat = flat.trim();
    let mut out = String::with_capacity(flat.len() + 8);
    // Byte offsets: the digits are ASCII.
    let leading_digits = flat.chars().take_while(char::is_ascii_digit).count();
    for (i, ch) in flat.char_indices() {
        let special = matches!(
            ch,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '|' | '~' | '#' | '!' | '$'
        );
        // `http://` and `user@host` start autolinks.
        let next = flat[i + ch.len_utf8()..].chars().next();
        let autolink = (ch == ':' && next == Some('/'))
            || (ch == '@' && next.is_some_and(|n| !n.is_whitespace()));
        // A list marker, a thematic break or an ordered list's `1.` only
        // count at the start of a line.
        let at_start = (i == 0 && matches!(ch, '-' | '+' | '='))
            || (i == leading_digits && i > 0 && matches!(ch, '.' | ')'));
        // `www.` starts an autolink without a scheme.
        let www = ch == '.' && i >= 3 && flat.get(i - 3..i).is_some_and(is_www);
        if special || at_start || www || autolink {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// Our own sentences, which may hold user text, on one line of Markdown:
/// each `` `span` `` is a code span (its text literal, as code is), the rest
/// as [`markdown`]. An unpaired backtick is text.
pub fn markdown_prose(text: &str) -> String {
    prose(text, markdown, |code| {
        format!("`{}`", code.replace(|c: char| c.is_control(), " "))
    })
}

/// [`markdown_prose`] for HTML: each `` `span` `` a `<code>` element.
pub fn html_prose(text: &str) -> String {
    prose(text, html, |code| format!("<code>{}</code>", html(code)))
}

/// `text` with every paired `` `span` `` through `code`, the rest through
/// `escape` (the whitespace around a span kept).
fn prose(text: &str, escape: fn(&str) -> String, code: fn(&str) -> String) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    let mut out = String::new();
    let mut plain = String::new();
    for (i, part) in parts.iter().enumerate() {
        // A span is paired when another backtick closes it.
        let span = i % 2 == 1 && i + 1 < parts.len() && !part.trim().is_empty();
        if span {
            out.push_str(&spaced(&plain, escape));
            plain.clear();
            out.push_str(&code(part));
            continue;
        }
        if i % 2 == 1 {
            plain.push('`');
        }
        plain.push_str(part);
        if i % 2 == 1 && i + 1 < parts.len() {
            plain.push('`');
        }
    }
    out.push_str(&spaced(&plain, escape));
    out
}

/// `text` through `escape`, with its leading and trailing whitespace kept
/// as one space each.
fn spaced(text: &str, escape: fn(&str) -> String) -> String {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return if text.is_empty() { "" } else { " " }.to_string();
    }
    let lead = if text.starts_with(char::is_whitespace) {
        " "
    } else {
        ""
    };
    let trail = if text.ends_with(char::is_whitespace) {
        " "
    } else {
        ""
    };
    format!("{lead}{}{trail}", escape(trimmed))
}

fn is_www(s: &str) -> bool {
    s.eq_ignore_ascii_case("www")
}

/// Plain text has nothing to escape.
pub fn plain(text: &str) -> String {
    text.to_string()
}

#[cfg(test)]
mod tests {
    use super::{html, html_prose, inert, markdown_prose};

    #[test]
    fn code_spans_render_as_code_and_the_rest_stays_escaped() {
        assert_eq!(
            markdown_prose("run `baseline update --runs 5` on *it*"),
            "run `baseline update --runs 5` on \\*it\\*"
        );
        assert_eq!(
            html_prose("raise `load.rate` <now>"),
            "raise <code>load.rate</code> &lt;now&gt;"
        );
        // An unpaired backtick is text, escaped.
        assert_eq!(markdown_prose("a ` b"), "a \\` b");
        assert_eq!(markdown_prose("`a` and ` b"), "`a` and \\` b");
    }

    #[test]
    fn html_text_starts_no_line_and_sends_no_escape_sequence() {
        assert_eq!(
            html("a\n::error x\u{1b}[2J<b>"),
            "a ::error x\\u{1b}[2J&lt;b&gt;"
        );
        assert_eq!(html("tab\there\r"), "tab here ");
    }

    #[test]
    fn terminal_text_cannot_forge_workflow_commands_or_escape_sequences() {
        assert_eq!(
            inert("ok\n::error title=X::forged\n"),
            "ok\n  ::error title=X::forged\n"
        );
        assert_eq!(inert("a\u{1b}[2Jb\rc\td"), "a\\u{1b}[2Jb\\u{d}c\td");
        assert_eq!(inert("plain line"), "plain line");
    }
}
