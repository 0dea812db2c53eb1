//! What `benchgate bisect` found, for people: the commit, its own step
//! with its interval, the phases that moved, whether the change is spread,
//! and every probe.

use std::io::{self, Write};
use std::time::Duration;

use super::text::{change, interval};
use crate::bisect::Bisected;
use crate::escape;

fn short(commit: &str) -> String {
    escape::inert(&commit.chars().take(10).collect::<String>())
}

pub fn text(found: &Bisected, took: Duration, out: &mut dyn Write) -> io::Result<()> {
    let (Some(target), Some(total), Some(culprit), Some(step)) =
        (&found.target, &found.total, &found.culprit, &found.step)
    else {
        return writeln!(
            out,
            "bisect: no gated metric regressed between GOOD and BAD: nothing to search ({} probe)",
            found.probes.len().max(1)
        );
    };
    let name = format!(
        "{} {}",
        escape::inert(&target.endpoint),
        escape::inert(&target.metric)
    );
    writeln!(
        out,
        "{name}: {} {} from {} to {}",
        change(total.ratio),
        interval(Some(total.lower), Some(total.upper)),
        short(&total.against),
        short(&total.commit)
    )?;
    if found.spread {
        writeln!(
            out,
            "spread: no single commit made it; the first past half the change is {}, whose own step is {} {} of the {} — read every probe below",
            short(culprit),
            change(step.ratio),
            interval(Some(step.lower), Some(step.upper)),
            change(total.ratio)
        )?;
    } else {
        writeln!(
            out,
            "the commit: {}: {} {} against its parent {}",
            short(culprit),
            change(step.ratio),
            interval(Some(step.lower), Some(step.upper)),
            short(&step.against)
        )?;
    }
    for p in &found.phases {
        writeln!(
            out,
            "  phase {} {} {}",
            escape::inert(&p.phase),
            change(p.ratio),
            interval(Some(p.lower), Some(p.upper))
        )?;
    }
    writeln!(
        out,
        "probes ({} in {:.0} s):",
        found.probes.len(),
        took.as_secs_f64()
    )?;
    for p in &found.probes {
        let side = match p.after {
            Some(true) => "after",
            Some(false) => "before",
            None => "",
        };
        writeln!(
            out,
            "  {} against {}: {} {} {side}",
            short(&p.commit),
            short(&p.against),
            change(p.ratio),
            interval(Some(p.lower), Some(p.upper))
        )?;
    }
    Ok(())
}
