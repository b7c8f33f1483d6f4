//! How ddbguard ships. The GitHub Action without GitHub: `action.yml` and the workflows
//! are validated against the schemas of actions and workflows (action-validator), its
//! install steps download a release from a local server on 127.0.0.1, and its check steps
//! are run the way a pull-request run would run them, in a temporary repository with a
//! base commit and a head commit. Then shell completions, man pages, the config schema's
//! published URL, and what the crate package holds.

mod common;
use common::{copy_dir, git};
use ddbguard::model::node::Node;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn action() -> Node {
    let text = std::fs::read_to_string(root().join("action.yml")).expect("action.yml");
    ddbguard::model::cfn::yaml::parse(&text, ddbguard::source::FileId(0))
        .unwrap_or_else(|e| panic!("action.yml does not parse: {e:?}"))
}

/// action-validator: `$ACTION_VALIDATOR`, else on the PATH or in `~/.cargo/bin`.
fn find_action_validator() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ACTION_VALIDATOR").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(Path::new(&home).join(".cargo/bin"));
    }
    dirs.into_iter()
        .map(|d| d.join("action-validator"))
        .find(|p| p.is_file())
}

#[test]
fn action_yml_and_the_workflows_are_valid() {
    let Some(validator) = find_action_validator() else {
        println!(
            "notice: action-validator is not installed, action.yml and the workflows are not \
             validated (npm install --global @action-validator/cli @action-validator/core)"
        );
        return;
    };
    let validate = |dir: &Path, file: &str| {
        Command::new(&validator)
            .arg(file)
            .current_dir(dir)
            .output()
            .expect("action-validator runs")
    };
    for file in [
        "action.yml",
        ".github/workflows/ci.yml",
        ".github/workflows/release.yml",
    ] {
        let out = validate(&root(), file);
        assert!(
            out.status.success(),
            "action-validator rejects {file}:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        println!("action-validator {file}: valid");
    }
    // The validator does reject: a workflow whose job has no runner, an action without runs.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("broken.yml"),
        "on: push\njobs:\n  x:\n    steps: 3\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("action.yml"), "name: x\ndescription: y\n").unwrap();
    for file in ["broken.yml", "action.yml"] {
        let out = validate(dir.path(), file);
        assert!(!out.status.success(), "action-validator accepts {file}");
    }
}

#[test]
fn action_declares_the_inputs_and_one_check() {
    let a = action();
    let inputs = a.get("inputs").expect("inputs");
    for (name, default) in [
        ("path", Some(".")),
        ("base", Some("${{ github.event.pull_request.base.sha }}")),
        ("fail-on", Some("error")),
        ("config", Some("")),
        ("sarif-file", Some("ddbguard.sarif")),
        ("only-new", Some("false")),
        ("baseline", Some("")),
        ("version", Some("")),
    ] {
        let input = inputs.get(name).unwrap_or_else(|| panic!("input {name}"));
        assert_eq!(
            input.get("default").and_then(Node::as_scalar),
            default,
            "default of {name}"
        );
    }
    let runs = a.get("runs").expect("runs");
    assert_eq!(
        runs.get("using").and_then(Node::as_scalar),
        Some("composite")
    );
    let steps = runs.get("steps").and_then(Node::as_seq).expect("steps");
    let checks = steps
        .iter()
        .filter_map(|s| s.get("run").and_then(Node::as_scalar))
        .filter(|r| r.contains("ddbguard \"${args[@]}\""))
        .count();
    assert_eq!(checks, 1, "exactly one ddbguard check");
}

// ---- The end-to-end run ----

/// Whether this build has the reports the action writes.
fn has_github_and_sarif() -> bool {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ddbguard"))
        .args([
            "check",
            ".",
            "--format",
            "github",
            "--format",
            "sarif=x.sarif",
        ])
        .current_dir(dir.path())
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .expect("runs");
    out.status.code() != Some(2)
}

/// Whether this build reads Terraform.
fn has_terraform() -> bool {
    let dir = root().join("testdata/pr/head/terraform");
    ddbguard::load(&[dir], &ddbguard::Settings::default())
        .is_ok_and(|l| l.scopes.iter().any(|s| !s.resources.is_empty()))
}

/// Replace `${{ … }}` expressions the way the runner would.
fn substitute(text: &str, vars: &BTreeMap<&str, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 3..];
        let end = after.find("}}").expect("closed expression");
        let expr = after[..end].trim();
        let value = vars
            .get(expr)
            .unwrap_or_else(|| panic!("the test does not know the expression {expr}"));
        out.push_str(value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

struct Annotation {
    level: String,
    props: BTreeMap<String, String>,
    message: String,
}

fn annotations(stdout: &str) -> Vec<Annotation> {
    stdout
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("::")?;
            let (head, message) = rest.split_once("::")?;
            let (level, props) = head.split_once(' ').unwrap_or((head, ""));
            let props = props
                .split(',')
                .filter_map(|p| p.split_once('='))
                .map(|(k, v)| {
                    (
                        k.to_string(),
                        v.replace("%2C", ",")
                            .replace("%3A", ":")
                            .replace("%25", "%"),
                    )
                })
                .collect();
            Some(Annotation {
                level: level.to_string(),
                props,
                message: message.replace("%0A", "\n").replace("%25", "%"),
            })
        })
        .collect()
}

struct Run {
    status: Option<i32>,
    stdout: String,
    stderr: String,
    summary: String,
    outputs: String,
    sarif: Value,
}

/// Run the action's steps as a pull-request run: the install steps are replaced by the
/// binary under test on the PATH; every other `run:` step runs with its `env:`.
fn run_action(repo: &Path, base_sha: &str, with: &[(&str, &str)]) -> Run {
    let a = action();
    let inputs = a.get("inputs").and_then(Node::as_map).expect("inputs");
    let runner = tempfile::tempdir().unwrap();
    let event_path = runner.path().join("event.json");
    let event = serde_json::json!({
        "action": "synchronize",
        "number": 7,
        "pull_request": {
            "number": 7,
            "base": {"ref": "main", "sha": base_sha},
            "head": {"ref": "feature", "sha": git(repo, &["rev-parse", "HEAD"])},
        },
        "repository": {"full_name": "acme/orders"},
    });
    std::fs::write(&event_path, event.to_string()).unwrap();
    let summary_path = runner.path().join("summary.md");
    let output_path = runner.path().join("output");
    let path_file = runner.path().join("path");
    for f in [&summary_path, &output_path, &path_file] {
        std::fs::write(f, "").unwrap();
    }

    let mut vars: BTreeMap<&str, String> = BTreeMap::new();
    vars.insert("github.event.pull_request.base.sha", base_sha.to_string());
    vars.insert("github.action_path", root().to_string_lossy().to_string());
    vars.insert("github.action_repository", "acme/ddbguard".into());
    vars.insert("runner.temp", runner.path().to_string_lossy().to_string());
    // Inputs: defaults (themselves expressions), then what the workflow gives.
    let mut input_values: BTreeMap<String, String> = BTreeMap::new();
    for entry in inputs {
        let default = entry
            .value
            .get("default")
            .and_then(Node::as_scalar)
            .unwrap_or("");
        input_values.insert(entry.key.to_string(), substitute(default, &vars));
    }
    for (k, v) in with {
        assert!(input_values.contains_key(*k), "unknown input {k}");
        input_values.insert((*k).to_string(), (*v).to_string());
    }
    let input_keys: Vec<String> = input_values.keys().map(|k| format!("inputs.{k}")).collect();
    for (k, key) in input_values.keys().zip(&input_keys) {
        vars.insert(key.as_str(), input_values[k].clone());
    }

    let bin_dir = Path::new(env!("CARGO_BIN_EXE_ddbguard"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let install = ["plan", "key", "cache", "build", "download", "path"];
    let mut last = None;
    for step in a
        .get("runs")
        .and_then(|r| r.get("steps"))
        .and_then(Node::as_seq)
        .expect("steps")
    {
        let id = step.get("id").and_then(Node::as_scalar).unwrap_or("");
        if install.contains(&id) {
            continue;
        }
        let Some(script) = step.get("run").and_then(Node::as_scalar) else {
            panic!("step {id} is neither an install step nor a run step");
        };
        assert_eq!(
            step.get("shell").and_then(Node::as_scalar),
            Some("bash"),
            "step {id}"
        );
        let mut cmd = Command::new("bash");
        cmd.arg("-e")
            .arg("-c")
            .arg(substitute(script, &vars))
            .current_dir(repo)
            .env_clear()
            .env("PATH", &path)
            .env("HOME", runner.path())
            .env("CI", "true")
            .env("NO_COLOR", "1")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", &event_path)
            .env("GITHUB_BASE_REF", "main")
            .env("GITHUB_HEAD_REF", "feature")
            .env("GITHUB_REF", "refs/pull/7/merge")
            .env("GITHUB_REPOSITORY", "acme/orders")
            .env("GITHUB_WORKSPACE", repo)
            .env("GITHUB_STEP_SUMMARY", &summary_path)
            .env("GITHUB_OUTPUT", &output_path)
            .env("GITHUB_PATH", &path_file)
            .env("RUNNER_TEMP", runner.path());
        for entry in step.get("env").and_then(Node::as_map).unwrap_or(&[]) {
            let value = entry.value.as_scalar().unwrap_or("");
            cmd.env(&*entry.key, substitute(value, &vars));
        }
        let out = cmd.output().expect("bash runs");
        last = Some(out);
    }
    let out = last.expect("a run step");
    let sarif_path = repo.join(&input_values["sarif-file"]);
    let sarif = std::fs::read_to_string(&sarif_path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    Run {
        status: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).to_string(),
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
        summary: std::fs::read_to_string(&summary_path).unwrap_or_default(),
        outputs: std::fs::read_to_string(&output_path).unwrap_or_default(),
        sarif,
    }
}

/// A repository with the base commit and the pull request's head commit.
fn pr_repo() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    copy_dir(&root().join("testdata/pr/base"), d);
    git(d, &["add", "-A"]);
    git(d, &["commit", "-qm", "base"]);
    let sha = git(d, &["rev-parse", "HEAD"]);
    for sub in ["infra", "terraform"] {
        std::fs::remove_dir_all(d.join(sub)).unwrap();
    }
    copy_dir(&root().join("testdata/pr/head"), d);
    git(d, &["add", "-A"]);
    git(d, &["commit", "-qm", "head"]);
    (dir, sha)
}

fn sarif_states(sarif: &Value) -> Vec<(String, String, String, u64)> {
    sarif["runs"][0]["results"]
        .as_array()
        .map(|rs| {
            rs.iter()
                .map(|r| {
                    let loc = &r["locations"][0]["physicalLocation"];
                    (
                        r["ruleId"].as_str().unwrap_or("").to_string(),
                        r["baselineState"].as_str().unwrap_or("").to_string(),
                        loc["artifactLocation"]["uri"]
                            .as_str()
                            .unwrap_or("")
                            .to_string(),
                        loc["region"]["startLine"].as_u64().unwrap_or(0),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_pull_request_run_annotates_summarises_writes_sarif_and_fails() {
    if !has_github_and_sarif() {
        println!(
            "notice: this build has no github/sarif reports yet: the action run is not tested"
        );
        return;
    }
    let terraform = has_terraform();
    if !terraform {
        println!("notice: this build reads no Terraform: the Terraform half is not checked");
    }
    let (repo, base_sha) = pr_repo();
    let run = run_action(repo.path(), &base_sha, &[]);
    println!("---- annotations\n{}", run.stdout);
    println!("---- summary\n{}", run.summary);
    println!("---- stderr\n{}", run.stderr);
    assert_eq!(run.status, Some(1), "{}\n{}", run.stdout, run.stderr);
    assert!(run.outputs.contains("exit-code=1"), "{}", run.outputs);

    let ann = annotations(&run.stdout);
    let find = |rule: &str, file: &str, needle: &str| {
        ann.iter().find(|a| {
            a.props
                .get("title")
                .is_some_and(|t| t.starts_with(&format!("{rule} ")))
                && a.props.get("file").is_some_and(|f| f == file)
                && a.message.contains(needle)
        })
    };
    let lsi = find("DDB501", "infra/orders.yaml", "OrdersTable").expect("DDB501 annotation");
    assert_eq!(lsi.level, "error");
    assert_eq!(lsi.props.get("line").map(String::as_str), Some("27"));
    assert!(
        lsi.message.contains("TableName is fixed"),
        "{}",
        lsi.message
    );
    assert!(find("DDB502", "infra/orders.yaml", "SessionsTable").is_some());
    assert!(find("DDB101", "infra/orders.yaml", "InvoicesTable").is_some());
    // An old finding is still annotated without only-new.
    assert!(find("DDB101", "infra/orders.yaml", "table OrdersTable").is_some());
    // A new table with an LSI is not a replacement; a fixed finding is not annotated.
    assert!(find("DDB501", "infra/orders.yaml", "InvoicesTable").is_none());
    assert!(find("DDB101", "infra/orders.yaml", "CustomersTable").is_none());
    if terraform {
        let tf = find("DDB501", "terraform/main.tf", "aws_dynamodb_table.orders")
            .expect("DDB501 on the Terraform table");
        assert!(tf.message.contains("prevent_destroy"), "{}", tf.message);
        assert!(find("DDB101", "terraform/main.tf", "aws_dynamodb_table.invoices").is_some());
        assert!(find("DDB501", "terraform/main.tf", "aws_dynamodb_table.invoices").is_none());
    }

    assert!(run.summary.contains("DDB501"), "{}", run.summary);
    assert!(run.summary.contains("DDB502"), "{}", run.summary);

    let states = sarif_states(&run.sarif);
    let has = |rule: &str, state: &str, uri: &str| {
        states
            .iter()
            .any(|(r, s, u, _)| r == rule && s == state && u == uri)
    };
    assert!(has("DDB501", "new", "infra/orders.yaml"), "{states:?}");
    assert!(
        has("DDB101", "unchanged", "infra/orders.yaml"),
        "{states:?}"
    );
    assert!(has("DDB101", "absent", "infra/orders.yaml"), "{states:?}");
    assert!(
        states.iter().all(|(_, _, _, line)| *line >= 1),
        "{states:?}"
    );
}

#[test]
fn only_new_annotates_only_what_the_pull_request_adds() {
    if !has_github_and_sarif() {
        println!(
            "notice: this build has no github/sarif reports yet: the action run is not tested"
        );
        return;
    }
    let (repo, base_sha) = pr_repo();
    let run = run_action(
        repo.path(),
        &base_sha,
        &[("only-new", "true"), ("sarif-file", "out/pr.sarif")],
    );
    // The SARIF directory does not exist: ddbguard cannot write the report.
    assert_eq!(run.status, Some(2), "{}", run.stderr);

    std::fs::create_dir(repo.path().join("out")).unwrap();
    let run = run_action(
        repo.path(),
        &base_sha,
        &[("only-new", "true"), ("sarif-file", "out/pr.sarif")],
    );
    assert_eq!(run.status, Some(1), "{}\n{}", run.stdout, run.stderr);
    let ann = annotations(&run.stdout);
    assert!(ann.iter().any(|a| a.message.contains("InvoicesTable")));
    assert!(
        !ann.iter().any(|a| a
            .message
            .contains("point-in-time recovery is not enabled on table OrdersTable")),
        "{}",
        run.stdout
    );
    let states = sarif_states(&run.sarif);
    assert!(
        states
            .iter()
            .all(|(_, s, _, _)| s == "new" || s == "absent"),
        "{states:?}"
    );

    // With fail-on never the step passes, findings and all.
    let run = run_action(
        repo.path(),
        &base_sha,
        &[("fail-on", "never"), ("sarif-file", "out/pr.sarif")],
    );
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert!(run.outputs.contains("exit-code=0"));
}

#[test]
fn outside_a_pull_request_the_action_checks_without_a_base() {
    if !has_github_and_sarif() {
        println!(
            "notice: this build has no github/sarif reports yet: the action run is not tested"
        );
        return;
    }
    let (repo, _) = pr_repo();
    // A push event: no pull request, so the base input's default is empty.
    let run = run_action(repo.path(), "", &[("path", "infra")]);
    assert_eq!(run.status, Some(1), "{}", run.stderr);
    let ann = annotations(&run.stdout);
    // Without a base, nothing is compared: no DDB501/DDB502 from the templates.
    assert!(!ann.iter().any(|a| {
        a.props
            .get("title")
            .is_some_and(|t| t.starts_with("DDB501") || t.starts_with("DDB502"))
    }));
    assert!(ann.iter().any(|a| a.message.contains("InvoicesTable")));
}

#[test]
fn with_a_baseline_the_action_fails_only_on_findings_not_in_it() {
    if !has_github_and_sarif() {
        println!(
            "notice: this build has no github/sarif reports yet: the action run is not tested"
        );
        return;
    }
    let (repo, base_sha) = pr_repo();
    // Adopted on the base commit's findings: the pull request's new table is what fails.
    let base_dir = tempfile::tempdir().unwrap();
    copy_dir(&root().join("testdata/pr/base"), base_dir.path());
    let written = common::ddbguard(
        base_dir.path(),
        &["check", ".", "--write-baseline", "baseline.json"],
    );
    assert_ne!(written.status.code(), Some(2));
    std::fs::copy(
        base_dir.path().join("baseline.json"),
        repo.path().join("baseline.json"),
    )
    .unwrap();
    let run = run_action(repo.path(), &base_sha, &[("baseline", "baseline.json")]);
    assert_eq!(run.status, Some(1), "{}\n{}", run.stdout, run.stderr);
    let ann = annotations(&run.stdout);
    assert!(ann.iter().any(|a| a.message.contains("InvoicesTable")));
    assert!(
        !ann.iter().any(|a| a
            .message
            .contains("point-in-time recovery is not enabled on table OrdersTable")),
        "{}",
        run.stdout
    );
    // The baseline replaces the comparison with the base: no DDB501/DDB502.
    assert!(!ann.iter().any(|a| {
        a.props
            .get("title")
            .is_some_and(|t| t.starts_with("DDB501") || t.starts_with("DDB502"))
    }));

    // Adopted on the head's findings: nothing new, the step passes.
    let written = common::ddbguard(
        repo.path(),
        &["check", ".", "--write-baseline", "baseline.json"],
    );
    assert_eq!(written.status.code(), Some(1));
    let run = run_action(repo.path(), &base_sha, &[("baseline", "baseline.json")]);
    assert_eq!(run.status, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert!(run.outputs.contains("exit-code=0"));
}

// ---- Installing: the plan and the download of a release ----

/// The outputs a step wrote to `$GITHUB_OUTPUT` (`name=value` lines).
fn step_outputs(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The step of action.yml with this id.
fn step(id: &str) -> Node {
    action()
        .get("runs")
        .and_then(|r| r.get("steps"))
        .and_then(Node::as_seq)
        .expect("steps")
        .iter()
        .find(|s| s.get("id").and_then(Node::as_scalar) == Some(id))
        .unwrap_or_else(|| panic!("no step {id}"))
        .clone()
}

/// Run one `run:` step of action.yml as the runner would (its `env:` with expressions
/// replaced, `$GITHUB_OUTPUT`), plus `extra_env`; at most `limit`, then it is killed.
/// Returns (exit status, stdout and stderr, outputs).
fn run_step(
    id: &str,
    vars: &BTreeMap<&str, String>,
    extra_env: &[(&str, &str)],
    limit: std::time::Duration,
) -> (Option<i32>, String, BTreeMap<String, String>) {
    let step = step(id);
    let script = step.get("run").and_then(Node::as_scalar).expect("run");
    let runner = tempfile::tempdir().unwrap();
    let output_path = runner.path().join("output");
    std::fs::write(&output_path, "").unwrap();
    let mut cmd = Command::new("bash");
    cmd.arg("-e")
        .arg("-c")
        .arg(substitute(script, vars))
        .current_dir(runner.path())
        .env("GITHUB_OUTPUT", &output_path)
        .env("RUNNER_TEMP", runner.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for entry in step.get("env").and_then(Node::as_map).unwrap_or(&[]) {
        let value = entry.value.as_scalar().unwrap_or("");
        cmd.env(&*entry.key, substitute(value, vars));
    }
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("bash runs");
    let deadline = std::time::Instant::now() + limit;
    while child.try_wait().expect("wait").is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("step {id} ran for more than {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("output");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let outputs = step_outputs(&std::fs::read_to_string(&output_path).unwrap_or_default());
    (out.status.code(), log, outputs)
}

fn plan(version: &str, action_ref: &str) -> (Option<i32>, String, BTreeMap<String, String>) {
    plan_at(&root(), version, action_ref)
}

/// The plan step of the action checked out at `action_path`.
fn plan_at(
    action_path: &Path,
    version: &str,
    action_ref: &str,
) -> (Option<i32>, String, BTreeMap<String, String>) {
    let mut vars = BTreeMap::new();
    vars.insert(
        "github.action_path",
        action_path.to_string_lossy().to_string(),
    );
    vars.insert("inputs.version", version.to_string());
    vars.insert("github.action_ref", action_ref.to_string());
    run_step("plan", &vars, &[], std::time::Duration::from_secs(30))
}

/// The release target of this machine, as action/install.sh names it.
fn this_target() -> Option<&'static str> {
    match (std::env::consts::OS, std::env::consts::ARCH) {
        ("linux", "x86_64") => Some("x86_64-unknown-linux-gnu"),
        ("linux", "aarch64") => Some("aarch64-unknown-linux-gnu"),
        ("macos", "x86_64") => Some("x86_64-apple-darwin"),
        ("macos", "aarch64") => Some("aarch64-apple-darwin"),
        _ => None,
    }
}

#[test]
fn the_action_downloads_the_release_of_its_tag_and_builds_other_refs() {
    let Some(target) = this_target() else {
        println!("notice: no release target for this machine: the install plan is not tested");
        return;
    };
    let method = |version: &str, action_ref: &str| {
        let (status, log, out) = plan(version, action_ref);
        assert_eq!(status, Some(0), "{log}");
        out
    };
    let out = method("", "v0.1.0");
    assert_eq!(out["method"], "download");
    assert_eq!(out["version"], "0.1.0");
    assert_eq!(out["target"], target);
    assert_eq!(method("", "v1.2.3-rc.1")["version"], "1.2.3-rc.1");
    // A branch, a commit, a moving major tag, a local `uses: ./`: no release to download.
    for action_ref in ["main", "3f2c1ab9d0e4c5b6a7f8e9d0c1b2a3f4e5d6c7b8", "v1", ""] {
        assert_eq!(method("", action_ref)["method"], "source", "{action_ref:?}");
    }
    // Asked for: a version downloads it whatever the ref, `source` builds.
    let out = method("0.2.0", "main");
    assert_eq!(
        (out["method"].as_str(), out["version"].as_str()),
        ("download", "0.2.0")
    );
    assert_eq!(method("v0.2.0", "main")["version"], "0.2.0");
    assert_eq!(method("source", "v0.1.0")["method"], "source");
    // github.action_ref is not promised inside composite actions: without it, the ref is
    // the last part of the runner's action path (_actions/<owner>/<repo>/<ref>).
    let runner = tempfile::tempdir().unwrap();
    for (tag, method) in [("v0.3.0", "download"), ("main", "source")] {
        let checkout = runner.path().join("_actions/acme/ddbguard").join(tag);
        std::fs::create_dir_all(checkout.join("action")).unwrap();
        std::fs::copy(
            root().join("action/install.sh"),
            checkout.join("action/install.sh"),
        )
        .unwrap();
        let (status, log, out) = plan_at(&checkout, "", "");
        assert_eq!(status, Some(0), "{log}");
        assert_eq!(out["method"], method, "{tag}: {log}");
    }
    // Anything else is an error that says what is expected.
    let (status, log, _) = plan("latest", "v0.1.0");
    assert_eq!(status, Some(2), "{log}");
    assert!(
        log.contains("::error title=ddbguard::version: latest"),
        "{log}"
    );
}

/// A static HTTP server on 127.0.0.1 for the files of `dir` (GET only, 404 otherwise), in a
/// thread that lives as long as the test process. Returns its base URL and the log of
/// the paths asked for.
fn serve(dir: PathBuf) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let base = format!("http://{}", listener.local_addr().unwrap());
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let served = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(10)));
            let _ = stream.set_write_timeout(Some(std::time::Duration::from_secs(60)));
            let mut reader = BufReader::new(&stream);
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            loop {
                let mut header = String::new();
                match reader.read_line(&mut header) {
                    Ok(0) | Err(_) => break,
                    Ok(_) if header.trim().is_empty() => break,
                    Ok(_) => {}
                }
            }
            let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
            served.lock().unwrap().push(path.clone());
            let body = if path.contains("..") {
                None
            } else {
                std::fs::read(dir.join(path.trim_start_matches('/'))).ok()
            };
            let mut writer = &stream;
            let _ = match body {
                Some(body) => write!(
                    writer,
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                )
                .and_then(|()| writer.write_all(&body)),
                None => writer.write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                ),
            };
        }
    });
    (base, log)
}

fn sha256_hex(path: &Path) -> String {
    let out = Command::new("sh")
        .arg("-c")
        .arg("sha256sum \"$1\" 2>/dev/null || shasum -a 256 \"$1\"")
        .arg("sh")
        .arg(path)
        .output()
        .expect("sha256sum runs");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .expect("a checksum")
        .to_string()
}

#[test]
fn the_action_installs_a_release_only_when_its_checksum_matches() {
    let Some(target) = this_target() else {
        println!("notice: no release target for this machine: the download is not tested");
        return;
    };
    // A release v9.8.7 as release.yml publishes it: the archive holds the binary under test.
    let server_root = tempfile::tempdir().unwrap();
    let release = server_root.path().join("v9.8.7");
    std::fs::create_dir(&release).unwrap();
    let stage = tempfile::tempdir().unwrap();
    std::fs::copy(
        env!("CARGO_BIN_EXE_ddbguard"),
        stage.path().join("ddbguard"),
    )
    .unwrap();
    let archive_name = format!("ddbguard-v9.8.7-{target}.tar.gz");
    let archive = release.join(&archive_name);
    let made = Command::new("sh")
        .arg("-c")
        .arg("tar -cf - -C \"$1\" ddbguard | gzip -1 > \"$2\"")
        .arg("sh")
        .arg(stage.path())
        .arg(&archive)
        .status()
        .expect("tar runs");
    assert!(made.success());
    let good = format!("{}  {archive_name}\n", sha256_hex(&archive));
    let checksum = release.join(format!("{archive_name}.sha256"));
    let (base, served) = serve(server_root.path().to_path_buf());

    let install = |version: &str| {
        let runner = tempfile::tempdir().unwrap();
        let mut vars = BTreeMap::new();
        vars.insert("github.action_path", root().to_string_lossy().to_string());
        vars.insert("steps.plan.outputs.version", version.to_string());
        vars.insert("steps.plan.outputs.target", target.to_string());
        vars.insert("github.action_repository", "acme/ddbguard".to_string());
        vars.insert("runner.temp", runner.path().to_string_lossy().to_string());
        let (status, log, _) = run_step(
            "download",
            &vars,
            &[("DDBGUARD_DOWNLOAD_BASE", base.as_str())],
            std::time::Duration::from_secs(120),
        );
        let bin = runner.path().join("ddbguard/bin/ddbguard");
        (status, log, runner, bin)
    };

    // The checksum matches: installed, and the installed binary runs.
    std::fs::write(&checksum, &good).unwrap();
    let (status, log, _runner, bin) = install("9.8.7");
    println!("---- good checksum\n{log}");
    assert_eq!(status, Some(0), "{log}");
    assert!(
        log.contains("checksum") && log.contains("verified"),
        "{log}"
    );
    let out = Command::new(&bin)
        .args(["check", "testdata/examples", "--format", "json"])
        .current_dir(root())
        .output()
        .expect("the installed ddbguard runs");
    assert_eq!(out.status.code(), Some(1), "the examples have errors");
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"rule_id\": \"DDB101\""));
    assert!(
        served
            .lock()
            .unwrap()
            .contains(&format!("/v9.8.7/{archive_name}.sha256"))
    );

    // The checksum does not match: the step fails and says so, nothing is installed.
    let bad: String = good
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i == 0 {
                if c == '0' { '1' } else { '0' }
            } else {
                c
            }
        })
        .collect();
    std::fs::write(&checksum, &bad).unwrap();
    let (status, log, _runner, bin) = install("9.8.7");
    println!("---- bad checksum\n{log}");
    assert_eq!(status, Some(2), "{log}");
    assert!(
        log.contains(&format!(
            "::error title=ddbguard::checksum mismatch for {archive_name}"
        )),
        "{log}"
    );
    assert!(!bin.exists(), "installed despite the bad checksum");

    // A version that was never released: the step fails and names the URL.
    let (status, log, _runner, bin) = install("9.9.9");
    println!("---- missing release\n{log}");
    assert_eq!(status, Some(2), "{log}");
    assert!(
        log.contains("cannot download") && log.contains("/v9.9.9/"),
        "{log}"
    );
    assert!(!bin.exists());
}

// ---- Shell completions, the man page, the config schema for editors ----

#[test]
fn completions_are_printed_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = common::ddbguard(&root(), &["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("ddbguard") && text.contains("write-baseline"),
            "{shell}: {text}"
        );
    }
    // bash loads the script and completes the subcommands.
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source <('{}' completions bash) && complete -p ddbguard && \
             COMP_WORDS=(ddbguard ch) COMP_CWORD=1 COMP_LINE='ddbguard ch' COMP_POINT=11 && \
             _ddbguard ddbguard ch ddbguard && printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            env!("CARGO_BIN_EXE_ddbguard")
        ))
        .output()
        .expect("bash runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.lines().any(|l| l == "check"), "{text}");
    assert_eq!(
        common::ddbguard(&root(), &["completions", "tcsh"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn man_pages_are_generated_from_the_arguments() {
    // The page `ddbguard man ARGS` prints holds its title and each of `needles`.
    let check_page = |args: &[&str], title: &str, needles: &[&str]| {
        let out = common::ddbguard(&root(), args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let page = String::from_utf8_lossy(&out.stdout);
        assert!(page.contains(&format!(".TH {title} 1")), "{page}");
        for needle in needles {
            assert!(page.contains(needle), "{needle} missing:\n{page}");
        }
    };
    check_page(&["man"], "ddbguard", &["check", "completions", "man"]);
    check_page(
        &["man", "check"],
        "ddbguard-check",
        &["baseline", "write\\-baseline", "fail\\-on"],
    );
    let out = common::ddbguard(&root(), &["man", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("check"));
}

#[test]
fn init_points_editors_at_the_published_schema() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schema/ddbguard.schema.json")).unwrap(),
    )
    .unwrap();
    let id = schema["$id"].as_str().expect("$id");
    assert_eq!(
        id,
        "https://raw.githubusercontent.com/ddbguard/ddbguard/main/schema/ddbguard.schema.json"
    );
    let dir = tempfile::tempdir().unwrap();
    let out = common::ddbguard(dir.path(), &["init"]);
    assert_eq!(out.status.code(), Some(0));
    let written = std::fs::read_to_string(dir.path().join(".ddbguard.yaml")).unwrap();
    assert_eq!(
        written.lines().next(),
        Some(format!("# yaml-language-server: $schema={id}").as_str())
    );
}

// ---- Packaging ----

#[test]
fn the_crate_package_holds_the_program_and_no_test_corpora() {
    let out = Command::new(env!("CARGO"))
        .args(["package", "--list", "--allow-dirty", "--offline"])
        .current_dir(root())
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo package --list fails:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list = String::from_utf8_lossy(&out.stdout);
    let files: Vec<&str> = list.lines().collect();
    for needed in [
        "Cargo.toml",
        "Cargo.lock",
        "LICENSE",
        "README.md",
        "src/main.rs",
        "src/lib.rs",
        "ddbguard.example.yaml",
        "schema/ddbguard.schema.json",
        "rules/DDB101.md",
    ] {
        assert!(files.contains(&needed), "{needed} is not packaged:\n{list}");
    }
    let stray: Vec<&&str> = files
        .iter()
        .filter(|f| {
            [
                "tests/",
                "testdata/",
                "fuzz/",
                "bench/",
                ".github/",
                ".ci/",
                "target/",
            ]
            .iter()
            .any(|dir| f.starts_with(dir))
        })
        .collect();
    assert!(
        stray.is_empty(),
        "packaged but not part of the program: {stray:?}"
    );
}
