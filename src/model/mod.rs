//! The typed resource model every rule reads, whatever format it came from.
//!
//! Frontends (`cfn`, and later `cdk`, `terraform`, `tfplan`) turn files into [`Scope`]s:
//! a CloudFormation template, a CDK assembly, a Terraform root module. A scope holds typed
//! [`Resource`]s whose values are [`Prop`]s (known, unknown or conditional, with spans),
//! and the [`Problem`]s met while reading (parse errors, duplicate keys).

pub mod cdk;
pub mod cfn;
pub mod changes;
pub mod index;
pub mod node;
pub mod provenance;
pub mod terraform;
pub mod tfplan;
pub mod value;

use crate::source::{FileId, Span};
use serde::Serialize;
pub use value::{Branch, Failure, Part, Prop, Str, Val, check_prop};

pub use crate::vocab::{Format, ResourceRef};

/// One unit cross-resource rules look inside.
#[derive(Clone, Debug, Serialize)]
pub struct Scope {
    pub format: Format,
    /// A name for the scope: the template path, the assembly directory, the module directory.
    pub name: String,
    /// Files read for this scope.
    #[serde(skip)]
    pub files: Vec<FileId>,
    pub resources: Vec<Resource>,
    /// Problems met while reading: parse errors (DDB001), duplicate keys (DDB002).
    #[serde(skip)]
    pub problems: Vec<Problem>,
    /// What could not be followed (an opaque module, an unresolvable include), for `--verbose`
    /// and `ddbguard model`.
    pub notes: Vec<String>,
    /// Replacements a Terraform plan or a CloudFormation change set announces.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replacements: Vec<Replacement>,
    /// Where values came from, to put findings where the user sets them.
    #[serde(skip)]
    pub provenance: provenance::Provenance,
    /// Terraform: every managed resource instance as evaluated, for the plan-shaped document
    /// policies see; kept only when policies are loaded or their documents printed.
    #[serde(skip)]
    pub terraform_evaluated: Vec<terraform::Evaluated>,
    /// Built at first use (when the rules run), once the frontend has finished the scope.
    #[serde(skip)]
    index: std::sync::OnceLock<index::ScopeIndex>,
}

/// A resource a Terraform plan (`resource_changes`) or a CloudFormation change set
/// (`Changes[].ResourceChange`) will replace: delete and create again.
#[derive(Clone, Debug, Serialize)]
pub struct Replacement {
    /// The resource as the plan or change set names it (TF address, CFN logical ID).
    pub resource: ResourceRef,
    /// The entry in the plan or change set (its address or logical ID).
    #[serde(serialize_with = "value::ser_span")]
    pub span: Span,
    /// What forces the replacement: TF `replace_paths`, CFN `Details[].Target.Name`.
    pub causes: Vec<ReplacementCause>,
    /// CFN `Replacement: Conditional`: the resource may be replaced.
    pub conditional: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReplacementCause {
    /// `local_secondary_index`, `hash_key`, `LocalSecondaryIndexes`, `KeySchema`, …
    pub path: String,
    #[serde(serialize_with = "value::ser_span")]
    pub span: Span,
}

impl ReplacementCause {
    /// Whether the cause is a local secondary index (DDB501) rather than the key schema or
    /// the name (DDB502).
    pub fn is_lsi(&self) -> bool {
        let p = self.path.to_ascii_lowercase();
        p.starts_with("local_secondary_index") || p.starts_with("localsecondaryindexes")
    }
}

impl Scope {
    pub fn new(format: Format, name: impl Into<String>) -> Scope {
        Scope {
            format,
            name: name.into(),
            files: Vec::new(),
            resources: Vec::new(),
            problems: Vec::new(),
            notes: Vec::new(),
            replacements: Vec::new(),
            provenance: provenance::Provenance::default(),
            terraform_evaluated: Vec::new(),
            index: std::sync::OnceLock::new(),
        }
    }

    /// The scope's index (resources by id and kind, values by what they name), built once
    /// at first use. Resources added after that are still found by [`Scope::resource`],
    /// but the kind lists and buckets do not see them: build scopes fully before rules run.
    pub fn index(&self) -> &index::ScopeIndex {
        self.index
            .get_or_init(|| index::ScopeIndex::build(&self.resources))
    }

    pub fn tables(&self) -> impl Iterator<Item = (&Resource, &Table)> {
        self.index().tables.iter().filter_map(|&i| {
            let r = self.resources.get(i)?;
            match &r.kind {
                Kind::Table(t) => Some((r, &**t)),
                _ => None,
            }
        })
    }

    /// The resources at the given positions (from [`Scope::index`]).
    pub fn at<'a>(&'a self, positions: &'a [usize]) -> impl Iterator<Item = &'a Resource> + 'a {
        positions.iter().filter_map(|&i| self.resources.get(i))
    }

    /// The first resource with this id.
    pub fn resource(&self, id: &str) -> Option<&Resource> {
        let ix = self.index();
        let indexed = ix.by_id.get(id).and_then(|&i| self.resources.get(i));
        match indexed.filter(|r| r.id == id) {
            Some(r) => Some(r),
            // A miss is certain unless resources changed since the index was built.
            None if ix.len == self.resources.len() => None,
            None => self.resources.iter().find(|r| r.id == id),
        }
    }
}

/// A problem met by a frontend, reported under a rule id by the engine.
#[derive(Clone, Debug)]
pub struct Problem {
    /// `DDB001` or `DDB002`.
    pub rule: &'static str,
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
    /// The resource concerned, when known.
    pub resource: Option<ResourceRef>,
}

/// A suppression written in the source (CFN `Metadata.ddbguard.ignore`, a TF comment).
#[derive(Clone, Debug, Serialize)]
pub struct InlineSuppression {
    pub rule: String,
    pub reason: Option<String>,
    #[serde(serialize_with = "value::ser_span")]
    pub span: Span,
    /// Written on a Terraform `module` block (its address): it covers every resource of
    /// that module instance and of the modules it calls.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Resource {
    /// CFN logical id, or TF address (`module.db.aws_dynamodb_table.orders["a"]`).
    pub id: String,
    /// Native type: `AWS::DynamoDB::Table`, `aws_dynamodb_table`.
    #[serde(rename = "type")]
    pub rtype: String,
    #[serde(skip)]
    pub file: FileId,
    /// The resource's header: the CFN logical id key, the TF `resource "…" "…"` line.
    #[serde(serialize_with = "value::ser_span")]
    pub span: Span,
    pub cdk_path: Option<String>,
    pub suppressions: Vec<InlineSuppression>,
    #[serde(flatten)]
    pub kind: Kind,
}

impl Resource {
    pub fn reference(&self) -> ResourceRef {
        ResourceRef {
            id: self.id.clone(),
            rtype: self.rtype.clone(),
            cdk_path: self.cdk_path.clone(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", content = "model", rename_all = "snake_case")]
pub enum Kind {
    Table(Box<Table>),
    Dax(Dax),
    Vpc,
    VpcEndpoint(VpcEndpoint),
    /// TF `aws_vpc_endpoint_route_table_association`.
    EndpointRouteTable(EndpointRouteTable),
    Alarm(Alarm),
    KmsKey(KmsKey),
    KmsAlias(KmsAlias),
    /// Any resource that carries IAM policy statements.
    Policy(Policy),
    /// TF `aws_dynamodb_contributor_insights`.
    ContributorInsights(ContributorInsights),
    /// CFN `AWS::ApplicationAutoScaling::ScalableTarget`, TF `aws_appautoscaling_target`.
    ScalableTarget(ScalableTarget),
    /// Any other resource: kept so references to it resolve and counts are right.
    Other,
}

/// How a table was declared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TableKind {
    /// `AWS::DynamoDB::Table`, `aws_dynamodb_table`: settings on the table, replicas optional.
    Table,
    /// `AWS::DynamoDB::GlobalTable`, `aws_dynamodb_global_table`: PITR, protection and
    /// keys per replica.
    Global,
}

#[derive(Clone, Debug, Serialize)]
pub struct Table {
    pub table_kind: TableKind,
    /// `TableName` / `name`: unset means a generated name.
    pub name: Option<Prop<Str>>,
    pub key_schema: Vec<KeyElement>,
    /// Span of the key schema (`KeySchema`, or TF `hash_key`).
    #[serde(serialize_with = "ser_opt_span")]
    pub key_schema_span: Option<Span>,
    pub attributes: Vec<AttributeDef>,
    #[serde(serialize_with = "ser_opt_span")]
    pub attributes_span: Option<Span>,
    pub gsis: Vec<Index>,
    #[serde(serialize_with = "ser_opt_span")]
    pub gsis_span: Option<Span>,
    pub lsis: Vec<Index>,
    #[serde(serialize_with = "ser_opt_span")]
    pub lsis_span: Option<Span>,
    /// `PAY_PER_REQUEST` or `PROVISIONED` (unset means provisioned).
    pub billing_mode: Option<Prop<String>>,
    /// Point-in-time recovery on the table itself (not used for `Global`).
    pub pitr: Option<Prop<bool>>,
    pub pitr_recovery_days: Option<Prop<i64>>,
    pub sse: Sse,
    pub deletion_protection: Option<Prop<bool>>,
    /// CFN `DeletionPolicy` / `UpdateReplacePolicy`.
    pub deletion_policy: Option<Prop<String>>,
    pub update_replace_policy: Option<Prop<String>>,
    /// TF `lifecycle { prevent_destroy }`.
    pub prevent_destroy: Option<Prop<bool>>,
    pub tags: Vec<Tag>,
    pub contributor_insights: Option<Prop<bool>>,
    pub replicas: Vec<Replica>,
    /// Resource-based policies attached to the table, its stream or its replicas (CFN
    /// `ResourcePolicy`).
    pub resource_policies: Vec<Policy>,
    /// Provisioned capacity (`ProvisionedThroughput`, TF `read_capacity`/`write_capacity`).
    pub read_capacity: Option<Prop<i64>>,
    pub write_capacity: Option<Prop<i64>>,
    /// Where the capacity is written (`ProvisionedThroughput`, TF `write_capacity`).
    #[serde(serialize_with = "ser_opt_span")]
    pub capacity_span: Option<Span>,
}

impl Table {
    pub fn new(table_kind: TableKind) -> Table {
        Table {
            table_kind,
            name: None,
            key_schema: Vec::new(),
            key_schema_span: None,
            attributes: Vec::new(),
            attributes_span: None,
            gsis: Vec::new(),
            gsis_span: None,
            lsis: Vec::new(),
            lsis_span: None,
            billing_mode: None,
            pitr: None,
            pitr_recovery_days: None,
            sse: Sse::default(),
            deletion_protection: None,
            deletion_policy: None,
            update_replace_policy: None,
            prevent_destroy: None,
            tags: Vec::new(),
            contributor_insights: None,
            replicas: Vec::new(),
            resource_policies: Vec::new(),
            read_capacity: None,
            write_capacity: None,
            capacity_span: None,
        }
    }

    /// The known name, if the table has a literal one.
    pub fn known_name(&self) -> Option<&str> {
        self.name.as_ref()?.get()?.as_lit()
    }

    pub fn tag(&self, key: &str) -> Option<&Tag> {
        self.tags.iter().rev().find(|t| t.key == key)
    }

    /// The hash and range key attribute names, when known.
    pub fn hash_key(&self) -> Option<&KeyElement> {
        self.key_schema
            .iter()
            .find(|k| k.key_type.get() == Some(&KeyType::Hash))
    }

    pub fn range_key(&self) -> Option<&KeyElement> {
        self.key_schema
            .iter()
            .find(|k| k.key_type.get() == Some(&KeyType::Range))
    }

    pub fn is_provisioned(&self) -> bool {
        match &self.billing_mode {
            None => true,
            Some(p) => p
                .known_values()
                .iter()
                .any(|(m, _)| m.eq_ignore_ascii_case("PROVISIONED")),
        }
    }
}

fn ser_opt_span<S: serde::Serializer>(span: &Option<Span>, s: S) -> Result<S::Ok, S::Error> {
    span.map(|sp| [sp.start, sp.end]).serialize(s)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum KeyType {
    Hash,
    Range,
}

#[derive(Clone, Debug, Serialize)]
pub struct KeyElement {
    pub attribute: Prop<String>,
    pub key_type: Prop<KeyType>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AttributeDef {
    pub name: Prop<String>,
    /// `S`, `N` or `B`.
    pub attr_type: Prop<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Index {
    pub name: Prop<String>,
    pub key_schema: Vec<KeyElement>,
    /// The span of the index as a whole (its list item or block).
    #[serde(serialize_with = "value::ser_span")]
    pub span: Span,
    /// Whether the index has its own provisioned throughput.
    pub provisioned: bool,
    /// Its provisioned capacity, when written.
    pub read_capacity: Option<Prop<i64>>,
    pub write_capacity: Option<Prop<i64>>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Sse {
    /// `SSEEnabled` / `server_side_encryption.enabled`.
    pub enabled: Option<Prop<bool>>,
    /// `SSEType` (`KMS`, `AES256`).
    pub sse_type: Option<Prop<String>>,
    /// `KMSMasterKeyId` / `kms_key_arn`.
    pub key: Option<Prop<Str>>,
    #[serde(serialize_with = "ser_opt_span")]
    pub span: Option<Span>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Tag {
    pub key: String,
    pub value: Prop<Str>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Replica {
    pub region: Prop<Str>,
    #[serde(serialize_with = "value::ser_span")]
    pub span: Span,
    pub pitr: Option<Prop<bool>>,
    pub pitr_recovery_days: Option<Prop<i64>>,
    pub deletion_protection: Option<Prop<bool>>,
    /// The replica's own key (`SSESpecification.KMSMasterKeyId`, TF `kms_key_arn`).
    pub kms_key: Option<Prop<Str>>,
    pub contributor_insights: Option<Prop<bool>>,
    pub tags: Vec<Tag>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Dax {
    pub sse_enabled: Option<Prop<bool>>,
    /// `ClusterEndpointEncryptionType` / `cluster_endpoint_encryption_type`: `NONE` or `TLS`.
    pub endpoint_encryption: Option<Prop<String>>,
    /// `ReplicationFactor` / `replication_factor`: the number of nodes.
    pub replication_factor: Option<Prop<i64>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct VpcEndpoint {
    pub service_name: Option<Prop<Str>>,
    /// `Gateway` (the default when unset), `Interface`, `GatewayLoadBalancer`.
    pub endpoint_type: Option<Prop<String>>,
    pub vpc: Option<Prop<Str>>,
    pub route_tables: Vec<Prop<Str>>,
    #[serde(serialize_with = "ser_opt_span")]
    pub route_tables_span: Option<Span>,
}

#[derive(Clone, Debug, Serialize)]
pub struct EndpointRouteTable {
    pub endpoint: Option<Prop<Str>>,
    pub route_table: Option<Prop<Str>>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Alarm {
    /// Every metric the alarm watches: one for a plain alarm, several for metric math.
    pub metrics: Vec<Metric>,
    /// `AlarmActions` / `alarm_actions`: what runs when the alarm fires.
    pub actions: Vec<Prop<Str>>,
    #[serde(serialize_with = "ser_opt_span")]
    pub actions_span: Option<Span>,
    /// `ActionsEnabled` / `actions_enabled` (unset means enabled).
    pub actions_enabled: Option<Prop<bool>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Metric {
    pub namespace: Option<Prop<Str>>,
    pub metric_name: Option<Prop<Str>>,
    pub dimensions: Vec<Dimension>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Dimension {
    pub name: Prop<Str>,
    pub value: Prop<Str>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct KmsKey {
    pub rotation: Option<Prop<bool>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct KmsAlias {
    pub name: Option<Prop<Str>>,
    pub target_key: Option<Prop<Str>>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Policy {
    pub statements: Vec<Statement>,
    /// A resource-based policy standing alone (TF `aws_dynamodb_resource_policy`): the
    /// ARN of the table or stream it is attached to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_arn: Option<Prop<Str>>,
    /// What a resource-based policy is on, when not the table itself: `the stream`,
    /// `replica eu-west-1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on: Option<String>,
    /// A role's trust policy (`AssumeRolePolicyDocument`, TF `assume_role_policy`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trust: Vec<Statement>,
}

/// A principal of a policy statement: `*`, or a type (`AWS`, `Service`, `Federated`,
/// `CanonicalUser`) and one identifier.
#[derive(Clone, Debug, Serialize)]
pub struct Principal {
    /// `*` for `Principal: "*"`, else the type as written.
    pub kind: String,
    pub value: Prop<Str>,
}

/// An Application Auto Scaling target.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ScalableTarget {
    /// `ServiceNamespace` / `service_namespace`: `dynamodb`.
    pub namespace: Option<Prop<Str>>,
    /// `ResourceId` / `resource_id`: `table/NAME` or `table/NAME/index/INDEX`.
    pub resource_id: Option<Prop<Str>>,
    /// `ScalableDimension` / `scalable_dimension`: `dynamodb:table:ReadCapacityUnits`, …
    pub dimension: Option<Prop<Str>>,
    pub min_capacity: Option<Prop<i64>>,
    pub max_capacity: Option<Prop<i64>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Statement {
    #[serde(serialize_with = "value::ser_span")]
    pub span: Span,
    pub sid: Option<String>,
    /// `Allow` or `Deny` (unset is an invalid statement; kept as unset).
    pub effect: Option<Prop<String>>,
    pub actions: Vec<Prop<Str>>,
    pub not_actions: Vec<Prop<Str>>,
    pub resources: Vec<Prop<Str>>,
    pub not_resources: Vec<Prop<Str>>,
    pub conditions: Vec<Condition>,
    /// `Principal` of a resource-based or trust policy.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub principals: Vec<Principal>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_principals: Vec<Principal>,
}

impl Statement {
    /// Allow, or a branch that may be Allow. Unknown effects are not Allow.
    pub fn is_allow(&self) -> bool {
        self.effect.as_ref().is_some_and(|e| {
            e.known_values()
                .iter()
                .any(|(v, _)| v.eq_ignore_ascii_case("allow"))
        })
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Condition {
    /// `StringEquals`, `ForAllValues:StringEquals`, …
    pub operator: String,
    #[serde(serialize_with = "value::ser_span")]
    pub operator_span: Span,
    pub key: String,
    #[serde(serialize_with = "value::ser_span")]
    pub key_span: Span,
    pub values: Vec<Prop<Str>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ContributorInsights {
    pub table: Option<Prop<Str>>,
    pub index: Option<Prop<Str>>,
    pub enabled: Option<Prop<bool>>,
}

/// What dropping a duplicate key of a policy document costs, when the dropped entry (its
/// key, or the keys of the mapping it held) was a fine-grained access condition:
/// `; the dropped value held the dynamodb:LeadingKeys condition, so the statement now
/// allows every partition key`. Empty otherwise.
pub fn lost_condition_note<'a>(keys: impl IntoIterator<Item = &'a str>) -> String {
    let keys: Vec<&str> = keys.into_iter().collect();
    let mut out = String::new();
    for (key, allows) in [
        ("dynamodb:LeadingKeys", "every partition key"),
        ("dynamodb:Attributes", "every attribute"),
    ] {
        if keys.iter().any(|k| k.eq_ignore_ascii_case(key)) {
            out.push_str(&format!(
                "; the dropped value held the {key} condition, so the statement now allows {allows}"
            ));
        }
    }
    out
}
