//! The one place that calls cfn-guard: `run_checks` on one document with one policy file,
//! inside a worker thread with a time budget and a panic guard, and the reading of the record
//! tree it returns (`verbose = true`) into per-rule verdicts and failing clauses.
//!
//! The record format is cfn-guard's (`EventRecord` serialized with serde); `tests` below pin
//! the parts read here, so an upgrade that changes them fails a test, not a user.

use serde_json::Value;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
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
///
/// Each calling thread keeps one worker thread and hands it one evaluation at a time:
/// starting a thread per evaluation costs more than most evaluations (a fresh stack and a
/// fresh allocator heap, whose pages the kernel zeroes). A worker that runs past its budget
/// is left to finish alone and a new one takes its place.
pub fn evaluate_with_budget(
    document: Arc<str>,
    doc_name: String,
    rules: Arc<str>,
    rules_name: String,
    budget: Duration,
) -> Result<Vec<RuleResult>, EvalError> {
    if budget.is_zero() {
        // No time at all: nothing is started.
        return Err(EvalError::Timeout(budget));
    }
    // cfn-guard holds a document several times over while it evaluates it (its values carry
    // their paths): two large ones at once would double the peak memory of the run.
    let _turn = (document.len() > LARGE).then(|| {
        LARGE_ONE_AT_A_TIME
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    });
    let worker = match WORKER_OF_THREAD.with(|w| w.borrow_mut().take()) {
        Some(w) => w,
        None => Worker::start()?,
    };
    let job = Job {
        document,
        doc_name,
        rules,
        rules_name,
    };
    if worker.jobs.send(job).is_err() {
        return Err(EvalError::Panic(
            "the worker thread ended without a result".into(),
        ));
    }
    match worker.results.recv_timeout(budget) {
        Ok(result) => {
            WORKER_OF_THREAD.with(|w| *w.borrow_mut() = Some(worker));
            result
        }
        // Dropping the worker's channels lets it end once it is done.
        Err(mpsc::RecvTimeoutError::Timeout) => Err(EvalError::Timeout(budget)),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(EvalError::Panic(
            "the worker thread ended without a result".into(),
        )),
    }
}

/// Documents of more than this many bytes of JSON are evaluated one at a time.
const LARGE: usize = 32 * 1024;
static LARGE_ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// One evaluation handed to a worker thread.
struct Job {
    document: Arc<str>,
    doc_name: String,
    rules: Arc<str>,
    rules_name: String,
}

/// A thread that evaluates the jobs it is sent, one at a time, until its channel closes.
struct Worker {
    jobs: mpsc::Sender<Job>,
    results: mpsc::Receiver<Result<Vec<RuleResult>, EvalError>>,
}

thread_local! {
    /// The worker of the calling thread, when it has one that is idle.
    static WORKER_OF_THREAD: std::cell::RefCell<Option<Worker>> = const { std::cell::RefCell::new(None) };
}

impl Worker {
    fn start() -> Result<Worker, EvalError> {
        let (jobs, job_rx) = mpsc::channel::<Job>();
        let (result_tx, results) = mpsc::channel();
        std::thread::Builder::new()
            .name(WORKER.into())
            // cfn-guard recurses over the document and the rule tree.
            .stack_size(64 * 1024 * 1024)
            .spawn(move || {
                while let Ok(job) = job_rx.recv() {
                    let result =
                        evaluate(&job.document, &job.doc_name, &job.rules, &job.rules_name);
                    if result_tx.send(result).is_err() {
                        break;
                    }
                }
            })
            .map_err(|e| EvalError::Error(format!("cannot start a worker thread: {e}")))?;
        Ok(Worker { jobs, results })
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
    let root = pruned(text).map_err(|e| format!("unexpected cfn-guard report: {e}"))?;
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

/// A query result's value as short text (made while the record tree was read).
fn query_value(q: &Value) -> String {
    q.get("Resolved")
        .or_else(|| q.get("Literal"))
        .or_else(|| q.pointer("/UnResolved/traversed_to"))
        .and_then(|r| r.get(PREVIEW))
        .and_then(Value::as_str)
        .map_or_else(|| "nothing".into(), str::to_string)
}

/// The key a located value's short text is kept under, in place of the value.
const PREVIEW: &str = "value_preview";

/// Read the record tree as JSON, keeping of each located value (`{"path": …, "value": …}`:
/// a query's result, which may be a whole resource) only its short text: the tree then
/// holds little more than its records, however large the document.
fn pruned(text: &str) -> Result<Value, serde_json::Error> {
    use serde::de::DeserializeSeed;
    let mut de = serde_json::Deserializer::from_str(text);
    let v = Pruned.deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

/// Whether the children of a record with this container can hold what [`parse_records`]
/// reads: the rules of the file, the clauses of a failed rule or block.
fn may_fail(container: &Value) -> bool {
    let Value::Object(m) = container else {
        return true;
    };
    let Some((kind, body)) = m.iter().next() else {
        return true;
    };
    match kind.as_str() {
        // The file's record holds every rule's verdict.
        "FileCheck" => return true,
        "RuleCondition" | "TypeCondition" | "WhenCondition" | "Filter" | "ClauseValueCheck" => {
            return false;
        }
        _ => {}
    }
    let status = body
        .get("status")
        .or(Some(body))
        .and_then(Value::as_str)
        .and_then(Status::parse);
    !matches!(status, Some(Status::Pass | Status::Skip))
}

/// A JSON value, located values replaced by their [`Preview`].
struct Pruned;

impl<'de> serde::de::DeserializeSeed<'de> for Pruned {
    type Value = Value;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Pruned {
    type Value = Value;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(Pruned)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            // A record's context (its clause as text) is not read; nor are the children of
            // a record that cannot hold a failure (cfn-guard writes the container first).
            if key == "context"
                || (key == "children" && out.get("container").is_some_and(|c| !may_fail(c)))
            {
                map.next_value::<serde::de::IgnoredAny>()?;
                continue;
            }
            // cfn-guard writes a located value's path before its value.
            if key == "value" && out.contains_key("path") {
                let mut p = Preview::default();
                map.next_value_seed(&mut p)?;
                out.insert(PREVIEW.into(), Value::String(p.finish()));
            } else {
                let v = map.next_value_seed(Pruned)?;
                out.insert(key, v);
            }
        }
        Ok(Value::Object(out))
    }
}

/// A value's short text, as the descriptions show it: a string quoted in full, a number,
/// boolean or null as JSON, a list or map as compact JSON cut after 57 bytes (`…`). Built
/// while the value is read, which is never held.
#[derive(Default)]
struct Preview {
    text: String,
    /// The value is a string (quoted in full) rather than JSON.
    string: Option<String>,
    /// Nesting depth while reading a list or map.
    depth: usize,
}

impl Preview {
    /// Past this many bytes the compact JSON is cut: the rest is read, not kept.
    const KEEP: usize = 60;

    fn push(&mut self, s: &str) {
        if self.text.len() <= Self::KEEP {
            self.text.push_str(s);
        }
    }

    fn finish(self) -> String {
        if let Some(s) = self.string {
            return format!("{s:?}");
        }
        if self.text.len() > Self::KEEP {
            format!("{}…", &self.text[..char_floor(&self.text, 57)])
        } else {
            self.text
        }
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for &mut Preview {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for &mut Preview {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        self.push(if v { "true" } else { "false" });
        Ok(())
    }
    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.push(&v.to_string());
        Ok(())
    }
    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.push(&v.to_string());
        Ok(())
    }
    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        let n = serde_json::Number::from_f64(v).map_or_else(|| "null".into(), |n| n.to_string());
        self.push(&n);
        Ok(())
    }
    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        if self.depth == 0 {
            self.string = Some(v.to_string());
        } else if self.text.len() <= Preview::KEEP {
            let quoted = Value::String(v.to_string()).to_string();
            self.push(&quoted);
        }
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        self.push("null");
        Ok(())
    }
    fn visit_none<E>(self) -> Result<(), E> {
        self.push("null");
        Ok(())
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.push("[");
        self.depth += 1;
        let mut first = true;
        loop {
            if !first {
                // The comma is only written once the next element is known to exist.
                let mark = self.text.len();
                self.push(",");
                let more = seq.next_element_seed(&mut *self)?.is_some();
                if !more {
                    self.text.truncate(mark.min(self.text.len()));
                    break;
                }
            } else if seq.next_element_seed(&mut *self)?.is_none() {
                break;
            }
            first = false;
        }
        self.depth -= 1;
        self.push("]");
        Ok(())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.push("{");
        self.depth += 1;
        let mut first = true;
        while let Some(key) = map.next_key::<String>()? {
            if !first {
                self.push(",");
            }
            first = false;
            if self.text.len() <= Preview::KEEP {
                let quoted = Value::String(key).to_string();
                self.push(&quoted);
                self.push(":");
            }
            map.next_value_seed(&mut *self)?;
        }
        self.depth -= 1;
        self.push("}");
        Ok(())
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

    /// The short text of a located value, made while reading, is the text of the value.
    #[test]
    fn previews_are_the_values_short_text() {
        let reference = |v: &Value| match v {
            Value::String(s) => format!("{s:?}"),
            Value::Object(_) | Value::Array(_) => {
                let s = v.to_string();
                if s.len() > 60 {
                    format!("{}…", &s[..char_floor(&s, 57)])
                } else {
                    s
                }
            }
            v => v.to_string(),
        };
        for value in [
            r#""a \"quoted\" é""#,
            "1",
            "-2.5",
            "1e300",
            "true",
            "null",
            "[]",
            "{}",
            "[1,[2,{}],null]",
            r#"{"a":{"b":[1,2,3]},"c":"x\ny"}"#,
            r#"{"Properties":{"BucketName":"a-very-long-bucket-name-é-that-goes-on","Tags":[{"Key":"k","Value":"v"}]}}"#,
            r#"["0123456789012345678901234567890123456789012345678901234","é",1]"#,
        ] {
            let v: Value = serde_json::from_str(value).unwrap();
            let record = format!(r#"{{"Resolved":{{"path":"/p","value":{value}}}}}"#);
            let pruned = pruned(&record).unwrap();
            assert_eq!(query_value(&pruned), reference(&v), "{value}");
            assert!(pruned.pointer("/Resolved/value").is_none());
        }
        // Without a path first, `value` is a record's field, read in full.
        let unary = pruned(r#"{"value":{"from":{"Literal":{"path":"","value":[1]}}}}"#).unwrap();
        assert_eq!(
            unary.pointer("/value/from/Literal/value_preview"),
            Some(&Value::String("[1]".into()))
        );
    }

    #[test]
    fn a_document_every_rule_passes_still_gives_every_verdict() {
        let doc = r#"{"Resources": {"A": {"Type": "AWS::DynamoDB::Table", "Properties": {"Tags": [],
              "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true}}}}}"#;
        let results = evaluate(doc, "doc", RULES, "p.guard").unwrap();
        let status: Vec<Status> = results.iter().map(|r| r.status).collect();
        assert_eq!(status, [Status::Pass, Status::Skip, Status::Pass]);
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
                Arc::from(DOC),
                "doc".into(),
                Arc::from(RULES),
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
