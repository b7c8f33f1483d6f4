//! Command-line arguments: parsed by clap, then validated into what a run needs.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// What the exit status means, at the end of `--help`.
pub const EXIT_STATUS_HELP: &str = "\
Exit status:
  0  no finding at or above --fail-on
  1  findings at or above --fail-on (a template that does not parse is an error finding;
     with --fail-on warning or note, a run that found no template fails too)
  2  the command could not run (bad arguments, a bad config, a path that does not exist)";

#[derive(Parser, Debug)]
#[command(
    name = "ddbguard",
    version,
    about = "Checks CloudFormation, CDK and Terraform for DynamoDB production readiness",
    after_help = EXIT_STATUS_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check templates and report findings.
    #[command(after_help = EXIT_STATUS_HELP)]
    Check(Box<CheckArgs>),
    /// List the rule catalog.
    Rules {
        #[arg(long, value_enum, default_value_t = CatalogFormat::Text)]
        format: CatalogFormat,
        /// Guard policy files whose rules to list too (beside the config's `policies:`).
        #[arg(long = "policy", value_name = "FILE|DIR")]
        policies: Vec<PathBuf>,
    },
    /// Print one rule's documentation.
    Explain {
        /// A rule id (DDB101), name (pitr-disabled) or Guard policy rule name.
        id: String,
        /// Guard policy files to look in too (beside the config's `policies:`).
        #[arg(long = "policy", value_name = "FILE|DIR")]
        policies: Vec<PathBuf>,
    },
    /// Print the resolved model as JSON: what the rules see.
    Model(ModelArgs),
    /// Guard policies: test them against cfn-guard test specs.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Write a commented .ddbguard.yaml in the current directory.
    Init {
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Print a shell completion script.
    Completions {
        /// bash, zsh, fish, powershell or elvish.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print a man page (roff): ddbguard's, or a subcommand's (`ddbguard man check`).
    Man {
        /// A subcommand (`check`); without one, ddbguard's own page.
        subcommand: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum PolicyCommand {
    /// Run a Guard test spec (cfn-guard's `test` format): exit 0 when every expectation
    /// holds, 1 when one does not, 2 when the test cannot run.
    Test {
        /// The Guard policy file.
        #[arg(long, value_name = "FILE")]
        rules: PathBuf,
        /// The test spec: a list of cases with `input` and `expectations.rules`.
        #[arg(long, value_name = "FILE")]
        test_data: PathBuf,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum CatalogFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum OutputFormat {
    Human,
    Concise,
    Json,
    Sarif,
    Github,
    Junit,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to colour output going to a terminal (`is_terminal`), given the environment
    /// (`env`: a variable's value, if set). `--color always|never` wins; then
    /// `FORCE_COLOR`/`CLICOLOR_FORCE` (set, not empty or `0`) turn colour on even in a pipe;
    /// then `NO_COLOR` (set, not empty) and `TERM=dumb` turn it off; then the terminal decides.
    pub fn enabled(self, is_terminal: bool, env: impl Fn(&str) -> Option<String>) -> bool {
        let set = |name: &str| env(name).is_some_and(|v| !v.is_empty());
        let forced = |name: &str| env(name).is_some_and(|v| !v.is_empty() && v != "0");
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto if forced("FORCE_COLOR") || forced("CLICOLOR_FORCE") => true,
            ColorChoice::Auto if set("NO_COLOR") => false,
            ColorChoice::Auto if env("TERM").as_deref() == Some("dumb") => false,
            ColorChoice::Auto => is_terminal,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum FailOn {
    Error,
    Warning,
    Note,
    Never,
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Files or directories to check.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Report format; repeat for several reports, `FORMAT=FILE` writes one to a file.
    #[arg(long, value_name = "FORMAT[=FILE]", default_value = "human")]
    pub format: Vec<String>,
    /// Write the report to this file (the first --format without =FILE).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Config file (default: the nearest .ddbguard.yaml upward).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// The lowest severity that makes the exit status 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Pull-request mode: the base to compare with (a git ref or a directory).
    #[arg(long, value_name = "GIT_REF|DIR")]
    pub base: Option<String>,
    /// With --base: report only findings that are new in head.
    #[arg(long, requires = "base")]
    pub only_new: bool,
    /// A Terraform input variable.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// A Terraform variables file.
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
    /// Run only these rules: ids or names, comma-separated (repeatable).
    #[arg(long, value_name = "ID,...", value_delimiter = ',')]
    pub select: Vec<String>,
    /// Skip these rules: ids or names, comma-separated (repeatable).
    #[arg(long, value_name = "ID,...", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Colour in the terminal report: auto (a terminal, unless NO_COLOR or TERM=dumb;
    /// FORCE_COLOR or CLICOLOR_FORCE turn it on), always or never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Say what was skipped and why.
    #[arg(long, short)]
    pub verbose: bool,
    /// Report only findings that are not in this baseline file (see --write-baseline).
    #[arg(long, value_name = "FILE", conflicts_with = "base")]
    pub baseline: Option<PathBuf>,
    /// Write today's findings to this baseline file (JSON, sorted) for --baseline.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Guard policy files to run too: a `.guard` file or a directory of them (repeatable).
    #[arg(long = "policy", value_name = "FILE|DIR")]
    pub policies: Vec<PathBuf>,
    /// Time budget of one policy file on one document, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    pub policy_timeout: f64,
}

#[derive(clap::Args, Debug)]
pub struct ModelArgs {
    /// Files or directories to read.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
    /// Print the documents Guard policies see (templates as cfn-guard reads them, plans,
    /// and the model document of each scope) instead of the model.
    #[arg(long)]
    pub documents: bool,
}

/// The command-line interface as clap sees it (for completions and man pages).
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

/// The man page of ddbguard, or of one of its subcommands (`ddbguard-check(1)`), in roff.
pub fn man_page(subcommand: Option<&str>) -> Result<Vec<u8>, String> {
    let mut cmd = command();
    let page = match subcommand {
        None => cmd,
        Some(name) => {
            let names: Vec<String> = cmd
                .get_subcommands()
                .map(|s| s.get_name().to_string())
                .collect();
            let sub = cmd
                .find_subcommand_mut(name)
                .ok_or_else(|| format!("no subcommand {name:?}: one of {}", names.join(", ")))?;
            let sub = std::mem::take(sub);
            sub.display_name(format!("ddbguard-{name}"))
                .bin_name(format!("ddbguard {name}"))
                .version(env!("CARGO_PKG_VERSION"))
        }
    };
    let mut out = Vec::new();
    clap_mangen::Man::new(page)
        .source(concat!("ddbguard ", env!("CARGO_PKG_VERSION")))
        .render(&mut out)
        .map_err(|e| format!("cannot render the man page: {e}"))?;
    Ok(out)
}

/// One report to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub format: OutputFormat,
    /// None: standard output.
    pub file: Option<PathBuf>,
}

/// Validate `--format`/`--output` into the reports to write.
pub fn outputs(formats: &[String], output: Option<&PathBuf>) -> Result<Vec<Output>, String> {
    let mut out = Vec::new();
    let mut output = output.cloned();
    for spec in formats {
        let (name, file) = match spec.split_once('=') {
            Some((n, f)) => (n, Some(PathBuf::from(f))),
            None => (spec.as_str(), None),
        };
        let format = OutputFormat::from_str(name, true).map_err(|_| {
            format!(
                "unknown format {name:?}: expected human, concise, json, sarif, github or junit"
            )
        })?;
        let file = file.or_else(|| output.take());
        out.push(Output { format, file });
    }
    let on_stdout = out.iter().filter(|o| o.file.is_none()).count();
    if on_stdout > 1 {
        return Err("only one --format can write to standard output: give the others =FILE".into());
    }
    Ok(out)
}

/// Split `NAME=VALUE`.
pub fn parse_var(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((n, v)) if !n.is_empty() => Ok((n.to_string(), v.to_string())),
        _ => Err(format!("--var {s:?}: expected NAME=VALUE")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_pair_formats_with_files() {
        let o = outputs(&["human".into(), "sarif=out.sarif".into()], None).unwrap();
        assert_eq!(o[0].file, None);
        assert_eq!(o[1].file, Some(PathBuf::from("out.sarif")));
        let o = outputs(&["json".into()], Some(&PathBuf::from("r.json"))).unwrap();
        assert_eq!(o[0].file, Some(PathBuf::from("r.json")));
        assert!(outputs(&["json".into(), "human".into()], None).is_err());
        assert!(outputs(&["xml".into()], None).is_err());
    }

    #[test]
    fn colour_follows_the_flag_then_the_environment_then_the_terminal() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        use ColorChoice::*;
        assert!(Auto.enabled(true, env(&[])));
        assert!(!Auto.enabled(false, env(&[])));
        assert!(!Auto.enabled(true, env(&[("NO_COLOR", "1")])));
        assert!(Auto.enabled(true, env(&[("NO_COLOR", "")])));
        assert!(!Auto.enabled(true, env(&[("TERM", "dumb")])));
        assert!(Auto.enabled(false, env(&[("FORCE_COLOR", "1")])));
        assert!(Auto.enabled(false, env(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")])));
        assert!(!Auto.enabled(false, env(&[("FORCE_COLOR", "0")])));
        assert!(Always.enabled(false, env(&[("NO_COLOR", "1")])));
        assert!(!Never.enabled(true, env(&[("FORCE_COLOR", "1")])));
    }

    #[test]
    fn select_and_ignore_never_take_a_path() {
        let cli = Cli::try_parse_from([
            "ddbguard",
            "check",
            "--select",
            "DDB101,DDB102",
            "testdata/examples",
            "--ignore",
            "DDB103",
            "--select",
            "pitr-disabled",
            "other",
        ])
        .unwrap();
        let Command::Check(args) = cli.command else {
            panic!("check")
        };
        assert_eq!(args.select, ["DDB101", "DDB102", "pitr-disabled"]);
        assert_eq!(args.ignore, ["DDB103"]);
        assert_eq!(
            args.paths,
            [PathBuf::from("testdata/examples"), PathBuf::from("other")]
        );
    }

    #[test]
    fn parse_var_requires_a_name() {
        assert_eq!(parse_var("a=b=c").unwrap(), ("a".into(), "b=c".into()));
        assert!(parse_var("=x").is_err());
        assert!(parse_var("x").is_err());
    }
}
