//! Terraform module directories read group by group: a check streams root modules so that
//! memory holds the groups of modules being evaluated, not the whole tree (see
//! [`load_each`]).

use super::*;

/// At most this much text read by [`load_each`]'s scan stays in the source map until its
/// group is parsed; the text of the files scanned beyond it is released and read again
/// when parsed ([`SourceMap::restore`]). A small tree is read once; a large one does not
/// hold all its text at once.
const SCAN_HELD_BYTES: usize = 4 << 20;

/// At most this many distinct local sources are followed from one directory by the scan
/// (the work it does for each is bounded by the text, but a file of nothing else would
/// make it long).
const MAX_LEADS: usize = 10_000;

/// Groups whose files hold at most this much text together are evaluated side by side.
const BATCH_BYTES: usize = 1 << 20;

/// [`load_with_variables`], streamed: each root module's scope is handed to `each` as soon
/// as it is evaluated (in parallel) and only what `each` returns is kept, while the module
/// trees are dropped and the text of the files read is released ([`SourceMap::release`])
/// group by group, so that memory holds the groups being evaluated, not the whole tree.
///
/// The module directories are first read (each file once, into the source map) and their
/// text scanned for string literals that look like local module sources
/// ([`parse::local_sources`]): directories joined by such a string are one group. Then
/// each group is parsed and evaluated as [`load_with_variables`] evaluates the whole tree:
/// roots are the modules no module of the group calls, then the modules no root reached.
/// That gives [`load_with_variables`]'s scopes as long as no module of a group calls or
/// uses a module directory of another group, which is checked on the exact calls parsed
/// and the modules each evaluation used. When it does not hold (a `source` written with
/// escapes, a module outside the checked directories that leads back into them), what the
/// groups gave is dropped and the whole tree is evaluated at once, as
/// [`load_with_variables`] does.
pub fn load_each<T: Send>(
    dirs: &[PathBuf],
    sources: &SourceMap,
    settings: &Settings,
    each: impl Fn(Scope) -> T + Sync,
) -> (Vec<T>, BTreeSet<String>) {
    let run = Arc::new(Run::default());
    let keys: Vec<PathBuf> = dirs.par_iter().map(|d| canonical(&normalize(d))).collect();
    let leads = scan(dirs, &keys, &run, sources);
    let groups = Groups::new(&keys, &leads);
    drop(leads);
    let ctx = GroupRun {
        dirs,
        keys: &keys,
        groups: &groups,
        sources,
        settings,
        env_vars: terraform_env_vars(),
        checked: keys.iter().cloned().collect(),
        run: run.clone(),
        crossed: std::sync::atomic::AtomicBool::new(false),
    };
    // A large group alone (each group is evaluated in parallel): two at once would hold
    // both trees. Small groups side by side: one by one, a core would wait at each.
    let mut outs: Vec<GroupResults<T>> = Vec::with_capacity(groups.members.len());
    for batch in groups.batches(BATCH_BYTES) {
        outs.par_extend(
            batch
                .into_par_iter()
                .map(|g| ctx.evaluate(g, &groups.members[g], &each)),
        );
    }
    if ctx.crossed.load(std::sync::atomic::Ordering::Relaxed) {
        drop(outs);
        return load_all(dirs, sources, settings, &each, run);
    }
    let mut declared = BTreeSet::new();
    let mut out = Vec::new();
    for (results, names) in outs {
        out.extend(results);
        declared.extend(names);
    }
    // As `load_all` orders them: the roots, then the rest, each in the order of `dirs`.
    out.sort_by_key(|(order, _)| *order);
    (out.into_iter().map(|(_, t)| t).collect(), declared)
}

/// Read every directory of `dirs` (canonical `keys`) into `run` and scan its files' text:
/// the canonical directories its local module sources may lead to
/// ([`parse::local_sources`]).
fn scan(dirs: &[PathBuf], keys: &[PathBuf], run: &Run, sources: &SourceMap) -> Vec<Lead> {
    let held = std::sync::atomic::AtomicUsize::new(0);
    // Most sources name a directory as the walk spelled it: no need to ask the file
    // system. Others are resolved when they are directories (through a link, say).
    let lexical: HashMap<PathBuf, &PathBuf> = dirs.iter().map(|d| normalize(d)).zip(keys).collect();
    let key_of = |t: &PathBuf| match lexical.get(t) {
        Some(key) => Some((*key).clone()),
        // The run's directories are all inside the checked tree: nothing outside is
        // looked at.
        None => (!sources.roots().is_outside(t) && t.is_dir()).then(|| canonical(t)),
    };
    dirs.par_iter()
        .zip(keys)
        .map(|(dir, key)| {
            let listing = run.listing(key, dir, sources);
            let mut seen: HashSet<PathBuf> = HashSet::new();
            let mut to = Vec::new();
            let mut bytes = 0;
            for (_, got) in &listing.files {
                let parse::Got::Read(id) = got else { continue };
                let text = sources.get(*id).text.clone();
                bytes += text.len();
                let strings: HashSet<&str> =
                    parse::local_sources(&text).take(MAX_LEADS * 4).collect();
                for s in strings {
                    // Past the bound, a call the scan left out is found when the group is
                    // parsed: the run falls back to the whole tree, still exact.
                    if seen.len() >= MAX_LEADS {
                        break;
                    }
                    let t = normalize(&dir.join(s));
                    if !seen.contains(&t) {
                        to.extend(key_of(&t));
                        seen.insert(t);
                    }
                }
                let before = held.fetch_add(text.len(), std::sync::atomic::Ordering::Relaxed);
                if before + text.len() > SCAN_HELD_BYTES {
                    sources.release([*id]);
                }
            }
            Lead { to, bytes }
        })
        .collect()
}

/// What the scan found in a directory: the canonical directories its local module sources
/// may lead to, and how much text its files hold.
struct Lead {
    to: Vec<PathBuf>,
    bytes: usize,
}

/// Where a scope stands among [`load_all`]'s: roots before the modules no root reached,
/// then the index of its directory.
type Order = (bool, usize);

/// What a group gave: each scope's result with its place, and the variables its roots
/// declare.
type GroupResults<T> = (Vec<(Order, T)>, BTreeSet<String>);

/// The module directories of a run in groups: those joined (transitively) by what may be
/// a local module source.
struct Groups {
    /// Each group's directories (indices into `dirs`), in order; groups in the order of
    /// their first directory.
    members: Vec<Vec<usize>>,
    /// Each directory's group.
    of: Vec<usize>,
    /// Directory index by canonical path.
    index: HashMap<PathBuf, usize>,
    /// How much text each group's files hold.
    bytes: Vec<usize>,
}

impl Groups {
    fn new(keys: &[PathBuf], leads: &[Lead]) -> Groups {
        fn find(up: &mut [usize], mut x: usize) -> usize {
            while up[x] != x {
                up[x] = up[up[x]];
                x = up[x];
            }
            x
        }
        let mut up: Vec<usize> = (0..keys.len()).collect();
        let join = |up: &mut Vec<usize>, a: usize, b: usize| {
            let (a, b) = (find(up, a), find(up, b));
            up[a.max(b)] = a.min(b);
        };
        let mut index: HashMap<PathBuf, usize> = HashMap::new();
        for (i, key) in keys.iter().enumerate() {
            // Two spellings of one directory are one module.
            match index.get(key) {
                Some(&j) => join(&mut up, i, j),
                None => {
                    index.insert(key.clone(), i);
                }
            }
        }
        for (i, lead) in leads.iter().enumerate() {
            for t in &lead.to {
                if let Some(&j) = index.get(t) {
                    join(&mut up, i, j);
                }
            }
        }
        let mut of = vec![0; keys.len()];
        let mut members: Vec<Vec<usize>> = Vec::new();
        let mut bytes = Vec::new();
        let mut number: HashMap<usize, usize> = HashMap::new();
        for (i, slot) in of.iter_mut().enumerate() {
            let r = find(&mut up, i);
            let g = *number.entry(r).or_insert_with(|| {
                members.push(Vec::new());
                bytes.push(0);
                members.len() - 1
            });
            members[g].push(i);
            bytes[g] += leads[i].bytes;
            *slot = g;
        }
        Groups {
            members,
            of,
            index,
            bytes,
        }
    }

    /// The groups in order, in batches of consecutive groups that hold at most `most`
    /// bytes of text together (or one group that holds more).
    fn batches(&self, most: usize) -> Vec<Vec<usize>> {
        let mut out: Vec<Vec<usize>> = Vec::new();
        let mut held = 0;
        for (g, &bytes) in self.bytes.iter().enumerate() {
            match out.last_mut() {
                Some(batch) if held + bytes <= most => batch.push(g),
                _ => {
                    out.push(vec![g]);
                    held = 0;
                }
            }
            held += bytes;
        }
        out
    }

    /// Whether the module directory `key` is one of the run's, in another group than `g`.
    fn elsewhere(&self, key: &Path, g: usize) -> bool {
        self.index.get(key).is_some_and(|&i| self.of[i] != g)
    }
}

/// What every group of a [`load_each`] run shares.
struct GroupRun<'a> {
    dirs: &'a [PathBuf],
    keys: &'a [PathBuf],
    groups: &'a Groups,
    sources: &'a SourceMap,
    settings: &'a Settings,
    env_vars: Vec<(String, String)>,
    /// Module directories of the checked tree: a module elsewhere never holds a finding.
    checked: HashSet<PathBuf>,
    run: Arc<Run>,
    /// Set when a group called or used a module directory of another group.
    crossed: std::sync::atomic::AtomicBool,
}

impl GroupRun<'_> {
    /// Parse and evaluate group `g`, hand its scopes to `each`, then drop its trees and
    /// release the text of its files. Its results with their place, and the variables its
    /// roots declare.
    fn evaluate<T: Send>(
        &self,
        g: usize,
        members: &[usize],
        each: &(impl Fn(Scope) -> T + Sync),
    ) -> GroupResults<T> {
        let mut loader = Loader::within(self.sources, self.run.clone());
        loader.all_bodies = self.settings.keeps_policy_documents();
        // The group's directories were resolved before the scan.
        loader.know(
            members
                .iter()
                .map(|&i| (normalize(&self.dirs[i]), self.keys[i].clone())),
        );
        let all_bodies = loader.all_bodies;
        let modules: Vec<(usize, Arc<Module>)> = members
            .par_iter()
            .map(|&i| {
                let listing = self.run.listing(&self.keys[i], &self.dirs[i], self.sources);
                let m = parse::module_from(&self.dirs[i], &listing, self.sources, all_bodies);
                (i, Arc::new(m))
            })
            .collect();
        let cross = |key: &Path| {
            if self.groups.elsewhere(key, g) {
                self.crossed
                    .store(true, std::sync::atomic::Ordering::Relaxed);
            }
        };
        let mut called: HashSet<PathBuf> = HashSet::new();
        for (i, m) in &modules {
            let dir = &self.dirs[*i];
            loader.insert(dir, m.clone());
            for src in local_calls(m) {
                let key = loader.canonical(&dir.join(src));
                cross(&key);
                called.insert(key);
            }
        }
        let roots: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&i| !called.contains(&self.keys[i]))
            .collect();
        let evaluate = |root: bool| {
            let loader = &loader;
            move |&i: &usize| {
                let (scope, reached, read) = evaluate_root(
                    &self.dirs[i],
                    loader,
                    self.settings,
                    &self.env_vars,
                    &self.checked,
                );
                reached.iter().for_each(|key| cross(key));
                ((!root, i), each(scope), reached, read)
            }
        };
        let mut done: Vec<_> = roots.par_iter().map(evaluate(true)).collect();
        let reached: HashSet<&PathBuf> = done.iter().flat_map(|(.., r, _)| r).collect();
        let rest: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&i| !reached.contains(&self.keys[i]))
            .collect();
        drop(reached);
        done.extend(rest.par_iter().map(evaluate(false)).collect::<Vec<_>>());
        let declared: BTreeSet<String> = roots
            .iter()
            .chain(&rest)
            .flat_map(|&i| {
                loader
                    .module(&self.dirs[i])
                    .variables
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
            })
            .collect();
        // The group's own files: its directories' and its roots' variables files. A
        // module outside the run's directories may serve other groups: it stays.
        let mut release: Vec<FileId> = members
            .iter()
            .flat_map(|&i| {
                let listing = self.run.listing(&self.keys[i], &self.dirs[i], self.sources);
                listing
                    .files
                    .iter()
                    .filter_map(|(_, got)| got.file())
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut out = Vec::with_capacity(done.len());
        for (order, t, _, read) in done {
            release.extend(read);
            out.push((order, t));
        }
        drop((modules, loader));
        self.sources.release(release);
        (out, declared)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Write `files` under a temporary directory; its module directories as the walk finds
    /// them.
    fn tree(files: &[(&str, &str)]) -> (tempfile::TempDir, Vec<PathBuf>) {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let p = dir.path().join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, text).unwrap();
        }
        let found = crate::walk::walk(&[dir.path().to_path_buf()], &globset::GlobSet::empty());
        let dirs = found.unwrap().terraform_dirs;
        (dir, dirs)
    }

    /// What a run made of each scope, in order, by path and offsets (file ids depend on
    /// scheduling).
    fn summary(scopes: &[Scope], sources: &SourceMap) -> Vec<String> {
        let at = |span: Span| {
            let path = sources.get(span.file).display_path();
            format!("{path}:{}-{}", span.start, span.end)
        };
        scopes
            .iter()
            .map(|s| {
                let resources: Vec<String> = s
                    .resources
                    .iter()
                    .map(|r| format!("{} {}", r.id, at(r.span)))
                    .collect();
                let problems: Vec<String> = s
                    .problems
                    .iter()
                    .map(|p| format!("{} {} {}", p.rule, at(p.span), p.message))
                    .collect();
                let files: BTreeSet<String> = s
                    .files
                    .iter()
                    .map(|f| sources.get(*f).display_path())
                    .collect();
                format!(
                    "{}\n{resources:?}\n{problems:?}\n{:?}\n{files:?}",
                    s.name, s.notes
                )
            })
            .collect()
    }

    /// A run of `load_each` beside one of `load_with_variables` over the same directories.
    struct Both {
        streamed: Vec<String>,
        loaded: Vec<String>,
        /// How many scopes `load_each` handed to `each`: more than it returned when it fell
        /// back to evaluating the whole tree.
        handed: usize,
        /// Files each run added to its source map.
        files: [usize; 2],
        variables: [BTreeSet<String>; 2],
        /// The streamed run's map, afterwards.
        sources: SourceMap,
    }

    fn both(dirs: &[PathBuf]) -> Both {
        let settings = Settings::default();
        let sources = SourceMap::default();
        let handed = std::sync::atomic::AtomicUsize::new(0);
        let (scopes, streamed_vars) = load_each(dirs, &sources, &settings, |scope| {
            handed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            scope
        });
        let loaded_sources = SourceMap::default();
        let (loaded, loaded_vars) = load_with_variables(dirs, &loaded_sources, &settings);
        Both {
            streamed: summary(&scopes, &sources),
            loaded: summary(&loaded, &loaded_sources),
            handed: handed.into_inner(),
            files: [sources.len(), loaded_sources.len()],
            variables: [streamed_vars, loaded_vars],
            sources,
        }
    }

    const SHARED: &str = r#"
variable "name" {}
resource "aws_dynamodb_table" "t" {
  name     = var.name
  hash_key = "id"
}
"#;

    #[test]
    fn groups_join_the_modules_local_sources_name() {
        let (dir, dirs) = tree(&[
            (
                "app1/main.tf",
                "module \"s\" {\n  source = \"../shared\"\n  name   = \"a\"\n}\n",
            ),
            (
                "app2/main.tf.json",
                r#"{"module": {"s": {"source": "../shared", "name": "b"}}}"#,
            ),
            ("shared/main.tf", SHARED),
            // Calls itself: no root reaches it, it is evaluated as one.
            (
                "loop/main.tf",
                "module \"me\" {\n  source = \".\"\n}\nresource \"aws_dynamodb_table\" \"l\" {\n  name = \"l\"\n}\n",
            ),
            (
                "other/main.tf",
                "variable \"other\" { default = 1 }\nresource \"aws_dynamodb_table\" \"o\" {\n  name = \"o\"\n}\n",
            ),
        ]);
        let sources = SourceMap::default();
        let keys: Vec<PathBuf> = dirs.iter().map(|d| canonical(&normalize(d))).collect();
        let groups = Groups::new(&keys, &scan(&dirs, &keys, &Run::default(), &sources));
        let names: Vec<Vec<String>> = groups
            .members
            .iter()
            .map(|g| {
                g.iter()
                    .map(|&i| {
                        dirs[i]
                            .strip_prefix(dir.path())
                            .unwrap()
                            .display()
                            .to_string()
                    })
                    .collect()
            })
            .collect();
        assert_eq!(
            names,
            [vec!["app1", "app2", "shared"], vec!["loop"], vec!["other"]]
        );
        let run = both(&dirs);
        assert_eq!(run.streamed, run.loaded);
        assert_eq!(
            run.streamed.len(),
            4,
            "app1, app2, loop, other: {:?}",
            run.streamed
        );
        assert_eq!(run.handed, 4, "no fall back to the whole tree");
        assert_eq!(run.files[0], run.files[1], "each file read once");
        assert_eq!(run.variables[0], run.variables[1]);
        assert!(run.variables[0].contains("other"));
        // Every file was released with its group, and reads back whole.
        let files = run.sources.all();
        assert_eq!(files.len(), 5);
        assert!(files.iter().all(|f| f.is_released()));
        let shared = (0..files.len())
            .map(|i| FileId(i as u32))
            .find(|&id| {
                run.sources
                    .get(id)
                    .display_path()
                    .ends_with("shared/main.tf")
            })
            .unwrap();
        assert_eq!(&*run.sources.restore(shared).unwrap().text, SHARED);
        assert!(!run.sources.get(shared).is_released());
    }

    #[test]
    fn a_source_the_scan_misses_falls_back_to_the_whole_tree() {
        // `\u006f` is an `o`: the call leads to `mod`, which the scan does not see.
        let (_dir, dirs) = tree(&[
            (
                "app/main.tf",
                "module \"m\" {\n  source = \"./m\\u006fd\"\n}\n",
            ),
            ("app/mod/main.tf", SHARED),
        ]);
        let run = both(&dirs);
        assert_eq!(run.streamed, run.loaded);
        assert_eq!(run.streamed.len(), 1, "mod is called: not a root");
        assert!(run.streamed[0].contains("module.m.aws_dynamodb_table.t"));
        assert!(run.handed > 1, "the groups' scopes were dropped");
        assert_eq!(run.files[0], run.files[1], "each file read once");
    }

    #[test]
    fn a_directory_full_of_local_paths_is_scanned_within_bounds() {
        // More strings that look like local sources than the scan follows, and a call.
        let mut main = String::from("locals {\n  paths = [\n");
        for i in 0..MAX_LEADS + 500 {
            main.push_str(&format!("    \"./d{i}\",\n"));
        }
        main.push_str("  ]\n}\nmodule \"m\" {\n  source = \"./mod\"\n  name   = \"x\"\n}\n");
        let (_dir, dirs) = tree(&[("app/main.tf", &main), ("app/mod/main.tf", SHARED)]);
        let run = both(&dirs);
        assert_eq!(run.streamed, run.loaded);
        assert_eq!(run.streamed.len(), 1, "mod is called: not a root");
        assert_eq!(run.files[0], run.files[1]);
    }

    #[test]
    fn a_downloaded_module_two_groups_use_is_read_once() {
        let call = "module \"db\" {\n  source = \"terraform-aws-modules/dynamodb-table/aws\"\n  name   = \"x\"\n}\n";
        let json = r#"{"Modules": [{"Key": "db", "Source": "registry", "Dir": "../.terraform/modules/db"}]}"#;
        let (_dir, dirs) = tree(&[
            ("a/main.tf", call),
            ("a/.terraform/modules/modules.json", json),
            ("b/main.tf", call),
            ("b/.terraform/modules/modules.json", json),
            (".terraform/modules/db/main.tf", SHARED),
        ]);
        assert_eq!(dirs.len(), 2, "{dirs:?}");
        let run = both(&dirs);
        assert_eq!(run.streamed, run.loaded);
        assert_eq!(run.handed, 2);
        for scope in &run.streamed {
            assert!(scope.contains("module.db.aws_dynamodb_table.t"), "{scope}");
        }
        assert_eq!(run.files, [3, 3], "the module's file once");
        // A module outside the run's directories may serve several groups: its text stays
        // until the run releases it.
        let db = run
            .sources
            .all()
            .into_iter()
            .find(|f| f.display_path().ends_with("db/main.tf"))
            .unwrap();
        assert!(!db.is_released());
    }

    #[test]
    fn local_sources_are_the_quoted_local_paths() {
        let text = "source = \"./a\"\nx = \"../b/c\" y = \".\" z = \"..\"\n\"./no\nnewline\" \"https://x\" \"..x\" \".hidden\"\n{\"source\": \"../j\"}";
        let found: Vec<&str> = parse::local_sources(text).collect();
        assert_eq!(found, ["./a", "../b/c", ".", "..", "../j"]);
    }
}
