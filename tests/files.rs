//! Hostile files, end to end: FIFOs, devices, loops of symbolic links and unreadable
//! directories are reported (DDB001) and never read, and nothing outside the checked paths
//! is opened, whichever door names it (a CDK manifest, a nested stack, construct metadata,
//! Terraform `file()`, `templatefile()`, `fileexists()`, a module source, a variables
//! file, a symbolic link in the tree). Every case is built at test time, runs the binary
//! with a time limit and a memory cap, and has a control template beside it that is still
//! checked.
#![cfg(unix)]

mod common;

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Most a run may take: a blocked read of a FIFO would never end.
const TIME_LIMIT: Duration = Duration::from_secs(60);
/// Address space a run may use (KiB): reading `/dev/zero` would pass it.
const MEMORY_LIMIT_KB: u64 = 4 * 1024 * 1024;

/// Run `ddbguard args…` in `dir` under the memory cap (`ulimit -v`) and the time limit,
/// optionally through `prefix` (a program that runs the rest of the line). Panics when the
/// run passes the time limit. Its output goes to files, so a large report never blocks it.
fn run_in(dir: &Path, prefix: &[&str], args: &[&str]) -> Output {
    let mut stdout = tempfile::tempfile().expect("temporary file");
    let mut stderr = tempfile::tempfile().expect("temporary file");
    let bin = env!("CARGO_BIN_EXE_ddbguard");
    let mut command = Command::new(prefix.first().copied().unwrap_or("sh"));
    if !prefix.is_empty() {
        command.args(&prefix[1..]).arg("sh");
    }
    let mut child = command
        .arg("-c")
        .arg(format!("ulimit -v {MEMORY_LIMIT_KB} && exec \"$0\" \"$@\""))
        .arg(bin)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY")
        .stdin(Stdio::null())
        .stdout(stdout.try_clone().expect("file"))
        .stderr(stderr.try_clone().expect("file"))
        .spawn()
        .expect("runs");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waits") {
            break status;
        }
        if start.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("ddbguard {args:?} ran past {TIME_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let read = |f: &mut std::fs::File| {
        let mut bytes = Vec::new();
        f.seek(SeekFrom::Start(0)).expect("seek");
        f.read_to_end(&mut bytes).expect("read");
        bytes
    };
    Output {
        status,
        stdout: read(&mut stdout),
        stderr: read(&mut stderr),
    }
}

fn run(dir: &Path, args: &[&str]) -> Output {
    run_in(dir, &[], args)
}

/// The JSON report of a run (`--format json` is added), checking the exit status.
fn report(dir: &Path, args: &[&str], status: i32) -> serde_json::Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let out = run(dir, &all);
    assert_eq!(
        out.status.code(),
        Some(status),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    common::json(&out)
}

/// (rule, path, message) of every finding.
fn findings(report: &serde_json::Value) -> Vec<(String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn has(report: &serde_json::Value, rule: &str, path: &str, message: &str) -> bool {
    findings(report)
        .iter()
        .any(|(r, p, m)| r == rule && p == path && m.contains(message))
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn symlink(target: impl AsRef<Path>, link: &Path) {
    std::fs::create_dir_all(link.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(target, link).unwrap();
}

fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: `c` is a valid NUL-terminated path for the duration of the call.
    let rc = unsafe { libc::mkfifo(c.as_ptr(), 0o644) };
    assert_eq!(rc, 0, "mkfifo {}", path.display());
}

/// A CloudFormation template with one table (without point-in-time recovery: DDB101).
fn template(table: &str) -> String {
    format!(
        "Resources:\n  {table}:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      TableName: {table}\n"
    )
}

/// The control beside every hostile file: checked whatever happens next to it.
fn control(dir: &Path) {
    write(&dir.join("control.yaml"), &template("Control"));
}

fn control_checked(report: &serde_json::Value, path: &str) {
    assert!(
        has(report, "DDB101", path, "Control"),
        "control not checked: {:?}",
        findings(report)
    );
}

#[test]
fn a_fifo_is_reported_and_never_read() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    control(d);
    mkfifo(&d.join("pipe.yaml"));
    mkfifo(&d.join("tf/pipe.tf"));
    write(
        &d.join("tf/main.tf"),
        "resource \"aws_dynamodb_table\" \"t\" {\n  name = \"t\"\n}\n",
    );
    // Met in a walk.
    let r = report(d, &["check", "."], 1);
    control_checked(&r, "control.yaml");
    assert!(has(
        &r,
        "DDB001",
        "pipe.yaml",
        "not a regular file (a FIFO)"
    ));
    assert!(has(
        &r,
        "DDB001",
        "tf/pipe.tf",
        "not a regular file (a FIFO)"
    ));
    assert!(has(&r, "DDB101", "tf/main.tf", "aws_dynamodb_table.t"));
    // Named on the command line.
    let r = report(d, &["check", "pipe.yaml", "control.yaml"], 1);
    control_checked(&r, "control.yaml");
    assert!(has(
        &r,
        "DDB001",
        "pipe.yaml",
        "not a regular file (a FIFO)"
    ));
}

#[test]
fn a_link_to_a_device_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    control(d);
    symlink("/dev/zero", &d.join("t.yaml"));
    symlink("/dev/zero", &d.join("tf/zero.tf"));
    // Met in a walk, the links lead out of the checked tree: not opened, said with
    // --verbose.
    let r = report(d, &["check", "."], 1);
    control_checked(&r, "control.yaml");
    assert!(
        !findings(&r).iter().any(|f| f.1 != "control.yaml"),
        "{:?}",
        findings(&r)
    );
    let out = run(d, &["check", ".", "--verbose"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("skipped t.yaml: a symbolic link to a file outside the checked paths"),
        "{stderr}"
    );
    assert!(
        stderr.contains("zero.tf: a symbolic link out of the checked paths"),
        "{stderr}"
    );
    // Named: the link's target is what the user asked for, and it is still not read.
    let r = report(d, &["check", "t.yaml", "control.yaml"], 1);
    control_checked(&r, "control.yaml");
    assert!(has(&r, "DDB001", "t.yaml", "a character device"));
}

#[test]
fn a_loop_of_links_is_a_ddb001_and_the_other_paths_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    control(d);
    symlink("loop.yaml", &d.join("loop.yaml"));
    symlink("b", &d.join("a"));
    symlink("a", &d.join("b"));
    let r = report(d, &["check", "loop.yaml", "a", "control.yaml"], 1);
    control_checked(&r, "control.yaml");
    assert!(has(&r, "DDB001", "loop.yaml", "symbolic links"), "{r}");
    assert!(has(&r, "DDB001", "a", "symbolic links"), "{r}");
    // Met in a walk.
    let r = report(d, &["check", "."], 1);
    control_checked(&r, "control.yaml");
    assert!(has(&r, "DDB001", "loop.yaml", "symbolic links"), "{r}");
    // A path that does not exist still stops the command.
    let out = run(d, &["check", "missing.yaml", "control.yaml"]);
    assert_eq!(out.status.code(), Some(2));
}

/// Runs a command as root without the capabilities that let root read any directory,
/// when this system allows it (`setpriv` from util-linux).
fn without_dac_override() -> Option<&'static [&'static str]> {
    const PREFIX: &[&str] = &[
        "setpriv",
        "--inh-caps=-dac_override,-dac_read_search",
        "--bounding-set=-dac_override,-dac_read_search",
    ];
    let ok = Command::new(PREFIX[0])
        .args(&PREFIX[1..])
        .arg("true")
        .status()
        .is_ok_and(|s| s.success());
    ok.then_some(PREFIX)
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

#[test]
fn an_unreadable_directory_is_a_ddb001_and_the_rest_is_checked() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    control(d);
    write(&d.join("locked/t.yaml"), &template("Locked"));
    std::fs::set_permissions(d.join("locked"), std::fs::Permissions::from_mode(0o000)).unwrap();
    // Root reads any directory unless it gives up that capability.
    let prefix: &[&str] = if is_root() {
        match without_dac_override() {
            Some(p) => p,
            None => {
                eprintln!(
                    "skipped: running as root and setpriv cannot drop CAP_DAC_OVERRIDE here, so no directory is unreadable"
                );
                std::fs::set_permissions(d.join("locked"), std::fs::Permissions::from_mode(0o755))
                    .unwrap();
                return;
            }
        }
    } else {
        &[]
    };
    for args in [
        &["check", ".", "--format", "json"][..],
        &["check", "locked", "control.yaml", "--format", "json"][..],
    ] {
        let out = run_in(d, prefix, args);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let r = common::json(&out);
        control_checked(&r, "control.yaml");
        assert!(
            has(&r, "DDB001", "locked", "Permission denied"),
            "{args:?}: {:?}",
            findings(&r)
        );
    }
    std::fs::set_permissions(d.join("locked"), std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// What must never appear in any output: the first line of `/etc/passwd` and the secrets
/// of the tree beside the checked one.
const SECRETS: &[&str] = &["root:x:", "s3cr3t"];

/// Runs `check` (JSON, SARIF, human with `--verbose`) and `model` on `path` in `dir`:
/// none of their output shows a secret. Returns the JSON report and the model.
fn no_leak(dir: &Path, path: &str) -> (serde_json::Value, String) {
    let mut model = String::new();
    let mut report = serde_json::Value::Null;
    for args in [
        &["check", path, "--format", "json", "--fail-on", "never"][..],
        &["check", path, "--format", "sarif", "--fail-on", "never"][..],
        &["check", path, "--verbose", "--fail-on", "never"][..],
        &["model", path][..],
    ] {
        let out = run(dir, args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        for secret in SECRETS {
            assert!(!all.contains(secret), "{args:?} shows {secret:?}:\n{all}");
        }
        if args[0] == "model" {
            model = all;
        } else if args.contains(&"json") {
            report = common::json(&out);
        }
    }
    (report, model)
}

/// A tree to check (`checked/`) beside one that must not be read (`outside/`): a
/// template whose table is named `s3cr3t`, construct metadata and a Terraform module.
fn outside_tree() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("outside");
    write(
        &out.join("secret.template.json"),
        r#"{"Resources": {"S3cr3tTable": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "s3cr3t"}}}}"#,
    );
    write(
        &out.join("secret.nested.template.json"),
        r#"{"Resources": {"S3cr3tTable": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "s3cr3t"}}}}"#,
    );
    write(&out.join("secret.yaml"), &template("S3cr3t"));
    write(
        &out.join("metadata.json"),
        r#"{"/App/s3cr3t": [{"type": "aws:cdk:logicalId", "data": "Items"}]}"#,
    );
    write(
        &out.join("tree.json"),
        r#"{"version": "tree-0.1", "tree": {"id": "App", "path": "", "children": {"s3cr3t": {"id": "s3cr3t", "path": "s3cr3t"}}}}"#,
    );
    write(
        &out.join("module/main.tf"),
        "resource \"aws_dynamodb_table\" \"s3cr3t\" {\n  name = \"s3cr3t\"\n}\n",
    );
    write(
        &out.join("policy.json"),
        r#"{"Statement": [{"Sid": "s3cr3t", "Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}"#,
    );
    write(&out.join("vars.tfvars"), "name = \"s3cr3t\"\n");
    let checked = dir.path().join("checked");
    std::fs::create_dir_all(&checked).unwrap();
    (dir, checked)
}

/// Asserts that the scopes of `model` note every one of `doors` (a path not read).
fn assert_noted(model: &str, doors: &[&str]) {
    let v: serde_json::Value = serde_json::from_str(model).expect("model is JSON");
    let notes = v["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["notes"].as_array().cloned().unwrap_or_default())
        .map(|n| n.as_str().unwrap_or_default().to_string())
        .collect::<Vec<_>>()
        .join("\n");
    for door in doors {
        assert!(notes.contains(door), "no note {door:?} in:\n{notes}");
    }
}

/// `../../…/etc/passwd` from `dir`: up to the root of the file system, whatever the depth.
fn passwd_from(dir: &Path) -> String {
    format!("{}etc/passwd", "../".repeat(dir.components().count() + 2))
}

#[test]
fn cdk_manifest_paths_outside_the_tree_are_not_read() {
    let (_dir, d) = outside_tree();
    let cdk = d.join("cdk.out");
    let passwd = passwd_from(&cdk);
    write(
        &cdk.join("manifest.json"),
        &format!(
            r#"{{"version": "38.0.0", "artifacts": {{
  "Passwd": {{"type": "aws:cloudformation:stack", "properties": {{"templateFile": "{passwd}"}}}},
  "Absolute": {{"type": "aws:cloudformation:stack", "properties": {{"templateFile": "/etc/passwd"}}}},
  "Beside": {{"type": "aws:cloudformation:stack", "properties": {{"templateFile": "../../outside/secret.template.json"}}}},
  "Linked": {{"type": "aws:cloudformation:stack", "properties": {{"templateFile": "linked.template.json"}}}},
  "Control": {{"type": "aws:cloudformation:stack", "properties": {{"templateFile": "Control.template.json"}},
    "additionalMetadataFile": "../../outside/metadata.json"}},
  "Stage": {{"type": "cdk:cloud-assembly", "properties": {{"directoryName": "../../outside"}}}},
  "Tree": {{"type": "cdk:tree", "properties": {{"file": "../../outside/tree.json"}}}}
}}}}"#
        ),
    );
    symlink(
        d.join("../outside/secret.template.json"),
        &cdk.join("linked.template.json"),
    );
    write(
        &cdk.join("Control.template.json"),
        r#"{"Resources": {
  "Items": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "Control"}},
  "Child": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": "x"},
    "Metadata": {"aws:asset:path": "../../outside/secret.nested.template.json"}}
}}"#,
    );
    let (report, model) = no_leak(&d, "cdk.out");
    assert!(
        has(&report, "DDB101", "cdk.out/Control.template.json", "Items"),
        "{:?}",
        findings(&report)
    );
    assert!(
        !findings(&report).iter().any(|f| f.0 == "DDB001"),
        "{:?}",
        findings(&report)
    );
    assert_noted(
        &model,
        &[
            "etc/passwd is outside the checked paths",
            "outside/secret.template.json is outside the checked paths",
            "linked.template.json is outside the checked paths",
            "outside/secret.nested.template.json is outside the checked paths",
            "outside/metadata.json: outside the checked paths",
            "outside/tree.json: outside the checked paths",
            "outside is outside the checked paths",
        ],
    );
}

#[test]
fn terraform_files_modules_and_variables_outside_the_tree_are_not_read() {
    let (_dir, d) = outside_tree();
    let root = d.join("infra");
    let passwd = passwd_from(&root);
    write(
        &root.join("main.tf"),
        &format!(
            r#"
variable "name" {{
  default = "control"
}}
resource "aws_dynamodb_table" "control" {{
  name = var.name
}}
resource "aws_iam_policy" "passwd" {{
  policy = file("{passwd}")
}}
resource "aws_iam_policy" "absolute" {{
  policy = file("/etc/passwd")
}}
resource "aws_iam_policy" "beside" {{
  policy = file("${{path.module}}/../../outside/policy.json")
}}
resource "aws_iam_policy" "template" {{
  policy = templatefile("${{path.module}}/../../outside/policy.json", {{}})
}}
resource "aws_iam_policy" "linked" {{
  policy = file("${{path.module}}/linked.json")
}}
resource "aws_iam_policy" "exists" {{
  name   = fileexists("/etc/passwd") ? "yes" : "no"
  policy = "{{}}"
}}
module "outside" {{
  source = "../../outside/module"
}}
"#
        ),
    );
    symlink(d.join("../outside/policy.json"), &root.join("linked.json"));
    symlink(
        d.join("../outside/vars.tfvars"),
        &root.join("terraform.tfvars"),
    );
    let (report, model) = no_leak(&d, "infra");
    // The control: the table, named by the variable's default (the tfvars is not read).
    assert!(
        has(
            &report,
            "DDB101",
            "infra/main.tf",
            "aws_dynamodb_table.control"
        ),
        "{:?}",
        findings(&report)
    );
    assert!(
        !findings(&report)
            .iter()
            .any(|f| f.0 == "DDB001" || f.0 == "DDB601"),
        "{:?}",
        findings(&report)
    );
    assert_noted(
        &model,
        &[
            "etc/passwd\"): the file is outside the checked paths",
            "file(\"/etc/passwd\"): the file is outside the checked paths",
            "templatefile(",
            "linked.json\"): the file is outside the checked paths",
            "fileexists(\"/etc/passwd\"): the path is outside the checked paths",
            "module source \"../../outside/module\" is outside the checked paths",
            "terraform.tfvars: outside the checked paths",
        ],
    );
}

#[test]
fn a_link_out_of_the_tree_is_not_read_unless_named() {
    let (_dir, d) = outside_tree();
    control(&d);
    symlink(d.join("../outside/secret.yaml"), &d.join("leak.yaml"));
    let (report, _) = no_leak(&d, ".");
    control_checked(&report, "control.yaml");
    assert!(
        !findings(&report).iter().any(|f| f.1 == "leak.yaml"),
        "{:?}",
        findings(&report)
    );
    // Named on the command line, the link is what the user asked to check.
    let r = report_of(&d, "leak.yaml");
    assert!(
        has(&r, "DDB101", "leak.yaml", "S3cr3t"),
        "{:?}",
        findings(&r)
    );
}

fn report_of(dir: &Path, path: &str) -> serde_json::Value {
    report(dir, &["check", path], 1)
}
