//! Helpers shared by the end-to-end tests.
#![allow(dead_code)]

use ddbguard::report::{Report, concise, github, human, json, junit, sarif};
use ddbguard::{Settings, check, check_loaded, load};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Run the `ddbguard` binary in `dir`, without colours and without a GitHub step summary.
pub fn ddbguard(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ddbguard"))
        .args(args)
        .current_dir(dir)
        .env_remove("GITHUB_STEP_SUMMARY")
        .env("NO_COLOR", "1")
        .output()
        .expect("runs")
}

/// A run's standard output as JSON; panics with both outputs when it is not.
pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Run git in `dir` with a fixed identity; panics with git's message when it fails.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Copy a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// Every format a report renders to, human without and with colour.
pub fn rendered(report: &Report) -> Vec<(&'static str, String)> {
    vec![
        ("json", json::render(report)),
        ("sarif", sarif::render(report, None)),
        ("github", github::render(report)),
        ("concise", concise::render(report)),
        (
            "junit",
            junit::render(report, &["DDB001", "DDB101", "DDB401"]),
        ),
        ("human", human::render(report, false)),
        ("human colour", human::render(report, true)),
    ]
}

/// Check `paths` streamed (`check`) and loaded whole (`load` then `check_loaded`): the
/// reports must be the same in every format.
pub fn same_reports(paths: &[PathBuf], settings: &Settings) {
    let streamed = check(paths, settings).expect("check runs");
    let loaded = check_loaded(load(paths, settings).expect("loads"), settings);
    assert!(streamed.summary.scopes > 0, "{paths:?}: nothing checked");
    assert_eq!(streamed.summary, loaded.summary, "{paths:?}");
    assert_eq!(streamed.messages, loaded.messages, "{paths:?}");
    assert_eq!(streamed.skipped, loaded.skipped, "{paths:?}");
    for ((format, a), (_, b)) in rendered(&streamed).into_iter().zip(rendered(&loaded)) {
        assert!(a == b, "{paths:?}: {format} differs:\n{a}\n---\n{b}");
    }
}
