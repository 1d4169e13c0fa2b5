//! Writes reproducible layers: a tar with sorted entries, fixed owners where asked and mtimes
//! from SOURCE_DATE_EPOCH, gzip-compressed in parallel pieces while the tar is hashed.

use std::io::{self, Write};

use flate2::GzBuilder;
use sha2::{Digest as _, Sha256};

use crate::ir::{Digest, hex};

/// One file to put into a layer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LayerFile {
    /// Absolute path inside the image.
    pub path: String,
    pub contents: Vec<u8>,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
}

/// A finished layer blob and its identities.
#[derive(Debug, Clone)]
pub struct Layer {
    pub blob: Vec<u8>,
    /// sha256 of the uncompressed tar (the config's rootfs.diff_ids).
    pub diff_id: Digest,
    /// sha256 of the compressed blob (the manifest's layer digest).
    pub digest: Digest,
}

/// Writes `files` (and their parent directories, mode 0755, root-owned) as one layer; entries
/// are sorted by path and stamped with `mtime`, so equal inputs give equal digests.
pub fn write(files: &[LayerFile], mtime: u64, compression: Compression) -> io::Result<Layer> {
    let mut sorted: Vec<&LayerFile> = files.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    let mut dirs: Vec<String> = Vec::new();
    for f in &sorted {
        let parts: Vec<&str> = f.path.trim_start_matches('/').split('/').collect();
        for i in 1..parts.len() {
            let dir = format!("{}/", parts[..i].join("/"));
            if !dirs.contains(&dir) {
                dirs.push(dir);
            }
        }
    }
    dirs.sort();
    write_with(compression, |tar| {
        let mut entries: Vec<(String, Option<&LayerFile>)> = dirs.into_iter().map(|d| (d, None)).collect();
        entries.extend(sorted.iter().map(|f| (f.path.trim_start_matches('/').to_string(), Some(*f))));
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        for (path, file) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_mtime(mtime);
            match file {
                None => {
                    header.set_entry_type(tar::EntryType::Directory);
                    header.set_mode(0o755);
                    header.set_uid(0);
                    header.set_gid(0);
                    header.set_size(0);
                    tar.append_data(&mut header, &path, io::empty())?;
                }
                Some(f) => {
                    header.set_entry_type(tar::EntryType::Regular);
                    header.set_mode(f.mode);
                    header.set_uid(f.uid);
                    header.set_gid(f.gid);
                    header.set_size(f.contents.len() as u64);
                    tar.append_data(&mut header, &path, f.contents.as_slice())?;
                }
            }
        }
        Ok(())
    })
}

/// The tar builder `write_with` hands out.
pub type TarWriter = tar::Builder<Vec<u8>>;

/// Bytes of tar compressed as one gzip member; members are concatenated (a valid gzip stream,
/// RFC 1952 §2.2, which every registry client reads), so a layer compresses on every core.
const MEMBER: usize = 4 << 20;

/// Writes a layer whose entries `append` adds (in an order it makes deterministic).
pub fn write_with(compression: Compression, append: impl FnOnce(&mut TarWriter) -> io::Result<()>) -> io::Result<Layer> {
    compress_as(tar_of(append)?, None, compression)
}

/// The uncompressed tar of the entries `append` adds.
pub fn tar_of(append: impl FnOnce(&mut TarWriter) -> io::Result<()>) -> io::Result<Vec<u8>> {
    let mut tar = tar::Builder::new(Vec::new());
    tar.mode(tar::HeaderMode::Deterministic);
    append(&mut tar)?;
    tar.into_inner()
}

/// The sha256 of a tar: the diff_id its layer will have.
pub fn diff_id(tar: &[u8]) -> Digest {
    Digest { algorithm: "sha256".into(), hex: hex(&Sha256::digest(tar)) }
}

/// How layers are compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Compression {
    /// gzip level 6, in 4 MiB members compressed in parallel: what every registry client reads.
    #[default]
    Gzip,
    /// zstd level 3 on every core: smaller and faster; needs a recent client (containerd 1.5+).
    Zstd,
}

impl Compression {
    pub fn media_type(self) -> &'static str {
        match self {
            Compression::Gzip => super::image::MEDIA_LAYER_GZIP,
            Compression::Zstd => super::image::MEDIA_LAYER_ZSTD,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

/// A layer blob's tar stream, whatever its compression (gzip, zstd or none, told by its first
/// bytes), from the blob in memory or as it arrives.
pub fn decompress<'a>(mut reader: impl io::BufRead + Send + 'a) -> Box<dyn io::Read + Send + 'a> {
    let magic = match reader.fill_buf() {
        Ok(head) => head.get(..4).unwrap_or(head).to_vec(),
        Err(e) => return Box::new(FailingReader(Some(e))),
    };
    match magic.as_slice() {
        [0x1f, 0x8b, ..] => Box::new(flate2::bufread::MultiGzDecoder::new(reader)),
        [0x28, 0xb5, 0x2f, 0xfd, ..] => match zstd::stream::read::Decoder::with_buffer(reader) {
            Ok(d) => Box::new(d),
            Err(e) => Box::new(FailingReader(Some(e))),
        },
        _ => Box::new(reader),
    }
}

/// A reader that reports an error once (a decoder that could not start).
struct FailingReader(Option<io::Error>);

impl io::Read for FailingReader {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Err(self.0.take().unwrap_or_else(|| io::Error::other("unreadable layer")))
    }
}

/// A tar as a layer in the given compression; the tar is hashed for the diff_id meanwhile
/// (unless the caller knows it).
pub fn compress_as(tar: Vec<u8>, known_diff_id: Option<Digest>, compression: Compression) -> io::Result<Layer> {
    match compression {
        Compression::Gzip => compress(tar, known_diff_id),
        Compression::Zstd => {
            let workers = std::thread::available_parallelism().map_or(1, |n| n.get()) as u32;
            let (diff_id, blob) = std::thread::scope(|scope| {
                let hashing = scope.spawn(|| known_diff_id.unwrap_or_else(|| diff_id(&tar)));
                // with one worker or more the output does not depend on their number
                let mut encoder = zstd::stream::write::Encoder::new(Vec::with_capacity(tar.len() / 3), 3)?;
                encoder.multithread(workers.max(1))?;
                encoder.write_all(&tar)?;
                let blob = encoder.finish()?;
                Ok::<_, io::Error>((hashing.join().map_err(|_| io::Error::other("the hasher panicked"))?, blob))
            })?;
            let digest = Digest { algorithm: "sha256".into(), hex: hex(&Sha256::digest(&blob)) };
            Ok(Layer { blob, diff_id, digest })
        }
    }
}

/// A tar as a layer: 4 MiB pieces gzip-compressed (level 6) in parallel while the tar is hashed
/// for the diff_id (unless the caller knows it).
pub fn compress(tar: Vec<u8>, known_diff_id: Option<Digest>) -> io::Result<Layer> {
    let pieces: Vec<&[u8]> = if tar.is_empty() { vec![&tar[..]] } else { tar.chunks(MEMBER).collect() };
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(pieces.len()).max(1);
    let (diff_id, members) = std::thread::scope(|scope| {
        let hashing = scope.spawn(|| known_diff_id.unwrap_or_else(|| diff_id(&tar)));
        let compressing: Vec<_> = (0..workers)
            .map(|w| {
                let pieces = &pieces;
                scope.spawn(move || {
                    (w..pieces.len()).step_by(workers).map(|i| gzip(pieces[i]).map(|m| (i, m))).collect::<io::Result<Vec<_>>>()
                })
            })
            .collect();
        let mut members: Vec<(usize, Vec<u8>)> = Vec::with_capacity(pieces.len());
        for worker in compressing {
            members.extend(worker.join().unwrap_or_else(|_| Err(io::Error::other("a compressor panicked")))?);
        }
        members.sort_by_key(|(i, _)| *i);
        let diff_id = hashing.join().map_err(|_| io::Error::other("the hasher panicked"))?;
        Ok::<_, io::Error>((diff_id, members))
    })?;
    let blob: Vec<u8> = members.into_iter().flat_map(|(_, m)| m).collect();
    let digest = Digest { algorithm: "sha256".into(), hex: hex(&Sha256::digest(&blob)) };
    Ok(Layer { blob, diff_id, digest })
}

/// One gzip member, header mtime 0, level 6.
fn gzip(bytes: &[u8]) -> io::Result<Vec<u8>> {
    let mut encoder = GzBuilder::new().mtime(0).write(Vec::with_capacity(bytes.len() / 3), flate2::Compression::new(6));
    encoder.write_all(bytes)?;
    encoder.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, contents: &[u8]) -> LayerFile {
        LayerFile { path: path.into(), contents: contents.to_vec(), mode: 0o755, uid: 0, gid: 0 }
    }

    #[test]
    fn same_files_in_any_order_give_the_same_digests() {
        let a = write(&[file("/usr/local/bin/x", b"x"), file("/etc/y", b"y")], 0, Compression::Gzip).unwrap_or_else(|e| panic!("{e}"));
        let b = write(&[file("/etc/y", b"y"), file("/usr/local/bin/x", b"x")], 0, Compression::Gzip).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((&a.diff_id, &a.digest), (&b.diff_id, &b.digest));
        assert_eq!(a.digest, Digest::sha256(&a.blob));
        let c = write(&[file("/etc/y", b"z")], 0, Compression::Gzip).unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(a.digest, c.digest);
    }

    #[test]
    fn entries_are_sorted_with_parent_directories() {
        let layer = write(&[file("/usr/local/bin/x", b"x"), file("/etc/y", b"y")], 1_700_000_000, Compression::Gzip)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut archive = tar::Archive::new(flate2::read::MultiGzDecoder::new(layer.blob.as_slice()));
        let entries: Vec<(String, u64, u32)> = archive
            .entries()
            .unwrap_or_else(|e| panic!("{e}"))
            .flatten()
            .map(|e| {
                (
                    e.path().map(|p| p.display().to_string()).unwrap_or_default(),
                    e.header().mtime().unwrap_or(0),
                    e.header().mode().unwrap_or(0),
                )
            })
            .collect();
        let paths: Vec<&str> = entries.iter().map(|(p, _, _)| p.as_str()).collect();
        assert_eq!(paths, ["etc/", "etc/y", "usr/", "usr/local/", "usr/local/bin/", "usr/local/bin/x"]);
        assert!(entries.iter().all(|(_, m, _)| *m == 1_700_000_000));
    }
}
