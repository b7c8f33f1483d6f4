//! End to end: the Terraform frontend through the rules, as `ddbguard check` runs it.

use ddbguard::Settings;
use ddbguard::model::{Format, Kind, Part};
use ddbguard::report::{Finding, Report};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn check(path: &Path, select: &[&str]) -> Report {
    let settings = Settings {
        select: select.iter().map(|s| s.to_string()).collect(),
        ..Settings::default()
    };
    ddbguard::check(&[path.to_path_buf()], &settings).expect("check runs")
}

fn rows(report: &Report) -> Vec<(String, String, String, u32)> {
    report
        .findings
        .iter()
        .map(|f: &Finding| {
            (
                f.rule_id.to_string(),
                f.resource
                    .as_ref()
                    .map_or_else(String::new, |r| r.id.clone()),
                f.path.rsplit('/').next().unwrap_or("").to_string(),
                f.location.start_line,
            )
        })
        .collect()
}

fn has(
    rows: &[(String, String, String, u32)],
    rule: &str,
    id: &str,
    file: &str,
    line: u32,
) -> bool {
    rows.iter()
        .any(|r| r.0 == rule && r.1 == id && r.2 == file && (line == 0 || r.3 == line))
}

/// Every `fail*.tf` of a rule's fixture folder makes the rule fire; no `pass*.tf` does.
#[test]
fn rule_fixtures_in_terraform() {
    let mut checked = 0;
    for rule in [
        "DDB101", "DDB103", "DDB104", "DDB503", "DDB504", "DDB505", "DDB506",
    ] {
        let dir = root().join("testdata/rules").join(rule);
        let report = check(&dir, &[rule]);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("fixture folder")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "tf"))
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{rule}: no .tf fixtures");
        for f in files {
            let name = f.file_name().unwrap().to_string_lossy().to_string();
            let n = report
                .findings
                .iter()
                .filter(|x| x.rule_id == rule && x.path.ends_with(&format!("/{name}")))
                .count();
            if name.starts_with("fail") {
                assert!(n > 0, "{rule}/{name}: expected a finding");
            } else {
                assert_eq!(
                    n,
                    0,
                    "{rule}/{name}: expected no finding, got {:?}",
                    rows(&report)
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 14);
}

#[test]
fn contract_shapes_count_variables_and_modules() {
    let report = check(&root().join("testdata/rules/DDB101"), &["DDB101"]);
    let r = rows(&report);
    assert!(has(
        &r,
        "DDB101",
        "aws_dynamodb_table.fail_no_block",
        "fail.tf",
        7
    ));
    // A value from a variable is reported where it is set: the variable's default.
    assert!(has(
        &r,
        "DDB101",
        "aws_dynamodb_table.fail_variable",
        "fail.tf",
        4
    ));
    assert!(has(
        &r,
        "DDB101",
        "aws_dynamodb_table.fail_replica",
        "fail.tf",
        52
    ));
    assert!(!r.iter().any(|x| x.1.starts_with("aws_dynamodb_table.pass")));
}

#[test]
fn application_with_module_for_each_tfvars_and_references() {
    let app = root().join("testdata/terraform/app");
    let report = check(&app, &["DDB101", "DDB103", "DDB104"]);
    let r = rows(&report);
    // terraform.tfvars gives two tables through the module; carts has PITR off, and the
    // finding stands on the tfvars line that says so.
    assert!(
        has(
            &r,
            "DDB101",
            "module.tables[\"carts\"].aws_dynamodb_table.this",
            "terraform.tfvars",
            4
        ),
        "{r:?}"
    );
    assert!(!r.iter().any(|x| x.1.contains("orders") && x.0 == "DDB101"));
    // env = "dev" makes `var.env == "prod"` false.
    assert!(has(&r, "DDB103", "aws_dynamodb_table.audit", "main.tf", 41));
    assert!(has(&r, "DDB104", "aws_dynamodb_table.audit", "main.tf", 36));
    assert_eq!(r.len(), 3, "{r:?}");

    let loaded = ddbguard::load(&[app], &Settings::default()).expect("loads");
    let scope = loaded
        .scopes
        .iter()
        .find(|s| s.format == Format::Terraform)
        .expect("a terraform scope");
    assert_eq!(scope.tables().count(), 3);
    let audit = scope.resource("aws_dynamodb_table.audit").expect("audit");
    assert_eq!(audit.suppressions.len(), 1);
    assert_eq!(audit.suppressions[0].rule, "DDB104");
    let Kind::Table(t) = &audit.kind else {
        panic!("table")
    };
    assert_eq!(t.known_name(), Some("shop-dev-audit"));
    let key = t.sse.key.as_ref().and_then(|k| k.get()).expect("kms key");
    assert_eq!(key.as_ref_part(), Some(("aws_kms_key.tables", Some("arn"))));
    let carts = scope
        .resource("module.tables[\"carts\"].aws_dynamodb_table.this")
        .expect("carts");
    let Kind::Table(ct) = &carts.kind else {
        panic!("table")
    };
    assert_eq!(ct.known_name(), Some("shop-dev-carts"));
    assert_eq!(
        ct.tag("Table")
            .and_then(|t| t.value.get())
            .and_then(|s| s.as_lit()),
        Some("carts")
    );
    assert_eq!(
        ct.tag("Team")
            .and_then(|t| t.value.get())
            .and_then(|s| s.as_lit()),
        Some("orders")
    );

    let Kind::Alarm(alarm) = &scope
        .resource("aws_cloudwatch_metric_alarm.audit_throttles")
        .unwrap()
        .kind
    else {
        panic!("alarm")
    };
    let dim = &alarm.metrics[0].dimensions[0];
    assert_eq!(
        dim.value.get().and_then(|s| s.as_ref_part()),
        Some(("aws_dynamodb_table.audit", Some("name")))
    );
    let Kind::Policy(writer) = &scope.resource("aws_iam_policy.writer").unwrap().kind else {
        panic!("policy")
    };
    assert_eq!(writer.statements[0].actions.len(), 2);
    assert!(
        writer.statements[0].resources[1]
            .get()
            .unwrap()
            .refers_to("aws_dynamodb_table.audit")
    );
    let Kind::Policy(reader) = &scope.resource("aws_iam_role_policy.reader").unwrap().kind else {
        panic!("policy")
    };
    // The heredoc's JSON keeps spans into the .tf file.
    let action = &reader.statements[0].actions[0];
    let text = std::fs::read_to_string(root().join("testdata/terraform/app/main.tf")).unwrap();
    assert_eq!(&text[action.span.range()], "\"dynamodb:*\"");
    let Kind::Policy(doc) = &scope
        .resource("data.aws_iam_policy_document.stream")
        .unwrap()
        .kind
    else {
        panic!("policy document")
    };
    assert!(doc.statements[0].is_allow());
    assert_eq!(doc.statements[0].conditions[0].key, "aws:PrincipalTag/Team");
    let Kind::VpcEndpoint(ep) = &scope.resource("aws_vpc_endpoint.dynamodb").unwrap().kind else {
        panic!("endpoint")
    };
    let service = ep.service_name.as_ref().and_then(|s| s.get()).unwrap();
    assert!(matches!(&service.0[1], Part::Unknown(u) if u == "data.aws_region.current.name"));
    assert_eq!(
        ep.vpc
            .as_ref()
            .and_then(|v| v.get())
            .and_then(|s| s.as_ref_part()),
        Some(("aws_vpc.main", Some("id")))
    );
}

#[test]
fn var_flags_override_tfvars() {
    let app = root().join("testdata/terraform/app");
    let settings = Settings {
        select: vec!["DDB103".into()],
        tf_vars: vec![("env".into(), "prod".into())],
        ..Settings::default()
    };
    let report = ddbguard::check(&[app], &settings).unwrap();
    assert!(rows(&report).is_empty(), "{:?}", rows(&report));
}

#[test]
fn bad_input_is_reported_and_the_scan_goes_on() {
    let bad = root().join("testdata/terraform/bad");
    let report = check(&bad, &["DDB001", "DDB101"]);
    let r = rows(&report);
    // The syntax error is located; the other file of the module is still read.
    assert!(has(&r, "DDB001", "", "main.tf", 3), "{r:?}");
    assert!(has(&r, "DDB101", "aws_dynamodb_table.fine", "ok.tf", 1));
    assert!(has(&r, "DDB001", "", "main.tf.json", 1));
    // A .tf.json template that does not parse is located, and its value is unknown: the
    // table's PITR is not judged.
    assert!(has(&r, "DDB001", "", "main.tf.json", 5), "{r:?}");
    assert!(has(&r, "DDB001", "", "main.tf.json", 7));
    assert!(!r.iter().any(|x| x.1 == "aws_dynamodb_table.broken"));
    // A default of the wrong type is unknown, never a failure.
    assert!(!r.iter().any(|x| x.1 == "aws_dynamodb_table.typed"));
    // count on an unknown value: one instance.
    assert!(has(&r, "DDB101", "aws_dynamodb_table.maybe", "main.tf", 5));
    let loaded = ddbguard::load(&[bad], &Settings::default()).unwrap();
    let notes: Vec<&String> = loaded.scopes.iter().flat_map(|s| s.notes.iter()).collect();
    assert!(
        notes.iter().any(|n| n.contains("module cycle")),
        "{notes:?}"
    );
    assert!(notes.iter().any(|n| n.contains("count is not known")));
}

fn plan_report(dirs: &[&str], plan: &str) -> (Report, Vec<ddbguard::model::tfplan::PlannedChange>) {
    let settings = Settings::default();
    let sources = std::sync::Arc::new(ddbguard::source::SourceMap::default());
    let dirs: Vec<PathBuf> = dirs.iter().map(|d| root().join(d)).collect();
    let mut scopes = ddbguard::model::terraform::load(&dirs, &sources, &settings);
    let plan_path = root().join(plan);
    let plan_scope = ddbguard::model::tfplan::load_plan_file(&plan_path, &sources).expect("a plan");
    let text = std::fs::read_to_string(&plan_path).unwrap();
    let value = ddbguard::model::terraform::json::parse(&text, plan_scope.files[0], 0).unwrap();
    let changes = ddbguard::model::tfplan::changes_of_value(&value.value);
    scopes.push(plan_scope);
    ddbguard::model::tfplan::link_plans(&mut scopes, &sources);
    let files = sources.len();
    let loaded = ddbguard::Loaded {
        scopes,
        sources,
        skipped: Vec::new(),
        messages: Vec::new(),
        files,
    };
    (ddbguard::check_loaded(loaded, &settings), changes)
}

#[test]
fn plan_alone_points_at_the_plan() {
    let (report, changes) = plan_report(&[], "testdata/terraform/plan-only/plan.json");
    let r = rows(&report);
    assert!(
        has(&r, "DDB101", "aws_dynamodb_table.orders", "plan.json", 35),
        "{r:?}"
    );
    assert!(has(
        &r,
        "DDB103",
        "module.stores.aws_dynamodb_table.this",
        "plan.json",
        0
    ));
    // A plan does not record prevent_destroy: DDB104 cannot judge.
    assert!(!r.iter().any(|x| x.0 == "DDB104"));
    let replaced: Vec<_> = changes.iter().filter(|c| c.is_replace()).collect();
    assert_eq!(replaced.len(), 1);
    assert_eq!(replaced[0].address, "aws_dynamodb_table.orders");
    assert_eq!(replaced[0].replace_paths, ["hash_key"]);
}

#[test]
fn plan_with_its_configuration_points_at_the_tf_blocks() {
    let (report, _) = plan_report(
        &[
            "testdata/terraform/plan",
            "testdata/terraform/plan/modules/store",
        ],
        "testdata/terraform/plan/plan.json",
    );
    let r = rows(&report);
    // Resolved plan values (orders_pitr = false), reported on the .tf blocks.
    assert!(
        has(&r, "DDB101", "aws_dynamodb_table.orders", "main.tf", 5),
        "{r:?}"
    );
    assert!(has(
        &r,
        "DDB103",
        "module.stores.aws_dynamodb_table.this",
        "main.tf",
        9
    ));
    // prevent_destroy comes from the configuration: no DDB104.
    assert!(!r.iter().any(|x| x.0 == "DDB104"), "{r:?}");
    // Nothing is reported twice.
    assert_eq!(r.iter().filter(|x| x.0 == "DDB101").count(), 1, "{r:?}");
    assert!(r.iter().all(|x| x.2 != "plan.json"), "{r:?}");
}

#[test]
fn check_reads_plans_beside_their_configuration() {
    let r = rows(&check(
        &root().join("testdata/terraform/plan"),
        &["DDB101", "DDB103", "DDB104", "DDB502"],
    ));
    // The replacement the plan announces points at the .tf block too.
    assert!(
        has(&r, "DDB502", "aws_dynamodb_table.orders", "main.tf", 5),
        "{r:?}"
    );
    assert!(
        has(&r, "DDB101", "aws_dynamodb_table.orders", "main.tf", 5),
        "{r:?}"
    );
    assert!(has(
        &r,
        "DDB103",
        "module.stores.aws_dynamodb_table.this",
        "main.tf",
        9
    ));
    assert_eq!(r.len(), 3, "{r:?}");
    let r = rows(&check(&root().join("testdata/terraform/plan-only"), &[]));
    assert!(
        has(&r, "DDB101", "aws_dynamodb_table.orders", "plan.json", 35),
        "{r:?}"
    );
}

#[test]
fn plan_values_known_only_after_apply_are_unknown() {
    let r = rows(&check(
        &root().join("testdata/terraform/plan-only"),
        &["DDB101"],
    ));
    assert!(
        !r.iter().any(|x| x.1 == "aws_dynamodb_table.later"),
        "{r:?}"
    );
    assert!(
        r.iter().any(|x| x.1 == "aws_dynamodb_table.orders"),
        "{r:?}"
    );
}

/// A `null` in a plan is an argument the configuration leaves unset (Terraform writes one
/// for every argument it knows), and a nested block given as `null` or `[]` is a block not
/// written: one finding per resource and problem, on the resource, as on the HCL that does
/// not write them; a block written with its arguments unset is reported on the block.
#[test]
fn plan_nulls_are_unset_arguments() {
    let plan = rows(&check(&root().join("testdata/terraform/plan-nulls"), &[]));
    let mut seen = plan.clone();
    seen.sort();
    seen.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1 && a.3 == b.3);
    assert_eq!(seen.len(), plan.len(), "{plan:?}");
    let at = |rule: &str, id: &str| -> Vec<u32> {
        plan.iter()
            .filter(|r| r.0 == rule && r.1 == id)
            .map(|r| r.3)
            .collect()
    };
    let table = |name: &str| format!("aws_dynamodb_table.{name}");
    // Every argument null: the resource's `address` line.
    for rule in ["DDB101", "DDB103", "DDB402", "DDB406"] {
        assert_eq!(at(rule, &table("unset")), [8], "{rule}: {plan:?}");
    }
    // Nested blocks given as `[]`.
    for rule in ["DDB101", "DDB103", "DDB201", "DDB402"] {
        assert_eq!(at(rule, &table("empty")), [41], "{rule}: {plan:?}");
    }
    // Blocks written with their arguments null: the block.
    assert_eq!(at("DDB101", &table("inner")), [89], "{plan:?}");
    assert_eq!(at("DDB201", &table("inner")), [95], "{plan:?}");
    assert_eq!(at("DDB101", &table("replicated")), [132], "{plan:?}");
    assert_eq!(
        at("DDB407", "aws_cloudwatch_metric_alarm.throttles"),
        [144],
        "{plan:?}"
    );
    assert_eq!(at("DDB303", "aws_vpc_endpoint.dynamodb"), [171], "{plan:?}");
    for rule in ["DDB203", "DDB204"] {
        assert_eq!(at(rule, "aws_dax_cluster.cache"), [187], "{rule}: {plan:?}");
    }
    assert_eq!(plan.len(), 18, "{plan:?}");

    // The same findings as the configuration's HCL, on the resource where it has them there
    // (a plan does not record prevent_destroy: no DDB104).
    let hcl = rows(&check(
        &root().join("testdata/terraform/plan-nulls-hcl"),
        &[],
    ));
    let headers = |file: &str, needle: &dyn Fn(&str) -> Option<String>| {
        let text = std::fs::read_to_string(root().join(file)).unwrap();
        let mut out = std::collections::BTreeMap::new();
        for (i, line) in text.lines().enumerate() {
            if let Some(id) = needle(line) {
                out.entry(id).or_insert(i as u32 + 1);
            }
        }
        out
    };
    let plan_headers = headers("testdata/terraform/plan-nulls/plan.json", &|l| {
        l.trim()
            .strip_prefix("\"address\": \"")
            .and_then(|r| r.strip_suffix("\","))
            .map(str::to_string)
    });
    let hcl_headers = headers("testdata/terraform/plan-nulls-hcl/main.tf", &|l| {
        let parts: Vec<&str> = l.split('"').collect();
        (l.starts_with("resource ") && parts.len() >= 4)
            .then(|| format!("{}.{}", parts[1], parts[3]))
    });
    let placed = |rows: &[(String, String, String, u32)],
                  headers: &std::collections::BTreeMap<String, u32>| {
        let mut v: Vec<(String, String, bool)> = rows
            .iter()
            .filter(|r| r.0 != "DDB104")
            .map(|r| (r.0.clone(), r.1.clone(), headers.get(&r.1) == Some(&r.3)))
            .collect();
        v.sort();
        v
    };
    assert_eq!(placed(&plan, &plan_headers), placed(&hcl, &hcl_headers));
}

/// Large expansions are written into a temporary directory, so that checking all of
/// `testdata` stays quick.
fn temp_module(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

#[test]
fn for_each_over_100_000_elements_is_bounded() {
    let dir = temp_module(&[("main.tf", FOR_EACH_BIG)]);
    let report = check(dir.path(), &["DDB101"]);
    let many = rows(&report)
        .iter()
        .filter(|x| x.1.starts_with("aws_dynamodb_table.many["))
        .count();
    assert_eq!(many, 10_000);
    let loaded = ddbguard::load(&[dir.path().to_path_buf()], &Settings::default()).unwrap();
    assert!(
        loaded.scopes[0]
            .notes
            .iter()
            .any(|n| n.contains("only the first 10000"))
    );
}

const FOR_EACH_BIG: &str = r#"locals {
  names = toset([for i in range(100000) : "t${i}"])
}

resource "aws_dynamodb_table" "many" {
  for_each = local.names
  name     = each.key
  hash_key = "id"
}
"#;

#[test]
fn module_fan_out_is_bounded() {
    let start = std::time::Instant::now();
    // 400 module instances of 400 tables each: more than a root may read.
    let dir = temp_module(&[
        (
            "main.tf",
            "module \"m\" {\n  source = \"./m\"\n  count  = 400\n}\n",
        ),
        (
            "m/main.tf",
            "resource \"aws_dynamodb_table\" \"t\" {\n  count = 400\n  name  = \"t${count.index}\"\n}\n",
        ),
    ]);
    let loaded = ddbguard::load(&[dir.path().to_path_buf()], &Settings::default()).unwrap();
    let scope = &loaded.scopes[0];
    assert_eq!(scope.resources.len(), 100_000);
    assert!(
        scope
            .notes
            .iter()
            .any(|n| n.contains("the rest is not read"))
    );
    assert!(start.elapsed().as_secs() < 60);
}

/// A row of [`rows`].
fn row(rule: &str, resource: &str, file: &str, line: u32) -> (String, String, String, u32) {
    (rule.into(), resource.into(), file.into(), line)
}

/// The only scope under `dir`: the known name of its table `table`, and the reference the
/// alarm `aws_cloudwatch_metric_alarm.throttles` watches (`(address, attribute)`).
type TableAndAlarm = (Option<String>, Option<(String, Option<String>)>);
fn table_and_alarm(dir: &Path, table: &str) -> TableAndAlarm {
    let loaded = ddbguard::load(&[dir.to_path_buf()], &Settings::default()).unwrap();
    assert_eq!(loaded.scopes.len(), 1, "one root module");
    let scope = &loaded.scopes[0];
    let Kind::Table(t) = &scope.resource(table).expect("table").kind else {
        panic!("{table} is not a table")
    };
    let alarm = scope.resource("aws_cloudwatch_metric_alarm.throttles");
    let Some(Kind::Alarm(a)) = alarm.map(|a| &a.kind) else {
        panic!("no alarm")
    };
    let target = a.metrics[0].dimensions[0]
        .value
        .get()
        .and_then(|s| s.as_ref_part())
        .map(|(addr, attr)| (addr.to_string(), attr.map(String::from)));
    (t.known_name().map(String::from), target)
}

#[test]
fn json_configuration_syntax_is_evaluated() {
    let dir = root().join("testdata/terraform/json");
    let r = rows(&check(&dir, &["DDB101", "DDB103", "DDB104"]));
    // PITR from a variable default, reported on the default.
    assert_eq!(
        r,
        [row(
            "DDB101",
            "aws_dynamodb_table.orders",
            "main.tf.json",
            4
        )]
    );
    let (name, target) = table_and_alarm(&dir, "aws_dynamodb_table.orders");
    assert_eq!(name.as_deref(), Some("shop-dev-orders"));
    assert_eq!(
        target,
        Some(("aws_dynamodb_table.orders".into(), Some("name".into())))
    );
}

/// Module calls, outputs and policy documents written in JSON syntax are followed like
/// HCL ones.
#[test]
fn json_module_calls_outputs_and_documents_are_followed() {
    let dir = root().join("testdata/terraform/json-modules");
    let r = rows(&check(&dir, &["DDB101", "DDB601"]));
    // The document's statement is reported once, for the policy that uses it.
    assert_eq!(
        r,
        [
            row("DDB601", "aws_iam_policy.app", "main.tf.json", 14),
            row(
                "DDB101",
                "module.store[0].aws_dynamodb_table.this",
                "main.tf.json",
                7
            ),
        ]
    );
    let table = "module.store[0].aws_dynamodb_table.this";
    let (name, target) = table_and_alarm(&dir, table);
    assert_eq!(name.as_deref(), Some("carts"));
    assert_eq!(target, Some((table.into(), Some("name".into()))));
    let loaded = ddbguard::load(&[dir], &Settings::default()).unwrap();
    let notes = &loaded.scopes[0].notes;
    assert!(!notes.iter().any(|n| n.contains("not read")), "{notes:?}");
}

/// Policies read with `file()` and `templatefile()` are checked, and located in the file
/// they came from when their text traces back to it.
#[test]
fn policies_from_files_and_templates_point_into_them() {
    let dir = root().join("testdata/terraform/files");
    let report = check(&dir, &["DDB001", "DDB601", "DDB602"]);
    let mut r: Vec<_> = report
        .findings
        .iter()
        .map(|f| {
            let res = f.resource.as_ref().map_or("", |r| r.id.as_str());
            let file = f
                .path
                .split("testdata/terraform/files/")
                .last()
                .unwrap_or("");
            let at = (f.location.start_line, f.location.start_column);
            format!("{} {res} {file}:{}:{}", f.rule_id, at.0, at.1)
        })
        .collect();
    r.sort();
    assert_eq!(
        r,
        [
            "DDB001  templates/broken.json.tpl:2:21",
            "DDB601 aws_iam_policy.admin policies/admin.json:6:17",
            "DDB601 aws_iam_role_policy.app main.tf:26:12",
            "DDB601 aws_iam_role_policy.reader templates/reader.json.tpl:6:17",
            "DDB602 aws_iam_policy.admin policies/admin.json:7:19",
            "DDB602 aws_iam_role_policy.app main.tf:26:12",
        ]
    );
    // The rendered template keeps the table's reference in its Resource.
    let loaded = ddbguard::load(&[dir], &Settings::default()).unwrap();
    let Kind::Policy(p) = &loaded.scopes[0]
        .resource("aws_iam_role_policy.reader")
        .unwrap()
        .kind
    else {
        panic!("policy")
    };
    assert_eq!(
        p.statements[0].resources[0]
            .get()
            .and_then(|s| s.as_ref_part()),
        Some(("aws_dynamodb_table.orders", Some("arn")))
    );
}

/// CDK for Terraform's synthesized stacks (`cdk.tf.json`) are Terraform's JSON syntax;
/// findings carry the construct path it records.
#[test]
fn cdktf_stacks_carry_their_construct_paths() {
    let dir = root().join("testdata/terraform/cdktf");
    let report = check(&dir, &["DDB101", "DDB601"]);
    let got: Vec<(&str, &str, Option<&str>, u32)> = report
        .findings
        .iter()
        .map(|f| {
            let r = f.resource.as_ref().expect("a resource");
            (
                f.rule_id,
                r.id.as_str(),
                r.cdk_path.as_deref(),
                f.location.start_line,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "DDB101",
                "aws_dynamodb_table.orders_table_8F3A1C2B",
                Some("app/orders-table"),
                17
            ),
            (
                "DDB601",
                "aws_iam_policy.reader_policy_12AB34CD",
                Some("app/reader-policy"),
                26
            ),
        ]
    );
}

/// `TF_VAR_*` from the environment sets variables, below `--var` and above defaults.
#[test]
fn tf_var_environment_variables_set_inputs() {
    let dir = temp_module(&[(
        "main.tf",
        r#"variable "pitr" {
  type    = bool
  default = true
}

resource "aws_dynamodb_table" "t" {
  name     = "t"
  hash_key = "id"
  attribute {
    name = "id"
    type = "S"
  }
  point_in_time_recovery {
    enabled = var.pitr
  }
}
"#,
    )]);
    let run = |env: Option<&str>, extra: &[&str]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_ddbguard"));
        cmd.args(["check", ".", "--format", "json", "--select", "DDB101"])
            .args(extra)
            .current_dir(dir.path())
            .env_remove("TF_VAR_pitr");
        if let Some(v) = env {
            cmd.env("TF_VAR_pitr", v);
        }
        let out = cmd.output().unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        report["summary"]["findings"].as_u64().unwrap()
    };
    assert_eq!(run(None, &[]), 0, "the default (true) applies");
    assert_eq!(
        run(Some("false"), &[]),
        1,
        "TF_VAR_pitr=false turns PITR off"
    );
    assert_eq!(
        run(Some("false"), &["--var", "pitr=true"]),
        0,
        "--var wins over TF_VAR_"
    );
}
