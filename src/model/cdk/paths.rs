//! Construct paths: `aws:cdk:path` metadata (set by the CloudFormation frontend), the
//! `aws:cdk:logicalId` metadata of `manifest.json` and its `additionalMetadataFile`, and
//! `tree.json` when a path is still missing.

use super::{Artifact, Stack, tree};
use crate::model::Scope;
use crate::model::node::Node;
use crate::source::{Roots, Syntax, display_path, read_text};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// `"/App/Stack/Items/Resource": [{"type": "aws:cdk:logicalId", "data": "ItemsD1A2B3C4"}]`.
pub(super) fn metadata_paths(metadata: Option<&Node>) -> HashMap<String, Vec<String>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for entry in metadata.and_then(Node::as_map).unwrap_or_default() {
        for item in entry.value.as_seq().unwrap_or_default() {
            if item.get("type").and_then(Node::as_scalar) != Some("aws:cdk:logicalId") {
                continue;
            }
            if let Some(id) = item.get("data").and_then(Node::as_scalar) {
                let path = entry.key.strip_prefix('/').unwrap_or(&entry.key);
                out.entry(id.to_string())
                    .or_default()
                    .push(path.to_string());
            }
        }
    }
    out
}

/// One entry of an `additionalMetadataFile`.
#[derive(serde::Deserialize)]
struct MetadataEntry {
    #[serde(rename = "type")]
    kind: Option<String>,
    data: Option<MetadataData>,
}

/// A logical ID is a string; other entries' data is skipped unread.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum MetadataData {
    Text(String),
    Other(serde::de::IgnoredAny),
}

/// Read an `additionalMetadataFile` (inside `roots` only) into `paths`.
fn read_extra_metadata(
    path: &Path,
    roots: &Roots,
    paths: &mut HashMap<String, Vec<String>>,
) -> Result<(), String> {
    let text = read_text(path, roots, Syntax::Utf8)?;
    let bytes = text.as_bytes();
    let entries: HashMap<String, Vec<MetadataEntry>> = serde_json::from_slice(bytes)
        .map_err(|e| format!("{} is not CDK metadata: {e}", display_path(path)))?;
    for (key, items) in entries {
        for item in items {
            if item.kind.as_deref() != Some("aws:cdk:logicalId") {
                continue;
            }
            if let Some(MetadataData::Text(id)) = item.data {
                let p = key.strip_prefix('/').unwrap_or(&key);
                paths.entry(id).or_default().push(p.to_string());
            }
        }
    }
    Ok(())
}

/// The longest known stack path `path` lies in.
fn owning_stack<'a>(path: &str, stack_paths: &'a [String]) -> Option<&'a str> {
    stack_paths
        .iter()
        .filter(|s| {
            path.strip_prefix(s.as_str())
                .is_some_and(|r| r.starts_with('/'))
        })
        .max_by_key(|s| s.len())
        .map(String::as_str)
}

/// The construct path of a nested stack from the path of its `AWS::CloudFormation::Stack`
/// resource: `P/X.NestedStack/X.NestedStackResource` → `P/X.NestedStack/X`.
fn nested_stack_path(resource_path: &str) -> Option<String> {
    let (dir, last) = resource_path.rsplit_once('/')?;
    let id = last.strip_suffix(".NestedStackResource")?;
    Some(format!("{dir}/{id}"))
}

pub(super) fn assign_paths(
    scope: &mut Scope,
    stacks: &mut [Stack],
    ranges: &[std::ops::Range<usize>],
    artifacts: &mut [Artifact],
    tree_files: &[PathBuf],
    roots: &Roots,
) {
    let mut missing = false;
    for i in 0..stacks.len() {
        // A nested stack's path comes from its parent's stack resource.
        if let Some((p, res_id)) = stacks.get(i).and_then(|s| s.parent.clone()) {
            let parent_path = ranges
                .get(p)
                .and_then(|r| scope.resources.get(r.clone()))
                .and_then(|rs| rs.iter().find(|r| r.id == res_id))
                .and_then(|r| r.cdk_path.as_deref())
                .and_then(nested_stack_path);
            if let Some(s) = stacks.get_mut(i) {
                s.construct_path = parent_path;
            }
        }
        let stack_paths: Vec<String> = stacks
            .iter()
            .filter_map(|s| s.construct_path.clone())
            .collect();
        let (Some(stack), Some(range)) = (stacks.get(i), ranges.get(i)) else {
            continue;
        };
        let Some(art) = artifacts.get_mut(stack.artifact) else {
            continue;
        };
        for r in scope.resources.get_mut(range.clone()).unwrap_or_default() {
            if r.cdk_path.is_some() {
                continue;
            }
            if !art.paths.contains_key(&r.id)
                && let Some(extra) = art.extra_metadata.take()
                && let Err(why) = read_extra_metadata(&extra, roots, &mut art.paths)
            {
                scope.notes.push(format!("construct paths not read: {why}"));
            }
            let candidates = art.paths.get(&r.id).map(Vec::as_slice).unwrap_or_default();
            let mine = candidates.iter().find(|c| {
                stack.construct_path.is_some()
                    && owning_stack(c, &stack_paths) == stack.construct_path.as_deref()
            });
            r.cdk_path = mine
                .or(match candidates {
                    [only] => Some(only),
                    _ => None,
                })
                .cloned();
            missing |= r.cdk_path.is_none();
        }
    }
    if !missing || tree_files.is_empty() {
        return;
    }
    let known: HashSet<String> = stacks
        .iter()
        .filter_map(|s| s.construct_path.clone())
        .collect();
    for tree_file in tree_files {
        let index = match tree::Index::load(tree_file, &known, roots) {
            Ok(index) => index,
            Err(why) => {
                scope
                    .notes
                    .push(format!("construct paths not read from tree.json: {why}"));
                continue;
            }
        };
        for (stack, range) in stacks.iter().zip(ranges) {
            for r in scope.resources.get_mut(range.clone()).unwrap_or_default() {
                if r.cdk_path.is_none() {
                    r.cdk_path = index
                        .path(stack.construct_path.as_deref(), &r.id)
                        .map(str::to_string);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_stack_paths_and_owning_stacks() {
        assert_eq!(
            nested_stack_path("App/Data/Archive.NestedStack/Archive.NestedStackResource")
                .as_deref(),
            Some("App/Data/Archive.NestedStack/Archive")
        );
        assert_eq!(nested_stack_path("App/Data/Table/Resource"), None);
        let stacks = vec![
            "App/Data".to_string(),
            "App/Data/Archive.NestedStack/Archive".to_string(),
        ];
        assert_eq!(
            owning_stack("App/Data/Table/Resource", &stacks),
            Some("App/Data")
        );
        assert_eq!(
            owning_stack("App/Data/Archive.NestedStack/Archive/T/Resource", &stacks),
            Some("App/Data/Archive.NestedStack/Archive")
        );
        assert_eq!(owning_stack("App/DataTwo/T", &stacks), None);
    }
}
