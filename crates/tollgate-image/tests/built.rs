//! Images built in the test: layer compressions, platforms, hardlinks, hostile tars, errors.

mod common;

use common::*;
use tollgate_image::{
    open, open_archive, open_oci_layout, open_rootfs, open_with, Compression, FileMeta, ImageError,
    Limits, OpenOptions, Source, WalkedFile,
};

fn one_line(e: &ImageError) -> String {
    let s = e.to_string();
    assert!(!s.contains('\n'), "multi-line error: {s}");
    s
}

fn archive_with(layers: Img) -> (tempfile::TempDir, Box<dyn Source>) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("img.tar");
    docker_archive(&p, &[layers]);
    let src = open_archive(&p, None).unwrap();
    (dir, src)
}

fn walk(src: &dyn Source, i: usize) -> Result<Walked, ImageError> {
    src.collect_layer(i, &all, &Limits::default())
}

fn small() -> Vec<u8> {
    Tar::new()
        .dir("./etc/")
        .file("./etc/os-release", b"ID=test\n")
        .finish()
}

#[test]
fn plain_gzip_zstd_layers_detected_by_magic() {
    let (_d, src) = archive_with(
        Img::new(&["t:1"])
            .plain(Tar::new().file("a", b"plain").finish())
            .gz(Tar::new().file("b", b"gzip").finish())
            .zst(Tar::new().file("c", b"zstd").finish()),
    );
    let img = src.image();
    let comps: Vec<Compression> = img.layers.iter().map(|l| l.compression).collect();
    assert_eq!(
        comps,
        [Compression::None, Compression::Gzip, Compression::Zstd]
    );
    // Names carry no digest: compressed layers get the stored file's sha256, plain ones none.
    assert_eq!(img.layers[0].digest, "");
    let stored_gz = gzip(&Tar::new().file("b", b"gzip").finish());
    assert_eq!(img.layers[1].digest, sha(&stored_gz));
    assert_eq!(img.layers[1].size, stored_gz.len() as u64);
    for (i, (name, body)) in [("a", "plain"), ("b", "gzip"), ("c", "zstd")]
        .iter()
        .enumerate()
    {
        let f = walk(&*src, i).unwrap();
        assert_eq!(file(&f, name).unwrap(), body.as_bytes());
        assert_eq!(f.uncompressed_size, 2048);
    }
}

#[test]
fn zstd_outer_archive() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("img.tar");
    docker_archive(&p, &[Img::new(&["z:1"]).plain(small())]);
    let zp = dir.path().join("img.tar.zst");
    std::fs::write(&zp, zstd(&std::fs::read(&p).unwrap())).unwrap();
    let src = open(zp.to_str().unwrap()).unwrap();
    let f = walk(&*src, 0).unwrap();
    assert_eq!(file(&f, "etc/os-release").unwrap(), b"ID=test\n");
}

#[test]
fn outer_archive_bomb_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bomb.tar.gz");
    std::fs::write(&p, gzip(&vec![0u8; 4 << 20])).unwrap();
    let opts = OpenOptions {
        temp_dir: Some(dir.path().to_path_buf()),
        limits: Limits {
            max_layer_bytes: 1 << 20,
            ..Default::default()
        },
        ..Default::default()
    };
    let e = open_with(p.to_str().unwrap(), &opts).err().unwrap();
    assert!(matches!(e, ImageError::LayerTooLarge { .. }), "{e}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "temp file left behind"
    );
}

#[test]
fn multi_image_archive_selection() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("two.tar");
    docker_archive(
        &p,
        &[
            Img::new(&["docker.io/library/alpine:3.10"]).plain(small()),
            Img::new(&["myrepo/app:1.0", "myrepo/app:latest"]).gz(small()),
        ],
    );
    let ps = p.to_str().unwrap();
    let e = open(ps).err().unwrap();
    assert!(one_line(&e).contains("holds 2 images"));
    assert!(
        e.to_string().contains("myrepo/app:1.0, myrepo/app:latest"),
        "{e}"
    );
    // Full tag, normalised short name, bare tag, and a repo without tag meaning :latest.
    assert_eq!(
        open(&format!("{ps}:myrepo/app:1.0"))
            .unwrap()
            .image()
            .layers[0]
            .compression,
        Compression::Gzip
    );
    assert_eq!(
        open(&format!("{ps}:alpine:3.10"))
            .unwrap()
            .image()
            .repo_tags[0],
        "docker.io/library/alpine:3.10"
    );
    assert!(open(&format!("{ps}:3.10")).is_ok());
    assert!(open(&format!("{ps}:myrepo/app")).is_ok());
    let e = open(&format!("{ps}:2.0")).err().unwrap();
    assert!(matches!(e, ImageError::UnknownImage { .. }), "{e}");
}

#[test]
fn oci_multi_platform_prefers_amd64() {
    let dir = tempfile::tempdir().unwrap();
    let l = Layout::new(dir.path());
    let arm = l.image(&Img::new(&[]).arch("arm64").gz(small()));
    let amd = l.image(&Img::new(&[]).arch("amd64").zst(small()));
    let mut att = l.image(&Img::new(&[]).plain(Tar::new().finish()));
    att["platform"] = serde_json::json!({"os": "unknown", "architecture": "unknown"});
    let idx = l.index_blob(vec![arm.clone(), amd.clone(), att]);
    let mut top = tagged(idx, "latest");
    top["annotations"]["io.containerd.image.name"] = "docker.io/library/app:latest".into();
    l.index(vec![top]);

    let ds = dir.path().to_str().unwrap();
    let src = open(ds).unwrap();
    let img = src.image();
    assert_eq!(img.architecture, "amd64");
    assert_eq!(img.manifest_digest, amd["digest"].as_str().unwrap());
    assert_eq!(img.repo_tags, vec!["docker.io/library/app:latest"]);
    assert_eq!(img.layers[0].compression, Compression::Zstd);
    assert_eq!(
        img.layers[0].media_type,
        "application/vnd.oci.image.layer.v1.tar+zstd"
    );
    let f = walk(&*src, 0).unwrap();
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);
    assert_eq!(file(&f, "etc/os-release").unwrap(), b"ID=test\n");

    let opts = OpenOptions {
        platform: Some("linux/arm64".into()),
        ..Default::default()
    };
    assert_eq!(
        open_with(&format!("{ds}:latest"), &opts)
            .unwrap()
            .image()
            .architecture,
        "arm64"
    );
    let by_digest = format!("{ds}@{}", arm["digest"].as_str().unwrap());
    assert_eq!(open(&by_digest).unwrap().image().architecture, "arm64");
    let opts = OpenOptions {
        platform: Some("linux/s390x".into()),
        ..Default::default()
    };
    let e = open_with(ds, &opts).err().unwrap();
    assert!(
        one_line(&e).contains("linux/arm64") && e.to_string().contains("linux/amd64"),
        "{e}"
    );
}

#[test]
fn oci_errors_missing_blob_digest_mismatch_traversal() {
    let dir = tempfile::tempdir().unwrap();
    let l = Layout::new(dir.path());
    let desc = l.image(&Img::new(&[]).gz(small()));
    l.index(vec![desc.clone()]);
    let src = open_oci_layout(dir.path(), None).unwrap();
    let layer = src.image().layers[0].digest.clone();

    // Layer blob content changed: walking fails on the stored digest.
    let lp = dir.path().join("blobs/sha256").join(&layer[7..]);
    let good = std::fs::read(&lp).unwrap();
    std::fs::write(&lp, gzip(&Tar::new().file("x", b"evil").finish())).unwrap();
    let e = walk(&*src, 0).err().unwrap();
    assert!(matches!(e, ImageError::DigestMismatch { .. }), "{e}");
    assert!(one_line(&e).contains(&layer), "{e}");

    // Layer blob gone: opening fails naming it.
    std::fs::remove_file(&lp).unwrap();
    let e = open_oci_layout(dir.path(), None).err().unwrap();
    assert!(matches!(e, ImageError::MissingBlob { .. }), "{e}");
    assert!(
        one_line(&e).contains(&format!("points at missing blob {layer}")),
        "{e}"
    );
    std::fs::write(&lp, good).unwrap();

    // Manifest tampered with.
    let md = desc["digest"].as_str().unwrap();
    let mp = dir.path().join("blobs/sha256").join(&md[7..]);
    let mut m = std::fs::read(&mp).unwrap();
    m.push(b' ');
    std::fs::write(&mp, m).unwrap();
    let e = open_oci_layout(dir.path(), None).err().unwrap();
    assert!(matches!(e, ImageError::DigestMismatch { .. }), "{e}");
    assert!(one_line(&e).contains(&format!("manifest {md}")), "{e}");

    // A digest that would be a path outside blobs/.
    l.index(vec![serde_json::json!({
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": "sha256:../../../../etc/passwd", "size": 1})]);
    let e = open_oci_layout(dir.path(), None).err().unwrap();
    assert!(one_line(&e).contains("bad digest"), "{e}");
}

#[test]
fn diff_id_mismatch_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("img.tar");
    let mut img = Img::new(&["t:1"]).plain(small());
    // Stored layer differs from the one the config's diff_id was computed from.
    img.layers[0].0 = Tar::new().file("etc/os-release", b"ID=evil\n").finish();
    docker_archive(&p, &[img]);
    let src = open_archive(&p, None).unwrap();
    let e = walk(&*src, 0).err().unwrap();
    assert!(matches!(e, ImageError::DigestMismatch { .. }), "{e}");
    assert!(
        one_line(&e).contains("diff_id") && e.to_string().contains("img0layer0/layer.tar"),
        "{e}"
    );
}

#[test]
fn archive_manifest_pointing_at_missing_layer() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("img.tar");
    let img = Img::new(&["t:1"]).plain(small());
    let config = img.config();
    let mut b = tar::Builder::new(Vec::new());
    let cname = format!("{}.json", &sha(&config)[7..]);
    add(&mut b, &cname, &config);
    let manifest =
        serde_json::json!([{"Config": cname, "RepoTags": ["t:1"], "Layers": ["gone/layer.tar"]}]);
    add(
        &mut b,
        "manifest.json",
        &serde_json::to_vec(&manifest).unwrap(),
    );
    std::fs::write(&p, b.into_inner().unwrap()).unwrap();
    let e = open_archive(&p, None).err().unwrap();
    assert!(matches!(e, ImageError::MissingBlob { .. }), "{e}");
    assert!(
        one_line(&e).contains("manifest.json in") && e.to_string().contains("gone/layer.tar"),
        "{e}"
    );
}

#[test]
fn whiteouts_and_opaque_dirs() {
    let (_d, src) = archive_with(
        Img::new(&["t:1"]).plain(
            Tar::new()
                .file("./etc/.wh.passwd", b"")
                .file("usr/lib/.wh..wh..opq", b"")
                .file(".wh..wh..opq", b"")
                .file(".wh..wh.plnk", b"")
                .file("/.wh.tmp", b"")
                .file("usr/lib/keep", b"k")
                .finish(),
        ),
    );
    let f = walk(&*src, 0).unwrap();
    assert_eq!(f.whiteouts, vec!["etc/passwd", "tmp"]);
    assert_eq!(f.opaque_dirs, vec!["usr/lib", ""]);
    let names: Vec<&str> = f.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(names, vec!["usr/lib/keep"]);
}

/// Wants what an executable-binary analyzer would: files with an execute bit.
fn executables(f: &FileMeta) -> bool {
    f.mode & 0o111 != 0
}

/// Every (path, mode, size) `want` is asked about.
fn asked(src: &dyn Source) -> Vec<(String, u32, u64)> {
    let seen = std::sync::Mutex::new(Vec::new());
    let want = |f: &FileMeta| {
        seen.lock()
            .unwrap()
            .push((f.path.to_string(), f.mode, f.size));
        false
    };
    let files = src.collect_layer(0, &want, &Limits::default()).unwrap();
    assert!(files.files.is_empty());
    seen.into_inner().unwrap()
}

#[test]
fn want_sees_mode_bits_and_size_in_tar_layers() {
    let (_d, src) = archive_with(
        Img::new(&["t:1"]).gz(Tar::new()
            .file_mode("usr/bin/app", 0o755, b"\x7fELF-app")
            .file_mode("usr/bin/suid", 0o104755, b"S")
            .file("etc/conf", b"c=1\n")
            .hardlink_mode("usr/bin/app2", 0o755, "usr/bin/app")
            .file_mode("opt/tool", 0o700, b"tool")
            // A hardlink to a file nobody wanted: content from a second pass.
            .file("opt/data", b"data")
            .hardlink_mode("opt/data-x", 0o755, "opt/data")
            // Same path again without execute bits: the later entry wins.
            .file("opt/tool", b"tool v2")
            .finish()),
    );
    assert_eq!(
        asked(&*src),
        vec![
            ("usr/bin/app".to_string(), 0o755, 8),
            ("usr/bin/suid".to_string(), 0o4755, 1),
            ("etc/conf".to_string(), 0o644, 4),
            // The target was not kept, so its size is not at hand: the link entry's (0).
            ("usr/bin/app2".to_string(), 0o755, 0),
            ("opt/tool".to_string(), 0o700, 4),
            ("opt/data".to_string(), 0o644, 4),
            ("opt/data-x".to_string(), 0o755, 0),
            ("opt/tool".to_string(), 0o644, 7),
        ]
    );
    let f = src
        .collect_layer(0, &executables, &Limits::default())
        .unwrap();
    let got: Vec<(&str, u32, u64, &[u8])> = f
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.mode, f.size, f.content.as_slice()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("usr/bin/app", 0o755, 8, &b"\x7fELF-app"[..]),
            ("usr/bin/suid", 0o4755, 1, b"S"),
            ("usr/bin/app2", 0o755, 8, b"\x7fELF-app"),
            ("opt/data-x", 0o755, 0, b"data"),
        ]
    );
    assert_eq!(f.files[0].meta().path, "usr/bin/app");
}

#[cfg(unix)]
#[test]
fn want_sees_mode_bits_and_size_in_a_rootfs() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("usr/bin")).unwrap();
    std::fs::write(root.join("usr/bin/app"), b"\x7fELF-app").unwrap();
    std::fs::set_permissions(
        root.join("usr/bin/app"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    std::fs::write(root.join("usr/bin/conf"), b"c=1\n").unwrap();
    std::fs::set_permissions(
        root.join("usr/bin/conf"),
        std::fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    let src = open_rootfs(root).unwrap();
    assert_eq!(
        asked(&src),
        vec![
            ("usr/bin/app".to_string(), 0o755, 8),
            ("usr/bin/conf".to_string(), 0o640, 4),
        ]
    );
    let f = src
        .collect_layer(0, &executables, &Limits::default())
        .unwrap();
    assert_eq!(
        f.files,
        vec![WalkedFile {
            path: "usr/bin/app".into(),
            mode: 0o755,
            size: 8,
            content: b"\x7fELF-app".to_vec(),
        }]
    );
}

#[test]
fn hardlinks_yield_content_symlinks_do_not() {
    let (_d, src) = archive_with(
        Img::new(&["t:1"]).gz(Tar::new()
            .file("usr/bin/busybox", b"BB")
            .hardlink("bin/sh", "usr/bin/busybox")
            .hardlink("bin/ash", "./bin/sh")
            .file("lib/apk/db/installed.orig", b"P:x\n")
            .hardlink("lib/apk/db/installed", "lib/apk/db/installed.orig")
            .symlink("etc/os-release", "/usr/lib/os-release")
            .symlink("etc/shadow", "../../../../etc/shadow")
            .file("usr/lib/os-release", b"ID=x\n")
            .finish()),
    );
    // Wanted link to a wanted file, a chain, and a link to an unwanted file (second pass).
    let want = |f: &FileMeta| {
        matches!(
            f.path,
            "usr/bin/busybox"
                | "bin/sh"
                | "bin/ash"
                | "lib/apk/db/installed"
                | "etc/os-release"
                | "etc/shadow"
        )
    };
    let f = src.collect_layer(0, &want, &Limits::default()).unwrap();
    assert_eq!(file(&f, "bin/sh").unwrap(), b"BB");
    assert_eq!(file(&f, "bin/ash").unwrap(), b"BB");
    assert_eq!(file(&f, "lib/apk/db/installed").unwrap(), b"P:x\n");
    assert!(file(&f, "lib/apk/db/installed.orig").is_none());
    assert!(
        file(&f, "etc/os-release").is_none(),
        "symlinks are not followed"
    );
    assert!(file(&f, "etc/shadow").is_none());
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);
}

#[test]
fn repeated_paths_and_hardlinks_are_visited_in_stream_order() {
    let (_d, src) = archive_with(
        Img::new(&["t:1"]).gz(Tar::new()
            // Visited twice: the second visit replaces the first.
            .file_mode("bin/a", 0o755, b"A1")
            .file_mode("bin/a", 0o755, b"A2")
            // Visited, then replaced by an unwanted entry: superseded.
            .file_mode("bin/b", 0o755, b"B1")
            .file_mode("bin/b", 0o644, b"B2")
            .file_mode("bin/c", 0o755, b"C")
            // A wanted link replaced by an unwanted file before the second pass: never visited.
            .hardlink_mode("bin/l", 0o755, "bin/c")
            .file_mode("bin/l", 0o644, b"L")
            // Links share the content their target had when the link was written.
            .file_mode("bin/d", 0o755, b"D1")
            .hardlink_mode("bin/e", 0o755, "bin/d")
            .file_mode("bin/d", 0o755, b"D2")
            .hardlink_mode("bin/f", 0o755, "bin/d")
            // A link at a path visited earlier: its (second pass) visit replaces that one.
            .hardlink_mode("bin/a", 0o755, "bin/c")
            .finish()),
    );
    let f = src
        .collect_layer(0, &executables, &Limits::default())
        .unwrap();
    let visits: Vec<(&str, usize)> = f.visits.iter().map(|(p, n)| (p.as_str(), *n)).collect();
    assert_eq!(
        visits,
        vec![
            ("bin/a", 2),
            ("bin/a", 2),
            ("bin/b", 2),
            ("bin/c", 1),
            ("bin/d", 2),
            ("bin/d", 2),
            // Second pass, in the order of the targets' entries.
            ("bin/a", 1),
            ("bin/e", 2),
            ("bin/f", 2),
        ]
    );
    assert_eq!(f.superseded, vec!["bin/b"]);
    let got: Vec<(&str, &[u8])> = f
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.content.as_slice()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("bin/a", &b"C"[..]),
            ("bin/c", b"C"),
            ("bin/d", b"D2"),
            ("bin/e", b"D1"),
            ("bin/f", b"D2"),
        ]
    );
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);
}

#[test]
fn hostile_entries_are_skipped_with_warnings() {
    let (_d, src) = archive_with(
        Img::new(&["t:1"]).plain(
            Tar::new()
                .file("../../../../etc/passwd", b"root::0:0")
                .file("a/../../escape", b"x")
                .file("/etc/hosts", b"abs")
                .file(".//etc//./group", b"grp")
                .hardlink("etc/shadow", "../../etc/shadow")
                .hardlink("etc/gshadow", "/etc/group")
                .special("dev/sda", b'4')
                .special("dev/null", b'3')
                .special("run/fifo", b'6')
                .file("big", &[7u8; 3000])
                .finish(),
        ),
    );
    let limits = Limits {
        max_file_size: 2048,
        ..Default::default()
    };
    let f = src.collect_layer(0, &all, &limits).unwrap();
    let mut names: Vec<&str> = f.files.iter().map(|f| f.path.as_str()).collect();
    names.sort();
    // Absolute paths and hardlink targets mean the layer root.
    assert_eq!(names, vec!["etc/group", "etc/gshadow", "etc/hosts"]);
    assert_eq!(file(&f, "etc/gshadow").unwrap(), b"grp");
    let w = f.warnings.join("\n");
    assert!(
        w.contains("'../../../../etc/passwd' escapes the layer root"),
        "{w}"
    );
    assert!(w.contains("'a/../../escape' escapes"), "{w}");
    assert!(
        w.contains("hardlink 'etc/shadow' points outside the layer"),
        "{w}"
    );
    assert!(w.contains("'dev/sda' is not a regular file"), "{w}");
    assert!(w.contains("'run/fifo' is not a regular file"), "{w}");
    assert!(
        w.contains("'big' is 3000 bytes, over the 2048-byte file limit"),
        "{w}"
    );
    assert_eq!(f.warnings.len(), 7, "{w}");
}

#[test]
fn layer_decompression_bomb() {
    let (_d, src) =
        archive_with(Img::new(&["t:1"]).gz(Tar::new().file("zeros", &vec![0u8; 2 << 20]).finish()));
    let limits = Limits {
        max_layer_bytes: 1 << 20,
        ..Default::default()
    };
    let e = src.collect_layer(0, &|_| false, &limits).err().unwrap();
    assert!(matches!(e, ImageError::LayerTooLarge { .. }), "{e}");
    assert!(
        one_line(&e).contains("layer 1 (img0layer0/layer.tar)"),
        "{e}"
    );
}

/// A docker-archive whose single stored layer is `stored`, with a config claiming `diff_id`.
fn raw_layer_archive(stored: Vec<u8>) -> (tempfile::TempDir, Box<dyn Source>) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("img.tar");
    let mut img = Img::new(&["t:1"]).plain(Vec::new());
    img.layers[0].0 = stored;
    docker_archive(&p, &[img]);
    let src = open_archive(&p, None).unwrap();
    (dir, src)
}

#[test]
fn unterminated_tar_as_umoci_writes_it() {
    // umoci 0.4 (its issue 436) ends a layer right after the last entry's data: no padding,
    // no end blocks. The data is complete, so the walk must return it, as Go's reader does.
    let full = Tar::new().file("etc/alpine-release", b"3.8.5\n").finish();
    let cut = full[..512 + 6].to_vec();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("img.tar");
    docker_archive(&p, &[Img::new(&["t:1"]).plain(cut)]);
    let src = open_archive(&p, None).unwrap();
    let files = walk(&*src, 0).unwrap();
    assert_eq!(
        files.files,
        vec![WalkedFile {
            path: "etc/alpine-release".to_string(),
            mode: 0o644,
            size: 6,
            content: b"3.8.5\n".to_vec(),
        }]
    );
    // Missing data (not just padding) is still a truncated layer.
    let (_d, src) = raw_layer_archive(full[..512 + 3].to_vec());
    let e = walk(&*src, 0).err().unwrap();
    assert!(one_line(&e).contains("truncated"), "{e}");
}

#[test]
fn truncated_and_corrupt_layers() {
    // gzip cut in half.
    let gz = gzip(&Tar::new().file("f", &[1u8; 100_000]).finish());
    let (_d, src) = raw_layer_archive(gz[..gz.len() / 2].to_vec());
    let e = walk(&*src, 0).err().unwrap();
    assert!(matches!(e, ImageError::CorruptLayer { .. }), "{e}");
    assert!(
        one_line(&e).contains("img0layer0/layer.tar") && e.to_string().contains("truncated"),
        "{e}"
    );

    // A header that claims 1 TiB of data the stream does not have (wanted and unwanted).
    let (_d, src) = raw_layer_archive(Tar::new().claims("huge", b'0', 1 << 40).bytes());
    for want in [
        &all as &(dyn Fn(&FileMeta) -> bool + Sync),
        &|_: &FileMeta| false,
    ] {
        let e = src
            .collect_layer(
                0,
                want,
                &Limits {
                    max_file_size: 1 << 41,
                    ..Default::default()
                },
            )
            .err()
            .unwrap();
        assert!(
            one_line(&e).contains("truncated") && e.to_string().contains("'huge'"),
            "{e}"
        );
    }

    // A GNU long-name record claiming 1 TiB: refused, not allocated.
    let (_d, src) = raw_layer_archive(Tar::new().claims("././@LongLink", b'L', 1 << 40).bytes());
    let e = walk(&*src, 0).err().unwrap();
    assert!(one_line(&e).contains("tar metadata record"), "{e}");

    // Not a tar at all.
    let (_d, src) = raw_layer_archive(b"this is not a tar archive, just some text".repeat(20));
    let e = walk(&*src, 0).err().unwrap();
    assert!(one_line(&e).contains("not a tar archive"), "{e}");

    // Corrupt header checksum in the middle.
    let mut t = Tar::new().file("a", b"1").file("b", b"2").finish();
    t[1024 + 148] = b'7';
    let (_d, src) = raw_layer_archive(t);
    let e = walk(&*src, 0).err().unwrap();
    assert!(
        one_line(&e).contains("invalid tar header at offset 1024"),
        "{e}"
    );
}

#[test]
fn long_names_via_tar_crate() {
    // GNU long names and PAX paths written by a real tar implementation.
    let long = format!("usr/lib/{}/METADATA", "x".repeat(150));
    let mut b = tar::Builder::new(Vec::new());
    add(&mut b, &long, b"long");
    let mut h = tar::Header::new_ustar();
    h.set_size(3);
    h.set_mode(0o644);
    b.append_pax_extensions([(
        "path",
        format!("opt/{}/pax.txt", "p".repeat(120)).as_bytes(),
    )])
    .unwrap();
    b.append_data(&mut h, "short", &b"pax"[..]).unwrap();
    let (_d, src) = archive_with(Img::new(&["t:1"]).gz(b.into_inner().unwrap()));
    let f = walk(&*src, 0).unwrap();
    assert_eq!(file(&f, &long).unwrap(), b"long");
    assert_eq!(
        file(&f, &format!("opt/{}/pax.txt", "p".repeat(120))).unwrap(),
        b"pax"
    );
}

#[test]
fn rootfs_walk_stays_inside_and_skips_symlinks() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::create_dir_all(root.join("lib/apk/db")).unwrap();
    std::fs::write(root.join("etc/os-release"), "ID=alpine\n").unwrap();
    std::fs::write(root.join("lib/apk/db/installed"), "P:musl\n").unwrap();
    std::fs::write(root.join("etc/big"), vec![0u8; 5000]).unwrap();
    std::fs::write(dir.path().join("secret"), "outside").unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(dir.path().join("secret"), root.join("etc/passwd")).unwrap();
        std::os::unix::fs::symlink(dir.path(), root.join("escape")).unwrap();
    }
    let src = open(root.to_str().unwrap()).unwrap();
    let img = src.image();
    assert_eq!(img.id, "");
    assert!(img.config.is_null());
    assert_eq!(img.layers.len(), 1);
    assert_eq!(img.layers[0].diff_id, "");
    let limits = Limits {
        max_file_size: 4096,
        ..Default::default()
    };
    let f = src.collect_layer(0, &all, &limits).unwrap();
    let names: Vec<&str> = f.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(names, vec!["etc/os-release", "lib/apk/db/installed"]);
    assert_eq!(f.warnings.len(), 1, "{:?}", f.warnings);
    assert!(f.warnings[0].contains("'etc/big' is over the 4096-byte file limit"));
    assert!(f.digest.is_none());
    assert!(matches!(
        src.collect_layer(1, &all, &limits),
        Err(ImageError::NoSuchLayer { .. })
    ));
    assert!(open_rootfs(&dir.path().join("secret")).is_err());
}

#[test]
fn open_dispatch_and_input_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.tar");
    let e = open(missing.to_str().unwrap()).err().unwrap();
    assert!(matches!(e, ImageError::NotFound { .. }));
    assert_eq!(
        one_line(&e),
        format!("{}: no such file or directory", missing.display())
    );
    let e = open(&format!("{}:latest", missing.display()))
        .err()
        .unwrap();
    assert!(matches!(e, ImageError::NotFound { .. }));

    // A rootfs directory with a selector makes no sense.
    let e = open(&format!("{}:latest", dir.path().display()))
        .err()
        .unwrap();
    assert!(one_line(&e).contains("no images to select from"), "{e}");

    // Random bytes, an empty file: archives that are not tars.
    let junk = dir.path().join("junk.tar");
    std::fs::write(&junk, b"\x01\x02garbage".repeat(100)).unwrap();
    let e = open(junk.to_str().unwrap()).err().unwrap();
    assert!(matches!(e, ImageError::NotAnImage { .. }), "{e}");
    assert!(one_line(&e).contains("not a tar archive"), "{e}");
    let empty = dir.path().join("empty.tar");
    std::fs::write(&empty, b"").unwrap();
    let e = open(empty.to_str().unwrap()).err().unwrap();
    assert!(
        one_line(&e).contains("no manifest.json or index.json"),
        "{e}"
    );

    // Truncated gzip outer archive.
    let p = dir.path().join("img.tar");
    docker_archive(&p, &[Img::new(&["t:1"]).plain(small())]);
    let gz = gzip(&std::fs::read(&p).unwrap());
    let tgz = dir.path().join("img.tar.gz");
    std::fs::write(&tgz, &gz[..gz.len() / 2]).unwrap();
    let opts = OpenOptions {
        temp_dir: Some(dir.path().join("tmp")),
        ..Default::default()
    };
    std::fs::create_dir(dir.path().join("tmp")).unwrap();
    let e = open_with(tgz.to_str().unwrap(), &opts).err().unwrap();
    assert!(
        one_line(&e).contains("cannot decompress gzip archive"),
        "{e}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
        0
    );

    // A plain archive cut in the middle of a member: the error says so.
    let full = std::fs::read(&p).unwrap();
    let cut = dir.path().join("cut.tar");
    std::fs::write(&cut, &full[..full.len() / 2 + 100]).unwrap();
    let e = open(cut.to_str().unwrap()).err().unwrap();
    assert!(
        one_line(&e).contains("no manifest.json or index.json (archive is truncated"),
        "{e}"
    );
}

#[test]
fn oci_layout_inside_a_tar() {
    let dir = tempfile::tempdir().unwrap();
    let l = Layout::new(&dir.path().join("layout"));
    let desc = l.image(&Img::new(&[]).gz(small()));
    l.index(vec![tagged(desc, "v1")]);
    let mut b = tar::Builder::new(Vec::new());
    b.append_dir_all(".", &l.dir).unwrap();
    let p = dir.path().join("oci.tar");
    std::fs::write(&p, b.into_inner().unwrap()).unwrap();
    let src = open(&format!("{}:v1", p.display())).unwrap();
    assert!(src.image().layers[0].digest.starts_with("sha256:"));
    let f = walk(&*src, 0).unwrap();
    assert_eq!(file(&f, "etc/os-release").unwrap(), b"ID=test\n");
    // And directly as a directory.
    let src = open(l.dir.to_str().unwrap()).unwrap();
    assert_eq!(src.image().layers.len(), 1);
}
