use super::{Check, Ctx};
use crate::declare_rule;
use crate::model::Scope;

declare_rule! {
    /// ## What it checks
    /// A mapping key written twice in the same mapping of a template, or of a policy
    /// document embedded in one (a JSON string, a heredoc, a `jsonencode` map).
    ///
    /// ## Why it matters
    /// YAML and JSON parsers keep one of the values and silently drop the others, and which
    /// one is kept differs between tools. What you review is not what is deployed: a policy
    /// with `ForAllValues:StringEquals` written twice loses its `dynamodb:LeadingKeys`
    /// condition and grants access to every item of the table; a second `Properties` block
    /// drops the first one's point-in-time recovery setting.
    ///
    /// ## How to fix
    /// Merge the two entries into one. For conditions, put every key under a single
    /// operator block:
    ///
    /// ```yaml
    /// Condition:
    ///   ForAllValues:StringEquals:
    ///     dynamodb:LeadingKeys: ["${aws:userid}"]
    ///     dynamodb:Attributes: [id, name]
    /// ```
    ///
    /// ## References
    /// - [YAML 1.2: mapping keys must be unique](https://yaml.org/spec/1.2.2/#mapping)
    /// - [RFC 8259: names within an object should be unique](https://www.rfc-editor.org/rfc/rfc8259#section-4)
    DuplicateKey {
        id: "DDB002",
        name: "duplicate-key",
        severity: Error,
        summary: "a duplicate mapping key in a template or an embedded policy document",
        tags: ["correctness", "security"],
    }
}

/// Reported by the frontends through [`Scope::problems`].
impl Check for DuplicateKey {
    fn run(&self, _scope: &Scope, _ctx: &mut Ctx) {}
}
