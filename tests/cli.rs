//! End-to-end tests: run the `ddbguard` binary and check exit codes and reports.

mod common;
use common::{ddbguard as ddbguard_in, json};
use std::path::Path;
use std::process::{Command, Output};

fn ddbguard(args: &[&str]) -> Output {
    ddbguard_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

#[test]
fn examples_report_findings_and_exit_1() {
    let out = ddbguard(&["check", "testdata/examples", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    assert_eq!(report["version"], 1);
    assert_eq!(report["tool"]["name"], "ddbguard");
    let findings = report["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    let pitr = findings
        .iter()
        .find(|f| f["rule_id"] == "DDB101" && f["resource"]["id"] == "OrderEventsTable")
        .expect("DDB101 on OrderEventsTable");
    assert_eq!(pitr["rule_name"], "pitr-disabled");
    assert_eq!(pitr["severity"], "error");
    assert_eq!(pitr["path"], "testdata/examples/cloudformation/orders.yaml");
    assert_eq!(pitr["format"], "cloudformation");
    assert_eq!(pitr["resource"]["type"], "AWS::DynamoDB::Table");
    assert!(pitr["resource"]["cdk_path"].is_null());
    // A missing property is reported on the resource's logical ID.
    assert_eq!(pitr["location"]["start_line"], 59);
    assert_eq!(pitr["location"]["start_column"], 3);
    assert_eq!(pitr["fingerprint"].as_str().unwrap().len(), 16);
    // Sorted by path, line, column, rule.
    let keys: Vec<(String, u64, u64, String)> = findings
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["location"]["start_line"].as_u64().unwrap(),
                f["location"]["start_column"].as_u64().unwrap(),
                f["rule_id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    let s = &report["summary"];
    let suppressed = findings
        .iter()
        .filter(|f| !f["suppression"].is_null())
        .count();
    assert_eq!(s["suppressed"].as_u64().unwrap() as usize, suppressed);
    assert!(suppressed >= 1, "the examples show a suppression");
    assert_eq!(
        s["findings"].as_u64().unwrap() as usize,
        findings.len() - suppressed
    );
    assert_eq!(
        s["errors"].as_u64().unwrap()
            + s["warnings"].as_u64().unwrap()
            + s["notes"].as_u64().unwrap(),
        s["findings"].as_u64().unwrap()
    );
}

#[test]
fn fail_on_sets_the_exit_status() {
    let never = ddbguard(&["check", "testdata/examples", "--fail-on", "never"]);
    assert_eq!(never.status.code(), Some(0));
    // DDB104 is a warning: only `--fail-on warning` fails on it.
    let warn_only = [
        "check",
        "testdata/rules/DDB104/fail_no_policies.yaml",
        "--select",
        "DDB104",
    ];
    assert_eq!(ddbguard(&warn_only).status.code(), Some(0));
    let mut args = warn_only.to_vec();
    args.extend(["--fail-on", "warning"]);
    assert_eq!(ddbguard(&args).status.code(), Some(1));
}

#[test]
fn a_clean_template_exits_0() {
    let out = ddbguard(&[
        "check",
        "testdata/rules/DDB101/pass_enabled.json",
        "--select",
        "DDB101",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("ok: 0 errors"));
    // No template at all must not read as "ok".
    let empty = tempfile::tempdir().unwrap();
    std::fs::write(empty.path().join("package.json"), "{}").unwrap();
    let out = ddbguard_in(empty.path(), &["check", "."]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("no template found: nothing was checked"),
        "{text}"
    );
}

#[test]
fn a_run_that_found_no_template_says_so_and_fail_on_decides() {
    let empty = tempfile::tempdir().unwrap();
    std::fs::write(empty.path().join("package.json"), "{}").unwrap();
    for (fail_on, code) in [("error", 0), ("never", 0), ("warning", 1), ("note", 1)] {
        let out = ddbguard_in(
            empty.path(),
            &["check", ".", "--format", "json", "--fail-on", fail_on],
        );
        assert_eq!(out.status.code(), Some(code), "--fail-on {fail_on}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("no template found: nothing was checked"),
            "{stderr}"
        );
        assert_eq!(json(&out)["summary"]["scopes"], 0);
    }
}

#[test]
fn select_and_ignore_take_comma_separated_lists_and_never_a_path() {
    let out = ddbguard(&[
        "check",
        "--select",
        "DDB101",
        "testdata/examples",
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out);
    let ids: std::collections::BTreeSet<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.into_iter().collect::<Vec<_>>(), ["DDB101"]);
    let out = ddbguard(&[
        "check",
        "--select",
        "DDB101,table-not-retained",
        "--ignore",
        "DDB104",
        "testdata/examples",
        "--format",
        "json",
    ]);
    let report = json(&out);
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["rule_id"] == "DDB101")
    );
}

#[test]
fn an_unknown_var_is_a_warning_that_names_the_known_variables() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        "variable \"table_name\" {\n  default = \"orders\"\n}\nvariable \"pitr\" {}\n",
    )
    .unwrap();
    let out = ddbguard_in(
        dir.path(),
        &[
            "check",
            ".",
            "--var",
            "tabel_name=x",
            "--var",
            "pitr=true",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--var tabel_name"), "{stderr}");
    assert!(stderr.contains("pitr, table_name"), "{stderr}");
    assert!(!stderr.contains("--var pitr"), "{stderr}");
}

#[test]
fn exit_statuses_are_in_the_help() {
    for args in [&["--help"][..], &["check", "--help"]] {
        let out = ddbguard(args);
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Exit status:"), "{text}");
        assert!(text.contains("2  the command could not run"), "{text}");
    }
}

#[test]
fn a_closed_pipe_is_a_quiet_exit() {
    use std::io::Read;
    use std::process::Stdio;
    for args in [
        &["explain", "DDB101"][..],
        &["rules"],
        &["rules", "--format", "json"],
        &["check", "testdata/examples"],
        &["check", "testdata/examples", "--format", "sarif"],
        &["model", "testdata/examples"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ddbguard"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read one byte, then close the pipe (as `| head -c1` does).
        let mut stdout = child.stdout.take().unwrap();
        let mut byte = [0u8; 1];
        let _ = stdout.read(&mut byte);
        drop(stdout);
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{args:?}: {:?}",
            out.status
        );
    }
}

#[test]
fn colour_follows_color_and_the_environment() {
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ddbguard"));
        cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["check", "testdata/examples"])
            .args(args)
            .env_remove("NO_COLOR")
            .env_remove("FORCE_COLOR")
            .env_remove("CLICOLOR_FORCE");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        String::from_utf8_lossy(&out.stdout).contains('\x1b')
    };
    // Standard output is a pipe here: no colour unless asked for.
    assert!(!run(&[], &[]));
    assert!(run(&["--color", "always"], &[]));
    assert!(run(&[], &[("FORCE_COLOR", "1")]));
    assert!(run(&[], &[("CLICOLOR_FORCE", "1")]));
    assert!(!run(&["--color", "never"], &[("FORCE_COLOR", "1")]));
    assert!(!run(&[], &[("FORCE_COLOR", "0")]));
}

#[test]
fn the_command_itself_failing_exits_2() {
    let missing = ddbguard(&["check", "no/such/dir"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no/such/dir"));
    assert_eq!(
        ddbguard(&["check", ".", "--format", "xml"]).status.code(),
        Some(2)
    );
    assert_eq!(
        ddbguard(&["check", ".", "--select", "DDB999"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        ddbguard(&["check", "--no-such-flag"]).status.code(),
        Some(2)
    );
    assert_eq!(ddbguard(&["explain", "DDB999"]).status.code(), Some(2));
}

#[test]
fn select_and_ignore_choose_rules() {
    let out = ddbguard(&[
        "check",
        "testdata/examples",
        "--format",
        "json",
        "--select",
        "DDB103",
    ]);
    let report = json(&out);
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    assert!(
        !rules.is_empty() && rules.iter().all(|r| *r == "DDB103"),
        "{rules:?}"
    );
    let out = ddbguard(&[
        "check",
        "testdata/examples",
        "--format",
        "json",
        "--ignore",
        "pitr-disabled",
    ]);
    let report = json(&out);
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["rule_id"] != "DDB101")
    );
}

#[test]
fn output_writes_the_report_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.json");
    let out = ddbguard(&[
        "check",
        "testdata/examples",
        "--format",
        "json",
        "--output",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert!(report["summary"]["findings"].as_u64().unwrap() > 0);
}

#[test]
fn output_is_identical_across_runs_and_thread_counts() {
    let run = |threads: &str| {
        Command::new(env!("CARGO_BIN_EXE_ddbguard"))
            .args(["check", "testdata", "--format", "json"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap()
            .stdout
    };
    let one = run("1");
    assert!(!one.is_empty());
    assert_eq!(one, run("2"));
    assert_eq!(one, run("4"));
}

#[test]
fn a_broken_file_does_not_stop_the_run() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("broken.yaml"),
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  T: [\n",
    )
    .unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/rules/DDB101/fail_missing.yaml"),
        dir.path().join("table.yaml"),
    )
    .unwrap();
    let out = ddbguard_in(dir.path(), &["check", ".", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    let findings = report["findings"].as_array().unwrap();
    let parse = findings
        .iter()
        .find(|f| f["rule_id"] == "DDB001")
        .expect("DDB001");
    assert_eq!(parse["path"], "broken.yaml");
    assert!(parse["location"]["start_line"].as_u64().unwrap() >= 3);
    assert!(
        findings
            .iter()
            .any(|f| f["rule_id"] == "DDB101" && f["path"] == "table.yaml")
    );
}

#[test]
fn human_output_has_no_colour_when_not_a_terminal() {
    let out = Command::new(env!("CARGO_BIN_EXE_ddbguard"))
        .args(["check", "testdata/examples"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains('\u{1b}'), "escape codes in piped output");
    assert!(text.contains("[DDB101]"));
    assert!(text.lines().any(|l| l.starts_with("found: ")));
    assert!(
        text.lines()
            .last()
            .unwrap()
            .starts_with("`ddbguard explain DDB")
    );
}

#[test]
fn gitignored_files_are_skipped_unless_named() {
    let dir = tempfile::tempdir().unwrap();
    let git = Command::new("git")
        .args(["init", "-q"])
        .current_dir(dir.path())
        .status();
    if !git.is_ok_and(|s| s.success()) {
        return; // git is part of the documented environment; nothing to check without it
    }
    let template =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/rules/DDB101/fail_missing.yaml");
    std::fs::create_dir(dir.path().join("build")).unwrap();
    std::fs::copy(&template, dir.path().join("build/out.yaml")).unwrap();
    std::fs::copy(&template, dir.path().join("app.yaml")).unwrap();
    std::fs::write(dir.path().join(".gitignore"), "build/\n").unwrap();
    let report = json(&ddbguard_in(
        dir.path(),
        &["check", ".", "--format", "json"],
    ));
    let paths: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"app.yaml"));
    assert!(!paths.iter().any(|p| p.starts_with("build/")), "{paths:?}");
    let named = json(&ddbguard_in(
        dir.path(),
        &["check", "build/out.yaml", "--format", "json"],
    ));
    assert_eq!(named["findings"][0]["path"], "build/out.yaml");
}

#[test]
fn rules_and_explain_print_the_catalog() {
    let out = ddbguard(&["rules"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("DDB101  pitr-disabled"));
    let out = ddbguard(&["rules", "--format", "json"]);
    let catalog: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(catalog["rules"].as_array().unwrap().len() >= 10);
    let out = ddbguard(&["explain", "pitr-disabled"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("# DDB101 pitr-disabled"));
    assert!(text.contains("## Why it matters"));
}

#[test]
fn model_prints_resolved_values_with_spans() {
    let out = ddbguard(&["model", "testdata/rules/DDB101/fail_if_branch.yaml"]);
    assert_eq!(out.status.code(), Some(0));
    let model = json(&out);
    let table = &model["scopes"][0]["resources"][0];
    assert_eq!(table["id"], "OrdersTable");
    assert_eq!(table["path"], "testdata/rules/DDB101/fail_if_branch.yaml");
    let pitr = &table["model"]["pitr"];
    assert_eq!(pitr["state"], "one_of");
    assert_eq!(pitr["value"].as_array().unwrap().len(), 2);
}

#[test]
fn hostile_documents_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    // Deep nesting, an alias bomb and a large template: each is a DDB001 or is checked,
    // never a crash.
    let deep = format!(
        "AWSTemplateFormatVersion: '2010-09-09'\nResources: {}{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    std::fs::write(dir.path().join("deep.yaml"), deep).unwrap();
    let deep_json = format!(
        "{{\"AWSTemplateFormatVersion\": \"2010-09-09\", \"Resources\": {}{}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    std::fs::write(dir.path().join("deep.json"), deep_json).unwrap();
    let mut bomb = String::from(
        "AWSTemplateFormatVersion: '2010-09-09'\nMappings:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n",
    );
    let mut prev = 'a';
    for c in 'b'..='m' {
        bomb.push_str(&format!("  {c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        prev = c;
    }
    bomb.push_str("Resources: {}\n");
    std::fs::write(dir.path().join("bomb.yaml"), bomb).unwrap();
    let mut big = String::from("{\"AWSTemplateFormatVersion\": \"2010-09-09\", \"Resources\": {");
    let mut i = 0;
    while big.len() < 8_000_000 {
        if i > 0 {
            big.push(',');
        }
        big.push_str(&format!(
            "\"T{i}\": {{\"Type\": \"AWS::DynamoDB::Table\", \"Properties\": {{\"KeySchema\": [{{\"AttributeName\": \"pk\", \"KeyType\": \"HASH\"}}], \"AttributeDefinitions\": [{{\"AttributeName\": \"pk\", \"AttributeType\": \"S\"}}]}}}}"
        ));
        i += 1;
    }
    big.push_str("}}");
    std::fs::write(dir.path().join("big.json"), big).unwrap();
    let out = ddbguard_in(
        dir.path(),
        &[
            "check",
            ".",
            "--format",
            "json",
            "--select",
            "DDB001,DDB101",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    let findings = report["findings"].as_array().unwrap();
    for name in ["deep.yaml", "deep.json", "bomb.yaml"] {
        let f = findings
            .iter()
            .find(|f| f["path"] == name && f["rule_id"] == "DDB001")
            .unwrap_or_else(|| panic!("no DDB001 for {name}"));
        assert!(f["location"]["start_line"].as_u64().unwrap() >= 1);
    }
    let big_tables = findings.iter().filter(|f| f["path"] == "big.json").count();
    assert_eq!(big_tables as u64, i);
}

/// A temporary git repository holding the examples' CloudFormation template under
/// `infra/prod/`.
fn repo_with_template() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("infra/prod");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/examples/cloudformation/orders.yaml"),
        sub.join("orders.yaml"),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    dir
}

#[test]
fn report_paths_are_relative_to_the_repository_root_whatever_the_arguments() {
    let dir = repo_with_template();
    let root = dir.path();
    let absolute = root.join("infra/prod").to_string_lossy().to_string();
    let runs = [
        (root.to_path_buf(), "infra".to_string()),
        (root.join("infra/prod"), ".".to_string()),
        (root.join("infra/prod"), "orders.yaml".to_string()),
        (root.join("infra"), absolute),
    ];
    for (cwd, arg) in runs {
        let out = ddbguard_in(&cwd, &["check", &arg, "--format", "json"]);
        let report = json(&out);
        for f in report["findings"].as_array().unwrap() {
            assert_eq!(f["path"], "infra/prod/orders.yaml", "{arg} from {cwd:?}");
        }
        let out = ddbguard_in(&cwd, &["check", &arg, "--format", "sarif"]);
        let sarif = json(&out);
        let run = &sarif["runs"][0];
        for r in run["results"].as_array().unwrap() {
            let artifact = &r["locations"][0]["physicalLocation"]["artifactLocation"];
            assert_eq!(
                artifact["uri"], "infra/prod/orders.yaml",
                "{arg} from {cwd:?}"
            );
            assert_eq!(artifact["uriBaseId"], "%SRCROOT%");
        }
        let base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
            .as_str()
            .unwrap();
        assert!(
            base.starts_with("file:///") && base.ends_with('/'),
            "{base}"
        );
    }
}

#[test]
fn human_and_concise_output_on_the_examples() {
    let human = ddbguard(&["check", "testdata/examples"]);
    assert_eq!(human.status.code(), Some(1));
    let human = String::from_utf8(human.stdout).unwrap();
    assert!(!human.contains("Advice") && !human.contains("1 resources"));
    insta::assert_snapshot!("examples_human", human);
    let concise = ddbguard(&["check", "testdata/examples", "--format", "concise"]);
    assert_eq!(concise.status.code(), Some(1));
    let concise = String::from_utf8(concise.stdout).unwrap();
    for line in concise.lines().take_while(|l| !l.starts_with("found:")) {
        // path:line:col: ID [severity] message
        let mut parts = line.splitn(4, ':');
        let (path, l, c, rest) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        assert!(path.starts_with("testdata/examples/"), "{line}");
        assert!(
            l.parse::<u32>().unwrap() >= 1 && c.parse::<u32>().unwrap() >= 1,
            "{line}"
        );
        assert!(rest.starts_with(" DDB") && rest.contains(" ["), "{line}");
    }
    insta::assert_snapshot!("examples_concise", concise);
}
