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

/// Refuses nesting deeper than [`MAX_DEPTH`], more than [`MAX_ALIASES`]
/// aliases, and aliases that would expand to more than [`MAX_EXPANDED`]
/// values. The scan is approximate YAML (indentation, `- ` items, flow
/// brackets, anchors and aliases outside quotes and comments), erring on the
/// side of counting more; no real suite file comes near any limit.
pub(super) fn shape(text: &str, file: &Path) -> Result<(), ConfigError> {
    let mut state = Shape::default();
    for (n, line) in text.lines().enumerate() {
        let refused = |why: Refused| invalid(file, n + 1, None, why.to_string());
        state.line(line).map_err(refused)?;
    }
    Ok(())
}

/// Most values the file's aliases may add to it once expanded: an anchor
/// of 150,000 values read through 40 aliases made the parser build six
/// million. A suite file that reuses a header map or a body a few times
/// stays far below.
pub const MAX_EXPANDED: usize = 100_000;

/// Why the scan refuses a file, at the line it stands on.
#[derive(Debug, thiserror::Error)]
enum Refused {
    #[error(
        "the file nests deeper than {MAX_DEPTH} levels; a suite file needs a handful: flatten it"
    )]
    Deep,
    #[error("the file uses more than {MAX_ALIASES} aliases (`*name`); write the values out or use fewer aliases")]
    Aliases,
    #[error("the file's aliases (`*name`) expand to more than {MAX_EXPANDED} values; write large values once, or reuse them less")]
    Expanded,
}

/// Where the scan of a suite file stands, line by line.
#[derive(Debug, Default)]
struct Shape {
    indents: Vec<usize>,
    flow: usize,
    aliases: usize,
    literal_above: Option<usize>,
    /// Anchors whose node is still open: name, the indent of their line,
    /// and the values counted in them so far (aliases inside expanded).
    open: Vec<(String, usize, usize)>,
    /// Closed anchors and the values each stands for.
    anchors: std::collections::HashMap<String, usize>,
    /// Values the aliases added so far.
    expanded: usize,
}

impl Shape {
    /// Takes one line; `Err` with the reason when the file is refused there.
    fn line(&mut self, line: &str) -> Result<(), Refused> {
        let content = line.trim_start_matches([' ', '\t']);
        let indent = line.len() - content.len();
        if content.is_empty() || content.starts_with('#') {
            return Ok(());
        }
        if let Some(block) = self.literal_above {
            if indent > block {
                return Ok(()); // the text of a `|` or `>` block scalar
            }
            self.literal_above = None;
        }
        if self.flow == 0 {
            while self.indents.last().is_some_and(|top| *top >= indent) {
                self.indents.pop();
            }
            self.indents.push(indent);
            self.close_anchors(indent);
        }
        let mut rest = content;
        let mut items = 0;
        while let Some(after) = rest.strip_prefix("- ").or(rest.strip_prefix("-\t")) {
            items += 1;
            rest = after.trim_start();
        }
        let scan = scan_line(rest, &mut self.flow);
        if self.indents.len() + items + scan.deepest_flow > MAX_DEPTH {
            return Err(Refused::Deep);
        }
        self.aliases += scan.aliases.len();
        if self.aliases > MAX_ALIASES {
            return Err(Refused::Aliases);
        }
        self.count(indent, &scan)?;
        if scan.opens_block_scalar {
            self.literal_above = Some(indent);
        }
        Ok(())
    }

    /// Adds the line's values, and what its aliases stand for, to every
    /// open anchor and to the expansion; opens the line's own anchors.
    fn count(&mut self, indent: usize, scan: &LineScan) -> Result<(), Refused> {
        let expansion: usize = scan
            .aliases
            .iter()
            .map(|name| self.anchors.get(name).copied().unwrap_or(0))
            .fold(0, usize::saturating_add);
        self.expanded = self.expanded.saturating_add(expansion);
        if self.expanded > MAX_EXPANDED {
            return Err(Refused::Expanded);
        }
        let values = scan.values.saturating_add(expansion);
        for (_, _, counted) in &mut self.open {
            *counted = counted.saturating_add(values);
        }
        for name in &scan.anchors {
            self.open.push((name.clone(), indent, values));
        }
        Ok(())
    }

    /// Closes the anchors a line at `indent` ends (their node was above it).
    fn close_anchors(&mut self, indent: usize) {
        while self.open.last().is_some_and(|(_, at, _)| *at >= indent) {
            if let Some((name, _, counted)) = self.open.pop() {
                self.anchors.insert(name, counted);
            }
        }
    }
}

/// What one line holds, outside quotes and comments.
struct LineScan {
    /// Names of the aliases (`*name`).
    aliases: Vec<String>,
    /// Names of the anchors (`&name`).
    anchors: Vec<String>,
    /// Values on the line: one, plus one per comma inside flow brackets.
    values: usize,
    deepest_flow: usize,
    opens_block_scalar: bool,
}

/// Where a quote may open a quoted scalar: at the start of the line's
/// content, after `: `, or after a flow bracket or comma. Elsewhere (`q 'x`)
/// a quote is part of a plain scalar, and must not hide the rest of the
/// line from the scan.
fn starts_scalar(last_token: char, previous: char) -> bool {
    match last_token {
        ' ' | '[' | '{' | ',' | '?' => true,
        ':' => previous.is_whitespace(),
        _ => false,
    }
}

/// The name after `*` or `&` at byte `from` of `line`.
fn name_at(line: &str, from: usize) -> String {
    line[from..]
        .chars()
        .take_while(|c| !c.is_whitespace() && !",[]{}".contains(*c))
        .collect()
}

/// Flow-bracket depth (carried across lines in `flow`), values, anchors and
/// aliases of one line, skipping quoted text and comments.
fn scan_line(line: &str, flow: &mut usize) -> LineScan {
    let mut scan = LineScan {
        aliases: Vec::new(),
        anchors: Vec::new(),
        values: 1,
        deepest_flow: *flow,
        opens_block_scalar: false,
    };
    let mut quote: Option<char> = None;
    let mut previous = ' ';
    let mut last_token = ' ';
    for (at, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '"' | '\'' if starts_scalar(last_token, previous) => quote = Some(c),
                '#' if previous == ' ' || previous == '\t' => break,
                '[' | '{' => {
                    *flow += 1;
                    scan.deepest_flow = scan.deepest_flow.max(*flow);
                }
                ']' | '}' => *flow = flow.saturating_sub(1),
                ',' if *flow > 0 => scan.values += 1,
                '*' if " \t[{,:".contains(previous) => scan.aliases.push(name_at(line, at + 1)),
                '&' if " \t[{,:".contains(previous) => scan.anchors.push(name_at(line, at + 1)),
                _ => {}
            },
        }
        if !c.is_whitespace() {
            last_token = c;
        }
        previous = c;
    }
    scan.opens_block_scalar = quote.is_none() && opens_block_scalar(line, last_token);
    scan
}

/// Whether the line ends in a block scalar's indicator (`|`, `>`, `|-`, …).
fn opens_block_scalar(line: &str, last_token: char) -> bool {
    let trimmed = line.split(" #").next().unwrap_or("").trim_end();
    (trimmed.ends_with(['|', '>'])
        || trimmed.ends_with("|-")
        || trimmed.ends_with("|+")
        || trimmed.ends_with(">-")
        || trimmed.ends_with(">+"))
        && last_token != ' '
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
    fn a_quote_inside_a_plain_scalar_hides_nothing() {
        // `q 'x` is a plain scalar: its quote opens no quoted text, so the
        // aliases and brackets after it on the line are counted.
        let aliases = format!("a: &a [1, 2]\nb: [q 'x, {}]\n", ["*a"; 500].join(", "));
        let err = check(&aliases).expect_err("aliases behind a quote");
        assert!(
            err.starts_with("s.yaml:2: the file uses more than 100 aliases"),
            "{err}"
        );
        let brackets = format!(
            "b: [q 'x, {}{}]\n",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let err = check(&brackets).expect_err("brackets behind a quote");
        assert!(
            err.starts_with("s.yaml:1: the file nests deeper than 64"),
            "{err}"
        );
        // Quotes that start a scalar still hide what they hold.
        assert_eq!(check("'*k [': \"*v {\"\nl: [ 'x *y', \"[\"]\n"), Ok(()));
    }

    #[test]
    fn aliases_of_a_large_anchor_are_refused_before_they_expand() {
        let values = vec!["1"; 150_000].join(",");
        let mut bomb = format!("endpoints:\n  - name: a\n    json: &big [{values}]\n");
        for i in 0..40 {
            bomb.push_str(&format!("  - name: e{i}\n    json: *big\n"));
        }
        let err = check(&bomb).expect_err("anchor bomb");
        assert!(
            err.starts_with(
                "s.yaml:5: the file's aliases (`*name`) expand to more than 100000 values"
            ),
            "{err}"
        );
        // An anchor of a block mapping counts the lines under it.
        let block: String = (0..2_000).map(|i| format!("    k{i}: v\n")).collect();
        let mut nested = format!("h: &h\n{block}");
        nested.push_str(&"x: *h\n".repeat(60));
        let err = check(&nested).expect_err("block anchor bomb");
        assert!(err.contains("expand to more than 100000 values"), "{err}");
    }

    #[test]
    fn ordinary_reuse_of_an_anchor_passes() {
        let mut suite = String::from("headers: &h { Authorization: x, Accept: y }\nendpoints:\n");
        for i in 0..50 {
            suite.push_str(&format!(
                "  - name: e{i}\n    headers: *h\n    json: &b{i} [1, 2, 3]\n"
            ));
        }
        assert_eq!(check(&suite), Ok(()));
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

    /// Fuzzing the expanded size (issue 23): chains of anchors whose items
    /// are values or aliases of the anchor before, read through any number
    /// of aliases. Whatever the scan accepts expands, when the YAML parser
    /// builds it, to no more than twice [`MAX_EXPANDED`] values.
    mod expanded {
        use proptest::prelude::*;

        use super::*;

        fn values(value: &serde_yaml::Value) -> usize {
            match value {
                serde_yaml::Value::Sequence(items) => 1 + items.iter().map(values).sum::<usize>(),
                serde_yaml::Value::Mapping(map) => 1 + map.values().map(values).sum::<usize>(),
                _ => 1,
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

            #[test]
            fn what_the_scan_accepts_expands_within_its_bound(
                levels in proptest::collection::vec((1usize..400, 0usize..12, any::<bool>()), 1..4),
                uses in 0usize..60,
            ) {
                let mut text = String::new();
                for (level, (width, aliases, block)) in levels.iter().enumerate() {
                    let mut items: Vec<String> = (0..*width).map(|i| i.to_string()).collect();
                    if level > 0 {
                        items.extend(std::iter::repeat_n(format!("*a{}", level - 1), *aliases));
                    }
                    if *block {
                        text.push_str(&format!("l{level}: &a{level}\n"));
                        for item in items {
                            text.push_str(&format!("  - {item}\n"));
                        }
                    } else {
                        text.push_str(&format!("l{level}: &a{level} [{}]\n", items.join(", ")));
                    }
                }
                let top = levels.len() - 1;
                text.push_str(&format!("uses: [{}]\n", vec![format!("*a{top}"); uses].join(", ")));
                match shape(&text, Path::new("s.yaml")) {
                    Ok(()) => {
                        let parsed: serde_yaml::Value = serde_yaml::from_str(&text).expect("valid YAML");
                        let n = values(&parsed);
                        prop_assert!(n <= 2 * MAX_EXPANDED, "{n} values accepted");
                    }
                    Err(e) => {
                        let message = e.to_string();
                        prop_assert!(
                            message.contains("expand to more than") || message.contains("more than 100 aliases"),
                            "{message}"
                        );
                    }
                }
            }
        }
    }
}
