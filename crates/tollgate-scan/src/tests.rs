use super::*;
use tollgate_image::Source;

fn pkg(name: &str, version: &str) -> Package {
    Package {
        name: name.into(),
        version: version.into(),
        src_name: name.into(),
        src_version: version.into(),
        ..Default::default()
    }
}

fn layer(n: u8, infos: Vec<(&str, Vec<Package>)>) -> LayerResult {
    LayerResult {
        layer: LayerId {
            digest: format!("sha256:d{n}"),
            diff_id: format!("sha256:l{n}"),
        },
        package_infos: infos
            .into_iter()
            .map(|(f, p)| PackageInfo {
                file_path: f.into(),
                packages: p,
            })
            .collect(),
        ..Default::default()
    }
}

const DB: &str = "lib/apk/db/installed";

#[test]
fn upper_layer_rewrites_db_and_origin_is_first_layer_with_that_version() {
    let base = layer(
        1,
        vec![(
            DB,
            vec![pkg("musl", "1.1.20-r4"), pkg("busybox", "1.28.4-r3")],
        )],
    );
    let upper = layer(
        2,
        vec![(
            DB,
            vec![pkg("musl", "1.1.19-r10"), pkg("busybox", "1.28.4-r3")],
        )],
    );
    let inv = merge(&[base, upper]);
    let got: Vec<_> = inv
        .packages
        .iter()
        .map(|p| {
            (
                p.package.name.as_str(),
                p.package.version.as_str(),
                p.layer.diff_id.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("busybox", "1.28.4-r3", "sha256:l1"),
            ("musl", "1.1.19-r10", "sha256:l2")
        ]
    );
}

#[test]
fn whiteout_of_db_removes_packages() {
    let base = layer(1, vec![(DB, vec![pkg("musl", "1")])]);
    let mut upper = layer(2, vec![]);
    upper.whiteouts = vec![DB.into()];
    assert!(merge(&[base.clone(), upper]).packages.is_empty());
    // A whiteout of a parent directory removes it too.
    let mut upper = layer(2, vec![]);
    upper.whiteouts = vec!["lib/apk".into()];
    assert!(merge(&[base, upper]).packages.is_empty());
}

#[test]
fn opaque_dir_hides_lower_db_but_keeps_the_new_one() {
    let base = layer(1, vec![(DB, vec![pkg("musl", "1"), pkg("zlib", "1")])]);
    let mut upper = layer(2, vec![(DB, vec![pkg("musl", "1")])]);
    upper.opaque_dirs = vec!["lib/apk/db".into()];
    let inv = merge(&[base, upper]);
    assert_eq!(inv.packages.len(), 1);
    // musl 1 was first installed in the base layer.
    assert_eq!(inv.packages[0].layer.diff_id, "sha256:l1");
    // A whiteout for a sibling path does not touch the DB.
    let base = layer(1, vec![(DB, vec![pkg("musl", "1")])]);
    let mut upper = layer(2, vec![]);
    upper.whiteouts = vec!["lib/apk/db/installed.old".into(), "lib/ap".into()];
    assert_eq!(merge(&[base, upper]).packages.len(), 1);
}

#[test]
fn os_merge_and_whiteout() {
    let mut base = layer(1, vec![]);
    base.os = vec![OsInfo {
        family: "alpine".into(),
        name: "3.10.9".into(),
        source_file: "etc/alpine-release".into(),
    }];
    let inv = merge(std::slice::from_ref(&base));
    assert_eq!(inv.os.unwrap().name, "3.10.9");
    let mut upper = layer(2, vec![]);
    upper.whiteouts = vec!["etc/alpine-release".into()];
    assert!(merge(&[base, upper]).os.is_none());
}

#[test]
fn cache_roundtrip_and_key_depends_on_analyzers() {
    let dir = tempfile::tempdir().unwrap();
    let cache = LayerCache::open(dir.path()).unwrap();
    let l = layer(1, vec![(DB, vec![pkg("musl", "1")])]);
    let a: Vec<Box<dyn Analyzer>> = tollgate_analyze::default_analyzers();
    let k = cache_key("sha256:l1", &a);
    assert_ne!(k, cache_key("sha256:l2", &a));
    assert!(cache.get(&k).is_none());
    cache.put(&k, &l).unwrap();
    let back = cache.get(&k).unwrap();
    assert_eq!(back.package_infos, l.package_infos);
    // A corrupt entry reads as a miss.
    std::fs::write(cache.path(&k), b"{not json").unwrap();
    assert!(cache.get(&k).is_none());
}

/// An image held in memory: each layer is a list of (path, content), all mode 0o644 unless
/// `modes` says otherwise. Walked as a tar would be: a repeated path is visited again, and a
/// visited path whose last entry is not wanted is reported superseded.
struct MemSource {
    image: tollgate_image::Image,
    layers: Vec<Vec<(&'static str, &'static [u8])>>,
    modes: Vec<(&'static str, &'static [u8], u32)>,
    walks: std::sync::atomic::AtomicUsize,
}

impl Source for MemSource {
    fn image(&self) -> &tollgate_image::Image {
        &self.image
    }
    fn walk_layer(
        &self,
        index: usize,
        want: &(dyn Fn(&tollgate_image::FileMeta) -> bool + Sync),
        visit: &mut dyn FnMut(tollgate_image::WalkedFile),
        _limits: &Limits,
    ) -> Result<tollgate_image::LayerFiles, tollgate_image::ImageError> {
        self.walks.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        // Path -> whether its latest entry was visited.
        let mut live: BTreeMap<&str, bool> = BTreeMap::new();
        for &(p, c) in &self.layers[index] {
            let mode = self
                .modes
                .iter()
                .find(|(mp, mc, _)| *mp == p && *mc == c)
                .map_or(0o644, |m| m.2);
            let file = tollgate_image::WalkedFile {
                path: p.to_string(),
                mode,
                size: c.len() as u64,
                content: c.to_vec(),
            };
            if want(&file.meta()) {
                live.insert(p, true);
                visit(file);
            } else if let Some(l) = live.get_mut(p) {
                *l = false;
            }
        }
        Ok(tollgate_image::LayerFiles {
            superseded: live
                .into_iter()
                .filter(|(_, l)| !l)
                .map(|(p, _)| p.to_string())
                .collect(),
            ..Default::default()
        })
    }
}

fn mem_source(digest: &str) -> MemSource {
    let mut image = tollgate_image::Image::default();
    image.layers.push(tollgate_image::LayerRef {
        digest: digest.into(),
        diff_id: "sha256:same-layer".into(),
        ..Default::default()
    });
    MemSource {
        image,
        layers: vec![vec![
            ("etc/alpine-release", b"3.10.9\n"),
            (DB, b"P:musl\nV:1.1.22-r3\nA:x86_64\no:musl\n\n"),
        ]],
        modes: Vec::new(),
        walks: Default::default(),
    }
}

#[test]
fn warm_scan_reads_no_layer_and_keeps_the_sources_layer_identity() {
    let dir = tempfile::tempdir().unwrap();
    let cache = LayerCache::open(dir.path()).unwrap();
    let analyzers = tollgate_analyze::default_analyzers();
    let limits = Limits::default();
    // The same layer, first from a docker-archive (no blob digest), then from an OCI layout.
    let archive = mem_source("");
    let (inv, stats) = scan(&archive, &analyzers, Some(&cache), &limits);
    assert_eq!((stats.layers_walked, stats.layers_cached), (1, 0));
    assert_eq!(inv.packages[0].layer.digest, "");
    let oci = mem_source("sha256:gzip-blob");
    let (inv, stats) = scan(&oci, &analyzers, Some(&cache), &limits);
    assert_eq!((stats.layers_walked, stats.layers_cached), (0, 1));
    assert_eq!(oci.walks.load(std::sync::atomic::Ordering::SeqCst), 0);
    assert_eq!(inv.packages[0].layer.digest, "sha256:gzip-blob");
    assert_eq!(inv.packages[0].layer.diff_id, "sha256:same-layer");
    assert_eq!(inv.os.unwrap().name, "3.10.9");
}

fn app(kind: &str, file: &str, pkgs: Vec<Package>) -> Application {
    Application {
        kind: kind.into(),
        file_path: file.into(),
        packages: pkgs,
    }
}

fn pypkg(name: &str, version: &str, file: &str) -> Package {
    Package {
        name: name.into(),
        version: version.into(),
        file_path: file.into(),
        ..Default::default()
    }
}

#[test]
fn applications_aggregate_installed_types_and_drop_os_owned_files() {
    let six = "usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA";
    let req = "usr/local/lib/python3.11/dist-packages/requests-2.0.0.dist-info/METADATA";
    let mut base = layer(1, vec![]);
    base.applications = vec![
        app("python-pkg", six, vec![pypkg("six", "1.16.0", six)]),
        app(
            "gobinary",
            "usr/bin/os-owned",
            vec![pkg("stdlib", "v1.19.8")],
        ),
    ];
    base.system_files = vec![six.into(), "usr/bin/os-owned".into()];
    let mut upper = layer(2, vec![]);
    upper.applications = vec![
        app("python-pkg", req, vec![pypkg("requests", "2.0.0", req)]),
        app("cargo", "app/Cargo.lock", vec![pkg("smallvec", "1.6.0")]),
    ];
    let inv = merge(&[base, upper]);
    let got: Vec<_> = inv
        .applications
        .iter()
        .map(|a| {
            (
                a.target(),
                a.packages
                    .iter()
                    .map(|p| p.package.name.clone())
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("Python".to_string(), vec!["requests".to_string()]),
            ("app/Cargo.lock".to_string(), vec!["smallvec".to_string()]),
        ]
    );
    assert_eq!(inv.applications[0].packages[0].layer.diff_id, "sha256:l2");
    assert_eq!(inv.applications[0].packages[0].package.file_path, req);
}

#[test]
fn lockfile_rewritten_in_upper_layer_keeps_origin_of_unchanged_packages() {
    let mut base = layer(1, vec![]);
    base.applications = vec![app(
        "cargo",
        "app/Cargo.lock",
        vec![pkg("a", "1"), pkg("b", "1")],
    )];
    let mut upper = layer(2, vec![]);
    upper.applications = vec![app(
        "cargo",
        "app/Cargo.lock",
        vec![pkg("a", "1"), pkg("b", "2")],
    )];
    let inv = merge(&[base.clone(), upper]);
    let layers: Vec<_> = inv.applications[0]
        .packages
        .iter()
        .map(|p| {
            (
                p.package.name.as_str(),
                p.package.version.as_str(),
                p.layer.diff_id.as_str(),
            )
        })
        .collect();
    assert_eq!(layers, [("a", "1", "sha256:l1"), ("b", "2", "sha256:l2")]);
    // A whiteout of the lockfile removes the application.
    let mut wh = layer(2, vec![]);
    wh.whiteouts = vec!["app".into()];
    assert!(merge(&[base, wh]).applications.is_empty());
}

#[test]
fn skip_dirs_and_files() {
    let f = PathFilter::new(
        &["/usr/lib/python3".into(), "**/node_modules".into()],
        &["app/requirements.txt".into()],
    )
    .unwrap();
    assert!(f.skipped("usr/lib/python3/dist-packages/six.dist-info/METADATA"));
    assert!(f.skipped("srv/web/node_modules/lodash/package.json"));
    assert!(f.skipped("app/requirements.txt"));
    assert!(!f.skipped("usr/lib/python3.11/x/METADATA"));
    assert!(!f.skipped("app/other/requirements.txt"));
    assert!(!f.skipped("var/lib/dpkg/status"));
    assert!(PathFilter::new(&["a[".into()], &[])
        .unwrap_err()
        .contains("--skip-dirs"));
}

/// A one-layer [`MemSource`] with the given entries.
fn mem_layer(
    entries: Vec<(&'static str, &'static [u8])>,
    modes: Vec<(&'static str, &'static [u8], u32)>,
) -> MemSource {
    let mut image = tollgate_image::Image::default();
    image.layers.push(tollgate_image::LayerRef {
        diff_id: "sha256:l1".into(),
        ..Default::default()
    });
    MemSource {
        image,
        layers: vec![entries],
        modes,
        walks: Default::default(),
    }
}

/// Wants executables; finds one "binary" package named after the content.
struct FakeBinary;

impl Analyzer for FakeBinary {
    fn name(&self) -> &'static str {
        "fakebinary"
    }
    fn version(&self) -> u32 {
        1
    }
    fn required(&self, _: &str) -> bool {
        false
    }
    fn required_file(&self, _: &str, mode: u32, _: u64) -> bool {
        mode & 0o111 != 0
    }
    fn analyze(
        &self,
        path: &str,
        content: &[u8],
    ) -> Result<tollgate_analyze::AnalysisResult, tollgate_analyze::AnalyzeError> {
        if content.is_empty() {
            return Err(tollgate_analyze::AnalyzeError::new(path, "empty"));
        }
        Ok(tollgate_analyze::AnalysisResult {
            applications: vec![app(
                "gobinary",
                path,
                vec![pkg(std::str::from_utf8(content).unwrap(), "1")],
            )],
            ..Default::default()
        })
    }
}

#[test]
fn a_path_visited_twice_keeps_what_the_later_visit_found() {
    let analyzers = tollgate_analyze::default_analyzers();
    // An OS file and a package DB rewritten later in the same layer.
    let src = mem_layer(
        vec![
            ("etc/alpine-release", b"3.10.9\n"),
            (DB, b"P:musl\nV:1.1.20-r4\nA:x86_64\no:musl\n\n"),
            ("etc/alpine-release", b"3.11.6\n"),
            (DB, b"P:zlib\nV:1.2.11-r3\nA:x86_64\no:zlib\n\n"),
        ],
        Vec::new(),
    );
    let r = analyze_layer(&src, 0, &analyzers, &Limits::default()).unwrap();
    let os: Vec<&str> = r.os.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(os, ["3.11.6"]);
    assert_eq!(r.package_infos.len(), 1);
    let names: Vec<&str> = r.package_infos[0]
        .packages
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["zlib"]);
}

#[test]
fn superseded_paths_and_errors_follow_the_last_entry() {
    let analyzers: Vec<Box<dyn Analyzer>> = vec![Box::new(FakeBinary)];
    let src = mem_layer(
        vec![
            // Executable, then the same path no longer executable: nothing is left of it.
            ("usr/bin/gone", b"old"),
            ("usr/bin/gone", b"plain"),
            // An analyzer error, then a good file at the same path: the error goes too.
            ("usr/bin/fixed", b""),
            ("usr/bin/fixed", b"good"),
            // Found something, then an error at the same path: the error replaces it.
            ("usr/bin/broken", b"first"),
            ("usr/bin/broken", b""),
            ("usr/bin/kept", b"kept"),
        ],
        vec![
            ("usr/bin/gone", b"old", 0o755),
            ("usr/bin/fixed", b"", 0o755),
            ("usr/bin/fixed", b"good", 0o755),
            ("usr/bin/broken", b"first", 0o755),
            ("usr/bin/broken", b"", 0o755),
            ("usr/bin/kept", b"kept", 0o755),
        ],
    );
    let r = analyze_layer(&src, 0, &analyzers, &Limits::default()).unwrap();
    let apps: Vec<(&str, &str)> = r
        .applications
        .iter()
        .map(|a| (a.file_path.as_str(), a.packages[0].name.as_str()))
        .collect();
    assert_eq!(apps, [("usr/bin/fixed", "good"), ("usr/bin/kept", "kept")]);
    assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
    assert!(
        r.errors[0].contains("usr/bin/broken: empty"),
        "{:?}",
        r.errors
    );
}

#[test]
fn dependency_caches_are_not_sibling_sources() {
    assert!(in_dependency_cache("srv/app/node_modules/x/package.json"));
    assert!(in_dependency_cache(
        "root/.cargo/registry/src/index/serde-1.0/Cargo.toml"
    ));
    assert!(in_dependency_cache(
        "root/go/pkg/mod/golang.org/x/net@v0.1.0/go.sum"
    ));
    assert!(in_dependency_cache("app/vendor/github.com/a/b/Cargo.toml"));
    assert!(!in_dependency_cache("app/crates/member/Cargo.toml"));
    assert!(!in_dependency_cache("app/package.json"));
}

#[test]
fn pom_reads_its_parent_from_above_its_directory() {
    // Trivy's parent-properties case: the version of the child's dependency is a property of
    // the parent POM one directory up, which the child's own directory does not hold.
    let parent: &'static [u8] =
        include_bytes!("../../../testdata/lang/java/pom/parser/parent-properties/pom.xml");
    let child: &'static [u8] =
        include_bytes!("../../../testdata/lang/java/pom/parser/parent-properties/child/pom.xml");
    let src = mem_layer(
        vec![("app/pom.xml", parent), ("app/child/pom.xml", child)],
        vec![],
    );
    let analyzers = tollgate_analyze::analyzers_for(tollgate_analyze::ScanMode::Filesystem);
    let r = analyze_layer(&src, 0, &analyzers, &Limits::default()).unwrap();
    let child = r
        .applications
        .iter()
        .find(|a| a.file_path == "app/child/pom.xml")
        .expect("child pom application");
    let mut rows: Vec<(&str, &str)> = child
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str()))
        .collect();
    rows.sort();
    assert_eq!(
        rows,
        [
            ("com.example:child", "1.0.0"),
            ("org.example:example-api", "1.7.30")
        ]
    );
}

/// The token line of Trivy's `builtin-rule-secret.txt` sample (testdata/secrets).
const PAT: &[u8] = b"GITHUB_PAT=ghp_012345678901234567890123456789abcdef\n";

#[test]
fn secrets_are_found_per_layer_with_absolute_rule_paths_and_cached_by_rule_set() {
    let dir = tempfile::tempdir().unwrap();
    let cache = LayerCache::open(dir.path()).unwrap();
    let secrets = tollgate_secret::Scanner::builtin();
    let src = mem_layer(
        vec![
            ("app/.env", PAT),
            // Allowed by Trivy's usr-dirs rule, a lockfile, and a binary: none is read.
            ("usr/share/doc/x/notes", PAT),
            ("app/package-lock.json", PAT),
            (
                "app/tool",
                b"\x7fELF\x00\x01GITHUB_PAT=ghp_012345678901234567890123456789abcdef",
            ),
        ],
        Vec::new(),
    );
    // A secret-only scan (`--scanners secret`): no package analyzers.
    let analyzers: Vec<Box<dyn Analyzer>> = Vec::new();
    let (_, found, stats) = scan_with(
        &src,
        &analyzers,
        Some(&secrets),
        Some(&cache),
        &Limits::default(),
    );
    assert_eq!(stats.layers_walked, 1);
    let got: Vec<(&str, &str, usize, &str)> = found
        .iter()
        .flat_map(|t| {
            t.findings.iter().map(move |f| {
                (
                    t.path.as_str(),
                    f.rule_id.as_str(),
                    f.start_line,
                    t.layer.diff_id.as_str(),
                )
            })
        })
        .collect();
    assert_eq!(got, [("app/.env", "github-pat", 1, "sha256:l1")]);
    // Warm: the same secrets from the cache.
    let (_, again, stats) = scan_with(
        &src,
        &analyzers,
        Some(&secrets),
        Some(&cache),
        &Limits::default(),
    );
    assert_eq!((stats.layers_walked, stats.layers_cached), (0, 1));
    assert_eq!(again, found);
    // Another rule set is another cache entry, and a scan without secrets finds none.
    let other =
        tollgate_secret::Scanner::from_yaml("trivy-secret.yaml", "disable-rules: [github-pat]\n")
            .unwrap();
    let (_, none, stats) = scan_with(
        &src,
        &analyzers,
        Some(&other),
        Some(&cache),
        &Limits::default(),
    );
    assert_eq!((stats.layers_walked, none.len()), (1, 0));
    assert!(scan_with(&src, &analyzers, None, None, &Limits::default())
        .1
        .is_empty());
}

#[test]
fn whiteouts_and_opaque_dirs_drop_lower_layers_secrets() {
    let f = |p: &str| SecretFile {
        path: p.into(),
        findings: tollgate_secret::Scanner::builtin().scan(p, PAT),
    };
    let mut l1 = LayerResult {
        layer: LayerId {
            digest: String::new(),
            diff_id: "sha256:l1".into(),
        },
        ..Default::default()
    };
    l1.secrets = vec![f("app/.env"), f("etc/app/token"), f("root/.netrc")];
    let mut l2 = LayerResult {
        layer: LayerId {
            digest: String::new(),
            diff_id: "sha256:l2".into(),
        },
        whiteouts: vec!["app/.env".into()],
        opaque_dirs: vec!["etc/app".into()],
        ..Default::default()
    };
    l2.secrets = vec![f("root/.netrc")];
    let merged = merge_secrets(&[l1, l2]);
    let got: Vec<(&str, &str)> = merged
        .iter()
        .map(|t| (t.path.as_str(), t.layer.diff_id.as_str()))
        .collect();
    assert_eq!(got, [("root/.netrc", "sha256:l2")]);
}
