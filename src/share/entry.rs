//! `cache-from`/`cache-to` entries as bake writes them: `type=local,dest=DIR` (`src=DIR` to
//! read), `type=registry,ref=REPO:TAG` (or the bare ref), `mode=min|max`.

use std::path::PathBuf;

use crate::ir::{Composable, ImageRef};

/// Where a cache is.
#[derive(Debug, Clone, PartialEq)]
pub enum Place {
    /// An OCI image layout directory.
    Local(PathBuf),
    Registry(ImageRef),
}

/// What an export holds: the records of the steps whose layers are in the outputs (`min`, the
/// default, as BuildKit's), or of every step (`max`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    Min,
    Max,
}

/// One cache entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub place: Place,
    pub mode: Mode,
    /// `mounts=true`: cache-to also exports the content of `RUN --mount=type=cache` directories.
    pub mounts: bool,
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Place::Local(dir) => write!(f, "type=local,{}", dir.display()),
            Place::Registry(image) => write!(f, "type=registry,ref={image}"),
        }
    }
}

/// Reads one entry; `writing` picks `dest` (cache-to) over `src` (cache-from) for a local one.
/// Err says why it is skipped (an unknown type, a missing place).
pub fn entry(fields: &Composable, writing: bool) -> Result<Entry, String> {
    let kind = fields.get("type").map_or("registry", String::as_str);
    let mode = match fields.get("mode").map(String::as_str) {
        None | Some("min") => Mode::Min,
        Some("max") => Mode::Max,
        Some(other) => return Err(format!("mode={other}: it takes min or max")),
    };
    let place = match kind {
        "local" => {
            let key = if writing { "dest" } else { "src" };
            let dir = fields.get(key).ok_or_else(|| format!("type=local needs {key}=DIR"))?;
            Place::Local(PathBuf::from(dir))
        }
        "registry" => {
            let text = fields.get("ref").ok_or("type=registry needs ref=REGISTRY/REPO:TAG")?;
            Place::Registry(ImageRef::parse(text).map_err(|e| format!("ref={text}: {e}"))?)
        }
        other => return Err(format!("type={other} is not supported (mpbake shares caches through type=local and type=registry)")),
    };
    let mounts = fields.get("mounts").is_some_and(|m| m == "true");
    Ok(Entry { place, mode, mounts })
}

/// The distinct entries of `lists` in order, and why each unusable one is skipped.
pub fn entries<'a>(lists: impl IntoIterator<Item = &'a Composable>, writing: bool) -> (Vec<Entry>, Vec<String>) {
    let (mut out, mut skipped) = (Vec::new(), Vec::new());
    for fields in lists {
        match entry(fields, writing) {
            Ok(e) if !out.contains(&e) => out.push(e),
            Ok(_) => {}
            Err(why) => skipped.push(why),
        }
    }
    (out, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> Composable {
        text.split(',').filter_map(|kv| kv.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn entries_as_bake_writes_them() {
        let e = entry(&fields("type=registry,ref=127.0.0.1:5000/cache:go,mode=max"), true).unwrap();
        assert_eq!((e.mode, e.place.to_string()), (Mode::Max, "type=registry,ref=127.0.0.1:5000/cache:go".into()));
        assert_eq!(entry(&fields("type=local,dest=c,src=d"), true).unwrap().place, Place::Local("c".into()));
        assert_eq!(entry(&fields("type=local,dest=c,src=d"), false).unwrap().place, Place::Local("d".into()));
        assert_eq!(entry(&fields("type=local,src=d"), false).unwrap().mode, Mode::Min);
        assert!(entry(&fields("type=local,dest=c,mounts=true"), true).unwrap().mounts);
        assert!(entry(&fields("type=gha,scope=x"), true).unwrap_err().contains("not supported"));
        assert!(entry(&fields("type=local,src=d"), true).unwrap_err().contains("dest"));
        let (list, skipped) = entries([&fields("type=local,src=a"), &fields("type=local,src=a"), &fields("type=s3")], false);
        assert_eq!((list.len(), skipped.len()), (1, 1));
    }
}
