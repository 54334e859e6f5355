#!/usr/bin/env python3
"""Regenerates the Trivy 0.76 expectations for the Go and Rust analyzers.

Copies the small inputs from Trivy's own testdata into testdata/lang/{go,rust}/ and writes,
next to each input, `<input>.trivy.json`: the (name, version, relationship) triples Trivy 0.76
reports for it. Lockfiles are scanned with `trivy fs` on a temp dir holding only that file
under its real name; binaries with `trivy rootfs` on a temp dir holding the binary (mode 755).

Usage: python3 gen-trivy-expected-go-rust.py [--system-binaries LIST]
  TRIVY (default: output of `bash /work/shared/tools/peer-trivy`), TRIVY_CACHE (a copy of the
  oracle DB cache dir), TRIVY_SRC (Trivy source checkout with testdata).
  --system-binaries LIST: also scan the executables listed (one path per line) and write
  go/system-binaries.trivy.json (compared, not copied: they are too large).
"""
import gzip
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("TRIVY_SRC", "/work/shared/data/peer-tests/trivy")
CACHE = os.environ.get("TRIVY_CACHE", "/tmp/trivy-oracle/cache")


def trivy_path():
    if os.environ.get("TRIVY"):
        return os.environ["TRIVY"]
    out = subprocess.run(["bash", "/work/shared/tools/peer-trivy"], capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


TRIVY = trivy_path()


def scan(mode, target, env=None):
    """Runs Trivy; returns {target path: [[name, version, relationship], ...]}."""
    cmd = [TRIVY, mode, "--cache-dir", CACHE, "--skip-db-update", "--skip-java-db-update",
           "--skip-check-update", "--offline-scan", "--scanners", "vuln", "--list-all-pkgs",
           "--format", "json", "-q", target]
    e = dict(os.environ)
    e.update(env or {})
    out = subprocess.run(cmd, capture_output=True, text=True, env=e)
    if out.returncode != 0:
        return {"__error__": out.stderr.strip()[-400:]}
    rep = json.loads(out.stdout)
    res = {}
    for r in rep.get("Results") or []:
        pk = sorted([p.get("Name", ""), p.get("Version", ""), p.get("Relationship", "")]
                    for p in r.get("Packages") or [])
        res[r["Target"]] = {"type": r.get("Type", ""), "packages": pk}
    return res


def write_expected(path, data):
    with open(path + ".trivy.json", "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.write("\n")


def lockfile_case(kind, src_file, real_name, case_dir, extra=None):
    """Copies src_file to case_dir/real_name and records Trivy's packages for it alone."""
    dst_dir = os.path.join(HERE, kind, case_dir)
    os.makedirs(dst_dir, exist_ok=True)
    dst = os.path.join(dst_dir, real_name)
    shutil.copyfile(src_file, dst)
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copyfile(src_file, os.path.join(tmp, real_name))
        gopath = os.path.join(tmp, "empty-gopath")
        os.makedirs(gopath)
        res = scan("fs", tmp, {"GOPATH": gopath})
    data = {"source": os.path.relpath(src_file, SRC), "alone": res.get(real_name)}
    if "__error__" in res:
        data["error"] = res["__error__"]
    if extra:
        data.update(extra)
    write_expected(dst, data)
    return data


def read_txtar(path):
    files, name, buf = {}, None, []
    for line in open(path, encoding="utf-8").read().splitlines(keepends=True):
        if line.startswith("-- ") and line.rstrip().endswith(" --"):
            if name is not None:
                files[name] = "".join(buf)
            name, buf = line.strip()[3:-3].strip(), []
        elif name is not None:
            buf.append(line)
    if name is not None:
        files[name] = "".join(buf)
    return files


def txtar_case(kind, txtar, wanted):
    """Extracts a txtar; records Trivy's result for the whole tree (Trivy's own test setup)
    and for the wanted file alone; copies the wanted file."""
    files = read_txtar(txtar)
    if wanted not in files:
        return None
    name = "txtar-" + os.path.basename(txtar)[:-len(".txtar")]
    with tempfile.TemporaryDirectory() as tmp:
        for rel, body in files.items():
            p = os.path.join(tmp, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            open(p, "w").write(body)
        whole = scan("fs", tmp, {"GOPATH": tmp})
    src_tmp = tempfile.NamedTemporaryFile("w", delete=False)
    src_tmp.write(files[wanted])
    src_tmp.close()
    data = lockfile_case(kind, src_tmp.name, wanted, name,
                         {"whole_tree": whole, "files": sorted(files)})
    data["source"] = os.path.relpath(txtar, SRC)
    write_expected(os.path.join(HERE, kind, name, wanted), data)
    os.unlink(src_tmp.name)
    return data


def patch_noshdr(d):
    """Drops the ELF section header table (e_shoff, e_shnum, e_shstrndx), as `sstrip` does."""
    d = bytearray(d)
    d[0x28:0x30] = b"\0" * 8
    d[0x3C:0x40] = b"\0" * 4
    return bytes(d)


def patch_ptrfmt(d):
    """Rewrites a Go 1.18+ inline build info header into the pre-1.18 pointer format (flags 0,
    two pointers to Go string headers), keeping the same strings: Go's debug/buildinfo reads
    both, and this is the only way to get a pointer-format binary from the Go 1.19 here."""
    d = bytearray(d)
    shoff, = struct.unpack_from("<Q", d, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", d, 0x3A)
    def sh(i):
        return struct.unpack_from("<IIQQQQ", d, shoff + i * shentsize)
    stroff = sh(shstrndx)[4]
    for i in range(shnum):
        name, _, _, addr, off, size = sh(i)
        if d[stroff + name:stroff + name + 14] == b".go.buildinfo\0":
            break
    else:
        raise SystemExit("no .go.buildinfo")
    def uvar(p):
        x = s = 0
        while True:
            c = d[p]; p += 1; x |= (c & 0x7F) << s; s += 7
            if c < 0x80:
                return x, p
    n, p = uvar(off + 32); vers = bytes(d[p:p + n]); p += n
    n, p = uvar(p); mod = bytes(d[p:p + n])
    d[off + 15] = 0
    struct.pack_into("<QQ", d, off + 16, addr + 32, addr + 48)
    struct.pack_into("<QQ", d, off + 32, addr + 64, len(vers))
    struct.pack_into("<QQ", d, off + 48, addr + 64 + len(vers), len(mod))
    d[off + 64:off + 64 + len(vers) + len(mod)] = vers + mod
    return bytes(d)


def binary_case(kind, gz_path, name=None, patch=None):
    data = gzip.open(gz_path).read()
    if patch:
        data = patch(data)
    name = name or os.path.basename(gz_path)[:-3]
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "bin"))
        p = os.path.join(tmp, "bin", name)
        open(p, "wb").write(data)
        os.chmod(p, 0o755)
        res = scan("rootfs", tmp)
    out = {"source": "built here, see README", "alone": res.get("bin/" + name)}
    if "__error__" in res:
        out["error"] = res["__error__"]
    write_expected(os.path.join(HERE, kind, "bin", name), out)
    return out


def rust_depends_on():
    """bin/<name>.depends-on.json: Trivy's DependsOn per package (name@version) of each
    auditable binary, from `trivy rootfs` on the binary alone."""
    d = os.path.join(HERE, "rust", "bin")
    for f in sorted(os.listdir(d)):
        if not f.endswith(".gz"):
            continue
        name = f[:-3]
        with tempfile.TemporaryDirectory() as tmp:
            os.makedirs(os.path.join(tmp, "bin"))
            p = os.path.join(tmp, "bin", name)
            open(p, "wb").write(gzip.open(os.path.join(d, f)).read())
            os.chmod(p, 0o755)
            cmd = [TRIVY, "rootfs", "--cache-dir", CACHE, "--skip-db-update", "--skip-java-db-update",
                   "--skip-check-update", "--offline-scan", "--scanners", "vuln", "--list-all-pkgs",
                   "--format", "json", "-q", tmp]
            rep = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
        deps = {}
        for r in rep.get("Results") or []:
            for pk in r.get("Packages") or []:
                deps[f"{pk['Name']}@{pk.get('Version', '')}"] = sorted(pk.get("DependsOn") or [])
        with open(os.path.join(d, name + ".depends-on.json"), "w") as fh:
            json.dump({"source": "trivy rootfs on the binary alone", "depends_on": deps}, fh,
                      indent=1, sort_keys=True)
            fh.write("\n")


def main():
    if "--rust-depends-on" in sys.argv:
        rust_depends_on()
        return
    summary = []
    gomod = os.path.join(SRC, "pkg/dependency/parser/golang/mod/testdata")
    for case in sorted(os.listdir(gomod)):
        d = os.path.join(gomod, case)
        src = os.path.join(d, "go.mod") if os.path.exists(os.path.join(d, "go.mod")) else os.path.join(d, "gomod")
        if not os.path.exists(src):
            continue
        extra = {}
        if os.path.exists(os.path.join(d, "go.sum")):
            with tempfile.TemporaryDirectory() as tmp:
                shutil.copyfile(src, os.path.join(tmp, "go.mod"))
                shutil.copyfile(os.path.join(d, "go.sum"), os.path.join(tmp, "go.sum"))
                extra["with_go_sum"] = scan("fs", tmp, {"GOPATH": tmp}).get("go.mod")
        r = lockfile_case("go", src, "go.mod", "mod-" + case, extra)
        summary.append(("go.mod", case, r.get("alone") and len(r["alone"]["packages"])))
    # Our own extra cases (go.mod: toolchain line, `// indirect; reason`, quoted paths;
    # Cargo.lock: one crate at one version from two sources, a package without version).
    for kind, fname in (("go", "go.mod"), ("rust", "Cargo.lock")):
        for case in sorted(os.listdir(os.path.join(HERE, kind))):
            src = os.path.join(HERE, kind, case, fname)
            if case.startswith("own-") and os.path.exists(src):
                tmp_src = tempfile.NamedTemporaryFile(delete=False)
                tmp_src.write(open(src, "rb").read())
                tmp_src.close()
                r = lockfile_case(kind, tmp_src.name, fname, case)
                r["source"] = "written here"
                write_expected(src, r)
                os.unlink(tmp_src.name)
                summary.append((fname + " own", case, r.get("alone") and len(r["alone"]["packages"])))
    for t in sorted(os.listdir(os.path.join(SRC, "pkg/fanal/analyzer/language/golang/mod/testdata"))):
        r = txtar_case("go", os.path.join(SRC, "pkg/fanal/analyzer/language/golang/mod/testdata", t), "go.mod")
        summary.append(("go.mod txtar", t, r and r.get("alone") and len(r["alone"]["packages"])))
    cargo = os.path.join(SRC, "pkg/dependency/parser/rust/cargo/testdata")
    for f in sorted(os.listdir(cargo)):
        r = lockfile_case("rust", os.path.join(cargo, f), "Cargo.lock", f[:-len(".lock")])
        summary.append(("Cargo.lock", f, r.get("alone") and len(r["alone"]["packages"])))
    for t in sorted(os.listdir(os.path.join(SRC, "pkg/fanal/analyzer/language/rust/cargo/testdata"))):
        r = txtar_case("rust", os.path.join(SRC, "pkg/fanal/analyzer/language/rust/cargo/testdata", t), "Cargo.lock")
        summary.append(("Cargo.lock txtar", t, r and r.get("alone") and len(r["alone"]["packages"])))
    for kind in ("go", "rust"):
        bdir = os.path.join(HERE, kind, "bin")
        for f in sorted(os.listdir(bdir)):
            if f.endswith(".gz"):
                r = binary_case(kind, os.path.join(bdir, f))
                summary.append((kind + " binary", f, r.get("alone") and len(r["alone"]["packages"])))
    base = os.path.join(HERE, "go", "bin", "hello-go119-stripped-ldflags.gz")
    r = binary_case("go", base, "hello-go119-noshdr", patch_noshdr)
    summary.append(("go binary", "noshdr", r.get("alone") and len(r["alone"]["packages"])))
    r = binary_case("go", base, "hello-go119-ptrfmt", patch_ptrfmt)
    summary.append(("go binary", "ptrfmt", r.get("alone") and len(r["alone"]["packages"])))
    # Trivy's analyzer testdata that must give nothing (not executables of a known format).
    for kind in ("golang", "rust"):
        tdir = os.path.join(SRC, "pkg/fanal/analyzer/language", kind, "binary/testdata")
        for f in sorted(os.listdir(tdir)):
            p = os.path.join(tdir, f)
            if os.path.isfile(p) and not os.path.islink(p):
                with tempfile.TemporaryDirectory() as tmp:
                    os.makedirs(os.path.join(tmp, "bin"))
                    shutil.copyfile(p, os.path.join(tmp, "bin", f))
                    os.chmod(os.path.join(tmp, "bin", f), 0o755)
                    res = scan("rootfs", tmp)
                summary.append((kind + " analyzer testdata", f, json.dumps(res)))
    if "--system-binaries" in sys.argv:
        lst = sys.argv[sys.argv.index("--system-binaries") + 1]
        out = {}
        for path in open(lst).read().split():
            with tempfile.TemporaryDirectory() as tmp:
                os.makedirs(os.path.join(tmp, "bin"))
                dst = os.path.join(tmp, "bin", "x")
                os.symlink(path, dst) if False else shutil.copyfile(path, dst)
                os.chmod(dst, 0o755)
                res = scan("rootfs", tmp)
            out[path] = {"size": os.path.getsize(path), "trivy": res.get("bin/x"),
                         "error": res.get("__error__")}
        with open(os.path.join(HERE, "go", "system-binaries.trivy.json"), "w") as f:
            json.dump(out, f, indent=1, sort_keys=True)
            f.write("\n")
    for s in summary:
        print(*s, sep="\t")


if __name__ == "__main__":
    main()
