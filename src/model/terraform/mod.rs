//! Terraform frontend: HCL modules into [`Scope`]s, evaluated as Terraform would.
//!
//! Every directory holding `.tf` files is a module. A module that another scanned module
//! calls through a local `source` is evaluated once per call with that call's inputs; a
//! module nobody calls is a root, evaluated with its variables' values (defaults,
//! `terraform.tfvars`, `*.auto.tfvars`, their `.json` forms, `TF_VAR_*`, `--var-file`,
//! `--var`). Each root becomes one scope holding the resources of the whole module tree,
//! addressed as Terraform does (`module.db.aws_dynamodb_table.this["a"]`).
//!
//! Modules from a registry or git are followed when `terraform init` downloaded them
//! (`.terraform/modules/modules.json` of the root); otherwise the call is opaque and the
//! scope says so in its notes. `aws_dynamodb_table_replica` resources are added as
//! replicas of the table they name when it is in scope (and kept as `Other` resources).
//! Files named by `file()` and `templatefile()` are read (regular UTF-8 files only) and
//! join the scope, so a policy kept in a file is reported at its line there.
//!
//! Limits: at most 10,000 instances per `count`/`for_each`/`dynamic` block and 100,000
//! resource instances per root (both noted). Files in Terraform's JSON configuration
//! syntax (`.tf.json`) become the same syntax tree as HCL files (see [`ast`]), so every
//! block they hold is read the same way.

pub mod ast;
pub mod eval;
pub mod extract;
pub mod functions;
mod group;
pub mod json;
pub mod parse;
pub mod relocate;
pub mod value;

pub use group::load_each;

pub use extract::Evaluated;

use crate::config::Settings;
use crate::model::{Format, Problem, Scope};
use crate::source::{FileId, Roots, SourceFile, SourceMap, Span, Syntax};
use eval::{Inst, Shared};
use parse::Module;
use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;
use std::sync::{Arc, Mutex, OnceLock};
use value::{Sv, V};

/// A file read by `file()` or `templatefile()`: its id in the source map and its text.
pub type ReadFile = (FileId, Arc<str>);

/// Why `file()` or `templatefile()` got no text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unreadable {
    /// The path leads outside the checked tree: never opened.
    Outside,
    /// Missing, not a regular file, too large, or not UTF-8.
    Unreadable,
}

/// A `templatefile()` template: its elements, or the offset and message of its syntax error.
pub type Template = Result<Arc<Vec<ast::Elem>>, (usize, String)>;

/// What every loader of a run shares: the files read, so that each is read and added to
/// the source map once whichever group of modules reads it ([`load_each`] has a loader per
/// group; a module outside the checked directories, such as a downloaded one, may be used
/// by two). It holds file ids and paths, not trees.
#[derive(Default)]
pub struct Run {
    /// Each module directory's files, by canonical path.
    listings: Mutex<HashMap<PathBuf, Arc<OnceLock<Arc<parse::Listing>>>>>,
    /// Files read by `file()` / `templatefile()`, by canonical path (their text stays in
    /// the source map: it was made there, not read by [`SourceMap::read`]).
    read: Mutex<HashMap<PathBuf, Option<ReadFile>>>,
    /// Variables files read for a root module (its directory, the file).
    var_files: Mutex<HashMap<(PathBuf, PathBuf), parse::Got>>,
}

impl Run {
    /// The files of the module in `dir` (canonical `key`), read on first use.
    fn listing(&self, key: &Path, dir: &Path, sources: &SourceMap) -> Arc<parse::Listing> {
        let cell = self
            .listings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key.to_path_buf())
            .or_default()
            .clone();
        // Read outside the map's lock: other directories are read meanwhile.
        cell.get_or_init(|| Arc::new(parse::list_module(dir, sources)))
            .clone()
    }
}

/// Reads module directories once and hands them out to every root that uses them.
pub struct Loader<'a> {
    pub sources: &'a SourceMap,
    run: Arc<Run>,
    cache: Mutex<HashMap<PathBuf, Arc<Module>>>,
    canonical: Mutex<HashMap<PathBuf, PathBuf>>,
    /// Templates of `templatefile()`, parsed once (or where and why they do not parse).
    templates: Mutex<HashMap<FileId, Template>>,
    downloaded: Mutex<HashMap<PathBuf, Arc<HashMap<String, PathBuf>>>>,
    /// Read every resource's body, not only the modelled types' (policies see them all).
    pub all_bodies: bool,
}

impl<'a> Loader<'a> {
    pub fn new(sources: &'a SourceMap) -> Loader<'a> {
        Loader::within(sources, Arc::default())
    }

    /// A loader that shares what `run` read with the other loaders of the run.
    pub fn within(sources: &'a SourceMap, run: Arc<Run>) -> Loader<'a> {
        Loader {
            sources,
            run,
            cache: Mutex::default(),
            canonical: Mutex::default(),
            templates: Mutex::default(),
            downloaded: Mutex::default(),
            all_bodies: false,
        }
    }

    /// [`canonical`], remembered by the lexical form of the path (Terraform joins a local
    /// `source` to its module's directory lexically too): module calls reach the same
    /// directories through many spellings (`examples/a/../..`, `examples/b/../..`).
    pub fn canonical(&self, dir: &Path) -> PathBuf {
        let key = normalize(dir);
        let known = self
            .canonical
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            .cloned();
        known.unwrap_or_else(|| {
            let c = canonical(&key);
            self.canonical
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(key, c.clone());
            c
        })
    }

    /// A file that `file()` or `templatefile()` reads: read once per run, into the source
    /// map so that findings in it point at its lines. A regular UTF-8 file of at most
    /// [`crate::source::MAX_FILE_BYTES`] inside the checked tree, else why not: outside the tree
    /// (never opened) or unreadable.
    pub fn read_file(&self, path: &Path) -> Result<ReadFile, Unreadable> {
        if self.sources.roots().is_outside(path) {
            return Err(Unreadable::Outside);
        }
        let key = self.canonical(path);
        // Held while reading: two roots asking at once add the file once.
        let mut read = self.run.read.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(known) = read.get(&key) {
            return known.clone().ok_or(Unreadable::Unreadable);
        }
        // Only a file that reads whole is added: an unreadable one is an unknown value.
        let got =
            crate::source::read_bytes(path, self.sources.roots(), crate::source::MAX_FILE_BYTES)
                .ok()
                .map(|bytes| crate::source::decode(bytes, Syntax::Utf8))
                .filter(|d| d.error.is_none())
                .map(|d| {
                    let text: Arc<str> = d.text.into();
                    let id = self
                        .sources
                        .add(SourceFile::new(path.to_path_buf(), text.clone()));
                    (id, text)
                });
        read.insert(key, got.clone());
        got.ok_or(Unreadable::Unreadable)
    }

    /// Whether `fileexists(path)` is true: a regular file inside the checked tree.
    /// `None` outside the tree, where nothing is looked at.
    pub fn file_exists(&self, path: &Path) -> Option<bool> {
        if self.sources.roots().is_outside(path) {
            return None;
        }
        Some(path.is_file())
    }

    /// The parsed template held by file `id` (`text`), parsed on first use.
    pub fn template(&self, id: FileId, text: &str) -> Template {
        let mut templates = self.templates.lock().unwrap_or_else(|e| e.into_inner());
        templates
            .entry(id)
            .or_insert_with(|| match hcl_edit::parser::parse_template(text) {
                Ok(t) => {
                    let aliases = HashMap::new();
                    Ok(Arc::new(ast::Convert::new(&aliases).elements(t.iter(), 0)))
                }
                Err(e) => Err((e.location().offset(), e.message().to_string())),
            })
            .clone()
    }

    /// The module in `dir`, read on first use.
    pub fn module(&self, dir: &Path) -> Arc<Module> {
        let key = self.canonical(dir);
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(m) = cache.get(&key) {
            return m.clone();
        }
        let listing = self.run.listing(&key, dir, self.sources);
        let m = Arc::new(parse::module_from(
            dir,
            &listing,
            self.sources,
            self.all_bodies,
        ));
        cache.insert(key, m.clone());
        m
    }

    /// A variables file of the root module in `root`, read once per root and run.
    fn var_file(&self, root: &Path, path: &Path) -> parse::Got {
        let key = (root.to_path_buf(), path.to_path_buf());
        let known = self
            .run
            .var_files
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            .cloned();
        known.unwrap_or_else(|| {
            let got = parse::Got::read(path, self.sources);
            self.run
                .var_files
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(key, got.clone());
            got
        })
    }

    /// Remember canonical paths known already (lexical form, canonical form).
    fn know(&self, known: impl IntoIterator<Item = (PathBuf, PathBuf)>) {
        let mut canonical = self.canonical.lock().unwrap_or_else(|e| e.into_inner());
        canonical.extend(known);
    }

    fn insert(&self, dir: &Path, m: Arc<Module>) {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache.entry(self.canonical(dir)).or_insert(m);
    }

    /// The directory of a module `source`: a local path, or a module `terraform init`
    /// downloaded for this call path. A directory outside the checked tree is
    /// [`Source::Outside`]: its files are never read.
    pub fn resolve_source(
        &self,
        parent_dir: &Path,
        source: &str,
        root_dir: &Path,
        call_path: &[String],
    ) -> Source {
        let dir = match self.source_dir(parent_dir, source, root_dir, call_path) {
            Some(dir) => dir,
            None => return Source::Opaque,
        };
        if self.sources.roots().is_outside(&dir) {
            return Source::Outside(dir);
        }
        Source::Dir(dir)
    }

    fn source_dir(
        &self,
        parent_dir: &Path,
        source: &str,
        root_dir: &Path,
        call_path: &[String],
    ) -> Option<PathBuf> {
        if is_local_source(source) {
            return Some(normalize(&parent_dir.join(source)));
        }
        let map = {
            let mut d = self.downloaded.lock().unwrap_or_else(|e| e.into_inner());
            d.entry(self.canonical(root_dir))
                .or_insert_with(|| Arc::new(read_modules_json(root_dir, self.sources.roots())))
                .clone()
        };
        let dir = map.get(&call_path.join("."))?;
        dir.is_dir().then(|| dir.clone())
    }
}

/// Where a module call's `source` leads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A module directory inside the checked tree.
    Dir(PathBuf),
    /// A directory outside the checked tree: not read.
    Outside(PathBuf),
    /// Not local and not downloaded.
    Opaque,
}

pub fn is_local_source(s: &str) -> bool {
    s.starts_with("./") || s.starts_with("../") || s == "." || s == ".."
}

/// `.terraform/modules/modules.json`: call key (`a.b`) → module directory.
fn read_modules_json(root: &Path, roots: &Roots) -> HashMap<String, PathBuf> {
    let mut out = HashMap::new();
    let path = root.join(".terraform").join("modules").join("modules.json");
    let Ok(text) = crate::source::read_text(&path, roots, Syntax::Utf8) else {
        return out;
    };
    let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
        return out;
    };
    for m in v
        .get("Modules")
        .and_then(|m| m.as_array())
        .into_iter()
        .flatten()
    {
        let (Some(key), Some(dir)) = (
            m.get("Key").and_then(|k| k.as_str()),
            m.get("Dir").and_then(|d| d.as_str()),
        ) else {
            continue;
        };
        if key.is_empty() {
            continue;
        }
        out.insert(key.to_string(), normalize(&root.join(dir)));
    }
    out
}

/// A path without `.` and with `..` applied where possible, lexically.
pub fn normalize(p: &Path) -> PathBuf {
    let mut out: Vec<Component> = Vec::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(c),
            },
            _ => out.push(c),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}

/// The key a directory is known by: its canonical path, or its lexical normal form.
pub fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| normalize(p))
}

/// Read every module in `dirs`, evaluate each root module, and return one scope per root.
pub fn load(dirs: &[PathBuf], sources: &SourceMap, settings: &Settings) -> Vec<Scope> {
    load_with_variables(dirs, sources, settings).0
}

/// [`load`], with the names of the variables the root modules declare (what `--var` can
/// set).
pub fn load_with_variables(
    dirs: &[PathBuf],
    sources: &SourceMap,
    settings: &Settings,
) -> (Vec<Scope>, BTreeSet<String>) {
    load_all(dirs, sources, settings, |scope| scope, Arc::default())
}

/// The `source` of each module call of `m` that is a local path written as a plain string:
/// the calls that make a module called, not a root.
fn local_calls(m: &Module) -> impl Iterator<Item = &str> {
    m.calls.iter().filter_map(|call| {
        call.block
            .body
            .attr("source")
            .and_then(|a| a.value.as_str())
            .filter(|s| is_local_source(s))
    })
}

/// `TF_VAR_*` of the environment: variables' values.
fn terraform_env_vars() -> Vec<(String, String)> {
    std::env::vars()
        .filter_map(|(k, v)| k.strip_prefix("TF_VAR_").map(|n| (n.to_string(), v)))
        .collect()
}

/// Read every module in `dirs`, evaluate each root module, hand its scope to `each` (in
/// parallel) and keep what `each` returns: the whole tree at once (the modules' trees stay
/// until every root is evaluated).
fn load_all<T: Send>(
    dirs: &[PathBuf],
    sources: &SourceMap,
    settings: &Settings,
    each: impl Fn(Scope) -> T + Sync,
    run: Arc<Run>,
) -> (Vec<T>, BTreeSet<String>) {
    let mut loader = Loader::within(sources, run.clone());
    loader.all_bodies = settings.keeps_policy_documents();
    let modules: Vec<(PathBuf, Arc<Module>)> = dirs
        .par_iter()
        .map(|d| {
            let listing = run.listing(&canonical(&normalize(d)), d, sources);
            let m = parse::module_from(d, &listing, sources, loader.all_bodies);
            (d.clone(), Arc::new(m))
        })
        .collect();
    let mut called: HashSet<PathBuf> = HashSet::new();
    for (dir, m) in &modules {
        loader.insert(dir, m.clone());
        for src in local_calls(m) {
            called.insert(loader.canonical(&dir.join(src)));
        }
    }
    let roots: Vec<&PathBuf> = modules
        .iter()
        .filter(|(d, _)| !called.contains(&loader.canonical(d)))
        .map(|(d, _)| d)
        .collect();
    let env_vars = terraform_env_vars();
    // Module directories of the checked tree: a module elsewhere never holds a finding.
    let checked: HashSet<PathBuf> = modules.iter().map(|(d, _)| loader.canonical(d)).collect();
    let evaluate = |d: &&PathBuf| {
        let (scope, reached, _) = evaluate_root(d, &loader, settings, &env_vars, &checked);
        (each(scope), reached)
    };
    let mut out: Vec<(T, BTreeSet<PathBuf>)> = roots.par_iter().map(evaluate).collect();
    // Modules only reachable through a cycle, or from nowhere: evaluate them as roots too.
    let reached: HashSet<PathBuf> = out.iter().flat_map(|(_, s)| s.iter().cloned()).collect();
    let rest: Vec<&PathBuf> = modules
        .iter()
        .map(|(d, _)| d)
        .filter(|d| !reached.contains(&loader.canonical(d)))
        .collect();
    out.extend(rest.par_iter().map(evaluate).collect::<Vec<_>>());
    let declared: BTreeSet<String> = roots
        .iter()
        .chain(&rest)
        .flat_map(|d| {
            loader
                .module(d)
                .variables
                .keys()
                .cloned()
                .collect::<Vec<_>>()
        })
        .collect();
    // Freeing every module's tree takes a while: it is done while the rules run.
    let cache = std::mem::take(&mut *loader.cache.lock().unwrap_or_else(|e| e.into_inner()));
    rayon::spawn(move || drop((modules, cache)));
    (out.into_iter().map(|(s, _)| s).collect(), declared)
}

/// Evaluate one root module into a scope; also returns the module directories it used and
/// the variables files it read.
fn evaluate_root(
    dir: &Path,
    loader: &Loader,
    settings: &Settings,
    env_vars: &[(String, String)],
    checked: &HashSet<PathBuf>,
) -> (Scope, BTreeSet<PathBuf>, Vec<FileId>) {
    let m = loader.module(dir);
    let mut scope = Scope::new(Format::Terraform, crate::source::display_path(dir));
    let sh = Rc::new(Shared::new(loader, dir.to_path_buf()));
    let mut extra_files = Vec::new();
    let vars = root_variables(
        &m,
        dir,
        loader,
        settings,
        env_vars,
        &sh,
        &mut extra_files,
        &mut scope.problems,
    );
    let root = Inst::new(
        m.clone(),
        String::new(),
        vars,
        0,
        vec![loader.canonical(dir)],
        Vec::new(),
        sh.clone(),
    );
    let mut used: Vec<Arc<Module>> = Vec::new();
    // Policies see every resource instance as evaluated (the plan-shaped document).
    let mut evaluated = Vec::new();
    let keep = settings.keeps_policy_documents().then_some(&mut evaluated);
    extract::collect_keeping(&root, &mut scope.resources, &mut used, keep);
    scope.terraform_evaluated = evaluated;
    extract::attach_replicas(&mut scope.resources, &sh);
    let mut dirs = BTreeSet::new();
    let mut seen = HashSet::new();
    let mut provenance = sh.provenance.take();
    for module in &used {
        let key = loader.canonical(&module.dir);
        if !checked.contains(&key) {
            provenance.outside.extend(module.files.iter().map(|f| f.id));
        }
        if seen.insert(key.clone()) {
            scope.problems.extend(module.problems.iter().cloned());
            scope.notes.extend(module.notes.iter().cloned());
            dirs.insert(key);
        }
    }
    let mut files: BTreeSet<_> = sh.files.borrow().clone();
    files.extend(extra_files.iter().copied());
    scope.files = files.into_iter().collect();
    scope.problems.extend(sh.problems.borrow_mut().drain(..));
    let calls = sh.calls_followed.get();
    if calls > 0 {
        scope.notes.push(format!("{calls} module call(s) followed"));
    }
    scope.notes.extend(sh.notes.borrow().iter().cloned());
    // A suppression on a `module` block covers every resource under it.
    if !provenance.calls.is_empty() {
        for r in &mut scope.resources {
            r.suppressions.extend(provenance.module_suppressions(&r.id));
        }
    }
    scope.provenance = provenance;
    drop(root);
    (scope, dirs, extra_files)
}

/// Convert a value to a variable's type as Terraform does: `bool`/`number` from strings,
/// and object attributes declared `optional(T, default)` filled in when absent.
fn convert(v: Sv, ty: &ast::Expr, inst: &Inst, f: crate::source::FileId, depth: usize) -> Sv {
    use ast::{E, Key};
    if depth > 32 || v.is_unknown() || v.is_null() {
        return v;
    }
    match &ty.e {
        E::Var(t) => match &**t {
            "bool" => match v.as_bool() {
                Some(b) => Sv { v: V::Bool(b), ..v },
                None => v,
            },
            "number" => match v.as_num() {
                Some(n) => Sv { v: V::Num(n), ..v },
                None => v,
            },
            _ => v,
        },
        E::Call(call) => {
            let name = &*call.name;
            let arg = call.args.first();
            match (name, arg) {
                ("optional", Some(inner)) => convert(v, inner, inst, f, depth + 1),
                ("list" | "set", Some(inner)) => match v.v {
                    V::List(items) => Sv::new(
                        V::List(
                            items
                                .into_iter()
                                .map(|i| convert(i, inner, inst, f, depth + 1))
                                .collect(),
                        ),
                        v.span,
                    ),
                    other => Sv::new(other, v.span),
                },
                ("map", Some(inner)) => match v.v {
                    V::Obj(m) => Sv::new(
                        V::Obj(
                            m.into_iter()
                                .map(|(k, i)| (k, convert(i, inner, inst, f, depth + 1)))
                                .collect(),
                        ),
                        v.span,
                    ),
                    other => Sv::new(other, v.span),
                },
                (
                    "object",
                    Some(ast::Expr {
                        e: E::Object(attrs),
                        ..
                    }),
                ) => {
                    let V::Obj(mut m) = v.v else { return v };
                    for (k, aty) in attrs {
                        let key = match k {
                            Key::Ident(id) => id.to_string(),
                            Key::Expr(e) => match e.as_str() {
                                Some(s) => s.to_string(),
                                None => continue,
                            },
                        };
                        match m.remove(&key) {
                            Some(present) if !present.is_null() => {
                                m.insert(key, convert(present, aty, inst, f, depth + 1));
                            }
                            _ => {
                                let default = match &aty.e {
                                    E::Call(c) if &*c.name == "optional" => {
                                        match (c.args.first(), c.args.get(1)) {
                                            (Some(t), Some(d)) => convert(
                                                inst.eval(d, f, None, 0),
                                                t,
                                                inst,
                                                f,
                                                depth + 1,
                                            ),
                                            _ => Sv::new(V::Null, v.span),
                                        }
                                    }
                                    _ => Sv::new(V::Null, v.span),
                                };
                                m.insert(key, default);
                            }
                        }
                    }
                    Sv::new(V::Obj(m), v.span)
                }
                _ => v,
            }
        }
        _ => v,
    }
}

#[allow(clippy::too_many_arguments)]
fn root_variables(
    m: &Arc<Module>,
    dir: &Path,
    loader: &Loader,
    settings: &Settings,
    env_vars: &[(String, String)],
    sh: &Rc<Shared>,
    extra_files: &mut Vec<crate::source::FileId>,
    problems: &mut Vec<Problem>,
) -> HashMap<String, Sv> {
    // A bare instance evaluates constant expressions (defaults, tfvars).
    let bare = Inst::new(
        m.clone(),
        String::new(),
        HashMap::new(),
        0,
        Vec::new(),
        Vec::new(),
        sh.clone(),
    );
    let mut given: HashMap<String, Sv> = HashMap::new();
    let var_span = |name: &str| {
        m.variables
            .get(name)
            .map(|d| d.block.header.at(d.file))
            .unwrap_or_default()
    };
    // A value given as text is a string unless the variable has another type.
    let is_string = |name: &str| {
        m.variables
            .get(name)
            .and_then(|d| d.block.body.attr("type"))
            .is_none_or(|a| a.value.as_var() == Some("string"))
    };
    let from_text = |name: &str, text: &str| -> Sv {
        let span = var_span(name);
        if !is_string(name)
            && let Some(e) = ast::parse_expr(text, None)
        {
            let v = bare.eval(&e, span.file, None, 0);
            if !v.is_unknown() {
                return v.respan(span);
            }
        }
        Sv::lit(text, span)
    };
    for (k, v) in env_vars {
        given.insert(k.clone(), from_text(k, v));
    }
    // terraform.tfvars, terraform.tfvars.json, then *.auto.tfvars(.json) in name order.
    let mut files = vec![
        dir.join("terraform.tfvars"),
        dir.join("terraform.tfvars.json"),
    ];
    let mut autos: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                        n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json")
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    autos.sort();
    files.extend(autos);
    files.extend(settings.tf_var_files.iter().cloned());
    for f in files {
        // Anything there is read (a FIFO or a loop of links is reported, not skipped).
        if std::fs::symlink_metadata(&f).is_err() {
            continue;
        }
        read_tfvars(&f, dir, loader, &bare, &mut given, extra_files, problems);
    }
    for (k, v) in &settings.tf_vars {
        given.insert(k.clone(), from_text(k, v));
    }
    given
}

/// Read a variables file (found beside the root module, or given by `--var-file`) into
/// `given`. One that leads out of the checked tree is not read (noted).
fn read_tfvars(
    path: &Path,
    root: &Path,
    loader: &Loader,
    bare: &Inst,
    given: &mut HashMap<String, Sv>,
    extra_files: &mut Vec<crate::source::FileId>,
    problems: &mut Vec<Problem>,
) {
    let id = match loader.var_file(root, path) {
        parse::Got::Read(id) => id,
        parse::Got::Outside => {
            bare.sh.note(format!(
                "{}: outside the checked paths: not read",
                crate::source::display_path(path)
            ));
            return;
        }
        parse::Got::Problem {
            file,
            span,
            message,
        } => {
            extra_files.push(file);
            problems.push(Problem {
                rule: "DDB001",
                span,
                message: format!("cannot read variables file: {message}"),
                help: Some("make the file readable UTF-8 text".into()),
                resource: None,
            });
            return;
        }
    };
    extra_files.push(id);
    // Released by a group evaluated before: read back (`None`: changed since, unknown).
    let Some(text) = loader.sources.restore(id).map(|f| f.text.clone()) else {
        return;
    };
    if path.to_string_lossy().ends_with(".json") {
        match json::parse(&text, id, 0) {
            Ok(p) => match p.value.v {
                V::Obj(m) => given.extend(m),
                _ => problems.push(Problem {
                    rule: "DDB001",
                    span: Span::new(id, 0, text.len().min(1)),
                    message: "a variables file in JSON must hold an object".into(),
                    help: Some("make the file's top level a JSON object".into()),
                    resource: None,
                }),
            },
            Err(e) => problems.push(Problem {
                rule: "DDB001",
                span: Span::new(id, e.offset, e.offset),
                message: format!("JSON syntax error: {}", e.message),
                help: Some("fix the JSON syntax at this location".into()),
                resource: None,
            }),
        }
        return;
    }
    let mut aliases = HashMap::new();
    match parse::parse_lenient(&text, &mut aliases) {
        Ok(body) => {
            let cv = ast::Convert::new(&aliases);
            for attr in body.attributes() {
                given.insert(
                    attr.key.as_str().to_string(),
                    bare.eval(&cv.attr(attr).value, id, None, 0),
                );
            }
        }
        Err((offset, msg)) => problems.push(Problem {
            rule: "DDB001",
            span: Span::new(id, offset, offset),
            message: msg,
            help: Some("fix the Terraform syntax at this location".into()),
            resource: None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Kind, Part, Str, Table, Val};

    /// Write `files` into a temporary directory and load it as Terraform.
    fn load_files(files: &[(&str, &str)], settings: &Settings) -> (Vec<Scope>, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let mut dirs = BTreeSet::new();
        for (name, text) in files {
            let p = dir.path().join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, text).unwrap();
            if parse::is_config_file(name) && !name.contains(".terraform/") {
                dirs.insert(p.parent().unwrap().to_path_buf());
            }
        }
        let sources = SourceMap::default();
        let dirs: Vec<PathBuf> = dirs.into_iter().collect();
        (load(&dirs, &sources, settings), dir)
    }

    fn table<'a>(scope: &'a Scope, id: &str) -> &'a Table {
        match &scope.resource(id).unwrap_or_else(|| panic!("no {id}")).kind {
            Kind::Table(t) => t,
            _ => panic!("{id} is not a table"),
        }
    }

    const TABLE: &str = r#"
resource "aws_dynamodb_table" "t" {
  name     = local.name
  hash_key = "id"
  attribute {
    name = "id"
    type = "S"
  }
  point_in_time_recovery {
    enabled = var.on ? true : false
  }
}
"#;

    #[test]
    fn unknown_condition_gives_both_branches() {
        let (scopes, _d) = load_files(
            &[(
                "main.tf",
                &format!("variable \"on\" {{}}\nlocals {{ name = \"t\" }}\n{TABLE}"),
            )],
            &Settings::default(),
        );
        let t = table(&scopes[0], "aws_dynamodb_table.t");
        let pitr = t.pitr.as_ref().unwrap();
        assert!(matches!(&pitr.val, Val::OneOf(b) if b.len() == 2));
        assert_eq!(t.known_name(), Some("t"));
    }

    #[test]
    fn expressions_functions_and_templates() {
        let main = r#"
variable "on" { default = true }
locals {
  envs   = { dev = 1, prod = 2 }
  names  = [for k, v in local.envs : "${k}-${v}" if v > 1]
  byfirst = { for n in ["ab", "ac", "b"] : substr(n, 0, 1) => n... }
  joined = join(",", concat(local.names, ["x"]))
  tried  = try(local.envs.missing, "fallback")
  can_it = can(local.envs.missing)
  tmpl   = "a%{ if var.on }b%{ else }c%{ endif }"
  name   = "${local.joined}|${local.tried}|${local.can_it}|${local.tmpl}|${upper(format("%s-%03d", "q", 7))}"
  splat  = [{ n = "a" }, { n = "b" }][*].n
  first  = element(local.splat, 3)
}
resource "aws_dynamodb_table" "t" {
  name     = local.name
  hash_key = local.first
  point_in_time_recovery {
    enabled = var.on
  }
}
"#;
        let (scopes, _d) = load_files(&[("main.tf", main)], &Settings::default());
        let t = table(&scopes[0], "aws_dynamodb_table.t");
        assert_eq!(t.known_name(), Some("prod-2,x|fallback|false|ab|Q-007"));
        assert_eq!(
            t.hash_key()
                .and_then(|k| k.attribute.get())
                .map(String::as_str),
            Some("b")
        );
        assert_eq!(t.pitr.as_ref().and_then(|p| p.get()), Some(&true));
    }

    #[test]
    fn module_outputs_and_references_keep_addresses() {
        let main = r#"
module "db" {
  source = "./db"
  name   = "orders"
}
resource "aws_cloudwatch_metric_alarm" "a" {
  namespace   = "AWS/DynamoDB"
  metric_name = "ThrottledRequests"
  dimensions = {
    TableName = module.db.table_name
  }
}
"#;
        let db = r#"
variable "name" {}
resource "aws_dynamodb_table" "this" {
  count    = 1
  name     = var.name
  hash_key = "id"
}
output "table_name" {
  value = aws_dynamodb_table.this[0].name
}
"#;
        let (scopes, _d) = load_files(
            &[("main.tf", main), ("db/main.tf", db)],
            &Settings::default(),
        );
        assert_eq!(scopes.len(), 1, "the called module is not a root");
        let s = &scopes[0];
        assert_eq!(
            table(s, "module.db.aws_dynamodb_table.this[0]").known_name(),
            Some("orders")
        );
        let Kind::Alarm(a) = &s.resource("aws_cloudwatch_metric_alarm.a").unwrap().kind else {
            panic!()
        };
        assert_eq!(
            a.metrics[0].dimensions[0].value.get(),
            Some(&Str::reference(
                "module.db.aws_dynamodb_table.this[0]",
                Some("name".into())
            ))
        );
    }

    #[test]
    fn downloaded_modules_are_followed_and_others_noted() {
        let main = r#"
module "store" {
  source  = "example/store/aws"
  version = "1.0.0"
  name    = "dl"
}
module "missing" {
  source = "git::https://example.com/x.git"
}
"#;
        let store = "variable \"name\" {}\nresource \"aws_dynamodb_table\" \"this\" {\n  name = var.name\n}\n";
        let modules_json = r#"{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"store","Source":"registry.terraform.io/example/store/aws","Version":"1.0.0","Dir":".terraform/modules/store"}]}"#;
        let (scopes, _d) = load_files(
            &[
                ("main.tf", main),
                (".terraform/modules/store/main.tf", store),
                (".terraform/modules/modules.json", modules_json),
            ],
            &Settings::default(),
        );
        let s = &scopes[0];
        assert_eq!(
            table(s, "module.store.aws_dynamodb_table.this").known_name(),
            Some("dl")
        );
        assert!(
            s.notes
                .iter()
                .any(|n| n.contains("module.missing") && n.contains("terraform init"))
        );
    }

    #[test]
    fn variable_precedence() {
        let main = "variable \"n\" { default = \"default\" }\nresource \"aws_dynamodb_table\" \"t\" {\n  name = var.n\n}\n";
        let files = [
            ("main.tf", main),
            ("terraform.tfvars", "n = \"tfvars\"\n"),
            ("b.auto.tfvars.json", "{\"n\": \"auto-json\"}"),
            ("a.auto.tfvars", "n = \"auto\"\n"),
        ];
        let (scopes, _d) = load_files(&files, &Settings::default());
        assert_eq!(
            table(&scopes[0], "aws_dynamodb_table.t").known_name(),
            Some("auto-json")
        );
        let settings = Settings {
            tf_vars: vec![("n".into(), "flag".into())],
            ..Settings::default()
        };
        let (scopes, _d) = load_files(&files, &settings);
        assert_eq!(
            table(&scopes[0], "aws_dynamodb_table.t").known_name(),
            Some("flag")
        );
    }

    #[test]
    fn self_referencing_locals_and_unknown_functions_end() {
        let main = r#"
locals {
  a = local.b
  b = local.a
}
resource "aws_dynamodb_table" "t" {
  name = "${local.a}-${sha256("x")}"
  deletion_protection_enabled = local.a
}
"#;
        let (scopes, _d) = load_files(&[("main.tf", main)], &Settings::default());
        let t = table(&scopes[0], "aws_dynamodb_table.t");
        assert!(t.known_name().is_none());
        assert!(t.deletion_protection.as_ref().unwrap().get().is_none());
        let name = t.name.as_ref().and_then(|n| n.get());
        assert!(
            name.is_none()
                || name.is_some_and(|s| s.0.iter().any(|p| matches!(p, Part::Unknown(_))))
        );
    }

    #[test]
    fn every_modelled_resource_kind() {
        let main = r#"
resource "aws_dynamodb_table" "t" {
  name     = "t"
  hash_key = "pk"
  range_key = "sk"
  billing_mode   = "PROVISIONED"
  read_capacity  = 5
  write_capacity = 5
  global_secondary_index {
    name            = "g"
    hash_key        = "gk"
    projection_type = "ALL"
    read_capacity   = 1
    write_capacity  = 1
  }
  local_secondary_index {
    name            = "l"
    range_key       = "lk"
    projection_type = "ALL"
  }
  server_side_encryption {
    enabled = true
  }
  tags = { tier = "critical" }
}
resource "aws_dynamodb_table_replica" "r" {
  global_table_arn       = aws_dynamodb_table.t.arn
  point_in_time_recovery = false
  kms_key_arn            = aws_kms_key.k.arn
}
resource "aws_dynamodb_global_table" "legacy" {
  name = "legacy"
  replica {
    region_name = "us-east-1"
  }
}
resource "aws_dynamodb_contributor_insights" "ci" {
  table_name = aws_dynamodb_table.t.name
  index_name = "g"
}
resource "aws_dax_cluster" "dax" {
  cluster_name                     = "dax"
  cluster_endpoint_encryption_type = "TLS"
  server_side_encryption {
    enabled = true
  }
}
resource "aws_kms_key" "k" {}
resource "aws_kms_alias" "a" {
  name          = "alias/t"
  target_key_id = aws_kms_key.k.key_id
}
resource "aws_vpc_endpoint_route_table_association" "rta" {
  vpc_endpoint_id = "vpce-1"
  route_table_id  = "rtb-1"
}
resource "aws_cloudwatch_metric_alarm" "math" {
  metric_query {
    id          = "e1"
    expression  = "m1 + m2"
  }
  metric_query {
    id = "m1"
    metric {
      namespace   = "AWS/DynamoDB"
      metric_name = "ReadThrottleEvents"
      dimensions = {
        TableName                = aws_dynamodb_table.t.name
        GlobalSecondaryIndexName = "g"
      }
    }
  }
}
resource "aws_iam_role" "role" {
  name = "r"
  assume_role_policy = "{}"
  inline_policy {
    name   = "p"
    policy = data.aws_iam_policy_document.d.json
  }
}
data "aws_iam_policy_document" "d" {
  statement {
    effect    = "Deny"
    not_actions = ["dynamodb:GetItem"]
    resources = ["*"]
  }
}
resource "aws_iam_user_policy" "dup" {
  user   = "u"
  policy = "{\"Statement\": [], \"Statement\": []}"
}
resource "null_resource" "other" {}
"#;
        let (scopes, _d) = load_files(&[("main.tf", main)], &Settings::default());
        let s = &scopes[0];
        let t = table(s, "aws_dynamodb_table.t");
        assert_eq!(t.key_schema.len(), 2);
        assert!(t.gsis[0].provisioned);
        assert_eq!(
            t.lsis[0].key_schema.len(),
            2,
            "an LSI shares the table's hash key"
        );
        assert!(t.is_provisioned());
        assert_eq!(t.sse.enabled.as_ref().and_then(|p| p.get()), Some(&true));
        assert_eq!(t.replicas.len(), 1, "the replica resource is attached");
        assert_eq!(
            t.replicas[0].pitr.as_ref().and_then(|p| p.get()),
            Some(&false)
        );
        assert_eq!(
            t.replicas[0]
                .kms_key
                .as_ref()
                .and_then(|p| p.get())
                .and_then(|k| k.as_ref_part()),
            Some(("aws_kms_key.k", Some("arn")))
        );
        let legacy = table(s, "aws_dynamodb_global_table.legacy");
        assert_eq!(legacy.table_kind, crate::model::TableKind::Global);
        assert!(legacy.replicas[0].pitr.as_ref().unwrap().get().is_none());
        let kind = |id: &str| &s.resource(id).unwrap_or_else(|| panic!("{id}")).kind;
        assert!(
            matches!(kind("aws_dynamodb_contributor_insights.ci"), Kind::ContributorInsights(c) if c.table.as_ref().unwrap().get().unwrap().refers_to("aws_dynamodb_table.t"))
        );
        assert!(
            matches!(kind("aws_dax_cluster.dax"), Kind::Dax(d) if d.sse_enabled.as_ref().unwrap().get() == Some(&true) && d.endpoint_encryption.as_ref().unwrap().get().map(String::as_str) == Some("TLS"))
        );
        assert!(
            matches!(kind("aws_kms_alias.a"), Kind::KmsAlias(a) if a.target_key.as_ref().unwrap().get().unwrap().refers_to("aws_kms_key.k"))
        );
        assert!(matches!(
            kind("aws_vpc_endpoint_route_table_association.rta"),
            Kind::EndpointRouteTable(_)
        ));
        let Kind::Alarm(alarm) = kind("aws_cloudwatch_metric_alarm.math") else {
            panic!()
        };
        assert_eq!(alarm.metrics.len(), 1);
        assert_eq!(alarm.metrics[0].dimensions.len(), 2);
        let Kind::Policy(p) = kind("aws_iam_role.role") else {
            panic!()
        };
        assert!(!p.statements[0].is_allow());
        assert_eq!(p.statements[0].not_actions.len(), 1);
        assert!(s.problems.iter().any(|p| p.rule == "DDB002"));
        assert!(matches!(kind("null_resource.other"), Kind::Other));
        assert!(matches!(kind("aws_dynamodb_table_replica.r"), Kind::Other));
    }

    #[test]
    fn optional_object_attributes_get_their_defaults() {
        let main = r#"
variable "cfg" {
  type = object({
    pitr    = optional(bool, true)
    protect = optional(string)
    tables  = optional(map(object({ on = optional(bool, false) })), {})
  })
  default = { tables = { a = {} } }
}
resource "aws_dynamodb_table" "t" {
  name                        = "t"
  deletion_protection_enabled = var.cfg.protect == null
  point_in_time_recovery {
    enabled = var.cfg.pitr && !var.cfg.tables.a.on
  }
}
"#;
        let (scopes, _d) = load_files(&[("main.tf", main)], &Settings::default());
        let t = table(&scopes[0], "aws_dynamodb_table.t");
        assert_eq!(t.pitr.as_ref().and_then(|p| p.get()), Some(&true));
        assert_eq!(
            t.deletion_protection.as_ref().and_then(|p| p.get()),
            Some(&true)
        );
    }

    #[test]
    fn policy_documents_expand_like_resources() {
        let main = r#"
variable "on" { default = false }
data "aws_iam_policy_document" "off" {
  count = var.on ? 1 : 0
  statement {
    actions   = ["dynamodb:*"]
    resources = ["*"]
  }
}
data "aws_iam_policy_document" "each" {
  for_each = toset(["a", "b"])
  statement {
    actions   = ["dynamodb:GetItem"]
    resources = ["arn:aws:dynamodb:::table/${each.key}"]
  }
}
locals {
  docs = concat(data.aws_iam_policy_document.off[*].json, [data.aws_iam_policy_document.each["b"].json])
}
resource "aws_iam_policy" "p" {
  count  = length(local.docs)
  policy = local.docs[0]
}
"#;
        let (scopes, _d) = load_files(&[("main.tf", main)], &Settings::default());
        let s = &scopes[0];
        let ids: Vec<&str> = s.resources.iter().map(|r| r.id.as_str()).collect();
        assert!(!ids.iter().any(|i| i.contains(".off")), "{ids:?}");
        assert!(ids.contains(&r#"data.aws_iam_policy_document.each["a"]"#));
        assert!(ids.contains(&r#"data.aws_iam_policy_document.each["b"]"#));
        // count = 0 gives no instance to splat: the policy holds only document "b".
        assert!(ids.contains(&"aws_iam_policy.p[0]") && !ids.contains(&"aws_iam_policy.p[1]"));
        let Kind::Policy(p) = &s.resource("aws_iam_policy.p[0]").unwrap().kind else {
            panic!()
        };
        let res = p.statements[0].resources[0].get().and_then(|r| r.as_lit());
        assert_eq!(res, Some("arn:aws:dynamodb:::table/b"));
    }

    #[test]
    fn an_interpolation_alone_is_its_value() {
        // Terraform 0.11 style: "${…}" around a map or a number keeps its type.
        let main = r#"
variable "tables" { default = { a = "x", b = "y" } }
resource "aws_dynamodb_table" "t" {
  for_each = "${var.tables}"
  name     = "${each.value}-${each.key}"
  read_capacity = "${2 + 3}"
}
"#;
        let (scopes, _d) = load_files(&[("main.tf", main)], &Settings::default());
        let t = table(&scopes[0], r#"aws_dynamodb_table.t["b"]"#);
        assert_eq!(t.known_name(), Some("y-b"));
        assert!(scopes[0].resource(r#"aws_dynamodb_table.t["a"]"#).is_some());
    }

    #[test]
    fn source_and_override_documents_merge_by_sid() {
        let main = r#"
data "aws_iam_policy_document" "base" {
  statement {
    sid       = "Read"
    actions   = ["dynamodb:GetItem"]
    resources = ["*"]
  }
  statement {
    sid       = "Admin"
    actions   = ["dynamodb:*"]
    resources = ["*"]
  }
}
data "aws_iam_policy_document" "merged" {
  source_policy_documents = [
    data.aws_iam_policy_document.base.json,
    jsonencode({ Statement = [{ Sid = "Extra", Effect = "Allow", Action = "dynamodb:Query", Resource = "*" }] }),
  ]
  override_policy_documents = [
    "{\"Statement\": [{\"Sid\": \"Admin\", \"Effect\": \"Deny\", \"Action\": \"dynamodb:*\", \"Resource\": \"*\"}]}",
  ]
  statement {
    sid       = "Read"
    actions   = ["dynamodb:BatchGetItem"]
    resources = ["*"]
  }
  statement {
    actions   = ["dynamodb:Scan"]
    resources = ["*"]
  }
}
"#;
        let (scopes, _d) = load_files(&[("main.tf", main)], &Settings::default());
        let Kind::Policy(p) = &scopes[0]
            .resource("data.aws_iam_policy_document.merged")
            .unwrap()
            .kind
        else {
            panic!()
        };
        let summary: Vec<(Option<String>, String, String)> = p
            .statements
            .iter()
            .map(|s| {
                let action = s.actions[0]
                    .get()
                    .and_then(|a| a.as_lit())
                    .unwrap_or_default()
                    .to_string();
                let effect = s.effect.as_ref().and_then(|e| e.get()).cloned();
                (s.sid.clone(), effect.unwrap_or_default(), action)
            })
            .collect();
        let row = |sid: Option<&str>, effect: &str, action: &str| {
            (
                sid.map(String::from),
                effect.to_string(),
                action.to_string(),
            )
        };
        assert_eq!(
            summary,
            [
                row(Some("Read"), "Allow", "dynamodb:BatchGetItem"),
                row(Some("Admin"), "Deny", "dynamodb:*"),
                row(Some("Extra"), "Allow", "dynamodb:Query"),
                row(None, "Allow", "dynamodb:Scan"),
            ]
        );
    }

    #[test]
    fn template_for_directives_and_strip_markers() {
        let main = r#"
locals {
  tables = ["a", "b"]
  list   = "%{ for i, t in local.tables ~}
    ${i}=${t} %{~ if t == "a" }, %{ endif ~}
  %{~ endfor ~}
  !"
}
resource "aws_dynamodb_table" "t" {
  name = local.list
}
"#;
        let (scopes, _d) = load_files(&[("main.tf", main)], &Settings::default());
        assert_eq!(
            table(&scopes[0], "aws_dynamodb_table.t").known_name(),
            Some("0=a, 1=b!")
        );
    }

    #[test]
    fn unreadable_files_are_unknown() {
        let main = r#"
resource "aws_iam_policy" "missing" {
  policy = file("${path.module}/missing.json")
}
resource "aws_iam_policy" "dir" {
  policy = file(path.module)
}
resource "aws_iam_policy" "fifo" {
  policy = templatefile("${path.module}/pipe", {})
}
resource "aws_iam_policy" "binary" {
  policy = file("${path.module}/binary.json")
}
"#;
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.tf"), main).unwrap();
        std::fs::write(dir.path().join("binary.json"), [0xff, 0xfe, b'{']).unwrap();
        // A FIFO would block a reader forever: it must not be opened.
        let fifo = std::process::Command::new("mkfifo")
            .arg(dir.path().join("pipe"))
            .status();
        assert!(fifo.is_ok_and(|s| s.success()), "mkfifo");
        let sources = SourceMap::default();
        let scopes = load(&[dir.path().to_path_buf()], &sources, &Settings::default());
        for id in ["missing", "dir", "fifo", "binary"] {
            let r = scopes[0].resource(&format!("aws_iam_policy.{id}")).unwrap();
            assert!(
                matches!(&r.kind, Kind::Policy(p) if p.statements.is_empty()),
                "{id}: {:?}",
                r.kind
            );
        }
        assert_eq!(sources.len(), 1, "only main.tf was read");
    }

    #[test]
    fn doubling_values_end_as_unknowns() {
        // 2^40 copies: without a bound on built values this exhausts memory.
        let mut main = String::from("locals {\n  s0 = \"0123456789abcdef\"\n  l0 = [\"x\"]\n");
        for i in 1..=40 {
            let p = i - 1;
            main.push_str(&format!("  s{i} = \"${{local.s{p}}}${{local.s{p}}}\"\n"));
            main.push_str(&format!("  l{i} = concat(local.l{p}, local.l{p})\n"));
        }
        main.push_str("}\nresource \"aws_dynamodb_table\" \"t\" {\n  name = local.s40\n  hash_key = length(local.l40)\n  range_key = local.s10\n}\n");
        let (scopes, _d) = load_files(&[("main.tf", &main)], &Settings::default());
        let t = table(&scopes[0], "aws_dynamodb_table.t");
        assert!(t.known_name().is_none());
        assert!(t.hash_key().and_then(|k| k.attribute.get()).is_none());
        // Values under the bound are built: s10 is 16 KiB.
        let range = t
            .key_schema
            .iter()
            .find(|k| k.key_type.get() == Some(&crate::model::KeyType::Range));
        let len = range.and_then(|k| k.attribute.get()).map(String::len);
        assert_eq!(len, Some(16 << 10));
        assert!(scopes[0].notes.iter().any(|n| n.contains("was not built")));
    }

    #[test]
    fn nested_dynamic_blocks_are_bounded() {
        let main = r#"
resource "aws_dynamodb_table" "t" {
  name = "t"
  dynamic "global_secondary_index" {
    for_each = range(400)
    content {
      name = "g${global_secondary_index.value}"
      dynamic "on_demand_throughput" {
        for_each = range(400)
        content {
          max_read_request_units = on_demand_throughput.value
        }
      }
    }
  }
}
"#;
        let (scopes, _d) = load_files(&[("main.tf", main)], &Settings::default());
        let t = table(&scopes[0], "aws_dynamodb_table.t");
        assert!(!t.gsis.is_empty() && t.gsis.len() < 400, "{}", t.gsis.len());
        assert!(
            scopes[0]
                .notes
                .iter()
                .any(|n| n.contains("blocks made by dynamic blocks"))
        );
    }

    #[test]
    fn dynamic_blocks_in_json_syntax() {
        let main = r#"{
  "locals": {"indexes": ["byUser", "byDate"]},
  "resource": {"aws_dynamodb_table": {"t": {
    "name": "t",
    "hash_key": "id",
    "dynamic": {
      "global_secondary_index": {
        "for_each": "${local.indexes}",
        "iterator": "gsi",
        "content": {"name": "${gsi.value}", "hash_key": "k", "projection_type": "ALL"}
      }
    }
  }}}
}"#;
        let (scopes, _d) = load_files(&[("main.tf.json", main)], &Settings::default());
        let t = table(&scopes[0], "aws_dynamodb_table.t");
        let names: Vec<Option<&String>> = t.gsis.iter().map(|g| g.name.get()).collect();
        assert_eq!(
            names,
            [Some(&"byUser".to_string()), Some(&"byDate".to_string())]
        );
    }

    #[test]
    fn normalize_applies_parent_components() {
        assert_eq!(normalize(Path::new("./a/b/../c")), PathBuf::from("a/c"));
        assert_eq!(normalize(Path::new("x/../../y")), PathBuf::from("../y"));
        assert_eq!(normalize(Path::new("./.")), PathBuf::from("."));
    }
}
