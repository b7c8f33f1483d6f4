//! Rule documentation generated from the rules' doc comments: `ddbguard rules`,
//! `ddbguard explain`, and the committed `rules/` reference.

use super::{RULES, RuleMeta};
use crate::vocab::Policies;

/// The page for one rule (`rules/DDBnnn.md`, `ddbguard explain`).
pub fn rule_page(meta: &RuleMeta) -> String {
    let opt_in = if meta.default_enabled {
        String::new()
    } else {
        format!(
            ", off by default (turn it on with `rules: {{{}: {}}}` in `.ddbguard.yaml`)",
            meta.id,
            meta.severity.as_str()
        )
    };
    let mut s = format!(
        "# {} {}\n\nDefault severity: **{}**{opt_in}. {}.\n\n",
        meta.id,
        meta.name,
        meta.severity.as_str(),
        capitalize(meta.summary)
    );
    s.push_str(&meta.documentation());
    s.push('\n');
    s
}

/// `rules/README.md`: the catalog as a table.
pub fn catalog_markdown() -> String {
    let mut s = String::from(
        "# ddbguard rules\n\nGenerated from the rule declarations in `src/rules/` \
         (`cargo test` fails when this folder is stale; `UPDATE_DOCS=1 cargo test` rewrites it).\n\n\
         | ID | name | default | what it flags |\n|---|---|---|---|\n",
    );
    for rule in RULES {
        let m = rule.meta();
        s.push_str(&format!(
            "| [{id}]({id}.md) | {name} | {sev} | {summary} |\n",
            id = m.id,
            name = m.name,
            sev = default_text(m),
            summary = m.summary.replace('|', "\\|")
        ));
    }
    s
}

/// A rule's default: its severity, and whether it is off until turned on.
fn default_text(m: &RuleMeta) -> String {
    if m.default_enabled {
        m.severity.as_str().to_string()
    } else {
        format!("{} (off)", m.severity.as_str())
    }
}

/// `ddbguard rules`: the built-in rules, then the rules of `policies`.
pub fn catalog_text(policies: &Policies) -> String {
    let mut s = String::new();
    for rule in RULES {
        let m = rule.meta();
        s.push_str(&format!(
            "{}  {:<40} {:<8} {}\n",
            m.id,
            m.name,
            default_text(m),
            m.summary
        ));
    }
    if !policies.rules.is_empty() {
        s.push_str(
            "
Guard policy rules:
",
        );
        for r in &policies.rules {
            let (m, file) = (r.meta, &policies.files[r.file].display);
            s.push_str(&format!(
                "{:<40} {:<8} {} ({file})\n",
                m.id,
                m.severity.as_str(),
                m.summary
            ));
        }
    }
    s
}

/// `ddbguard rules --format json`: the built-in rules, then the rules of `policies`.
pub fn catalog_json(policies: &Policies) -> String {
    let rules: Vec<_> = super::catalog(policies)
        .into_iter()
        .map(|m| {
            let mut v = serde_json::json!({
                "id": m.id,
                "name": m.name,
                "severity": m.severity.as_str(),
                "enabled_by_default": m.default_enabled,
                "summary": m.summary,
                "tags": m.tags,
                "documentation": m.documentation(),
            });
            if let (Some(file), Some(o)) = (policies.origin(m.id), v.as_object_mut()) {
                o.insert("policy".into(), file.into());
            }
            v
        })
        .collect();
    let mut s =
        serde_json::to_string_pretty(&serde_json::json!({ "rules": rules })).unwrap_or_default();
    s.push('\n');
    s
}

/// The README with its rules table (between the `rules:start`/`rules:end` markers) current.
pub fn readme_with_catalog(readme: &str) -> String {
    const START: &str = "<!-- rules:start -->";
    const END: &str = "<!-- rules:end -->";
    let (Some(a), Some(b)) = (readme.find(START), readme.find(END)) else {
        return readme.to_string();
    };
    if b < a {
        return readme.to_string();
    }
    let mut table = String::from("| ID | name | default | what it flags |\n|---|---|---|---|\n");
    for rule in RULES {
        let m = rule.meta();
        table.push_str(&format!(
            "| [{id}](rules/{id}.md) | {name} | {sev} | {summary} |\n",
            id = m.id,
            name = m.name,
            sev = m.severity.as_str(),
            summary = m.summary.replace('|', "\\|")
        ));
    }
    format!("{}{START}\n{table}{}", &readme[..a], &readme[b..])
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// The committed `rules/` folder must match the declarations.
    #[test]
    fn committed_rule_docs_are_current() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        let mut expected = vec![("README.md".to_string(), catalog_markdown())];
        for rule in RULES {
            let m = rule.meta();
            expected.push((format!("{}.md", m.id), rule_page(m)));
        }
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::create_dir_all(&dir).unwrap();
            for (name, text) in &expected {
                std::fs::write(dir.join(name), text).unwrap();
            }
        }
        let readme_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
        let readme = std::fs::read_to_string(&readme_path).unwrap_or_default();
        let updated = readme_with_catalog(&readme);
        if std::env::var_os("UPDATE_DOCS").is_some() && updated != readme {
            std::fs::write(&readme_path, &updated).unwrap();
        }
        let updating = std::env::var_os("UPDATE_DOCS").is_some();
        let mut stale = Vec::new();
        if updated != readme && !updating {
            stale.push("README.md (the rules table)".to_string());
        }
        for (name, text) in &expected {
            let current = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
            if &current != text && !updating {
                stale.push(name.clone());
            }
        }
        assert!(
            stale.is_empty(),
            "rules/ is stale ({stale:?}): run `UPDATE_DOCS=1 cargo test committed_rule_docs` and commit"
        );
    }
}
