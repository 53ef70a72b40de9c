//! Hash functions: `md5`, `sha1`, `sha256`, `sha512` (hexadecimal),
//! `base64sha256`, `base64sha512`, and `uuidv5`. The string is hashed as
//! UTF-8. The file variants (`filemd5`, ...) read files: [`hash_bytes`]
//! computes them for the evaluator.

use super::{Args, FnResult, Func};
use crate::eval::value::Value;
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

pub(super) fn lookup(name: &str) -> Option<Func> {
    Some(match name {
        "md5" => |a| hash(a, "md5"),
        "sha1" => |a| hash(a, "sha1"),
        "sha256" => |a| hash(a, "sha256"),
        "sha512" => |a| hash(a, "sha512"),
        "base64sha256" => |a| hash(a, "base64sha256"),
        "base64sha512" => |a| hash(a, "base64sha512"),
        "uuidv5" => uuidv5,
        _ => return None,
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The hash `name` (`md5`, `sha1`, `sha256`, `sha512`, `base64sha256`,
/// `base64sha512`) of some bytes, as Terraform writes it: `filesha256(p)`
/// is `hash_bytes("sha256", contents)`.
pub fn hash_bytes(name: &str, bytes: &[u8]) -> Option<String> {
    Some(match name {
        "md5" => hex(&Md5::digest(bytes)),
        "sha1" => hex(&Sha1::digest(bytes)),
        "sha256" => hex(&Sha256::digest(bytes)),
        "sha512" => hex(&Sha512::digest(bytes)),
        "base64sha256" => super::base64_encode(&Sha256::digest(bytes)),
        "base64sha512" => super::base64_encode(&Sha512::digest(bytes)),
        _ => return None,
    })
}

fn hash(a: &Args, name: &str) -> FnResult {
    a.arity(1, 1)?;
    let s = a.str(0)?;
    Ok(Value::String(
        hash_bytes(name, s.as_bytes()).expect("a known hash"),
    ))
}

/// `uuidv5(namespace, name)`: `dns`, `url`, `oid`, `x500` or a UUID as the
/// namespace.
fn uuidv5(a: &Args) -> FnResult {
    a.arity(2, 2)?;
    let ns = a.str(0)?;
    let name = a.str(1)?;
    let namespace = match ns.as_str() {
        "dns" => uuid::Uuid::NAMESPACE_DNS,
        "url" => uuid::Uuid::NAMESPACE_URL,
        "oid" => uuid::Uuid::NAMESPACE_OID,
        "x500" => uuid::Uuid::NAMESPACE_X500,
        other => uuid::Uuid::parse_str(other)
            .map_err(|e| format!("uuidv5() doesn't support namespace {other} ({e})"))?,
    };
    // RFC 4122 section 4.3: SHA-1 of the namespace and the name, version
    // and variant bits set.
    let mut h = Sha1::new();
    h.update(namespace.as_bytes());
    h.update(name.as_bytes());
    let digest = h.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    Ok(Value::String(
        uuid::Builder::from_sha1_bytes(bytes)
            .into_uuid()
            .to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use crate::eval::funcs::call_test as call;
    use crate::eval::funcs::testing::*;
    use crate::eval::value::Value;

    #[test]
    fn documented_examples() {
        // developer.hashicorp.com/terraform/language/functions/<name>
        let cases: Vec<(&str, Vec<Value>, &str)> = vec![
            (
                "base64sha256",
                vec![s("hello world")],
                "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=",
            ),
            (
                "base64sha512",
                vec![s("hello world")],
                "MJ7MSJwS1utMxA9QyQLytNDtd+5RGnx6m808qG1M2G+YndNbxf9JlnDaNCVbRbDP2DDoH2Bdz33FVC6TrpzXbw==",
            ),
            (
                "md5",
                vec![s("hello world")],
                "5eb63bbbe01eeed093cb22bb8f5acdc3",
            ),
            (
                "sha1",
                vec![s("hello world")],
                "2aae6c35c94fcfb415dbe95f408b9ce91ee846ed",
            ),
            (
                "sha256",
                vec![s("hello world")],
                "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9",
            ),
            (
                "sha512",
                vec![s("hello world")],
                "309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f989dd35bc5ff499670da34255b45b0cfd830e81f605dcf7dc5542e93ae9cd76f",
            ),
            (
                "uuidv5",
                vec![s("dns"), s("www.terraform.io")],
                "a5008fae-b28c-5ba5-96cd-82b4c53552d6",
            ),
            (
                "uuidv5",
                vec![s("url"), s("https://www.terraform.io/")],
                "9db6f67c-dd95-5ea0-aa5b-e70e5c5f7cf5",
            ),
            (
                "uuidv5",
                vec![s("oid"), s("1.3.6.1.4")],
                "af9d40a5-7a36-5c07-b23a-851cd99fbfa5",
            ),
            (
                "uuidv5",
                vec![s("x500"), s("CN=Example,C=GB")],
                "84e09961-4aa4-57f8-95b7-03edb1073253",
            ),
            (
                "uuidv5",
                vec![
                    s("6ba7b810-9dad-11d1-80b4-00c04fd430c8"),
                    s("www.terraform.io"),
                ],
                "a5008fae-b28c-5ba5-96cd-82b4c53552d6",
            ),
            (
                "uuidv5",
                vec![
                    s("743ac3c0-3bf7-4a5b-9e6c-59360447c757"),
                    s("LIBS:diskfont.library"),
                ],
                "ede1a974-df7e-5f17-84b9-76208818b2c8",
            ),
        ];
        for (f, args, want) in cases {
            assert_eq!(call(f, args.clone()), s(want), "{f}({args:?})");
        }
        assert!(is_error(&call("uuidv5", vec![s("nope"), s("x")])));
        assert_eq!(
            super::hash_bytes("sha1", b"hello world").as_deref(),
            Some("2aae6c35c94fcfb415dbe95f408b9ce91ee846ed")
        );
    }

    #[test]
    fn symbolic_arguments() {
        for f in [
            "md5",
            "sha1",
            "sha256",
            "sha512",
            "base64sha256",
            "base64sha512",
        ] {
            assert!(is_after_apply(&call(f, vec![member()])), "{f}");
            assert!(is_no_value(&call(f, vec![unknown()])), "{f}");
        }
        assert!(is_after_apply(&call("uuidv5", vec![s("dns"), email()])));
    }
}
