//! Turns a directory — an overlayfs upper dir after a RUN, or a copied root filesystem's
//! changes — into a reproducible layer: entries in name order, overlay whiteouts and opaque
//! markers rewritten as OCI `.wh.` entries (OCI whiteout files kept, in the same places), hard
//! links kept, mtimes clamped to SOURCE_DATE_EPOCH.

use std::collections::HashMap;
use std::io::{self, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

use sha2::{Digest as _, Sha256};

use crate::ir::{Digest, hex};
use crate::oci::layer::{self, Compression, Layer, TarWriter};

/// Writes the tree under `root` (not `root` itself) as a layer; no mtime is later than `epoch`.
pub fn layer_of_dir(root: &Path, epoch: u64, compression: Compression) -> io::Result<Layer> {
    layer::write_with(compression, |tar: &mut TarWriter| append_tree(tar, root, epoch))
}

/// The diff_id `layer_of_dir` would give, without compressing: a cheap key for a staged COPY.
pub fn diff_id_of_dir(root: &Path, epoch: u64) -> io::Result<Digest> {
    let mut tar = tar::Builder::new(Sha256Writer(Sha256::new()));
    append_tree(&mut tar, root, epoch)?;
    let hash = tar.into_inner()?.0.finalize();
    Ok(Digest { algorithm: "sha256".into(), hex: hex(&hash) })
}

struct Sha256Writer(Sha256);

impl Write for Sha256Writer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn append_tree<W: Write>(tar: &mut tar::Builder<W>, root: &Path, epoch: u64) -> io::Result<()> {
    let mut links: HashMap<(u64, u64), String> = HashMap::new();
    // a whiteout file sorts as the name it hides and an opaque marker first, so a tree with
    // OCI markers gives the bytes a tree with overlayfs's gives
    let order = |name: &std::ffi::OsStr| {
        let name = name.to_string_lossy();
        match name.strip_prefix(".wh.") {
            Some(".wh..opq") => String::new(),
            Some(hidden) => hidden.to_string(),
            None => name.into_owned(),
        }
    };
    let sorted = walkdir::WalkDir::new(root).min_depth(1).sort_by(move |a, b| order(a.file_name()).cmp(&order(b.file_name())));
    for entry in sorted {
        let entry = entry.map_err(io::Error::other)?;
        let relative = entry.path().strip_prefix(root).map_err(io::Error::other)?.to_string_lossy().into_owned();
        append(tar, entry.path(), &relative, epoch, &mut links)?;
    }
    Ok(())
}

fn append<W: Write>(
    tar: &mut tar::Builder<W>,
    path: &Path,
    name: &str,
    epoch: u64,
    links: &mut HashMap<(u64, u64), String>,
) -> io::Result<()> {
    let meta = path.symlink_metadata()?;
    let kind = meta.file_type();
    let mut header = tar::Header::new_gnu();
    header.set_mtime((meta.mtime().max(0) as u64).min(epoch));
    header.set_uid(u64::from(meta.uid()));
    header.set_gid(u64::from(meta.gid()));
    header.set_mode(meta.mode() & 0o7777);
    header.set_size(0);
    let base = name.rsplit_once('/').map_or(name, |(_, base)| base);
    if kind.is_file() && base == ".wh..wh..opq" {
        return tar.append_data(&mut opaque_marker(), name, io::empty());
    }
    let oci_whiteout = kind.is_file() && base.starts_with(".wh.");
    if oci_whiteout || kind.is_char_device() && meta.rdev() == 0 {
        let whiteout = match (oci_whiteout, name.rsplit_once('/')) {
            (true, _) => name.to_string(),
            (false, Some((dir, base))) => format!("{dir}/.wh.{base}"),
            (false, None) => format!(".wh.{name}"),
        };
        header.set_entry_type(tar::EntryType::Regular);
        header.set_mode(0);
        return tar.append_data(&mut header, whiteout, io::empty());
    }
    if kind.is_dir() {
        header.set_entry_type(tar::EntryType::Directory);
        tar.append_data(&mut header, format!("{name}/"), io::empty())?;
        if rustix::fs::lgetxattr(path, "trusted.overlay.opaque", &mut [0u8; 1]).is_ok_and(|n| n == 1) {
            tar.append_data(&mut opaque_marker(), format!("{name}/.wh..wh..opq"), io::empty())?;
        }
        return Ok(());
    }
    if kind.is_symlink() {
        header.set_entry_type(tar::EntryType::Symlink);
        return tar.append_link(&mut header, name, std::fs::read_link(path)?);
    }
    if kind.is_file() {
        if meta.nlink() > 1 {
            if let Some(first) = links.get(&(meta.dev(), meta.ino())) {
                header.set_entry_type(tar::EntryType::Link);
                return tar.append_link(&mut header, name, first);
            }
            links.insert((meta.dev(), meta.ino()), name.to_string());
        }
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(meta.len());
        return tar.append_data(&mut header, name, std::fs::File::open(path)?);
    }
    let entry_type = if kind.is_fifo() {
        tar::EntryType::Fifo
    } else if kind.is_char_device() {
        tar::EntryType::Char
    } else if kind.is_block_device() {
        tar::EntryType::Block
    } else {
        return Ok(()); // sockets do not belong in images
    };
    header.set_entry_type(entry_type);
    header.set_device_major(rustix::fs::major(meta.rdev()))?;
    header.set_device_minor(rustix::fs::minor(meta.rdev()))?;
    tar.append_data(&mut header, name, io::empty())
}

/// The `.wh..wh..opq` entry of an opaque directory.
fn opaque_marker() -> tar::Header {
    let mut marker = tar::Header::new_gnu();
    marker.set_entry_type(tar::EntryType::Regular);
    marker.set_mtime(0);
    marker.set_mode(0);
    marker.set_size(0);
    marker
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::unpack;

    fn entries(layer: &Layer) -> Vec<(String, tar::EntryType, u64)> {
        let mut archive = tar::Archive::new(flate2::read::MultiGzDecoder::new(layer.blob.as_slice()));
        let entries = archive.entries().unwrap_or_else(|e| panic!("{e}"));
        entries
            .flatten()
            .map(|e| {
                (
                    e.path().map(|p| p.display().to_string()).unwrap_or_default(),
                    e.header().entry_type(),
                    e.header().mtime().unwrap_or(u64::MAX),
                )
            })
            .collect()
    }

    #[test]
    fn a_layer_round_trips_through_unpack_with_whiteouts() {
        let source = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let root = source.path();
        std::fs::create_dir_all(root.join("etc/sub")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(root.join("etc/b"), b"bee").unwrap_or_else(|e| panic!("{e}"));
        std::fs::hard_link(root.join("etc/b"), root.join("etc/a")).unwrap_or_else(|e| panic!("{e}"));
        std::os::unix::fs::symlink("b", root.join("etc/c")).unwrap_or_else(|e| panic!("{e}"));
        rustix::fs::mknodat(rustix::fs::CWD, root.join("etc/gone"), rustix::fs::FileType::CharacterDevice, rustix::fs::Mode::empty(), 0)
            .unwrap_or_else(|e| panic!("{e}"));
        rustix::fs::lsetxattr(root.join("etc/sub"), "trusted.overlay.opaque", b"y", rustix::fs::XattrFlags::empty())
            .unwrap_or_else(|e| panic!("{e}"));
        let layer = layer_of_dir(root, 100, Compression::Gzip).unwrap_or_else(|e| panic!("{e}"));
        let listed = entries(&layer);
        let names: Vec<&str> = listed.iter().map(|(n, _, _)| n.as_str()).collect();
        assert_eq!(names, ["etc/", "etc/a", "etc/b", "etc/c", "etc/.wh.gone", "etc/sub/", "etc/sub/.wh..wh..opq"]);
        assert_eq!(listed[2].1, tar::EntryType::Link, "the second name of a file is a hard link");
        assert!(listed.iter().all(|(_, _, mtime)| *mtime <= 100), "mtimes clamped");
        let again = layer_of_dir(root, 100, Compression::Gzip).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again.digest, layer.digest, "deterministic");
        assert_eq!(diff_id_of_dir(root, 100).ok(), Some(layer.diff_id.clone()), "the uncompressed digest without compressing");

        let target = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        unpack::unpack_blob(layer.blob.as_slice(), target.path(), unpack::Whiteouts::Overlay, Some(&layer.diff_id))
            .unwrap_or_else(|e| panic!("{e}"));
        let round = layer_of_dir(target.path(), 100, Compression::Gzip).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(round.diff_id, layer.diff_id, "unpacking and re-packing gives the same tar");
    }
}
