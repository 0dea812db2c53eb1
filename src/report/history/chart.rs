//! `history show --format html`: a page with, per endpoint and metric, the
//! chained index after each step as a line, its interval as a band, the
//! flagged steps marked, and the no-change line at 1.

use std::fmt::Write as _;

use crate::chain::Series;
use crate::escape;

const WIDTH: f64 = 560.0;
const HEIGHT: f64 = 220.0;
const PAD: f64 = 40.0;

/// The whole page.
pub fn page(suite: &str, series: &[Series], notes: &[String]) -> String {
    let mut out = String::new();
    let title = format!("benchgate history: {}", escape::html(suite));
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <style>body{{font-family:sans-serif;margin:2em}}.band{{fill:#9ecae1;opacity:.5}}\
         .index{{fill:none;stroke:#08519c;stroke-width:2}}.one{{stroke:#888;stroke-dasharray:4 4}}\
         .flag{{fill:#cb181d}}text{{font-size:11px}}</style></head><body><h1>{title}</h1>\n"
    );
    for s in series {
        let name = format!("{} {}", escape::html(&s.endpoint), escape::html(&s.metric));
        let _ = writeln!(
            out,
            "<h2>{name}: {} [{}, {}] since <code>{}</code> ({} steps)</h2>",
            super::change(s.ratio),
            super::change(s.lower),
            super::change(s.upper),
            escape::html(&s.anchor.chars().take(10).collect::<String>()),
            s.steps
        );
        out.push_str(&plot(s, &name));
    }
    out.push_str("<ul>\n");
    for note in notes {
        let _ = writeln!(out, "<li>{}</li>", escape::html(note));
    }
    out.push_str("</ul></body></html>\n");
    out
}

/// One series' plot: x the step, y the chained ratio on a log scale.
fn plot(s: &Series, label: &str) -> String {
    let (lo, hi) = s.points.iter().fold((1.0_f64, 1.0_f64), |(lo, hi), p| {
        (lo.min(p.lower), hi.max(p.upper))
    });
    let (lo, hi) = (lo.ln() - 0.01, hi.ln() + 0.01);
    let n = s.points.len().max(1) as f64;
    let x = |i: usize| PAD + (i as f64 + 1.0) / n * (WIDTH - 2.0 * PAD);
    let y = |ratio: f64| HEIGHT - PAD - (ratio.ln() - lo) / (hi - lo) * (HEIGHT - 2.0 * PAD);
    let mut out = format!(
        "<svg role=\"img\" aria-label=\"{label}\" width=\"{WIDTH}\" height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\">\n"
    );
    let _ = writeln!(
        out,
        "<line class=\"one\" x1=\"{PAD}\" x2=\"{}\" y1=\"{y1:.1}\" y2=\"{y1:.1}\"/><text x=\"2\" y=\"{y1:.1}\">×1</text>",
        WIDTH - PAD,
        y1 = y(1.0)
    );
    let upper: Vec<String> = (0..s.points.len())
        .map(|i| format!("{:.1},{:.1}", x(i), y(s.points[i].upper)))
        .collect();
    let lower: Vec<String> = (0..s.points.len())
        .rev()
        .map(|i| format!("{:.1},{:.1}", x(i), y(s.points[i].lower)))
        .collect();
    let _ = writeln!(
        out,
        "<polygon class=\"band\" points=\"{} {}\"/>",
        upper.join(" "),
        lower.join(" ")
    );
    let line: Vec<String> = (0..s.points.len())
        .map(|i| format!("{:.1},{:.1}", x(i), y(s.points[i].ratio)))
        .collect();
    let _ = writeln!(
        out,
        "<polyline class=\"index\" points=\"{}\"/>",
        line.join(" ")
    );
    for (i, p) in s.points.iter().enumerate() {
        if s.flagged.iter().any(|f| f.commit == p.commit) {
            let _ = writeln!(
                out,
                "<circle class=\"flag\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\"><title>step at {}</title></circle>",
                x(i),
                y(p.ratio),
                escape::html(&p.commit.chars().take(10).collect::<String>())
            );
        }
    }
    out.push_str("</svg>\n");
    out
}
