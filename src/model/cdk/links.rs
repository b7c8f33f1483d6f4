//! Values that cross stacks: exports and imports, nested stack parameters and outputs.

use super::Stack;
use crate::model::Str;
use crate::model::cfn::resolve::Template;
use crate::model::node::{Node, NodeKind};
use crate::model::value::Val;
use std::collections::{HashMap, HashSet};

/// How many times cross-stack links are re-evaluated (chains of references).
const LINK_PASSES: usize = 4;

/// What a template imports: the literal export names, or `None` when some name is built
/// (`Fn::ImportValue: {Fn::Sub: …}`) and every export may be wanted.
fn imported_names(root: &Node) -> Option<HashSet<String>> {
    let mut out = HashSet::new();
    let mut todo = vec![root];
    while let Some(n) = todo.pop() {
        match &n.kind {
            NodeKind::Map(entries) => {
                if let [e] = entries.as_slice()
                    && &*e.key == "Fn::ImportValue"
                {
                    match e.value.as_scalar() {
                        Some(name) => out.insert(name.to_string()),
                        None => return None,
                    };
                    continue;
                }
                todo.extend(entries.iter().map(|e| &e.value));
            }
            NodeKind::Seq(items) => todo.extend(items.iter()),
            _ => {}
        }
    }
    Some(out)
}

/// The values each stack receives from the others: `import:<export>` for imports,
/// parameter names for nested stacks, `<NestedStack>.Outputs.<X>` for nested outputs.
pub(super) fn link(stacks: &[Stack]) -> Vec<HashMap<String, Str>> {
    let mut overrides: Vec<HashMap<String, Str>> = vec![HashMap::new(); stacks.len()];
    let imports: Vec<Option<HashSet<String>>> =
        stacks.iter().map(|s| imported_names(&s.root)).collect();
    let any_links = imports
        .iter()
        .any(|i| i.as_ref().is_none_or(|i| !i.is_empty()))
        || stacks.iter().any(|s| s.parent.is_some());
    if !any_links {
        return overrides;
    }
    for _ in 0..LINK_PASSES {
        let templates: Vec<Template> = stacks
            .iter()
            .zip(&overrides)
            .map(|(s, over)| {
                let mut t = Template::new(&s.root);
                for (k, v) in over {
                    t.set_parameter(k.clone(), v.clone());
                }
                t
            })
            .collect();
        let mut next: Vec<HashMap<String, Str>> = vec![HashMap::new(); stacks.len()];
        // Exports of every stack.
        let mut exports: HashMap<String, Str> = HashMap::new();
        for (s, t) in stacks.iter().zip(&templates) {
            for out in s
                .root
                .get("Outputs")
                .and_then(Node::as_map)
                .unwrap_or_default()
            {
                let Some(name) = out.value.get("Export").and_then(|e| e.get("Name")) else {
                    continue;
                };
                let (Some(name), Some(value)) = (
                    t.str(name).val.known_lit().map(str::to_string),
                    out.value.get("Value"),
                ) else {
                    continue;
                };
                if let Val::Known(v) = t.str(value).val {
                    exports.insert(name, v);
                }
            }
        }
        for (i, wanted) in imports.iter().enumerate() {
            for (name, v) in &exports {
                if wanted.as_ref().is_none_or(|w| w.contains(name)) {
                    next[i].insert(format!("import:{name}"), v.clone());
                }
            }
        }
        // Nested stacks: parameters in, outputs out.
        for (c, s) in stacks.iter().enumerate() {
            let Some((p, res_id)) = &s.parent else {
                continue;
            };
            let (Some(parent), Some(pt)) = (stacks.get(*p), templates.get(*p)) else {
                continue;
            };
            let params = parent
                .root
                .get("Resources")
                .and_then(|r| r.get(res_id))
                .and_then(|r| r.get("Properties"))
                .and_then(|p| p.get("Parameters"))
                .and_then(Node::as_map)
                .unwrap_or_default();
            for param in params {
                if let Val::Known(v) = pt.str(&param.value).val {
                    next[c].insert(param.key.to_string(), v);
                }
            }
            let Some(ct) = templates.get(c) else { continue };
            for out in s
                .root
                .get("Outputs")
                .and_then(Node::as_map)
                .unwrap_or_default()
            {
                if let Some(Val::Known(v)) = out.value.get("Value").map(|v| ct.str(v).val) {
                    next[*p].insert(format!("{res_id}.Outputs.{}", out.key), v);
                }
            }
        }
        if next == overrides {
            break;
        }
        overrides = next;
    }
    overrides
}
