//! Matching helpers for cross-resource rules: does a value name this table, is this ARN
//! one of this table's, is this endpoint service DynamoDB.
//!
//! Values are [`Str`]s made of literals, references ([`Part::Ref`]) and deploy-time
//! unknowns ([`Part::Unknown`]). Every matcher answers with a [`Match`]: `Yes` when the
//! value certainly names the thing, `No` when it certainly does not, and `Maybe` when it
//! cannot be known before deploy. Rules that report a *missing* link (an alarm, an
//! endpoint) count `Maybe` as present, so an unknown value never makes them fire.

use crate::model::{Kind, Metric, Part, Prop, Resource, Scope, Str, Table, Val, VpcEndpoint};
use crate::source::Span;

/// The answer of a matcher.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Match {
    /// Certainly not.
    No,
    /// Cannot be known before deploy (a parameter without default, an import, a region).
    Maybe,
    /// Certainly.
    Yes,
}

impl Match {
    /// Both hold.
    pub fn and(self, other: Match) -> Match {
        self.min(other)
    }

    /// Either holds.
    pub fn or(self, other: Match) -> Match {
        self.max(other)
    }

    /// `Yes` or `Maybe`: what rules about missing links count as present.
    pub fn possible(self) -> bool {
        self != Match::No
    }

    /// From a boolean: `Yes` or `No`.
    pub fn from_bool(b: bool) -> Match {
        if b { Match::Yes } else { Match::No }
    }
}

/// Fold a property over its branches: `Yes` when a known branch gives `Yes`, `Maybe` when
/// a branch is unknown or gives `Maybe`, `No` otherwise. A branch that leaves the property
/// unset gives `No`.
pub fn match_prop<T>(prop: &Prop<T>, f: &dyn Fn(&T) -> Match) -> Match {
    fold_val(&prop.val, Match::Maybe, f)
}

/// A table as the matchers see it: its resource id (CFN logical id, TF address) and its
/// `TableName` / `name` property.
#[derive(Clone, Copy, Debug)]
pub struct TableId<'a> {
    pub id: &'a str,
    pub name: Option<&'a Prop<Str>>,
}

impl<'a> TableId<'a> {
    pub fn new(resource: &'a Resource, table: &'a Table) -> TableId<'a> {
        TableId {
            id: &resource.id,
            name: table.name.as_ref(),
        }
    }
}

/// Reference attributes that give a table's name: a CFN `Ref` (none), TF `name` / `id`.
fn is_name_attr(attr: Option<&str>) -> bool {
    matches!(attr, None | Some("name" | "id" | "TableName"))
}

/// Reference attributes that give a table's ARN: CFN `Arn`, TF `arn`.
fn is_arn_attr(attr: Option<&str>) -> bool {
    matches!(attr, Some("Arn" | "arn"))
}

/// Reference attributes that give a table's latest stream ARN.
fn is_stream_attr(attr: Option<&str>) -> bool {
    matches!(attr, Some("StreamArn" | "stream_arn"))
}

fn is_table(scope: &Scope, id: &str) -> bool {
    scope
        .resource(id)
        .is_some_and(|r| matches!(r.kind, Kind::Table(_)))
}

/// Whether the string `s` names the table `t` (a `TableName` alarm dimension, the table
/// part of an ARN, a table name passed to another resource):
///
/// - a reference to the table whose attribute gives its name (CFN `Ref`, TF `.name` or
///   `.id`) is `Yes`; a reference to another table, or to the table's ARN, is `No`; a
///   reference to a resource that is not a table (a custom resource, an SSM parameter)
///   is `Maybe`;
/// - a string equal, part for part, to the table's name (`!Sub '${AWS::StackName}-orders'`
///   on both sides) is `Yes`;
/// - a literal is compared with the table's literal name; against a partly known name
///   (`${AWS::StackName}-orders`) it is `Maybe` when it fits the known parts; a table with a
///   generated or wholly unknown name is never named by a literal (`No`);
/// - a string with deploy-time parts (a parameter without default, an import) is `Maybe`
///   unless its literal parts rule out the table's literal name.
pub fn str_names_table(scope: &Scope, s: &Str, t: &TableId) -> Match {
    if let Some((target, attr)) = s.as_ref_part() {
        if target != t.id {
            // A reference to a resource the model reads (another table, a VPC) is not this
            // table's name; one to an opaque resource (a custom resource) may be.
            let opaque = scope
                .resource(target)
                .is_none_or(|r| matches!(r.kind, Kind::Other));
            return if opaque { Match::Maybe } else { Match::No };
        }
        return Match::from_bool(is_name_attr(attr));
    }
    let Some(name) = t.name else {
        // A generated name: only references name the table.
        return if s.as_lit().is_some() {
            Match::No
        } else {
            Match::Maybe
        };
    };
    // A wholly unknown name (a parameter without default) is like a generated one.
    let unknown_name = if s.as_lit().is_some() {
        Match::No
    } else {
        Match::Maybe
    };
    fold_val(&name.val, unknown_name, &|name: &Str| {
        name_vs_value(name, s)
    })
}

fn fold_val<T>(val: &Val<T>, unknown: Match, f: &dyn Fn(&T) -> Match) -> Match {
    match val {
        Val::Known(v) => f(v),
        Val::Unknown(_) => unknown,
        Val::OneOf(branches) => branches
            .iter()
            .filter_map(|b| b.value.as_ref())
            .fold(Match::No, |acc, v| acc.or(fold_val(v, unknown, f))),
    }
}

/// One known value of a table name against a value that should name it.
fn name_vs_value(name: &Str, s: &Str) -> Match {
    if name == s {
        return Match::Yes;
    }
    match (name.as_lit(), s.as_lit()) {
        (Some(a), Some(b)) => Match::from_bool(a == b),
        (Some(lit), None) => downgrade(glob(&pattern(s, false), lit)),
        (None, Some(lit)) => downgrade(glob(&pattern(name, false), lit)),
        (None, None) => downgrade(ends_compatible(name, s)),
    }
}

/// Whether two partly known strings may be equal, judged by their ends: when both start
/// (or both end) with a literal, one literal must be a prefix (suffix) of the other.
fn ends_compatible(a: &Str, b: &Str) -> bool {
    let starts = match (a.0.first(), b.0.first()) {
        (Some(Part::Lit(x)), Some(Part::Lit(y))) => {
            x.starts_with(y.as_str()) || y.starts_with(x.as_str())
        }
        _ => true,
    };
    let ends = match (a.0.last(), b.0.last()) {
        (Some(Part::Lit(x)), Some(Part::Lit(y))) => {
            x.ends_with(y.as_str()) || y.ends_with(x.as_str())
        }
        _ => true,
    };
    starts && ends
}

/// A pattern match between a partly known value and a literal is never certain.
fn downgrade(m: bool) -> Match {
    if m { Match::Maybe } else { Match::No }
}

/// [`str_names_table`] over every branch of a property; an unknown value is `Maybe`.
pub fn prop_names_table(scope: &Scope, p: &Prop<Str>, t: &TableId) -> Match {
    match_prop(p, &|s: &Str| str_names_table(scope, s, t))
}

/// Whether the ARN `s` is the table `t`'s ARN or the ARN of something under it, and
/// what follows the table's ARN: `""` for the table, `/index/ByCustomer`, `/index/*`,
/// `/stream/…`. Forms: a reference to the table's ARN (`!GetAtt T.Arn`, TF `.arn`,
/// `${T.Arn}/index/*`); a reference to its stream ARN (suffix `/stream/*`); an ARN written
/// out (`arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${T}`,
/// TF `"arn:aws:dynamodb:…:table/${aws_dynamodb_table.t.name}"`) whose table part names
/// the table by [`str_names_table`], or is an IAM wildcard (`table/*`, `table/orders-*`)
/// that covers its literal name; and `*`, which covers every table.
pub fn arn_names_table(scope: &Scope, s: &Str, t: &TableId) -> (Match, Str) {
    if let Some(Part::Ref { target, attr }) = s.0.first() {
        let rest = Str(s.0[1..].to_vec());
        let attr = attr.as_deref();
        if is_arn_attr(attr) || is_stream_attr(attr) {
            let m = if target == t.id {
                Match::Yes
            } else if is_table(scope, target) {
                Match::No
            } else {
                Match::Maybe
            };
            if is_stream_attr(attr) {
                let mut suffix = Str::lit("/stream/*");
                suffix.extend(rest);
                return (m, suffix);
            }
            return (m, rest);
        }
    }
    if s.as_lit() == Some("*") {
        return (Match::Yes, Str::default());
    }
    // Find `table/` in a literal part.
    let mut prefix = Str::default();
    for (i, part) in s.0.iter().enumerate() {
        let Part::Lit(text) = part else {
            prefix.push(part.clone());
            continue;
        };
        let Some(at) = text.find(":table/") else {
            prefix.push(part.clone());
            continue;
        };
        prefix.push(Part::Lit(text[..at + 1].to_string()));
        let is_dynamodb = glob(
            &pattern(&prefix, false),
            "arn:aws:dynamodb:us-east-1:123456789012:",
        );
        if !is_dynamodb {
            return (Match::No, Str::default());
        }
        // The table part runs to the next `/` in a literal.
        let mut name = Str::default();
        let mut rest = Str::default();
        let mut in_rest = false;
        let mut pending = vec![Part::Lit(text[at + 7..].to_string())];
        pending.extend(s.0[i + 1..].iter().cloned());
        for p in pending {
            if in_rest {
                rest.push(p);
                continue;
            }
            match &p {
                Part::Lit(l) => match l.find('/') {
                    Some(slash) => {
                        name.push(Part::Lit(l[..slash].to_string()));
                        rest.push(Part::Lit(l[slash..].to_string()));
                        in_rest = true;
                    }
                    None => name.push(p),
                },
                _ => name.push(p),
            }
        }
        let m = match name.as_lit() {
            Some(lit) if lit.contains(['*', '?']) => match t.name.map(|n| {
                match_prop(n, &|n: &Str| match n.as_lit() {
                    Some(known) => Match::from_bool(glob(&pattern(&Str::lit(lit), true), known)),
                    None if lit == "*" => Match::Yes,
                    None => Match::Maybe,
                })
            }) {
                Some(m) => m,
                None if lit == "*" => Match::Yes,
                None => Match::Maybe,
            },
            _ => str_names_table(scope, &name, t),
        };
        return (m, rest);
    }
    if s.0.iter().any(|p| !matches!(p, Part::Lit(_))) {
        // No `:table/` in the literal parts: a wholly unknown ARN.
        return (Match::Maybe, Str::default());
    }
    (Match::No, Str::default())
}

/// Whether an endpoint service name is DynamoDB's: `com.amazonaws.<region>.dynamodb`
/// (and `cn.com.amazonaws.<region>.dynamodb`), written as a literal, as
/// `!Sub 'com.amazonaws.${AWS::Region}.dynamodb'`, as a `!Join` with the region, or as TF
/// `"com.amazonaws.${data.aws_region.current.name}.dynamodb"`. A name whose literal parts
/// fit but which has other deploy-time parts (`${ServiceName}`) is `Maybe`.
pub fn is_dynamodb_service(s: &Str) -> Match {
    if let Some(lit) = s.as_lit() {
        return Match::from_bool(dynamodb_service_literal(lit));
    }
    // Every symbolic part standing for a region.
    let mut with_region = String::new();
    for p in &s.0 {
        match p {
            Part::Lit(l) => with_region.push_str(l),
            _ => with_region.push_str("us-east-1"),
        }
    }
    if dynamodb_service_literal(&with_region) {
        return Match::Yes;
    }
    downgrade(glob(&pattern(s, false), "com.amazonaws.us-east-1.dynamodb"))
}

/// [`is_dynamodb_service`] over every branch of a property; an unknown value is `Maybe`.
pub fn prop_is_dynamodb_service(p: &Prop<Str>) -> Match {
    match_prop(p, &is_dynamodb_service)
}

fn dynamodb_service_literal(s: &str) -> bool {
    let s = s.strip_prefix("cn.").unwrap_or(s);
    let Some(rest) = s.strip_prefix("com.amazonaws.") else {
        return false;
    };
    let Some(region) = rest
        .strip_suffix(".dynamodb")
        .or_else(|| rest.strip_suffix(".dynamodb-fips"))
    else {
        return false;
    };
    !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Whether a VPC endpoint is of type Gateway: unset (the default), or `Gateway` in any
/// branch, is `Yes`; an unknown type is `Maybe`.
pub fn endpoint_is_gateway(ep: &VpcEndpoint) -> Match {
    fn walk(val: &Val<String>) -> Match {
        match val {
            Val::Known(t) => Match::from_bool(t.eq_ignore_ascii_case("gateway")),
            Val::Unknown(_) => Match::Maybe,
            Val::OneOf(branches) => branches.iter().fold(Match::No, |acc, b| {
                acc.or(b.value.as_ref().map_or(Match::Yes, walk))
            }),
        }
    }
    ep.endpoint_type
        .as_ref()
        .map_or(Match::Yes, |p| walk(&p.val))
}

/// Where a VPC endpoint's type is `Interface`, if it is in some branch.
pub fn endpoint_interface_span(ep: &VpcEndpoint) -> Option<Span> {
    ep.endpoint_type
        .as_ref()?
        .known_values()
        .into_iter()
        .find(|(t, _)| t.eq_ignore_ascii_case("interface"))
        .map(|(_, span)| span)
}

/// Whether an endpoint's service may be DynamoDB (an endpoint without a service name is
/// not).
pub fn endpoint_is_dynamodb(ep: &VpcEndpoint) -> Match {
    ep.service_name
        .as_ref()
        .map_or(Match::No, prop_is_dynamodb_service)
}

/// The VPCs in scope an endpoint's `VpcId` / `vpc_id` resolves to (a `Ref`, `GetAtt
/// VPC.VpcId` or TF `aws_vpc.main.id`), one per branch; `None` when any branch cannot be
/// resolved (a literal id, a parameter, an import, a data source).
pub fn endpoint_vpcs<'a>(scope: &Scope, ep: &'a VpcEndpoint) -> Option<Vec<&'a str>> {
    let prop = ep.vpc.as_ref()?;
    if !crate::model::value::unknown_reasons(Some(prop)).is_empty() {
        return None;
    }
    let mut out = Vec::new();
    for (s, _) in prop.known_values() {
        let (target, attr) = s.as_ref_part()?;
        let is_vpc = scope
            .resource(target)
            .is_some_and(|r| matches!(r.kind, Kind::Vpc));
        if !is_vpc || !matches!(attr, None | Some("id" | "VpcId")) {
            return None;
        }
        out.push(target);
    }
    Some(out)
}

/// Which dimensions, besides `TableName`, an alarm metric may have to count for a check.
#[derive(Clone, Copy, Debug)]
pub enum Dimensions<'a> {
    /// The table's own metric: `TableName` alone, or with `Operation` when allowed.
    Table { operation: bool },
    /// An index's metric: `TableName` and `GlobalSecondaryIndexName` equal to this name
    /// (other dimensions allowed).
    Index(&'a Prop<String>),
    /// `TableName` and any other dimension (`ReceivingRegion`), but no index.
    TableAndAny,
}

/// Whether an alarm metric watches one of `names` for the table `t` (and index) in
/// namespace `AWS/DynamoDB`. Unknown namespaces, metric names, dimension names or values
/// give `Maybe`, and so does a metric with no dimensions read at all (every metric these
/// rules look for is published per table, so its dimensions were written in a form that
/// could not be read); a `TableName` value is matched with [`prop_names_table`].
pub fn metric_watches(
    scope: &Scope,
    metric: &Metric,
    names: &[&str],
    t: &TableId,
    dims: Dimensions,
) -> Match {
    let namespace = metric.namespace.as_ref().map_or(Match::No, |p| {
        match_prop(p, &|s: &Str| literal_or_pattern(s, &["AWS/DynamoDB"]))
    });
    if namespace == Match::No {
        return Match::No;
    }
    let name = metric.metric_name.as_ref().map_or(Match::No, |p| {
        match_prop(p, &|s: &Str| literal_or_pattern(s, names))
    });
    if name == Match::No {
        return Match::No;
    }
    let mut table = Match::No;
    let mut index = Match::No;
    let mut others = Match::Yes;
    let mut unknown_names = false;
    for d in &metric.dimensions {
        let Some(dim) = d.name.get().and_then(Str::as_lit) else {
            unknown_names = true;
            continue;
        };
        match dim {
            "TableName" => table = table.or(prop_names_table(scope, &d.value, t)),
            "GlobalSecondaryIndexName" => match dims {
                Dimensions::Index(wanted) => index = index.or(index_name_matches(&d.value, wanted)),
                _ => others = Match::No,
            },
            "Operation" if matches!(dims, Dimensions::Table { operation: true }) => {}
            _ => {
                if matches!(dims, Dimensions::Table { .. }) {
                    others = Match::No;
                }
            }
        }
    }
    // Every metric these rules look for is published per table: one read with no
    // dimensions at all had them in a form the frontend could not read (a parameter, an
    // unknown Terraform map), and may be the alarm.
    if unknown_names || metric.dimensions.is_empty() {
        table = table.or(Match::Maybe);
        index = index.or(Match::Maybe);
    }
    let index = match dims {
        Dimensions::Index(_) => index,
        _ => Match::Yes,
    };
    namespace.and(name).and(table).and(index).and(others)
}

/// A GlobalSecondaryIndexName dimension against an index's name: equal literals are `Yes`;
/// an index name or dimension value not known before deploy is `Maybe`.
fn index_name_matches(value: &Prop<Str>, wanted: &Prop<String>) -> Match {
    let names = wanted.known_values();
    if names.is_empty() {
        return Match::Maybe;
    }
    match_prop(value, &|s: &Str| match s.as_lit() {
        Some(lit) => Match::from_bool(names.iter().any(|(n, _)| n.as_str() == lit)),
        None => downgrade(names.iter().any(|(n, _)| glob(&pattern(s, false), n))),
    })
}

/// A literal equal to one of `options` is `Yes`; a partly known value that may be one is
/// `Maybe`.
fn literal_or_pattern(s: &Str, options: &[&str]) -> Match {
    match s.as_lit() {
        Some(lit) => Match::from_bool(options.contains(&lit)),
        None => downgrade(options.iter().any(|o| glob(&pattern(s, false), o))),
    }
}

/// Whether some alarm in scope (any metric of it, metric math included) may watch one of
/// `names` for the table `t`: see [`metric_watches`].
///
/// Only the metrics the scope's index files under the table (by reference, by its literal
/// name, or as values that may name any table) are matched: O(those) per table.
pub fn has_alarm(scope: &Scope, names: &[&str], t: &TableId, dims: Dimensions) -> bool {
    scope
        .index()
        .alarm_metrics
        .candidates(t.id, t.name)
        .into_iter()
        .any(|(r, m)| match scope.resources.get(r).map(|r| &r.kind) {
            Some(Kind::Alarm(alarm)) => alarm
                .metrics
                .get(m)
                .is_some_and(|m| metric_watches(scope, m, names, t, dims).possible()),
            _ => false,
        })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
    Char(char),
    /// Any run of characters, possibly empty.
    Any,
    /// Exactly one character (IAM `?`).
    One,
}

/// A value as a pattern: symbolic parts match anything; with `iam`, `*` and `?` in
/// literals are IAM wildcards.
fn pattern(s: &Str, iam: bool) -> Vec<Tok> {
    let mut out = Vec::new();
    for p in &s.0 {
        match p {
            Part::Lit(l) => out.extend(l.chars().map(|c| match c {
                '*' if iam => Tok::Any,
                '?' if iam => Tok::One,
                c => Tok::Char(c),
            })),
            _ => {
                if out.last() != Some(&Tok::Any) {
                    out.push(Tok::Any);
                }
            }
        }
    }
    out
}

/// Longer values are not compared (taken as fitting): names and ARNs are far shorter.
const MAX_GLOB_LEN: usize = 4096;

/// Whether `text` fits `pat` (greedy matching with backtracking to the last `Any`:
/// at most `pat.len() * text.len()` steps, both bounded by [`MAX_GLOB_LEN`]).
fn glob(pat: &[Tok], text: &str) -> bool {
    if pat.len() > MAX_GLOB_LEN || text.len() > MAX_GLOB_LEN {
        return true;
    }
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pat.get(p) {
            Some(Tok::Any) => {
                star = Some((p, t));
                p += 1;
            }
            Some(Tok::One) => {
                p += 1;
                t += 1;
            }
            Some(Tok::Char(c)) if text.get(t) == Some(c) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pat[p.min(pat.len())..].iter().all(|tok| *tok == Tok::Any)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Branch, Format, TableKind};
    use crate::source::{FileId, Span};

    fn sp() -> Span {
        Span::new(FileId(0), 0, 1)
    }

    fn r(target: &str, attr: Option<&str>) -> Part {
        Part::Ref {
            target: target.into(),
            attr: attr.map(str::to_string),
        }
    }

    fn u(what: &str) -> Part {
        Part::Unknown(what.into())
    }

    fn l(text: &str) -> Part {
        Part::Lit(text.into())
    }

    fn scope_with(resources: &[(&str, Kind)]) -> Scope {
        let mut scope = Scope::new(Format::Cloudformation, "t");
        for (id, kind) in resources {
            scope.resources.push(Resource {
                id: id.to_string(),
                rtype: "x".into(),
                file: FileId(0),
                span: sp(),
                cdk_path: None,
                suppressions: Vec::new(),
                kind: kind.clone(),
            });
        }
        scope
    }

    fn table_kind() -> Kind {
        Kind::Table(Box::new(Table::new(TableKind::Table)))
    }

    fn scope() -> Scope {
        scope_with(&[
            ("Orders", table_kind()),
            ("Other", table_kind()),
            ("NameLookup", Kind::Other),
            ("aws_dynamodb_table.orders", table_kind()),
        ])
    }

    #[test]
    fn references_name_a_table_by_name_attributes_only() {
        let s = scope();
        let t = TableId {
            id: "Orders",
            name: None,
        };
        assert_eq!(
            str_names_table(&s, &Str(vec![r("Orders", None)]), &t),
            Match::Yes
        );
        assert_eq!(
            str_names_table(&s, &Str(vec![r("Orders", Some("Arn"))]), &t),
            Match::No
        );
        assert_eq!(
            str_names_table(&s, &Str(vec![r("Other", None)]), &t),
            Match::No
        );
        assert_eq!(
            str_names_table(&s, &Str(vec![r("NameLookup", Some("Value"))]), &t),
            Match::Maybe
        );
        let tf = TableId {
            id: "aws_dynamodb_table.orders",
            name: None,
        };
        for attr in ["name", "id"] {
            let v = Str(vec![r("aws_dynamodb_table.orders", Some(attr))]);
            assert_eq!(str_names_table(&s, &v, &tf), Match::Yes, "{attr}");
        }
        assert_eq!(
            str_names_table(
                &s,
                &Str(vec![r("aws_dynamodb_table.orders", Some("arn"))]),
                &tf
            ),
            Match::No
        );
    }

    #[test]
    fn literals_match_known_names_only() {
        let s = scope();
        let name = Prop::known(sp(), Str::lit("orders"));
        let t = TableId {
            id: "Orders",
            name: Some(&name),
        };
        assert_eq!(str_names_table(&s, &Str::lit("orders"), &t), Match::Yes);
        assert_eq!(str_names_table(&s, &Str::lit("payments"), &t), Match::No);
        // Generated name: a literal never names it, an unknown value may.
        let gen_name = TableId {
            id: "Orders",
            name: None,
        };
        assert_eq!(
            str_names_table(&s, &Str::lit("orders"), &gen_name),
            Match::No
        );
        assert_eq!(
            str_names_table(&s, &Str(vec![u("import x")]), &gen_name),
            Match::Maybe
        );
        // Wholly unknown name (parameter without default): literals do not name it.
        let unknown = Prop::<Str>::unknown(sp(), "parameter Name has no default");
        let t = TableId {
            id: "Orders",
            name: Some(&unknown),
        };
        assert_eq!(str_names_table(&s, &Str::lit("orders"), &t), Match::No);
        assert_eq!(str_names_table(&s, &Str(vec![u("Name")]), &t), Match::Maybe);
    }

    #[test]
    fn partly_known_names_match_by_parts() {
        let s = scope();
        let name = Prop::known(sp(), Str(vec![u("AWS::StackName"), l("-orders")]));
        let t = TableId {
            id: "Orders",
            name: Some(&name),
        };
        let same = Str(vec![u("AWS::StackName"), l("-orders")]);
        assert_eq!(str_names_table(&s, &same, &t), Match::Yes);
        assert_eq!(
            str_names_table(&s, &Str::lit("prod-orders"), &t),
            Match::Maybe
        );
        assert_eq!(
            str_names_table(&s, &Str::lit("prod-payments"), &t),
            Match::No
        );
        let lit = Prop::known(sp(), Str::lit("prod-orders"));
        let t = TableId {
            id: "Orders",
            name: Some(&lit),
        };
        assert_eq!(
            str_names_table(&s, &Str(vec![u("Env"), l("-orders")]), &t),
            Match::Maybe
        );
        assert_eq!(
            str_names_table(&s, &Str(vec![u("Env"), l("-users")]), &t),
            Match::No
        );
    }

    #[test]
    fn props_fold_over_branches() {
        let s = scope();
        let name = Prop::known(sp(), Str::lit("orders"));
        let t = TableId {
            id: "Orders",
            name: Some(&name),
        };
        let either = Prop {
            span: sp(),
            val: Val::OneOf(vec![
                Branch {
                    span: sp(),
                    value: Some(Val::Known(Str::lit("x"))),
                },
                Branch {
                    span: sp(),
                    value: Some(Val::Known(Str::lit("orders"))),
                },
            ]),
        };
        assert_eq!(prop_names_table(&s, &either, &t), Match::Yes);
        let unknown = Prop::<Str>::unknown(sp(), "no default");
        assert_eq!(prop_names_table(&s, &unknown, &t), Match::Maybe);
        assert_eq!(
            prop_names_table(&s, &Prop::known(sp(), Str::lit("x")), &t),
            Match::No
        );
    }

    #[test]
    fn arns_of_a_table_and_its_indexes() {
        let s = scope();
        let name = Prop::known(sp(), Str::lit("orders"));
        let t = TableId {
            id: "Orders",
            name: Some(&name),
        };
        let (m, rest) = arn_names_table(&s, &Str(vec![r("Orders", Some("Arn"))]), &t);
        assert_eq!((m, rest.render().as_str()), (Match::Yes, ""));
        let (m, rest) =
            arn_names_table(&s, &Str(vec![r("Orders", Some("Arn")), l("/index/*")]), &t);
        assert_eq!((m, rest.render().as_str()), (Match::Yes, "/index/*"));
        let (m, rest) = arn_names_table(&s, &Str(vec![r("Orders", Some("StreamArn"))]), &t);
        assert_eq!((m, rest.render().as_str()), (Match::Yes, "/stream/*"));
        assert_eq!(
            arn_names_table(&s, &Str(vec![r("Other", Some("Arn"))]), &t).0,
            Match::No
        );
        let sub = Str(vec![
            l("arn:"),
            u("AWS::Partition"),
            l(":dynamodb:"),
            u("AWS::Region"),
            l(":"),
            u("AWS::AccountId"),
            l(":table/"),
            r("Orders", None),
            l("/index/ByCustomer"),
        ]);
        let (m, rest) = arn_names_table(&s, &sub, &t);
        assert_eq!(
            (m, rest.render().as_str()),
            (Match::Yes, "/index/ByCustomer")
        );
        let lit = Str::lit("arn:aws:dynamodb:us-east-1:123456789012:table/orders");
        assert_eq!(arn_names_table(&s, &lit, &t).0, Match::Yes);
        let other = Str::lit("arn:aws:dynamodb:us-east-1:123456789012:table/users");
        assert_eq!(arn_names_table(&s, &other, &t).0, Match::No);
        let wild = Str::lit("arn:aws:dynamodb:us-east-1:123456789012:table/ord*");
        assert_eq!(arn_names_table(&s, &wild, &t).0, Match::Yes);
        let s3 = Str::lit("arn:aws:s3:::bucket/table/orders");
        assert_eq!(arn_names_table(&s, &s3, &t).0, Match::No);
        assert_eq!(arn_names_table(&s, &Str::lit("*"), &t).0, Match::Yes);
        assert_eq!(
            arn_names_table(&s, &Str(vec![u("import arn")]), &t).0,
            Match::Maybe
        );
    }

    #[test]
    fn dynamodb_service_names_in_every_form() {
        assert_eq!(
            is_dynamodb_service(&Str::lit("com.amazonaws.us-east-1.dynamodb")),
            Match::Yes
        );
        assert_eq!(
            is_dynamodb_service(&Str::lit("cn.com.amazonaws.cn-north-1.dynamodb")),
            Match::Yes
        );
        assert_eq!(
            is_dynamodb_service(&Str::lit("com.amazonaws.us-east-1.s3")),
            Match::No
        );
        assert_eq!(
            is_dynamodb_service(&Str::lit("com.amazonaws.us-east-1.dynamodb-streams")),
            Match::No
        );
        let sub = Str(vec![l("com.amazonaws."), u("AWS::Region"), l(".dynamodb")]);
        assert_eq!(is_dynamodb_service(&sub), Match::Yes);
        let tf = Str(vec![
            l("com.amazonaws."),
            r("data.aws_region.current", Some("name")),
            l(".dynamodb"),
        ]);
        assert_eq!(is_dynamodb_service(&tf), Match::Yes);
        let s3 = Str(vec![l("com.amazonaws."), u("AWS::Region"), l(".s3")]);
        assert_eq!(is_dynamodb_service(&s3), Match::No);
        let svc = Str(vec![
            l("com.amazonaws."),
            u("AWS::Region"),
            l("."),
            u("Service"),
        ]);
        assert_eq!(is_dynamodb_service(&svc), Match::Maybe);
        assert_eq!(
            prop_is_dynamodb_service(&Prop::unknown(sp(), "x")),
            Match::Maybe
        );
    }

    fn metric(ns: &str, name: &str, dims: &[(&str, Str)]) -> Metric {
        Metric {
            namespace: Some(Prop::known(sp(), Str::lit(ns))),
            metric_name: Some(Prop::known(sp(), Str::lit(name))),
            dimensions: dims
                .iter()
                .map(|(n, v)| crate::model::Dimension {
                    name: Prop::known(sp(), Str::lit(*n)),
                    value: Prop::known(sp(), v.clone()),
                })
                .collect(),
        }
    }

    #[test]
    fn metrics_match_by_namespace_name_and_dimensions() {
        let s = scope();
        let t = TableId {
            id: "Orders",
            name: None,
        };
        let table = Str(vec![r("Orders", None)]);
        let own = Dimensions::Table { operation: true };
        let m = metric(
            "AWS/DynamoDB",
            "SystemErrors",
            &[("TableName", table.clone())],
        );
        assert_eq!(
            metric_watches(&s, &m, &["SystemErrors"], &t, own),
            Match::Yes
        );
        assert_eq!(
            metric_watches(&s, &m, &["ThrottledRequests"], &t, own),
            Match::No
        );
        let with_op = metric(
            "AWS/DynamoDB",
            "SystemErrors",
            &[
                ("TableName", table.clone()),
                ("Operation", Str::lit("GetItem")),
            ],
        );
        assert_eq!(
            metric_watches(&s, &with_op, &["SystemErrors"], &t, own),
            Match::Yes
        );
        let no_op = Dimensions::Table { operation: false };
        assert_eq!(
            metric_watches(&s, &with_op, &["SystemErrors"], &t, no_op),
            Match::No
        );
        let other_ns = metric(
            "AWS/Lambda",
            "SystemErrors",
            &[("TableName", table.clone())],
        );
        assert_eq!(
            metric_watches(&s, &other_ns, &["SystemErrors"], &t, own),
            Match::No
        );
        // An index metric counts for the index, not for the table.
        let idx = metric(
            "AWS/DynamoDB",
            "WriteThrottleEvents",
            &[
                ("TableName", table.clone()),
                ("GlobalSecondaryIndexName", Str::lit("ByCustomer")),
            ],
        );
        let names = ["WriteThrottleEvents"];
        assert_eq!(metric_watches(&s, &idx, &names, &t, own), Match::No);
        let by_customer = Prop::known(sp(), "ByCustomer".to_string());
        let by_status = Prop::known(sp(), "ByStatus".to_string());
        assert_eq!(
            metric_watches(&s, &idx, &names, &t, Dimensions::Index(&by_customer)),
            Match::Yes
        );
        assert_eq!(
            metric_watches(&s, &idx, &names, &t, Dimensions::Index(&by_status)),
            Match::No
        );
        let unnamed = Prop::<String>::unknown(sp(), "parameter");
        assert_eq!(
            metric_watches(&s, &idx, &names, &t, Dimensions::Index(&unnamed)),
            Match::Maybe
        );
        // A TableName known only at deploy time may be this table.
        let imported = metric(
            "AWS/DynamoDB",
            "SystemErrors",
            &[("TableName", Str(vec![u("import x")]))],
        );
        assert_eq!(
            metric_watches(&s, &imported, &["SystemErrors"], &t, own),
            Match::Maybe
        );
        let no_dims = metric("AWS/DynamoDB", "SystemErrors", &[]);
        assert_eq!(
            metric_watches(&s, &no_dims, &["SystemErrors"], &t, own),
            Match::Maybe
        );
    }

    fn endpoint(kind: Option<Prop<String>>, vpc: Option<Str>) -> VpcEndpoint {
        VpcEndpoint {
            service_name: Some(Prop::known(
                sp(),
                Str::lit("com.amazonaws.us-east-1.dynamodb"),
            )),
            endpoint_type: kind,
            vpc: vpc.map(|v| Prop::known(sp(), v)),
            route_tables: Vec::new(),
            route_tables_span: None,
        }
    }

    #[test]
    fn endpoint_types_and_vpcs() {
        assert_eq!(endpoint_is_gateway(&endpoint(None, None)), Match::Yes);
        let interface = Some(Prop::known(sp(), "Interface".to_string()));
        assert_eq!(
            endpoint_is_gateway(&endpoint(interface.clone(), None)),
            Match::No
        );
        assert!(endpoint_interface_span(&endpoint(interface, None)).is_some());
        let unknown = Some(Prop::<String>::unknown(sp(), "parameter"));
        assert_eq!(endpoint_is_gateway(&endpoint(unknown, None)), Match::Maybe);
        let interface_or_unset = Some(Prop {
            span: sp(),
            val: Val::OneOf(vec![
                Branch {
                    span: sp(),
                    value: Some(Val::Known("Interface".to_string())),
                },
                Branch {
                    span: sp(),
                    value: None,
                },
            ]),
        });
        assert_eq!(
            endpoint_is_gateway(&endpoint(interface_or_unset, None)),
            Match::Yes
        );

        let s = scope_with(&[("Vpc", Kind::Vpc), ("Subnet", Kind::Other)]);
        let to_vpc = endpoint(None, Some(Str(vec![r("Vpc", None)])));
        assert_eq!(endpoint_vpcs(&s, &to_vpc), Some(vec!["Vpc"]));
        let get_att = endpoint(None, Some(Str(vec![r("Vpc", Some("VpcId"))])));
        assert_eq!(endpoint_vpcs(&s, &get_att), Some(vec!["Vpc"]));
        let literal = endpoint(None, Some(Str::lit("vpc-0123")));
        assert_eq!(endpoint_vpcs(&s, &literal), None);
        let other = endpoint(None, Some(Str(vec![r("Subnet", None)])));
        assert_eq!(endpoint_vpcs(&s, &other), None);
        assert_eq!(endpoint_vpcs(&s, &endpoint(None, None)), None);
    }

    #[test]
    fn glob_backtracks() {
        let p = pattern(&Str::lit("a*b*c"), true);
        assert!(glob(&p, "aXbYbZc"));
        assert!(!glob(&p, "aXbYbZ"));
        assert!(glob(&pattern(&Str::lit("a?c"), true), "abc"));
        assert!(!glob(&pattern(&Str::lit("a?c"), false), "abc"));
        assert!(glob(&[Tok::Any], ""));
    }
}
