//! Settings for a run: command-line choices and the `.ddbguard.yaml` policy.
//!
//! The config is read strictly: an unknown key, a wrong type, an unknown rule or tier is an
//! error that points into the file (`path:line:column: message`), and the command stops
//! (exit status 2). Every key is optional; `ddbguard.example.yaml` shows them all and
//! `schema/ddbguard.schema.json` describes them.
//!
//! The file's keys and types are declared once, in [`file`]; serde reads the text into them
//! through [`yaml`], which keeps every value's place, and the schema is generated from them.
//! [`Config`] is what the rest of the program sees: the declared values checked and
//! resolved (rule names to ids, globs compiled, tiers known).

pub mod file;
mod yaml;

use crate::source::SourceFile;
use crate::vocab::Severity;
use file::{Spanned, Text};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// The file name looked for in the current directory and its parents.
pub const CONFIG_FILE_NAME: &str = ".ddbguard.yaml";

/// The tier of a table that neither a tag nor a `tables:` entry names.
pub const DEFAULT_TIER: &str = "standard";

/// The tag whose value names a table's tier.
pub const DEFAULT_TIER_TAG: &str = "compliance-tier";

/// The tiers that exist without any config, with the lowest key type each accepts.
pub const BUILTIN_TIERS: &[(&str, KeyClass)] = &[
    ("standard", KeyClass::AwsOwned),
    ("confidential", KeyClass::AwsManaged),
    ("regulated", KeyClass::CustomerManaged),
];

/// The rules a config may name: given a rule's id (any case) or name, its id. The config
/// sits below the rules, so whoever reads it says which rules exist
/// (`rules::rule_id` for the built-in catalog).
pub type RuleIds<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Config files larger than this are refused.
const MAX_CONFIG_BYTES: u64 = 4 * 1024 * 1024;

/// The type of key a table is encrypted with, from weakest to strongest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyClass {
    /// The default: a key AWS owns and shares across accounts; invisible in CloudTrail.
    AwsOwned,
    /// `alias/aws/dynamodb` in the account: SSE on without a key of one's own.
    AwsManaged,
    /// A key the account creates and controls (policy, rotation, revocation).
    CustomerManaged,
}

impl KeyClass {
    pub const ALL: [KeyClass; 3] = [
        KeyClass::AwsOwned,
        KeyClass::AwsManaged,
        KeyClass::CustomerManaged,
    ];

    /// The config spelling: `aws-owned`, `aws-managed`, `customer-managed`.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyClass::AwsOwned => "aws-owned",
            KeyClass::AwsManaged => "aws-managed",
            KeyClass::CustomerManaged => "customer-managed",
        }
    }

    /// Words for messages: "an AWS owned key".
    pub fn describe(self) -> &'static str {
        match self {
            KeyClass::AwsOwned => "an AWS owned key",
            KeyClass::AwsManaged => "the AWS managed key (alias/aws/dynamodb)",
            KeyClass::CustomerManaged => "a customer managed key",
        }
    }

    pub fn parse(s: &str) -> Option<KeyClass> {
        KeyClass::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl<'de> Deserialize<'de> for KeyClass {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        KeyClass::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown key type {s:?}: expected aws-owned, aws-managed or customer-managed"
            ))
        })
    }
}

/// A glob pattern from the config, kept with its text.
#[derive(Clone, Debug)]
pub struct Pattern {
    pub text: String,
    matcher: globset::GlobMatcher,
}

impl Pattern {
    /// Compile a glob (`*` stays within a path segment, `**` crosses them).
    pub fn new(text: &str) -> Result<Pattern, String> {
        let glob = globset::GlobBuilder::new(text)
            .literal_separator(true)
            .build()
            .map_err(|e| format!("invalid glob pattern {text:?}: {}", e.kind()))?;
        Ok(Pattern {
            text: text.to_string(),
            matcher: glob.compile_matcher(),
        })
    }

    pub fn is_match(&self, s: &str) -> bool {
        self.matcher.is_match(s)
    }
}

/// A `tables:` entry: tables whose name or path match get this tier.
#[derive(Clone, Debug)]
pub struct TableTier {
    /// Glob on the table's name (its known `TableName`/`name`) or its resource id.
    pub name: Option<Pattern>,
    /// Glob on the path of the template, CDK assembly or Terraform module.
    pub path: Option<Pattern>,
    pub tier: String,
    /// 1-based line of the entry in the config file, for messages.
    pub line: u32,
}

impl TableTier {
    /// Whether the entry applies: every pattern it has matches.
    pub fn matches(&self, names: &[&str], path: &str) -> bool {
        let name_ok = self
            .name
            .as_ref()
            .is_none_or(|p| names.iter().any(|n| p.is_match(n)));
        let path_ok = self.path.as_ref().is_none_or(|p| {
            p.is_match(path) || p.is_match(&format!("{}/", path.trim_end_matches('/')))
        });
        name_ok && path_ok
    }
}

/// A rule option the config accepts, with its bounds.
#[derive(Clone, Copy, Debug)]
pub struct RuleOption {
    pub rule: &'static str,
    pub name: &'static str,
    pub min: u64,
    pub max: u64,
    pub default: u64,
    pub doc: &'static str,
}

/// Every rule option (all are integers for now): their bounds and defaults. Adding one: a
/// line here and the option's field in its rule's table in [`file`] (a test checks that the
/// generated schema agrees with this list).
pub const RULE_OPTIONS: &[RuleOption] = &[RuleOption {
    rule: "DDB102",
    name: "min_days",
    min: 1,
    max: 35,
    default: 35,
    doc: "the shortest point-in-time recovery period accepted, in days",
}];

/// A rule's level in the config: `off` or a severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Off,
    On(Severity),
}

impl Level {
    /// The config spellings.
    pub const NAMES: [&str; 4] = ["off", "note", "warning", "error"];

    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "off" => Some(Level::Off),
            _ => Severity::parse(s).map(Level::On),
        }
    }

    /// A level, or the message that says which exist.
    pub fn from_text(s: &str) -> Result<Level, String> {
        Level::parse(s)
            .ok_or_else(|| format!("unknown level {s:?}: expected off, note, warning or error"))
    }
}

impl<'de> Deserialize<'de> for Level {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Level::from_text(&s).map_err(serde::de::Error::custom)
    }
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
    /// By rule id (names in the file are turned into ids).
    pub rules: BTreeMap<String, RuleConfig>,
    /// Glob patterns of paths never checked.
    pub exclude: Vec<String>,
    /// `suppressions:` entries.
    pub suppressions: Vec<ConfigSuppression>,
    /// `default_tier:` (none: `standard`).
    pub default_tier: Option<String>,
    /// `tiers:`, by lowercase name: defined or overridden tiers and their minimum key type.
    pub tiers: BTreeMap<String, KeyClass>,
    /// `tier_tag:` (none: `compliance-tier`).
    pub tier_tag: Option<String>,
    /// `tables:` entries, in file order: the first that matches gives the tier.
    pub tables: Vec<TableTier>,
    /// `policies:`: Guard policy files or directories, as written (relative to the config
    /// file; read before the config is checked, so `rules:` may name their rules).
    pub policies: Vec<String>,
}

/// A `suppressions:` entry of the config: accept a finding on purpose.
#[derive(Clone, Debug, Default)]
pub struct ConfigSuppression {
    /// Rule id (`DDB101`): a name in the file is turned into its id when the config is read.
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

/// A problem in the config file, at a place in it when there is one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub path: String,
    /// 1-based line and column; none for a file that cannot be read at all.
    pub position: Option<(u32, u32)>,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.position {
            Some((line, column)) => write!(f, "{}:{line}:{column}: {}", self.path, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

/// Every problem found in a config file (at least one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl std::fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

impl Config {
    /// The nearest `.ddbguard.yaml` in the directory `start` or one of its parents, as a
    /// path relative to `start` (`.ddbguard.yaml`, `../../.ddbguard.yaml`).
    pub fn discover(start: &Path) -> Option<PathBuf> {
        let mut relative = PathBuf::new();
        for dir in start.ancestors().take(256) {
            if dir.join(CONFIG_FILE_NAME).is_file() {
                return Some(relative.join(CONFIG_FILE_NAME));
            }
            relative.push("..");
        }
        None
    }

    /// Read and check a config file; `rules` knows the rule ids and names it may use.
    pub fn load(path: &Path, rules: RuleIds) -> Result<Config, ConfigErrors> {
        let shown = crate::source::display_path(path);
        let fail = |message: String| {
            ConfigErrors(vec![ConfigError {
                path: shown.clone(),
                position: None,
                message,
            }])
        };
        let meta = std::fs::metadata(path).map_err(|e| fail(e.to_string()))?;
        if !meta.is_file() {
            return Err(fail("not a file".into()));
        }
        if meta.len() > MAX_CONFIG_BYTES {
            return Err(fail(format!(
                "the file is {} bytes; a config is at most {MAX_CONFIG_BYTES}",
                meta.len()
            )));
        }
        let bytes = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
        let text =
            String::from_utf8(bytes).map_err(|_| fail("the file is not valid UTF-8".into()))?;
        let mut config = Config::parse(&text, path, rules)?;
        config.path = Some(path.to_path_buf());
        Ok(config)
    }

    /// Check config text; `path` names it in messages. Every problem is listed (at most
    /// [`yaml::MAX_ERRORS`], then how many more).
    pub fn parse(text: &str, path: &Path, rules: RuleIds) -> Result<Config, ConfigErrors> {
        let file = SourceFile::new(path.to_path_buf(), text);
        let mut check = Check {
            file: &file,
            rules,
            errors: Vec::new(),
        };
        // What does not fit the declared types, then what the values mean (of the entries
        // that fit).
        let (declared, errors) = yaml::from_str::<Option<file::ConfigFile>>(text, file::describe);
        for e in errors {
            check.error(e.span.unwrap_or(0..0), e.message);
        }
        let config = check.config(declared.flatten().unwrap_or_default());
        let mut errors = check.errors;
        errors.sort_by_key(|e| e.position);
        if errors.len() > yaml::MAX_ERRORS {
            let more = errors.len() - yaml::MAX_ERRORS;
            errors.truncate(yaml::MAX_ERRORS);
            errors.push(ConfigError {
                path: file.display_path(),
                position: None,
                message: format!("and {more} more errors"),
            });
        }
        if errors.is_empty() {
            Ok(config)
        } else {
            Err(ConfigErrors(errors))
        }
    }

    /// The tag whose value names a table's tier.
    pub fn tier_tag(&self) -> &str {
        self.tier_tag.as_deref().unwrap_or(DEFAULT_TIER_TAG)
    }

    /// The tier of tables nothing else names.
    pub fn default_tier(&self) -> &str {
        self.default_tier.as_deref().unwrap_or(DEFAULT_TIER)
    }

    /// The lowest key type a tier accepts (tier names are case-insensitive).
    pub fn tier_minimum(&self, tier: &str) -> Option<KeyClass> {
        let lower = tier.to_ascii_lowercase();
        self.tiers.get(&lower).copied().or_else(|| {
            BUILTIN_TIERS
                .iter()
                .find(|(name, _)| *name == lower)
                .map(|(_, k)| *k)
        })
    }

    /// Every tier name, built-in and configured, sorted.
    pub fn tier_names(&self) -> Vec<String> {
        let mut names: Vec<String> = BUILTIN_TIERS
            .iter()
            .map(|(n, _)| n.to_string())
            .chain(self.tiers.keys().cloned())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// The first `tables:` entry matching a table known by `names` (its name, its resource
    /// id) in the template, assembly or module at `path`.
    pub fn table_tier(&self, names: &[&str], path: &str) -> Option<&TableTier> {
        self.tables.iter().find(|t| t.matches(names, path))
    }
}

/// Checks what the declared types cannot say: that rules and tiers exist, globs compile,
/// dates are real; collects every error with its place.
struct Check<'a> {
    rules: RuleIds<'a>,
    file: &'a SourceFile,
    errors: Vec<ConfigError>,
}

impl Check<'_> {
    fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        let at = self.file.line_col(span.start as u32);
        self.errors.push(ConfigError {
            path: self.file.display_path(),
            position: Some((at.line, at.column)),
            message: message.into(),
        });
    }

    fn line(&self, span: Range<usize>) -> u32 {
        self.file.line_col(span.start as u32).line
    }

    /// A glob, or an error naming `what`.
    fn pattern(&mut self, text: &Spanned<Text>, what: &str) -> Option<Pattern> {
        match Pattern::new(text.get().as_str()) {
            Ok(p) => Some(p),
            Err(e) => {
                self.error(text.span(), format!("{what}: {e}"));
                None
            }
        }
    }

    /// A rule id from an id or name the catalog (or a policy) knows.
    fn rule(&mut self, text: &Spanned<Text>) -> Option<String> {
        let id = (self.rules)(text.get().as_str());
        if id.is_none() {
            self.error(
                text.span(),
                format!(
                    "unknown rule {:?}: `ddbguard rules` lists the rule ids and names",
                    text.get().as_str()
                ),
            );
        }
        id
    }

    fn config(&mut self, declared: file::ConfigFile) -> Config {
        let mut config = Config {
            tier_tag: declared.tier_tag.map(|t| t.get().0.clone()),
            ..Config::default()
        };
        // Tiers first: the other keys refer to them.
        for (name, class) in declared.tiers.unwrap_or_default() {
            let lower = name.get().as_str().trim().to_ascii_lowercase();
            if config.tiers.insert(lower, *class.get()).is_some() {
                self.error(
                    name.span(),
                    format!("tier {:?} is defined twice", name.get().as_str()),
                );
            }
        }
        if let Some(tier) = declared.default_tier {
            config.default_tier = self.tier_name(&config, &tier);
        }
        for entry in declared.tables.unwrap_or_default() {
            if let Some(t) = self.table(&config, &entry) {
                config.tables.push(t);
            }
        }
        if let Some(rules) = declared.rules {
            config.rules = self.rules(rules);
        }
        for glob in declared.exclude.unwrap_or_default() {
            if let Some(p) = self.pattern(&glob, "an exclude pattern") {
                // The walker builds its own glob set from the text.
                match globset::Glob::new(&p.text) {
                    Ok(_) => config.exclude.push(p.text),
                    Err(e) => {
                        self.error(glob.span(), format!("invalid glob pattern: {}", e.kind()))
                    }
                }
            }
        }
        for s in declared.suppressions.unwrap_or_default() {
            if let Some(s) = self.suppression(&s) {
                config.suppressions.push(s);
            }
        }
        config.policies = (declared.policies.unwrap_or_default())
            .into_iter()
            .map(|p| p.get().0.clone())
            .collect();
        config
    }

    fn tier_name(&mut self, config: &Config, name: &Spanned<Text>) -> Option<String> {
        let text = name.get().as_str();
        if config.tier_minimum(text).is_none() {
            self.error(
                name.span(),
                format!(
                    "unknown tier {text:?}: expected one of {} (or define it under tiers)",
                    config.tier_names().join(", ")
                ),
            );
            return None;
        }
        Some(text.to_string())
    }

    fn table(&mut self, config: &Config, entry: &Spanned<file::TableEntry>) -> Option<TableTier> {
        let e = entry.get();
        let name = e.name.as_ref().map(|p| self.pattern(p, "name"));
        let path = e.path.as_ref().map(|p| self.pattern(p, "path"));
        let tier = self.tier_name(config, &e.tier);
        if name.is_none() && path.is_none() {
            self.error(
                entry.span(),
                "a tables entry needs a name or a path pattern",
            );
            return None;
        }
        // A pattern that does not compile is an error already: the entry is left out.
        let (Some(name), Some(path), Some(tier)) = (
            name.map_or(Some(None), |p| p.map(Some)),
            path.map_or(Some(None), |p| p.map(Some)),
            tier,
        ) else {
            return None;
        };
        Some(TableTier {
            name,
            path,
            tier,
            line: self.line(entry.span()),
        })
    }

    fn rules(&mut self, rules: file::Rules) -> BTreeMap<String, RuleConfig> {
        let mut out: BTreeMap<String, RuleConfig> = BTreeMap::new();
        for (key, setting) in rules.0 {
            let Some(id) = self.rule(&key) else {
                continue;
            };
            let mut rule = RuleConfig {
                level: setting.get().level,
                ..RuleConfig::default()
            };
            for (name, value) in &setting.get().options {
                match RULE_OPTIONS
                    .iter()
                    .find(|o| o.rule == id && o.name == *name)
                {
                    Some(o) if (o.min..=o.max).contains(value.get()) => {
                        rule.options
                            .insert(name.to_string(), serde_json::Value::from(*value.get()));
                    }
                    Some(o) => self.error(
                        value.span(),
                        format!(
                            "{id}.{name}: expected a whole number from {} to {}",
                            o.min, o.max
                        ),
                    ),
                    None => self.error(value.span(), format!("rule {id} has no option {name}")),
                }
            }
            if out.insert(id.clone(), rule).is_some() {
                self.error(
                    key.span(),
                    format!("rule {id} is configured twice (by id and by name)"),
                );
            }
        }
        out
    }

    fn suppression(
        &mut self,
        entry: &Spanned<file::SuppressionEntry>,
    ) -> Option<ConfigSuppression> {
        let e = entry.get();
        let rule = self.rule(&e.rule);
        let path = e.path.as_ref().map(|p| self.pattern(p, "path"));
        let resource = e.resource.as_ref().map(|p| self.pattern(p, "resource"));
        let expires = e.expires.as_ref().and_then(|d| {
            let text = d.get().as_str();
            if crate::vocab::parse_date(text).is_some() {
                Some(text.to_string())
            } else {
                self.error(
                    d.span(),
                    format!("expires {text:?}: expected a date YYYY-MM-DD"),
                );
                None
            }
        });
        Some(ConfigSuppression {
            rule: rule?,
            path: path.flatten().map(|p| p.text),
            resource: resource.flatten().map(|p| p.text),
            reason: e.reason.as_ref().map(|r| r.get().0.clone()),
            expires,
            line: self.line(entry.span()),
        })
    }
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
    /// Guard policies (`--policy`, `policies:`), loaded and parsed once.
    pub policies: std::sync::Arc<crate::vocab::Policies>,
    /// Time budget of one policy file on one document (default 30 s).
    pub policy_budget: Option<std::time::Duration>,
    /// Keep what the documents policies see need while loading (Terraform resource bodies)
    /// without policies loaded: `ddbguard model --documents`.
    pub policy_documents: bool,
    /// Keep no per-scope entries in the report: [`crate::vocab::Report::scopes`] stays
    /// empty, and the summary still counts scopes and resources. That is all JSON, SARIF,
    /// the human report and GitHub annotations need; JUnit and `--verbose` read the
    /// entries. A large tree then keeps less for each template checked.
    pub brief_scopes: bool,
    /// The current directory and the repository root (both absolute): fingerprints then
    /// name each path relative to the root, so that a baseline written in one directory
    /// holds in another. Without it, paths as given.
    pub fingerprint_root: Option<(PathBuf, PathBuf)>,
}

impl Settings {
    /// `--select`/`--ignore` hold rule ids (the command line turns names into ids).
    fn matches(list: &[String], id: &str) -> bool {
        list.iter().any(|s| s.eq_ignore_ascii_case(id))
    }

    /// `path` (a display path, as a finding gives it) as fingerprints name it: relative
    /// to the repository root when [`Settings::fingerprint_root`] is set.
    pub fn fingerprint_path(&self, path: &str) -> String {
        match &self.fingerprint_root {
            Some((cwd, root)) => crate::vocab::rebase_path(path, cwd, root),
            None => path.to_string(),
        }
    }

    /// Whether loading keeps what the documents policies see need.
    pub fn keeps_policy_documents(&self) -> bool {
        self.policy_documents || !self.policies.is_empty()
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

    /// Whether a rule runs: [`Settings::rule_enabled`], and, for an opt-in rule (off by
    /// default), turned on by a severity in the config (`rules: {DDB404: note}`) or named
    /// in `--select`.
    pub fn rule_runs(&self, meta: &crate::vocab::RuleMeta) -> bool {
        self.rule_enabled(meta.id)
            && (meta.default_enabled
                || Self::matches(&self.select, meta.id)
                || matches!(
                    self.config.rules.get(meta.id).and_then(|r| r.level),
                    Some(Level::On(_))
                ))
    }

    /// The metadata of a rule by id (any case) or name: built-in, or one of the run's
    /// Guard policy rules.
    pub fn rule_meta(&self, id: &str) -> Option<&'static crate::vocab::RuleMeta> {
        crate::rules::find(id, &self.policies)
    }

    /// The severity the config gives a rule, if it overrides the default.
    pub fn severity_override(&self, id: &str) -> Option<Severity> {
        match self.config.rules.get(id)?.level? {
            Level::On(s) => Some(s),
            Level::Off => None,
        }
    }

    /// A rule option: the configured value, else the option's default.
    pub fn rule_option_u64(&self, id: &str, name: &str) -> Option<u64> {
        let configured = self
            .config
            .rules
            .get(id)
            .and_then(|r| r.options.get(name))
            .and_then(|v| v.as_u64());
        configured.or_else(|| {
            RULE_OPTIONS
                .iter()
                .find(|o| o.rule == id && o.name == name)
                .map(|o| o.default)
        })
    }
}

/// What `ddbguard init` writes.
pub const INIT_TEMPLATE: &str = include_str!("../../ddbguard.example.yaml");

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigErrors> {
        Config::parse(text, Path::new("cfg.yaml"), &crate::rules::rule_id)
    }

    /// The errors as `line:column: message` lines.
    fn errors(text: &str) -> Vec<String> {
        match parse(text) {
            Ok(_) => panic!("expected errors in {text:?}"),
            Err(e) => e.0.iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn empty_and_comment_only_configs_are_defaults() {
        for text in [
            "",
            "# nothing\n",
            "---\n",
            "rules:\ntiers:\ntables:\nexclude:\nsuppressions:\n",
        ] {
            let c = parse(text).unwrap();
            assert!(c.rules.is_empty() && c.tables.is_empty());
            assert_eq!(c.default_tier(), "standard");
            assert_eq!(c.tier_tag(), "compliance-tier");
        }
    }

    #[test]
    fn every_key_is_read() {
        let c = parse(
            "default_tier: internal\ntier_tag: data-class\ntiers:\n  internal: aws-managed\n  Standard: aws-managed\n\
             tables:\n  - name: 'pay-*'\n    tier: regulated\n  - path: infra/**\n    name: Orders\n    tier: internal\n\
             rules:\n  DDB101: warning\n  deletion-protection-disabled: off\n  DDB102: {level: error, min_days: 7}\n\
             exclude: ['legacy/**']\n\
             suppressions:\n  - rule: pitr-disabled\n    path: 'a/**'\n    resource: T*\n    reason: why\n    expires: '2031-02-28'\n",
        )
        .unwrap();
        assert_eq!(c.default_tier(), "internal");
        assert_eq!(c.tier_tag(), "data-class");
        assert_eq!(c.tier_minimum("INTERNAL"), Some(KeyClass::AwsManaged));
        assert_eq!(c.tier_minimum("standard"), Some(KeyClass::AwsManaged));
        assert_eq!(c.tier_minimum("regulated"), Some(KeyClass::CustomerManaged));
        assert_eq!(c.tables.len(), 2);
        assert_eq!(c.tables[0].line, 7);
        assert_eq!(
            c.table_tier(&["pay-1"], "x.yaml").map(|t| t.tier.as_str()),
            Some("regulated")
        );
        assert!(c.table_tier(&["Orders"], "other/a.yaml").is_none());
        assert_eq!(
            c.table_tier(&["Orders"], "infra/a.yaml")
                .map(|t| t.tier.as_str()),
            Some("internal")
        );
        assert_eq!(c.rules["DDB101"].level, Some(Level::On(Severity::Warning)));
        assert_eq!(c.rules["DDB103"].level, Some(Level::Off));
        assert_eq!(c.rules["DDB102"].options["min_days"], 7);
        assert_eq!(c.exclude, vec!["legacy/**".to_string()]);
        let s = &c.suppressions[0];
        assert_eq!(s.rule, "DDB101");
        assert_eq!(s.line, 18);
        assert_eq!(s.expires.as_deref(), Some("2031-02-28"));
        let settings = Settings {
            config: c,
            ..Settings::default()
        };
        assert!(!settings.rule_enabled("DDB103"));
        assert_eq!(
            settings.severity_override("DDB101"),
            Some(Severity::Warning)
        );
        assert_eq!(settings.rule_option_u64("DDB102", "min_days"), Some(7));
    }

    #[test]
    fn path_patterns_match_files_and_directories() {
        let entry = |path: &str| TableTier {
            name: None,
            path: Some(Pattern::new(path).unwrap()),
            tier: "regulated".into(),
            line: 1,
        };
        let e = entry("infra/pci/**");
        assert!(e.matches(&[], "infra/pci/app.yaml"));
        assert!(e.matches(&[], "infra/pci/deep/app.yaml"));
        // A Terraform module or CDK assembly directory.
        assert!(e.matches(&[], "infra/pci"));
        assert!(!e.matches(&[], "infra/pcix/app.yaml"));
        let star = entry("infra/*.yaml");
        assert!(star.matches(&[], "infra/a.yaml"));
        assert!(!star.matches(&[], "infra/sub/a.yaml"));
    }

    #[test]
    fn rule_options_default_without_config() {
        let settings = Settings::default();
        assert_eq!(settings.rule_option_u64("DDB102", "min_days"), Some(35));
        assert_eq!(settings.rule_option_u64("DDB102", "nope"), None);
    }

    #[test]
    fn errors_point_into_the_file() {
        assert_eq!(
            errors("rules:\n  DDB101: warning\nrulez: {}\n"),
            vec![
                "cfg.yaml:3:1: unknown key \"rulez\" in the config: expected one of default_tier, tier_tag, tiers, tables, rules, exclude, suppressions, policies"
            ]
        );
        assert_eq!(
            errors("rules:\n  DDB999: off\n"),
            vec![
                "cfg.yaml:2:3: unknown rule \"DDB999\": `ddbguard rules` lists the rule ids and names"
            ]
        );
        assert_eq!(
            errors("rules:\n  DDB101: loud\n"),
            vec!["cfg.yaml:2:11: unknown level \"loud\": expected off, note, warning or error"]
        );
        assert_eq!(
            errors("rules:\n  DDB102:\n    min_days: 90\n"),
            vec!["cfg.yaml:3:15: DDB102.min_days: expected a whole number from 1 to 35"]
        );
        assert_eq!(
            errors("rules:\n  DDB102:\n    min_day: 9\n"),
            vec!["cfg.yaml:3:5: unknown key \"min_day\": expected one of level, min_days"]
        );
        assert_eq!(
            errors("rules:\n  DDB102: {min_days: \"9\"}\n"),
            vec!["cfg.yaml:2:22: min_days must be a whole number, not a string"]
        );
        assert_eq!(
            errors("exclude: '*.yaml'\n"),
            vec!["cfg.yaml:1:10: exclude must be a list, not a string"]
        );
        assert_eq!(
            errors("default_tier: secret\n"),
            vec![
                "cfg.yaml:1:15: unknown tier \"secret\": expected one of confidential, regulated, standard (or define it under tiers)"
            ]
        );
        assert_eq!(
            errors("tiers:\n  secret: customer-owned\n"),
            vec![
                "cfg.yaml:2:11: unknown key type \"customer-owned\": expected aws-owned, aws-managed or customer-managed"
            ]
        );
        assert_eq!(
            errors("tables:\n  - tier: regulated\n"),
            vec!["cfg.yaml:2:5: a tables entry needs a name or a path pattern"]
        );
        assert_eq!(
            errors("tables:\n  - name: 'a[b'\n    tier: regulated\n"),
            vec![
                "cfg.yaml:2:11: name: invalid glob pattern \"a[b\": unclosed character class; missing ']'"
            ]
        );
        assert_eq!(
            errors("suppressions:\n  - rule: DDB101\n    expires: 2030-02-30\n"),
            vec!["cfg.yaml:3:14: expires \"2030-02-30\": expected a date YYYY-MM-DD"]
        );
        assert_eq!(
            errors("suppressions:\n  - reason: x\n"),
            vec!["cfg.yaml:2:5: a suppression needs a rule"]
        );
        assert_eq!(
            errors("rules:\n  DDB101: off\n  pitr-disabled: error\n"),
            vec!["cfg.yaml:3:3: rule DDB101 is configured twice (by id and by name)"]
        );
        assert_eq!(
            errors("tier_tag: a\ntier_tag: b\n"),
            vec!["cfg.yaml:2:1: duplicate key \"tier_tag\""]
        );
        assert_eq!(
            errors("- a\n"),
            vec!["cfg.yaml:1:1: the config must be a mapping, not a list"]
        );
    }

    #[test]
    fn type_errors_name_the_key_and_point_at_the_value() {
        assert_eq!(
            errors("tables: [5]\n"),
            vec!["cfg.yaml:1:10: an item of tables must be a mapping, not a number"]
        );
        assert_eq!(
            errors("tables:\n  - name: x\n    tier: regulated\n    owner: me\n"),
            vec![
                "cfg.yaml:4:5: unknown key \"owner\" in a tables entry: expected one of name, path, tier"
            ]
        );
        assert_eq!(
            errors("rules:\n  DDB101: {min_days: 9}\n"),
            vec!["cfg.yaml:2:12: unknown key \"min_days\": expected one of level"]
        );
        assert_eq!(
            errors("rules:\n  DDB102: {min_days: -3}\n"),
            vec!["cfg.yaml:2:22: min_days must be a whole number, not a negative number"]
        );
        assert_eq!(
            errors("tier_tag: ''\n"),
            vec!["cfg.yaml:1:11: tier_tag must be a non-empty string, not an empty string"]
        );
        // Any scalar is a string where a string is asked for; an empty value is unset.
        let c = parse("tier_tag: 2024\ndefault_tier:\n").unwrap();
        assert_eq!(c.tier_tag(), "2024");
        assert_eq!(c.default_tier(), "standard");
    }

    #[test]
    fn entries_that_fit_their_types_are_still_checked() {
        // The unknown key does not hide the unknown rule of the same entry.
        assert_eq!(
            errors("suppressions:\n  - rule: nope\n    owner: me\n"),
            vec![
                "cfg.yaml:2:11: unknown rule \"nope\": `ddbguard rules` lists the rule ids and names",
                "cfg.yaml:3:5: unknown key \"owner\" in a suppression: expected one of rule, path, resource, reason, expires"
            ]
        );
    }

    /// Prefixes of real configs (every 7th: compiling globs is slow in debug builds), and
    /// some noise: an error or a config, never a panic.
    #[test]
    fn any_text_is_a_config_or_errors() {
        let full = include_str!("../../testdata/config/full.yaml");
        for text in [INIT_TEMPLATE, full] {
            for end in (0..=text.len())
                .step_by(7)
                .filter(|&i| text.is_char_boundary(i))
            {
                let _ = parse(&text[..end]);
            }
        }
        for text in [
            "{",
            "[",
            "a: [",
            "? [a]\n: b\n",
            "*x",
            "!!binary x",
            ":",
            "- - -",
            "\t",
        ] {
            let _ = parse(text);
        }
    }

    #[test]
    fn several_errors_are_all_reported() {
        let e = errors("rules:\n  DDB101: loud\n  DDB103: [x]\nfoo: 1\n");
        assert_eq!(e.len(), 3, "{e:?}");
    }

    #[test]
    fn error_lists_are_bounded() {
        let text: String = (0..200).map(|i| format!("key{i}: 1\n")).collect();
        let e = errors(&text);
        assert_eq!(e.len(), yaml::MAX_ERRORS + 1);
        assert_eq!(e[yaml::MAX_ERRORS], "cfg.yaml: and 150 more errors");
    }

    #[test]
    fn yaml_syntax_errors_have_a_position() {
        let e = errors("rules:\n  DDB101: [off\n");
        assert_eq!(e.len(), 1);
        assert!(e[0].starts_with("cfg.yaml:"), "{e:?}");
        let pos: Vec<&str> = e[0].splitn(4, ':').collect();
        assert!(pos[1].parse::<u32>().unwrap() >= 2, "{e:?}");
    }

    #[test]
    fn discover_walks_up() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a/b");
        std::fs::create_dir_all(&deep).unwrap();
        assert_eq!(Config::discover(&deep), None);
        std::fs::write(dir.path().join(CONFIG_FILE_NAME), "").unwrap();
        assert_eq!(
            Config::discover(&deep),
            Some(PathBuf::from("../..").join(CONFIG_FILE_NAME))
        );
        std::fs::write(deep.join(CONFIG_FILE_NAME), "").unwrap();
        assert_eq!(
            Config::discover(&deep),
            Some(PathBuf::from(CONFIG_FILE_NAME))
        );
    }
}
