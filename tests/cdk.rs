//! The CDK frontend end to end: rule fixtures in CDK form, a multi-stack assembly with a
//! nested stack and cross-stack references, and bad assemblies.

use ddbguard::model::{Format, Kind, Part, Resource, Scope, Str, Table};
use ddbguard::{Settings, check, load};
use std::fs;
use std::path::{Path, PathBuf};

const SHOP: &str = "testdata/cdk/shop/cdk.out";

fn settings(select: &[&str]) -> Settings {
    Settings {
        select: select.iter().map(|s| s.to_string()).collect(),
        ..Settings::default()
    }
}

fn load_one(path: &Path) -> Scope {
    let loaded = load(&[path.to_path_buf()], &Settings::default()).expect("load");
    let mut cdk: Vec<Scope> = loaded
        .scopes
        .into_iter()
        .filter(|s| s.format == Format::Cdk)
        .collect();
    assert_eq!(cdk.len(), 1, "one CDK scope expected");
    cdk.remove(0)
}

fn resource<'a>(scope: &'a Scope, prefix: &str) -> &'a Resource {
    scope
        .resources
        .iter()
        .find(|r| r.id.starts_with(prefix))
        .unwrap_or_else(|| panic!("no resource {prefix}* in {:?}", ids(scope)))
}

fn ids(scope: &Scope) -> Vec<&str> {
    scope.resources.iter().map(|r| r.id.as_str()).collect()
}

fn table(r: &Resource) -> &Table {
    match &r.kind {
        Kind::Table(t) => t,
        other => panic!("{} is not a table: {other:?}", r.id),
    }
}

/// (metric name, [(dimension name, dimension value)]) of every metric an alarm watches.
fn metrics(r: &Resource) -> Vec<(String, Vec<(String, Str)>)> {
    let Kind::Alarm(alarm) = &r.kind else {
        panic!("{} is not an alarm", r.id)
    };
    alarm
        .metrics
        .iter()
        .map(|m| {
            let name = m
                .metric_name
                .as_ref()
                .and_then(|p| p.get())
                .map(Str::render)
                .unwrap_or_default();
            let dims = m
                .dimensions
                .iter()
                .filter_map(|d| Some((d.name.get()?.render(), d.value.get()?.clone())))
                .collect();
            (name, dims)
        })
        .collect()
}

fn reference(target: &str) -> Str {
    Str(vec![Part::Ref {
        target: target.to_string(),
        attr: None,
    }])
}

#[test]
fn rule_fixtures_in_cdk_form_pass_and_fail() {
    let mut checked = 0;
    for dir in fs::read_dir("testdata/rules")
        .expect("testdata/rules")
        .flatten()
    {
        let rule = dir.file_name().to_string_lossy().to_string();
        if !dir.path().is_dir() {
            continue;
        }
        for file in fs::read_dir(dir.path()).expect("rule dir").flatten() {
            let name = file.file_name().to_string_lossy().to_string();
            if !name.ends_with(".template.json") {
                continue;
            }
            let report = check(&[file.path()], &settings(&[&rule])).expect("check");
            let mine: Vec<_> = report
                .findings
                .iter()
                .filter(|f| f.rule_id == rule)
                .collect();
            if name.starts_with("pass") {
                assert!(mine.is_empty(), "{rule}/{name}: unexpected {mine:#?}");
            } else {
                assert!(!mine.is_empty(), "{rule}/{name}: no {rule} finding");
                for f in mine {
                    assert_eq!(f.format, Format::Cdk, "{rule}/{name}");
                    let path = f.resource.as_ref().and_then(|r| r.cdk_path.as_deref());
                    assert!(
                        path.is_some_and(|p| !p.is_empty() && !p.starts_with('/')),
                        "{rule}/{name}: {path:?}"
                    );
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 14, "only {checked} CDK fixtures found");
}

#[test]
fn replicas_of_a_table_with_replication_regions_are_modelled() {
    let scope = load_one(Path::new(
        "testdata/rules/DDB101/fail_cdk_replica.template.json",
    ));
    let t = table(resource(&scope, "Orders"));
    assert_eq!(t.replicas.len(), 1);
    assert_eq!(
        t.replicas[0].region.get().map(Str::render).as_deref(),
        Some("eu-west-1")
    );
    let report = check(
        &[PathBuf::from(
            "testdata/rules/DDB101/fail_cdk_replica.template.json",
        )],
        &settings(&["DDB101"]),
    )
    .expect("check");
    assert_eq!(report.findings.len(), 1);
    assert!(
        report.findings[0].message.contains("replica eu-west-1"),
        "{}",
        report.findings[0].message
    );
}

#[test]
fn an_assembly_is_one_scope_with_every_stack_and_nested_stack() {
    let scope = load_one(Path::new(SHOP));
    assert!(scope.name.ends_with("shop/cdk.out"), "{}", scope.name);
    assert!(
        scope
            .notes
            .iter()
            .any(|n| n == "3 stack(s), 1 of them nested"),
        "{:?}",
        scope.notes
    );
    assert!(scope.problems.is_empty(), "{:?}", scope.problems);
    assert_eq!(scope.resources.len(), 8, "{:?}", ids(&scope));
    // The report keeps CloudFormation logical IDs.
    assert!(ids(&scope).contains(&"OrdersA9B65338"));
    assert!(ids(&scope).contains(&"ArchiveTable4E5864BF"));
}

#[test]
fn gsi_alarm_in_another_stack_names_the_table_and_index() {
    let scope = load_one(Path::new(SHOP));
    let orders = resource(&scope, "OrdersA9B");
    let gsi = table(orders).gsis[0].name.get().cloned();
    assert_eq!(gsi.as_deref(), Some("byCustomer"));
    let alarm = resource(&scope, "OrdersByCustomerThrottles");
    assert_ne!(alarm.file, orders.file, "the alarm lives in another stack");
    let m = metrics(alarm);
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].0, "WriteThrottleEvents");
    assert!(
        m[0].1
            .contains(&("TableName".into(), reference(&orders.id))),
        "{m:?}"
    );
    assert!(
        m[0].1
            .contains(&("GlobalSecondaryIndexName".into(), Str::lit("byCustomer"))),
        "{m:?}"
    );
}

#[test]
fn metric_math_alarm_counts_for_each_metric_it_uses() {
    let scope = load_one(Path::new(SHOP));
    let m = metrics(resource(&scope, "OrdersThrottledRequests"));
    assert_eq!(m.len(), 3, "one metric per operation: {m:?}");
    for (name, dims) in &m {
        assert_eq!(name, "ThrottledRequests");
        assert!(
            dims.contains(&("TableName".into(), reference("OrdersA9B65338"))),
            "{dims:?}"
        );
    }
}

#[test]
fn nested_stack_parameters_and_outputs_resolve() {
    let scope = load_one(Path::new(SHOP));
    // Parent table passed into the nested stack as a parameter.
    let m = metrics(resource(&scope, "OrdersConsumedWrites"));
    assert!(
        m[0].1
            .contains(&("TableName".into(), reference("OrdersA9B65338"))),
        "{m:?}"
    );
    // Import of an export whose value is a nested stack's output, which is a Ref.
    let m = metrics(resource(&scope, "ArchiveSystemErrors"));
    assert!(
        m[0].1
            .contains(&("TableName".into(), reference("ArchiveTable4E5864BF"))),
        "{m:?}"
    );
}

#[test]
fn construct_paths_come_from_metadata_manifest_or_tree() {
    let scope = load_one(Path::new(SHOP));
    let path = |id: &str| resource(&scope, id).cdk_path.clone();
    // aws:cdk:path metadata in the template.
    assert_eq!(
        path("OrdersA9B").as_deref(),
        Some("DataStack/Orders/Resource")
    );
    // manifest.json artifact metadata (the template has none).
    assert_eq!(
        path("OrdersByCustomerThrottles").as_deref(),
        Some("MonitoringStack/OrdersByCustomerThrottles/Resource")
    );
    // tree.json (neither template nor manifest has it).
    assert_eq!(
        path("ArchiveTable").as_deref(),
        Some("DataStack/Archive.NestedStack/Archive/ArchiveTable/Resource")
    );
    assert!(
        scope.resources.iter().all(|r| r.cdk_path.is_some()),
        "{:?}",
        ids(&scope)
    );
}

#[test]
fn findings_point_into_the_nested_template_with_the_construct_path() {
    let report = check(&[PathBuf::from(SHOP)], &Settings::default()).expect("check");
    let f = report
        .findings
        .iter()
        .find(|f| f.rule_id == "DDB101")
        .expect("DDB101 on the nested table");
    assert!(f.path.ends_with(".nested.template.json"), "{}", f.path);
    assert_eq!(f.location.start_line, 8);
    let r = f.resource.as_ref().expect("resource");
    assert_eq!(r.id, "ArchiveTable4E5864BF");
    assert_eq!(
        r.cdk_path.as_deref(),
        Some("DataStack/Archive.NestedStack/Archive/ArchiveTable/Resource")
    );
    assert_eq!(report.summary.scopes, 1);
    assert!(report.findings.iter().all(|f| f.rule_id != "DDB001"));
}

// ---------------------------------------------------------------- bad input

fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).expect("mkdir");
    }
    fs::write(path, text).expect("write");
}

const TABLE_TEMPLATE: &str = r#"{
 "Resources": {
  "ItemsD1A2B3C4": {
   "Type": "AWS::DynamoDB::Table",
   "Properties": {
    "AttributeDefinitions": [{"AttributeName": "sku", "AttributeType": "S"}],
    "KeySchema": [{"AttributeName": "sku", "KeyType": "HASH"}],
    "BillingMode": "PAY_PER_REQUEST"
   }
  }
 }
}
"#;

fn manifest(stacks: &[(&str, &str)], extra: &str) -> String {
    let arts: Vec<String> = stacks
        .iter()
        .map(|(id, file)| {
            format!(
                r#""{id}": {{"type": "aws:cloudformation:stack", "properties": {{"templateFile": "{file}"}}, "displayName": "{id}"}}"#
            )
        })
        .collect();
    format!(
        "{{\"version\": \"38.0.0\", \"artifacts\": {{{}{extra}}}}}\n",
        arts.join(", ")
    )
}

fn ddb001(report: &ddbguard::report::Report) -> Vec<(String, u32, String)> {
    report
        .findings
        .iter()
        .filter(|f| f.rule_id == "DDB001")
        .map(|f| (f.path.clone(), f.location.start_line, f.message.clone()))
        .collect()
}

#[test]
fn a_foreign_manifest_is_not_an_assembly() {
    let dir = tempfile::tempdir().expect("tmp");
    write(
        &dir.path().join("web/manifest.json"),
        r#"{"name": "Shop", "version": "1.0", "icons": [], "start_url": "/"}"#,
    );
    write(&dir.path().join("web/app.template.json"), TABLE_TEMPLATE);
    let report = check(&[dir.path().to_path_buf()], &Settings::default()).expect("check");
    assert!(ddb001(&report).is_empty(), "{:?}", ddb001(&report));
    let f = report
        .findings
        .iter()
        .find(|f| f.rule_id == "DDB101")
        .expect("template still checked");
    assert_eq!(f.format, Format::Cloudformation);
}

#[test]
fn a_missing_template_is_reported_at_the_manifest_and_the_rest_is_checked() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("cdk.out");
    write(
        &out.join("manifest.json"),
        &manifest(
            &[
                ("Gone", "Gone.template.json"),
                ("Here", "Here.template.json"),
            ],
            "",
        ),
    );
    write(&out.join("Here.template.json"), TABLE_TEMPLATE);
    let report = check(&[dir.path().to_path_buf()], &Settings::default()).expect("check");
    let problems = ddb001(&report);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].0.ends_with("cdk.out/manifest.json"));
    assert_eq!(problems[0].1, 1);
    assert!(
        problems[0].2.contains("Gone.template.json"),
        "{}",
        problems[0].2
    );
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.rule_id == "DDB101" && f.format == Format::Cdk)
    );
}

#[test]
fn a_missing_nested_stack_template_is_reported_at_its_asset_path() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("cdk.out");
    write(
        &out.join("manifest.json"),
        &manifest(&[("Parent", "Parent.template.json")], ""),
    );
    write(
        &out.join("Parent.template.json"),
        r#"{
 "Resources": {
  "ChildNestedStackChildNestedStackResource12345678": {
   "Type": "AWS::CloudFormation::Stack",
   "Properties": {"TemplateURL": "https://example.invalid/x.json"},
   "Metadata": {
    "aws:asset:path": "ParentChild12345678.nested.template.json"
   }
  }
 }
}
"#,
    );
    let report = check(std::slice::from_ref(&out), &Settings::default()).expect("check");
    let problems = ddb001(&report);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].0.ends_with("Parent.template.json"));
    assert_eq!(problems[0].1, 7);
    assert!(problems[0].2.contains("does not exist"));
}

#[test]
fn a_manifest_that_does_not_parse_is_ddb001() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("cdk.out");
    write(
        &out.join("manifest.json"),
        "{\"version\": \"38.0.0\", \"artifacts\": {\n",
    );
    let report = check(&[dir.path().to_path_buf()], &Settings::default()).expect("check");
    let problems = ddb001(&report);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].0.ends_with("cdk.out/manifest.json"));
}

#[test]
fn nested_assemblies_are_scopes_of_their_own_and_cycles_stop() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("cdk.out");
    let nested = r#", "assembly-Prod": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "assembly-Prod"}}"#;
    write(
        &out.join("manifest.json"),
        &manifest(&[("Top", "Top.template.json")], nested),
    );
    write(&out.join("Top.template.json"), TABLE_TEMPLATE);
    // The nested assembly names itself again: a cycle.
    let cycle =
        r#", "again": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "."}}"#;
    write(
        &out.join("assembly-Prod/manifest.json"),
        &manifest(&[("ProdData", "ProdData.template.json")], cycle),
    );
    write(
        &out.join("assembly-Prod/ProdData.template.json"),
        TABLE_TEMPLATE,
    );
    // An unrelated assembly inside this one is its own scope.
    write(
        &out.join("other/manifest.json"),
        &manifest(&[("Other", "Other.template.json")], ""),
    );
    write(&out.join("other/Other.template.json"), TABLE_TEMPLATE);

    let loaded = load(&[dir.path().to_path_buf()], &Settings::default()).expect("load");
    let names: Vec<&str> = loaded.scopes.iter().map(|s| s.name.as_str()).collect();
    // The top assembly, its stage (a scope of its own), and the unrelated assembly.
    assert_eq!(loaded.scopes.len(), 3, "{names:?}");
    let scope = |suffix: &str| {
        loaded
            .scopes
            .iter()
            .find(|s| s.name.ends_with(suffix))
            .unwrap_or_else(|| panic!("no scope {suffix} in {names:?}"))
    };
    let top = scope("cdk.out");
    assert_eq!(top.resources.len(), 1);
    assert!(top.problems.is_empty());
    let stage = scope("cdk.out/assembly-Prod");
    assert_eq!(stage.resources.len(), 1);
    assert!(
        stage.notes.iter().any(|n| n.contains("cycle")),
        "{:?}",
        stage.notes
    );
    assert_eq!(scope("cdk.out/other").resources.len(), 1);
}

#[test]
fn a_git_ignored_cdk_out_is_found_and_an_unsynthesized_app_is_told() {
    let dir = tempfile::tempdir().expect("tmp");
    let app = dir.path().join("app");
    fs::create_dir_all(app.join(".git")).expect("git dir");
    write(&app.join(".gitignore"), "cdk.out\n");
    write(
        &app.join("cdk.json"),
        r#"{"app": "npx ts-node bin/app.ts"}"#,
    );
    write(
        &app.join("cdk.out/manifest.json"),
        &manifest(&[("S", "S.template.json")], ""),
    );
    write(&app.join("cdk.out/S.template.json"), TABLE_TEMPLATE);
    write(
        &app.join("cdk.out/asset.1234/bad.template.json"),
        "{ not json",
    );
    let report = check(std::slice::from_ref(&app), &Settings::default()).expect("check");
    assert!(
        report.findings.iter().any(|f| f.rule_id == "DDB101"),
        "assembly found"
    );
    assert!(
        ddb001(&report).is_empty(),
        "asset directories are never read"
    );

    let bare = dir.path().join("bare");
    write(
        &bare.join("cdk.json"),
        r#"{"app": "npx ts-node bin/app.ts"}"#,
    );
    let report = check(&[bare], &Settings::default()).expect("check");
    assert!(
        report
            .messages
            .iter()
            .any(|m| m.contains("no cdk.out found: run `cdk synth` first")),
        "{:?}",
        report.messages
    );
}

/// A tree.json of about 50 MB, read because the paths are missing everywhere else.
#[test]
fn a_large_tree_json_is_read_when_paths_are_missing() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("cdk.out");
    write(
        &out.join("manifest.json"),
        &manifest(&[("S", "S.template.json")], ""),
    );
    // Logical ID of S/Items/Resource, as CDK allocates it.
    let id = ddbguard::model::cdk::tree::logical_id(&["Items", "Resource"]).expect("id");
    write(
        &out.join("S.template.json"),
        &TABLE_TEMPLATE.replace("ItemsD1A2B3C4", &id),
    );
    let mut tree = String::from(
        r#"{"version":"tree-0.1","tree":{"id":"App","path":"","children":{"S":{"id":"S","path":"S","constructInfo":{"fqn":"aws-cdk-lib.Stack"},"children":{"#,
    );
    tree.push_str(r#""Items":{"id":"Items","path":"S/Items","children":{"Resource":{"id":"Resource","path":"S/Items/Resource","attributes":{"aws:cdk:cloudformation:type":"AWS::DynamoDB::Table"}}}}"#);
    let filler = "x".repeat(400);
    let mut i = 0;
    while tree.len() < 50_000_000 {
        tree.push_str(&format!(
            r#","N{i}":{{"id":"N{i}","path":"S/N{i}","attributes":{{"aws:cdk:cloudformation:props":{{"d":"{filler}"}}}}}}"#
        ));
        i += 1;
    }
    tree.push_str("}}}}}");
    write(&out.join("tree.json"), &tree);
    let scope = load_one(&out);
    assert_eq!(
        scope.resources[0].cdk_path.as_deref(),
        Some("S/Items/Resource")
    );

    // A broken tree.json is a note, not a crash.
    write(&out.join("tree.json"), &tree[..8192]);
    let scope = load_one(&out);
    assert_eq!(scope.resources[0].cdk_path, None);
    assert!(
        scope.notes.iter().any(|n| n.contains("tree.json")),
        "{:?}",
        scope.notes
    );
}

#[test]
fn table_encryption_settings_map_to_the_model() {
    let scope = load_one(Path::new("testdata/cdk/encryption.template.json"));
    let key = resource(&scope, "Key").id.clone();
    // TableEncryption.DEFAULT: an AWS-owned key, no SSESpecification.
    let owned = table(resource(&scope, "Owned"));
    assert!(owned.sse.enabled.is_none() && owned.sse.key.is_none());
    // TableEncryption.AWS_MANAGED: SSE on without a key.
    let managed = table(resource(&scope, "Managed"));
    assert_eq!(
        managed.sse.enabled.as_ref().and_then(|p| p.get()),
        Some(&true)
    );
    assert!(managed.sse.key.is_none());
    // TableEncryption.CUSTOMER_MANAGED: the key in scope, by GetAtt.
    let customer = table(resource(&scope, "Customer"));
    let k = customer
        .sse
        .key
        .as_ref()
        .and_then(|p| p.get())
        .expect("key");
    assert!(k.refers_to(&key), "{k:?}");
    // TableV2 with a customer-managed key: per replica.
    let global = table(resource(&scope, "GlobalCustomer"));
    let rk = global.replicas[0]
        .kms_key
        .as_ref()
        .and_then(|p| p.get())
        .expect("replica key");
    assert!(rk.refers_to(&key), "{rk:?}");
}

#[test]
fn imports_whose_export_name_is_built_resolve_too() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("cdk.out");
    write(
        &out.join("manifest.json"),
        &manifest(
            &[
                ("Data", "Data.template.json"),
                ("Alarms", "Alarms.template.json"),
            ],
            "",
        ),
    );
    write(
        &out.join("Data.template.json"),
        &TABLE_TEMPLATE.replace(
            "\n }\n}",
            r#"
 },
 "Outputs": {"T": {"Value": {"Ref": "ItemsD1A2B3C4"}, "Export": {"Name": "prod-items-table"}}}
}"#,
        ),
    );
    write(
        &out.join("Alarms.template.json"),
        r#"{
 "Parameters": {"Stage": {"Type": "String", "Default": "prod"}},
 "Resources": {
  "Throttles": {
   "Type": "AWS::CloudWatch::Alarm",
   "Properties": {
    "Namespace": "AWS/DynamoDB", "MetricName": "ThrottledRequests",
    "Dimensions": [{"Name": "TableName", "Value": {"Fn::ImportValue": {"Fn::Sub": "${Stage}-items-table"}}}]
   }
  }
 }
}
"#,
    );
    let scope = load_one(&out);
    let m = metrics(resource(&scope, "Throttles"));
    assert!(
        m[0].1
            .contains(&("TableName".into(), reference("ItemsD1A2B3C4"))),
        "{m:?}"
    );
}

#[test]
fn ddb401_finds_the_gsi_alarm_in_another_stack() {
    let report = check(&[PathBuf::from(SHOP)], &settings(&["DDB401"])).expect("check");
    assert!(report.findings.is_empty(), "{:#?}", report.findings);

    // Without the alarm of the monitoring stack, the index is reported.
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("cdk.out");
    fs::create_dir_all(&out).expect("mkdir");
    for f in fs::read_dir(SHOP).expect("shop").flatten() {
        fs::copy(f.path(), out.join(f.file_name())).expect("copy");
    }
    let mon = out.join("MonitoringStack.template.json");
    let mut t: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&mon).expect("read")).expect("json");
    let removed = t["Resources"]
        .as_object_mut()
        .and_then(|r| r.remove("OrdersByCustomerThrottles1F0759BD"));
    assert!(removed.is_some());
    fs::write(&mon, serde_json::to_string_pretty(&t).expect("json")).expect("write");
    let report = check(std::slice::from_ref(&out), &settings(&["DDB401"])).expect("check");
    assert_eq!(report.findings.len(), 1, "{:#?}", report.findings);
    let f = &report.findings[0];
    assert!(f.message.contains("byCustomer"), "{}", f.message);
    assert_eq!(
        f.resource.as_ref().and_then(|r| r.cdk_path.as_deref()),
        Some("DataStack/Orders/Resource")
    );
}
