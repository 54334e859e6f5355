//! A layer walk holds one wanted file's content at a time, however many files it visits.
//!
//! The only test in this binary: it measures the process's heap with a counting allocator.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;
use tollgate_image::{open_archive, open_rootfs, FileMeta, Limits, Source};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
            PEAK.fetch_max(now, Ordering::SeqCst);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        CURRENT.fetch_sub(layout.size(), Ordering::SeqCst);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            if new_size >= layout.size() {
                let grow = new_size - layout.size();
                let now = CURRENT.fetch_add(grow, Ordering::SeqCst) + grow;
                PEAK.fetch_max(now, Ordering::SeqCst);
            } else {
                CURRENT.fetch_sub(layout.size() - new_size, Ordering::SeqCst);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const MIB: usize = 1 << 20;
const FILES: usize = 24;

/// Walks layer 0 wanting executables; returns (bytes visited, files visited, peak heap growth
/// during the walk). The visitor keeps nothing.
fn walk_peak(src: &dyn Source) -> (usize, usize, usize) {
    let want = |f: &FileMeta| f.mode & 0o111 != 0;
    let (mut bytes, mut count) = (0, 0);
    let base = CURRENT.load(Ordering::SeqCst);
    PEAK.store(base, Ordering::SeqCst);
    let layer = src
        .walk_layer(
            0,
            &want,
            &mut |f| {
                bytes += f.content.len();
                count += 1;
            },
            &Limits::default(),
        )
        .unwrap();
    let peak = PEAK.load(Ordering::SeqCst) - base;
    assert!(layer.warnings.is_empty(), "{:?}", layer.warnings);
    (bytes, count, peak)
}

#[test]
fn a_walk_holds_one_file_at_a_time() {
    let dir = tempfile::tempdir().unwrap();

    // A zstd layer: 24 executables of 1 MiB, each with a hardlink (second pass), and unwanted
    // files between them.
    let p = dir.path().join("img.tar");
    {
        let mut t = Tar::new();
        for i in 0..FILES {
            let data = vec![i as u8; MIB];
            t = t
                .file_mode(&format!("usr/bin/tool{i}"), 0o755, &data)
                .file(&format!("usr/share/data{i}"), &data[..4096])
                .hardlink_mode(&format!("bin/tool{i}"), 0o755, &format!("usr/bin/tool{i}"));
        }
        docker_archive(&p, &[Img::new(&["t:1"]).zst(t.finish())]);
    }
    let src = open_archive(&p, None).unwrap();
    let (bytes, count, peak) = walk_peak(&*src);
    assert_eq!((bytes, count), (2 * FILES * MIB, 2 * FILES));
    // One file's content (plus read buffers), never the 48 MiB of wanted files.
    assert!(peak < 4 * MIB, "peak heap growth {peak} bytes");

    // The same for a rootfs.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let root = dir.path().join("root");
        std::fs::create_dir_all(&root).unwrap();
        for i in 0..FILES {
            let f = root.join(format!("tool{i}"));
            std::fs::write(&f, vec![i as u8; MIB]).unwrap();
            std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let src = open_rootfs(&root).unwrap();
        let (bytes, count, peak) = walk_peak(&src);
        assert_eq!((bytes, count), (FILES * MIB, FILES));
        assert!(peak < 4 * MIB, "peak heap growth {peak} bytes");
    }
}
