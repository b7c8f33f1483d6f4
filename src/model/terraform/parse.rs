//! Reading one Terraform module directory: its `.tf` files parsed with hcl-edit and its
//! `.tf.json` files with jsonc-parser, both converted to the module's syntax tree
//! ([`super::ast`], spans kept) and sorted into variables, locals, outputs, resources,
//! data sources and module calls; parse errors as DDB001 problems; `ddbguard:ignore`
//! comments.

use super::ast::{Attr, Block, Body, Convert, FromJson, Sp};
use super::value::{Sv, V};
use crate::model::{InlineSuppression, Problem};
use crate::source::{FileId, SourceMap, Span, Syntax, Unread};
use hcl_edit::structure as hs;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A block of a module and the file it is in.
pub struct Decl {
    pub file: FileId,
    pub block: Block,
}

/// An attribute of a module (a local, an output's value) and its file.
pub struct Named {
    pub file: FileId,
    pub attr: Attr,
}

/// A `# ddbguard:ignore RULE reason` comment.
#[derive(Clone, Debug)]
pub struct SupComment {
    /// Where its line starts.
    pub line_start: usize,
    pub rule: String,
    pub reason: Option<String>,
    pub span: Span,
}

/// One file's text and its suppression comments.
pub struct FileInfo {
    pub id: FileId,
    pub path: PathBuf,
    pub text: Arc<str>,
    pub suppressions: Vec<SupComment>,
}

/// Where the line holding byte `offset` starts.
fn line_start(text: &[u8], offset: usize) -> usize {
    let offset = offset.min(text.len());
    text[..offset]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1)
}

impl FileInfo {
    /// Suppression comments that apply to a block spanning `start..end`: inside it, or on
    /// the comment lines directly above it.
    pub fn suppressions_for(&self, start: usize, end: usize) -> Vec<InlineSuppression> {
        if self.suppressions.is_empty() {
            return Vec::new();
        }
        let text = self.text.as_bytes();
        let mut top = line_start(text, start);
        while top > 0 {
            let above = line_start(text, top - 1);
            let line = String::from_utf8_lossy(&text[above..top - 1]);
            let line = line.trim_start();
            if !(line.starts_with('#') || line.starts_with("//")) {
                break;
            }
            top = above;
        }
        let last = line_start(text, end.saturating_sub(1).max(start));
        self.suppressions
            .iter()
            .filter(|s| s.line_start >= top && s.line_start <= last)
            .map(|s| InlineSuppression {
                rule: s.rule.clone(),
                reason: s.reason.clone(),
                span: s.span,
                module: None,
            })
            .collect()
    }
}

/// A parsed module directory.
#[derive(Default)]
pub struct Module {
    pub dir: PathBuf,
    pub files: Vec<FileInfo>,
    pub problems: Vec<Problem>,
    pub notes: Vec<String>,
    pub variables: BTreeMap<String, Decl>,
    pub locals: HashMap<String, Named>,
    pub outputs: HashMap<String, Named>,
    pub resources: Vec<Decl>,
    pub data: Vec<Decl>,
    pub calls: Vec<Decl>,
    /// Keep every resource's body, not only the modelled types' (policies read them all).
    pub all_bodies: bool,
}

impl Module {
    pub fn file(&self, id: FileId) -> Option<&FileInfo> {
        self.files.iter().find(|f| f.id == id)
    }

    pub fn has_resource(&self, rtype: &str, name: &str) -> bool {
        self.resources
            .iter()
            .any(|d| label(&d.block, 0) == Some(rtype) && label(&d.block, 1) == Some(name))
    }

    pub fn has_variable(&self, name: &str) -> bool {
        self.variables.contains_key(name)
    }

    pub fn data_source(&self, rtype: &str, name: &str) -> Option<&Decl> {
        self.data
            .iter()
            .find(|d| label(&d.block, 0) == Some(rtype) && label(&d.block, 1) == Some(name))
    }

    pub fn call(&self, name: &str) -> Option<&Decl> {
        self.calls.iter().find(|d| label(&d.block, 0) == Some(name))
    }
}

pub fn label(b: &Block, i: usize) -> Option<&str> {
    b.label(i)
}

/// Whether a file name is a Terraform configuration file.
pub fn is_config_file(name: &str) -> bool {
    name.ends_with(".tf") || name.ends_with(".tf.json")
}

/// What reading one configuration file gave ([`SourceMap::read`]). A run keeps it, so a
/// file is added to the source map once whichever loader asks for its module.
#[derive(Clone, Debug)]
pub enum Got {
    /// Read whole: its text is in the source map, or can be read back
    /// ([`SourceMap::restore`]).
    Read(FileId),
    /// Added to the map with the problem to report there (DDB001).
    Problem {
        file: FileId,
        span: Span,
        message: String,
    },
    /// A symbolic link out of the checked tree: not read.
    Outside,
}

impl Got {
    /// Read `path` into `sources`.
    pub fn read(path: &Path, sources: &SourceMap) -> Got {
        match sources.read(path, Syntax::Utf8) {
            Ok(id) => Got::Read(id),
            Err(Unread::Problem {
                file,
                span,
                message,
            }) => Got::Problem {
                file,
                span,
                message,
            },
            Err(Unread::Outside) => Got::Outside,
        }
    }

    /// The file added to the source map, if any.
    pub fn file(&self) -> Option<FileId> {
        match self {
            Got::Read(id) | Got::Problem { file: id, .. } => Some(*id),
            Got::Outside => None,
        }
    }
}

/// A module directory's configuration files, read into the source map in name order but
/// not parsed yet ([`module_from`] parses them), and what is noted about the directory.
#[derive(Debug, Default)]
pub struct Listing {
    pub notes: Vec<String>,
    pub files: Vec<(PathBuf, Got)>,
}

/// Read and parse every configuration file of `dir` (not recursive), adding each to
/// `sources`. A directory outside the checked tree is not listed, and a file that leads
/// out of it is not read: both are noted.
pub fn read_module(dir: &Path, sources: &SourceMap) -> Module {
    read_module_keeping(dir, sources, false)
}

/// [`read_module`], keeping every resource's body when `all_bodies` (for policies).
pub fn read_module_keeping(dir: &Path, sources: &SourceMap, all_bodies: bool) -> Module {
    module_from(dir, &list_module(dir, sources), sources, all_bodies)
}

/// Read every configuration file of `dir` (not recursive) into `sources`: the first half
/// of [`read_module`].
pub fn list_module(dir: &Path, sources: &SourceMap) -> Listing {
    let mut listing = Listing::default();
    if sources.roots().is_outside(dir) {
        listing.notes.push(format!(
            "{}: outside the checked paths: not read",
            crate::source::display_path(dir)
        ));
        return listing;
    }
    let mut names: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .flatten()
            .filter(|e| e.file_type().map(|t| !t.is_dir()).unwrap_or(false))
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(is_config_file)
            })
            .collect(),
        Err(e) => {
            listing.notes.push(format!(
                "{}: cannot read directory: {e}",
                crate::source::display_path(dir)
            ));
            Vec::new()
        }
    };
    names.sort();
    listing.files = names
        .into_iter()
        .map(|path| {
            let got = Got::read(&path, sources);
            (path, got)
        })
        .collect();
    listing
}

/// Parse the files `listing` read for the module in `dir`: the second half of
/// [`read_module`]. A file whose text was released is read back into the map first
/// ([`SourceMap::restore`]).
pub fn module_from(dir: &Path, listing: &Listing, sources: &SourceMap, all_bodies: bool) -> Module {
    let mut m = Module {
        dir: dir.to_path_buf(),
        all_bodies,
        notes: listing.notes.clone(),
        ..Module::default()
    };
    for (path, got) in &listing.files {
        read_file(&mut m, path, got, sources);
    }
    m
}

/// Sort the blocks of one configuration file, read as `got`, into `m`.
fn read_file(m: &mut Module, path: &Path, got: &Got, sources: &SourceMap) {
    let (id, unread) = match got {
        Got::Read(id) => (*id, None),
        Got::Problem {
            file,
            span,
            message,
        } => (*file, Some((*span, message.clone()))),
        Got::Outside => {
            m.notes.push(format!(
                "{}: a symbolic link out of the checked paths: not read",
                crate::source::display_path(path)
            ));
            return;
        }
    };
    let Some(file) = sources.restore(id) else {
        // Released, and no longer the file that was read: its lines cannot be shown.
        m.files.push(file_info(id, path, Arc::from("")));
        m.problems.push(problem(
            Span::new(id, 0, 0),
            "the file changed while it was being checked".into(),
        ));
        return;
    };
    let text = file.text.clone();
    let info = file_info(id, path, text.clone());
    m.files.push(info);
    if let Some((span, message)) = unread {
        m.problems.push(Problem {
            help: Some("save the file as UTF-8 text (Terraform reads nothing else)".into()),
            ..problem(span, message)
        });
        return;
    }
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name.ends_with(".tf.json") {
        read_json_config(m, id, &text);
        return;
    }
    let mut aliases = HashMap::new();
    match parse_lenient(&text, &mut aliases) {
        Ok(body) => sort_body(m, id, &body, &aliases),
        Err((offset, msg)) => {
            let end = next_char_end(&text, offset);
            m.problems.push(problem(Span::new(id, offset, end), msg));
        }
    }
}

/// The string literals of `text` that read as local module sources (`"./x"`, `"../x"`,
/// `"."`, `".."`, see [`super::is_local_source`]), as written between double quotes, in
/// HCL and JSON alike. Every module call whose `source` is such a literal written without
/// escapes is among them; any other string that looks the same is too (more is harmless
/// where this is used: it only joins modules that need not be joined).
pub fn local_sources(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        while let Some(i) = bytes[at..].iter().position(|&b| b == b'"').map(|i| at + i) {
            // Each quote may open a literal (it may close one too: more is harmless).
            at = i + 1;
            if bytes.get(at) != Some(&b'.') {
                continue;
            }
            let len = bytes[at..].iter().position(|&b| b == b'"' || b == b'\n')?;
            if bytes[at + len] != b'"' {
                continue;
            }
            let s = &text[at..at + len];
            if super::is_local_source(s) {
                return Some(s);
            }
        }
        None
    })
}

fn next_char_end(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text[offset..]
        .chars()
        .next()
        .map_or(offset, |c| offset + c.len_utf8())
}

fn problem(span: Span, message: String) -> Problem {
    Problem {
        rule: "DDB001",
        span,
        message,
        help: Some("fix the Terraform syntax at this location".into()),
        resource: None,
    }
}

/// Parse HCL. Terraform accepts repeated keys in an object constructor (the last one
/// wins) where hcl-edit rejects them: such a key is renamed to an alias of the same length
/// (so spans stay right) and remembered in `aliases`, then parsing is retried.
pub fn parse_lenient(
    text: &str,
    aliases: &mut HashMap<String, String>,
) -> Result<hs::Body, (usize, String)> {
    let mut owned: Option<String> = None;
    for attempt in 0..64 {
        let src = owned.as_deref().unwrap_or(text);
        match hcl_edit::parser::parse_body(src) {
            Ok(b) => return Ok(b),
            Err(e) => {
                let offset = e.location().offset().min(src.len());
                let msg = e.message().to_string();
                if !msg.contains("redefined object key") {
                    return Err((offset, format!("HCL syntax error: {msg}")));
                }
                let bytes = src.as_bytes();
                let mut end = offset;
                while end < bytes.len()
                    && (bytes[end].is_ascii_alphanumeric()
                        || bytes[end] == b'_'
                        || bytes[end] == b'-')
                {
                    end += 1;
                }
                let (kstart, kend) = if bytes.get(offset) == Some(&b'"') {
                    let close = src[offset + 1..].find('"').map(|i| offset + 1 + i);
                    match close {
                        Some(c) if c > offset + 1 => (offset + 1, c),
                        _ => return Err((offset, format!("HCL syntax error: {msg}"))),
                    }
                } else {
                    (offset, end)
                };
                let len = kend - kstart;
                if len == 0 {
                    return Err((offset, format!("HCL syntax error: {msg}")));
                }
                let key = src[kstart..kend].to_string();
                let mut alias = format!("_{attempt:x}");
                while alias.len() < len {
                    alias.push('_');
                }
                alias.truncate(len);
                if alias == key || (len == 1 && attempt > 0) {
                    return Err((offset, format!("HCL syntax error: {msg}")));
                }
                aliases.insert(alias.clone(), key);
                let mut next = src.to_string();
                next.replace_range(kstart..kend, &alias);
                owned = Some(next);
            }
        }
    }
    Err((0, "HCL syntax error: too many repeated object keys".into()))
}

/// Sort a file's blocks into the module, converted to the tree the module keeps. Parts
/// evaluation never reads are left out: an unmodelled resource's body but its `count` and
/// `for_each` (they give its instance addresses; references to it stay symbolic), a data
/// source's body unless it is a policy document, a variable's description and validation.
fn sort_body(m: &mut Module, id: FileId, body: &hs::Body, aliases: &HashMap<String, String>) {
    let cv = Convert::new(aliases);
    let only = |b: &hs::Block, keep: &[&str]| Body {
        attrs: b
            .body
            .attributes()
            .filter(|a| keep.contains(&a.key.as_str()))
            .map(|a| cv.attr(a))
            .collect(),
        blocks: Vec::new(),
    };
    for block in body.blocks() {
        // hcl-edit takes a NUL in a label; Terraform rejects such a name.
        if let Some(label) = block.labels.iter().find(|l| l.as_str().contains('\0')) {
            let r = hcl_edit::Span::span(label).unwrap_or(0..0);
            m.problems.push(problem(
                Span::new(id, r.start, r.end),
                "a NUL character in a block label: Terraform accepts no such name".into(),
            ));
        }
        let first = block.labels.first().map(|l| l.as_str());
        let decl = |b: Block| Decl { file: id, block: b };
        match (block.ident.as_str(), block.labels.len()) {
            ("variable", 1..) => {
                let kept = cv.block_with(block, only(block, &["type", "default"]));
                if let Some(name) = first {
                    m.variables.insert(name.to_string(), decl(kept));
                }
            }
            ("locals", _) => {
                for attr in block.body.attributes() {
                    m.locals.insert(
                        attr.key.as_str().to_string(),
                        Named {
                            file: id,
                            attr: cv.attr(attr),
                        },
                    );
                }
            }
            ("output", 1..) => {
                if let (Some(name), Some(value)) = (first, block.body.get_attribute("value")) {
                    m.outputs.insert(
                        name.to_string(),
                        Named {
                            file: id,
                            attr: cv.attr(value),
                        },
                    );
                }
            }
            ("resource", 2) => {
                let kept = match first {
                    Some(t) if m.all_bodies || super::extract::MODELLED.contains(&t) => {
                        cv.block(block)
                    }
                    _ => cv.block_with(block, only(block, &["count", "for_each"])),
                };
                m.resources.push(decl(kept));
            }
            ("data", 2) => {
                let kept = match first {
                    Some("aws_iam_policy_document") => cv.block(block),
                    _ => cv.block_with(block, Body::default()),
                };
                m.data.push(decl(kept));
            }
            ("module", 1) => m.calls.push(decl(cv.block(block))),
            _ => {}
        }
    }
}

/// `.tf.json`: must be an object. Its blocks become the same tree as HCL's (strings are
/// templates, except in variables' defaults), sorted as [`sort_body`] sorts HCL blocks.
fn read_json_config(m: &mut Module, id: FileId, text: &str) {
    let p = match super::json::parse(text, id, 0) {
        Ok(p) => p,
        Err(e) => {
            let end = next_char_end(text, e.offset);
            m.problems.push(problem(
                Span::new(id, e.offset, end),
                format!("JSON syntax error: {}", e.message),
            ));
            return;
        }
    };
    let Some(root) = p.value.as_obj() else {
        m.problems.push(Problem {
            rule: "DDB001",
            span: Span::new(id, 0, text.len().min(1)),
            message: format!(
                "a Terraform JSON configuration file must hold an object, not {}",
                p.value.type_name()
            ),
            help: Some("make the file's top level a JSON object".into()),
            resource: None,
        });
        return;
    };
    let sp = |v: &Sv| Sp {
        start: v.span.start,
        end: v.span.end,
    };
    // The span of the key `name` written just before `body`.
    let key_before = |name: &str, body: &Sv| {
        let before = text.get(..body.span.start as usize).unwrap_or("");
        let key = serde_json::Value::String(name.to_string()).to_string();
        match before.rfind(&key) {
            Some(at) => Sp {
                start: at as u32,
                end: (at + key.len()) as u32,
            },
            None => Sp {
                start: body.span.start,
                end: body.span.start + 1,
            },
        }
    };
    let decl = |block: Block| Decl { file: id, block };
    let mut conv = FromJson::default();
    // A block is an object, or a list of objects (the first is read).
    fn first_obj(v: &Sv) -> Option<&Sv> {
        match &v.v {
            V::Obj(_) => Some(v),
            V::List(items) => items.iter().find(|i| i.as_obj().is_some()),
            _ => None,
        }
    }
    for (section, value) in root {
        let Some(entries) = value.as_obj() else {
            continue;
        };
        match section.as_str() {
            "resource" | "data" => {
                for (rtype, by_name) in entries {
                    for (name, body) in by_name.as_obj().into_iter().flatten() {
                        let Some(body) = first_obj(body) else {
                            continue;
                        };
                        let header = key_before(name, body);
                        let block = conv.block(section, &[rtype, name], sp(body), header, body, 0);
                        if section == "resource" {
                            m.resources.push(decl(block));
                        } else {
                            m.data.push(decl(block));
                        }
                    }
                }
            }
            "module" => {
                for (name, body) in entries {
                    let Some(body) = first_obj(body) else {
                        continue;
                    };
                    let header = key_before(name, body);
                    m.calls.push(decl(conv.block(
                        "module",
                        &[name],
                        sp(body),
                        header,
                        body,
                        0,
                    )));
                }
            }
            "variable" => {
                for (name, body) in entries {
                    let Some(body) = first_obj(body) else {
                        continue;
                    };
                    let mut block = Block {
                        ident: "variable".into(),
                        labels: vec![name.as_str().into()],
                        sp: sp(body),
                        header: key_before(name, body),
                        body: Body::default(),
                    };
                    if let Some(ty) = body.get("type")
                        && let Some(t) = ty.as_text()
                        && let Some(value) = super::ast::parse_expr(&t, Some(sp(ty)))
                    {
                        block.body.attrs.push(Attr {
                            key: "type".into(),
                            sp: sp(ty),
                            value,
                        });
                    }
                    if let Some(def) = body.get("default") {
                        block.body.attrs.push(Attr {
                            key: "default".into(),
                            sp: sp(def),
                            value: conv.expr(def, false),
                        });
                    }
                    m.variables.insert(name.clone(), decl(block));
                }
            }
            "locals" => {
                for (name, v) in entries {
                    m.locals.insert(
                        name.clone(),
                        Named {
                            file: id,
                            attr: Attr {
                                key: name.as_str().into(),
                                sp: sp(v),
                                value: conv.expr(v, true),
                            },
                        },
                    );
                }
            }
            "output" => {
                for (name, body) in entries {
                    if let Some(v) = first_obj(body).and_then(|b| b.get("value")) {
                        m.outputs.insert(
                            name.clone(),
                            Named {
                                file: id,
                                attr: Attr {
                                    key: "value".into(),
                                    sp: sp(v),
                                    value: conv.expr(v, true),
                                },
                            },
                        );
                    }
                }
            }
            _ => {}
        }
    }
    for (at, message) in conv.errors {
        m.problems.push(Problem {
            rule: "DDB001",
            span: at.at(id),
            message,
            help: Some("fix the template in this string".into()),
            resource: None,
        });
    }
}

fn file_info(id: FileId, path: &Path, text: Arc<str>) -> FileInfo {
    const MARK: &str = "ddbguard:ignore";
    let mut suppressions = Vec::new();
    let bytes = text.as_bytes();
    for (pos, _) in text.match_indices(MARK) {
        let start = line_start(bytes, pos);
        let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        let line = text[start..end].trim_end_matches('\r');
        let before = &text[start..pos];
        let Some(marker) = before.rfind('#').or_else(|| before.rfind("//")) else {
            continue;
        };
        let mut words = text[pos + MARK.len()..start + line.len()].split_whitespace();
        let Some(rule) = words.next() else { continue };
        let reason = words.collect::<Vec<_>>().join(" ");
        suppressions.push(SupComment {
            line_start: start,
            rule: rule.trim_end_matches(':').to_string(),
            reason: (!reason.is_empty()).then_some(reason),
            span: Span::new(id, start + marker, start + line.len()),
        });
    }
    FileInfo {
        id,
        path: path.to_path_buf(),
        text,
        suppressions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_object_keys_parse_with_an_alias() {
        let mut aliases = HashMap::new();
        let text = "x = {\n  port = 1\n  port = 2\n}\n";
        let body = parse_lenient(text, &mut aliases).unwrap();
        assert_eq!(body.len(), 1);
        assert_eq!(aliases.values().next().map(String::as_str), Some("port"));
    }

    #[test]
    fn syntax_errors_have_a_location() {
        let mut aliases = HashMap::new();
        let err = parse_lenient("resource \"a\" \"b\" {\n  x = \n}\n", &mut aliases).unwrap_err();
        assert!(err.0 > 0 && err.1.contains("syntax"));
    }

    #[test]
    fn suppression_comments_apply_above_and_inside() {
        let text = "# ddbguard:ignore DDB101 backups elsewhere\nresource \"a\" \"b\" {\n  x = 1 // ddbguard:ignore DDB103 lab\n}\n\n# ddbguard:ignore DDB104 far\n\nresource \"c\" \"d\" {}\n";
        let info = file_info(FileId(0), Path::new("a.tf"), text.into());
        let block_start = text.find("resource").unwrap();
        let block_end = text.find("}\n").unwrap() + 1;
        let s = info.suppressions_for(block_start, block_end);
        let rules: Vec<&str> = s.iter().map(|s| s.rule.as_str()).collect();
        assert_eq!(rules, ["DDB101", "DDB103"]);
        assert_eq!(s[0].reason.as_deref(), Some("backups elsewhere"));
        let c = text.rfind("resource").unwrap();
        assert!(info.suppressions_for(c, text.len() - 1).is_empty());
    }
}
