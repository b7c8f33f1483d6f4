//! Construct paths from `tree.json`, for resources whose path is neither in the template
//! (`aws:cdk:path` metadata, turned off with `--no-path-metadata`) nor in `manifest.json`.
//!
//! `tree.json` names constructs, not logical IDs, so the logical ID of each CloudFormation
//! resource in the tree is recomputed the way CDK allocates it: the path below its stack,
//! without `Default` components, as the human-readable components (duplicates and
//! `Resource` dropped, non-alphanumerics removed) followed by the first 8 hex digits of the
//! MD5 of the path. Only what is needed is kept from the file (serde skips the rest), so a
//! tree of tens of megabytes costs little memory.

use crate::source::{Roots, Syntax, display_path, read_text};
use md5::{Digest, Md5};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

/// Deepest construct nesting followed (serde_json refuses deeper JSON anyway).
const MAX_DEPTH: usize = 256;
/// Longest human part of a logical ID (CDK: 240), and longest ID kept as is (255).
const MAX_HUMAN_LEN: usize = 240;
const MAX_ID_LEN: usize = 255;

#[derive(Deserialize)]
struct TreeFile {
    tree: Option<TreeNode>,
}

#[derive(Deserialize)]
struct TreeNode {
    #[serde(default)]
    id: String,
    path: Option<String>,
    #[serde(default)]
    children: BTreeMap<String, TreeNode>,
    attributes: Option<Attributes>,
    #[serde(rename = "constructInfo")]
    construct_info: Option<ConstructInfo>,
}

#[derive(Deserialize)]
struct Attributes {
    #[serde(rename = "aws:cdk:cloudformation:type")]
    cfn_type: Option<String>,
}

#[derive(Deserialize)]
struct ConstructInfo {
    fqn: Option<String>,
}

impl TreeNode {
    fn fqn_class(&self) -> Option<&str> {
        let fqn = self.construct_info.as_ref()?.fqn.as_deref()?;
        fqn.rsplit('.').next()
    }

    /// An L1 resource: it has a CloudFormation type, or its class is `Cfn*`.
    fn is_cfn_resource(&self) -> bool {
        self.attributes
            .as_ref()
            .and_then(|a| a.cfn_type.as_ref())
            .is_some()
            || self.fqn_class().is_some_and(|c| c.starts_with("Cfn"))
    }

    fn is_stack(&self) -> bool {
        self.construct_info
            .as_ref()
            .and_then(|i| i.fqn.as_deref())
            .is_some_and(|fqn| {
                let last = fqn.rsplit('.').next().unwrap_or(fqn);
                last == "Stack" || last == "NestedStack"
            })
    }
}

/// Construct paths of the CloudFormation resources in a tree, by stack and logical ID.
#[derive(Debug, Default)]
pub struct Index {
    by_stack: HashMap<(String, String), String>,
    by_id: HashMap<String, Vec<String>>,
}

impl Index {
    /// Read `tree.json`. `known_stacks` are stack construct paths known from the manifest
    /// (older trees carry no construct types).
    /// Read only inside `roots`.
    pub fn load(
        path: &Path,
        known_stacks: &HashSet<String>,
        roots: &Roots,
    ) -> Result<Index, String> {
        let bytes = read_text(path, roots, Syntax::Utf8)?;
        let tree: TreeFile = serde_json::from_str(&bytes)
            .map_err(|e| format!("{} is not a construct tree: {e}", display_path(path)))?;
        drop(bytes);
        let mut index = Index::default();
        if let Some(root) = &tree.tree {
            index.add(root, known_stacks);
        }
        Ok(index)
    }

    /// Walk the tree without recursion: (node, its path, the path of its stack). Every node
    /// below a stack may be a resource (generic `CfnResource`s carry no CloudFormation type
    /// in the tree); when two nodes give one logical ID (`X` and `X/Default`), a node with a
    /// CloudFormation type or a `Cfn*` class wins, then the deeper one.
    fn add(&mut self, root: &TreeNode, known_stacks: &HashSet<String>) {
        let mut best: HashMap<(String, String), (u8, String)> = HashMap::new();
        let mut todo: Vec<(&TreeNode, String, Option<String>, usize)> =
            vec![(root, String::new(), None, 0)];
        while let Some((node, parent_path, owner, depth)) = todo.pop() {
            let path = match &node.path {
                Some(p) => p.clone(),
                None if parent_path.is_empty() => node.id.clone(),
                None => format!("{parent_path}/{}", node.id),
            };
            let is_stack = !path.is_empty() && (node.is_stack() || known_stacks.contains(&path));
            if let (false, Some(stack_path)) = (is_stack, &owner)
                && let Some(rel) = path
                    .strip_prefix(stack_path.as_str())
                    .and_then(|r| r.strip_prefix('/'))
                && let Some(id) = logical_id(&rel.split('/').collect::<Vec<_>>())
            {
                let rank = if node.is_cfn_resource() { 2 } else { 1 };
                let slot = best
                    .entry((stack_path.clone(), id))
                    .or_insert((0, String::new()));
                if (rank, path.len()) > (slot.0, slot.1.len()) {
                    *slot = (rank, path.clone());
                }
            }
            if depth >= MAX_DEPTH {
                continue;
            }
            let child_owner = if is_stack {
                Some(path.clone())
            } else {
                owner.clone()
            };
            for child in node.children.values() {
                todo.push((child, path.clone(), child_owner.clone(), depth + 1));
            }
        }
        for ((stack_path, id), (_, path)) in best {
            self.by_id.entry(id.clone()).or_default().push(path.clone());
            self.by_stack.insert((stack_path, id), path);
        }
        for paths in self.by_id.values_mut() {
            paths.sort();
        }
    }

    /// The construct path of the resource `logical_id` of the stack at `stack_path`; when
    /// the stack is unknown, the path of the only resource with that logical ID.
    pub fn path(&self, stack_path: Option<&str>, logical_id: &str) -> Option<&str> {
        self.exact(stack_path, logical_id)
            .or_else(|| self.exact(stack_path, strip_content_hash(logical_id)?))
    }

    fn exact(&self, stack_path: Option<&str>, logical_id: &str) -> Option<&str> {
        if let Some(s) = stack_path
            && let Some(p) = self.by_stack.get(&(s.to_string(), logical_id.to_string()))
        {
            return Some(p);
        }
        match self.by_id.get(logical_id).map(Vec::as_slice) {
            Some([only]) => Some(only),
            _ => None,
        }
    }

    pub fn len(&self) -> usize {
        self.by_stack.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_stack.is_empty()
    }
}

/// Some constructs add a content hash to their logical ID (an API Gateway `Deployment`
/// appends 32 lowercase hex digits): the ID without it.
fn strip_content_hash(logical_id: &str) -> Option<&str> {
    let cut = logical_id.len().checked_sub(32)?;
    let (head, hash) = (logical_id.get(..cut)?, logical_id.get(cut..)?);
    (cut > 8
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
    .then_some(head)
}

fn alphanumeric(s: &str) -> String {
    s.chars().filter(char::is_ascii_alphanumeric).collect()
}

/// The logical ID CDK allocates to a resource at `components` below its stack.
pub fn logical_id(components: &[&str]) -> Option<String> {
    let components: Vec<&str> = components
        .iter()
        .copied()
        .filter(|c| *c != "Default")
        .collect();
    if components.is_empty() {
        return None;
    }
    if let [only] = components.as_slice() {
        let id = alphanumeric(only);
        if id.len() <= MAX_ID_LEN {
            return Some(id);
        }
    }
    let hash: String = Md5::digest(components.join("/").as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut human_parts: Vec<&str> = Vec::new();
    for c in &components {
        if human_parts.last().is_none_or(|last| !last.ends_with(c)) {
            human_parts.push(c);
        }
    }
    let mut human: String = human_parts
        .iter()
        .filter(|c| **c != "Resource")
        .map(|c| alphanumeric(c))
        .collect();
    human.truncate(MAX_HUMAN_LEN);
    Some(format!(
        "{human}{}",
        hash.get(..8).unwrap_or("").to_ascii_uppercase()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logical_ids_are_computed_as_cdk_does() {
        // From a real assembly (manifest metadata of aws-dynamodbstreams-pipes-stepfunctions).
        assert_eq!(logical_id(&["Vpc"]).as_deref(), Some("Vpc"));
        assert_eq!(
            logical_id(&[
                "test-ddbs-pipes-states-construct",
                "DynamoTable",
                "Resource"
            ])
            .map(|s| s.len()),
            Some("testddbspipesstatesconstructDynamoTable".len() + 8)
        );
        assert!(logical_id(&["Default"]).is_none());
        assert_eq!(logical_id(&["A-b", "Default"]).as_deref(), Some("Ab"));
    }

    #[test]
    fn reads_paths_by_stack_and_logical_id() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tree.json");
        let id = logical_id(&["Items", "Resource"]).unwrap();
        std::fs::write(
            &path,
            r#"{"version":"tree-0.1","tree":{"id":"App","path":"","children":{"S":{"id":"S","path":"S",
            "constructInfo":{"fqn":"aws-cdk-lib.Stack"},"children":{"Items":{"id":"Items","path":"S/Items",
            "children":{"Resource":{"id":"Resource","path":"S/Items/Resource",
            "attributes":{"aws:cdk:cloudformation:type":"AWS::DynamoDB::Table","aws:cdk:cloudformation:props":{"x":[1,2]}}}}}}}}}}"#,
        )
        .unwrap();
        let index = Index::load(&path, &HashSet::new(), &Roots::anywhere()).unwrap();
        assert_eq!(index.path(Some("S"), &id), Some("S/Items/Resource"));
        assert_eq!(index.path(None, &id), Some("S/Items/Resource"));
        assert_eq!(index.path(Some("S"), "Nope"), None);
        let with_hash = format!("{id}{}", "0123456789abcdef".repeat(2));
        assert_eq!(index.path(Some("S"), &with_hash), Some("S/Items/Resource"));
        std::fs::write(&path, "[1,").unwrap();
        assert!(Index::load(&path, &HashSet::new(), &Roots::anywhere()).is_err());
    }
}
