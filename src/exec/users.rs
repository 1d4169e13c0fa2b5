//! `USER` and `--chown` values — `name|uid[:group|gid]` — resolved against an image's
//! /etc/passwd and /etc/group, as BuildKit resolves them.

use std::path::Path;

/// A numeric owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Owner {
    pub uid: u32,
    pub gid: u32,
}

/// Whether `spec` needs the image's files to resolve (it names a user or group).
pub fn needs_lookup(spec: &str) -> bool {
    spec.split(':').any(|part| !part.is_empty() && part.parse::<u32>().is_err())
}

/// Resolves `spec`; `rootfs` is the image's root (None when `spec` is numeric). A numeric user
/// without a group takes its passwd group when the image has one, else 0.
pub fn resolve(spec: &str, rootfs: Option<&Path>) -> Result<Owner, String> {
    // read inside the image's root (its /etc/passwd may be a symlink to anywhere), 4 MiB at most
    let root = rootfs.map(crate::confine::Root::open).transpose().map_err(|e| format!("opening the image's files: {e}"))?;
    let read = |file: &str| -> Result<String, String> {
        let bytes = root.as_ref().map(|r| r.read_small(file, 4 << 20)).transpose().map_err(|e| format!("reading /{file}: {e}"))?;
        Ok(bytes.flatten().map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default())
    };
    resolve_in(spec, &read("etc/passwd")?, &read("etc/group")?)
}

/// Resolves `spec` against the texts of an image's /etc/passwd and /etc/group (empty when the
/// image has none).
pub fn resolve_in(spec: &str, passwd: &str, group_file: &str) -> Result<Owner, String> {
    let (user, group) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    let entry = passwd.lines().map(|l| l.split(':').collect::<Vec<_>>()).find(|f| f.len() > 3 && (f[0] == user || f[2] == user));
    let uid = match user.parse::<u32>() {
        Ok(uid) => uid,
        Err(_) => {
            entry.as_ref().and_then(|f| f[2].parse().ok()).ok_or_else(|| format!("user `{user}` is not in the image's /etc/passwd"))?
        }
    };
    let gid = match group {
        None => entry.as_ref().and_then(|f| f[3].parse().ok()).unwrap_or(0),
        Some(g) => match g.parse::<u32>() {
            Ok(gid) => gid,
            Err(_) => group_file
                .lines()
                .map(|l| l.split(':').collect::<Vec<_>>())
                .find(|f| f.len() > 2 && f[0] == g)
                .and_then(|f| f[2].parse().ok())
                .ok_or_else(|| format!("group `{g}` is not in the image's /etc/group"))?,
        },
    };
    Ok(Owner { uid, gid })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers_resolve_through_the_image_files() {
        let root = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::create_dir(root.path().join("etc")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(root.path().join("etc/passwd"), "root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/app:/bin/sh\n")
            .unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(root.path().join("etc/group"), "root:x:0:\nstaff:x:50:\n").unwrap_or_else(|e| panic!("{e}"));
        let r = Some(root.path());
        assert_eq!(resolve("app", r), Ok(Owner { uid: 1000, gid: 1001 }));
        assert_eq!(resolve("1000", r), Ok(Owner { uid: 1000, gid: 1001 }));
        assert_eq!(resolve("app:staff", r), Ok(Owner { uid: 1000, gid: 50 }));
        assert_eq!(resolve("7:8", None), Ok(Owner { uid: 7, gid: 8 }));
        assert!(resolve("nobody", r).is_err_and(|e| e.contains("/etc/passwd")));
        assert!(needs_lookup("app:1") && !needs_lookup("1:2"));
    }
}
