//! Reading: walk the paths and read every file once through its frontend into scopes.
//!
//! Above `model` (it calls every frontend) and below `rules`: `lib` checks what this
//! reads, and pull-request mode (`baseline`) reads the base through it too.

use crate::config::Settings;
use crate::model::{self, Scope};
use crate::source::{self, SourceMap};
use crate::vocab::Error;
use crate::walk;
use rayon::prelude::*;
use std::path::PathBuf;
use std::sync::Arc;

/// What the frontends produced for a set of paths: the scopes and the files behind them.
pub struct Loaded {
    pub scopes: Vec<Scope>,
    pub sources: Arc<SourceMap>,
    pub skipped: Vec<(String, String)>,
    pub messages: Vec<String>,
    pub files: usize,
}

/// Walk `paths` and read everything through the frontends.
pub fn load(paths: &[PathBuf], settings: &Settings) -> Result<Loaded, Error> {
    let exclude = build_globset(&settings.config.exclude)?;
    let found = walk::walk(paths, &exclude).map_err(Error)?;
    // Only the checked tree is read: the paths given, the config file and `--var-file`s.
    let mut roots = found.roots.clone();
    for extra in settings.config.path.iter().chain(&settings.tf_var_files) {
        roots = roots.with(extra);
    }
    let sources = Arc::new(SourceMap::confined(roots));
    let mut messages = Vec::new();
    if found.assemblies.is_empty() {
        for app in &found.unsynthesized_cdk_apps {
            messages.push(format!(
                "{}: no cdk.out found: run `cdk synth` first",
                source::display_path(app)
            ));
        }
    }

    let documents: Vec<model::cfn::Document> = found
        .documents
        .par_iter()
        .map(|path| model::cfn::load_document(path, &sources, found.named.contains(path)))
        .collect();
    let mut scopes: Vec<Scope> = found
        .unreadable
        .iter()
        .map(|(path, why)| model::cfn::unreadable(path, why.clone(), &sources))
        .collect();
    let mut skipped = Vec::new();
    for doc in documents {
        scopes.extend(doc.scopes);
        skipped.extend(doc.skipped);
        messages.extend(doc.message);
    }
    let assemblies: Vec<Scope> = found
        .assemblies
        .par_iter()
        .flat_map_iter(|dir| model::cdk::load_assembly(dir, &sources))
        .collect();
    scopes.extend(assemblies);
    let (terraform, declared) =
        model::terraform::load_with_variables(&found.terraform_dirs, &sources, settings);
    scopes.extend(terraform);
    messages.extend(unknown_variables(&settings.tf_vars, &declared));
    model::tfplan::link_plans(&mut scopes, &sources);
    let files = sources.len();
    scopes.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Loaded {
        scopes,
        sources,
        skipped,
        messages,
        files,
    })
}

fn build_globset(patterns: &[String]) -> Result<globset::GlobSet, Error> {
    let mut b = globset::GlobSetBuilder::new();
    for p in patterns {
        let glob =
            globset::Glob::new(p).map_err(|e| Error(format!("exclude pattern {p:?}: {e}")))?;
        b.add(glob);
    }
    b.build().map_err(|e| Error(e.to_string()))
}

/// A warning for each `--var` no root module declares (a typo would otherwise go unseen),
/// naming the variables that exist.
fn unknown_variables(
    given: &[(String, String)],
    declared: &std::collections::BTreeSet<String>,
) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    given
        .iter()
        .filter(|(name, _)| !declared.contains(name) && seen.insert(name.as_str()))
        .map(|(name, _)| {
            let known = if declared.is_empty() {
                "no Terraform root module checked declares any variable".to_string()
            } else {
                let names: Vec<&str> = declared.iter().map(String::as_str).collect();
                format!("the variables are: {}", names.join(", "))
            };
            format!("warning: --var {name}: no Terraform root module declares it; {known}")
        })
        .collect()
}
