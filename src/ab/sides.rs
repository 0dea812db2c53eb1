//! What an A/B run measures: the two trees' suite files, read and resolved
//! once, and each round's pair of suites on ports of their own, placed
//! apart where the machine allows.
//!
//! A suite file that writes `${PORT}` gets a fresh port every round (the
//! apps of the last round may still hold theirs); that is all a round
//! changes, so the files are read once and only such a file's text is
//! resolved again, with the new port.

use std::path::Path;

use crate::config::{self, Config, ConfigError, Overrides};
use crate::record::{Pairing, RunRecord};

use super::error::AbError;

/// What to measure: this tree's suite file and the command line's load
/// settings, the base tree's suite file (this one again for A/A), how the
/// requests are split, and whether to run the build steps first.
#[derive(Debug, Clone, Copy)]
pub struct Sides<'a> {
    pub head_suite: &'a Path,
    pub overrides: &'a Overrides,
    pub base_suite: &'a Path,
    pub pairing: Pairing,
    pub build: bool,
}

/// Both sides of an A/B run with the suites they came from.
#[derive(Debug)]
pub struct SideBySide {
    pub base_config: Config,
    pub head_config: Config,
    pub base: RunRecord,
    pub head: RunRecord,
}

/// Both sides' suites, read and resolved once.
#[derive(Debug)]
pub struct SideSuites<'a> {
    pub sides: Sides<'a>,
    head: SideSuite,
    base: SideSuite,
    /// The CPUs this process may use, read once.
    allowed: Vec<usize>,
}

/// One side's suite as resolved, and its text when a round must resolve
/// it again on another port.
#[derive(Debug)]
struct SideSuite {
    config: Config,
    text: Option<String>,
}

impl SideSuite {
    fn read(path: &Path, overrides: &Overrides, port: u16) -> Result<SideSuite, ConfigError> {
        let config = config::load(path, overrides, port)?;
        let text = match config.port {
            Some(_) => Some(
                std::fs::read_to_string(path).map_err(|cause| ConfigError::Read {
                    path: path.to_path_buf(),
                    cause,
                })?,
            ),
            None => None,
        };
        Ok(SideSuite { config, text })
    }

    /// The suite with `${PORT}` standing for `port` (as it is when the file
    /// has no `${PORT}`).
    fn on_port(&self, overrides: &Overrides, port: u16) -> Result<Config, ConfigError> {
        match &self.text {
            Some(text) => config::parse_with(text, &self.config.path, overrides, port),
            None => Ok(self.config.clone()),
        }
    }
}

impl<'a> SideSuites<'a> {
    /// Reads and resolves both sides' suite files, each on a port of its
    /// own.
    pub fn resolve(sides: Sides<'a>) -> Result<SideSuites<'a>, AbError> {
        let ports = config::free_ports::<2>();
        Ok(SideSuites {
            head: SideSuite::read(sides.head_suite, sides.overrides, ports[1])?,
            base: SideSuite::read(sides.base_suite, sides.overrides, ports[0])?,
            allowed: crate::placement::allowed(),
            sides,
        })
    }

    /// This tree's suite, as resolved.
    pub fn head(&self) -> &Config {
        &self.head.config
    }

    /// The base tree's suite, as resolved.
    pub fn base(&self) -> &Config {
        &self.base.config
    }

    /// Both sides' suites for round `round` (from 0), placed apart where
    /// the machine allows: `(head, base)`. The first round takes the ports
    /// they were resolved on, each later one fresh ports.
    pub(super) fn for_round(&self, round: u32) -> Result<(Config, Config), AbError> {
        let (mut head, mut base) = if round == 0 {
            (self.head.config.clone(), self.base.config.clone())
        } else {
            let ports = config::free_ports::<2>();
            let overrides = self.sides.overrides;
            (
                self.head.on_port(overrides, ports[1])?,
                self.base.on_port(overrides, ports[0])?,
            )
        };
        place_apart(&mut base, &mut head, &self.allowed);
        if base.base_url.authority() == head.base_url.authority() {
            let fixed = if head.port.is_none() {
                self.sides.head_suite
            } else {
                self.sides.base_suite
            };
            return Err(AbError::Setup(format!(
                "A/B mode runs two copies of the app at once, but both would use {}; write ${{PORT}} in app.command, app.ready.url and base_url of {} so that each gets its own port",
                head.base_url.authority(),
                fixed.display()
            )));
        }
        Ok((head, base))
    }
}

/// On a machine with 4 CPUs or more, and when the suite places nothing
/// itself: the generator on the first CPU, the base app on the first half
/// of the others, the head app on as many of the rest — so that a head that
/// burns CPU does not slow the base. Fewer CPUs are left shared (the report
/// says so).
fn place_apart(base: &mut Config, head: &mut Config, allowed: &[usize]) {
    let placed =
        |c: &Config| c.load.cpus.is_some() || c.app.as_ref().is_some_and(|a| a.cpus.is_some());
    if allowed.len() < 4 || placed(base) || placed(head) {
        return;
    }
    let (generator, apps) = allowed.split_at(1);
    let half = apps.len() / 2;
    let (base_cpus, head_cpus) = (apps[..half].to_vec(), apps[half..2 * half].to_vec());
    if let (Some(b), Some(h)) = (base.app.as_mut(), head.app.as_mut()) {
        b.cpus = Some(base_cpus);
        h.cpus = Some(head_cpus);
        head.load.cpus = Some(generator.to_vec());
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::place_apart;

    fn suite() -> crate::config::Config {
        let text = "version: 1\nsuite: s\napp:\n  command: [\"app\"]\nbase_url: \"http://127.0.0.1:8000\"\nendpoints:\n  - { name: home, path: / }\n";
        crate::config::parse(text, Path::new("s.yaml")).expect("valid suite")
    }

    fn cpus(c: &crate::config::Config) -> Option<Vec<usize>> {
        c.app.as_ref().and_then(|a| a.cpus.clone())
    }

    #[test]
    fn four_cpus_or_more_give_each_side_its_own() {
        let (mut base, mut head) = (suite(), suite());
        place_apart(&mut base, &mut head, &[0, 1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(head.load.cpus, Some(vec![0]));
        assert_eq!(cpus(&base), Some(vec![1, 2, 3]));
        assert_eq!(cpus(&head), Some(vec![4, 5, 6]));

        let (mut base, mut head) = (suite(), suite());
        place_apart(&mut base, &mut head, &[0, 1]);
        assert_eq!(
            (cpus(&base), cpus(&head), head.load.cpus),
            (None, None, None)
        );

        // The suite's own placement wins.
        let (mut base, mut head) = (suite(), suite());
        head.load.cpus = Some(vec![3]);
        place_apart(&mut base, &mut head, &[0, 1, 2, 3]);
        assert_eq!((cpus(&base), cpus(&head)), (None, None));
    }

    /// A suite file at `dir/name` with `base_url` as given.
    fn write(dir: &Path, name: &str, base_url: &str) -> std::path::PathBuf {
        let path = dir.join(name);
        let text = format!(
            "version: 1\nsuite: s\napp:\n  command: [\"app\", \"${{PORT}}\"]\nbase_url: \"{base_url}\"\nendpoints:\n  - {{ name: home, path: / }}\n"
        );
        std::fs::write(&path, text).expect("write the suite");
        path
    }

    fn sides<'a>(
        head: &'a Path,
        base: &'a Path,
        overrides: &'a crate::config::Overrides,
    ) -> super::Sides<'a> {
        super::Sides {
            head_suite: head,
            overrides,
            base_suite: base,
            pairing: crate::record::Pairing::Random,
            build: false,
        }
    }

    #[test]
    fn the_suites_are_read_once_and_each_round_changes_only_the_ports() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let head = write(dir.path(), "head.yaml", "http://127.0.0.1:${PORT}");
        let base = write(dir.path(), "base.yaml", "http://127.0.0.1:${PORT}");
        let overrides = crate::config::Overrides::default();
        let suites = super::SideSuites::resolve(sides(&head, &base, &overrides)).expect("resolved");
        // The files are not read again: a round after they are gone still
        // gets both suites, on new ports.
        std::fs::remove_file(&head).expect("remove");
        std::fs::remove_file(&base).expect("remove");
        let (first_head, first_base) = suites.for_round(0).expect("round 1");
        let (later_head, later_base) = suites.for_round(1).expect("round 2");
        assert_eq!(first_head.port, suites.head().port);
        assert_ne!(first_head.port, first_base.port);
        assert_ne!(later_head.port, later_base.port);
        let port = |c: &crate::config::Config| c.port.map(|p| p.to_string());
        assert_eq!(
            later_head.base_url.authority(),
            format!("127.0.0.1:{}", port(&later_head).expect("a port"))
        );
        // Everything but the ports is as resolved.
        assert_eq!(later_head.endpoints, first_head.endpoints);
        assert_eq!(later_head.load, first_head.load);
    }

    #[test]
    fn two_sides_on_one_fixed_port_are_refused_with_the_fix() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let head = write(dir.path(), "head.yaml", "http://127.0.0.1:8123");
        let base = write(dir.path(), "base.yaml", "http://127.0.0.1:8123");
        let overrides = crate::config::Overrides::default();
        let suites = super::SideSuites::resolve(sides(&head, &base, &overrides)).expect("resolved");
        let refused = suites.for_round(0).expect_err("one port for both");
        assert!(refused.to_string().contains("${PORT}"), "{refused}");
    }
}
