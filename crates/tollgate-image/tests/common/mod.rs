//! Builders for small images in tests: raw tars (so hostile entries can be written), gzip/zstd,
//! docker-archives and OCI layouts.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/images")
}

pub fn sha(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(data)))
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

pub fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 1).unwrap()
}

fn octal(field: &mut [u8], v: u64) {
    let s = format!("{:0width$o}", v, width = field.len() - 1);
    field[..s.len()].copy_from_slice(s.as_bytes());
}

/// A ustar header with any name (no checks: `..`, absolute, whatever the test needs).
pub fn header(name: &[u8], typeflag: u8, size: u64, link: &[u8]) -> [u8; 512] {
    header_mode(name, typeflag, size, link, 0o644)
}

/// [`header`] with the given mode field.
pub fn header_mode(name: &[u8], typeflag: u8, size: u64, link: &[u8], mode: u64) -> [u8; 512] {
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name);
    octal(&mut h[100..108], mode);
    octal(&mut h[108..116], 0);
    octal(&mut h[116..124], 0);
    if size < 8 << 30 {
        octal(&mut h[124..136], size);
    } else {
        h[124] = 0x80;
        h[128..136].copy_from_slice(&size.to_be_bytes());
    }
    octal(&mut h[136..148], 0);
    h[156] = typeflag;
    h[157..157 + link.len()].copy_from_slice(link);
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u64 = h.iter().map(|&b| b as u64).sum();
    let s = format!("{sum:06o}\0 ");
    h[148..156].copy_from_slice(s.as_bytes());
    h
}

/// A tar written entry by entry.
#[derive(Default)]
pub struct Tar(pub Vec<u8>);

impl Tar {
    pub fn new() -> Self {
        Tar(Vec::new())
    }
    fn pad(&mut self) {
        while self.0.len() & 511 != 0 {
            self.0.push(0);
        }
    }
    pub fn file(mut self, name: &str, data: &[u8]) -> Self {
        self.0
            .extend_from_slice(&header(name.as_bytes(), b'0', data.len() as u64, b""));
        self.0.extend_from_slice(data);
        self.pad();
        self
    }
    /// A regular file with the given mode field.
    pub fn file_mode(mut self, name: &str, mode: u64, data: &[u8]) -> Self {
        self.0.extend_from_slice(&header_mode(
            name.as_bytes(),
            b'0',
            data.len() as u64,
            b"",
            mode,
        ));
        self.0.extend_from_slice(data);
        self.pad();
        self
    }
    /// A hardlink with the given mode field.
    pub fn hardlink_mode(mut self, name: &str, mode: u64, target: &str) -> Self {
        self.0.extend_from_slice(&header_mode(
            name.as_bytes(),
            b'1',
            0,
            target.as_bytes(),
            mode,
        ));
        self
    }
    pub fn dir(mut self, name: &str) -> Self {
        self.0
            .extend_from_slice(&header(name.as_bytes(), b'5', 0, b""));
        self
    }
    pub fn symlink(mut self, name: &str, target: &str) -> Self {
        self.0
            .extend_from_slice(&header(name.as_bytes(), b'2', 0, target.as_bytes()));
        self
    }
    pub fn hardlink(mut self, name: &str, target: &str) -> Self {
        self.0
            .extend_from_slice(&header(name.as_bytes(), b'1', 0, target.as_bytes()));
        self
    }
    pub fn special(mut self, name: &str, typeflag: u8) -> Self {
        self.0
            .extend_from_slice(&header(name.as_bytes(), typeflag, 0, b""));
        self
    }
    /// A header that claims `size` bytes, followed by nothing.
    pub fn claims(mut self, name: &str, typeflag: u8, size: u64) -> Self {
        self.0
            .extend_from_slice(&header(name.as_bytes(), typeflag, size, b""));
        self
    }
    pub fn finish(mut self) -> Vec<u8> {
        self.0.extend_from_slice(&[0u8; 1024]);
        self.0
    }
    /// Without the end-of-archive marker (for truncation tests).
    pub fn bytes(self) -> Vec<u8> {
        self.0
    }
}

/// One image to put into an archive or layout: layers as stored (maybe compressed) plus the
/// uncompressed tar for the diff_id.
pub struct Img {
    pub tags: Vec<String>,
    pub layers: Vec<(Vec<u8>, Vec<u8>)>,
    pub arch: String,
}

impl Img {
    pub fn new(tags: &[&str]) -> Self {
        Img {
            tags: tags.iter().map(|s| s.to_string()).collect(),
            layers: Vec::new(),
            arch: "amd64".into(),
        }
    }
    pub fn plain(mut self, tar: Vec<u8>) -> Self {
        self.layers.push((tar.clone(), tar));
        self
    }
    pub fn gz(mut self, tar: Vec<u8>) -> Self {
        self.layers.push((gzip(&tar), tar));
        self
    }
    pub fn zst(mut self, tar: Vec<u8>) -> Self {
        self.layers.push((zstd(&tar), tar));
        self
    }
    pub fn arch(mut self, a: &str) -> Self {
        self.arch = a.into();
        self
    }
    pub fn config(&self) -> Vec<u8> {
        let diff_ids: Vec<String> = self.layers.iter().map(|(_, u)| sha(u)).collect();
        serde_json::to_vec(&serde_json::json!({
            "architecture": self.arch, "os": "linux",
            "config": {"Env": ["PATH=/bin"]},
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": [{"created_by": "test"}],
        }))
        .unwrap()
    }
}

/// Writes a docker-archive (legacy layout: `<n>/layer.tar`, `<id>.json`, manifest.json).
pub fn docker_archive(path: &Path, images: &[Img]) {
    let mut b = tar::Builder::new(Vec::new());
    let mut manifest = Vec::new();
    for (i, img) in images.iter().enumerate() {
        let config = img.config();
        let cname = format!("{}.json", &sha(&config)[7..]);
        add(&mut b, &cname, &config);
        let mut lnames = Vec::new();
        for (j, (stored, _)) in img.layers.iter().enumerate() {
            let name = format!("img{i}layer{j}/layer.tar");
            add(&mut b, &name, stored);
            lnames.push(name);
        }
        manifest.push(serde_json::json!({"Config": cname, "RepoTags": img.tags, "Layers": lnames}));
    }
    add(
        &mut b,
        "manifest.json",
        &serde_json::to_vec(&manifest).unwrap(),
    );
    std::fs::write(path, b.into_inner().unwrap()).unwrap();
}

pub fn add(b: &mut tar::Builder<Vec<u8>>, name: &str, data: &[u8]) {
    let mut h = tar::Header::new_gnu();
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_entry_type(tar::EntryType::Regular);
    b.append_data(&mut h, name, data).unwrap();
}

/// Blob-writing helper for OCI layouts.
pub struct Layout {
    pub dir: PathBuf,
}

impl Layout {
    pub fn new(dir: &Path) -> Self {
        std::fs::create_dir_all(dir.join("blobs/sha256")).unwrap();
        std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
        Layout {
            dir: dir.to_path_buf(),
        }
    }
    pub fn blob(&self, data: &[u8]) -> String {
        let d = sha(data);
        std::fs::write(self.dir.join("blobs/sha256").join(&d[7..]), data).unwrap();
        d
    }
    /// Writes config + layers + manifest; returns the manifest descriptor.
    pub fn image(&self, img: &Img) -> serde_json::Value {
        let config = img.config();
        let cd = self.blob(&config);
        let layers: Vec<serde_json::Value> = img
            .layers
            .iter()
            .map(|(stored, unc)| {
                let mt = if stored.starts_with(&[0x1f, 0x8b]) {
                    "application/vnd.oci.image.layer.v1.tar+gzip"
                } else if stored.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
                    "application/vnd.oci.image.layer.v1.tar+zstd"
                } else {
                    "application/vnd.oci.image.layer.v1.tar"
                };
                let _ = unc;
                serde_json::json!({"mediaType": mt, "digest": self.blob(stored), "size": stored.len()})
            })
            .collect();
        let m = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": config.len()},
            "layers": layers,
        }))
        .unwrap();
        let md = self.blob(&m);
        serde_json::json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": md, "size": m.len(),
            "platform": {"os": "linux", "architecture": img.arch},
        })
    }
    pub fn index_blob(&self, manifests: Vec<serde_json::Value>) -> serde_json::Value {
        let d = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": manifests,
        }))
        .unwrap();
        let dg = self.blob(&d);
        serde_json::json!({"mediaType": "application/vnd.oci.image.index.v1+json", "digest": dg, "size": d.len()})
    }
    pub fn index(&self, manifests: Vec<serde_json::Value>) {
        let d =
            serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "manifests": manifests}))
                .unwrap();
        std::fs::write(self.dir.join("index.json"), d).unwrap();
    }
}

pub fn tagged(mut desc: serde_json::Value, tag: &str) -> serde_json::Value {
    desc["annotations"] = serde_json::json!({"org.opencontainers.image.ref.name": tag});
    desc
}

/// All wanted.
pub fn all(_: &tollgate_image::FileMeta) -> bool {
    true
}

pub fn file<'a>(files: &'a Walked, path: &str) -> Option<&'a [u8]> {
    files
        .files
        .iter()
        .find(|f| f.path == path)
        .map(|f| f.content.as_slice())
}

/// What a layer walk visited, collected as a consumer must: a later visit of a path replaces
/// the earlier one (in place), and the walk's superseded paths are dropped at the end.
pub struct Walked {
    pub layer: tollgate_image::LayerFiles,
    pub files: Vec<tollgate_image::WalkedFile>,
    /// Every visit, in order (path, content length).
    pub visits: Vec<(String, usize)>,
}

impl std::ops::Deref for Walked {
    type Target = tollgate_image::LayerFiles;
    fn deref(&self) -> &Self::Target {
        &self.layer
    }
}

/// [`tollgate_image::Source::walk_layer`], with the visited files collected into a [`Walked`].
pub trait Collect {
    fn collect_layer(
        &self,
        index: usize,
        want: &(dyn Fn(&tollgate_image::FileMeta) -> bool + Sync),
        limits: &tollgate_image::Limits,
    ) -> Result<Walked, tollgate_image::ImageError>;
}

impl<S: tollgate_image::Source + ?Sized> Collect for S {
    fn collect_layer(
        &self,
        index: usize,
        want: &(dyn Fn(&tollgate_image::FileMeta) -> bool + Sync),
        limits: &tollgate_image::Limits,
    ) -> Result<Walked, tollgate_image::ImageError> {
        let mut files: Vec<tollgate_image::WalkedFile> = Vec::new();
        let mut visits = Vec::new();
        let layer = self.walk_layer(
            index,
            want,
            &mut |f| {
                visits.push((f.path.clone(), f.content.len()));
                match files.iter_mut().find(|g| g.path == f.path) {
                    Some(g) => *g = f,
                    None => files.push(f),
                }
            },
            limits,
        )?;
        files.retain(|f| !layer.superseded.contains(&f.path));
        Ok(Walked {
            layer,
            files,
            visits,
        })
    }
}
