//! `ddbguard policy test`: Guard test specs in cfn-guard's `test` format — a list of cases,
//! each an `input` document and the expected `PASS` / `FAIL` / `SKIP` per rule — with
//! cfn-guard's semantics: a rule evaluated several times matches when any evaluation has the
//! expected status (all of them for `SKIP`); a rule without expectation is named, not failed.

use super::engine::{self, Status};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::Path;

#[derive(Deserialize)]
struct TestCase {
    name: Option<String>,
    input: serde_yaml::Value,
    expectations: Expectations,
}

#[derive(Deserialize)]
struct Expectations {
    rules: BTreeMap<String, String>,
}

/// What a test run printed and its exit status: 0 every expectation held, 1 one did not,
/// 2 the test could not run.
pub struct TestRun {
    pub output: String,
    pub diagnostics: Vec<String>,
    pub exit: u8,
}

/// Run the test spec at `data` against the policy at `rules`.
pub fn run(rules: &Path, data: &Path) -> Result<TestRun, String> {
    let display = crate::source::display_path(rules);
    let text = std::fs::read(rules)
        .map_err(|e| format!("{display}: cannot read the policy: {e}"))
        .and_then(|b| {
            String::from_utf8(b)
                .map_err(|_| format!("{display}: the policy file is not valid UTF-8"))
        })?;
    super::load::parse(&text, &display)?;
    let data_display = crate::source::display_path(data);
    let spec_text = std::fs::read_to_string(data)
        .map_err(|e| format!("{data_display}: cannot read the test data: {e}"))?;
    let cases: Vec<TestCase> = serde_yaml::from_str(&spec_text)
        .or_else(|_| serde_json::from_str(&spec_text))
        .map_err(|e| {
            format!(
                "{data_display}: not a Guard test spec (a list of name/input/expectations): {e}"
            )
        })?;
    let mut out = String::new();
    let mut diagnostics = BTreeSet::new();
    let mut exit = 0;
    for (n, case) in cases.into_iter().enumerate() {
        let _ = writeln!(out, "Test Case #{}", n + 1);
        if let Some(name) = &case.name {
            let _ = writeln!(out, "Name: {name}");
        }
        let input = match serde_yaml::to_string(&case.input) {
            Ok(s) => s,
            Err(e) => {
                let _ = writeln!(out, "  ERROR: the input cannot be read: {e}\n");
                exit = 2;
                continue;
            }
        };
        let results = match engine::evaluate(&input, &data_display, &text, &display) {
            Ok(r) => r,
            Err(e) => {
                let _ = writeln!(out, "  ERROR: {e}\n");
                exit = 2;
                continue;
            }
        };
        let mut by_rule: BTreeMap<&str, Vec<Status>> = BTreeMap::new();
        for r in &results {
            by_rule.entry(r.name.as_str()).or_default().push(r.status);
        }
        let mut pass = Vec::new();
        let mut fail = Vec::new();
        for (rule, statuses) in &by_rule {
            let Some(expected) = case.expectations.rules.get(*rule) else {
                let _ = writeln!(out, "  No Test expectation was set for Rule {rule}");
                continue;
            };
            let Some(expected) = Status::parse(expected) else {
                let _ = writeln!(
                    out,
                    "  ERROR: {rule}: expected status {expected:?} is not PASS, FAIL or SKIP"
                );
                exit = 2;
                continue;
            };
            let holds = match expected {
                Status::Skip => statuses.iter().all(|s| *s == Status::Skip),
                s => statuses.contains(&s),
            };
            if holds {
                pass.push(format!("{rule}: Expected = {}", expected.as_str()));
            } else {
                let got: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
                fail.push(format!(
                    "{rule}: Expected = {}, Evaluated = [{}]",
                    expected.as_str(),
                    got.join(", ")
                ));
            }
        }
        for name in case.expectations.rules.keys() {
            if !by_rule.contains_key(name.as_str()) {
                diagnostics.insert(format!(
                    "No rule named {name} is in this file, so its expectation was not checked"
                ));
            }
        }
        if !fail.is_empty() {
            let _ = writeln!(out, "  FAIL Rules:");
            for f in &fail {
                let _ = writeln!(out, "    {f}");
            }
            if exit == 0 {
                exit = 1;
            }
        }
        if !pass.is_empty() {
            let _ = writeln!(out, "  PASS Rules:");
            for p in &pass {
                let _ = writeln!(out, "    {p}");
            }
        }
        out.push('\n');
    }
    Ok(TestRun {
        output: out,
        diagnostics: diagnostics.into_iter().collect(),
        exit,
    })
}
