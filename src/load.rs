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
    Ok(walk(paths, settings)?.load(settings))
}

/// What the walk found, before any file is read: read it all at once ([`Walked::load`]),
/// or scope by scope ([`Walked::stream`]).
pub struct Walked {
    found: walk::Found,
    /// The files of the run: empty until they are read (a caller may add its own first,
    /// such as policy files).
    pub sources: Arc<SourceMap>,
    messages: Vec<String>,
}

/// Walk `paths`: the files and directories to read, and the source map they will be read
/// into (only inside the checked tree).
pub fn walk(paths: &[PathBuf], settings: &Settings) -> Result<Walked, Error> {
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
    Ok(Walked {
        found,
        sources,
        messages,
    })
}

/// What [`Walked::stream`] leaves: what `check` made of each scope, in the order
/// [`Walked::load`] gives the scopes (by name, which `name` tells from a result), and the
/// rest of what [`Loaded`] holds.
/// The files keep their paths; their text was released as their scopes were checked.
pub struct Streamed<T> {
    pub checked: Vec<T>,
    pub sources: Arc<SourceMap>,
    pub skipped: Vec<(String, String)>,
    pub messages: Vec<String>,
    pub files: usize,
}

impl<A, B> Streamed<(A, B)> {
    /// A stream whose `check` made two results per scope, as a stream of the first ones and
    /// the list of the second ones (in the same order).
    pub fn unzip(self) -> (Streamed<A>, Vec<B>) {
        let (checked, second) = self.checked.into_iter().unzip();
        let streamed = Streamed {
            checked,
            sources: self.sources,
            skipped: self.skipped,
            messages: self.messages,
            files: self.files,
        };
        (streamed, second)
    }
}

impl Walked {
    /// Read everything through the frontends: every scope held at once (`ddbguard model`,
    /// pull-request mode's base).
    pub fn load(self, settings: &Settings) -> Loaded {
        let Walked {
            found,
            sources,
            mut messages,
        } = self;
        let start = sources.len();
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
        let files = sources.len() - start;
        scopes.sort_by(|a, b| a.name.cmp(&b.name));
        Loaded {
            scopes,
            sources,
            skipped,
            messages,
            files,
        }
    }

    /// Read and check scope by scope: `check` runs on each scope as soon as its frontend has
    /// made it (in parallel), then the scope is dropped and the text of its files released
    /// ([`SourceMap::release`]), so that memory holds the scopes being checked, not the
    /// whole tree. Documents and CDK assemblies are read, checked and released one by one;
    /// Terraform module directories group by group (those that call each other,
    /// [`model::terraform::load_each`]): a group's root modules are checked as each is
    /// evaluated, then its trees are dropped and its files released. When the run has
    /// Terraform plans, which are linked to the root module of their directory
    /// ([`model::tfplan::link_plans`]), the plans and the root modules are all read first,
    /// then checked.
    ///
    /// `check` may change the scope before it reads it (pull-request mode gives the base's
    /// scopes the head's names): the scope is dropped after.
    pub fn stream<T, F>(self, settings: &Settings, check: F, name: fn(&T) -> &str) -> Streamed<T>
    where
        T: Send,
        F: Fn(&mut Scope, &SourceMap) -> T + Sync,
    {
        let (mut found, sources, mut messages) = (self.found, self.sources, self.messages);
        let start = sources.len();
        let sources_ref: &SourceMap = &sources;
        let one = |scope: &mut Scope| Some(check(scope, sources_ref));
        // Each scope's result in the order `load` has the scopes before it sorts them;
        // `None` stands for a plan, checked with Terraform.
        let mut order: Vec<Option<T>> = Vec::new();
        for (path, why) in &found.unreadable {
            let mut scope = model::cfn::unreadable(path, why.clone(), sources_ref);
            order.push(one(&mut scope));
            sources.release(scope.files);
        }
        // The walk's lists are let go as they are read: they grow with the tree too.
        // Documents are read a batch at a time, each giving its items in order (flattened,
        // so that a document leaves no list of its own behind), and each batch's items are
        // moved into `order` before the next batch: never two lists of the whole tree.
        let mut paths = std::mem::take(&mut found.documents);
        let named = std::mem::take(&mut found.named);
        let mut skipped = Vec::new();
        // Plans with where their result goes in `order`.
        let mut plans: Vec<(usize, Scope)> = Vec::new();
        order.reserve(paths.len());
        while !paths.is_empty() {
            let batch: Vec<PathBuf> = paths.drain(..paths.len().min(BATCH)).collect();
            let items: Vec<Item<T>> = batch
                .into_par_iter()
                .flat_map_iter(|path| {
                    let doc = model::cfn::load_document(&path, sources_ref, named.contains(&path));
                    let mut items = Vec::with_capacity(doc.scopes.len() + 2);
                    let mut plans = false;
                    for mut scope in doc.scopes {
                        if links_to_terraform(&scope) {
                            plans = true;
                            items.push(Item::Plan(Box::new(scope)));
                        } else {
                            items.push(Item::Checked(check(&mut scope, sources_ref)));
                            sources.release(scope.files);
                        }
                    }
                    // A plan's file waits with it.
                    if !plans {
                        sources.release(doc.file);
                    }
                    items.extend(doc.skipped.map(Item::Skipped));
                    items.extend(doc.message.map(Item::Message));
                    items
                })
                .collect();
            for item in items {
                match item {
                    Item::Checked(checked) => order.push(Some(checked)),
                    Item::Plan(plan) => {
                        plans.push((order.len(), *plan));
                        order.push(None);
                    }
                    Item::Skipped(why) => skipped.push(why),
                    Item::Message(message) => messages.push(message),
                }
            }
        }
        drop((paths, named));
        let assemblies: Vec<Vec<Option<T>>> = found
            .assemblies
            .par_iter()
            .map(|dir| {
                let mut scopes = model::cdk::load_assembly(dir, sources_ref);
                let checked = scopes.iter_mut().map(&one).collect();
                sources.release(scopes.into_iter().flat_map(|s| s.files));
                checked
            })
            .collect();
        order.extend(assemblies.into_iter().flatten());
        // Terraform: the root modules, checked as each is evaluated, group by group; with
        // plans, which may point into them, all of them first.
        let terraform_start = sources.len();
        if plans.is_empty() {
            let (checked, declared) = model::terraform::load_each(
                &found.terraform_dirs,
                sources_ref,
                settings,
                |mut scope| one(&mut scope),
            );
            messages.extend(unknown_variables(&settings.tf_vars, &declared));
            // What the groups kept: modules outside the run's directories, which several
            // groups may use.
            sources.release(sources.ids_from(terraform_start));
            order.extend(checked);
            return finish(order, sources, skipped, messages, start, name);
        }
        let (terraform, declared) =
            model::terraform::load_with_variables(&found.terraform_dirs, sources_ref, settings);
        messages.extend(unknown_variables(&settings.tf_vars, &declared));
        let slots: Vec<usize> = plans.iter().map(|(slot, _)| *slot).collect();
        let mut linked: Vec<Scope> = plans.into_iter().map(|(_, scope)| scope).collect();
        let plan_count = linked.len();
        linked.extend(terraform);
        model::tfplan::link_plans(&mut linked, sources_ref);
        let mut checked: Vec<Option<T>> = linked.par_iter_mut().map(&one).collect();
        let plan_files: Vec<_> = linked[..plan_count]
            .iter()
            .flat_map(|s| s.files.iter().copied())
            .collect();
        drop(linked);
        sources.release(plan_files);
        sources.release(sources.ids_from(terraform_start));
        let rest = checked.split_off(plan_count);
        for (slot, result) in slots.into_iter().zip(checked) {
            order[slot] = result;
        }
        order.extend(rest);
        finish(order, sources, skipped, messages, start, name)
    }
}

/// The streamed results sorted by scope name (stable: as `load` sorts its scopes), and the
/// number of files read from `start` on.
fn finish<T>(
    order: Vec<Option<T>>,
    sources: Arc<SourceMap>,
    skipped: Vec<(String, String)>,
    messages: Vec<String>,
    start: usize,
    name: fn(&T) -> &str,
) -> Streamed<T> {
    let files = sources.len() - start;
    // Sorted where they are (every slot is filled by now), then unwrapped in place.
    let mut order = order;
    order.sort_by(|a, b| a.as_ref().map(name).cmp(&b.as_ref().map(name)));
    #[allow(clippy::filter_map_identity)] // `flatten` would not reuse the allocation
    let checked: Vec<T> = order.into_iter().filter_map(|t| t).collect();
    Streamed {
        checked,
        sources,
        skipped,
        messages,
        files,
    }
}

/// How many documents [`Walked::stream`] reads at a time: enough that both threads stay
/// busy, few enough that a batch's results are a small part of a run's.
const BATCH: usize = 512;

/// What a document gives when streamed, in order: a scope's result, a plan (held back
/// for the Terraform root modules), why the document was not checked, a message.
enum Item<T> {
    Checked(T),
    Plan(Box<Scope>),
    Skipped((String, String)),
    Message(String),
}

/// Whether a document's scope waits for the Terraform root modules: a plan is linked to the
/// root module of its directory.
fn links_to_terraform(scope: &Scope) -> bool {
    matches!(
        scope.format,
        model::Format::TerraformPlan | model::Format::Terraform
    )
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
