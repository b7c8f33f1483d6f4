//! The GitHub Action without GitHub: `action.yml` is validated against the schema of
//! actions (action-validator), and its steps are run the way a pull-request run would run
//! them, in a temporary repository with a base commit and a head commit.

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

fn find_action_validator() -> Option<PathBuf> {
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
fn action_yml_is_valid() {
    let Some(validator) = find_action_validator() else {
        println!(
            "notice: action-validator is not installed, action.yml not validated \
             (cargo install action-validator)"
        );
        return;
    };
    let out = Command::new(&validator)
        .arg("--verbose")
        .arg("action.yml")
        .current_dir(root())
        .output()
        .expect("action-validator runs");
    assert!(
        out.status.success(),
        "action-validator rejects action.yml:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
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
    let install = ["key", "cache", "build", "download", "path"];
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
