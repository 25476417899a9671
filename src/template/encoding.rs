//! Encoding filters: hashes (`sha1`, `sha256`, `sha512`, `md5`), `base64encode`/`base64decode`,
//! `urlencode`/`urldecode`, `toJson`/`json`, `yaml`.

use base64::Engine as _;
use minijinja::Error;
use sha2::Digest as _;

use super::functions::failure;
use super::json;

/// Registers the encoding filters on `env`.
pub(crate) fn register(env: &mut minijinja::Environment<'static>) {
    env.add_filter("sha1", |s: String| {
        hex::encode(sha1::Sha1::digest(s.as_bytes()))
    });
    env.add_filter("sha256", |s: String| {
        hex::encode(sha2::Sha256::digest(s.as_bytes()))
    });
    env.add_filter("sha512", |s: String| {
        hex::encode(sha2::Sha512::digest(s.as_bytes()))
    });
    env.add_filter("md5", |s: String| {
        hex::encode(md5::Md5::digest(s.as_bytes()))
    });
    env.add_filter("base64encode", |s: String| {
        base64::engine::general_purpose::STANDARD.encode(s.as_bytes())
    });
    env.add_filter("base64decode", base64_decode);
    env.add_filter("urldecode", url_decode);
    env.add_filter("toJson", json::to_json);
    env.add_filter("json", json::from_json);
    env.add_filter("jsonDecode", json::from_json);
    env.add_filter("yaml", json::to_yaml);
    env.add_filter("toYaml", json::to_yaml);
}

fn base64_decode(value: String) -> Result<String, Error> {
    super::context::decode_secret(&value).map_err(|e| failure(format!("base64decode: {e}")))
}

/// Percent-decoding (`+` stays a plus, like Java's form decoding is not wanted here).
fn url_decode(value: String) -> Result<String, Error> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() + 1 {
            let hexpair = value
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(b) = hexpair {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).map_err(|_| failure("urldecode: result is not UTF-8"))
}
