//! The capacity probe's table: each stage's rate, what the apps sustained,
//! each endpoint's median, and where the ramp stopped; then the capacity and
//! the suggested `load.rate`.

use std::io::{self, Write};

use crate::capacity::{Probe, QUIET_SHARE};

pub fn print(probe: &Probe, out: &mut dyn Write) -> io::Result<()> {
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::UTF8_BORDERS_ONLY);
    let mut header = vec!["rate/s per side".to_string(), "sustained/s".to_string()];
    if let Some(first) = probe.stages.first() {
        header.extend(
            first
                .p50_ms
                .iter()
                .map(|(name, _)| format!("{name} p50 ms")),
        );
    }
    header.push("stopped".into());
    table.set_header(header);
    for stage in &probe.stages {
        let mut row = vec![
            format!("{:.1}", stage.rate),
            format!("{:.1}", stage.sustained),
        ];
        row.extend(stage.p50_ms.iter().map(|(_, ms)| super::ms(*ms)));
        row.push(stage.stop.clone().unwrap_or_default());
        table.add_row(row);
    }
    writeln!(
        out,
        "Capacity of suite {}: its mix against two copies of the app at once, as A/B mode runs them",
        probe.config.suite
    )?;
    writeln!(out, "{table}")?;
    writeln!(
        out,
        "capacity: {:.1}/s per side; suggested load.rate: {:.0}/s ({:.0}% of capacity, where a shared runner's noise is smallest); the suite asks for {}/s",
        probe.file.capacity_rate,
        probe.file.suggested_rate,
        QUIET_SHARE * 100.0,
        probe.config.load.rate
    )?;
    writeln!(
        out,
        "saved beside the baselines: the gate warns when a suite's rate is above the suggestion; commit it with them"
    )
}
