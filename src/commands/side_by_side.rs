//! The A/B commands: `check --ab REF` and `ab --base-dir DIR` measure the
//! base and this tree side by side until the verdict is known, then gate
//! on the paired comparison.

use std::path::Path;

use super::{gate, rate, refuse_unreadable, warn_above_capacity, warn_unjudgeable, Joins};
use crate::cli::{AbArgs, CheckArgs, OutputArgs, SuiteArgs};
use crate::config;
use crate::exit::{Code, Failure};
use crate::{ab, baseline, files};

/// `check --ab REF`: a temporary worktree of REF is the base.
pub(super) fn check_ab(args: &CheckArgs, reference: &str) -> Result<Code, Failure> {
    let head_config = head_config(&args.suite)?;
    let suite_dir = args.suite.config.config.parent().unwrap_or(Path::new(""));
    let worktree = ab::Worktree::add(suite_dir, reference)?;
    eprintln!(
        "base: {reference} checked out in {}",
        worktree.path().display()
    );
    let results = args.out.as_deref().and_then(Path::parent);
    ab_gate(
        &args.suite,
        head_config,
        worktree.path(),
        args.pairing.into(),
        results,
        args.baselines.baselines.as_deref(),
        &args.output,
    )
}

/// `benchgate ab --base-dir DIR`.
pub(super) fn ab(args: &AbArgs) -> Result<Code, Failure> {
    ab_gate(
        &args.suite,
        head_config(&args.suite)?,
        &args.base_dir,
        args.pairing.into(),
        args.results_dir.as_deref(),
        args.baselines.baselines.as_deref(),
        &args.output,
    )
}

/// This tree's suite with the command line's overrides (each round picks
/// its own ports), refused before anything starts when its rounds would
/// join into a record too large to read back.
fn head_config(suite: &SuiteArgs) -> Result<config::Config, Failure> {
    let head_config = config::load(
        &suite.config.config,
        &suite.overrides(),
        config::UNBOUND_PORT,
    )?;
    refuse_unreadable(&head_config, Joins::Rounds)?;
    Ok(head_config)
}

/// Measures the base tree and this one side by side and gates on the
/// paired comparison; `head_config` is this tree's suite, as resolved.
fn ab_gate(
    suite: &SuiteArgs,
    mut head_config: config::Config,
    base_dir: &Path,
    pairing: crate::record::Pairing,
    results_dir: Option<&Path>,
    baselines: Option<&Path>,
    output: &OutputArgs,
) -> Result<Code, Failure> {
    let head_suite = &suite.config.config;
    let dir = results_dir.unwrap_or(Path::new(config::OUTPUT_DIR));
    let results = ab::claim_results(dir, &head_config.suite)?;
    let base_suite = ab::base_suite_path(head_suite, base_dir)?;
    // rate: auto probes both apps (building them) before anything else, so
    // that both sides run at one rate for the whole run.
    let chosen = rate::probe(&mut head_config, &base_suite, head_suite, pairing)?;
    warn_unjudgeable(&head_config, crate::compare::Span::Budget);
    warn_above_capacity(&head_config, &baseline::dir_for(&head_config, baselines));
    let mut overrides = suite.overrides();
    if chosen.is_some() {
        overrides.rate = Some(head_config.load.rate);
    }
    let suites = ab::SideSuites::resolve(ab::Sides {
        head_suite,
        overrides: &overrides,
        base_suite: &base_suite,
        pairing,
        build: chosen.is_none(),
    })?;
    let head_baselines = baseline::dir_for(suites.head(), baselines);
    let base_baselines = baseline::dir_for(suites.base(), None);
    let settings = ab::gate(
        suites.base(),
        suites.head(),
        &base_baselines,
        &head_baselines,
    )?;
    // A rate the probe chose may be lowered when the runner gets busier;
    // a rate the suite fixes never is.
    let fallback = chosen
        .as_ref()
        .map(|_| ab::RateFallback::new(crate::capacity::AUTO_LEAST));
    let mut known = ab::measure_until(&suites, &settings, fallback)?;
    let run = &mut known.measured;
    for (record, side, path) in [
        (&mut run.base, "base", &results.base),
        (&mut run.head, "head", &results.head),
    ] {
        rate::note(record, chosen.as_deref());
        files::write_json(path, record)?;
        eprintln!("{side} results: {}", path.display());
    }
    gate(known.comparison, &head_baselines, output)
}
