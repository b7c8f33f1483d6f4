//! The `ddbguard` binary: process concerns (arguments, output, exit status).
//! Exit status: 0 no finding at or above `--fail-on`; 1 there are; 2 the command could not run.

use clap::Parser;
use ddbguard::cli::{self, CatalogFormat, Cli, Command, FailOn, OutputFormat};
use ddbguard::rules::Severity;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    no_huge_pages();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        // The reader went away (`ddbguard explain DDB101 | head -2`): nothing to say.
        Err(Stop::Closed(code)) => ExitCode::from(code),
        Err(Stop::Failed(e)) => {
            warn(&format!("ddbguard: {e}"));
            ExitCode::from(2)
        }
    }
}

/// Why a command stops early.
enum Stop {
    /// It could not run (exit status 2), with why.
    Failed(String),
    /// Standard output was closed: a quiet exit with this status.
    Closed(u8),
}

impl From<String> for Stop {
    fn from(message: String) -> Stop {
        Stop::Failed(message)
    }
}

/// Write to standard output through one locked handle. A closed pipe stops the command
/// quietly (with `status`); any other write error is a failure.
fn emit(bytes: &[u8], status: u8) -> Result<(), Stop> {
    emit_with(status, |w| w.write_all(bytes))
}

/// [`emit`] what `write` writes, as it writes it.
fn emit_with(
    status: u8,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), Stop> {
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    match write(&mut stdout).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(Stop::Closed(status)),
        Err(e) => Err(Stop::Failed(format!("standard output: {e}"))),
    }
}

/// A line on standard error; an error writing it is ignored (there is nowhere to say so).
fn warn(line: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{line}");
}

fn run(cli: Cli) -> Result<u8, Stop> {
    match cli.command {
        Command::Check(args) => check(*args),
        Command::Rules { format, policies } => {
            let policies = load_policies(None, &policies)?;
            let text = match format {
                CatalogFormat::Text => ddbguard::rules::docs::catalog_text(&policies),
                CatalogFormat::Json => ddbguard::rules::docs::catalog_json(&policies),
            };
            emit(text.as_bytes(), 0)?;
            Ok(0)
        }
        Command::Explain { id, policies } => {
            let policies = load_policies(None, &policies)?;
            let meta = ddbguard::rules::find(&id, &policies)
                .ok_or_else(|| format!("no rule {id:?}: `ddbguard rules` lists them"))?;
            emit(ddbguard::rules::docs::rule_page(meta).as_bytes(), 0)?;
            Ok(0)
        }
        Command::Model(args) => {
            // The config's `exclude` applies here too.
            let config = match load_config(None, &Default::default()) {
                Ok(config) => config,
                Err(errors) => {
                    warn(&errors.to_string());
                    return Ok(2);
                }
            };
            let settings = ddbguard::Settings {
                config,
                tf_vars: args
                    .vars
                    .iter()
                    .map(|v| cli::parse_var(v))
                    .collect::<Result<_, String>>()?,
                tf_var_files: args.var_files,
                policy_documents: args.documents,
                ..Default::default()
            };
            let loaded = ddbguard::load(&args.paths, &settings).map_err(|e| e.0)?;
            let text = if args.documents {
                ddbguard::policy::documents_json(&loaded)
            } else {
                ddbguard::model_json(&loaded)
            };
            emit(text.as_bytes(), 0)?;
            Ok(0)
        }
        Command::Policy(cli::PolicyCommand::Test { rules, test_data }) => {
            let run = ddbguard::policy::spec::run(&rules, &test_data)?;
            for d in &run.diagnostics {
                warn(&format!("ddbguard: {d}"));
            }
            emit(run.output.as_bytes(), run.exit)?;
            Ok(run.exit)
        }
        Command::Init { force } => {
            let path = std::path::Path::new(".ddbguard.yaml");
            if path.exists() && !force {
                return Err(Stop::Failed(
                    ".ddbguard.yaml exists: use --force to overwrite it".into(),
                ));
            }
            std::fs::write(path, ddbguard::config::INIT_TEMPLATE)
                .map_err(|e| format!(".ddbguard.yaml: {e}"))?;
            emit(b"wrote .ddbguard.yaml\n", 0)?;
            Ok(0)
        }
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut cli::command(), "ddbguard", &mut out);
            emit(&out, 0)?;
            Ok(0)
        }
        Command::Man { subcommand } => {
            emit(&cli::man_page(subcommand.as_deref())?, 0)?;
            Ok(0)
        }
    }
}

/// The config file named by `--config`, else the nearest `.ddbguard.yaml` upward.
fn config_path(path: Option<&std::path::Path>) -> Option<std::path::PathBuf> {
    match path {
        Some(p) => Some(p.to_path_buf()),
        None => std::env::current_dir()
            .ok()
            .and_then(|dir| ddbguard::config::Config::discover(&dir)),
    }
}

/// Load the Guard policies of the config (`policies:`, relative to the config file) and of
/// `--policy`. They are loaded before the config is checked, so that its `rules:` and
/// `suppressions:` may name policy rules.
fn load_policies(
    config: Option<&std::path::Path>,
    cli: &[std::path::PathBuf],
) -> Result<std::sync::Arc<ddbguard::policy::Policies>, String> {
    let mut paths = config_path(config)
        .map(|p| ddbguard::policy::load::config_policies(&p))
        .unwrap_or_default();
    paths.extend(cli.iter().cloned());
    if paths.is_empty() {
        return Ok(Default::default());
    }
    ddbguard::policy::load(&paths).map(std::sync::Arc::new)
}

/// The config named by `--config`, else the nearest `.ddbguard.yaml` upward, else none.
/// Its `rules:` and `suppressions:` may name the rules of `policies`.
fn load_config(
    path: Option<&std::path::Path>,
    policies: &ddbguard::policy::Policies,
) -> Result<ddbguard::config::Config, ddbguard::config::ConfigErrors> {
    use ddbguard::config::Config;
    match config_path(path) {
        Some(p) => Config::load(&p, &|id| ddbguard::rules::rule_id_in(id, policies)),
        None => Ok(Config::default()),
    }
}

fn check(args: cli::CheckArgs) -> Result<u8, Stop> {
    let outputs = cli::outputs(&args.format, args.output.as_ref())?;
    let mut settings = ddbguard::Settings {
        select: args.select,
        ignore: args.ignore,
        tf_var_files: args.var_files,
        verbose: args.verbose,
        // A baseline written at the repository root holds in any directory below it.
        fingerprint_root: std::env::current_dir()
            .ok()
            .map(|cwd| (cwd.clone(), ddbguard::vocab::report_root(&cwd))),
        // Only JUnit and --verbose read the report's entry for each scope.
        brief_scopes: !args.verbose && outputs.iter().all(|o| o.format != OutputFormat::Junit),
        policy_budget: Some(
            std::time::Duration::try_from_secs_f64(args.policy_timeout).map_err(|_| {
                format!("--policy-timeout {}: expected seconds", args.policy_timeout)
            })?,
        ),
        ..Default::default()
    };
    settings.policies = load_policies(args.config.as_deref(), &args.policies)?;
    settings.tf_vars = args
        .vars
        .iter()
        .map(|v| cli::parse_var(v))
        .collect::<Result<_, String>>()?;
    match load_config(args.config.as_deref(), &settings.policies) {
        Ok(config) => settings.config = config,
        Err(errors) => {
            // `path:line:column: message`, one per line, as compilers write them.
            warn(&errors.to_string());
            return Ok(2);
        }
    }
    for list in [&mut settings.select, &mut settings.ignore] {
        for id in list.iter_mut() {
            *id = ddbguard::rules::rule_id_in(id, &settings.policies)
                .ok_or_else(|| format!("no rule {id:?}: `ddbguard rules` lists them"))?;
        }
    }
    // Read before anything is written: --baseline and --write-baseline may name one file.
    let baseline = match &args.baseline {
        Some(path) => Some(ddbguard::baseline_file::Baseline::read(path).map_err(|e| e.0)?),
        None => None,
    };
    let mut report = match &args.base {
        Some(base) => {
            let spec = ddbguard::baseline::BaseSpec::parse(base);
            ddbguard::check_with_base(&args.paths, &settings, &spec, args.only_new)
        }
        None => ddbguard::check(&args.paths, &settings),
    }
    .map_err(|e| e.0)?;
    if let Some(path) = &args.write_baseline {
        std::fs::write(path, ddbguard::baseline_file::render(&report))
            .map_err(|e| format!("--write-baseline {}: {e}", path.display()))?;
    }
    if let Some(baseline) = baseline {
        baseline.apply(&mut report);
    }
    // The human report shows the messages; with other formats they go to stderr.
    let human_on_stdout = outputs.iter().any(|o| {
        matches!(o.format, OutputFormat::Human | OutputFormat::Concise) && o.file.is_none()
    });
    if !human_on_stdout {
        for m in &report.messages {
            warn(&format!("ddbguard: {m}"));
        }
        if report.found_nothing() {
            warn(&format!(
                "ddbguard: {} (--verbose says what was skipped)",
                ddbguard::report::human::NOTHING_CHECKED
            ));
        }
    }
    if args.verbose {
        for (path, why) in &report.skipped {
            warn(&format!("skipped {path}: {why}"));
        }
        for scope in &report.scopes {
            let kind = match scope.format {
                ddbguard::model::Format::Terraform => "root module",
                ddbguard::model::Format::Cdk => "assembly",
                _ => "template",
            };
            eprintln!(
                "{} {kind} {}: {} resource(s)",
                scope.format.as_str(),
                scope.name,
                scope.resources
            );
        }
        for scope in &report.scopes {
            for note in &scope.notes {
                warn(&format!("{}: {note}", scope.name));
            }
        }
    }
    // The terminal report keeps the paths as given (clickable from here); the machine-read
    // reports get paths relative to the repository root, whatever the arguments were.
    let cwd = std::env::current_dir().map_err(|e| format!("the current directory: {e}"))?;
    let root = ddbguard::vocab::report_root(&cwd);
    let mut texts: Vec<Option<String>> = vec![None; outputs.len()];
    for (out, text) in outputs.iter().zip(&mut texts) {
        if out.format == OutputFormat::Human {
            let terminal = out.file.is_none() && std::io::stdout().is_terminal();
            let color = out.file.is_none()
                && args
                    .color
                    .enabled(terminal, |name| std::env::var(name).ok());
            *text = Some(ddbguard::report::human::render(&report, color));
        }
        if out.format == OutputFormat::Concise {
            *text = Some(ddbguard::report::concise::render(&report));
        }
    }
    report.rebase_paths(&cwd, &root);
    for (out, text) in outputs.iter().zip(&mut texts) {
        if text.is_some() {
            continue;
        }
        *text = Some(match out.format {
            OutputFormat::Human | OutputFormat::Concise => unreachable!("rendered above"),
            // Written as they are serialized, below.
            OutputFormat::Json | OutputFormat::Sarif => continue,
            OutputFormat::Github => {
                write_step_summary(&report)?;
                ddbguard::report::github::render(&report)
            }
            OutputFormat::Junit => {
                let enabled: Vec<&'static str> = ddbguard::rules::catalog(&settings.policies)
                    .into_iter()
                    .filter(|m| settings.rule_runs(m))
                    .map(|m| m.id)
                    .collect();
                ddbguard::report::junit::render(&report, &enabled)
            }
        });
    }
    let threshold = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Note => Some(Severity::Note),
        FailOn::Never => None,
    };
    let status = u8::from(report.fails(threshold));
    for (out, text) in outputs.iter().zip(texts) {
        let write = |w: &mut dyn Write| match text.as_deref() {
            Some(text) => w.write_all(text.as_bytes()),
            None if out.format == OutputFormat::Sarif => {
                ddbguard::report::sarif::write(&report, Some(&root), w)
            }
            None => ddbguard::report::json::write(&report, w),
        };
        match &out.file {
            Some(path) => write_file(path, write)?,
            None => emit_with(status, write)?,
        }
    }
    Ok(status)
}

/// Create `path` and write it through `write`.
fn write_file(
    path: &std::path::Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), String> {
    let file = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut w = std::io::BufWriter::new(file);
    write(&mut w)
        .and_then(|()| w.flush())
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// With `GITHUB_STEP_SUMMARY` set (in a GitHub Actions job), append the Markdown summary.
fn write_step_summary(report: &ddbguard::report::Report) -> Result<(), String> {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    let path = std::path::PathBuf::from(path);
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| format!("GITHUB_STEP_SUMMARY {}: {e}", path.display()))?;
    file.write_all(ddbguard::report::github::summary_markdown(report).as_bytes())
        .map_err(|e| format!("GITHUB_STEP_SUMMARY {}: {e}", path.display()))
}

/// Keep transparent huge pages off this process. With them, each thread's allocator arena
/// (mimalloc's, and the policy workers') becomes resident 2 MB at a time: a policy run over
/// a thousand templates peaked at twice the memory it uses.
///
/// And have the allocator return freed memory to the system after 10 ms rather than its
/// default: each thread keeps its own free pages, so a policy worker that has just evaluated
/// a large template held on to them while another thread grew (63 MB at the peak of that
/// run on two threads, 40 MB so; 35 MB at 0 ms, for twice the system time).
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes integer arguments only and changes no memory.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
    // `mi_option_purge_delay` in mimalloc's `mi_option_e` (v2 and v3).
    const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;
    unsafe extern "C" {
        fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
    }
    // SAFETY: mimalloc's own setter, linked in with the allocator; an option is a number.
    unsafe {
        mi_option_set(MI_OPTION_PURGE_DELAY, 10);
    }
}

/// The allocator: the Terraform evaluator and the YAML/JSON trees allocate many small
/// values, where mimalloc is markedly faster than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
