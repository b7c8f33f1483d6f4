use super::{Check, Ctx};
use crate::declare_rule;
use crate::model::Scope;

declare_rule! {
    /// ## What it checks
    /// A Guard policy file (`--policy`, `policies:` in `.ddbguard.yaml`) whose rules could
    /// not be evaluated on a document: cfn-guard returned an error (a regular expression that
    /// does not compile, a function given the wrong type), crashed, or ran past the time
    /// budget of one evaluation (`--policy-timeout`, 30 s by default). The finding stands at
    /// the policy file and names the document.
    ///
    /// ## Why it matters
    /// An error in one clause stops every rule of that policy file on that document: none
    /// of them passed or failed there. A policy that silently did not run looks exactly like
    /// a policy that passed.
    ///
    /// ## How to fix
    /// Fix the rule the message points at (`ddbguard policy test` runs a rule on test
    /// documents; `ddbguard model` prints the documents policies see). A rule that is only
    /// slow on large templates can be narrowed with a filter (`Resources.*[ Type == … ]`)
    /// before it compares values, or given a larger `--policy-timeout`.
    ///
    /// ## References
    /// - [AWS CloudFormation Guard: writing rules](https://docs.aws.amazon.com/cfn-guard/latest/ug/writing-rules.html)
    PolicyEvaluationError {
        id: "DDB004",
        name: "policy-evaluation-error",
        severity: Error,
        summary: "a Guard policy rule that failed to evaluate on a document, or ran past its time budget",
        tags: ["policy"],
    }
}

/// Reported by the policy runner, which evaluates the Guard policies beside the rules.
impl Check for PolicyEvaluationError {
    fn run(&self, _scope: &Scope, _ctx: &mut Ctx) {}
}
