//! Settings for a run: command-line choices and the `.ddbguard.yaml` policy.
//!
//! The config is read strictly: an unknown key, a wrong type, an unknown rule or tier is an
//! error that points into the file (`path:line:column: message`), and the command stops
//! (exit status 2). Every key is optional; `ddbguard.example.yaml` shows them all and
//! `schema/ddbguard.schema.json` describes them.

use crate::model::node::{Entry, Node, NodeKind};
use crate::source::{SourceFile, Span};
use crate::vocab::Severity;
use std::collections::BTreeMap;
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

/// Every rule option (all are integers for now). Adding one: one line here.
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
    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "off" => Some(Level::Off),
            _ => Severity::parse(s).map(Level::On),
        }
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

    /// Check config text; `path` names it in messages.
    pub fn parse(text: &str, path: &Path, rules: RuleIds) -> Result<Config, ConfigErrors> {
        let file = SourceFile::new(path.to_path_buf(), text);
        let shown = file.display_path();
        let file_id = crate::source::FileId(0);
        let node = match crate::model::cfn::yaml::parse(text, file_id) {
            Ok(node) => node,
            Err((span, message)) => {
                let at = file.line_col(span.start);
                return Err(ConfigErrors(vec![ConfigError {
                    path: shown,
                    position: Some((at.line, at.column)),
                    message,
                }]));
            }
        };
        Config::from_node(&node, &file, rules)
    }

    /// Check a parsed config document.
    pub fn from_node(
        node: &Node,
        file: &SourceFile,
        rules: RuleIds,
    ) -> Result<Config, ConfigErrors> {
        let mut reader = Reader {
            file,
            rules,
            errors: Vec::new(),
        };
        let config = reader.config(node);
        let mut errors = reader.errors;
        errors.sort_by_key(|e| e.position);
        if errors.len() > MAX_ERRORS {
            let more = errors.len() - MAX_ERRORS;
            errors.truncate(MAX_ERRORS);
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

/// Reads a config document, collecting every error.
struct Reader<'a> {
    rules: RuleIds<'a>,
    file: &'a SourceFile,
    errors: Vec<ConfigError>,
}

/// The keys of the top level, in the order the example shows them.
const TOP_KEYS: &[&str] = &[
    "default_tier",
    "tier_tag",
    "tiers",
    "tables",
    "rules",
    "exclude",
    "suppressions",
    "policies",
];

/// At most this many errors are listed.
const MAX_ERRORS: usize = 50;

/// More than this many entries in one list or mapping is refused (a config is small).
const MAX_ENTRIES: usize = 10_000;

impl Reader<'_> {
    fn error(&mut self, span: Span, message: impl Into<String>) {
        let at = self.file.line_col(span.start);
        self.errors.push(ConfigError {
            path: self.file.display_path(),
            position: Some((at.line, at.column)),
            message: message.into(),
        });
    }

    fn line(&self, span: Span) -> u32 {
        self.file.line_col(span.start).line
    }

    /// A mapping's entries, or an error; duplicate keys are errors.
    fn map<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [Entry]> {
        let Some(entries) = node.as_map() else {
            self.error(
                node.span,
                format!("{what} must be a mapping, not {}", node.kind_name()),
            );
            return None;
        };
        if entries.len() > MAX_ENTRIES {
            self.error(
                node.span,
                format!("{what} has more than {MAX_ENTRIES} entries"),
            );
            return None;
        }
        let mut seen = std::collections::HashSet::new();
        for e in entries {
            if !seen.insert(&*e.key) {
                self.error(e.key_span, format!("duplicate key {:?}", &*e.key));
            }
        }
        Some(entries)
    }

    fn seq<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [Node]> {
        let Some(items) = node.as_seq() else {
            self.error(
                node.span,
                format!("{what} must be a list, not {}", node.kind_name()),
            );
            return None;
        };
        if items.len() > MAX_ENTRIES {
            self.error(
                node.span,
                format!("{what} has more than {MAX_ENTRIES} items"),
            );
            return None;
        }
        Some(items)
    }

    /// A non-empty string (quoted or plain).
    fn string(&mut self, node: &Node, what: &str) -> Option<String> {
        match node.as_scalar() {
            Some(s) if !s.trim().is_empty() => Some(s.to_string()),
            Some(_) => {
                self.error(node.span, format!("{what} must not be empty"));
                None
            }
            None => {
                self.error(
                    node.span,
                    format!("{what} must be a string, not {}", node.kind_name()),
                );
                None
            }
        }
    }

    fn pattern(&mut self, node: &Node, what: &str) -> Option<Pattern> {
        let text = self.string(node, what)?;
        match Pattern::new(&text) {
            Ok(p) => Some(p),
            Err(e) => {
                self.error(node.span, format!("{what}: {e}"));
                None
            }
        }
    }

    fn unknown_key(&mut self, entry: &Entry, what: &str, allowed: &[&str]) {
        self.error(
            entry.key_span,
            format!(
                "unknown key {:?} in {what}: expected one of {}",
                &*entry.key,
                allowed.join(", ")
            ),
        );
    }

    fn config(&mut self, node: &Node) -> Config {
        let mut config = Config::default();
        if matches!(node.kind, NodeKind::Null) {
            return config;
        }
        let Some(entries) = self.map(node, "the config") else {
            return config;
        };
        // Tiers first: the other keys refer to them.
        for e in entries {
            match &*e.key {
                "tiers" => config.tiers = self.tiers(&e.value),
                "tier_tag" => config.tier_tag = self.string(&e.value, "tier_tag"),
                "default_tier" | "tables" | "rules" | "exclude" | "suppressions" | "policies" => {}
                _ => self.unknown_key(e, "the config", TOP_KEYS),
            }
        }
        for e in entries {
            match &*e.key {
                "default_tier" => {
                    if let Some(tier) = self.tier_name(&config, &e.value, "default_tier") {
                        config.default_tier = Some(tier);
                    }
                }
                "tables" => config.tables = self.tables(&config, &e.value),
                "rules" => config.rules = self.rules(&e.value),
                "exclude" => config.exclude = self.exclude(&e.value),
                "suppressions" => config.suppressions = self.suppressions(&e.value),
                "policies" => {
                    if !matches!(e.value.kind, NodeKind::Null)
                        && let Some(items) = self.seq(&e.value, "policies")
                    {
                        for item in items {
                            if let Some(p) = self.string(item, "a policy path") {
                                config.policies.push(p);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        config
    }

    fn tiers(&mut self, node: &Node) -> BTreeMap<String, KeyClass> {
        let mut out = BTreeMap::new();
        if matches!(node.kind, NodeKind::Null) {
            return out;
        }
        let Some(entries) = self.map(node, "tiers") else {
            return out;
        };
        for e in entries {
            let name = e.key.trim().to_ascii_lowercase();
            if name.is_empty() {
                self.error(e.key_span, "a tier name must not be empty");
                continue;
            }
            let what = format!("the minimum key type of tier {:?}", &*e.key);
            let Some(text) = self.string(&e.value, &what) else {
                continue;
            };
            match KeyClass::parse(&text) {
                Some(k) => {
                    if out.insert(name, k).is_some() {
                        self.error(e.key_span, format!("tier {:?} is defined twice", &*e.key));
                    }
                }
                None => self.error(
                    e.value.span,
                    format!(
                        "unknown key type {text:?}: expected aws-owned, aws-managed or customer-managed"
                    ),
                ),
            }
        }
        out
    }

    fn tier_name(&mut self, config: &Config, node: &Node, what: &str) -> Option<String> {
        let name = self.string(node, what)?;
        if config.tier_minimum(&name).is_none() {
            self.error(
                node.span,
                format!(
                    "unknown tier {name:?}: expected one of {} (or define it under tiers)",
                    config.tier_names().join(", ")
                ),
            );
            return None;
        }
        Some(name)
    }

    fn tables(&mut self, config: &Config, node: &Node) -> Vec<TableTier> {
        let mut out = Vec::new();
        if matches!(node.kind, NodeKind::Null) {
            return out;
        }
        let Some(items) = self.seq(node, "tables") else {
            return out;
        };
        const KEYS: &[&str] = &["name", "path", "tier"];
        for item in items {
            let Some(entries) = self.map(item, "a tables entry") else {
                continue;
            };
            let (mut name, mut path, mut tier) = (None, None, None);
            let mut ok = true;
            for e in entries {
                match &*e.key {
                    "name" => name = self.pattern(&e.value, "name"),
                    "path" => path = self.pattern(&e.value, "path"),
                    "tier" => tier = self.tier_name(config, &e.value, "tier"),
                    _ => {
                        self.unknown_key(e, "a tables entry", KEYS);
                        ok = false;
                    }
                }
            }
            let has = |k: &str| entries.iter().any(|e| &*e.key == k);
            if !has("tier") {
                self.error(item.span, "a tables entry needs a tier");
                continue;
            }
            if !has("name") && !has("path") {
                self.error(item.span, "a tables entry needs a name or a path pattern");
                continue;
            }
            if let (true, Some(tier)) = (ok, tier) {
                out.push(TableTier {
                    name,
                    path,
                    tier,
                    line: self.line(item.span),
                });
            }
        }
        out
    }

    fn rules(&mut self, node: &Node) -> BTreeMap<String, RuleConfig> {
        let mut out: BTreeMap<String, RuleConfig> = BTreeMap::new();
        if matches!(node.kind, NodeKind::Null) {
            return out;
        }
        let Some(entries) = self.map(node, "rules") else {
            return out;
        };
        for e in entries {
            let Some(id) = (self.rules)(&e.key) else {
                self.error(
                    e.key_span,
                    format!(
                        "unknown rule {:?}: `ddbguard rules` lists the rule ids and names",
                        &*e.key
                    ),
                );
                continue;
            };
            let rule = self.rule(&id, &e.value);
            let message = format!("rule {id} is configured twice (by id and by name)");
            if out.insert(id, rule).is_some() {
                self.error(e.key_span, message);
            }
        }
        out
    }

    fn level(&mut self, node: &Node) -> Option<Level> {
        const EXPECTED: &str = "expected off, note, warning or error";
        match node.as_scalar() {
            Some(s) => {
                let level = Level::parse(s);
                if level.is_none() {
                    self.error(node.span, format!("unknown level {s:?}: {EXPECTED}"));
                }
                level
            }
            None => {
                self.error(node.span, format!("{EXPECTED}, not {}", node.kind_name()));
                None
            }
        }
    }

    fn rule(&mut self, id: &str, node: &Node) -> RuleConfig {
        let mut rule = RuleConfig::default();
        if node.as_scalar().is_some() {
            rule.level = self.level(node);
            return rule;
        }
        if node.as_map().is_none() {
            self.error(
                node.span,
                format!(
                    "rule {id}: expected off, note, warning or error, or a mapping of level and options, not {}",
                    node.kind_name()
                ),
            );
            return rule;
        }
        let Some(entries) = self.map(node, "a rule") else {
            return rule;
        };
        let options: Vec<&RuleOption> = RULE_OPTIONS.iter().filter(|o| o.rule == id).collect();
        for e in entries {
            if &*e.key == "level" {
                rule.level = self.level(&e.value);
                continue;
            }
            let Some(option) = options.iter().find(|o| o.name == &*e.key) else {
                let mut allowed = vec!["level"];
                allowed.extend(options.iter().map(|o| o.name));
                self.unknown_key(e, &format!("rule {id}"), &allowed);
                continue;
            };
            let value = match &e.value.kind {
                NodeKind::Plain(s) => s.parse::<u64>().ok(),
                _ => None,
            };
            match value {
                Some(v) if (option.min..=option.max).contains(&v) => {
                    rule.options
                        .insert(option.name.to_string(), serde_json::Value::from(v));
                }
                _ => self.error(
                    e.value.span,
                    format!(
                        "{id}.{}: expected a whole number from {} to {}",
                        option.name, option.min, option.max
                    ),
                ),
            }
        }
        rule
    }

    fn exclude(&mut self, node: &Node) -> Vec<String> {
        let mut out = Vec::new();
        if matches!(node.kind, NodeKind::Null) {
            return out;
        }
        let Some(items) = self.seq(node, "exclude") else {
            return out;
        };
        for item in items {
            if let Some(p) = self.pattern(item, "an exclude pattern") {
                // The walker builds its own glob set from the text.
                if let Err(e) = globset::Glob::new(&p.text) {
                    self.error(item.span, format!("invalid glob pattern: {}", e.kind()));
                    continue;
                }
                out.push(p.text);
            }
        }
        out
    }

    fn suppressions(&mut self, node: &Node) -> Vec<ConfigSuppression> {
        let mut out = Vec::new();
        if matches!(node.kind, NodeKind::Null) {
            return out;
        }
        let Some(items) = self.seq(node, "suppressions") else {
            return out;
        };
        const KEYS: &[&str] = &["rule", "path", "resource", "reason", "expires"];
        for item in items {
            let Some(entries) = self.map(item, "a suppression") else {
                continue;
            };
            let mut s = ConfigSuppression {
                line: self.line(item.span),
                ..ConfigSuppression::default()
            };
            let mut rule = None;
            for e in entries {
                match &*e.key {
                    "rule" => {
                        if let Some(text) = self.string(&e.value, "rule") {
                            match (self.rules)(&text) {
                                Some(id) => rule = Some(id),
                                None => self.error(
                                    e.value.span,
                                    format!(
                                        "unknown rule {text:?}: `ddbguard rules` lists the rule ids and names"
                                    ),
                                ),
                            }
                        }
                    }
                    "path" => s.path = self.pattern(&e.value, "path").map(|p| p.text),
                    "resource" => s.resource = self.pattern(&e.value, "resource").map(|p| p.text),
                    "reason" => s.reason = self.string(&e.value, "reason"),
                    "expires" => {
                        if let Some(text) = self.string(&e.value, "expires") {
                            if crate::vocab::parse_date(&text).is_some() {
                                s.expires = Some(text);
                            } else {
                                self.error(
                                    e.value.span,
                                    format!("expires {text:?}: expected a date YYYY-MM-DD"),
                                );
                            }
                        }
                    }
                    _ => self.unknown_key(e, "a suppression", KEYS),
                }
            }
            match rule {
                Some(rule) => {
                    s.rule = rule;
                    out.push(s);
                }
                None if !entries.iter().any(|e| &*e.key == "rule") => {
                    self.error(item.span, "a suppression needs a rule");
                }
                None => {}
            }
        }
        out
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
    pub policies: std::sync::Arc<crate::policy::Policies>,
    /// Time budget of one policy file on one document (default 30 s).
    pub policy_budget: Option<std::time::Duration>,
}

impl Settings {
    /// `--select`/`--ignore` hold rule ids (the command line turns names into ids).
    fn matches(list: &[String], id: &str) -> bool {
        list.iter().any(|s| s.eq_ignore_ascii_case(id))
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
pub const INIT_TEMPLATE: &str = include_str!("../ddbguard.example.yaml");

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
            vec![
                "cfg.yaml:3:5: unknown key \"min_day\" in rule DDB102: expected one of level, min_days"
            ]
        );
        assert_eq!(
            errors("rules:\n  DDB102: {min_days: \"9\"}\n"),
            vec!["cfg.yaml:2:22: DDB102.min_days: expected a whole number from 1 to 35"]
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
    fn several_errors_are_all_reported() {
        let e = errors("rules:\n  DDB101: loud\n  DDB103: [x]\nfoo: 1\n");
        assert_eq!(e.len(), 3, "{e:?}");
    }

    #[test]
    fn error_lists_are_bounded() {
        let text: String = (0..200).map(|i| format!("key{i}: 1\n")).collect();
        let e = errors(&text);
        assert_eq!(e.len(), MAX_ERRORS + 1);
        assert_eq!(e[MAX_ERRORS], "cfg.yaml: and 150 more errors");
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
