//! The `ddbguard` binary: process concerns (arguments, output, exit status).
//! Exit status: 0 no finding at or above `--fail-on`; 1 there are; 2 the command could not run.

use clap::Parser;
use ddbguard::cli::{self, CatalogFormat, Cli, Command, FailOn, OutputFormat};
use ddbguard::rules::Severity;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("ddbguard: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<u8, String> {
    match cli.command {
        Command::Check(args) => check(args),
        Command::Rules { format } => {
            let text = match format {
                CatalogFormat::Text => ddbguard::rules::docs::catalog_text(),
                CatalogFormat::Json => ddbguard::rules::docs::catalog_json(),
            };
            print!("{text}");
            Ok(0)
        }
        Command::Explain { id } => {
            let meta = ddbguard::rules::meta_by_id(&id)
                .ok_or_else(|| format!("no rule {id:?}: `ddbguard rules` lists them"))?;
            print!("{}", ddbguard::rules::docs::rule_page(meta));
            Ok(0)
        }
        Command::Model(args) => {
            // The config's `exclude` applies here too.
            let config = match load_config(None) {
                Ok(config) => config,
                Err(errors) => {
                    eprintln!("{errors}");
                    return Ok(2);
                }
            };
            let settings = ddbguard::Settings {
                config,
                tf_vars: args
                    .vars
                    .iter()
                    .map(|v| cli::parse_var(v))
                    .collect::<Result<_, _>>()?,
                tf_var_files: args.var_files,
                ..Default::default()
            };
            let loaded = ddbguard::load(&args.paths, &settings).map_err(|e| e.0)?;
            print!("{}", ddbguard::model_json(&loaded));
            Ok(0)
        }
        Command::Init { force } => {
            let path = std::path::Path::new(".ddbguard.yaml");
            if path.exists() && !force {
                return Err(".ddbguard.yaml exists: use --force to overwrite it".into());
            }
            std::fs::write(path, ddbguard::config::INIT_TEMPLATE)
                .map_err(|e| format!(".ddbguard.yaml: {e}"))?;
            println!("wrote .ddbguard.yaml");
            Ok(0)
        }
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut cli::command(), "ddbguard", &mut out);
            write_stdout(&out);
            Ok(0)
        }
        Command::Man { subcommand } => {
            write_stdout(&cli::man_page(subcommand.as_deref())?);
            Ok(0)
        }
    }
}

/// Write to standard output; a closed pipe (`ddbguard man | head`) is not an error.
fn write_stdout(bytes: &[u8]) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(bytes);
    let _ = stdout.flush();
}

/// The config named by `--config`, else the nearest `.ddbguard.yaml` upward, else none.
fn load_config(
    path: Option<&std::path::Path>,
) -> Result<ddbguard::config::Config, ddbguard::config::ConfigErrors> {
    use ddbguard::config::Config;
    let path = match path {
        Some(p) => Some(p.to_path_buf()),
        None => std::env::current_dir()
            .ok()
            .and_then(|dir| Config::discover(&dir)),
    };
    match path {
        Some(p) => Config::load(&p, &ddbguard::rules::rule_id),
        None => Ok(Config::default()),
    }
}

fn check(args: cli::CheckArgs) -> Result<u8, String> {
    let outputs = cli::outputs(&args.format, args.output.as_ref())?;
    let mut settings = ddbguard::Settings {
        select: args.select,
        ignore: args.ignore,
        tf_var_files: args.var_files,
        verbose: args.verbose,
        ..Default::default()
    };
    settings.tf_vars = args
        .vars
        .iter()
        .map(|v| cli::parse_var(v))
        .collect::<Result<_, _>>()?;
    match load_config(args.config.as_deref()) {
        Ok(config) => settings.config = config,
        Err(errors) => {
            // `path:line:column: message`, one per line, as compilers write them.
            eprintln!("{errors}");
            return Ok(2);
        }
    }
    for list in [&mut settings.select, &mut settings.ignore] {
        for id in list.iter_mut() {
            *id = ddbguard::rules::rule_id(id)
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
    let human_on_stdout = outputs
        .iter()
        .any(|o| o.format == OutputFormat::Human && o.file.is_none());
    if !human_on_stdout {
        for m in &report.messages {
            eprintln!("ddbguard: {m}");
        }
    }
    if args.verbose {
        for (path, why) in &report.skipped {
            eprintln!("skipped {path}: {why}");
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
                scope.resources.len()
            );
        }
        for scope in &report.scopes {
            for note in &scope.notes {
                eprintln!("{}: {note}", scope.name);
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
            let color = out.file.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            *text = Some(ddbguard::report::human::render(&report, color));
        }
    }
    report.rebase_paths(&cwd, &root);
    for (out, text) in outputs.iter().zip(&mut texts) {
        if text.is_some() {
            continue;
        }
        *text = Some(match out.format {
            OutputFormat::Human => unreachable!("rendered above"),
            OutputFormat::Json => ddbguard::report::json::render(&report),
            OutputFormat::Sarif => ddbguard::report::sarif::render(&report, Some(&root)),
            OutputFormat::Github => {
                write_step_summary(&report)?;
                ddbguard::report::github::render(&report)
            }
            OutputFormat::Junit => {
                let enabled: Vec<&'static str> = ddbguard::rules::RULES
                    .iter()
                    .map(|r| r.meta().id)
                    .filter(|id| settings.rule_enabled(id))
                    .collect();
                ddbguard::report::junit::render(&report, &enabled)
            }
        });
    }
    for (out, text) in outputs.iter().zip(texts) {
        let text = text.unwrap_or_default();
        match &out.file {
            Some(path) => {
                std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?
            }
            None => {
                let mut stdout = std::io::stdout().lock();
                let _ = stdout.write_all(text.as_bytes());
                let _ = stdout.flush();
            }
        }
    }
    let threshold = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Note => Some(Severity::Note),
        FailOn::Never => None,
    };
    Ok(u8::from(report.fails(threshold)))
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

/// The allocator: the Terraform evaluator and the YAML/JSON trees allocate many small
/// values, where mimalloc is markedly faster than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
