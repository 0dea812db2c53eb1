//! Hostile suite-file text for the tests of everything that reads one.

/// A YAML alias bomb ("billion laughs"): an anchor of nine strings, then
/// `levels` anchors of nine aliases each of the one before, so that the
/// last expands to 9^(levels + 1) strings. Its own mapping keys, at the
/// top level; put a suite before it to reach past the shape checks.
pub(crate) fn alias_bomb(levels: usize) -> String {
    let mut bomb = format!("a: &a [{}]\n", ["\"lol\""; 9].join(", "));
    for level in 0..levels {
        let previous = if level == 0 {
            "a".to_string()
        } else {
            format!("l{}", level - 1)
        };
        bomb.push_str(&format!(
            "l{level}: &l{level} [{}]\n",
            vec![format!("*{previous}"); 9].join(", ")
        ));
    }
    bomb
}
