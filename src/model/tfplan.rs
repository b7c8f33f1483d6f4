//! Terraform plan JSON (`terraform show -json plan.out`).
use crate::model::node::Node;
use crate::model::{Format, Scope};
use crate::source::{FileId, SourceMap};

pub fn is_plan(root: &Node) -> bool {
    root.get("format_version").is_some() && root.get("planned_values").is_some()
}

pub fn from_plan(file: FileId, root: &Node, sources: &SourceMap) -> Scope {
    let _ = (root, sources);
    let mut s = Scope::new(Format::TerraformPlan, sources.get(file).display_path());
    s.files.push(file);
    s
}
