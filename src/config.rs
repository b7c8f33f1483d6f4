//! Settings for a run: command-line choices and the `.ddbguard.yaml` policy.

use crate::rules::Severity;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A rule's level in the config: `off` or a severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Off,
    On(Severity),
}

/// One rule's configuration.
#[derive(Clone, Debug, Default)]
pub struct RuleConfig {
    pub level: Option<Level>,
    /// Rule options (`min_days: 35`).
    pub options: BTreeMap<String, serde_json::Value>,
}

/// The policy from `.ddbguard.yaml`.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// The file it was read from, if any.
    pub path: Option<PathBuf>,
    pub rules: BTreeMap<String, RuleConfig>,
    /// Glob patterns of paths never checked.
    pub exclude: Vec<String>,
    /// `suppressions:` entries.
    pub suppressions: Vec<ConfigSuppression>,
}

/// A `suppressions:` entry of the config: accept a finding on purpose.
#[derive(Clone, Debug, Default)]
pub struct ConfigSuppression {
    /// Rule id (`DDB101`) or name.
    pub rule: String,
    /// Glob on the finding's path (`infra/legacy/**`); none: any path.
    pub path: Option<String>,
    /// Glob on the resource id (`LegacyTable*`, `module.old.*`); none: any resource.
    pub resource: Option<String>,
    /// Why the finding is accepted: required (a suppression without one is reported).
    pub reason: Option<String>,
    /// `YYYY-MM-DD`: from that day on the suppression no longer applies.
    pub expires: Option<String>,
    /// 1-based line of the entry in the config file, for messages.
    pub line: u32,
}

/// Everything a run needs besides its paths.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub config: Config,
    /// `--select`: only these rules (empty: all).
    pub select: Vec<String>,
    /// `--ignore`: never these rules.
    pub ignore: Vec<String>,
    /// `--var NAME=VALUE` (Terraform), in order.
    pub tf_vars: Vec<(String, String)>,
    /// `--var-file FILE` (Terraform), in order.
    pub tf_var_files: Vec<PathBuf>,
    /// Collect what was skipped and why.
    pub verbose: bool,
}

impl Settings {
    fn matches(list: &[String], id: &str) -> bool {
        list.iter().any(|s| {
            s.eq_ignore_ascii_case(id) || crate::rules::meta_by_id(s).is_some_and(|m| m.id == id)
        })
    }

    /// Whether a rule runs: selected, not ignored, not `off` in the config.
    pub fn rule_enabled(&self, id: &str) -> bool {
        if !self.select.is_empty() && !Self::matches(&self.select, id) {
            return false;
        }
        if Self::matches(&self.ignore, id) {
            return false;
        }
        !matches!(
            self.config.rules.get(id).and_then(|r| r.level),
            Some(Level::Off)
        )
    }

    /// The severity the config gives a rule, if it overrides the default.
    pub fn severity_override(&self, id: &str) -> Option<Severity> {
        match self.config.rules.get(id)?.level? {
            Level::On(s) => Some(s),
            Level::Off => None,
        }
    }

    pub fn rule_option_u64(&self, id: &str, name: &str) -> Option<u64> {
        self.config.rules.get(id)?.options.get(name)?.as_u64()
    }
}

/// What `ddbguard init` writes.
pub const INIT_TEMPLATE: &str = include_str!("../ddbguard.example.yaml");
