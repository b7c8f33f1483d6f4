//! CDK frontend: a cloud assembly (`cdk.out`) into one [`Scope`] per assembly.
//!
//! `manifest.json` names the stacks (`aws:cloudformation:stack` artifacts and their
//! `properties.templateFile`) and nested assemblies (`cdk:cloud-assembly`, the `assembly-*`
//! directories of CDK stages, followed to a bounded depth). Each stack template names its
//! nested stacks: `AWS::CloudFormation::Stack` resources whose `aws:asset:path` metadata is
//! a `*.nested.template.json` of the assembly. Every template is read by the CloudFormation
//! frontend, and all the stacks of an assembly, nested stacks included, go into one scope,
//! so cross-resource rules see an alarm of a monitoring stack beside the table of a data
//! stack. A nested assembly (a stage) is a scope of its own: CDK forbids references between
//! stages, and stages repeat the same stacks with the same logical IDs.
//!
//! ## References between stacks
//!
//! Values that cross stacks are resolved to what they name before the resources are typed:
//! an `Fn::ImportValue` of an export another stack of the assembly defines
//! (`Outputs.X.Export.Name`) takes that output's value; a nested stack's `Parameters` take
//! the values its parent passes; a parent's `Fn::GetAtt [Nested, Outputs.X]` takes the
//! nested stack's output value. The links are followed a bounded number of times, so chains
//! (an import of a nested output passed on as a parameter) resolve too.
//!
//! ## Resource ids
//!
//! A resource keeps its CloudFormation logical ID as its id (what the JSON report shows and
//! what a `Ref` names), so a `Ref` resolved across stacks is a plain [`Part::Ref`] to the
//! logical ID in the stack that defines it. Logical IDs are unique within a stack, and CDK
//! derives them from the construct path, so they rarely repeat across the stacks of one
//! app; when they do, a reference by that id may match the resource of either stack. The
//! construct path (`cdk_path`) tells such resources apart in reports.
//!
//! ## Construct paths
//!
//! Every resource gets its construct path from its `aws:cdk:path` metadata, else from the
//! `aws:cdk:logicalId` entries of its stack's artifact metadata in `manifest.json`, else
//! from `tree.json`, which is read only when a path is still missing (see [`tree`]).

mod links;
mod paths;
mod replicas;
pub mod tree;

pub use replicas::add_replicas;

use crate::model::cfn::{self, resolve::Template};
use crate::model::node::Node;
use crate::model::{Format, Problem, Scope};
use crate::source::{FileId, SourceMap, Span, Unread, display_path};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// How deep nested assemblies (`assembly-*`) are followed, and how many are read.
const MAX_ASSEMBLY_DEPTH: usize = 8;
const MAX_ASSEMBLIES: usize = 1000;
/// How deep nested stacks are followed.
const MAX_NESTED_DEPTH: usize = 8;
/// At most this many templates are read for one assembly.
const MAX_STACKS: usize = 2000;
/// Help for a template the assembly names but does not hold.
const RESYNTH: &str = "synthesize the app again (`cdk synth`) so that the assembly is complete";

/// A stack artifact of a manifest.
struct Artifact {
    /// The assembly directory the template path is relative to.
    dir: PathBuf,
    /// `displayName` (the stack's construct path), when given.
    display_name: Option<String>,
    template: String,
    /// The `templateFile` value in the manifest (where a missing template is reported).
    template_span: Span,
    /// `aws:cdk:logicalId` metadata: logical ID → construct paths (no leading slash).
    paths: HashMap<String, Vec<String>>,
    /// `additionalMetadataFile`: more metadata of the same shape, read when a path is missing.
    extra_metadata: Option<PathBuf>,
}

/// One template of the assembly, top-level or nested.
struct Stack {
    file: FileId,
    root: Node,
    /// Index of the artifact whose metadata holds this stack's paths.
    artifact: usize,
    /// For a nested stack: the parent stack and the logical ID of its `AWS::CloudFormation::Stack`.
    parent: Option<(usize, String)>,
    depth: usize,
    /// The stack's construct path, when known.
    construct_path: Option<String>,
}

/// Read the assembly in `dir` into scopes: one for its own stacks, and one for each nested
/// assembly (a CDK `Stage`, `assembly-*`), named after their directories. Stacks of
/// different stages cannot refer to each other, and stages usually repeat the same stacks
/// with the same logical IDs, so a stage is a scope of its own.
pub fn load_assembly(dir: &Path, sources: &SourceMap) -> Vec<Scope> {
    let mut out = Vec::new();
    let mut visited = HashSet::from([canonical(dir)]);
    let mut queue = std::collections::VecDeque::from([(dir.to_path_buf(), 0, Vec::new())]);
    while let Some((d, depth, inherited_trees)) = queue.pop_front() {
        let mut scope = Scope::new(Format::Cdk, display_path(&d));
        let mut read = Manifest {
            depth,
            artifacts: Vec::new(),
            tree_files: Vec::new(),
            nested: Vec::new(),
        };
        read_manifest(&d, sources, &mut scope, &mut read, &mut visited);
        if read.tree_files.is_empty() {
            read.tree_files = inherited_trees;
        }
        for sub in read.nested.drain(..) {
            queue.push_back((sub, depth + 1, read.tree_files.clone()));
        }
        load_stacks(&mut scope, &mut read.artifacts, &read.tree_files, sources);
        out.push(scope);
    }
    out
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// What a manifest names.
struct Manifest {
    depth: usize,
    artifacts: Vec<Artifact>,
    tree_files: Vec<PathBuf>,
    /// Nested assembly directories, not yet read.
    nested: Vec<PathBuf>,
}

/// Read the stacks the artifacts name into the scope, link them and give every resource
/// its construct path.
fn load_stacks(
    scope: &mut Scope,
    artifacts: &mut [Artifact],
    tree_files: &[PathBuf],
    sources: &SourceMap,
) {
    let mut stacks = read_stacks(artifacts, sources, scope);
    let nested = stacks.iter().filter(|s| s.parent.is_some()).count();
    scope.notes.push(format!(
        "{} stack(s), {nested} of them nested",
        stacks.len()
    ));
    let overrides = links::link(&stacks);
    let mut ranges = Vec::with_capacity(stacks.len());
    for (stack, over) in stacks.iter().zip(overrides) {
        let mut t = Template::new(&stack.root);
        for (k, v) in over {
            t.set_parameter(k, v);
        }
        let found = replicas::replicas(&t, &stack.root);
        let start = scope.resources.len();
        cfn::add_template(scope, stack.file, &stack.root, sources, Some(t));
        let end = scope.resources.len();
        replicas::attach_replicas(scope, start..end, found);
        ranges.push(start..end);
    }
    paths::assign_paths(
        scope,
        &mut stacks,
        &ranges,
        artifacts,
        tree_files,
        sources.roots(),
    );
}

/// Read a file of the assembly into the scope: its id, or `None` when it could not be read
/// (a DDB001 on the scope) or lies outside the checked tree (a note).
fn read_into(scope: &mut Scope, path: &Path, sources: &SourceMap) -> Option<FileId> {
    match cfn::read_file(path, sources) {
        Ok(file) => {
            scope.files.push(file);
            Some(file)
        }
        Err(Unread::Problem {
            file,
            span,
            message,
        }) => {
            scope.files.push(file);
            scope.problems.push(problem(span, message));
            None
        }
        Err(Unread::Outside) => {
            scope.notes.push(outside(path));
            None
        }
    }
}

/// The note for a path the assembly names outside the checked tree (through `..`, an
/// absolute path or a symbolic link): it is not read, and nothing of it is shown.
fn outside(path: &Path) -> String {
    format!(
        "{} is outside the checked paths: not read",
        display_path(path)
    )
}

fn problem(span: Span, message: String) -> Problem {
    Problem {
        rule: "DDB001",
        span,
        message,
        help: None,
        resource: None,
    }
}

/// Read a manifest: its stacks, its tree file, and the nested assemblies still to read.
fn read_manifest(
    dir: &Path,
    sources: &SourceMap,
    scope: &mut Scope,
    read: &mut Manifest,
    visited: &mut HashSet<PathBuf>,
) {
    let path = dir.join("manifest.json");
    let Some(file) = read_into(scope, &path, sources) else {
        return;
    };
    let text = sources.get(file).text.clone();
    let root = match cfn::json::parse(&text, file) {
        Ok(root) => root,
        Err((span, message)) => {
            scope.problems.push(problem(
                span,
                format!("manifest.json does not parse: {message}"),
            ));
            return;
        }
    };
    let entries = match root.get("artifacts") {
        None => return,
        Some(a) => match a.as_map() {
            Some(entries) => entries,
            None => {
                scope.problems.push(problem(
                    a.span,
                    format!(
                        "the assembly's artifacts must be a mapping, not {}",
                        a.kind_name()
                    ),
                ));
                return;
            }
        },
    };
    let mut has_tree = false;
    for entry in entries {
        let art = &entry.value;
        let props = art.get("properties");
        match art.get("type").and_then(Node::as_scalar) {
            Some("aws:cloudformation:stack") => {
                let Some(tf) = props.and_then(|p| p.get("templateFile")) else {
                    scope.problems.push(problem(
                        entry.key_span,
                        format!(
                            "stack artifact {} has no properties.templateFile",
                            entry.key
                        ),
                    ));
                    continue;
                };
                let Some(template) = tf.as_scalar() else {
                    scope
                        .problems
                        .push(problem(tf.span, "templateFile must be a string".into()));
                    continue;
                };
                read.artifacts.push(Artifact {
                    dir: dir.to_path_buf(),
                    display_name: art
                        .get("displayName")
                        .and_then(Node::as_scalar)
                        .map(str::to_string),
                    template: template.to_string(),
                    template_span: tf.span,
                    paths: paths::metadata_paths(art.get("metadata")),
                    extra_metadata: art
                        .get("additionalMetadataFile")
                        .and_then(Node::as_scalar)
                        .map(|f| dir.join(f)),
                });
            }
            Some("cdk:cloud-assembly") => {
                let Some(sub) = props
                    .and_then(|p| p.get("directoryName"))
                    .and_then(Node::as_scalar)
                else {
                    continue;
                };
                if read.depth + 1 >= MAX_ASSEMBLY_DEPTH || visited.len() >= MAX_ASSEMBLIES {
                    scope.notes.push(format!(
                        "{}: nested assembly {sub} not read: assemblies nest deeper than {MAX_ASSEMBLY_DEPTH} levels or number more than {MAX_ASSEMBLIES}",
                        display_path(dir)
                    ));
                    continue;
                }
                let sub_dir = dir.join(sub);
                if sources.roots().is_outside(&sub_dir) {
                    scope.notes.push(outside(&sub_dir));
                } else if sub_dir.join("manifest.json").is_file() {
                    if visited.insert(canonical(&sub_dir)) {
                        read.nested.push(sub_dir);
                    } else {
                        scope.notes.push(format!(
                            "{}: nested assembly {sub} already read (a cycle of nested assemblies)",
                            display_path(dir)
                        ));
                    }
                } else {
                    let span = props
                        .and_then(|p| p.get("directoryName"))
                        .map_or(entry.key_span, |n| n.span);
                    scope.problems.push(problem(
                        span,
                        format!("nested assembly {sub} has no manifest.json"),
                    ));
                }
            }
            Some("cdk:tree") => {
                has_tree = true;
                let name = props
                    .and_then(|p| p.get("file"))
                    .and_then(Node::as_scalar)
                    .unwrap_or("tree.json");
                read.tree_files.push(dir.join(name));
            }
            _ => {}
        }
    }
    if !has_tree && sources.roots().contains(&dir.join("tree.json")) {
        read.tree_files.push(dir.join("tree.json"));
    }
}

/// Read every stack template, nested stacks included (breadth first, bounded).
fn read_stacks(artifacts: &[Artifact], sources: &SourceMap, scope: &mut Scope) -> Vec<Stack> {
    let mut stacks: Vec<Stack> = Vec::new();
    let mut seen: HashSet<PathBuf> = HashSet::new();
    for (i, art) in artifacts.iter().enumerate() {
        let path = art.dir.join(&art.template);
        if sources.roots().is_outside(&path) {
            scope.notes.push(outside(&path));
            continue;
        }
        if !path.is_file() {
            scope.problems.push(Problem {
                help: Some(RESYNTH.into()),
                ..problem(
                    art.template_span,
                    format!(
                        "the template {} named by manifest.json does not exist",
                        art.template
                    ),
                )
            });
            continue;
        }
        if let Some(root) = read_template(&path, sources, scope, &mut seen) {
            stacks.push(Stack {
                file: root.1,
                root: root.0,
                artifact: i,
                parent: None,
                depth: 0,
                construct_path: art.display_name.clone(),
            });
        }
    }
    // Nested stacks: appended after their parents, so a parent always comes first.
    let mut next = 0;
    while next < stacks.len() {
        let found = nested_stack_assets(&stacks[next].root);
        let (depth, artifact) = (stacks[next].depth, stacks[next].artifact);
        let dir = artifacts
            .get(artifact)
            .map(|a| a.dir.clone())
            .unwrap_or_default();
        for (logical_id, asset, span) in found {
            if depth + 1 > MAX_NESTED_DEPTH || stacks.len() >= MAX_STACKS {
                scope.notes.push(format!(
                    "nested stack {logical_id} not read: stacks nest deeper than {MAX_NESTED_DEPTH} levels or number more than {MAX_STACKS}"
                ));
                continue;
            }
            let path = dir.join(&asset);
            if sources.roots().is_outside(&path) {
                scope.notes.push(outside(&path));
                continue;
            }
            if !path.is_file() {
                scope.problems.push(Problem {
                    help: Some(RESYNTH.into()),
                    ..problem(
                        span,
                        format!("the template {asset} of nested stack {logical_id} does not exist"),
                    )
                });
                continue;
            }
            if let Some((root, file)) = read_template(&path, sources, scope, &mut seen) {
                stacks.push(Stack {
                    file,
                    root,
                    artifact,
                    parent: Some((next, logical_id)),
                    depth: depth + 1,
                    construct_path: None,
                });
            }
        }
        next += 1;
    }
    stacks
}

/// Read and parse one template; problems go to the scope. A template already read (two
/// artifacts naming one file, a nested stack naming its parent) is read once.
fn read_template(
    path: &Path,
    sources: &SourceMap,
    scope: &mut Scope,
    seen: &mut HashSet<PathBuf>,
) -> Option<(Node, FileId)> {
    let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if !seen.insert(key) {
        return None;
    }
    let file = read_into(scope, path, sources)?;
    let text = sources.get(file).text.clone();
    match cfn::json::parse(&text, file) {
        Ok(root) => Some((root, file)),
        Err((span, message)) => {
            scope.problems.push(problem(span, message));
            None
        }
    }
}

/// `AWS::CloudFormation::Stack` resources whose `aws:asset:path` names a nested template:
/// (logical ID, asset path, span of the asset path).
fn nested_stack_assets(root: &Node) -> Vec<(String, String, Span)> {
    let mut out = Vec::new();
    for entry in root
        .get("Resources")
        .and_then(Node::as_map)
        .unwrap_or_default()
    {
        let r = &entry.value;
        if r.get("Type").and_then(Node::as_scalar) != Some("AWS::CloudFormation::Stack") {
            continue;
        }
        let Some(asset) = r.get("Metadata").and_then(|m| m.get("aws:asset:path")) else {
            continue;
        };
        if let Some(name) = asset
            .as_scalar()
            .filter(|n| n.ends_with(".nested.template.json"))
        {
            out.push((entry.key.to_string(), name.to_string(), asset.span));
        }
    }
    out
}
