//! Fuzzes layer unpacking: any bytes, read as a tar and applied to a fresh root (each way
//! whiteouts can be written), never panic and never change anything beside the root.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mpbake::confine::unpack::{Whiteouts, unpack_into};

fuzz_target!(|data: &[u8]| {
    for whiteouts in [Whiteouts::Apply, Whiteouts::Keep, Whiteouts::Overlay] {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let root = dir.path().join("root");
        std::fs::create_dir(&root).expect("the root");
        std::fs::write(dir.path().join("canary"), "canary").expect("the canary");
        let _ = unpack_into(data, &root, whiteouts);
        let mut beside: Vec<String> =
            std::fs::read_dir(dir.path()).expect("listing").flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
        beside.sort();
        assert_eq!(beside, ["canary", "root"], "something was made or removed beside the root");
        assert_eq!(std::fs::read_to_string(dir.path().join("canary")).ok().as_deref(), Some("canary"));
        assert!(root.symlink_metadata().is_ok_and(|m| m.is_dir()), "the root itself was replaced");
    }
});
