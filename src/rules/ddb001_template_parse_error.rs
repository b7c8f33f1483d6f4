use super::{Check, Ctx};
use crate::declare_rule;
use crate::model::Scope;

declare_rule! {
    /// ## What it checks
    /// A template or configuration file that ddbguard could not read or parse: a YAML or
    /// JSON syntax error, HCL that does not parse, invalid UTF-8, an unreadable file, a
    /// document whose structure is not a template (`Resources` that is a list, `Properties`
    /// that is a string), or a document too large or too deeply nested to check safely.
    ///
    /// ## Why it matters
    /// A file that cannot be parsed cannot be checked: every other rule is silent on it.
    /// Reporting it as an error keeps a broken or unreadable template from passing as clean,
    /// and the run goes on with every other file.
    ///
    /// ## How to fix
    /// Fix the syntax error at the reported location (`cfn-lint`, `terraform validate` or
    /// your editor's YAML support point at the same place). If the file is not a template,
    /// exclude it in `.ddbguard.yaml` (`exclude: ["path/**"]`).
    ///
    /// ## References
    /// - [CloudFormation template anatomy](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-anatomy.html)
    /// - [YAML 1.2 specification](https://yaml.org/spec/1.2.2/)
    TemplateParseError {
        id: "DDB001",
        name: "template-parse-error",
        severity: Error,
        summary: "a template that cannot be read or parsed",
        tags: ["correctness"],
    }
}

/// Reported by the frontends through [`Scope::problems`].
impl Check for TemplateParseError {
    fn run(&self, _scope: &Scope, _ctx: &mut Ctx) {}
}
