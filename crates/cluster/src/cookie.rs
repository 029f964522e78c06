//! The shared secret of a cluster, read from a file the way ssh reads a private key.

use std::io::Read;
use std::path::Path;

use crate::ClusterError;

/// Longest cookie file read; a cookie is a line, and a larger file is a mistake.
const MAX_COOKIE_BYTES: u64 = 4096;

/// The cookie nodes and drivers prove to each other (ractor_cluster's Erlang-style challenge).
/// Read from a file, never from a flag, so it does not show in `ps`; `Debug` does not print it.
#[derive(Clone, PartialEq, Eq)]
pub struct Cookie(String);

impl std::fmt::Debug for Cookie {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cookie(..)")
    }
}

impl Cookie {
    /// Reads the cookie from `path`: its content with surrounding whitespace trimmed. A file that
    /// its group or others may access is refused (as ssh refuses such keys), and so is an empty
    /// one, a large one, or one that is not UTF-8.
    pub fn read(path: &Path) -> Result<Cookie, ClusterError> {
        let unreadable = |source| ClusterError::CookieUnreadable {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::open(path).map_err(unreadable)?;
        // The checks look at the file that was opened, not at whatever the path names later.
        let meta = file.metadata().map_err(unreadable)?;
        let invalid = |reason: String| ClusterError::CookieInvalid {
            path: path.to_path_buf(),
            reason,
        };
        if !meta.is_file() {
            return Err(invalid("not a regular file".to_string()));
        }
        check_mode(path, &meta)?;
        if meta.len() > MAX_COOKIE_BYTES {
            return Err(invalid(format!(
                "{} bytes; a cookie file holds at most {MAX_COOKIE_BYTES}",
                meta.len()
            )));
        }
        let mut bytes = Vec::new();
        file.take(MAX_COOKIE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(unreadable)?;
        let text = String::from_utf8(bytes).map_err(|_| invalid("not UTF-8 text".to_string()))?;
        Cookie::new(text.trim()).map_err(invalid)
    }

    /// A cookie from text already trimmed (tests, or a secret held elsewhere). Refused when empty
    /// or when it holds control characters.
    pub fn new(text: &str) -> Result<Cookie, String> {
        if text.is_empty() {
            return Err("empty: put a long random secret in it (e.g. head -c 32 /dev/urandom | base64)".to_string());
        }
        if text.chars().any(char::is_control) {
            return Err("the cookie holds control characters (a binary file?)".to_string());
        }
        Ok(Cookie(text.to_string()))
    }

    /// The secret itself, for ractor_cluster.
    pub(crate) fn secret(&self) -> &str {
        &self.0
    }
}

#[cfg(unix)]
fn check_mode(path: &Path, meta: &std::fs::Metadata) -> Result<(), ClusterError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(ClusterError::CookieExposed {
            path: path.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_mode(_: &Path, _: &std::fs::Metadata) -> Result<(), ClusterError> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn write(dir: &Path, content: &[u8], mode: u32) -> std::path::PathBuf {
        let path = dir.join("cookie");
        std::fs::write(&path, content).expect("write cookie");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
        path
    }

    #[test]
    fn the_content_is_trimmed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write(dir.path(), b"  s3cret\n\n", 0o600);
        assert_eq!(Cookie::read(&path).expect("cookie").secret(), "s3cret");
    }

    #[test]
    fn a_file_others_can_read_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        for mode in [0o644, 0o640, 0o604, 0o620] {
            let path = write(dir.path(), b"s3cret", mode);
            let err = Cookie::read(&path).expect_err("exposed");
            assert!(matches!(err, ClusterError::CookieExposed { .. }), "{err}");
            assert!(err.to_string().contains(&format!("{mode:04o}")), "{err}");
            assert!(err.to_string().contains("chmod 600"), "{err}");
        }
        let path = write(dir.path(), b"s3cret", 0o400);
        assert!(Cookie::read(&path).is_ok());
    }

    #[test]
    fn an_empty_or_binary_file_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        for content in [&b""[..], b" \n\t\n", b"\xff\xfe", b"a\0b"] {
            let path = write(dir.path(), content, 0o600);
            let err = Cookie::read(&path).expect_err("invalid");
            assert!(matches!(err, ClusterError::CookieInvalid { .. }), "{content:?}: {err}");
        }
        let path = write(dir.path(), &vec![b'a'; 5000], 0o600);
        assert!(matches!(Cookie::read(&path), Err(ClusterError::CookieInvalid { .. })));
    }

    #[test]
    fn a_missing_file_names_itself() {
        let err = Cookie::read(Path::new("/nonexistent/cookie")).expect_err("missing");
        assert!(err.to_string().contains("/nonexistent/cookie"), "{err}");
    }

    #[test]
    fn debug_hides_the_secret() {
        let cookie = Cookie::new("hunter2").expect("cookie");
        assert!(!format!("{cookie:?}").contains("hunter2"));
    }
}
