//! Rewrite every span of a resource's model (used to point plan resources at `.tf`).

use crate::model::{Kind, Prop, Val};
use crate::source::Span;

type Fix<'a> = &'a dyn Fn(&mut Span);

fn val<T>(v: &mut Val<T>, f: Fix) {
    if let Val::OneOf(bs) = v {
        for b in bs {
            f(&mut b.span);
            if let Some(inner) = &mut b.value {
                val(inner, f);
            }
        }
    }
}

fn prop<T>(p: &mut Option<Prop<T>>, f: Fix) {
    if let Some(p) = p {
        prop1(p, f);
    }
}

fn prop1<T>(p: &mut Prop<T>, f: Fix) {
    f(&mut p.span);
    val(&mut p.val, f);
}

fn opt(s: &mut Option<Span>, f: Fix) {
    if let Some(s) = s {
        f(s);
    }
}

pub fn kind(k: &mut Kind, f: Fix) {
    match k {
        Kind::Table(t) => {
            prop(&mut t.name, f);
            for key in t
                .key_schema
                .iter_mut()
                .chain(t.gsis.iter_mut().flat_map(|i| i.key_schema.iter_mut()))
                .chain(t.lsis.iter_mut().flat_map(|i| i.key_schema.iter_mut()))
            {
                prop1(&mut key.attribute, f);
                prop1(&mut key.key_type, f);
            }
            for i in t.gsis.iter_mut().chain(t.lsis.iter_mut()) {
                prop1(&mut i.name, f);
                f(&mut i.span);
                prop(&mut i.read_capacity, f);
                prop(&mut i.write_capacity, f);
            }
            prop(&mut t.read_capacity, f);
            prop(&mut t.write_capacity, f);
            opt(&mut t.capacity_span, f);
            opt(&mut t.key_schema_span, f);
            opt(&mut t.attributes_span, f);
            opt(&mut t.gsis_span, f);
            opt(&mut t.lsis_span, f);
            for a in &mut t.attributes {
                prop1(&mut a.name, f);
                prop1(&mut a.attr_type, f);
            }
            prop(&mut t.billing_mode, f);
            prop(&mut t.pitr, f);
            prop(&mut t.pitr_recovery_days, f);
            prop(&mut t.sse.enabled, f);
            prop(&mut t.sse.sse_type, f);
            prop(&mut t.sse.key, f);
            opt(&mut t.sse.span, f);
            prop(&mut t.deletion_protection, f);
            prop(&mut t.deletion_policy, f);
            prop(&mut t.update_replace_policy, f);
            prop(&mut t.prevent_destroy, f);
            for tag in &mut t.tags {
                prop1(&mut tag.value, f);
            }
            prop(&mut t.contributor_insights, f);
            for r in &mut t.replicas {
                prop1(&mut r.region, f);
                f(&mut r.span);
                prop(&mut r.pitr, f);
                prop(&mut r.pitr_recovery_days, f);
                prop(&mut r.deletion_protection, f);
                prop(&mut r.kms_key, f);
                prop(&mut r.contributor_insights, f);
                for tag in &mut r.tags {
                    prop1(&mut tag.value, f);
                }
            }
        }
        Kind::Dax(d) => {
            prop(&mut d.sse_enabled, f);
            prop(&mut d.endpoint_encryption, f);
            prop(&mut d.replication_factor, f);
        }
        Kind::ScalableTarget(t) => {
            prop(&mut t.namespace, f);
            prop(&mut t.resource_id, f);
            prop(&mut t.dimension, f);
            prop(&mut t.min_capacity, f);
            prop(&mut t.max_capacity, f);
        }
        Kind::VpcEndpoint(e) => {
            prop(&mut e.service_name, f);
            prop(&mut e.endpoint_type, f);
            prop(&mut e.vpc, f);
            for r in &mut e.route_tables {
                prop1(r, f);
            }
            opt(&mut e.route_tables_span, f);
        }
        Kind::EndpointRouteTable(e) => {
            prop(&mut e.endpoint, f);
            prop(&mut e.route_table, f);
        }
        Kind::Alarm(a) => {
            for m in &mut a.metrics {
                prop(&mut m.namespace, f);
                prop(&mut m.metric_name, f);
                for d in &mut m.dimensions {
                    prop1(&mut d.name, f);
                    prop1(&mut d.value, f);
                }
            }
            for x in &mut a.actions {
                prop1(x, f);
            }
            opt(&mut a.actions_span, f);
            prop(&mut a.actions_enabled, f);
        }
        Kind::KmsKey(k) => prop(&mut k.rotation, f),
        Kind::KmsAlias(a) => {
            prop(&mut a.name, f);
            prop(&mut a.target_key, f);
        }
        Kind::Policy(p) => {
            prop(&mut p.resource_arn, f);
            for s in p.statements.iter_mut().chain(p.trust.iter_mut()) {
                for pr in s.principals.iter_mut().chain(s.not_principals.iter_mut()) {
                    prop1(&mut pr.value, f);
                }
                f(&mut s.span);
                prop(&mut s.effect, f);
                for x in s
                    .actions
                    .iter_mut()
                    .chain(s.not_actions.iter_mut())
                    .chain(s.resources.iter_mut())
                    .chain(s.not_resources.iter_mut())
                {
                    prop1(x, f);
                }
                for c in &mut s.conditions {
                    f(&mut c.operator_span);
                    f(&mut c.key_span);
                    for v in &mut c.values {
                        prop1(v, f);
                    }
                }
            }
        }
        Kind::ContributorInsights(c) => {
            prop(&mut c.table, f);
            prop(&mut c.index, f);
            prop(&mut c.enabled, f);
        }
        Kind::Vpc | Kind::Other => {}
    }
}
