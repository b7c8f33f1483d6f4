//! Findings as reports: the renderings of a run's result.
//!
//! The report itself ([`Report`], [`Finding`], [`Summary`], …) is vocabulary every layer
//! shares: it lives in [`crate::vocab`] and is re-exported here.

pub mod concise;
pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod model;
pub mod sarif;

pub use crate::vocab::{
    BaselineState, Changes, Finding, Location, Related, Report, ScopeInfo, Summary, Suppression,
    SuppressionKind, fingerprint, location,
};

/// The way a finding's value travelled, one place a line: `message (path:line)`.
pub fn trail(f: &Finding) -> Vec<String> {
    f.related
        .iter()
        .map(|r| format!("{} ({}:{})", r.message, r.path, r.location.start_line))
        .collect()
}

/// The scope of a finding when its path does not show it: a module several root modules
/// share is reported once for each of them.
pub fn scope_if_not_obvious(f: &Finding) -> Option<&str> {
    let obvious = f.scope.is_empty() || f.scope == "." || f.path.starts_with(&f.scope);
    (!obvious).then_some(f.scope.as_str())
}
