//! Checks on a suite file's text before the YAML parser sees it.
//!
//! The parser's cost is not linear in what a file holds: parse time grows
//! with the square of the nesting depth (depth 30,000 took 12–26 s) and an
//! alias bomb (anchors of anchors) expanded for 32 s and 775 MB before it was
//! refused. A suite file needs none of that, so its size, nesting depth and
//! number of aliases are capped first, each refusal naming the line.

use std::path::Path;

use super::ConfigError;

/// Largest suite file, bytes.
pub const MAX_BYTES: usize = 1 << 20;
/// Deepest nesting of mappings, sequences and flow collections.
pub const MAX_DEPTH: usize = 64;
/// Most alias references (`*name`).
pub const MAX_ALIASES: usize = 100;

fn invalid(file: &Path, line: usize, column: Option<usize>, message: String) -> ConfigError {
    ConfigError::Invalid {
        file: file.to_path_buf(),
        line,
        column,
        message,
    }
}

/// Refuses a file over [`MAX_BYTES`].
pub(super) fn size(len: usize, file: &Path) -> Result<(), ConfigError> {
    if len > MAX_BYTES {
        return Err(invalid(
            file,
            1,
            None,
            format!(
                "the file is over {MAX_BYTES} bytes, the limit for a suite file; a suite lists requests, not data: move large bodies out of it"
            ),
        ));
    }
    Ok(())
}

/// The file's bytes as text: refuses a file over [`MAX_BYTES`] and invalid
/// UTF-8 (with the line and column of the first bad byte).
pub(super) fn text(bytes: Vec<u8>, file: &Path) -> Result<String, ConfigError> {
    size(bytes.len(), file)?;
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let at = e.utf8_error().valid_up_to();
        let before = &bytes[..at];
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1;
        invalid(
            file,
            line,
            Some(column),
            format!(
                "byte 0x{:02x} is not valid UTF-8; save the file as UTF-8",
                bytes[at]
            ),
        )
    })
}

/// Refuses nesting deeper than [`MAX_DEPTH`] and more than [`MAX_ALIASES`]
/// aliases. The scan is approximate YAML (indentation, `- ` items, flow
/// brackets and aliases outside quotes and comments), erring on the side of
/// counting more; no real suite file comes near either limit.
pub(super) fn shape(text: &str, file: &Path) -> Result<(), ConfigError> {
    let mut indents: Vec<usize> = Vec::new();
    let mut flow: usize = 0;
    let mut aliases: usize = 0;
    let mut literal_above: Option<usize> = None;
    for (n, line) in text.lines().enumerate() {
        let number = n + 1;
        let content = line.trim_start_matches([' ', '\t']);
        let indent = line.len() - content.len();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        if let Some(block) = literal_above {
            if indent > block {
                continue; // the text of a `|` or `>` block scalar
            }
            literal_above = None;
        }
        if flow == 0 {
            while indents.last().is_some_and(|top| *top >= indent) {
                indents.pop();
            }
            indents.push(indent);
        }
        let mut rest = content;
        let mut items = 0;
        while let Some(after) = rest.strip_prefix("- ").or(rest.strip_prefix("-\t")) {
            items += 1;
            rest = after.trim_start();
        }
        let scan = scan_line(rest, &mut flow);
        aliases += scan.aliases;
        let depth = indents.len() + items + scan.deepest_flow;
        if depth > MAX_DEPTH {
            return Err(invalid(
                file,
                number,
                None,
                format!("the file nests deeper than {MAX_DEPTH} levels; a suite file needs a handful: flatten it"),
            ));
        }
        if aliases > MAX_ALIASES {
            return Err(invalid(
                file,
                number,
                None,
                format!("the file uses more than {MAX_ALIASES} aliases (`*name`); write the values out or use fewer aliases"),
            ));
        }
        if scan.opens_block_scalar {
            literal_above = Some(indent);
        }
    }
    Ok(())
}

struct LineScan {
    aliases: usize,
    deepest_flow: usize,
    opens_block_scalar: bool,
}

/// Flow-bracket depth (carried across lines in `flow`) and aliases of one
/// line, skipping quoted text and comments.
fn scan_line(line: &str, flow: &mut usize) -> LineScan {
    let mut scan = LineScan {
        aliases: 0,
        deepest_flow: *flow,
        opens_block_scalar: false,
    };
    let mut quote: Option<char> = None;
    let mut previous = ' ';
    let mut last_token = ' ';
    for c in line.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '"' | '\'' if " \t[{,:".contains(previous) => quote = Some(c),
                '#' if previous == ' ' || previous == '\t' => break,
                '[' | '{' => {
                    *flow += 1;
                    scan.deepest_flow = scan.deepest_flow.max(*flow);
                }
                ']' | '}' => *flow = flow.saturating_sub(1),
                '*' if " \t[{,:".contains(previous) => scan.aliases += 1,
                _ => {}
            },
        }
        if !c.is_whitespace() {
            last_token = c;
        }
        previous = c;
    }
    let trimmed = line.split(" #").next().unwrap_or("").trim_end();
    scan.opens_block_scalar = quote.is_none()
        && (trimmed.ends_with(['|', '>'])
            || trimmed.ends_with("|-")
            || trimmed.ends_with("|+")
            || trimmed.ends_with(">-")
            || trimmed.ends_with(">+"))
        && last_token != ' ';
    scan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Result<(), String> {
        shape(text, Path::new("s.yaml")).map_err(|e| e.to_string())
    }

    #[test]
    fn ordinary_files_pass() {
        let demo = include_str!("../../fixtures/demo/benchgate.yaml");
        assert_eq!(check(demo), Ok(()));
        assert_eq!(
            check("a:\n  b: |\n            deep text\n              deeper\n  c: [1, {d: 2}]\n"),
            Ok(())
        );
        assert_eq!(check("a: \"*not an alias [[[[\" # *nor [this\n"), Ok(()));
    }

    #[test]
    fn deep_nesting_is_refused_with_its_line() {
        let deep: String = (0..100)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect();
        let err = check(&deep).expect_err("deep");
        assert!(
            err.starts_with("s.yaml:65: the file nests deeper than 64"),
            "{err}"
        );
        let flow = format!("a: {}{}\n", "[".repeat(30_000), "]".repeat(30_000));
        assert!(check(&flow).expect_err("flow").starts_with("s.yaml:1:"));
        let dashes = format!("a:\n{}x\n", "- ".repeat(100));
        assert!(check(&dashes).expect_err("dashes").starts_with("s.yaml:2:"));
    }

    #[test]
    fn many_aliases_are_refused() {
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 0..20 {
            bomb.push_str(&format!(
                "l{level}: &l{level} [{}]\n",
                ["*a"; 10].join(", ")
            ));
        }
        let err = check(&bomb).expect_err("bomb");
        assert!(err.contains("more than 100 aliases"), "{err}");
    }

    #[test]
    fn invalid_utf8_names_its_line_and_column() {
        let bytes = b"version: 1\nsuite: d\xffmo\n".to_vec();
        let err = text(bytes, Path::new("s.yaml")).expect_err("not UTF-8");
        assert_eq!(
            err.to_string(),
            "s.yaml:2:9: byte 0xff is not valid UTF-8; save the file as UTF-8"
        );
        let big = vec![b'#'; MAX_BYTES + 1];
        assert!(text(big, Path::new("s.yaml")).is_err());
    }
}
