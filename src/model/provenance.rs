//! Where values come from, and the line a finding belongs on.
//!
//! A Terraform value that reaches a resource through variables, module arguments and
//! locals carries the places it passed through ([`Hop`]s, most recent first). The frontend
//! keeps, for each value a resource holds, those places, and for each module instance the
//! `module` block that calls it. [`Provenance::relocate`] then moves a finding from where
//! the resource uses the value to where the user sets it: the outermost place in the
//! checked tree (a module argument, a `.tfvars` line, a root variable's default), or, when
//! a module variable's default applies, the `module` block that could set it. A file of a
//! module outside the checked tree (downloaded under `.terraform/`, or beyond the paths
//! given) never holds a finding: its caller's `module` block does. The other places become
//! related locations.

use crate::source::{FileId, Span};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// A place a value passed through on its way to where it is used.
#[derive(Debug)]
pub struct Hop {
    pub span: Span,
    /// The variable whose value it was at this place, and how the variable got it.
    pub var: Option<Arc<VarSet>>,
    /// The value was chosen here by a condition (`var.pitr ? [1] : []`) that was this.
    pub chose: Option<bool>,
    pub prev: Option<Arc<Hop>>,
}

/// How a variable got its value.
#[derive(Debug)]
pub struct VarSet {
    pub name: Box<str>,
    pub how: VarHow,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VarHow {
    /// The argument of the `module` block that calls the module.
    Input,
    /// The variable's `default`.
    Default,
    /// A root variable's value from a `.tfvars` file, `TF_VAR_*` or `--var`.
    Given,
}

impl Hop {
    /// Every place, most recent first.
    pub fn chain(&self) -> Vec<&Hop> {
        let mut out = Vec::new();
        let mut cur = Some(self);
        while let Some(h) = cur {
            out.push(h);
            cur = h.prev.as_deref();
        }
        out
    }
}

/// A `module` block's call of one module instance.
#[derive(Clone, Debug)]
pub struct ModuleCall {
    /// The call's label (`dynamodb_table`).
    pub name: String,
    /// The `module "…"` line.
    pub header: Span,
    /// The files of the called module.
    pub files: Arc<[FileId]>,
    /// `ddbguard:ignore` comments on the `module` block.
    pub suppressions: Vec<crate::model::InlineSuppression>,
}

/// How a value a resource holds travelled there.
#[derive(Clone, Debug)]
pub struct Trace {
    pub from: Arc<Hop>,
    /// The value as text when it is a primitive (`false`, `7`).
    pub shown: Option<String>,
    /// The argument or block of the resource this value left unset, when it did.
    pub unset: Option<Box<str>>,
}

/// The provenance of one scope's values (empty for formats without modules).
#[derive(Clone, Debug, Default)]
pub struct Provenance {
    /// Module calls by the address prefix of their instance (`module.db.`,
    /// `module.db["a"].module.inner.`).
    pub calls: HashMap<String, ModuleCall>,
    /// (resource id, span where the resource holds the value) → how it got there.
    pub values: HashMap<(String, Span), Trace>,
    /// (resource id, argument or block) → a value that left it unset: a `null` argument
    /// (`deletion_protection_enabled = var.x`, `x` null), or the `for_each` of a `dynamic`
    /// block that made no block; with where the resource holds that value. Names of
    /// nested arguments join with `.` (`point_in_time_recovery.enabled`).
    pub unset: HashMap<(String, String), (Span, Trace)>,
    /// (module instance prefix, resource type) → the `count` or `for_each` value, from a
    /// variable, that left a resource of that type in that module instance without any
    /// instance (`count = var.create_alarms ? 1 : 0`), with where it is written.
    pub gone: HashMap<(String, String), (Span, Trace)>,
    /// Files of modules outside the checked tree.
    pub outside: HashSet<FileId>,
    /// CloudFormation: what a value chosen by `Fn::If` hangs on, by the value's span
    /// (`unless IsProd (Stage = prod) holds; with the parameter defaults it does not`).
    pub conditions: HashMap<Span, String>,
    /// CloudFormation: resources left out because their `Condition` is false with the
    /// parameter defaults.
    pub absent: Vec<Absent>,
}

/// A resource a condition leaves out.
#[derive(Clone, Debug)]
pub struct Absent {
    pub id: String,
    pub rtype: String,
    /// `HasAlertTopic (…)`.
    pub condition: String,
    /// Resources it refers to (`Ref`, `Fn::GetAtt`).
    pub refs: Vec<String>,
    /// What it is about, in a word (an alarm's metric name), when known.
    pub about: Option<String>,
}

impl Provenance {
    /// The resources of type `rtype` that refer to `id` but that a condition leaves out,
    /// in words: `the AWS::CloudWatch::Alarm on ThrottledRequests and SystemErrors exist
    /// only when HasAlertTopic holds, which is false with the parameter defaults`.
    pub fn absent_for(&self, id: &str, rtype: &str) -> Option<String> {
        let mut by_condition: Vec<(&str, Vec<&str>)> = Vec::new();
        for a in &self.absent {
            if a.rtype != rtype || !a.refs.iter().any(|r| r == id) {
                continue;
            }
            let what = a.about.as_deref().unwrap_or(&a.id);
            match by_condition.iter_mut().find(|(c, _)| *c == a.condition) {
                Some((_, list)) => list.push(what),
                None => by_condition.push((&a.condition, vec![what])),
            }
        }
        let parts: Vec<String> = by_condition
            .into_iter()
            .map(|(cond, list)| {
                let list = match list.as_slice() {
                    [one] => one.to_string(),
                    [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
                    [] => String::new(),
                };
                format!(
                    "the alarms on {list} exist only when {cond} holds, which is false with the parameter defaults"
                )
            })
            .collect();
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

/// Where a finding moves, and what comes with it.
#[derive(Clone, Debug, PartialEq)]
pub struct Moved {
    pub span: Span,
    pub related: Vec<(Span, String)>,
    pub help: Option<HelpChange>,
    /// What the finding's message adds (why a resource of the module is missing).
    pub note: Option<String>,
}

/// How the help changes once a finding moved to a `module` block.
#[derive(Clone, Debug, PartialEq)]
pub enum HelpChange {
    /// Set variable `name` (an input of module `module`, or a root variable) that holds
    /// `shown` now, or whose default applies.
    SetInput {
        name: String,
        module: Option<String>,
        shown: Option<String>,
    },
    /// The module (outside the checked tree) offers no input for it.
    NoInput { module: String },
}

impl HelpChange {
    /// The help in the module user's terms; `help` is the rule's, for the resource.
    pub fn apply(&self, help: &str) -> String {
        match self {
            HelpChange::SetInput {
                name,
                module,
                shown,
            } => {
                let place = module
                    .as_ref()
                    .map_or_else(String::new, |m| format!(" in module \"{m}\""));
                match shown.as_deref() {
                    // An unset switch is off.
                    Some("false" | "null") => format!("set {name} = true{place}"),
                    Some(v) => {
                        format!("set {name}{place} (now {v}) so that the table meets this: {help}")
                    }
                    None => format!("set {name}{place}: {help}"),
                }
            }
            HelpChange::NoInput { module } => format!(
                "module \"{module}\" (outside the checked tree) offers no input for this: {help}"
            ),
        }
    }
}

impl Provenance {
    pub fn is_empty(&self) -> bool {
        self.calls.is_empty()
            && self.values.is_empty()
            && self.unset.is_empty()
            && self.gone.is_empty()
    }

    /// Where a finding on resource `id` at `span` about an argument or block the resource
    /// lacks, or a resource beside it (one of `names`: `deletion_protection_enabled`,
    /// `aws_cloudwatch_metric_alarm`), belongs: where the value that left it unset, or
    /// without instances in the same module instance, is set, when a variable did;
    /// otherwise as [`Provenance::relocate`] says.
    pub fn relocate_unset(&self, id: &str, span: Span, names: &[&str]) -> Option<Moved> {
        let prefix = self.module_prefix(id);
        let found = names.iter().find_map(|n| {
            self.unset
                .get(&(id.to_string(), n.to_string()))
                .map(|t| (t, None))
                .or_else(|| {
                    self.gone
                        .get(&(prefix.to_string(), n.to_string()))
                        .map(|t| (t, Some(*n)))
                })
        });
        let Some(((at, trace), gone)) = found else {
            return self.relocate(id, span);
        };
        let mut moved = self.follow(id, *at, trace)?;
        if let (Some(rtype), Some(first)) = (gone, moved.related.first_mut()) {
            first.1 = format!("every {rtype} of this module is left out here");
            let module = self
                .calls
                .get(prefix)
                .map_or("the root module", |c| &c.name);
            let why = match (
                trace.from.chain().last().and_then(|h| h.var.as_ref()),
                &trace.shown,
            ) {
                (Some(var), Some(shown)) => format!(": {} is {shown}", var.name),
                _ => String::new(),
            };
            moved.note = Some(format!(
                "module \"{module}\" leaves out its {rtype} resources{why}"
            ));
        }
        Some(moved)
    }

    /// The address prefix of the module instance holding resource `id` (`""` at the root).
    fn module_prefix<'a>(&self, id: &'a str) -> &'a str {
        id.rmatch_indices('.')
            .map(|(i, _)| &id[..=i])
            .find(|p| self.calls.contains_key(*p))
            .unwrap_or("")
    }

    /// The suppressions written on the `module` blocks that lead to resource `id`, each
    /// with the address of the module instance it covers.
    pub fn module_suppressions(&self, id: &str) -> Vec<crate::model::InlineSuppression> {
        let mut out = Vec::new();
        for (i, _) in id.match_indices('.') {
            if let Some(c) = self.calls.get(&id[..=i]) {
                out.extend(
                    c.suppressions
                        .iter()
                        .map(|s| crate::model::InlineSuppression {
                            module: Some(id[..i].to_string()),
                            ..s.clone()
                        }),
                );
            }
        }
        out
    }

    /// The module calls from the root down to the module holding resource `id`.
    fn chain(&self, id: &str) -> Vec<&ModuleCall> {
        let mut out = Vec::new();
        // A prefix ends at `.` after `module.NAME` or its instance key.
        for (i, _) in id.match_indices('.') {
            if let Some(c) = self.calls.get(&id[..=i]) {
                out.push(c);
            }
        }
        out
    }

    fn inside(&self, span: Span) -> bool {
        !self.outside.contains(&span.file)
    }

    /// Where a finding on resource `id` at `span` belongs, when not there.
    pub fn relocate(&self, id: &str, span: Span) -> Option<Moved> {
        if self.is_empty() {
            return None;
        }
        let Some(trace) = self.values.get(&(id.to_string(), span)) else {
            return self.without_trace(&self.route(id), span);
        };
        self.follow(id, span, trace)
    }

    fn route(&self, id: &str) -> Route<'_> {
        Route {
            p: self,
            calls: self.chain(id),
        }
    }

    /// Where a finding on resource `id` about the value it holds at `span`, which
    /// travelled there as `trace` says, belongs.
    fn follow(&self, id: &str, span: Span, trace: &Trace) -> Option<Moved> {
        let route = self.route(id);
        let calls = &route.calls;
        let reachable = |upto: usize| route.reachable(upto);
        let module_of = |file: FileId| route.module_of(file);
        let hops = trace.from.chain();
        let origin = hops.last()?;
        let mut related = vec![(span, "used here".to_string())];
        for h in &hops[..hops.len() - 1] {
            related.push((h.span, describe(h)));
        }
        // A module variable's default applies: the `module` block could set it.
        if let Some(set) = origin.var.as_ref().filter(|s| s.how == VarHow::Default)
            && let Some(level) = module_of(origin.span.file)
        {
            related.push((origin.span, describe(origin)));
            let call = reachable(level + 1)?;
            let help = if std::ptr::eq(call, calls[level]) {
                HelpChange::SetInput {
                    name: set.name.to_string(),
                    module: Some(call.name.clone()),
                    shown: trace.shown.clone(),
                }
            } else {
                HelpChange::NoInput {
                    module: calls[level].name.clone(),
                }
            };
            return Some(Moved {
                span: call.header,
                related,
                help: Some(help),
                note: None,
            });
        }
        if self.inside(origin.span) {
            // Set by a variable: the help names it (and the module block it is given in).
            let help = origin.var.as_ref().map(|set| HelpChange::SetInput {
                name: set.name.to_string(),
                module: (set.how == VarHow::Input)
                    .then(|| calls.iter().find(|c| c.header.file == origin.span.file))
                    .flatten()
                    .map(|c| c.name.clone()),
                shown: trace.shown.clone(),
            });
            return (origin.span != span).then_some(Moved {
                span: origin.span,
                related,
                help,
                note: None,
            });
        }
        // Written in a module outside the checked tree: its caller's block.
        related.push((origin.span, describe(origin)));
        let level = module_of(origin.span.file).unwrap_or(calls.len().saturating_sub(1));
        let call = reachable(level + 1)?;
        Some(Moved {
            span: call.header,
            related,
            help: Some(HelpChange::NoInput {
                module: calls
                    .get(level)
                    .map_or_else(|| call.name.clone(), |c| c.name.clone()),
            }),
            note: None,
        })
    }

    /// A finding on a value written where it is used, or on a missing property.
    fn without_trace(&self, route: &Route, span: Span) -> Option<Moved> {
        let level = route.module_of(span.file)?;
        let here = route.calls[level];
        if self.inside(span) {
            // The module is the user's: the finding stays, and names its caller.
            let header = route.reachable(level + 1)?.header;
            return Some(Moved {
                span,
                related: vec![(header, format!("module \"{}\" is called here", here.name))],
                help: None,
                note: None,
            });
        }
        let call = route.reachable(level + 1)?;
        Some(Moved {
            span: call.header,
            related: vec![(span, "in the module's code".to_string())],
            help: Some(HelpChange::NoInput {
                module: here.name.clone(),
            }),
            note: None,
        })
    }
}

/// The module calls from the root down to the module holding a resource.
struct Route<'a> {
    p: &'a Provenance,
    calls: Vec<&'a ModuleCall>,
}

impl<'a> Route<'a> {
    /// The innermost of the first `upto` calls whose `module` block is in the checked tree.
    fn reachable(&self, upto: usize) -> Option<&'a ModuleCall> {
        self.calls[..upto.min(self.calls.len())]
            .iter()
            .rev()
            .find(|c| self.p.inside(c.header))
            .copied()
    }

    /// The level of the call whose module holds `file`.
    fn module_of(&self, file: FileId) -> Option<usize> {
        self.calls.iter().rposition(|c| c.files.contains(&file))
    }
}

fn describe(h: &Hop) -> String {
    match h.var.as_deref() {
        Some(VarSet {
            name,
            how: VarHow::Input,
        }) => format!("given to input {name} here"),
        Some(VarSet {
            name,
            how: VarHow::Default,
        }) => format!("default of variable {name}"),
        Some(VarSet {
            name,
            how: VarHow::Given,
        }) => format!("value of variable {name}"),
        None => match h.chose {
            Some(b) => format!("chosen by this condition, which is {b}"),
            None => "passes through here".to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(file: u32, start: usize) -> Span {
        Span::new(FileId(file), start, start + 1)
    }

    /// Root file 0 calls module `db` (file 1), whose variable `x` defaults to null and
    /// leaves `deletion_protection_enabled` unset on `module.db.aws_dynamodb_table.t`.
    fn provenance(outside: bool) -> (Provenance, Span, Span) {
        let header = at(0, 10);
        let used = at(1, 50);
        let default = Arc::new(Hop {
            span: at(1, 5),
            var: Some(Arc::new(VarSet {
                name: "x".into(),
                how: VarHow::Default,
            })),
            chose: None,
            prev: None,
        });
        let mut p = Provenance::default();
        p.calls.insert(
            "module.db.".into(),
            ModuleCall {
                name: "db".into(),
                header,
                files: Arc::from([FileId(1)]),
                suppressions: Vec::new(),
            },
        );
        p.unset.insert(
            (
                "module.db.aws_dynamodb_table.t".into(),
                "deletion_protection_enabled".into(),
            ),
            (
                used,
                Trace {
                    from: default,
                    shown: Some("null".into()),
                    unset: Some("deletion_protection_enabled".into()),
                },
            ),
        );
        if outside {
            p.outside.insert(FileId(1));
        }
        (p, header, used)
    }

    #[test]
    fn an_input_left_null_moves_the_finding_to_the_module_block() {
        let (p, header, used) = provenance(false);
        let resource = at(1, 40);
        let id = "module.db.aws_dynamodb_table.t";
        let moved = p
            .relocate_unset(id, resource, &["deletion_protection_enabled"])
            .expect("moved");
        assert_eq!(moved.span, header);
        assert_eq!(moved.related[0], (used, "used here".to_string()));
        assert_eq!(
            moved
                .help
                .expect("help")
                .apply("set deletion_protection_enabled = true"),
            "set x = true in module \"db\""
        );
        // Another argument: no trace, so the module's own resource keeps it.
        let other = p
            .relocate_unset(id, resource, &["point_in_time_recovery"])
            .expect("names its caller");
        assert_eq!(other.span, resource);
    }

    #[test]
    fn an_input_left_null_in_a_module_outside_the_tree_is_named_too() {
        let (p, header, _) = provenance(true);
        let moved = p
            .relocate_unset(
                "module.db.aws_dynamodb_table.t",
                at(1, 40),
                &["deletion_protection_enabled"],
            )
            .expect("moved");
        assert_eq!(moved.span, header);
        assert_eq!(
            moved.help.expect("help").apply("h"),
            "set x = true in module \"db\""
        );
    }

    #[test]
    fn a_condition_that_chose_names_its_value() {
        let hop = Hop {
            span: at(0, 1),
            var: None,
            chose: Some(false),
            prev: None,
        };
        assert_eq!(describe(&hop), "chosen by this condition, which is false");
    }
}
