//! Application Auto Scaling targets of tables and indexes (DDB405, DDB406): which
//! `AWS::ApplicationAutoScaling::ScalableTarget` / `aws_appautoscaling_target` scales the
//! read or write capacity of a table or of one of its global secondary indexes.
//!
//! A target names what it scales by `ResourceId` (`table/NAME` or
//! `table/NAME/index/INDEX`, written out, built with `!Sub`/`!Join`, or a Terraform string
//! template) and `ScalableDimension` (`dynamodb:table:ReadCapacityUnits`, …). The table
//! part is matched like an alarm's `TableName` ([`str_names_table`]): by reference, or by
//! the table's name. Values known only at deploy time give `Maybe`.

use super::matching::{Match, TableId, match_prop, str_names_table};
use crate::model::index::split_resource_id;
use crate::model::{Kind, Prop, Resource, ScalableTarget, Scope, Str};

/// Which capacity a target scales.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Capacity {
    Read,
    Write,
}

impl Capacity {
    pub fn name(self) -> &'static str {
        match self {
            Capacity::Read => "read",
            Capacity::Write => "write",
        }
    }

    /// The `ScalableDimension` for a table (`index` false) or an index.
    pub fn dimension(self, index: bool) -> String {
        let on = if index { "index" } else { "table" };
        let units = match self {
            Capacity::Read => "ReadCapacityUnits",
            Capacity::Write => "WriteCapacityUnits",
        };
        format!("dynamodb:{on}:{units}")
    }
}

/// The scalable targets of the scope that may scale `cap` of the table `t` (`index`
/// `None`) or of its index, with how sure the match is.
pub fn targets<'s>(
    scope: &'s Scope,
    t: &TableId,
    index: Option<&Prop<String>>,
    cap: Capacity,
) -> Vec<(&'s Resource, &'s ScalableTarget, Match)> {
    let mut out: Vec<(&Resource, &ScalableTarget, Match)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for i in scope.index().scalable_target_ids.candidates(t.id, t.name) {
        if !seen.insert(i) {
            continue;
        }
        let Some(res) = scope.resources.get(i) else {
            continue;
        };
        let Kind::ScalableTarget(st) = &res.kind else {
            continue;
        };
        let m = target_matches(scope, st, t, index, cap);
        if m.possible() {
            out.push((res, st, m));
        }
    }
    out
}

fn target_matches(
    scope: &Scope,
    st: &ScalableTarget,
    t: &TableId,
    index: Option<&Prop<String>>,
    cap: Capacity,
) -> Match {
    let namespace = st.namespace.as_ref().map_or(Match::Maybe, |p| {
        match_prop(p, &|s: &Str| match s.as_lit() {
            Some(l) => Match::from_bool(l.eq_ignore_ascii_case("dynamodb")),
            None => Match::Maybe,
        })
    });
    let wanted = cap.dimension(index.is_some());
    let dimension = st.dimension.as_ref().map_or(Match::No, |p| {
        match_prop(p, &|s: &Str| match s.as_lit() {
            Some(l) => Match::from_bool(l == wanted),
            None => Match::Maybe,
        })
    });
    let resource = st.resource_id.as_ref().map_or(Match::No, |p| {
        match_prop(p, &|s: &Str| match split_resource_id(s) {
            Some((table, idx)) => {
                str_names_table(scope, &table, t).and(index_matches(idx.as_ref(), index))
            }
            None if s.0.iter().any(|p| !matches!(p, crate::model::Part::Lit(_))) => Match::Maybe,
            None => Match::No,
        })
    });
    namespace.and(dimension).and(resource)
}

fn index_matches(written: Option<&Str>, wanted: Option<&Prop<String>>) -> Match {
    match (written, wanted) {
        (None, None) => Match::Yes,
        (None, Some(_)) | (Some(_), None) => Match::No,
        (Some(w), Some(name)) => {
            let names = name.known_values();
            match w.as_lit() {
                _ if names.is_empty() => Match::Maybe,
                Some(l) => Match::from_bool(names.iter().any(|(n, _)| n.as_str() == l)),
                None => Match::Maybe,
            }
        }
    }
}

/// The most capacity `cap` of the table (or index) can reach, and where that is written:
/// the `MaxCapacity` of its auto scaling target when one certainly applies, else its
/// provisioned capacity. `None` when it cannot be known (a target that may apply, an
/// unknown value).
pub fn ceiling(
    scope: &Scope,
    t: &TableId,
    index: Option<&Prop<String>>,
    provisioned: Option<&Prop<i64>>,
    cap: Capacity,
) -> Option<(i64, crate::source::Span, bool)> {
    let found = targets(scope, t, index, cap);
    if found.iter().any(|(_, _, m)| *m != Match::Yes) {
        return None;
    }
    if !found.is_empty() {
        let mut best: Option<(i64, crate::source::Span)> = None;
        for (_, st, _) in &found {
            let max = st.max_capacity.as_ref()?;
            let v = *max.get()?;
            if best.is_none_or(|(b, _)| v > b) {
                best = Some((v, max.span));
            }
        }
        return best.map(|(v, span)| (v, span, true));
    }
    let p = provisioned?;
    p.get().map(|v| (*v, p.span, false))
}
