//! A per-scope index, built once at first use and shared by every rule of the scope, so
//! that cross-resource rules cost O(resources) rather than O(tables × resources).
//!
//! It holds the resources by id and by kind, and buckets the values that name another
//! resource (an alarm's `TableName` dimension, a Contributor Insights `table_name`, an
//! association's endpoint, a scalable target's `ResourceId`) by what they name: a
//! reference target, a literal, or neither ("wild": a value with deploy-time parts, a
//! reference to an opaque resource). A rule asks for the candidates of a resource and
//! runs its exact matcher on those only; every value that could match is a candidate, so
//! the findings are the same as with a scan of the whole scope.

use super::{Kind, Prop, Resource, Str};
use std::collections::HashMap;

/// The index of one scope; see [`super::Scope::index`].
#[derive(Clone, Debug, Default)]
pub struct ScopeIndex {
    /// Resources at build time (a guard against a stale index).
    pub(super) len: usize,
    /// Position of the first resource with each id.
    pub(super) by_id: HashMap<String, usize>,
    pub tables: Vec<usize>,
    pub alarms: Vec<usize>,
    pub endpoints: Vec<usize>,
    pub policies: Vec<usize>,
    pub vpcs: Vec<usize>,
    pub dax: Vec<usize>,
    pub scalable_targets: Vec<usize>,
    /// KMS aliases by their literal name (the first of each name).
    pub kms_alias_by_name: HashMap<String, usize>,
    /// Alarm metrics `(resource, metric)` by their `TableName` dimension values.
    pub alarm_metrics: Buckets<(usize, usize)>,
    /// Contributor Insights resources by their table.
    pub insights: Buckets<usize>,
    /// Endpoint route table associations by their endpoint.
    pub endpoint_associations: Buckets<usize>,
    /// Scalable targets by the table part of their resource id (`table/NAME[/index/NAME]`).
    pub scalable_target_ids: Buckets<usize>,
}

/// A scalable target's `ResourceId` of a DynamoDB table or index, split: the table part
/// of `table/NAME` and, for `table/NAME/index/INDEX`, the index part. `None` for anything
/// else (another service's resource, a value whose shape is not known).
pub fn split_resource_id(s: &Str) -> Option<(Str, Option<Str>)> {
    let mut segments = vec![Str::default()];
    for part in &s.0 {
        match part {
            super::Part::Lit(text) => {
                for (i, piece) in text.split('/').enumerate() {
                    if i > 0 {
                        segments.push(Str::default());
                    }
                    if !piece.is_empty() {
                        segments
                            .last_mut()
                            .expect("one segment at least")
                            .push(super::Part::Lit(piece.to_string()));
                    }
                }
            }
            other => segments
                .last_mut()
                .expect("one segment at least")
                .push(other.clone()),
        }
    }
    if segments.first()?.as_lit() != Some("table") {
        return None;
    }
    match segments.as_slice() {
        [_, table] => Some((table.clone(), None)),
        [_, table, index, name] if index.as_lit() == Some("index") => {
            Some((table.clone(), Some(name.clone())))
        }
        _ => None,
    }
}

/// Values bucketed by what they name.
#[derive(Clone, Debug)]
pub struct Buckets<T> {
    /// Values that are, or contain, a reference to a resource the model reads.
    pub by_ref: HashMap<String, Vec<T>>,
    /// Literal values.
    pub by_lit: HashMap<String, Vec<T>>,
    /// Every literal value, for resources whose own name is only partly known.
    pub lits: Vec<T>,
    /// Values that may name anything: deploy-time parts, references to opaque resources,
    /// values missing or not read.
    pub wild: Vec<T>,
}

impl<T> Default for Buckets<T> {
    fn default() -> Self {
        Buckets {
            by_ref: HashMap::new(),
            by_lit: HashMap::new(),
            lits: Vec::new(),
            wild: Vec::new(),
        }
    }
}

impl<T: Copy> Buckets<T> {
    /// File `item` under every value of `prop` (every branch); `None` or an unknown
    /// branch is wild.
    fn insert(
        &mut self,
        resources: &[Resource],
        by_id: &HashMap<String, usize>,
        item: T,
        prop: Option<&Prop<Str>>,
    ) {
        let Some(prop) = prop else {
            self.wild.push(item);
            return;
        };
        if !super::value::unknown_reasons(Some(prop)).is_empty() {
            self.wild.push(item);
        }
        for (s, _) in prop.known_values() {
            self.insert_str(resources, by_id, item, s);
        }
    }

    fn insert_str(
        &mut self,
        resources: &[Resource],
        by_id: &HashMap<String, usize>,
        item: T,
        s: &Str,
    ) {
        if let Some(lit) = s.as_lit() {
            self.by_lit.entry(lit.to_string()).or_default().push(item);
            self.lits.push(item);
            return;
        }
        let mut wild = false;
        let mut targets = Vec::new();
        for part in &s.0 {
            match part {
                super::Part::Lit(_) => {}
                super::Part::Unknown(_) => wild = true,
                super::Part::Ref { target, .. } => {
                    let opaque = by_id
                        .get(target)
                        .is_none_or(|&i| matches!(resources[i].kind, Kind::Other));
                    wild |= opaque;
                    targets.push(target);
                }
            }
        }
        // A string of literals and references to known resources (`${T}-suffix`) may
        // still equal a partly known name: keep it where every lookup sees it.
        if wild || s.as_ref_part().is_none() {
            self.wild.push(item);
        }
        for t in targets {
            self.by_ref.entry(t.clone()).or_default().push(item);
        }
    }

    /// The items that may name the resource `id` whose name is `name`: those that refer
    /// to it, those whose literal equals one of its literal names, every literal when a
    /// branch of its name is only partly known, and the wild ones. An item may come twice.
    pub fn candidates(&self, id: &str, name: Option<&Prop<Str>>) -> Vec<T> {
        let mut out: Vec<T> = Vec::new();
        if let Some(v) = self.by_ref.get(id) {
            out.extend(v);
        }
        if let Some(name) = name {
            let mut partial = false;
            for (n, _) in name.known_values() {
                match n.as_lit() {
                    Some(lit) => {
                        if let Some(v) = self.by_lit.get(lit) {
                            out.extend(v);
                        }
                    }
                    None => partial = true,
                }
            }
            if partial {
                out.extend(&self.lits);
            }
        }
        out.extend(&self.wild);
        out
    }

    /// The items that may name `id` by reference, or by the literal `lit`, and the wild
    /// ones.
    pub fn candidates_lit(&self, id: &str, lits: &[&str]) -> Vec<T> {
        let mut out: Vec<T> = Vec::new();
        if let Some(v) = self.by_ref.get(id) {
            out.extend(v);
        }
        for lit in lits {
            if let Some(v) = self.by_lit.get(*lit) {
                out.extend(v);
            }
        }
        out.extend(&self.wild);
        out
    }
}

impl ScopeIndex {
    pub(super) fn build(resources: &[Resource]) -> ScopeIndex {
        let mut ix = ScopeIndex {
            len: resources.len(),
            ..ScopeIndex::default()
        };
        for (i, r) in resources.iter().enumerate() {
            ix.by_id.entry(r.id.clone()).or_insert(i);
        }
        let by_id = std::mem::take(&mut ix.by_id);
        for (i, r) in resources.iter().enumerate() {
            match &r.kind {
                Kind::Table(t) => {
                    ix.tables.push(i);
                    if !t.resource_policies.is_empty() {
                        ix.policies.push(i);
                    }
                }
                Kind::Alarm(alarm) => {
                    ix.alarms.push(i);
                    for (m, metric) in alarm.metrics.iter().enumerate() {
                        let mut table_dims = metric
                            .dimensions
                            .iter()
                            .filter(|d| d.name.get().and_then(Str::as_lit) == Some("TableName"));
                        let unread = metric.dimensions.is_empty()
                            || metric
                                .dimensions
                                .iter()
                                .any(|d| d.name.get().and_then(Str::as_lit).is_none());
                        if unread {
                            ix.alarm_metrics.wild.push((i, m));
                            continue;
                        }
                        // Known dimensions without `TableName` watch no table.
                        for d in table_dims.by_ref() {
                            ix.alarm_metrics
                                .insert(resources, &by_id, (i, m), Some(&d.value));
                        }
                    }
                }
                Kind::VpcEndpoint(_) => ix.endpoints.push(i),
                Kind::Policy(_) => ix.policies.push(i),
                Kind::Vpc => ix.vpcs.push(i),
                Kind::Dax(_) => ix.dax.push(i),
                Kind::KmsAlias(a) => {
                    if let Some(name) = a.name.as_ref().and_then(|n| n.get()).and_then(Str::as_lit)
                    {
                        ix.kms_alias_by_name.entry(name.to_string()).or_insert(i);
                    }
                }
                Kind::ContributorInsights(ci) => {
                    ix.insights.insert(resources, &by_id, i, ci.table.as_ref());
                }
                Kind::ScalableTarget(st) => {
                    ix.scalable_targets.push(i);
                    let tables: Option<Vec<Str>> = st.resource_id.as_ref().and_then(|p| {
                        if !super::value::unknown_reasons(Some(p)).is_empty() {
                            return None;
                        }
                        p.known_values()
                            .into_iter()
                            .map(|(s, _)| split_resource_id(s).map(|(table, _)| table))
                            .collect()
                    });
                    match tables {
                        Some(tables) => {
                            for table in &tables {
                                ix.scalable_target_ids
                                    .insert_str(resources, &by_id, i, table);
                            }
                        }
                        None => ix.scalable_target_ids.wild.push(i),
                    }
                }
                Kind::EndpointRouteTable(assoc) => {
                    ix.endpoint_associations
                        .insert(resources, &by_id, i, assoc.endpoint.as_ref());
                }
                _ => {}
            }
        }
        ix.by_id = by_id;
        ix
    }
}
