//! Findings as reports: the renderings of a run's result.
//!
//! The report itself ([`Report`], [`Finding`], [`Summary`], …) is vocabulary every layer
//! shares: it lives in [`crate::vocab`] and is re-exported here.

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
