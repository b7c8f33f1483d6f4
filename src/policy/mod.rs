//! Teams' own policies in the Guard language (AWS CloudFormation Guard), run through the
//! `cfn-guard` crate beside the built-in rules, over CloudFormation, CDK and Terraform.
//!
//! - [`load`]: the `.guard` files, read and parsed once; their rules named, for the run.
//! - [`document`], [`model`]: the documents policies see, built from ddbguard's own parse,
//!   and the way back from a failing path to a span and a resource.
//! - [`engine`]: the one place that calls cfn-guard (panic guard, time budget, record tree).
//! - [`run`]: every policy over every document of a scope, into findings.
//! - [`spec`]: `ddbguard policy test`, cfn-guard's test format.

pub mod document;
pub mod engine;
pub mod load;
pub mod model;
pub mod run;
pub mod spec;
pub mod terraform;

pub use load::{Policies, PolicyFile, PolicyRule, load};

/// `ddbguard model`: the documents policies see for each scope, as JSON.
pub fn documents_json(loaded: &crate::Loaded) -> String {
    let docs: Vec<serde_json::Value> = loaded
        .scopes
        .iter()
        .flat_map(|scope| {
            run::documents(scope, &loaded.sources).into_iter().map(|d| {
                serde_json::json!({
                    "scope": scope.name,
                    "document": d.name,
                    "kind": match d.locator {
                        document::Locator::Model(_) => "model",
                        l if l.is_plan() => "terraform-plan",
                        _ => "template",
                    },
                    "value": serde_json::from_str::<serde_json::Value>(&d.json).unwrap_or_default(),
                })
            })
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&docs).unwrap_or_default();
    out.push('\n');
    out
}
