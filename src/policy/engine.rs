//! The one place that calls cfn-guard: `run_checks` on one document with one policy file,
//! inside a worker thread with a time budget and a panic guard, and the reading of the record
//! tree it returns (`verbose = true`) into per-rule verdicts and failing clauses.
//!
//! The record format is cfn-guard's (`EventRecord` serialized with serde); `tests` below pin
//! the parts read here, so an upgrade that changes them fails a test, not a user.

use serde_json::Value;
use std::panic::AssertUnwindSafe;
use std::sync::mpsc;
use std::time::Duration;

/// A Guard rule's verdict on one document (cfn-guard's PASS / FAIL / SKIP).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Pass,
    Fail,
    Skip,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Skip => "SKIP",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        match s {
            "PASS" => Some(Status::Pass),
            "FAIL" => Some(Status::Fail),
            "SKIP" => Some(Status::Skip),
            _ => None,
        }
    }
}

/// One rule's result on one document.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleResult {
    pub name: String,
    pub status: Status,
    pub failures: Vec<ClauseFailure>,
}

/// A failing clause: where it failed and what it says.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ClauseFailure {
    /// The failing value's path (`/Resources/T/Properties/X`), or, for a missing value, the
    /// path cfn-guard reached before it stopped. Empty when the clause has no value.
    pub path: String,
    /// For a missing value: the rest of the query that found nothing (`PointInTimeRecoverySpecification.…`).
    pub missing: Option<String>,
    /// The rule's custom message (`<< … >>`), as written.
    pub custom_message: Option<String>,
    /// A plain description of the failed comparison.
    pub description: String,
}

/// Why an evaluation gave no verdicts.
#[derive(Clone, Debug, PartialEq)]
pub enum EvalError {
    /// cfn-guard returned an error (a bad regex at run time, a type error).
    Error(String),
    /// cfn-guard panicked.
    Panic(String),
    /// The evaluation ran past its time budget and was abandoned.
    Timeout(Duration),
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EvalError::Error(e) => write!(f, "cfn-guard failed to evaluate it: {e}"),
            EvalError::Panic(e) => write!(f, "cfn-guard crashed while evaluating it: {e}"),
            EvalError::Timeout(d) => write!(
                f,
                "it ran past its time budget of {} s and was stopped",
                d.as_secs_f64()
            ),
        }
    }
}

/// Name of the worker threads: their panics are caught and reported, not printed.
const WORKER: &str = "ddbguard-policy";

/// Evaluate a policy file's rules on one JSON document, with a panic guard, in the calling
/// thread. cfn-guard's values use `Rc`: one document per thread.
pub fn evaluate(
    document: &str,
    doc_name: &str,
    rules: &str,
    rules_name: &str,
) -> Result<Vec<RuleResult>, EvalError> {
    quiet_worker_panics();
    let run = std::panic::catch_unwind(AssertUnwindSafe(|| {
        cfn_guard::run_checks(
            cfn_guard::ValidateInput {
                content: document,
                file_name: doc_name,
            },
            cfn_guard::ValidateInput {
                content: rules,
                file_name: rules_name,
            },
            true,
        )
        .map_err(|e| e.to_string())
    }));
    match run {
        Err(panic) => Err(EvalError::Panic(panic_text(&panic))),
        Ok(Err(e)) => Err(EvalError::Error(e)),
        Ok(Ok(text)) if text.is_empty() => Ok(Vec::new()),
        Ok(Ok(text)) => parse_records(&text).map_err(EvalError::Error),
    }
}

/// [`evaluate`] in a worker thread that is abandoned when it runs past `budget`.
pub fn evaluate_with_budget(
    document: String,
    doc_name: String,
    rules: std::sync::Arc<str>,
    rules_name: String,
    budget: Duration,
) -> Result<Vec<RuleResult>, EvalError> {
    if budget.is_zero() {
        // No time at all: nothing is started.
        return Err(EvalError::Timeout(budget));
    }
    let (tx, rx) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name(WORKER.into())
        // cfn-guard recurses over the document and the rule tree.
        .stack_size(64 * 1024 * 1024)
        .spawn(move || {
            let _ = tx.send(evaluate(&document, &doc_name, &rules, &rules_name));
        });
    if let Err(e) = spawned {
        return Err(EvalError::Error(format!(
            "cannot start a worker thread: {e}"
        )));
    }
    match rx.recv_timeout(budget) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => Err(EvalError::Timeout(budget)),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(EvalError::Panic(
            "the worker thread ended without a result".into(),
        )),
    }
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".into()
    }
}

/// Keep the default panic message off stderr for panics inside cfn-guard on worker threads:
/// they become DDB004 findings instead.
fn quiet_worker_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() != Some(WORKER) {
                previous(info);
            }
        }));
    });
}

/// Read the record tree: one verdict per rule, failing clauses for failed rules.
pub fn parse_records(text: &str) -> Result<Vec<RuleResult>, String> {
    // serde_json's nesting limit (128) bounds the record tree: a deeper one is an error.
    let root: Value =
        serde_json::from_str(text).map_err(|e| format!("unexpected cfn-guard report: {e}"))?;
    let mut out = Vec::new();
    for child in children(&root) {
        let Some(rule) = child.pointer("/container/RuleCheck") else {
            continue;
        };
        let name = rule.get("name").and_then(Value::as_str).unwrap_or_default();
        let status = rule
            .get("status")
            .and_then(Value::as_str)
            .and_then(Status::parse)
            .ok_or_else(|| format!("rule {name}: no status in cfn-guard's report"))?;
        let mut failures = Vec::new();
        if status == Status::Fail {
            for c in children(child) {
                failing_clauses(c, &mut failures);
            }
            if failures.is_empty() {
                let message = rule
                    .get("message")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                failures.push(ClauseFailure {
                    description: "the rule failed".into(),
                    custom_message: message,
                    ..ClauseFailure::default()
                });
            }
        }
        out.push(RuleResult {
            name: name.to_string(),
            status,
            failures,
        });
    }
    Ok(out)
}

fn children(v: &Value) -> &[Value] {
    v.get("children")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Collect the clauses that made a record fail. Conditions (`when`) and filters are not
/// failures; blocks that passed are not followed (a `some` clause or an `or` branch that
/// another branch satisfied).
fn failing_clauses(record: &Value, out: &mut Vec<ClauseFailure>) {
    let Some(container) = record.get("container") else {
        return;
    };
    let (kind, body) = match container {
        Value::Object(m) if m.len() == 1 => {
            let (k, v) = m.iter().next().expect("one entry");
            (k.as_str(), v)
        }
        _ => return,
    };
    match kind {
        "RuleCondition" | "TypeCondition" | "WhenCondition" | "Filter" => {}
        "ClauseValueCheck" => {
            if let Some(f) = clause(body) {
                out.push(f);
            }
        }
        _ => {
            let status = body
                .get("status")
                .or(Some(body))
                .and_then(Value::as_str)
                .and_then(Status::parse);
            if matches!(status, Some(Status::Pass | Status::Skip)) {
                return;
            }
            let before = out.len();
            for c in children(record) {
                failing_clauses(c, out);
            }
            if out.len() == before
                && let Some(message) = body.get("message").and_then(Value::as_str)
            {
                out.push(ClauseFailure {
                    description: message.trim().to_string(),
                    ..ClauseFailure::default()
                });
            }
        }
    }
}

/// One `ClauseValueCheck`: `Success`, or a failure of one of cfn-guard's kinds.
fn clause(body: &Value) -> Option<ClauseFailure> {
    let (kind, check) = match body {
        Value::Object(m) if m.len() == 1 => m.iter().next()?,
        _ => return None,
    };
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let failed = |v: &Value| text(v, "status").is_none_or(|s| s == "FAIL");
    match kind.as_str() {
        "Comparison" | "InComparison" => {
            if !failed(check) {
                return None;
            }
            let op = operator(check.get("comparison"));
            let mut f = from_query(check.get("from"));
            f.custom_message = text(check, "custom_message");
            let expected = match check.get("to") {
                Some(Value::Array(items)) => {
                    let v: Vec<String> = items.iter().map(query_value).collect();
                    format!("[{}]", v.join(", "))
                }
                Some(to) if !to.is_null() => query_value(to),
                _ => String::new(),
            };
            f.description = match &f.missing {
                Some(m) if expected.is_empty() => format!("{m} is missing"),
                Some(m) => format!("{m} is missing (expected {op} {expected})"),
                None => format!(
                    "{} is {}, expected {op} {expected}",
                    last_segment(&f.path),
                    query_value(check.get("from").unwrap_or(&Value::Null))
                ),
            };
            if let Some(m) = text(check, "message") {
                f.description = format!("{}: {}", f.description, m.trim());
            }
            Some(f)
        }
        "Unary" => {
            let value = check.get("value")?;
            if !failed(value) {
                return None;
            }
            let op = operator(check.get("comparison"));
            let mut f = from_query(value.get("from"));
            f.custom_message = text(value, "custom_message");
            f.description = match &f.missing {
                Some(m) => format!("{m} is missing (expected {op})"),
                None => format!(
                    "{} is {}, expected {op}",
                    last_segment(&f.path),
                    query_value(value.get("from").unwrap_or(&Value::Null))
                ),
            };
            Some(f)
        }
        "NoValueForEmptyCheck" => Some(ClauseFailure {
            custom_message: check.as_str().map(str::to_string),
            description: "the query found no value to check".into(),
            ..ClauseFailure::default()
        }),
        "DependentRule" => {
            let rule = text(check, "rule").unwrap_or_default();
            Some(ClauseFailure {
                custom_message: text(check, "custom_message"),
                description: text(check, "message")
                    .map(|m| m.trim().to_string())
                    .unwrap_or_else(|| format!("the rule {rule} it depends on did not pass")),
                ..ClauseFailure::default()
            })
        }
        "MissingBlockValue" => {
            let mut f = from_query(check.get("from"));
            f.custom_message = text(check, "custom_message");
            f.description = match &f.missing {
                Some(m) => format!("{m} is missing"),
                None => text(check, "message").unwrap_or_else(|| "a value is missing".into()),
            };
            Some(f)
        }
        _ => None,
    }
}

fn operator(v: Option<&Value>) -> String {
    let Some(Value::Array(pair)) = v else {
        return String::new();
    };
    let op = pair.first().and_then(Value::as_str).unwrap_or_default();
    let not = pair.get(1).and_then(Value::as_bool).unwrap_or(false);
    let op = match op {
        "Eq" => "==",
        "In" => "in",
        "Gt" => ">",
        "Lt" => "<",
        "Le" => "<=",
        "Ge" => ">=",
        "Exists" => "exists",
        "Empty" => "empty",
        "IsString" => "is_string",
        "IsList" => "is_list",
        "IsMap" => "is_struct",
        "IsBool" => "is_bool",
        "IsInt" => "is_int",
        "IsFloat" => "is_float",
        "IsNull" => "is_null",
        other => other,
    };
    match (not, op) {
        (true, "==") => "!=".into(),
        (true, op) => format!("not {op}"),
        (false, op) => op.into(),
    }
}

/// The path and, when unresolved, the missing part of a `QueryResult`.
fn from_query(q: Option<&Value>) -> ClauseFailure {
    let mut f = ClauseFailure::default();
    let Some(q) = q else { return f };
    if let Some(r) = q.get("Resolved").or_else(|| q.get("Literal")) {
        f.path = r
            .get("path")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .into();
    } else if let Some(u) = q.get("UnResolved") {
        f.path = u
            .pointer("/traversed_to/path")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .into();
        f.missing = Some(
            u.get("remaining_query")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .into(),
        );
    }
    f
}

/// A query result's value as short text.
fn query_value(q: &Value) -> String {
    let v = q
        .get("Resolved")
        .or_else(|| q.get("Literal"))
        .and_then(|r| r.get("value"))
        .or_else(|| q.pointer("/UnResolved/traversed_to/value"));
    match v {
        Some(Value::String(s)) => format!("{s:?}"),
        Some(v @ (Value::Object(_) | Value::Array(_))) => {
            let s = v.to_string();
            if s.len() > 60 {
                format!("{}…", &s[..char_floor(&s, 57)])
            } else {
                s
            }
        }
        Some(v) => v.to_string(),
        None => "nothing".into(),
    }
}

/// The largest char boundary at or below `at`.
pub(crate) fn char_floor(s: &str, at: usize) -> usize {
    let mut at = at.min(s.len());
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn last_segment(path: &str) -> &str {
    path.rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or("the value")
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: &str = "let tables = Resources.*[ Type == 'AWS::DynamoDB::Table' ]\n\
        rule PITR when %tables !empty {\n\
          %tables.Properties.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled == true\n\
          << tables need point-in-time recovery >>\n\
        }\n\
        rule BUCKETS when Resources.*[ Type == 'AWS::S3::Bucket' ] !empty { Resources.*.Properties exists }\n\
        rule TAGS when %tables !empty { %tables.Properties.Tags exists }\n";

    const DOC: &str = r#"{"Resources": {
        "A": {"Type": "AWS::DynamoDB::Table", "Properties": {"Tags": [],
              "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": false}}},
        "B": {"Type": "AWS::DynamoDB::Table", "Properties": {"Tags": []}},
        "C": {"Type": "AWS::DynamoDB::Table", "Properties": {"Tags": [],
              "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true}}}}}"#;

    /// Pins the parts of cfn-guard's record format ddbguard reads: per-rule status, resolved
    /// and unresolved paths, the remaining query and the custom message.
    #[test]
    fn record_tree_gives_verdicts_and_failing_paths() {
        let results = evaluate(DOC, "doc", RULES, "p.guard").unwrap();
        let status: Vec<(&str, Status)> = results
            .iter()
            .map(|r| (r.name.as_str(), r.status))
            .collect();
        assert_eq!(
            status,
            [
                ("PITR", Status::Fail),
                ("BUCKETS", Status::Skip),
                ("TAGS", Status::Pass)
            ]
        );
        let mut failures = results[0].failures.clone();
        failures.sort_by(|a, b| a.path.cmp(&b.path));
        assert_eq!(failures.len(), 2, "{failures:?}");
        assert_eq!(
            failures[0].path,
            "/Resources/A/Properties/PointInTimeRecoverySpecification/PointInTimeRecoveryEnabled"
        );
        assert_eq!(failures[0].missing, None);
        assert_eq!(
            failures[0].description,
            "PointInTimeRecoveryEnabled is false, expected == true"
        );
        assert_eq!(failures[1].path, "/Resources/B/Properties");
        assert_eq!(
            failures[1].missing.as_deref(),
            Some("PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled")
        );
        assert_eq!(
            failures[1].custom_message.as_deref().map(str::trim),
            Some("tables need point-in-time recovery")
        );
    }

    #[test]
    fn rules_without_a_name_are_the_files_default_rule() {
        let results = evaluate(
            DOC,
            "doc",
            "Resources.*.Type == 'AWS::S3::Bucket'\n",
            "p.guard",
        )
        .unwrap();
        assert_eq!(results[0].name, "p.guard/default");
        assert_eq!(results[0].status, Status::Fail);
        assert_eq!(results[0].failures.len(), 3);
    }

    #[test]
    fn an_error_at_evaluation_is_an_error_not_a_verdict() {
        let rules = "let t = Resources.*.Type\nlet r = regex_replace(%t, \"(\", \"x\")\nrule E { %r == \"a\" }\n";
        let e = evaluate(DOC, "doc", rules, "p.guard").unwrap_err();
        assert!(
            matches!(e, EvalError::Error(ref m) if m.contains("parenthesis")),
            "{e:?}"
        );
    }

    #[test]
    fn a_budget_abandons_a_slow_evaluation() {
        let run = |budget| {
            evaluate_with_budget(
                DOC.into(),
                "doc".into(),
                std::sync::Arc::from(RULES),
                "p.guard".into(),
                budget,
            )
        };
        assert_eq!(run(Duration::ZERO), Err(EvalError::Timeout(Duration::ZERO)));
        // One nanosecond: abandoned, or (rarely) done first; it never waits for the end.
        let tiny = Duration::from_nanos(1);
        let e = run(tiny);
        assert!(e.is_ok() || e == Err(EvalError::Timeout(tiny)), "{e:?}");
        assert!(run(Duration::from_secs(60)).is_ok());
    }
}
