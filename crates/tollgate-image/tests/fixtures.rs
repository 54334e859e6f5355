//! Real images from go-containerregistry's and Trivy's test data (see testdata/images/README.md).

mod common;

use common::{all, file, fixtures, Collect};
use tollgate_image::{open, open_with, Compression, FileMeta, ImageError, OpenOptions};

fn path(rel: &str) -> String {
    fixtures().join(rel).display().to_string()
}

fn err(input: &str) -> ImageError {
    match open(input) {
        Ok(_) => panic!("{input} opened"),
        Err(e) => {
            assert!(!e.to_string().contains('\n'), "multi-line error: {e}");
            e
        }
    }
}

#[test]
fn bundle_without_selector_lists_images() {
    let p = path("ggcr/tarball/test_bundle.tar");
    let e = err(&p);
    let msg = e.to_string();
    assert!(matches!(e, ImageError::Ambiguous { count: 2, .. }), "{msg}");
    assert!(
        msg.contains("test_image_1") && msg.contains("test_image_2"),
        "{msg}"
    );
    assert!(msg.contains(":TAG") && msg.contains("@sha256:"), "{msg}");
}

#[test]
fn bundle_select_by_tag_and_by_id() {
    let p = path("ggcr/tarball/test_bundle.tar");
    let src = open(&format!("{p}:test_image_1")).unwrap();
    let img = src.image();
    assert_eq!(img.name, format!("{p}:test_image_1"));
    assert_eq!(img.repo_tags, vec!["test_image_1"]);
    assert_eq!(
        img.id,
        "sha256:6e0b05049ed9c17d02e1a55e80d6599dbfcce7f4f4b022e3c673e685789c470e"
    );
    assert_eq!(
        (img.os.as_str(), img.architecture.as_str()),
        ("linux", "amd64")
    );
    assert_eq!(img.layers.len(), 1);
    let l = &img.layers[0];
    // Stored uncompressed: Trivy reports no Layer.Digest for these.
    assert_eq!(l.digest, "");
    assert_eq!(l.compression, Compression::None);
    assert_eq!(
        l.diff_id,
        "sha256:8897395fd26dc44ad0e2a834335b33198cb41ac4d98dfddf58eced3853fa7b17"
    );
    let files = src.collect_layer(0, &all, &Default::default()).unwrap();
    let mut names: Vec<&str> = files.files.iter().map(|f| f.path.as_str()).collect();
    names.sort();
    assert_eq!(names, vec!["bar", "foo"]);
    assert_eq!(files.digest, None);
    assert_eq!(files.uncompressed_size, 10240);

    // By image ID (full and short) and by bare tag on the second image.
    let by_id = open(&format!("{p}@sha256:930705ce23e3")).unwrap();
    assert_eq!(by_id.image().repo_tags, vec!["test_image_2"]);
    let files = by_id
        .collect_layer(0, &|f: &FileMeta| f.path == "baz", &Default::default())
        .unwrap();
    assert_eq!(files.files.len(), 1);
    assert_eq!(file(&files, "baz").unwrap(), b"baz\n");

    let e = err(&format!("{p}:nope"));
    let msg = e.to_string();
    assert!(matches!(e, ImageError::UnknownImage { .. }), "{msg}");
    assert!(
        msg.contains("'nope'") && msg.contains("test_image_1"),
        "{msg}"
    );
}

#[test]
fn layer_tar_symlinked_inside_archive() {
    // test_link.tar: image 3's first layer.tar is a symlink to image 1's layer.tar.
    let p = path("ggcr/tarball/test_link.tar");
    let src = open(&format!("{p}:bazel/v1/tarball:test_image_3")).unwrap();
    assert_eq!(src.image().layers.len(), 2);
    let l0 = src.collect_layer(0, &all, &Default::default()).unwrap();
    assert!(file(&l0, "foo").is_some() && file(&l0, "bar").is_some());
    let l1 = src.collect_layer(1, &all, &Default::default()).unwrap();
    assert_eq!(file(&l1, "test").unwrap().len(), 6);
}

#[test]
fn docker25_oci_archive() {
    // Docker 25+: an OCI layout in a tar with a manifest.json next to index.json.
    let src = open(&path("ggcr/tarball/hello-world-v25.tar")).unwrap();
    let img = src.image();
    assert_eq!(img.architecture, "arm64");
    assert!(img.repo_tags.is_empty());
    assert_eq!(
        img.id,
        "sha256:ee301c921b8aadc002973b2e0c3da17d701dcd994b606769a7e6eaa100b81d44"
    );
    assert_eq!(img.layers[0].digest, "");
    assert_eq!(
        img.layers[0].media_type,
        "application/vnd.oci.image.layer.v1.tar"
    );
    let files = src
        .collect_layer(0, &|f: &FileMeta| f.path == "hello", &Default::default())
        .unwrap();
    assert_eq!(files.files.len(), 1);
    assert!(file(&files, "hello").unwrap().starts_with(b"\x7fELF"));
}

#[test]
fn whiteout_file_reported() {
    let src = open(&path("ggcr/mutate/whiteout_image.tar")).unwrap();
    assert_eq!(src.image().layers.len(), 3);
    let l0 = src.collect_layer(0, &all, &Default::default()).unwrap();
    assert_eq!(file(&l0, "foo.txt").unwrap(), b"foo\n");
    let l1 = src.collect_layer(1, &all, &Default::default()).unwrap();
    assert_eq!(l1.whiteouts, vec!["foo.txt"]);
    assert!(l1.files.is_empty());
    let l2 = src.collect_layer(2, &all, &Default::default()).unwrap();
    assert!(l2.files.is_empty() && l2.whiteouts.is_empty());
}

#[test]
fn gzip_layers_in_archive_report_file_digest() {
    // crane-style archive: gzip layers named by their digest; Trivy reports that digest.
    let src = open(&path("ggcr/mutate/whiteout_dir.tar")).unwrap();
    let img = src.image();
    assert_eq!(img.repo_tags, vec!["localhost:5000/whiteout:latest"]);
    assert_eq!(img.layers.len(), 4);
    assert_eq!(
        img.layers[0].digest,
        "sha256:e351ee8e5cab41e244c9a219e949dcc90cfa157f0a216157e3406eeef976a953"
    );
    assert_eq!(img.layers[0].compression, Compression::Gzip);
    assert_eq!(
        img.layers[0].media_type,
        "application/vnd.docker.image.rootfs.diff.tar.gzip"
    );
    for i in 0..4 {
        // Walking checks both the stored digest and the diff_id.
        let f = src.collect_layer(i, &all, &Default::default()).unwrap();
        assert_eq!(f.digest.as_deref(), Some(img.layers[i].digest.as_str()));
        if i == 2 {
            assert_eq!(f.whiteouts, vec!["a"]);
        }
    }
    let l3 = src.collect_layer(3, &all, &Default::default()).unwrap();
    assert!(file(&l3, "a/baz").is_some());
}

#[test]
fn not_an_image_archives() {
    let e = err(&path("ggcr/tarball/no_manifest.tar"));
    assert!(matches!(e, ImageError::NotAnImage { .. }));
    assert!(
        e.to_string()
            .ends_with("not an image: no manifest.json or index.json"),
        "{e}"
    );
    let e = err(&path("ggcr/tarball/null_manifest.tar"));
    assert!(
        e.to_string().contains("manifest.json in") && e.to_string().contains("lists no images"),
        "{e}"
    );
    // A zstd-compressed plain tar of files is an archive, but not an image.
    let e = err(&path("ggcr/content.tar.zst"));
    assert!(
        e.to_string().contains("no manifest.json or index.json"),
        "{e}"
    );
}

#[test]
fn oci_index_needs_selector_and_follows_nested_indexes() {
    let p = path("ggcr/layout/test_index");
    let e = err(&p);
    let msg = e.to_string();
    assert!(matches!(e, ImageError::Ambiguous { count: 4, .. }), "{msg}");
    for t in ["1 (@", "2 (@", "3 (@", "4 (@"] {
        assert!(msg.contains(t), "{msg}");
    }
    // Tag 3 is an OCI index, tag 4 a Docker manifest list, both wrapping the same manifest.
    for sel in [":1", ":3", ":4"] {
        let src = open(&format!("{p}{sel}")).unwrap();
        let img = src.image();
        assert_eq!(
            img.manifest_digest,
            "sha256:eebff607b1628d67459b0596643fc07de70d702eccf030f0bc7bb6fc2b278650"
        );
        assert_eq!(
            img.id,
            "sha256:6e0b05049ed9c17d02e1a55e80d6599dbfcce7f4f4b022e3c673e685789c470e"
        );
        assert_eq!(
            img.layers[0].digest,
            "sha256:dc52c6e48a1d51a96047b059f16889bc889c4b4c28f3b36b3f93187f62fc0b2b"
        );
        let f = src.collect_layer(0, &all, &Default::default()).unwrap();
        assert_eq!(file(&f, "foo").unwrap(), b"foo\n");
    }
    // Tag 2's descriptor has the generic descriptor media type: the blob is sniffed.
    let src = open(&format!("{p}:2")).unwrap();
    assert_eq!(
        src.image().id,
        "sha256:930705ce23e3b6ed4c08746b6fe880089c864fbaf62482702ae3fdd66b8c7fe9"
    );
    let f = src.collect_layer(0, &all, &Default::default()).unwrap();
    assert_eq!(file(&f, "baz").unwrap(), b"baz\n");
    // By digest of the nested index.
    let src = open(&format!(
        "{p}@sha256:05f95b26ed10668b7183c1e2da98610e91372fa9f510046d4ce5812addad86b5"
    ))
    .unwrap();
    assert_eq!(src.image().layers.len(), 1);
    let e = err(&format!("{p}:5"));
    assert!(
        e.to_string().contains("no image '5'") && e.to_string().contains("available: 1 (@"),
        "{e}"
    );
}

#[test]
fn oci_unsupported_media_types() {
    let e = err(&path("ggcr/layout/test_index_media_type"));
    assert!(matches!(e, ImageError::UnsupportedMediaType { .. }), "{e}");
    assert!(
        e.to_string()
            .contains("application/vnd.cncf.helm.config.v1+json"),
        "{e}"
    );
    let e = err(&path("ggcr/layout/test_gc_image_unknown_mediatype"));
    assert!(matches!(e, ImageError::UnsupportedMediaType { .. }), "{e}");
    let e = err(&path("trivy/test_invalid_oci_image.oci"));
    assert!(e.to_string().contains("'application/badmedia+json'"), "{e}");
}

#[test]
fn trivy_oci_fixtures() {
    let src = open(&path("trivy/test.oci")).unwrap();
    let img = src.image();
    assert_eq!(
        img.id,
        "sha256:b23a8f6569ae9ae331226205fa72f480ce5310707d0bc97e611f83fbbbde4604"
    );
    assert_eq!(
        img.layers[0].diff_id,
        "sha256:9c27e219663c25e0f28493790cc0b88bc973ba3b1686355f221c38a36978ac63"
    );
    let f = src
        .collect_layer(0, &|f: &FileMeta| f.path == "hello", &Default::default())
        .unwrap();
    assert_eq!(f.files.len(), 1);
    assert_eq!(
        f.digest.as_deref(),
        Some("sha256:cdd16bd695eda2819e7637648f573c2ca64896c4f7bff9732ac9db734ca3bc2c")
    );

    let tagged = path("trivy/test_image_tag.oci");
    assert!(open(&format!("{tagged}:0.0.1")).is_ok());
    assert!(open(&tagged).is_ok(), "a single image needs no selector");
    let e = err(&format!("{tagged}:0.0.2"));
    assert!(e.to_string().contains("available: 0.0.1"), "{e}");

    let e = err(&path("trivy/test_bad_index_json.oci"));
    assert!(
        e.to_string().contains("index.json in") && e.to_string().contains("invalid JSON"),
        "{e}"
    );
    let e = err(&path("trivy/test_no_valid_manifests.oci"));
    assert!(e.to_string().contains("lists no manifests"), "{e}");
}

#[test]
fn gzipped_docker_archive_is_decompressed_to_a_temp_file_and_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let opts = OpenOptions {
        temp_dir: Some(tmp.path().to_path_buf()),
        ..Default::default()
    };
    let src = open_with(&path("trivy/alpine-310.tar.gz"), &opts).unwrap();
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
    let img = src.image();
    assert_eq!(img.repo_tags, vec!["alpine:3.10"]);
    assert_eq!(
        img.id,
        "sha256:af341ccd2df8b0e2d67cf8dd32e087bfda4e5756ebd1c76bbf3efa0dc246590e"
    );
    assert_eq!(img.layers.len(), 1);
    assert_eq!(img.layers[0].digest, "");
    let want = |f: &FileMeta| f.path == "etc/os-release" || f.path == "lib/apk/db/installed";
    let f = src.collect_layer(0, &want, &Default::default()).unwrap();
    assert_eq!(f.files.len(), 2);
    assert!(
        String::from_utf8_lossy(file(&f, "etc/os-release").unwrap()).contains("VERSION_ID=3.10")
    );
    assert_eq!(f.uncompressed_size, 5818880);
    drop(src);
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "temp file left behind"
    );
}

#[test]
fn single_image_oci_layout() {
    let src = open(&path("ggcr/layout/test_index_one_image")).unwrap();
    let img = src.image();
    assert_eq!(
        img.manifest_digest,
        "sha256:98ceaf93e482fe91b9bfd6bba07137c098e49ee2d55e69f09fb6c951e75e0e46"
    );
    assert_eq!(img.layers[0].compression, Compression::Gzip);
    // Checks the layer blob digest and the diff_id on the way.
    let f = src.collect_layer(0, &all, &Default::default()).unwrap();
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);
}
