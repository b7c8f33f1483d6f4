//! Loading policy files: `--policy FILE|DIR` and the config's `policies:`. Each `.guard` file
//! is read and parsed once here; a file that does not parse stops the run (`file:line:col`),
//! and rule names must be unique across the files and distinct from built-in rule ids.

use crate::rules::{RuleMeta, Severity};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use crate::vocab::{Policies, PolicyFile, PolicyRule};

/// The `.guard` files named by `paths` (files as given; directories searched, sorted).
pub fn policy_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p)
            .map_err(|e| format!("{}: cannot read the policy: {e}", p.display()))?;
        if meta.is_dir() {
            let mut found = Vec::new();
            collect_dir(p, &mut found, 0)?;
            if found.is_empty() {
                return Err(format!(
                    "{}: no .guard files in this directory (policies are Guard files named *.guard)",
                    p.display()
                ));
            }
            found.sort();
            out.extend(found);
        } else {
            out.push(p.clone());
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|p| seen.insert(crate::model::terraform::normalize(p)));
    Ok(out)
}

fn collect_dir(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) -> Result<(), String> {
    if depth > 32 {
        return Ok(());
    }
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: cannot read the directory: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(ft) = entry.file_type() else { continue };
        if ft.is_dir() {
            collect_dir(&path, out, depth + 1)?;
        } else if ft.is_file() && path.extension().is_some_and(|e| e == "guard") {
            out.push(path);
        }
    }
    Ok(())
}

/// The `policies:` of a config file, relative to the config's directory. Read before the
/// config is checked (its `rules:` may name policy rules); a config that does not parse
/// gives none here and its error when it is loaded.
pub fn config_policies(config: &Path) -> Vec<PathBuf> {
    let Ok(text) = std::fs::read_to_string(config) else {
        return Vec::new();
    };
    let Ok(root) = crate::model::cfn::yaml::parse(&text, crate::source::FileId(0)) else {
        return Vec::new();
    };
    let dir = config.parent().unwrap_or(Path::new(""));
    let items: Vec<&crate::model::node::Node> = match root.get("policies") {
        Some(n) => match n.as_seq() {
            Some(items) => items.iter().collect(),
            None => vec![n],
        },
        None => return Vec::new(),
    };
    items
        .into_iter()
        .filter_map(|n| n.as_scalar())
        .map(|p| {
            let p = Path::new(p);
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                dir.join(p)
            }
        })
        .collect()
}

/// Load and parse the policy files. Their rules are known to the reports, suppressions and
/// severities of the runs whose settings carry them.
pub fn load(paths: &[PathBuf]) -> Result<Policies, String> {
    let mut policies = Policies::default();
    for path in policy_files(paths)? {
        let display = crate::source::display_path(&path);
        let bytes =
            std::fs::read(&path).map_err(|e| format!("{display}: cannot read the policy: {e}"))?;
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                let (line, col) = line_col(&String::from_utf8_lossy(e.as_bytes()), at);
                return Err(format!(
                    "{display}:{line}:{col}: the policy file is not valid UTF-8"
                ));
            }
        };
        let file = policies.files.len();
        let names = parse(&text, &display)?;
        for (name, line) in names {
            if let Some(meta) = crate::rules::meta_by_id(&name) {
                return Err(format!(
                    "{display}:{line}: rule {name} has the name of the built-in rule {} ({}): rename the policy rule",
                    meta.id, meta.name
                ));
            }
            if let Some(other) = policies.rule(&name) {
                return Err(format!(
                    "{display}:{line}: rule {name} is also defined at {}: policy rule names must be unique",
                    policies.place(other)
                ));
            }
            let meta = rule_meta(&name, &text, line, &display);
            policies.rules.push(PolicyRule {
                name: meta.id,
                file,
                line,
                meta,
            });
        }
        let batchable = !policies
            .rules
            .iter()
            .any(|r| r.file == file && r.name.ends_with("/default"));
        policies.files.push(PolicyFile {
            path,
            display,
            words: code_words(&text).into_iter().map(str::to_string).collect(),
            batchable,
            text: Arc::from(text),
        });
    }
    Ok(policies)
}

/// Check that a policy parses, and name its rules with their lines. cfn-guard parses it (on
/// an empty document: nothing is evaluated that could depend on data).
pub fn parse(text: &str, display: &str) -> Result<Vec<(String, usize)>, String> {
    if significant(text).is_empty() {
        return Err(format!(
            "{display}: the policy file is empty: it holds no Guard rule"
        ));
    }
    let results = match super::engine::evaluate("{}", "(empty document)", text, display) {
        Ok(results) => results,
        Err(super::engine::EvalError::Error(message)) => {
            return Err(parse_error(&message, display));
        }
        Err(e) => return Err(format!("{display}: {e}")),
    };
    let declared = declared_rules(text);
    let mut out = Vec::new();
    for r in results {
        let line = declared
            .iter()
            .find(|(n, _)| *n == r.name)
            .map_or(1, |(_, l)| *l);
        if !out.iter().any(|(n, _): &(String, usize)| *n == r.name) {
            out.push((r.name, line));
        }
    }
    // Rules cfn-guard did not report on an empty document (none known today) still count.
    for (name, line) in declared {
        if !out.iter().any(|(n, _)| *n == name) {
            out.push((name, line));
        }
    }
    Ok(out)
}

/// `file:line:col: message` from cfn-guard's parse error text.
fn parse_error(message: &str, display: &str) -> String {
    let num_after = |key: &str| -> Option<usize> {
        let at = message.find(key)? + key.len();
        message[at..]
            .trim_start()
            .split(|c: char| !c.is_ascii_digit())
            .next()?
            .parse()
            .ok()
    };
    let what = message
        .split("when handling ")
        .nth(1)
        .map(|w| w.split(", fragment").next().unwrap_or(w).trim())
        .filter(|w| !w.is_empty())
        .unwrap_or("the Guard parser stopped here");
    match (num_after("at line"), num_after("at column")) {
        (Some(line), Some(col)) => {
            format!("{display}:{line}:{col}: the policy does not parse: {what}")
        }
        _ => format!("{display}: the policy does not parse: {}", message.trim()),
    }
}

/// The text without comments and blank space.
fn significant(text: &str) -> String {
    text.lines()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `rule NAME` declarations at the start of a line, outside custom messages (`<< … >>`).
pub fn declared_rules(text: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut in_message = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if in_message {
            if t.contains(">>") {
                in_message = false;
            }
            continue;
        }
        if let Some(at) = t.find("<<")
            && !t[at..].contains(">>")
            && !t[..at].contains('#')
        {
            in_message = true;
        }
        let Some(rest) = t.strip_prefix("rule") else {
            continue;
        };
        if !rest.starts_with(char::is_whitespace) {
            continue;
        }
        let name: String = rest
            .trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        if !name.is_empty() {
            out.push((name, i + 1));
        }
    }
    out
}

/// The words of a policy outside comments, custom messages and string literals: identifiers,
/// and `*` where a query starts with a wildcard.
pub fn code_words(text: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'#' {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else if text[i..].starts_with("<<") {
            i = text[i + 2..]
                .find(">>")
                .map_or(bytes.len(), |e| i + 2 + e + 2);
        } else if c == b'"' || c == b'\'' {
            let end = text[i + 1..]
                .find(c as char)
                .map_or(bytes.len(), |e| i + 1 + e + 1);
            i = end;
        } else if c.is_ascii_alphanumeric() || c == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            words.push(&text[start..i]);
        } else {
            if c == b'*' {
                // A query that starts with a wildcard: `*` after a space, `(`, `[` or `{`.
                let before = text[..i].trim_end_matches([' ', '\t']).chars().last();
                if before.is_none_or(|b| matches!(b, '(' | '{' | ',' | '\n' | '\r')) {
                    words.push("*");
                }
            }
            i += 1;
        }
    }
    words
}

/// A rule's source: its comment block, `rule NAME …` and everything up to the next rule.
pub fn rule_source(text: &str, line: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    if line == 0 || line > lines.len() {
        return text.to_string();
    }
    let declared = declared_rules(text);
    let mut start = line - 1;
    while start > 0 && lines[start - 1].trim_start().starts_with('#') {
        start -= 1;
    }
    let end = declared
        .iter()
        .map(|(_, l)| *l)
        .find(|l| *l > line)
        .map_or(lines.len(), |next| {
            let mut e = next - 1;
            while e > line && lines[e - 1].trim_start().starts_with('#') {
                e -= 1;
            }
            e
        });
    let mut s = lines[start..end].join("\n");
    s.truncate(s.trim_end().len());
    s.push('\n');
    s
}

/// The first custom message of the rule at `line`, trimmed.
fn first_message(source: &str) -> Option<String> {
    let start = source.find("<<")? + 2;
    let end = source[start..].find(">>")? + start;
    Some(clean_message(&source[start..end]))
}

/// A custom message as one paragraph: lines trimmed, blank lines dropped.
pub fn clean_message(m: &str) -> String {
    m.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn rule_meta(name: &str, text: &str, line: usize, display: &str) -> &'static RuleMeta {
    let source = if name.ends_with("/default") {
        text.to_string()
    } else {
        rule_source(text, line)
    };
    let summary = first_message(&source)
        .map(|m| split_fix(&m).0)
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| format!("Guard policy rule from {display}"));
    let doc = format!(
        " ## What it checks\n Guard policy rule `{name}` from `{display}` (line {line}).\n\n ```\n{}```\n",
        source
            .lines()
            .map(|l| format!(" {l}\n"))
            .collect::<String>()
    );
    // The set of loaded rules is bounded (the policy files of one run): kept for the process.
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    let id = leak(name.to_string());
    Box::leak(Box::new(RuleMeta {
        id,
        name: id,
        severity: Severity::Error,
        summary: leak(summary),
        doc: leak(doc),
        tags: &["policy"],
        default_enabled: true,
    }))
}

/// Split a registry-style message, `Violation: … Fix: …`, into the message and the help.
pub fn split_fix(message: &str) -> (String, Option<String>) {
    let m = message.trim();
    let m = m.strip_prefix("Violation:").map_or(m, str::trim);
    match m.find("Fix:") {
        Some(at) => (
            m[..at].trim().to_string(),
            Some(m[at + 4..].trim().to_string()).filter(|f| !f.is_empty()),
        ),
        None => (m.to_string(), None),
    }
}

fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..super::engine::char_floor(text, at)];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_policy_that_does_not_parse_is_reported_at_its_line_and_column() {
        let e = parse("rule A {\n  Resources.*.Type ==\n}\n", "p.guard").unwrap_err();
        assert!(
            e.starts_with("p.guard:2:22: the policy does not parse"),
            "{e}"
        );
    }

    #[test]
    fn rules_are_named_with_their_lines() {
        let text = "# c\nlet x = Resources.*\n\nrule A when %x !empty {\n  %x.Type == 'a'\n  <<\n rule not_a_rule\n >>\n}\nrule B { %x exists }\n";
        assert_eq!(
            parse(text, "p.guard").unwrap(),
            [("A".to_string(), 4), ("B".to_string(), 10)]
        );
        assert_eq!(rule_source(text, 10), "rule B { %x exists }\n");
        assert!(rule_source(text, 4).starts_with("rule A when"));
    }

    #[test]
    fn files_share_an_evaluation_only_when_they_cannot_see_each_other() {
        let meta = crate::rules::meta_by_id("DDB004").unwrap();
        let mut policies = Policies::default();
        for (i, (text, rules)) in [
            ("let a = Resources.*\nrule A { %a exists }\n", &["A"][..]),
            ("let b = Resources.*\nrule B { %b exists }\n", &["B"]),
            // Assigns `a` too: evaluated with the first file, one would overwrite the other.
            ("let a = Resources\nrule C { %a exists }\n", &["C"]),
            // Names rule A, which it would not see alone.
            ("rule D { A }\n", &["D"]),
            // A default rule is named after its file.
            ("Resources exists\n", &["e.guard/default"]),
            ("rule F { Resources exists }\n", &["F"]),
        ]
        .into_iter()
        .enumerate()
        {
            for name in rules {
                policies.rules.push(PolicyRule {
                    name,
                    file: i,
                    line: 1,
                    meta,
                });
            }
            policies.files.push(PolicyFile {
                path: PathBuf::from(format!("{i}.guard")),
                display: format!("{i}.guard"),
                words: code_words(text).into_iter().map(str::to_string).collect(),
                batchable: !rules[0].ends_with("/default"),
                text: Arc::from(text),
            });
        }
        assert_eq!(
            policies.batches(&[0, 1, 2, 3, 4, 5]),
            [vec![0, 1, 5], vec![2, 3], vec![4]]
        );
        assert_eq!(policies.batches(&[4, 1]), [vec![4], vec![1]]);
    }

    #[test]
    fn code_words_leave_out_comments_messages_and_strings() {
        let text = "# tables\nlet x = Resources.*[ Type == 'tables' ]\nrule A { %x[*].P exists << keys >> }\nrule B {\n  *.Type exists\n}\n";
        let words = code_words(text);
        assert!(words.contains(&"Resources"));
        assert!(!words.contains(&"tables") && !words.contains(&"keys"));
        assert_eq!(words.iter().filter(|w| **w == "*").count(), 1, "{words:?}");
    }

    #[test]
    fn empty_policies_are_refused() {
        let e = parse("# nothing\n\n", "p.guard").unwrap_err();
        assert_eq!(
            e,
            "p.guard: the policy file is empty: it holds no Guard rule"
        );
    }

    #[test]
    fn registry_messages_split_into_message_and_fix() {
        assert_eq!(
            split_fix("Violation: S3 must be versioned. Fix: set Status to 'Enabled'."),
            (
                "S3 must be versioned.".into(),
                Some("set Status to 'Enabled'.".into())
            )
        );
    }
}
