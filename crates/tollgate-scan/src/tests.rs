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

/// An image held in memory: each layer is a list of (path, content), all mode 0o644.
struct MemSource {
    image: tollgate_image::Image,
    layers: Vec<Vec<(&'static str, &'static [u8])>>,
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
        _limits: &Limits,
    ) -> Result<tollgate_image::LayerFiles, tollgate_image::ImageError> {
        self.walks.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let file = |(p, c): &(&str, &[u8])| tollgate_image::WalkedFile {
            path: p.to_string(),
            mode: 0o644,
            size: c.len() as u64,
            content: c.to_vec(),
        };
        Ok(tollgate_image::LayerFiles {
            files: self.layers[index]
                .iter()
                .map(file)
                .filter(|f| want(&f.meta()))
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
