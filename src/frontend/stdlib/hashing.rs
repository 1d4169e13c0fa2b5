//! Hashing and UUID functions: md5, sha1, sha256, sha512 (hex digests), uuidv4 and uuidv5.

use crate::frontend::value::Value;

use super::{FnError, FnResult, str_arg};
use crate::ir::hex;
use sha2::Digest as _;

pub(crate) fn md5(args: &[Value]) -> FnResult {
    Ok(Value::String(hex(&md5::Md5::digest(str_arg(args, 0)?.as_bytes()))))
}

pub(crate) fn sha1(args: &[Value]) -> FnResult {
    Ok(Value::String(hex(&sha1::Sha1::digest(str_arg(args, 0)?.as_bytes()))))
}

pub(crate) fn sha256(args: &[Value]) -> FnResult {
    Ok(Value::String(hex(&sha2::Sha256::digest(str_arg(args, 0)?.as_bytes()))))
}

pub(crate) fn sha512(args: &[Value]) -> FnResult {
    Ok(Value::String(hex(&sha2::Sha512::digest(str_arg(args, 0)?.as_bytes()))))
}

/// `uuidv4()`: a random UUID (impure, like `timestamp`).
pub(crate) fn uuidv4(_args: &[Value]) -> FnResult {
    Ok(Value::String(uuid::Uuid::new_v4().hyphenated().to_string()))
}

/// `uuidv5(namespace, name)`: namespace is "dns", "url", "oid", "x500" or a UUID.
pub(crate) fn uuidv5(args: &[Value]) -> FnResult {
    let ns = str_arg(args, 0)?;
    let name = str_arg(args, 1)?;
    let namespace = match ns.as_str() {
        "dns" => uuid::Uuid::NAMESPACE_DNS,
        "url" => uuid::Uuid::NAMESPACE_URL,
        "oid" => uuid::Uuid::NAMESPACE_OID,
        "x500" => uuid::Uuid::NAMESPACE_X500,
        other => uuid::Uuid::parse_str(other).map_err(|e| FnError::at(0, format!("uuidv5() doesn't support namespace {other} ({e})")))?,
    };
    Ok(Value::String(uuid::Uuid::new_v5(&namespace, name.as_bytes()).hyphenated().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::stdlib::test_values::s;

    #[test]
    fn digests() {
        assert_eq!(md5(&[s("hello world")]), Ok(s("5eb63bbbe01eeed093cb22bb8f5acdc3")));
        assert_eq!(sha1(&[s("hello world")]), Ok(s("2aae6c35c94fcfb415dbe95f408b9ce91ee846ed")));
        assert_eq!(sha256(&[s("hello world")]), Ok(s("b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9")));
        assert_eq!(
            sha512(&[s("hello world")]),
            Ok(s(
                "309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f989dd35bc5ff499670da34255b45b0cfd830e81f605dcf7dc5542e93ae9cd76f"
            ))
        );
        for f in [md5, sha1, sha256, sha512] {
            assert_eq!(f(&[Value::List(vec![])]).map_err(|e| e.message), Err("argument 1 must be a string, got list".into()));
        }
    }

    #[test]
    fn uuids() {
        assert_eq!(uuidv5(&[s("dns"), s("www.terraform.io")]), Ok(s("a5008fae-b28c-5ba5-96cd-82b4c53552d6")));
        assert_eq!(uuidv5(&[s("url"), s("https://www.terraform.io/")]), Ok(s("9db6f67c-dd95-5ea0-aa5b-e70e5c5f7cf5")));
        assert_eq!(uuidv5(&[s("oid"), s("1.3.6.1.4")]), Ok(s("af9d40a5-7a36-5c07-b23a-851cd99fbfa5")));
        assert_eq!(uuidv5(&[s("x500"), s("CN=Example,C=GB")]), Ok(s("84e09961-4aa4-57f8-95b7-03edb1073253")));
        let custom = uuidv5(&[s("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), s("www.terraform.io")]);
        assert_eq!(custom, Ok(s("a5008fae-b28c-5ba5-96cd-82b4c53552d6")));
        assert!(uuidv5(&[s("tada"), s("x")]).unwrap_err().message.starts_with("uuidv5() doesn't support namespace tada"));
        let Ok(Value::String(v4)) = uuidv4(&[]) else { panic!("uuidv4 failed") };
        assert_eq!((v4.len(), v4.as_bytes()[14]), (36, b'4'));
    }
}
