//! Hand-built scopes for rule unit tests.

use crate::config::Settings;
use crate::model::{Format, Kind, Prop, Resource, Scope, Str, Table, TableKind, Tag};
use crate::source::{FileId, Span};

/// A span at `start` (one byte long) in file 0.
pub fn sp(start: usize) -> Span {
    Span::new(FileId(0), start, start + 1)
}

pub fn known<T>(start: usize, value: T) -> Option<Prop<T>> {
    Some(Prop::known(sp(start), value))
}

pub fn lit(start: usize, s: &str) -> Option<Prop<Str>> {
    known(start, Str::lit(s))
}

pub fn reference(start: usize, target: &str, attr: Option<&str>) -> Option<Prop<Str>> {
    known(start, Str::reference(target, attr.map(str::to_string)))
}

pub fn tag(key: &str, value: &str) -> Tag {
    Tag {
        key: key.into(),
        value: Prop::known(sp(900), Str::lit(value)),
    }
}

pub fn resource(id: &str, rtype: &str, kind: Kind) -> Resource {
    Resource {
        id: id.into(),
        rtype: rtype.into(),
        file: FileId(0),
        span: sp(1),
        cdk_path: None,
        suppressions: Vec::new(),
        kind,
    }
}

pub fn table(id: &str, f: impl FnOnce(&mut Table)) -> Resource {
    let mut t = Table::new(TableKind::Table);
    f(&mut t);
    resource(id, "AWS::DynamoDB::Table", Kind::Table(Box::new(t)))
}

pub fn scope(resources: Vec<Resource>) -> Scope {
    let mut s = Scope::new(Format::Cloudformation, "app.yaml");
    s.resources = resources;
    s
}

/// Run one rule over a scope: `(message, span)` of each finding.
pub fn run(id: &str, scope: &Scope, settings: &Settings) -> Vec<(String, Span)> {
    let settings = Settings {
        select: vec![id.to_string()],
        ..settings.clone()
    };
    super::run_rules(scope, &settings, None)
        .into_iter()
        .map(|f| {
            assert_eq!(f.rule.id, id);
            (f.message, f.span)
        })
        .collect()
}

pub fn run_default(id: &str, scope: &Scope) -> Vec<(String, Span)> {
    run(id, scope, &Settings::default())
}
