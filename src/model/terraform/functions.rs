//! The Terraform functions DynamoDB and IAM configurations use. Arguments are evaluated;
//! an unknown argument makes the result unknown (errors carry [`ERR`]).

use super::eval::{ERR, MAX_COLLECTION, MAX_VALUE, is_error, known_eq};
use super::value::{Sv, V, push_into_str};
use crate::model::{Part, Str};
use crate::source::Span;
use std::collections::{BTreeMap, BTreeSet};

const MAX_FLATTEN_DEPTH: usize = 32;

fn err(msg: impl std::fmt::Display, span: Span) -> Sv {
    Sv::unknown(format!("{ERR}{msg}"), span)
}

/// Why a result is unknown when it would hold more than [`MAX_VALUE`] (values plus bytes
/// of text): it is not built.
const TOO_LARGE: &str = "value too large";

fn too_large(span: Span) -> Sv {
    Sv::unknown(TOO_LARGE, span)
}

/// Whether a function's result was not built for its size (the evaluator reports it).
pub fn is_too_large(v: &Sv) -> bool {
    matches!(&v.v, V::Unknown(why) if why == TOO_LARGE)
}

/// The weight of `args` together ([`Sv::weight`]), counted up to [`MAX_VALUE`] + 1.
fn weight(args: &[Sv]) -> usize {
    args.iter()
        .fold(0usize, |w, a| w.saturating_add(a.weight(MAX_VALUE)))
        .min(MAX_VALUE + 1)
}

/// The first unknown (or error) argument, if any.
fn first_unknown(args: &[Sv]) -> Option<&Sv> {
    args.iter().find(|a| a.is_unknown())
}

fn unknown_of(a: &Sv, span: Span) -> Sv {
    match &a.v {
        V::Unknown(w) => Sv::unknown(w.clone(), span),
        _ => Sv::unknown("a conditional value", span),
    }
}

fn lit_arg(args: &[Sv], i: usize) -> Option<String> {
    args.get(i).and_then(Sv::as_text)
}

/// Call function `name`.
pub fn call(name: &str, mut args: Vec<Sv>, span: Span) -> Sv {
    // Functions that look inside unknowns themselves.
    if let Some(v) = inspecting(name, &mut args, span) {
        return v;
    }
    if let Some(u) = first_unknown(&args) {
        // lookup/merge/concat with an unknown part are unknown as a whole.
        return unknown_of(u, span);
    }
    // Functions that put their arguments together make a value as large as all of them.
    if matches!(name, "merge" | "concat" | "setunion" | "flatten" | "zipmap")
        && weight(&args) > MAX_VALUE
    {
        return too_large(span);
    }
    strings(name, &args, span)
        .or_else(|| sets(name, &args, span))
        .or_else(|| encoding(name, &args, span))
        .or_else(|| conversions(name, &args, span))
        .or_else(|| numbers(name, &args, span))
        .or_else(|| collections(name, &mut args, span))
        .unwrap_or_else(|| Sv::unknown(format!("function {name}() is not evaluated"), span))
}

/// The functions that take unknown arguments as they come: `coalesce`, `coalescelist`,
/// `jsonencode`, `length`.
fn inspecting(name: &str, args: &mut Vec<Sv>, span: Span) -> Option<Sv> {
    Some(match name {
        "coalesce" => {
            for a in args.iter() {
                if a.is_unknown() {
                    return Some(unknown_of(a, span));
                }
                if a.is_null() || a.as_text().as_deref() == Some("") {
                    continue;
                }
                return Some(a.clone());
            }
            err("coalesce() has no non-empty argument", span)
        }
        "coalescelist" => {
            for a in args.iter() {
                if a.is_unknown() {
                    return Some(unknown_of(a, span));
                }
                if a.as_list().is_some_and(|l| !l.is_empty()) {
                    return Some(a.clone());
                }
            }
            err("coalescelist() has no non-empty argument", span)
        }
        "jsonencode" => match std::mem::take(args).into_iter().next() {
            Some(a) if is_error(&a) => a,
            Some(a) => Sv::new(V::Json(std::sync::Arc::new(a)), span),
            None => err("jsonencode() needs an argument", span),
        },
        "length" => match args.first().map(|a| &a.v) {
            Some(V::List(l)) => Sv::new(V::Num(l.len() as f64), span),
            Some(V::Obj(m)) => Sv::new(V::Num(m.len() as f64), span),
            Some(V::Str(s)) => match s.as_lit() {
                Some(t) => Sv::new(V::Num(t.chars().count() as f64), span),
                None => Sv::unknown("length of a string with references", span),
            },
            Some(V::Null) => err("length of null", span),
            Some(_) => args
                .first()
                .map_or_else(|| err("length()", span), |a| unknown_of(a, span)),
            None => err("length() needs an argument", span),
        },
        _ => return None,
    })
}

/// String functions: `format`, `join`, `split`, `replace`, case and trimming, `substr`,
/// `startswith`/`endswith`.
fn strings(name: &str, args: &[Sv], span: Span) -> Option<Sv> {
    Some(match name {
        "format" => format(args, span),
        "join" => {
            let sep = lit_arg(args, 0).unwrap_or_default();
            let mut out = Str::default();
            let mut first = true;
            let mut size = 0usize;
            for l in args.iter().skip(1) {
                let Some(items) = l.as_list() else {
                    return Some(err("join() of a non-list", span));
                };
                for it in items {
                    // A long separator between many elements: counted before it is written.
                    size = size
                        .saturating_add(sep.len())
                        .saturating_add(it.weight(MAX_VALUE));
                    if size > MAX_VALUE {
                        return Some(too_large(span));
                    }
                    if !first {
                        out.push(Part::Lit(sep.clone()));
                    }
                    first = false;
                    if !push_into_str(&mut out, it) {
                        return Some(err("join() of a non-string element", span));
                    }
                }
            }
            Sv::new(V::Str(out), span)
        }
        "split" => match (lit_arg(args, 0), lit_arg(args, 1)) {
            (Some(sep), Some(s)) => {
                let pieces = if sep.is_empty() {
                    s.chars().count()
                } else {
                    s.matches(sep.as_str()).count() + 1
                };
                if pieces > MAX_COLLECTION {
                    return Some(too_large(span));
                }
                let items = if sep.is_empty() {
                    s.chars().map(|c| Sv::lit(c.to_string(), span)).collect()
                } else {
                    s.split(sep.as_str()).map(|p| Sv::lit(p, span)).collect()
                };
                Sv::new(V::List(items), span)
            }
            _ => Sv::unknown("split() of a string with references", span),
        },
        "replace" => match (lit_arg(args, 0), lit_arg(args, 1), lit_arg(args, 2)) {
            (Some(s), Some(from), Some(to)) => {
                if from.len() > 1 && from.starts_with('/') && from.ends_with('/') {
                    return Some(Sv::unknown("replace() with a regular expression", span));
                }
                if from.is_empty() {
                    return Some(Sv::lit(s, span));
                }
                // Each match of a short pattern may grow into a long replacement.
                let grown = s.matches(from.as_str()).count().saturating_mul(to.len());
                if s.len().saturating_add(grown) > MAX_VALUE {
                    return Some(too_large(span));
                }
                Sv::lit(s.replace(&from, &to), span)
            }
            _ => Sv::unknown("replace() of a string with references", span),
        },
        "lower" | "upper" | "trimspace" | "title" => match lit_arg(args, 0) {
            Some(s) => Sv::lit(
                match name {
                    "lower" => s.to_lowercase(),
                    "upper" => s.to_uppercase(),
                    "trimspace" => s.trim().to_string(),
                    _ => s,
                },
                span,
            ),
            None => Sv::unknown(format!("{name}() of a string with references"), span),
        },
        "trimprefix" | "trimsuffix" => match (lit_arg(args, 0), lit_arg(args, 1)) {
            (Some(s), Some(p)) => Sv::lit(
                if name == "trimprefix" {
                    s.strip_prefix(p.as_str()).unwrap_or(&s).to_string()
                } else {
                    s.strip_suffix(p.as_str()).unwrap_or(&s).to_string()
                },
                span,
            ),
            _ => Sv::unknown(format!("{name}() of a string with references"), span),
        },
        "substr" => match (
            lit_arg(args, 0),
            args.get(1).and_then(Sv::as_num),
            args.get(2).and_then(Sv::as_num),
        ) {
            (Some(t), Some(off), Some(len)) if off >= 0.0 => {
                let chars = t.chars().skip(off as usize);
                let out: String = if len < 0.0 {
                    chars.collect()
                } else {
                    chars.take(len as usize).collect()
                };
                Sv::lit(out, span)
            }
            _ => Sv::unknown("substr() of an unknown string", span),
        },
        "startswith" | "endswith" => match (lit_arg(args, 0), lit_arg(args, 1)) {
            (Some(a), Some(b)) => Sv::new(
                V::Bool(if name == "startswith" {
                    a.starts_with(&b)
                } else {
                    a.ends_with(&b)
                }),
                span,
            ),
            _ => Sv::unknown(format!("{name}() of a string with references"), span),
        },
        _ => return None,
    })
}

/// `format(spec, args…)`: the verbs `%s %d %v %t %f %g %q %%`, with flags and width.
fn format(args: &[Sv], span: Span) -> Sv {
    let Some(fmt) = lit_arg(args, 0) else {
        return Sv::unknown("format() with an unknown format", span);
    };
    let mut out = Str::default();
    let mut next = 1;
    // What `out` holds, against [`MAX_VALUE`]: widths and repeated verbs can make a large
    // string out of a short format.
    let mut size = fmt.len();
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if size > MAX_VALUE {
            return too_large(span);
        }
        if c != '%' {
            out.push(Part::Lit(c.to_string()));
            continue;
        }
        // Flags and width: `%03d`, `%-5s`.
        let mut verb = None;
        let mut spec = String::new();
        while let Some(&n) = chars.peek() {
            chars.next();
            if n.is_ascii_alphabetic() || n == '%' {
                verb = Some(n);
                break;
            }
            spec.push(n);
        }
        let zero = spec.starts_with('0');
        let left = spec.starts_with('-');
        let width: usize = spec
            .trim_start_matches(['0', '-', '+', ' '])
            .split('.')
            .next()
            .and_then(|w| w.parse().ok())
            .unwrap_or(0);
        match verb {
            Some('%') => out.push(Part::Lit("%".into())),
            Some('s' | 'd' | 'v' | 't' | 'f' | 'g') => {
                let Some(a) = args.get(next) else {
                    return err("format(): too few arguments", span);
                };
                next += 1;
                size = size.saturating_add(width.max(a.weight(MAX_VALUE)));
                if size > MAX_VALUE {
                    return too_large(span);
                }
                match a.as_text() {
                    Some(mut t) if width > 0 => {
                        let n = t.chars().count();
                        if n < width {
                            let pad = width - n;
                            t = if left {
                                format!("{t}{}", " ".repeat(pad))
                            } else if zero {
                                format!("{}{t}", "0".repeat(pad))
                            } else {
                                format!("{}{t}", " ".repeat(pad))
                            };
                        }
                        out.push(Part::Lit(t));
                    }
                    _ => {
                        if !push_into_str(&mut out, a) {
                            return Sv::unknown("format() of a collection", span);
                        }
                    }
                }
            }
            Some('q') => {
                let Some(a) = args.get(next) else {
                    return err("format(): too few arguments", span);
                };
                next += 1;
                size = size.saturating_add(a.weight(MAX_VALUE));
                out.push(Part::Lit("\"".into()));
                push_into_str(&mut out, a);
                out.push(Part::Lit("\"".into()));
            }
            _ => return Sv::unknown("format() verb not evaluated", span),
        }
    }
    Sv::new(V::Str(out), span)
}

/// List and map functions: `merge`, `concat`, `lookup`, `sort`, `slice`, `reverse`,
/// `element`, `flatten`, `keys`, `values`, `contains`, `compact`, `zipmap`.
fn collections(name: &str, args: &mut Vec<Sv>, span: Span) -> Option<Sv> {
    Some(match name {
        "merge" => {
            let mut out = BTreeMap::new();
            for a in std::mem::take(args) {
                match a.v {
                    V::Obj(m) => out.extend(m),
                    V::Null => {}
                    _ => return Some(err("merge() of a non-object", span)),
                }
            }
            Sv::new(V::Obj(out), span)
        }
        "concat" => {
            let mut out = Vec::new();
            for a in std::mem::take(args) {
                match a.v {
                    V::List(l) => out.extend(l),
                    _ => return Some(err("concat() of a non-list", span)),
                }
            }
            Sv::new(V::List(out), span)
        }
        "lookup" => {
            let key = lit_arg(args, 1);
            match (args.first().and_then(Sv::as_obj), key) {
                (Some(m), Some(k)) => match m.get(&k) {
                    Some(v) => v.clone(),
                    None => match args.get(2) {
                        Some(d) => d.clone(),
                        None => err(format!("lookup(): no key {k:?}"), span),
                    },
                },
                _ => err("lookup() needs a map and a key", span),
            }
        }
        "sort" => match args.first().and_then(Sv::as_list) {
            Some(l) => {
                let texts: Option<Vec<String>> = l.iter().map(Sv::as_text).collect();
                match texts {
                    Some(mut t) => {
                        t.sort();
                        Sv::new(
                            V::List(t.into_iter().map(|x| Sv::lit(x, span)).collect()),
                            span,
                        )
                    }
                    None => Sv::unknown("sort() of unknown elements", span),
                }
            }
            None => err("sort() of a non-list", span),
        },
        "slice" => match (
            args.first().and_then(Sv::as_list),
            args.get(1).and_then(Sv::as_num),
            args.get(2).and_then(Sv::as_num),
        ) {
            (Some(l), Some(a), Some(b)) if a >= 0.0 && b >= a && (b as usize) <= l.len() => {
                Sv::new(V::List(l[a as usize..b as usize].to_vec()), span)
            }
            _ => err("slice() out of range", span),
        },
        "reverse" => match args.first().and_then(Sv::as_list) {
            Some(l) => Sv::new(V::List(l.iter().rev().cloned().collect()), span),
            None => err("reverse() of a non-list", span),
        },
        "element" => match (
            args.first().and_then(Sv::as_list),
            args.get(1).and_then(Sv::as_num),
        ) {
            (Some(l), Some(i)) if !l.is_empty() && i >= 0.0 => l[(i as usize) % l.len()].clone(),
            _ => err("element() needs a non-empty list and an index", span),
        },
        "flatten" => match args.first() {
            Some(a) => {
                let mut out = Vec::new();
                if !flatten_into(a, &mut out, 0) {
                    return Some(Sv::unknown("flatten() of unknown elements", span));
                }
                Sv::new(V::List(out), span)
            }
            None => err("flatten() needs an argument", span),
        },
        "keys" => match args.first().and_then(Sv::as_obj) {
            Some(m) => Sv::new(
                V::List(m.iter().map(|(k, v)| Sv::lit(k.clone(), v.span)).collect()),
                span,
            ),
            None => err("keys() of a non-map", span),
        },
        "values" => match args.first().and_then(Sv::as_obj) {
            Some(m) => Sv::new(V::List(m.values().cloned().collect()), span),
            None => err("values() of a non-map", span),
        },
        "contains" => match (args.first().and_then(Sv::as_list), args.get(1)) {
            (Some(l), Some(x)) => {
                let mut unknown = false;
                for it in l {
                    match known_eq(it, x) {
                        Some(true) => return Some(Sv::new(V::Bool(true), span)),
                        None => unknown = true,
                        _ => {}
                    }
                }
                if unknown {
                    Sv::unknown("contains() with unknown elements", span)
                } else {
                    Sv::new(V::Bool(false), span)
                }
            }
            _ => err("contains() needs a list", span),
        },
        "compact" => match args.first().and_then(Sv::as_list) {
            Some(l) => Sv::new(
                V::List(
                    l.iter()
                        .filter(|i| !i.is_null() && i.as_text().as_deref() != Some(""))
                        .cloned()
                        .collect(),
                ),
                span,
            ),
            None => err("compact() of a non-list", span),
        },
        "zipmap" => match (
            args.first().and_then(Sv::as_list),
            args.get(1).and_then(Sv::as_list),
        ) {
            (Some(k), Some(v)) if k.len() == v.len() => {
                let mut m = BTreeMap::new();
                for (kk, vv) in k.iter().zip(v) {
                    let Some(t) = kk.as_text() else {
                        return Some(Sv::unknown("zipmap() with unknown keys", span));
                    };
                    m.insert(t, vv.clone());
                }
                Sv::new(V::Obj(m), span)
            }
            _ => err("zipmap() needs two lists of the same length", span),
        },
        _ => return None,
    })
}

/// Set functions: `toset`, `distinct`, `setunion`.
fn sets(name: &str, args: &[Sv], span: Span) -> Option<Sv> {
    Some(match name {
        "toset" | "distinct" => match args.first().and_then(Sv::as_list) {
            Some(l) => {
                // Primitives dedup by text (sets of strings are the common case); other
                // elements by comparison, bounded.
                let mut seen = BTreeSet::new();
                let mut others: Vec<Sv> = Vec::new();
                let mut out: Vec<Sv> = Vec::new();
                for it in l {
                    match (&it.v, it.as_text()) {
                        (V::Str(_) | V::Num(_) | V::Bool(_), Some(t)) => {
                            if seen.insert(t) {
                                out.push(it.clone());
                            }
                        }
                        _ => {
                            if others.len() > 1_000 {
                                return Some(Sv::unknown(
                                    format!("{name}() of too many complex elements"),
                                    span,
                                ));
                            }
                            if !others.iter().any(|o| known_eq(o, it) == Some(true)) {
                                others.push(it.clone());
                                out.push(it.clone());
                            }
                        }
                    }
                }
                if name == "toset" && out.iter().all(|o| o.as_text().is_some()) {
                    out.sort_by_cached_key(|o| o.as_text());
                }
                Sv::new(V::List(out), span)
            }
            None => err(format!("{name}() of a non-list"), span),
        },
        "setunion" => {
            let mut out: Vec<Sv> = Vec::new();
            let mut seen = BTreeSet::new();
            for a in args.iter() {
                let Some(l) = a.as_list() else {
                    return Some(err("setunion() of a non-set", span));
                };
                for it in l {
                    match it.as_text() {
                        Some(t) => {
                            if seen.insert(t) {
                                out.push(it.clone());
                            }
                        }
                        None => out.push(it.clone()),
                    }
                }
            }
            Sv::new(V::List(out), span)
        }
        _ => return None,
    })
}

/// Encoding functions: `jsondecode` (`jsonencode` takes unknowns: see [`inspecting`]).
fn encoding(name: &str, args: &[Sv], span: Span) -> Option<Sv> {
    Some(match name {
        "jsondecode" => match args.first() {
            Some(Sv {
                v: V::Json(inner), ..
            }) => (**inner).clone(),
            Some(a) => match a.as_text() {
                Some(t) => match super::json::parse(&t, span.file, 0) {
                    Ok(p) => respan_all(p.value, span, 0),
                    Err(e) => err(format!("jsondecode(): {}", e.message), span),
                },
                None => Sv::unknown("jsondecode() of a string with references", span),
            },
            None => err("jsondecode() needs an argument", span),
        },
        _ => return None,
    })
}

/// Type conversions: `tolist`, `tomap`, `tostring`, `tobool`, `tonumber`.
fn conversions(name: &str, args: &[Sv], span: Span) -> Option<Sv> {
    Some(match name {
        "tolist" => match args.first() {
            Some(a) if a.as_list().is_some() => a.clone().respan(span),
            _ => err("tolist() of a non-list", span),
        },
        "tomap" => match args.first() {
            Some(a) if a.as_obj().is_some() => a.clone().respan(span),
            _ => err("tomap() of a non-map", span),
        },
        "tostring" => match args.first() {
            Some(a) if a.is_null() => a.clone(),
            Some(a) => match a.as_str() {
                Some(s) => Sv::new(V::Str(s), span),
                None => err("tostring() of a collection", span),
            },
            None => err("tostring() needs an argument", span),
        },
        "tobool" => match args.first() {
            Some(a) if a.is_null() => a.clone(),
            Some(a) => match a.as_bool() {
                Some(b) => Sv::new(V::Bool(b), span),
                None => err("tobool() of a non-bool", span),
            },
            None => err("tobool() needs an argument", span),
        },
        "tonumber" => match args.first() {
            Some(a) if a.is_null() => a.clone(),
            Some(a) => match a.as_num() {
                Some(n) => Sv::new(V::Num(n), span),
                None => err("tonumber() of a non-number", span),
            },
            None => err("tonumber() needs an argument", span),
        },
        _ => return None,
    })
}

/// Numeric functions: `range`, `max`, `min`.
fn numbers(name: &str, args: &[Sv], span: Span) -> Option<Sv> {
    Some(match name {
        "range" => {
            let nums: Vec<f64> = args.iter().filter_map(Sv::as_num).collect();
            let (start, end, step) = match nums.as_slice() {
                [e] => (0.0, *e, 1.0),
                [s, e] => (*s, *e, 1.0),
                [s, e, st] => (*s, *e, *st),
                _ => return Some(err("range() needs 1 to 3 numbers", span)),
            };
            if step == 0.0 || (end - start) / step > MAX_COLLECTION as f64 {
                return Some(Sv::unknown("range() too long", span));
            }
            let mut out = Vec::new();
            let mut x = start;
            while (step > 0.0 && x < end) || (step < 0.0 && x > end) {
                out.push(Sv::new(V::Num(x), span));
                x += step;
            }
            Sv::new(V::List(out), span)
        }
        "max" | "min" => {
            let nums: Option<Vec<f64>> = args.iter().map(Sv::as_num).collect();
            match nums {
                Some(n) if !n.is_empty() => {
                    let v = n
                        .into_iter()
                        .reduce(|a, b| if (name == "max") == (b > a) { b } else { a })
                        .unwrap_or(0.0);
                    Sv::new(V::Num(v), span)
                }
                _ => err(format!("{name}() needs numbers"), span),
            }
        }
        _ => return None,
    })
}

fn flatten_into(v: &Sv, out: &mut Vec<Sv>, depth: usize) -> bool {
    if depth > MAX_FLATTEN_DEPTH {
        return false;
    }
    match &v.v {
        V::List(items) => {
            for it in items {
                match &it.v {
                    V::List(_) => {
                        if !flatten_into(it, out, depth + 1) {
                            return false;
                        }
                    }
                    V::Unknown(_) | V::OneOf(_) => return false,
                    _ => out.push(it.clone()),
                }
            }
            true
        }
        _ => false,
    }
}

/// Give every node of a decoded value the span of the call (string escapes make offsets
/// inside the string unreliable).
pub fn respan_all(v: Sv, span: Span, depth: usize) -> Sv {
    let inner = match v.v {
        V::List(items) if depth < 64 => V::List(
            items
                .into_iter()
                .map(|i| respan_all(i, span, depth + 1))
                .collect(),
        ),
        V::Obj(m) if depth < 64 => V::Obj(
            m.into_iter()
                .map(|(k, i)| (k, respan_all(i, span, depth + 1)))
                .collect(),
        ),
        other => other,
    };
    Sv::new(inner, span)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn s(t: &str) -> Sv {
        Sv::lit(t, Span::default())
    }
    fn list(items: Vec<Sv>) -> Sv {
        Sv::new(V::List(items), Span::default())
    }

    #[test]
    fn string_functions() {
        let sp = Span::new(FileId(0), 0, 1);
        assert_eq!(
            call("lower", vec![s("ABC")], sp).as_text().as_deref(),
            Some("abc")
        );
        assert_eq!(
            call(
                "format",
                vec![s("%s-%d"), s("a"), Sv::new(V::Num(3.0), sp)],
                sp
            )
            .as_text()
            .as_deref(),
            Some("a-3")
        );
        assert_eq!(
            call("join", vec![s(","), list(vec![s("a"), s("b")])], sp)
                .as_text()
                .as_deref(),
            Some("a,b")
        );
        assert_eq!(
            call("replace", vec![s("a-b"), s("-"), s("_")], sp)
                .as_text()
                .as_deref(),
            Some("a_b")
        );
        let parts = call("split", vec![s(","), s("x,y")], sp);
        assert_eq!(parts.as_list().map(<[Sv]>::len), Some(2));
    }

    #[test]
    fn collections_and_unknowns() {
        let sp = Span::default();
        let u = Sv::unknown("var.x has no value", sp);
        assert!(call("concat", vec![list(vec![s("a")]), u.clone()], sp).is_unknown());
        assert_eq!(
            call("coalesce", vec![Sv::new(V::Null, sp), s(""), s("b")], sp)
                .as_text()
                .as_deref(),
            Some("b")
        );
        let flat = call(
            "flatten",
            vec![list(vec![list(vec![s("a"), list(vec![s("b")])]), s("c")])],
            sp,
        );
        assert_eq!(flat.as_list().map(<[Sv]>::len), Some(3));
        let set = call("toset", vec![list(vec![s("b"), s("a"), s("b")])], sp);
        assert_eq!(set.as_list().map(<[Sv]>::len), Some(2));
        assert_eq!(
            call("contains", vec![list(vec![s("a")]), s("a")], sp).as_bool(),
            Some(true)
        );
        let dec = call("jsondecode", vec![s(r#"{"a":[1,2]}"#)], sp);
        assert_eq!(dec.get("a").and_then(Sv::as_list).map(<[Sv]>::len), Some(2));
        assert!(is_error(&call(
            "lookup",
            vec![Sv::new(V::Obj(BTreeMap::new()), sp), s("k")],
            sp
        )));
    }

    #[test]
    fn results_past_the_value_bound_are_not_built() {
        let sp = Span::default();
        let big = s(&"x".repeat(MAX_VALUE / 2));
        let many = list((0..10_000).map(|i| s(&i.to_string())).collect());
        for (name, args) in [
            ("format", vec![s("%1000000000s"), s("x")]),
            (
                "format",
                vec![s("%s%s%s"), big.clone(), big.clone(), big.clone()],
            ),
            ("join", vec![big.clone(), many.clone()]),
            ("replace", vec![big.clone(), s("x"), s("yy")]),
            ("split", vec![s(""), big.clone()]),
            (
                "concat",
                vec![
                    list(vec![big.clone()]),
                    list(vec![big.clone()]),
                    list(vec![big.clone()]),
                ],
            ),
        ] {
            assert!(is_too_large(&call(name, args, sp)), "{name}");
        }
        assert_eq!(
            call(
                "format",
                vec![s("%5s|%-3s|%03d"), s("a"), s("b"), s("7")],
                sp
            )
            .as_text()
            .as_deref(),
            Some("    a|b  |007")
        );
    }
}
