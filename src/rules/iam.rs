//! IAM matching for the DynamoDB rules (DDB601–DDB605), as IAM itself matches.
//!
//! - Actions: `service:Name`, compared case-insensitively (`dynamoDB:getitem` is
//!   `dynamodb:GetItem`), with `*` (any run of characters) and `?` (one character).
//! - Resources: ARNs, compared case-sensitively, with the same wildcards; a `*` spans
//!   colons and slashes. A resource may embed references (`${Orders.Arn}/index/*`, a
//!   Terraform `aws_dynamodb_table.orders.arn`) and values known only at deploy time
//!   (`${AWS::Region}`). A reference names one specific resource; an unknown part is
//!   matched as an opaque value, so it never makes a resource look wider than it is
//!   (unknown values never make a rule fire).

use crate::model::{Kind, Part, Prop, Resource, Scope, Statement, Str};
use crate::source::Span;

/// Every DynamoDB action (service prefix `dynamodb`), from the Service Authorization
/// Reference. Used to decide whether a wildcard pattern grants any DynamoDB action.
pub const DYNAMODB_ACTIONS: &[&str] = &[
    "BatchGetItem",
    "BatchWriteItem",
    "ConditionCheckItem",
    "CreateBackup",
    "CreateGlobalTable",
    "CreateTable",
    "CreateTableReplica",
    "DeleteBackup",
    "DeleteItem",
    "DeleteResourcePolicy",
    "DeleteTable",
    "DeleteTableReplica",
    "DescribeBackup",
    "DescribeContinuousBackups",
    "DescribeContributorInsights",
    "DescribeEndpoints",
    "DescribeExport",
    "DescribeGlobalTable",
    "DescribeGlobalTableSettings",
    "DescribeImport",
    "DescribeKinesisStreamingDestination",
    "DescribeLimits",
    "DescribeReservedCapacity",
    "DescribeReservedCapacityOfferings",
    "DescribeStream",
    "DescribeTable",
    "DescribeTableReplicaAutoScaling",
    "DescribeTimeToLive",
    "DisableKinesisStreamingDestination",
    "EnableKinesisStreamingDestination",
    "ExportTableToPointInTime",
    "GetAbacStatus",
    "GetItem",
    "GetRecords",
    "GetResourcePolicy",
    "GetShardIterator",
    "ImportTable",
    "ListBackups",
    "ListContributorInsights",
    "ListExports",
    "ListGlobalTables",
    "ListImports",
    "ListStreams",
    "ListTables",
    "ListTagsOfResource",
    "PartiQLDelete",
    "PartiQLInsert",
    "PartiQLSelect",
    "PartiQLUpdate",
    "PurchaseReservedCapacityOfferings",
    "PutItem",
    "PutResourcePolicy",
    "Query",
    "RestoreTableFromAwsBackup",
    "RestoreTableFromBackup",
    "RestoreTableToPointInTime",
    "Scan",
    "StartAwsBackupJob",
    "TagResource",
    "UntagResource",
    "UpdateAbacStatus",
    "UpdateContinuousBackups",
    "UpdateContributorInsights",
    "UpdateGlobalTable",
    "UpdateGlobalTableSettings",
    "UpdateGlobalTableVersion",
    "UpdateItem",
    "UpdateKinesisStreamingDestination",
    "UpdateTable",
    "UpdateTableReplicaAutoScaling",
    "UpdateTimeToLive",
];

/// DynamoDB actions that take no resource (account-level): they are granted on `*` by
/// necessity, so a grant of only these on `*` is not a grant on every table.
pub const ACCOUNT_LEVEL_ACTIONS: &[&str] = &[
    "DescribeEndpoints",
    "DescribeLimits",
    "DescribeReservedCapacity",
    "DescribeReservedCapacityOfferings",
    "GetAbacStatus",
    "ListBackups",
    "ListContributorInsights",
    "ListExports",
    "ListGlobalTables",
    "ListImports",
    "ListStreams",
    "ListTables",
    "PurchaseReservedCapacityOfferings",
    "UpdateAbacStatus",
];

/// The destructive or protection-removing DynamoDB actions DDB603 reports, with what each
/// can do. Restores (`RestoreTableFromBackup`, `RestoreTableToPointInTime`) and imports are
/// not here: they create a new table and cannot overwrite an existing one.
pub const ADMIN_ACTIONS: &[(&str, &str)] = &[
    ("DeleteTable", "deletes the table and every item"),
    ("DeleteTableReplica", "deletes a replica and its items"),
    ("DeleteBackup", "deletes on-demand backups"),
    (
        "UpdateTable",
        "can turn deletion protection off, drop indexes, streams and replicas",
    ),
    (
        "UpdateContinuousBackups",
        "can turn point-in-time recovery off",
    ),
    ("UpdateTimeToLive", "can make items expire in bulk"),
    ("UpdateGlobalTable", "can remove replicas"),
    (
        "PutResourcePolicy",
        "can grant the table to other principals and accounts",
    ),
    (
        "DeleteResourcePolicy",
        "removes the table's resource policy",
    ),
    (
        "DisableKinesisStreamingDestination",
        "stops change data capture",
    ),
];

/// Whether `text` matches the IAM wildcard `pattern` (`*` any run, `?` one character).
/// Iterative: linear memory, no recursion, whatever the input.
pub fn wildcard_match(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let eq = |a: char, b: char| {
        if ignore_case {
            a.to_lowercase().eq(b.to_lowercase())
        } else {
            a == b
        }
    };
    let (mut pi, mut ti) = (0usize, 0usize);
    // The last `*` seen and the text position it is currently made to cover up to.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || eq(c, t[ti]) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi.min(p.len())..].iter().all(|&c| c == '*')
}

/// Whether an action pattern covers this action (`dynamodb:Delete*` covers
/// `dynamodb:DeleteTable`). Actions are case-insensitive.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    wildcard_match(pattern, action, true)
}

/// Whether an action pattern covers every action of `service` (`*`, `dynamodb:*`,
/// `DynamoDB:*`, `dynamo*`, `*:*`). Decided exactly: after the pattern has read
/// `service:`, what remains must be wildcards only, with at least one `*`.
pub fn covers_all_actions(pattern: &str, service: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let prefix: Vec<char> = format!("{service}:").chars().collect();
    // Positions of the pattern reachable after reading the prefix (an NFA over the pattern).
    let mut reach = vec![false; p.len() + 1];
    reach[0] = true;
    close_stars(&p, &mut reach);
    for &c in &prefix {
        let mut next = vec![false; p.len() + 1];
        for i in 0..p.len() {
            if !reach[i] {
                continue;
            }
            match p[i] {
                '*' => next[i] = true,
                '?' => next[i + 1] = true,
                pc if pc.to_lowercase().eq(c.to_lowercase()) => next[i + 1] = true,
                _ => {}
            }
        }
        close_stars(&p, &mut next);
        reach = next;
    }
    (0..=p.len()).any(|i| {
        reach[i] && {
            let rest = &p[i..];
            rest.iter().all(|&c| c == '*' || c == '?') && rest.contains(&'*')
        }
    })
}

/// A `*` may match nothing: whoever reaches it also reaches what follows it.
fn close_stars(p: &[char], reach: &mut [bool]) {
    for i in 0..p.len() {
        if reach[i] && p[i] == '*' {
            reach[i + 1] = true;
        }
    }
}

/// Whether an action pattern grants at least one DynamoDB action.
pub fn grants_dynamodb(pattern: &str) -> bool {
    let lower = pattern.to_ascii_lowercase();
    lower.starts_with("dynamodb:")
        || DYNAMODB_ACTIONS
            .iter()
            .any(|a| action_matches(pattern, &format!("dynamodb:{a}")))
}

/// A cheap first test: an action whose service prefix is written out and is not
/// `dynamodb` (`s3:GetObject`, `logs:*`) names no DynamoDB action.
fn may_name_dynamodb(pattern: &str) -> bool {
    match pattern.split_once(':') {
        Some((service, _)) if !service.contains(['*', '?']) => {
            service.eq_ignore_ascii_case("dynamodb")
        }
        _ => true,
    }
}

/// Whether an action pattern grants a DynamoDB action that reads, writes or manages
/// existing tables: neither [`ACCOUNT_LEVEL_ACTIONS`] nor `CreateTable` (which creates a
/// table and cannot touch an existing one's data).
pub fn grants_dynamodb_table_access(pattern: &str) -> bool {
    if !grants_dynamodb_resource_action(pattern) {
        return false;
    }
    let lower = pattern.to_ascii_lowercase();
    match lower.strip_prefix("dynamodb:") {
        Some(action) if !action.contains(['*', '?']) => action != "createtable",
        _ => DYNAMODB_ACTIONS
            .iter()
            .filter(|a| **a != "CreateTable")
            .filter(|a| !ACCOUNT_LEVEL_ACTIONS.contains(a))
            .any(|a| action_matches(pattern, &format!("dynamodb:{a}"))),
    }
}

/// Whether an action pattern grants a DynamoDB action that acts on tables, indexes,
/// streams or backups (not only [`ACCOUNT_LEVEL_ACTIONS`]).
pub fn grants_dynamodb_resource_action(pattern: &str) -> bool {
    if !may_name_dynamodb(pattern) {
        return false;
    }
    let is_account_level = |a: &str| {
        ACCOUNT_LEVEL_ACTIONS
            .iter()
            .any(|l| a.eq_ignore_ascii_case(l))
    };
    let lower = pattern.to_ascii_lowercase();
    let named = lower
        .strip_prefix("dynamodb:")
        .filter(|a| !a.contains(['*', '?']));
    match named {
        Some(action) => !is_account_level(action),
        None => DYNAMODB_ACTIONS
            .iter()
            .filter(|a| !is_account_level(a))
            .any(|a| action_matches(pattern, &format!("dynamodb:{a}"))),
    }
}

/// The admin actions ([`ADMIN_ACTIONS`]) an action pattern covers.
pub fn admin_actions(pattern: &str) -> Vec<(&'static str, &'static str)> {
    if !may_name_dynamodb(pattern) {
        return Vec::new();
    }
    ADMIN_ACTIONS
        .iter()
        .filter(|(a, _)| action_matches(pattern, &format!("dynamodb:{a}")))
        .copied()
        .collect()
}

/// A policy statement and where it lives.
#[derive(Clone, Copy)]
pub struct Located<'a> {
    /// The resource that carries the statement (a policy, a role, a table).
    pub res: &'a Resource,
    pub st: &'a Statement,
    /// A resource-based policy of a table (its `ResourcePolicy`): it applies to that
    /// table only, whatever its `Resource` says.
    pub resource_based: bool,
}

/// Every policy statement of the scope: identity policies and the resource policies of
/// tables. A statement carried by two resources (a Terraform `data
/// "aws_iam_policy_document"` and the `aws_iam_policy` that uses its `json`) is given once,
/// with the resource that attaches it rather than the document.
pub fn statements(scope: &Scope) -> Vec<Located<'_>> {
    let mut out: Vec<Located> = Vec::new();
    // By span and place in the policy: two statements of one policy can share a span (a
    // policy rendered from a template is located at the template as a whole).
    let mut at: std::collections::HashMap<(Span, usize), usize> = std::collections::HashMap::new();
    for res in &scope.resources {
        let (policies, resource_based): (Vec<&crate::model::Policy>, bool) = match &res.kind {
            Kind::Policy(policy) => (vec![policy], policy.resource_arn.is_some()),
            Kind::Table(table) => (table.resource_policies.iter().collect(), true),
            _ => continue,
        };
        for (i, st) in policies.into_iter().flat_map(|p| &p.statements).enumerate() {
            match at.get(&(st.span, i)) {
                Some(&i) => {
                    if out[i].res.rtype == "aws_iam_policy_document" {
                        out[i].res = res;
                    }
                }
                None => {
                    at.insert((st.span, i), out.len());
                    out.push(Located {
                        res,
                        st,
                        resource_based,
                    });
                }
            }
        }
    }
    out
}

/// Each literal action of the Allow statements that reach DynamoDB (a table's resource
/// policy, or resources that name tables), with its statement and span.
pub fn allowed_dynamodb_actions(scope: &Scope) -> Vec<(Located<'_>, &str, Span)> {
    statements(scope)
        .into_iter()
        .filter(|at| {
            at.st.is_allow() && (at.resource_based || resources_reach_dynamodb(scope, at.st))
        })
        .flat_map(|at| {
            at.st
                .actions
                .iter()
                .flat_map(literals)
                .map(move |(action, span)| (at, action, span))
        })
        .collect()
}

/// Every known literal value of a property, with its span. Values with references or
/// deploy-time parts are left out: they are not actions or patterns we can read.
pub fn literals(prop: &Prop<Str>) -> Vec<(&str, Span)> {
    prop.known_values()
        .into_iter()
        .filter_map(|(s, span)| s.as_lit().map(|l| (l, span)))
        .collect()
}

/// What a `Resource` value names, for DynamoDB.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResourceClass {
    /// Every table (`*`, `arn:aws:dynamodb:*:*:table/*`), with what it covers.
    AllTables(&'static str),
    /// A DynamoDB resource, or resources, short of all tables (a named table, its
    /// indexes, a name prefix).
    Dynamodb,
    /// Not a DynamoDB resource (an S3 bucket, a queue).
    Other,
    /// Cannot be known before deploy.
    Unknown,
}

/// Stands for a reference in a resource pattern: one specific value.
const REF: char = '\u{E001}';
/// Stands for a deploy-time value (`${AWS::Region}`, a variable): one opaque value.
const UNKNOWN: char = '\u{E002}';
/// A table or index name no literal in a policy can spell.
const PROBE: &str = "\u{E00F}probe";

/// The pattern text of a resource, with references and unknown parts as opaque markers.
fn pattern_text(s: &Str) -> String {
    let mut out = String::new();
    for part in &s.0 {
        match part {
            Part::Lit(t) => out.push_str(t),
            Part::Ref { .. } => out.push(REF),
            Part::Unknown(_) => out.push(UNKNOWN),
        }
    }
    out
}

/// Whether `s` refers to a DynamoDB table defined in the scope.
pub fn refers_to_table(scope: &Scope, s: &Str) -> bool {
    s.0.iter().any(|p| match p {
        Part::Ref { target, .. } => scope
            .resource(target)
            .is_some_and(|r| matches!(r.kind, Kind::Table(_))),
        _ => false,
    })
}

/// Classify one resource value.
pub fn classify_resource(scope: &Scope, s: &Str) -> ResourceClass {
    let text = pattern_text(s);
    let pieces: Vec<&str> = text.splitn(6, ':').collect();
    // A probe ARN built from the pattern's own partition, region and account (a pattern
    // always matches its own text), with the service `dynamodb` and `resource`.
    let probe = |resource: &str| {
        let n = pieces.len().saturating_sub(1).min(5);
        let defaults = ["arn", "aws", "dynamodb", "us-east-1", "123456789012"];
        let mut parts: Vec<&str> = Vec::with_capacity(6);
        for (i, d) in defaults.iter().enumerate() {
            let own = if i < n { pieces.get(i).copied() } else { None };
            parts.push(if i == 2 { d } else { own.unwrap_or(d) });
        }
        parts.push(resource);
        parts.join(":")
    };
    let covers = |resource: &str| wildcard_match(&text, &probe(resource), false);
    if covers(&format!("table/{PROBE}")) {
        return ResourceClass::AllTables("every table");
    }
    if covers(&format!("table/{PROBE}/index/{PROBE}")) {
        return ResourceClass::AllTables("every index of every table");
    }
    if covers(&format!("table/{PROBE}/stream/{PROBE}")) {
        return ResourceClass::AllTables("the stream of every table");
    }
    if refers_to_table(scope, s) {
        return ResourceClass::Dynamodb;
    }
    match pieces.get(2) {
        Some(service) if pieces.len() >= 3 => {
            if service.contains(UNKNOWN) || service.contains(REF) {
                ResourceClass::Unknown
            } else if wildcard_match(service, "dynamodb", false) {
                ResourceClass::Dynamodb
            } else {
                ResourceClass::Other
            }
        }
        _ if text.contains(UNKNOWN) => ResourceClass::Unknown,
        // A reference to something that is not a table in scope: a resource of another
        // type, or one defined elsewhere.
        _ if text.contains(REF) => match s.as_ref_part() {
            Some((target, _)) if scope.resource(target).is_some() => ResourceClass::Other,
            _ => ResourceClass::Unknown,
        },
        _ => ResourceClass::Other,
    }
}

/// Every known resource value of a list, classified, with its span.
pub fn classified<'a>(
    scope: &Scope,
    values: &'a [Prop<Str>],
) -> Vec<(ResourceClass, &'a Str, Span)> {
    let mut out = Vec::new();
    for prop in values {
        for (s, span) in prop.known_values() {
            out.push((classify_resource(scope, s), s, span));
        }
    }
    out
}

/// Whether every value of a list is known (no unresolvable value or part).
fn all_known(values: &[Prop<Str>]) -> bool {
    values.iter().all(|p| {
        crate::model::value::unknown_reasons(Some(p)).is_empty()
            && p.known_values()
                .iter()
                .all(|(s, _)| !s.0.iter().any(|part| matches!(part, Part::Unknown(_))))
    })
}

/// Whether a value known only at deploy time is built for DynamoDB: it spells
/// `:table/`, or one of its symbolic parts (a variable, a module output, a parameter, a
/// reference) is named for a table or for DynamoDB (`var.table_arn`,
/// `module.orders.dynamodb_table_arn`).
pub fn built_for_dynamodb(s: &Str) -> bool {
    s.0.iter().any(|p| match p {
        Part::Lit(t) => t.contains(":table/") || t.starts_with("table/"),
        Part::Ref { target, attr } => {
            let named = |t: &str| {
                let t = t.to_ascii_lowercase();
                t.contains("table") || t.contains("dynamodb")
            };
            named(target) || attr.as_deref().is_some_and(named)
        }
        Part::Unknown(what) => {
            let w = what.to_ascii_lowercase();
            w.contains("table") || w.contains("dynamodb")
        }
    })
}

/// Whether an Allow statement's resources reach DynamoDB: a `Resource` that is (or may
/// be, by a wildcard) a DynamoDB resource, one known only at deploy time but built for
/// DynamoDB ([`built_for_dynamodb`]), or a `NotResource` that does not exclude every
/// table. Other unknown resources do not count.
pub fn resources_reach_dynamodb(scope: &Scope, st: &Statement) -> bool {
    if classified(scope, &st.resources)
        .iter()
        .any(|(c, s, _)| match c {
            ResourceClass::AllTables(_) | ResourceClass::Dynamodb => true,
            ResourceClass::Unknown => built_for_dynamodb(s),
            ResourceClass::Other => false,
        })
    {
        return true;
    }
    // A value unknown as a whole (a variable without value, a module output) named for
    // a table.
    let named_for_dynamodb = |why: &str| {
        let w = why.to_ascii_lowercase();
        w.contains("table") || w.contains("dynamodb")
    };
    if st.resources.iter().any(|p| {
        crate::model::value::unknown_reasons(Some(p))
            .into_iter()
            .any(named_for_dynamodb)
    }) {
        return true;
    }
    not_resource_reaches_dynamodb(scope, st)
}

/// Whether every resource of a statement is certainly not DynamoDB's (an S3 bucket, a
/// queue): an action wildcard there grants nothing on DynamoDB.
pub fn resources_exclude_dynamodb(scope: &Scope, st: &Statement) -> bool {
    !st.resources.is_empty()
        && st.not_resources.is_empty()
        && st
            .resources
            .iter()
            .all(|p| crate::model::value::unknown_reasons(Some(p)).is_empty())
        && classified(scope, &st.resources)
            .iter()
            .all(|(c, _, _)| *c == ResourceClass::Other)
}

/// The statements of an Allow that may reach DynamoDB by their resources, or whose
/// resources cannot be known: where an action wildcard counts.
pub fn wildcard_reach(scope: &Scope, at: &Located) -> bool {
    at.resource_based || !resources_exclude_dynamodb(scope, at.st)
}

/// Every Allow statement's literal actions, whatever its resources.
pub fn allowed_actions(scope: &Scope) -> Vec<(Located<'_>, &str, Span)> {
    statements(scope)
        .into_iter()
        .filter(|at| at.st.is_allow())
        .flat_map(|at| {
            at.st
                .actions
                .iter()
                .flat_map(literals)
                .map(move |(action, span)| (at, action, span))
        })
        .collect()
}

/// A `NotResource` list, all known, that does not exclude every table.
pub fn not_resource_reaches_dynamodb(scope: &Scope, st: &Statement) -> bool {
    !st.not_resources.is_empty()
        && all_known(&st.not_resources)
        && !classified(scope, &st.not_resources)
            .iter()
            .any(|(c, _, _)| matches!(c, ResourceClass::AllTables("every table")))
}

/// A `NotAction` list, all known, none of which excludes every DynamoDB action: the
/// statement allows DynamoDB actions.
pub fn not_action_grants_dynamodb(st: &Statement) -> bool {
    !st.not_actions.is_empty()
        && all_known(&st.not_actions)
        && !st
            .not_actions
            .iter()
            .flat_map(literals)
            .any(|(a, _)| covers_all_actions(a, "dynamodb"))
}

/// Whether an Allow statement grants access to existing tables (not only account-level
/// actions or `CreateTable`), through `Action` or `NotAction`.
pub fn actions_grant_table_access(st: &Statement) -> bool {
    st.actions
        .iter()
        .flat_map(literals)
        .any(|(a, _)| grants_dynamodb_table_access(a))
        || not_action_grants_dynamodb(st)
}

/// AWS services whose roles need DynamoDB actions DDB603 otherwise reports, with those
/// actions: Application Auto Scaling changes a table's capacity with `UpdateTable`, AWS
/// Backup deletes the backups it expires.
pub const SERVICE_ACTIONS: &[(&str, &[&str])] = &[
    ("application-autoscaling.amazonaws.com", &["UpdateTable"]),
    (
        "dynamodb.application-autoscaling.amazonaws.com",
        &["UpdateTable"],
    ),
    ("backup.amazonaws.com", &["DeleteBackup"]),
    ("dax.amazonaws.com", &[]),
];

/// When a role's trust policy admits only AWS service principals: those services.
pub fn service_role(policy: &crate::model::Policy) -> Option<Vec<&str>> {
    let allows: Vec<&Statement> = policy.trust.iter().filter(|s| s.is_allow()).collect();
    if allows.is_empty() {
        return None;
    }
    let mut services = Vec::new();
    for st in allows {
        if st.principals.is_empty() || !st.not_principals.is_empty() {
            return None;
        }
        for p in &st.principals {
            if !p.kind.eq_ignore_ascii_case("Service") {
                return None;
            }
            let values = literals(&p.value);
            if values.is_empty() {
                return None;
            }
            services.extend(values.into_iter().map(|(v, _)| v));
        }
    }
    Some(services)
}

/// Whether the admin action `action` (`UpdateTable`) is one a service role's services need.
pub fn service_needs(services: &[&str], action: &str) -> bool {
    services.iter().any(|svc| {
        SERVICE_ACTIONS
            .iter()
            .any(|(name, actions)| svc.eq_ignore_ascii_case(name) && actions.contains(&action))
    })
}

/// Whether an Allow statement grants any DynamoDB action on tables, indexes, streams or
/// backups, through `Action` or `NotAction`.
pub fn actions_grant_dynamodb(st: &Statement) -> bool {
    st.actions
        .iter()
        .flat_map(literals)
        .any(|(a, _)| grants_dynamodb_resource_action(a))
        || not_action_grants_dynamodb(st)
}

/// The span covering a list of values (for `NotAction`/`NotResource` as a whole).
pub fn list_span(values: &[Prop<Str>]) -> Option<Span> {
    let first = values.first()?.span;
    Some(values.iter().fold(first, |acc, p| acc.to(p.span)))
}

/// How findings name the holder of a statement: `AppRole`, or
/// `the resource policy of OrdersTable`.
pub fn owner(res: &Resource, resource_based: bool) -> String {
    if resource_based {
        format!("the resource policy of {}", res.id)
    } else {
        res.id.clone()
    }
}

/// How findings name a statement: `statement "ReadOrders"` or `a statement`.
pub fn statement_name(st: &Statement) -> String {
    match &st.sid {
        Some(sid) if !sid.is_empty() => format!("statement {sid:?}"),
        _ => "a statement".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Format, Table, TableKind};
    use crate::source::FileId;

    #[test]
    fn wildcards_match_like_iam() {
        assert!(wildcard_match("*", "", false));
        assert!(wildcard_match("*", "anything:at/all", false));
        assert!(wildcard_match("a?c", "abc", false));
        assert!(!wildcard_match("a?c", "ac", false));
        assert!(!wildcard_match("a?c", "abbc", false));
        assert!(wildcard_match("a*c", "ac", false));
        assert!(wildcard_match("a*c", "abbbc", false));
        assert!(!wildcard_match("a*c", "abbbd", false));
        assert!(wildcard_match("*b*", "abc", false));
        assert!(wildcard_match("a**", "a", false));
        assert!(!wildcard_match("", "a", false));
        assert!(wildcard_match("", "", false));
        assert!(!wildcard_match("ABC", "abc", false));
        assert!(wildcard_match("ABC", "abc", true));
        assert!(wildcard_match("*a*a*a*a*b", "aaaaaaaaaaaaaaaaab", false));
        assert!(!wildcard_match("*a*a*a*a*b", "aaaaaaaaaaaaaaaaaa", false));
    }

    #[test]
    fn actions_are_case_insensitive_with_partial_wildcards() {
        assert!(action_matches("dynamodb:GetItem", "dynamodb:GetItem"));
        assert!(action_matches("DynamoDB:getitem", "dynamodb:GetItem"));
        assert!(action_matches("dynamoDB:Get*", "dynamodb:GetItem"));
        assert!(action_matches("dynamodb:Get*", "dynamodb:GetRecords"));
        assert!(!action_matches("dynamodb:Get*", "dynamodb:BatchGetItem"));
        assert!(action_matches("dynamodb:*Item", "dynamodb:BatchGetItem"));
        assert!(action_matches("dynamodb:Delete*", "dynamodb:DeleteTable"));
        assert!(action_matches("dynamodb:?etItem", "dynamodb:GetItem"));
        assert!(!action_matches("dynamodb:?etItem", "dynamodb:PutItem"));
        assert!(!action_matches("s3:*", "dynamodb:GetItem"));
        assert!(action_matches("*", "dynamodb:DeleteTable"));
    }

    #[test]
    fn full_wildcards_are_told_from_partial_ones() {
        for p in [
            "*",
            "dynamodb:*",
            "DynamoDB:*",
            "dynamoDB:**",
            "dynamo*",
            "*:*",
            "d*",
            "dynamodb*",
            "dynamodb:?*",
        ] {
            assert!(covers_all_actions(p, "dynamodb"), "{p}");
        }
        for p in [
            "dynamodb:Get*",
            "dynamodb:*Item",
            "dynamodb:",
            "dynamodb:?",
            "s3:*",
            "dynamodb:GetItem",
            "*:Get*",
            "dynamodb:*Table*",
        ] {
            assert!(!covers_all_actions(p, "dynamodb"), "{p}");
        }
    }

    #[test]
    fn dynamodb_grants_are_recognised() {
        for p in [
            "*",
            "dynamodb:GetItem",
            "DYNAMODB:query",
            "dynamodb:NewActionNotYetListed",
            "*:Get*",
            "dynamo*:Scan",
            "*Item",
        ] {
            assert!(grants_dynamodb(p), "{p}");
        }
        for p in [
            "s3:*",
            "sqs:SendMessage",
            "dynamodbx:GetItem",
            "kms:Decrypt",
        ] {
            assert!(!grants_dynamodb(p), "{p}");
        }
    }

    #[test]
    fn account_level_actions_do_not_count_as_table_grants() {
        for p in [
            "dynamodb:ListTables",
            "DynamoDB:describelimits",
            "dynamodb:ListTabl*",
        ] {
            assert!(!grants_dynamodb_resource_action(p), "{p}");
        }
        for p in [
            "dynamodb:List*",
            "dynamodb:GetItem",
            "*",
            "dynamodb:NewAction",
            "dynamodb:Describe*",
        ] {
            assert!(grants_dynamodb_resource_action(p), "{p}");
        }
    }

    #[test]
    fn admin_actions_through_wildcards() {
        let names = |p: &str| {
            admin_actions(p)
                .into_iter()
                .map(|(a, _)| a)
                .collect::<Vec<_>>()
        };
        assert_eq!(names("dynamodb:DeleteTable"), vec!["DeleteTable"]);
        assert_eq!(names("dynamodb:deletetable"), vec!["DeleteTable"]);
        assert_eq!(
            names("dynamodb:Delete*"),
            vec![
                "DeleteTable",
                "DeleteTableReplica",
                "DeleteBackup",
                "DeleteResourcePolicy"
            ]
        );
        assert!(names("dynamodb:Update*").contains(&"UpdateContinuousBackups"));
        assert!(!names("dynamodb:Update*").contains(&"DeleteTable"));
        assert!(names("dynamodb:GetItem").is_empty());
        assert!(names("dynamodb:DeleteItem").is_empty());
        assert!(names("dynamodb:RestoreTableFromBackup").is_empty());
    }

    fn scope_with_table() -> Scope {
        let mut scope = Scope::new(Format::Cloudformation, "t.yaml");
        for (id, kind) in [
            (
                "Orders",
                Kind::Table(Box::new(Table::new(TableKind::Table))),
            ),
            ("Bucket", Kind::Other),
        ] {
            scope.resources.push(Resource {
                id: id.into(),
                rtype: "x".into(),
                file: FileId(0),
                span: Span::default(),
                cdk_path: None,
                suppressions: Vec::new(),
                kind,
            });
        }
        scope
    }

    fn parts(text: &str) -> Str {
        // `{R}` a reference to Orders, `{B}` to Bucket, `{U}` an unknown part.
        let mut s = Str::default();
        let mut rest = text;
        while let Some(i) = rest.find('{') {
            s.push(Part::Lit(rest[..i].into()));
            let (name, after) = rest[i + 1..].split_once('}').unwrap();
            s.push(match name {
                "R" => Part::Ref {
                    target: "Orders".into(),
                    attr: Some("Arn".into()),
                },
                "B" => Part::Ref {
                    target: "Bucket".into(),
                    attr: Some("Arn".into()),
                },
                _ => Part::Unknown("AWS::Region".into()),
            });
            rest = after;
        }
        s.push(Part::Lit(rest.into()));
        s
    }

    #[test]
    fn resources_are_classified() {
        let scope = scope_with_table();
        let c = |t: &str| classify_resource(&scope, &parts(t));
        use ResourceClass::*;
        assert_eq!(c("*"), AllTables("every table"));
        assert_eq!(c("arn:aws:dynamodb:*:*:table/*"), AllTables("every table"));
        assert_eq!(
            c("arn:{U}:dynamodb:{U}:{U}:table/*"),
            AllTables("every table")
        );
        assert_eq!(
            c("arn:aws:dynamodb:us-east-1:123:table/*"),
            AllTables("every table")
        );
        assert_eq!(c("arn:aws:dynamodb:*:*:*"), AllTables("every table"));
        assert_eq!(c("arn:aws:dynamodb:*"), AllTables("every table"));
        assert_eq!(c("arn:aws:dynamodb:eu-west-1:*"), AllTables("every table"));
        assert_eq!(c("arn:*:*:*:*:*"), AllTables("every table"));
        assert_eq!(
            c("arn:aws:dynamodb:*:*:table/*/index/*"),
            AllTables("every index of every table")
        );
        assert_eq!(
            c("arn:aws:dynamodb:*:*:table/*/stream/*"),
            AllTables("the stream of every table")
        );
        assert_eq!(c("arn:aws:dynamodb:*:*:table/Orders"), Dynamodb);
        assert_eq!(c("arn:aws:dynamodb:*:*:table/Orders/index/*"), Dynamodb);
        assert_eq!(c("arn:aws:dynamodb:*:*:table/prod-*"), Dynamodb);
        assert_eq!(c("{R}"), Dynamodb);
        assert_eq!(c("{R}/index/*"), Dynamodb);
        assert_eq!(c("arn:aws:dynamodb:{U}:{U}:table/{R}"), Dynamodb);
        assert_eq!(c("arn:aws:dynamodb:{U}:{U}:table/{U}"), Dynamodb);
        assert_eq!(c("arn:aws:s3:::bucket/*"), Other);
        assert_eq!(c("arn:aws:s3:::*"), Other);
        assert_eq!(c("{B}"), Other);
        assert_eq!(c("{U}"), Unknown);
        assert_eq!(c("arn:aws:{U}:*:*:table/x"), Unknown);
        // An unknown part never widens a resource to every table.
        assert_eq!(c("arn:aws:dynamodb:*:*:table/{U}"), Dynamodb);
        // ARNs are case-sensitive.
        assert_eq!(c("arn:aws:DynamoDB:*:*:table/*"), Other);
    }

    /// Run one rule over one fixture: each finding's message and the text it points at.
    /// `None` when no frontend read the file (a format not built yet).
    pub(crate) fn run_fixture(rule: &str, path: &std::path::Path) -> Option<Vec<(String, String)>> {
        let settings = crate::Settings {
            select: vec![rule.to_string()],
            ..crate::Settings::default()
        };
        let report = crate::check(&[path.to_path_buf()], &settings).ok()?;
        if report.scopes.is_empty() {
            return None;
        }
        Some(
            report
                .findings
                .iter()
                .filter(|f| f.rule_id == rule)
                .map(|f| {
                    let file = report.sources.reload(f.span.file);
                    let text = file
                        .as_ref()
                        .and_then(|file| file.text.get(f.span.range()))
                        .unwrap_or("")
                        .to_string();
                    (f.message.clone(), text)
                })
                .collect(),
        )
    }

    fn fixture(rule: &str, name: &str) -> Vec<(String, String)> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/rules")
            .join(rule)
            .join(name);
        run_fixture(rule, &path).unwrap()
    }

    fn pointed(found: &[(String, String)]) -> Vec<&str> {
        found.iter().map(|(_, t)| t.as_str()).collect()
    }

    #[test]
    fn ddb601_points_at_each_wildcard_action() {
        assert_eq!(
            pointed(&fixture("DDB601", "fail_policy_short.yaml")),
            vec!["dynamodb:*"]
        );
        assert_eq!(
            pointed(&fixture("DDB601", "fail_role_inline_long.yaml")),
            vec!["DynamoDB:*"]
        );
        assert_eq!(
            pointed(&fixture("DDB601", "fail_managed_star.json")),
            vec!["\"*\""]
        );
        assert_eq!(
            pointed(&fixture("DDB601", "fail_user_group_rolepolicy.yaml")),
            vec!["\"dynamodb:*\"", "dynamo*", "dynamodb:*"]
        );
        // Inside a JSON string, the span maps back into the template.
        assert_eq!(
            pointed(&fixture("DDB601", "fail_json_string.yaml")),
            vec!["\"dynamodb:*\""]
        );
        let sub_if = fixture("DDB601", "fail_sub_json_and_if.yaml");
        assert_eq!(pointed(&sub_if), vec!["\"dynamodb:*\"", "dynamodb:*"]);
        assert!(sub_if[0].0.contains("SubPolicy"), "{sub_if:?}");
        assert!(sub_if[1].0.contains("IfPolicy"), "{sub_if:?}");
    }

    #[test]
    fn ddb602_to_ddb605_point_at_the_offending_value() {
        assert_eq!(
            pointed(&fixture("DDB602", "fail_all_tables_sub.yaml")),
            vec![
                "!Sub \"arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/*\"",
                "Fn::Join: [\"\", [\"arn:aws:dynamodb:\", {Ref: \"AWS::Region\"}, \":\", {Ref: \"AWS::AccountId\"}, \":table/*/index/*\"]]",
            ]
        );
        assert_eq!(
            pointed(&fixture("DDB602", "fail_json_string.json")),
            vec!["\\\"arn:aws:dynamodb:us-east-1:123456789012:table/*\\\""]
        );
        assert_eq!(
            pointed(&fixture("DDB603", "fail_wildcards_long.yaml")),
            vec!["dynamodb:Delete*", "DYNAMODB:updatecontinuousbackups"]
        );
        assert_eq!(
            pointed(&fixture("DDB604", "fail_not_resource.yaml")),
            vec!["!GetAtt AuditTable.Arn"]
        );
        assert_eq!(
            pointed(&fixture("DDB605", "fail_for_any_value.json")),
            vec!["\"dynamodb:LeadingKeys\""]
        );
        // Of two operator blocks with the same name, only the deployed one counts.
        let dup = fixture("DDB605", "fail_duplicate_operator.yaml");
        assert_eq!(pointed(&dup), vec!["dynamodb:Attributes"]);
        assert!(dup[0].0.contains("dynamodb:Select"), "{dup:?}");
    }

    /// Malformed policies never panic and never fire; the run goes on.
    #[test]
    fn malformed_policies_are_read_without_panic() {
        let deep = format!("{}{}", "[".repeat(600), "]".repeat(600));
        let cases = [
            "PolicyDocument: 42".to_string(),
            "PolicyDocument: [a, b]".to_string(),
            "PolicyDocument: {Statement: oops}".to_string(),
            "PolicyDocument: {Statement: [1, [2], null]}".to_string(),
            "PolicyDocument: {Statement: {Effect: Allow, Action: {a: b}, Resource: [[x]]}}".to_string(),
            "PolicyDocument: {Statement: [{Effect: [Allow], Condition: [x], Action: '*', Resource: '*'}]}".to_string(),
            "PolicyDocument: {Statement: [{Effect: Allow, Condition: {StringEquals: [x]}}]}".to_string(),
            "PolicyDocument: '{not json'".to_string(),
            "PolicyDocument: '{\"Statement\": \"x\"}'".to_string(),
            format!("PolicyDocument: '{{\"Statement\": {deep}}}'"),
            "PolicyDocument: \"{\\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\",\\\"Action\\\":\\\"\\u00e9\\u4e2d\\\",\\\"Resource\\\":\\\"é中\\\"}]}\"".to_string(),
            "PolicyDocument: !Sub [\"{\\\"Statement\\\": []}\", {A: !Ref B}]".to_string(),
            "PolicyDocument: !Sub 42".to_string(),
            "PolicyDocument: !If [C, '{}', !Ref AWS::NoValue]".to_string(),
        ];
        let dir = tempfile::tempdir().unwrap();
        for (i, case) in cases.iter().enumerate() {
            let path = dir.path().join(format!("t{i}.yaml"));
            let text = format!(
                "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      {case}\n"
            );
            std::fs::write(&path, text).unwrap();
            for rule in ["DDB601", "DDB602", "DDB603", "DDB604", "DDB605"] {
                let found = run_fixture(rule, &path).unwrap();
                let allowed = i == 5 && rule == "DDB601";
                assert!(allowed || found.is_empty(), "case {i} {rule}: {found:?}");
            }
        }
    }
}
