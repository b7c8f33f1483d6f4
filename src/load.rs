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
    let sources = Arc::new(SourceMap::default());
    let mut messages = Vec::new();
    if found.assemblies.is_empty() {
        for app in &found.unsynthesized_cdk_apps {
            messages.push(format!(
                "{}: no cdk.out found: run `cdk synth` first",
                source::display_path(app)
            ));
        }
    }

    let documents: Vec<(Vec<Scope>, model::cfn::Skipped)> = found
        .documents
        .par_iter()
        .map(|path| model::cfn::load_document(path, &sources))
        .collect();
    let mut scopes = Vec::new();
    let mut skipped = Vec::new();
    for (s, skip) in documents {
        scopes.extend(s);
        skipped.extend(skip);
    }
    let assemblies: Vec<Scope> = found
        .assemblies
        .par_iter()
        .flat_map_iter(|dir| model::cdk::load_assembly(dir, &sources))
        .collect();
    scopes.extend(assemblies);
    scopes.extend(model::terraform::load(
        &found.terraform_dirs,
        &sources,
        settings,
    ));
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
