//! Removing credentials from repository URLs and from messages that may quote them, the way
//! Flux's `sanitized.go` does: every URL shown in an error, a log line or the API goes through
//! [`sanitize_url`], and every git2 message through [`scrub`].

/// Strips `user:password@` (and any userinfo) and the query string (where tokens hide) from a
/// URL. scp-like SSH addresses (`git@host:org/repo.git`) keep their user name, which is not a
/// secret; plain paths are returned unchanged.
pub fn sanitize_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return sanitize_scp_like(url);
    };
    let (scheme, rest) = url.split_at(scheme_end + 3);
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let path = path.split_once('?').map_or(path, |(before, _)| before);
    format!("{scheme}{host}{path}")
}

/// `user:secret@host:path` is not valid scp syntax, but if someone writes it the part before `@`
/// is dropped rather than shown.
fn sanitize_scp_like(url: &str) -> String {
    match url.split_once('@') {
        Some((userinfo, host_path)) if userinfo.contains(':') && !userinfo.contains('/') => {
            host_path.to_string()
        }
        _ => url.to_string(),
    }
}

/// Removes userinfo from every `scheme://user:pass@host` inside free text (git2 messages quote
/// URLs) and replaces each known secret value with `***`.
pub(crate) fn scrub(message: &str, secrets: &[&str]) -> String {
    let mut out = strip_userinfo_in_text(message);
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        out = out.replace(secret, "***");
    }
    out
}

fn strip_userinfo_in_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("://") {
        let (head, tail) = rest.split_at(pos + 3);
        out.push_str(head);
        let authority_end = tail
            .find(|c: char| {
                c == '/' || c == '?' || c == '#' || c.is_whitespace() || c == '\'' || c == '"'
            })
            .unwrap_or(tail.len());
        let (authority, after) = tail.split_at(authority_end);
        out.push_str(
            authority
                .rsplit_once('@')
                .map_or(authority, |(_, host)| host),
        );
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_removes_userinfo_and_secret_values_from_messages() {
        let msg = "failed to fetch 'https://bob:s3cr3t@example.com/x.git': token s3cr3t refused";
        assert_eq!(
            scrub(msg, &["s3cr3t"]),
            "failed to fetch 'https://example.com/x.git': token *** refused"
        );
    }

    #[test]
    fn scp_like_with_password_is_stripped() {
        assert_eq!(sanitize_scp_like("bob:pw@host:org/r.git"), "host:org/r.git");
        assert_eq!(
            sanitize_scp_like("git@host:org/r.git"),
            "git@host:org/r.git"
        );
    }
}
