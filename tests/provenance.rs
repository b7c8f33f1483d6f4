//! End to end: Terraform findings stand where the user changes the value (the module
//! block's argument, the `.tfvars` line, the `module` block whose input's default applies),
//! never under `.terraform/`; each root module is its own scope; a suppression on a
//! `module` block covers the module's resources.
//!
//! `testdata/terraform/repo`: two root modules (`live/prod`, `live/staging`) share the
//! local module `modules/table`; prod also calls a registry module downloaded under
//! `live/prod/.terraform/modules` (with its `modules.json`).

use ddbguard::Settings;
use ddbguard::report::{Finding, Report};
use std::path::PathBuf;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/terraform/repo")
}

fn check(path: PathBuf) -> Report {
    check_rules(path, &["DDB101", "DDB103", "DDB104", "DDB003"])
}

fn check_rules(path: PathBuf, rules: &[&str]) -> Report {
    let settings = Settings {
        select: rules.iter().map(|s| s.to_string()).collect(),
        ..Settings::default()
    };
    ddbguard::check(&[path], &settings).expect("check runs")
}

/// (rule, resource, path under the repository, line, scope under the repository).
fn rows(report: &Report) -> Vec<(String, String, String, u32, String)> {
    let base = format!("{}/", repo().display());
    let rel = |p: &str| {
        p.strip_prefix(&base)
            .or_else(|| p.split_once("terraform/repo/").map(|(_, r)| r))
            .unwrap_or(p)
            .to_string()
    };
    let mut out: Vec<_> = report
        .findings
        .iter()
        .map(|f: &Finding| {
            (
                f.rule_id.to_string(),
                f.resource
                    .as_ref()
                    .map_or_else(String::new, |r| r.id.clone()),
                rel(&f.path),
                f.location.start_line,
                rel(&f.scope),
            )
        })
        .collect();
    out.sort();
    out
}

fn find<'a>(report: &'a Report, rule: &str, id: &str, scope_end: &str) -> &'a Finding {
    report
        .findings
        .iter()
        .find(|f| {
            f.rule_id == rule
                && f.resource.as_ref().is_some_and(|r| r.id == id)
                && f.scope.ends_with(scope_end)
        })
        .unwrap_or_else(|| panic!("no {rule} on {id} in {scope_end}: {:?}", rows(report)))
}

#[test]
fn findings_stand_where_the_user_sets_the_value() {
    let report = check(repo());
    let r = rows(&report);
    let row = |rule: &str, id: &str, path: &str, line: u32, scope: &str| {
        (
            rule.to_string(),
            id.to_string(),
            path.to_string(),
            line,
            scope.to_string(),
        )
    };
    assert_eq!(
        r,
        [
            // The suppression on `module "sessions"` has no reason.
            row(
                "DDB003",
                "module.sessions.aws_dynamodb_table.this",
                "live/staging/main.tf",
                7,
                "live/staging"
            ),
            // The suppression on `module "orders"` covers the table: it is used.
            row(
                "DDB101",
                "module.orders.aws_dynamodb_table.this",
                "live/staging/main.tf",
                2,
                "live/staging"
            ),
            // The registry module's variable default applies: its module block.
            row(
                "DDB103",
                "module.cache.aws_dynamodb_table.this",
                "live/prod/main.tf",
                13,
                "live/prod"
            ),
            // false comes from terraform.tfvars, through var.protect and the module input.
            row(
                "DDB103",
                "module.orders.aws_dynamodb_table.this",
                "live/prod/terraform.tfvars",
                1,
                "live/prod"
            ),
            // The shared module lacks prevent_destroy: on its resource, once per root.
            row(
                "DDB104",
                "module.events.aws_dynamodb_table.this",
                "modules/table/main.tf",
                15,
                "live/staging"
            ),
            row(
                "DDB104",
                "module.orders.aws_dynamodb_table.this",
                "modules/table/main.tf",
                15,
                "live/prod"
            ),
            row(
                "DDB104",
                "module.orders.aws_dynamodb_table.this",
                "modules/table/main.tf",
                15,
                "live/staging"
            ),
            row(
                "DDB104",
                "module.sessions.aws_dynamodb_table.this",
                "modules/table/main.tf",
                15,
                "live/staging"
            ),
        ],
        "{r:#?}"
    );
    assert!(
        report
            .findings
            .iter()
            .all(|f| !f.path.contains(".terraform/")),
        "a finding under .terraform/"
    );

    let staging = find(
        &report,
        "DDB101",
        "module.orders.aws_dynamodb_table.this",
        "staging",
    );
    assert!(staging.suppression.is_some());
    assert_eq!(staging.help, "set pitr = true in module \"orders\"");
    let related: Vec<(&str, u32, &str)> = staging
        .related
        .iter()
        .map(|x| {
            (
                x.path.rsplit_once("repo/").map_or(&*x.path, |p| p.1),
                x.location.start_line,
                x.message.as_str(),
            )
        })
        .collect();
    assert_eq!(
        related,
        [
            ("modules/table/main.tf", 27, "used here"),
            ("modules/table/main.tf", 7, "default of variable pitr"),
        ]
    );

    let cache = find(
        &report,
        "DDB103",
        "module.cache.aws_dynamodb_table.this",
        "prod",
    );
    assert_eq!(
        cache.help,
        "set deletion_protection = true in module \"cache\""
    );
    let tfvars = find(
        &report,
        "DDB103",
        "module.orders.aws_dynamodb_table.this",
        "prod",
    );
    assert_eq!(tfvars.help, "set protect = true");
    assert!(
        tfvars
            .related
            .iter()
            .any(|x| x.path.ends_with("live/prod/main.tf") && x.location.start_line == 10),
        "{:?}",
        tfvars.related
    );
    // The shared module's own resource names the module block that calls it.
    let shared = find(
        &report,
        "DDB104",
        "module.orders.aws_dynamodb_table.this",
        "prod",
    );
    assert!(
        shared
            .related
            .iter()
            .any(|x| x.path.ends_with("live/prod/main.tf") && x.location.start_line == 6)
    );
    assert!(report.findings.iter().all(|f| !f.scope.is_empty()));
}

#[test]
fn a_root_checked_alone_reads_nothing_outside_it() {
    let whole = rows(&check(repo()));
    let mut each = rows(&check(repo().join("live/prod")));
    each.extend(rows(&check(repo().join("live/staging"))));
    // Checked alone, a root has the shared module (`../../modules/table`) outside its
    // tree: only the checked tree is read, so that module's resources are not there, and
    // what is there is what the whole repository reports.
    let key = |r: &(String, String, String, u32, String)| (r.0.clone(), r.1.clone(), r.4.clone());
    let all: std::collections::BTreeSet<_> = whole.iter().map(key).collect();
    assert!(each.iter().all(|r| all.contains(&key(r))), "{each:#?}");
    assert!(
        !each.iter().any(|r| r.1.starts_with("module.orders.")),
        "{each:#?}"
    );
    // The module downloaded under the root's .terraform is inside it, and still read.
    assert!(
        each.iter()
            .any(|r| r.0 == "DDB103" && r.1 == "module.cache.aws_dynamodb_table.this"),
        "{each:#?}"
    );
    // The scope says why the shared module is not checked.
    let loaded = ddbguard::load(&[repo().join("live/prod")], &Settings::default()).unwrap();
    let notes: Vec<&String> = loaded.scopes.iter().flat_map(|s| &s.notes).collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("module.orders") && n.contains("outside the checked paths")),
        "{notes:#?}"
    );
}

#[test]
fn every_report_carries_the_way_the_value_travelled() {
    let report = check(repo());
    let f = find(
        &report,
        "DDB101",
        "module.orders.aws_dynamodb_table.this",
        "staging",
    );
    let json: serde_json::Value =
        serde_json::from_str(&ddbguard::report::json::render(&report)).expect("JSON");
    let entry = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|x| x["fingerprint"] == f.fingerprint.as_str())
        .expect("the finding in JSON");
    assert!(
        entry["scope"]
            .as_str()
            .is_some_and(|s| s.ends_with("live/staging"))
    );
    assert_eq!(entry["related"][1]["message"], "default of variable pitr");
    assert_eq!(entry["related"][1]["location"]["start_line"], 7);

    let sarif: serde_json::Value =
        serde_json::from_str(&ddbguard::report::sarif::render(&report, None)).expect("SARIF");
    let result = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["partialFingerprints"]["ddbguard/v1"] == f.fingerprint.as_str())
        .expect("the finding in SARIF");
    let related = result["relatedLocations"]
        .as_array()
        .expect("relatedLocations");
    assert_eq!(related.len(), 2);
    assert_eq!(related[1]["id"], 1);
    assert_eq!(
        related[1]["physicalLocation"]["region"]["startLine"], 7,
        "{related:?}"
    );
    let text = result["message"]["text"].as_str().unwrap_or_default();
    assert!(
        text.contains("default of variable pitr: [") && text.contains("](1)"),
        "{text}"
    );
    let logical = &result["locations"][0]["logicalLocations"];
    assert!(
        logical
            .as_array()
            .is_some_and(|l| l.iter().any(|x| x["fullyQualifiedName"]
                .as_str()
                .is_some_and(|s| s.ends_with("live/staging")))),
        "{logical:?}"
    );

    let annotation = ddbguard::report::github::annotation(f);
    assert!(
        annotation.contains("%0A- default of variable pitr ("),
        "{annotation}"
    );
}

#[test]
fn cloudformation_findings_name_the_condition_a_value_hangs_on() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/cloudformation-conditions");
    let report = check_rules(dir, &["DDB101", "DDB103", "DDB402"]);
    let message = |rule: &str| {
        report
            .findings
            .iter()
            .find(|f| f.rule_id == rule && f.path.ends_with("conditions.yaml"))
            .map(|f| f.message.clone())
            .unwrap_or_default()
    };
    assert_eq!(
        message("DDB101"),
        "point-in-time recovery is not enabled on table Orders, unless IsProd (Stage = prod) holds; with the parameter defaults it does not"
    );
    // The table's alarms are left out by their condition: the finding says so.
    assert_eq!(
        report
            .findings
            .iter()
            .find(|f| f.rule_id == "DDB402" && f.path.ends_with("alarms.yaml"))
            .map(|f| f.message.as_str()),
        Some(
            "table Sessions has no CloudWatch alarm on ThrottledRequests (or Read/WriteThrottleEvents) or SystemErrors; the alarms on ThrottledRequests and SystemErrors exist only when HasAlertTopic (AlertTopicArn != '') holds, which is false with the parameter defaults"
        )
    );
    // Other has no default: the condition is unknown, the failing branch says when.
    assert_eq!(
        message("DDB103"),
        "deletion protection is not enabled on table Orders, unless IsX (Other = x) holds"
    );
}

/// In a CDK app the user changes the construct: every rule that fires on a CDK fixture
/// says which property of which construct (`testdata/rules/DDBnnn/fail_cdk*`).
#[test]
fn cdk_help_names_the_construct_property() {
    let rules = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/rules");
    // (rule, fixture, what the help of each of its findings says)
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "DDB101",
            "fail_cdk.template.json",
            &[
                "pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true }",
                "(in Table OrdersStack/Orders)",
            ],
        ),
        (
            "DDB101",
            "fail_cdk_tablev2.template.json",
            &[
                "pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true }",
                "every replica takes",
                "(in TableV2 OrdersStack/Orders)",
            ],
        ),
        (
            "DDB101",
            "fail_cdk_replica.template.json",
            &["use a TableV2", "(in Table OrdersStack/Orders)"],
        ),
        (
            "DDB102",
            "fail_cdk.template.json",
            &[
                "recoveryPeriodInDays in pointInTimeRecoverySpecification",
                "(in Table OrdersStack/Orders)",
            ],
        ),
        (
            "DDB103",
            "fail_cdk.template.json",
            &[
                "set deletionProtection: true",
                "(in Table OrdersStack/Orders)",
            ],
        ),
        (
            "DDB103",
            "fail_cdk_tablev2.template.json",
            &[
                "set deletionProtection: true",
                "(in TableV2 OrdersStack/Orders)",
            ],
        ),
        (
            "DDB103",
            "fail_cdk_cfntable.template.json",
            &[
                "set deletionProtectionEnabled: true",
                "(in CfnTable OrdersStack/Orders)",
            ],
        ),
        (
            "DDB104",
            "fail_cdk.template.json",
            &[
                "removalPolicy: RemovalPolicy.RETAIN",
                "(in Table OrdersStack/Orders)",
            ],
        ),
        (
            "DDB201",
            "fail_cdk_aws_managed.template.json",
            &[
                "encryption: TableEncryption.CUSTOMER_MANAGED",
                "encryptionKey",
                "(in Table PaymentsStack/PaymentsTable)",
            ],
        ),
        (
            "DDB202",
            "fail_cdk_key.template.json",
            &[
                "enableKeyRotation: true",
                "(in construct OrdersStack/OrdersKey)",
            ],
        ),
        (
            "DDB203",
            "fail_cdk.template.json",
            &[
                "sseSpecification: { sseEnabled: true }",
                "(in construct CacheStack/SessionCache/Cluster)",
            ],
        ),
        (
            "DDB204",
            "fail_cdk.template.json",
            &[
                "clusterEndpointEncryptionType: 'TLS'",
                "(in construct CacheStack/SessionCache/Cluster)",
            ],
        ),
        (
            "DDB205",
            "fail_cdk.template.json",
            &[
                "replicationFactor: 3",
                "(in construct CacheStack/SessionCache/Cluster)",
            ],
        ),
        (
            "DDB301",
            "fail_cdk_no_endpoint.template.json",
            &["vpc.addGatewayEndpoint(", "(in construct AppStack/Vpc)"],
        ),
        (
            "DDB302",
            "fail_cdk_interface.template.json",
            &[
                "vpc.addGatewayEndpoint",
                "(in construct NetworkStack/Vpc/DynamoDbInterface)",
            ],
        ),
        (
            "DDB303",
            "fail_cdk_no_subnets.template.json",
            &[
                "subnets: [{ subnetType:",
                "(in construct NetworkStack/Vpc/DynamoDb)",
            ],
        ),
        (
            "DDB401",
            "fail_cdk_table_alarm_only.template.json",
            &[
                "cloudwatch.Alarm",
                "dimensionsMap",
                "(in Table DataStack/Orders)",
            ],
        ),
        (
            "DDB402",
            "fail_cdk_assembly",
            &["cloudwatch.Alarm", "table.metric", "(in Table "],
        ),
        (
            "DDB403",
            "fail_cdk_tablev2.template.json",
            &[
                "table.metric('ReplicationLatency')",
                "(in TableV2 OrdersStack/Orders)",
            ],
        ),
        (
            "DDB404",
            "fail_cdk_table_v2.template.json",
            &[
                "contributorInsightsSpecification: { enabled: true }",
                "(in TableV2 OrdersStack/OrdersTable)",
            ],
        ),
        (
            "DDB405",
            "fail_cdk.template.json",
            &[
                "autoScaleGlobalSecondaryIndexWriteCapacity('ByCustomer'",
                "(in Table OrdersStack/Orders)",
            ],
        ),
        (
            "DDB406",
            "fail_cdk.template.json",
            &[
                "table.autoScaleReadCapacity(",
                "(in Table OrdersStack/Orders)",
            ],
        ),
        (
            "DDB407",
            "fail_cdk.template.json",
            &[
                "alarm.addAlarmAction(",
                "(in construct OrdersStack/OrdersThrottles)",
            ],
        ),
        (
            "DDB503",
            "fail_cdk.template.json",
            &[
                "table.addLocalSecondaryIndex(",
                "(in Table OrdersStack/Orders)",
            ],
        ),
        (
            "DDB504",
            "fail_cdk.template.json",
            &[
                "table.addGlobalSecondaryIndex(",
                "(in Table OrdersStack/Orders)",
            ],
        ),
        (
            "DDB505",
            "fail_cdk.template.json",
            &["sortKey: {", "(in Table OrdersStack/Orders)"],
        ),
        (
            "DDB506",
            "fail_cdk.template.json",
            &["(in Table OrdersStack/Orders)"],
        ),
        (
            "DDB507",
            "fail_cdk.template.json",
            &[
                "table.addGlobalSecondaryIndex(",
                "(in Table OrdersStack/Orders)",
            ],
        ),
        (
            "DDB601",
            "fail_cdk_grant.template.json",
            &[
                "table.grantReadData",
                "(in construct OrdersStack/Handler/ServiceRole/DefaultPolicy)",
            ],
        ),
        (
            "DDB602",
            "fail_cdk_all_tables.template.json",
            &[
                "table.tableArn",
                "(in construct ReportsStack/ReportsRole/DefaultPolicy)",
            ],
        ),
        (
            "DDB603",
            "fail_cdk_grant_admin.template.json",
            &[
                "table.grantReadWriteData",
                "(in construct OrdersStack/Handler/ServiceRole/DefaultPolicy)",
            ],
        ),
        (
            "DDB604",
            "fail_cdk_not_action.template.json",
            &[
                "notActions",
                "(in construct OrdersStack/Handler/ServiceRole/DefaultPolicy)",
            ],
        ),
        (
            "DDB605",
            "fail_cdk_condition.template.json",
            &[
                "'ForAllValues:StringEquals'",
                "(in construct OrdersStack/Handler/ServiceRole/DefaultPolicy)",
            ],
        ),
        (
            "DDB606",
            "fail_cdk.template.json",
            &["new iam.ArnPrincipal", "(in Table OrdersStack/Orders)"],
        ),
    ];
    for (rule, fixture, wants) in cases {
        let report = check_rules(rules.join(rule).join(fixture), &[rule]);
        let helps: Vec<&str> = report
            .findings
            .iter()
            .filter(|f| f.rule_id == *rule)
            .map(|f| f.help.as_str())
            .collect();
        assert!(!helps.is_empty(), "{rule} {fixture}: no finding");
        for help in helps {
            for want in *wants {
                assert!(
                    help.contains(want),
                    "{rule} {fixture}: {help:?} lacks {want:?}"
                );
            }
        }
    }
}

/// `testdata/terraform/unset`: a module whose variable defaults to null leaves
/// `deletion_protection_enabled` unset, and `dynamic` blocks whose `for_each` a variable
/// empties leave out `point_in_time_recovery` and `server_side_encryption`: the findings
/// stand where the variable is set, and name it.
#[test]
fn values_that_leave_a_property_unset_are_named() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/terraform/unset");
    let report = check_rules(dir, &["DDB101", "DDB103", "DDB201"]);
    let got: Vec<(String, String, String, u32, String)> = report
        .findings
        .iter()
        .map(|f| {
            (
                f.rule_id.to_string(),
                f.resource
                    .as_ref()
                    .map_or_else(String::new, |r| r.id.clone()),
                f.path
                    .rsplit_once("unset/")
                    .map_or(f.path.clone(), |p| p.1.to_string()),
                f.location.start_line,
                f.help.clone(),
            )
        })
        .collect();
    let row = |rule: &str, id: &str, path: &str, line: u32, help: &str| {
        (
            rule.to_string(),
            id.to_string(),
            path.to_string(),
            line,
            help.to_string(),
        )
    };
    assert_eq!(
        got,
        [
            // The default of `pitr` (false) empties the dynamic block's for_each.
            row(
                "DDB101",
                "module.orders.aws_dynamodb_table.this",
                "live/main.tf",
                1,
                "set pitr = true in module \"orders\""
            ),
            // `deletion_protection_enabled` defaults to null.
            row(
                "DDB103",
                "module.orders.aws_dynamodb_table.this",
                "live/main.tf",
                1,
                "set deletion_protection_enabled = true in module \"orders\""
            ),
            // `sse = false` empties the server_side_encryption block of a confidential
            // table: turning it on is enough.
            row(
                "DDB201",
                "module.secrets.aws_dynamodb_table.this",
                "live/main.tf",
                23,
                "set sse = true in module \"secrets\""
            ),
            // false from terraform.tfvars, through the module argument.
            row(
                "DDB101",
                "module.events.aws_dynamodb_table.this",
                "live/terraform.tfvars",
                1,
                "set events_pitr = true"
            ),
        ],
        "{got:#?}"
    );
    let orders = find(
        &report,
        "DDB101",
        "module.orders.aws_dynamodb_table.this",
        "unset/live",
    );
    let related: Vec<&str> = orders.related.iter().map(|r| r.message.as_str()).collect();
    assert_eq!(
        related,
        [
            "used here",
            "chosen by this condition, which is false",
            "default of variable pitr"
        ]
    );
}

/// `testdata/terraform/remote-alarms`: a registry module's table lacks alarms. The
/// findings stand on the `module` block, say the module offers no input, and tell how to
/// add the alarm in the calling configuration, by the table's name; following that help
/// clears the finding.
#[test]
fn missing_alarms_in_a_remote_module_stand_on_its_module_block() {
    let live =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/terraform/remote-alarms/live");
    let report = check_rules(live.clone(), &["DDB401", "DDB402", "DDB403"]);
    let mut rules: Vec<&str> = report.findings.iter().map(|f| f.rule_id).collect();
    rules.sort();
    assert_eq!(rules, ["DDB401", "DDB402", "DDB403"]);
    for f in &report.findings {
        assert!(f.path.ends_with("remote-alarms/live/main.tf"), "{}", f.path);
        assert_eq!(f.location.start_line, 1);
        assert!(
            f.help.starts_with(
                "module \"table\" (outside the checked tree) offers no input for this: in the calling configuration, add "
            ) && f.help.contains("TableName = \"orders\"")
                && !f.help.contains("module.table.aws_dynamodb_table"),
            "{}",
            f.help
        );
        assert!(
            f.related
                .iter()
                .any(|r| r.path.contains(".terraform/modules/table"))
        );
    }

    // Do as DDB402 says, beside the module block.
    let dir = tempfile::tempdir().expect("temp dir");
    let copy = dir.path().join("live");
    for rel in [
        "main.tf",
        ".terraform/modules/modules.json",
        ".terraform/modules/table/main.tf",
    ] {
        let to = copy.join(rel);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(live.join(rel), &to).expect("copy");
    }
    let alarm = |name: &str, metric: &str| {
        format!(
            "resource \"aws_cloudwatch_metric_alarm\" \"{name}\" {{\n  alarm_name = \"{name}\"\n  namespace = \"AWS/DynamoDB\"\n  metric_name = \"{metric}\"\n  comparison_operator = \"GreaterThanThreshold\"\n  evaluation_periods = 1\n  period = 60\n  statistic = \"Sum\"\n  threshold = 0\n  dimensions = {{ TableName = \"orders\" }}\n}}\n"
        )
    };
    std::fs::write(
        copy.join("alarms.tf"),
        alarm("throttles", "ThrottledRequests") + &alarm("errors", "SystemErrors"),
    )
    .expect("write");
    let after = check_rules(copy, &["DDB402"]);
    assert!(after.findings.is_empty(), "{:?}", after.findings);
}

/// `testdata/terraform/gone`: a module makes its alarms only when `create_alarms` is
/// true (`count = var.enabled && var.create_alarms ? 1 : 0`). Where the default (false) applies, the
/// missing-alarm finding stands on the `module` block, says why, and names the input;
/// where the caller sets it, the alarms exist and nothing is reported.
#[test]
fn resources_a_count_leaves_out_name_the_input_that_would_make_them() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/terraform/gone");
    let report = check_rules(dir, &["DDB402"]);
    let [f] = report.findings.as_slice() else {
        panic!("{:?}", report.findings);
    };
    assert_eq!(
        f.resource.as_ref().map(|r| r.id.as_str()),
        Some("module.orders.aws_dynamodb_table.this")
    );
    assert!(f.path.ends_with("gone/live/main.tf"), "{}", f.path);
    assert_eq!(f.location.start_line, 1);
    assert!(
        f.message.ends_with(
            "; module \"orders\" leaves out its aws_cloudwatch_metric_alarm resources: create_alarms is false"
        ),
        "{}",
        f.message
    );
    assert_eq!(f.help, "set create_alarms = true in module \"orders\"");
    let related: Vec<(u32, &str)> = f
        .related
        .iter()
        .map(|r| (r.location.start_line, r.message.as_str()))
        .collect();
    assert_eq!(
        related,
        [
            (
                36,
                "every aws_cloudwatch_metric_alarm of this module is left out here"
            ),
            (36, "chosen by this condition, which is false"),
            // `var.enabled && var.create_alarms`: the false side decides.
            (36, "passes through here"),
            (7, "default of variable create_alarms"),
        ]
    );
}
