use super::{Check, Ctx};
use crate::declare_rule;
use crate::model::Scope;

declare_rule! {
    /// ## What it checks
    /// A suppression (resource `Metadata.ddbguard.ignore`, a `# ddbguard:ignore` comment, or
    /// a `suppressions:` entry of `.ddbguard.yaml`) that matched no finding in this run.
    ///
    /// ## Why it matters
    /// Suppressions outlive the problems they were written for. One left behind after the
    /// table was fixed, renamed or deleted silently hides the same problem when it comes
    /// back, and reviewers lose track of which exceptions are still real.
    ///
    /// ## How to fix
    /// Delete the suppression, or correct its rule id or resource pattern if it was meant to
    /// match something.
    ///
    /// ## References
    /// - [ddbguard suppressions](README.md)
    UnusedSuppression {
        id: "DDB003",
        name: "unused-suppression",
        severity: Warning,
        summary: "a suppression that matched no finding",
        tags: ["maintainability"],
    }
}

/// Reported by the suppression pass after every rule has run.
impl Check for UnusedSuppression {
    fn run(&self, _scope: &Scope, _ctx: &mut Ctx) {}
}
